#!/usr/bin/env bash
# One training step of every deep generator, imbgen against a PyTorch-eager program with the same
# architectures, losses, optimizers and batches (bench/torch_reference_gans.py and
# bench/torch_reference_vaes.py), side by side in one run, one thread each, on the benchmark's
# data shape (492 rows x 29 features of the fitted class). Prints ms per step and the ratio.
#
# What each side times:
#   imbgen  gan, wgan_gp and ctgan: the trainer's step() alone (BM_GanTrainStep,
#           BM_WganGpTrainStep, BM_CtganTrainStep; ctgan's encoding of its benchmark rows is a
#           little wider than the PyTorch side's, 133 columns against 123). The others: the
#           difference of the longest and the shortest default fit (BM_*FitSteps: 200 and 400
#           steps, ddpm 200 and 1,200), over the difference in steps, so their setup (for tvae
#           the mixture fits of the mode-specific normalization, for ddpm also its validation
#           samples) cancels.
#   torch   the training steps only, after 20 warm-up steps, best of 3 repeats.
# Then the floor: the step's matrix-multiply FLOPs (bench/step_flops.py, counted by torch.profiler
# on the PyTorch side) over this core's float32 rate on one thread (the faster of LibTorch's large
# product and imbgen's own AVX-512 product, BM_OwnGemm), the time below which the step's products
# alone cannot go here, next to a third of PyTorch's time (the
# issue's 3x target). And for sampling, the most rows per second a core can make: that rate over
# the FLOPs per row of the network that makes a row.
# Usage: bench/train_steps_vs_torch.sh [ROUNDS]   (default 1; with more, both sides run that many
# times in turn and the best of each is kept). Needs build/release (scripts/setup.sh) and
# Debian's python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
bench=build/release/bench/generators_bench
[ -x "$bench" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }
py=/usr/bin/python3
"$py" -c "import torch" 2>/dev/null || { echo "needs Debian's python3-torch" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The matrix kernels OpenBLAS chose (see the README on OPENBLAS_CORETYPE): both sides use them.
echo "OpenBLAS kernels: $(OPENBLAS_VERBOSE=2 "$bench" --benchmark_list_tests 2>&1 | sed -n 's/^Core: *//p' | head -1)"
for r in $(seq "$rounds"); do
  # imbgen: items_per_second is steps per second for every benchmark selected here.
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bench" \
    --benchmark_filter='BM_GanTrainStep|BM_WganGpTrainStep|BM_CtganTrainStep|FitSteps' --benchmark_format=csv 2>/dev/null |
    awk -F, '/^"BM_/ {
      name = $1; gsub(/"/, "", name); sub(/^BM_/, "", name)
      for (i = 1; i <= NF; ++i) if (head[i] == "items_per_second") ips = $i
      if (name == "GanTrainStep") printf "imbgen gan %.4f\n", 1000 / ips
      else if (name == "WganGpTrainStep") printf "imbgen wgan_gp %.4f\n", 1000 / ips
      else if (name == "CtganTrainStep") printf "imbgen ctgan %.4f\n", 1000 / ips
      else if (name ~ /^(WganGp|Ctgan)FitSteps/) next  # the step alone above is what PyTorch times
      else if (name ~ /FitSteps\/[0-9]+$/) {
        m = name; sub(/FitSteps\/.*/, "", m); m = tolower(m)
        steps = name; sub(/.*\//, "", steps); steps += 0
        fit_seconds[m, steps] = steps / ips  # one whole fit
        if (!(m in short) || steps < short[m]) short[m] = steps
        if (steps > long[m]) long[m] = steps
      }
      next
    }
    /^name,/ { for (i = 1; i <= NF; ++i) head[i] = $i }
    END {
      for (m in short) if (long[m] > short[m])
        printf "imbgen %s %.4f\n", m,
          (fit_seconds[m, long[m]] - fit_seconds[m, short[m]]) * 1000 / (long[m] - short[m])
    }' >>"$tmp/all"
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$py" bench/torch_reference_gans.py | awk '/^torch_step_ms/ { print "torch", $2, $3 }' >>"$tmp/all"
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$py" bench/torch_reference_vaes.py | awk '/^torch_step_ms/ { print "torch", $2, $3 }' >>"$tmp/all"
done
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$py" bench/step_flops.py >"$tmp/flops"
# imbgen's own AVX-512 product (where it runs), on square products of the steps' sizes: where it
# is faster than LibTorch's large product, the floor divides by its rate instead.
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bench" --benchmark_filter='BM_OwnGemm/(256|1024)$' \
  --benchmark_format=csv 2>/dev/null |
  awk -F, '/^name,/ { for (i = 1; i <= NF; ++i) head[i] = $i; next }
    /^"BM_OwnGemm/ { for (i = 1; i <= NF; ++i) if (head[i] == "items_per_second" && $i / 1e9 > best) best = $i / 1e9 }
    END { if (best > 0) printf "peak_gflops own_products %.1f\n", best }' >>"$tmp/flops"
cat "$tmp/flops"

echo "ms per training step, one thread, best of $rounds round(s):"
awk 'FNR == NR { if ($1 == "step_mflop") mflop[$2] = $3
    if ($1 == "peak_gflops" && $2 != "step_shapes" && $3 > peak) peak = $3; next }
  { k = $1 " " $2; if (!(k in best) || $3 < best[k]) best[k] = $3 }
  END {
    printf "%-8s %9s %9s %7s %10s %9s %12s\n", "model", "imbgen", "pytorch", "ratio", "MFLOP/step",
      "floor", "pytorch / 3"
    n = split("gan wgan_gp ctgan vae cvae tvae ddpm", order, " ")
    for (j = 1; j <= n; ++j) {
      m = order[j]; a = best["imbgen " m]; b = best["torch " m]
      floor_ms = peak > 0 ? mflop[m] / peak : 0
      printf "%-8s %9s %9s %7s %10.1f %9.3f %12s\n", m, a == "" ? "-" : sprintf("%.3f", a),
        b == "" ? "-" : sprintf("%.3f", b), (a == "" || b == "") ? "-" : sprintf("%.2fx", b / a),
        mflop[m], floor_ms, b == "" ? "-" : sprintf("%.3f", b / 3)
    }
    printf "floor = MFLOP/step / %.1f GFLOP/s (the faster of LibTorch'"'"'s large float32 product and imbgen'"'"'s own, one thread)\n", peak
  }' "$tmp/flops" "$tmp/all"
echo "sampling: FLOPs of the network that makes a row, and the most rows/s one core can make:"
awk '$1 == "peak_gflops" && $2 != "step_shapes" && $3 > peak { peak = $3 }
  $1 == "sample_kflop_per_row" { k[$2] = $3; order[++n] = $2 }
  END { for (j = 1; j <= n; ++j) printf "%-8s %8.1f kFLOP/row %8.2f M rows/s at %.1f GFLOP/s\n",
    order[j], k[order[j]], peak / k[order[j]], peak }' "$tmp/flops"

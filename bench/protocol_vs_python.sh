#!/usr/bin/env bash
# `imbgen benchmark` against the same protocol written in Python (scikit-learn, imbalanced-learn,
# XGBoost, PyTorch: bench/python_protocol.py), one after the other on this machine, as seconds per
# split on each side and their ratio (the issue's target: imbgen at least 5x faster per split).
# The cells: 8 strategies (none, class_weight, random, smote, borderline_smote, adasyn, gan,
# wgan_gp; gan and wgan_gp at 3,000 steps) x 5 classifiers (logistic, linear_svm, svm_rbf,
# random_forest, xgboost), stratified 5-fold of the bundled data (target Class, Time dropped), per
# split a fit/validation split of the training rows, thresholds tuned on the validation rows and
# metrics on the test fold, and the fidelity/privacy evaluation of every generator's rows on the
# first split (t-SNE off). Both sides compute cells in JOBS worker(s) of one thread each.
#   imbgen  benchmark --folds 5 --repeats 1 (all 5 folds; its results, statistics and report
#           are written too): wall time / 5.
#   python  bench/python_protocol.py --splits K: wall time / K. K = 5 is the like-for-like
#           setting; with fewer splits the first split's evaluation weighs 1/K instead of 1/5 and
#           the cells of one split cannot overlap the next's, so Python's per-split time comes out
#           higher than it would over 5 splits.
# Wall time, CPU share and peak memory are from /usr/bin/time -v around each command, so process
# start, library loading and data parsing count on both sides. Each side prints its mean PR-AUC
# per strategy x classifier, to show that both did the work. About an hour per side on a free
# 2-core machine with K = 5 (svm_rbf on the oversampled rows and the GAN fits dominate).
# Usage: bench/protocol_vs_python.sh [K]   (K: splits the Python side runs, 1..5, default 5)
# Environment: IMBGEN_BIN (default build/release/imbgen), JOBS (cells at once on each side,
# default 2), STEPS (gan and wgan_gp steps, default 3000). Needs Debian's python3-sklearn,
# python3-imblearn, python3-xgboost, python3-torch and python3-pandas (run with /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
k=${1:-5}
bin=${IMBGEN_BIN:-build/release/imbgen}
jobs=${JOBS:-2}
steps=${STEPS:-3000}
py=/usr/bin/python3
strategies=none,class_weight,random,smote,borderline_smote,adasyn,gan,wgan_gp
[[ $k =~ ^[1-5]$ ]] || { echo "K must be 1..5, got '$k'" >&2; exit 2; }
[ -x "$bin" ] || { echo "build first: scripts/setup.sh (or set IMBGEN_BIN)" >&2; exit 1; }
"$py" -c "import sklearn, imblearn, xgboost, torch, pandas" 2>/dev/null || {
  echo "needs Debian's python3-sklearn, python3-imblearn, python3-xgboost, python3-torch and" \
    "python3-pandas" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "$(nproc) cores; $jobs cell(s) at once on each side, one thread each; gan/wgan_gp $steps steps"

echo "imbgen: $bin benchmark, 5 folds ..."
t0=$EPOCHREALTIME
/usr/bin/time -v "$bin" benchmark --quiet --folds 5 --repeats 1 --jobs "$jobs" --threads "$jobs" \
  --strategies "$strategies" --set gan.steps="$steps" --set wgan_gp.steps="$steps" \
  --out "$tmp/imbgen" >"$tmp/imbgen.out" 2>"$tmp/imbgen.time"
t1=$EPOCHREALTIME
echo "imbgen mean test PR-AUC over the folds (strategy x classifier, from summary.csv):"
awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  $col["metric"] == "pr_auc" {
    s = $col["strategy"]; c = $col["classifier"]
    if (!(s in seen_s)) { seen_s[s] = 1; ss[++ns] = s }
    if (!(c in seen_c)) { seen_c[c] = 1; cs[++nc] = c }
    v[s, c] = $col["mean"]
  }
  END {
    printf "%-18s", "strategy"; for (j = 1; j <= nc; ++j) printf "%14s", cs[j]; printf "\n"
    for (i = 1; i <= ns; ++i) {
      printf "%-18s", ss[i]; for (j = 1; j <= nc; ++j) printf "%14.4f", v[ss[i], cs[j]]; printf "\n"
    }
  }' "$tmp/imbgen/summary.csv"
grep -E "Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU" "$tmp/imbgen.time"

echo
echo "python: bench/python_protocol.py, $k split(s) ..."
t2=$EPOCHREALTIME
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/time -v "$py" bench/python_protocol.py \
  --splits "$k" --steps "$steps" --jobs "$jobs" >"$tmp/python.out" 2>"$tmp/python.time"
t3=$EPOCHREALTIME
sed -n '/^mean test PR-AUC/,$p' "$tmp/python.out"
grep -E "Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU" "$tmp/python.time"

echo
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v k="$k" 'BEGIN {
  imbgen = (b - a) / 5; python = (d - c) / k
  printf "imbgen_seconds_per_split %.2f (%.1f s / 5 folds)\n", imbgen, b - a
  printf "python_seconds_per_split %.2f (%.1f s / %d split(s))\n", python, d - c, k
  printf "ratio python / imbgen per split: %.2fx (target: >= 5x)\n", python / imbgen
  if (k < 5) print "note: K < 5 overstates the Python side per split (see the header);" \
    " K = 5 is like for like"
}'

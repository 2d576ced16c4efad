#!/usr/bin/env bash
# Builds the libFuzzer harnesses (the `fuzz` preset: clang with AddressSanitizer + UBSan) and runs
# each for a bounded time, two at a time, starting from its seed inputs in fuzz/corpus/<name>/.
# Fails (exit 1) when any harness reports a crash, an uncaught exception, a leak, undefined
# behaviour, an allocation over the memory limit or an input that runs too long; the input that
# did it is saved under build/fuzz/artifacts/<name>/ and the command to replay it is printed.
# Inputs that found new code paths are kept in build/fuzz/corpus/<name>/ (fuzz/corpus/ is not
# touched), so a second run goes on from there.
# Needs clang and libFuzzer (Debian: clang, libclang-rt-14-dev; scripts/setup.sh --dev).
# Usage: scripts/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]   (default 60 s; every harness)
# Environment: IMBGEN_FUZZ_JOBS harnesses run at once (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
case "$seconds" in
  ''|*[!0-9]*) echo "fuzz.sh: SECONDS_PER_HARNESS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac
all=(csv model report store server)
harnesses=("$@")
[ $# -gt 0 ] || harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
  [[ " ${all[*]} " == *" $h "* ]] ||
    { echo "fuzz.sh: unknown harness '$h' (harnesses: ${all[*]})" >&2; exit 2; }
done
jobs="${IMBGEN_FUZZ_JOBS:-2}"
command -v clang++ >/dev/null ||
  { echo "fuzz.sh: clang++ not found; install the Debian packages clang and libclang-rt-14-dev (scripts/setup.sh --dev)" >&2; exit 1; }

t0=$SECONDS
echo "fuzz.sh: building the harnesses (cmake --preset fuzz)"
cmake --preset fuzz >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build --preset fuzz -j"$(nproc)" --target "${targets[@]}"
echo "fuzz.sh: built in $((SECONDS - t0)) s"

# The longest input each harness makes (the largest seed decides when it is larger).
max_len() {
  case "$1" in
    csv|server) echo 4096 ;;
    model) echo 16384 ;;
    report|store) echo 65536 ;;
  esac
}

out=build/fuzz
scratch="$(mktemp -d "${TMPDIR:-/tmp}/imbgen-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

run_one() {  # run_one NAME: fuzzes NAME for $seconds; its log is $out/logs/NAME.log
  local h="$1"
  rm -rf "$out/artifacts/$h"  # the findings of this run only
  mkdir -p "$out/corpus/$h" "$out/artifacts/$h" "$out/logs"
  # Each harness writes its scratch files under its own folder.
  mkdir -p "$scratch/$h"
  TMPDIR="$scratch/$h" "$out/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=3072 -max_len="$(max_len "$h")" -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$h/" "$out/corpus/$h" "fuzz/corpus/$h" \
    >"$out/logs/$h.log" 2>&1
}

declare -A rc
pending=("${harnesses[@]}")
while [ ${#pending[@]} -gt 0 ]; do
  batch=("${pending[@]:0:$jobs}")
  pending=("${pending[@]:$jobs}")
  declare -A pid=()
  for h in "${batch[@]}"; do
    echo "fuzz.sh: fuzzing $h for $seconds s"
    run_one "$h" &
    pid[$h]=$!
  done
  for h in "${batch[@]}"; do
    if wait "${pid[$h]}"; then rc[$h]=0; else rc[$h]=$?; fi
  done
done

failed=0
printf '\n%-8s %8s %12s %8s  %s\n' harness seconds executions findings result
for h in "${harnesses[@]}"; do
  log="$out/logs/$h.log"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  took="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)"
  findings="$(find "$out/artifacts/$h" -type f | wc -l)"
  result=ok
  if [ "${rc[$h]}" -ne 0 ] || [ "$findings" -ne 0 ]; then result="FAILED (exit ${rc[$h]})"; failed=1; fi
  printf '%-8s %8s %12s %8s  %s\n' "$h" "${took:-?}" "${execs:-?}" "$findings" "$result"
done
for h in "${harnesses[@]}"; do
  [ "${rc[$h]}" -eq 0 ] && [ "$(find "$out/artifacts/$h" -type f | wc -l)" -eq 0 ] && continue
  echo
  echo "==== fuzz.sh: $h failed; the end of its log ($out/logs/$h.log):"
  tail -n 60 "$out/logs/$h.log"
  for a in $(grep -o "Test unit written to [^ ]*" "$out/logs/$h.log" | sed 's/Test unit written to //'); do
    echo "fuzz.sh: replay: $out/fuzz/fuzz_$h $a"
  done
done
echo
echo "fuzz.sh: $([ $failed -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - t0)) s"
exit $failed

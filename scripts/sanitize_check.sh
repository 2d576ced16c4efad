#!/usr/bin/env bash
# The sanitizer and fuzzing check (CI's second stage, on this machine in this checkout): installs
# what is missing (scripts/setup.sh --dev --deps-only: the project's packages plus clang and
# libFuzzer), builds the `asan` preset (g++, AddressSanitizer + UBSan) and runs its whole test
# suite, then runs every libFuzzer harness for SECONDS (scripts/fuzz.sh). Any sanitizer report
# fails the step it happens in. Every step prints its time; a summary ends the run.
# Usage: scripts/sanitize_check.sh [SECONDS_PER_HARNESS]   (default 60)
set -Eeuo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

t0=$SECONDS
summary=()
step_name=""
step_start=$SECONDS
step() {
  step_name="$1"
  step_start=$SECONDS
  echo
  echo "==== sanitize_check: $step_name ($(date -u +%H:%M:%S) UTC)"
}
step_done() {
  summary+=("$(printf '  %-50s %6d s' "$step_name" $((SECONDS - step_start)))")
}
failed() {
  local rc=$?
  trap - ERR
  echo >&2
  echo "sanitize_check: FAILED at: $step_name (exit $rc, after $((SECONDS - step_start)) s)" >&2
  printf '%s\n' "${summary[@]}" >&2
  exit "$rc"
}
trap failed ERR

step "dependencies (scripts/setup.sh --dev --deps-only)"
scripts/setup.sh --dev --deps-only
step_done

# ccache (installed by --dev) keeps the objects of the two sanitizer builds between runs: the
# first run compiles everything (the asan preset at -O1 -g1, the fuzz preset), a later one only
# what changed. Paths are taken relative to this checkout, so a fresh clone elsewhere reuses them.
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  echo "sanitize_check: compiling through ccache ($(ccache --get-config cache_dir))"
fi

step "asan build (cmake --preset asan)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)"
step_done

step "asan tests (ctest --preset asan)"
ctest --preset asan -j"$(nproc)"
step_done

step "fuzzing (scripts/fuzz.sh $seconds)"
scripts/fuzz.sh "$seconds"
step_done

echo
echo "sanitize_check: PASSED in $((SECONDS - t0)) s"
printf '%s\n' "${summary[@]}"

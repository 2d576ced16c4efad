#!/usr/bin/env bash
# Wall time and peak memory of `imbgen benchmark` on the bundled default data (default strategies
# and classifiers, 5 folds x 2 repeats), and its summary. Usage:
#   bench/benchmark_wall_time.sh [extra imbgen benchmark arguments]   (IMBGEN_BIN picks the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${IMBGEN_BIN:-build/release/imbgen}
[ -x "$bin" ] || { echo "build first: scripts/setup.sh (or set IMBGEN_BIN)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/time -v "$bin" benchmark --quiet --out "$out/bench" "$@" >"$out/stdout" 2>"$out/time"
cat "$out/stdout"
grep -E "Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU" "$out/time"

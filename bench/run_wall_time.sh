#!/usr/bin/env bash
# Wall time and peak memory of `imbgen run` on the bundled default data (all default strategies
# and classifiers). Usage: bench/run_wall_time.sh [extra imbgen run arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/imbgen
[ -x "$bin" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/time -v "$bin" run --quiet --out "$out" "$@" >"$out/stdout" 2>"$out/time"
cat "$out/stdout"
grep -E "Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU" "$out/time"

#!/usr/bin/env bash
# Wall time, CPU and peak memory of the default `imbgen run` (and, with --benchmark, of
# `imbgen benchmark --folds 5 --repeats 1` with the default strategies) on a table of the real
# credit card data's size and shape: 284,807 rows, 29 features, 492 frauds, built from the
# bundled rows by bench/full_size_table.py with a seeded jitter.
# Usage: bench/full_size_run.sh [--benchmark] [extra imbgen arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/imbgen
[ -x "$bin" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }
bench=0
if [ "${1:-}" = --benchmark ]; then bench=1; shift; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 bench/full_size_table.py "$tmp/full.csv"
measure() {
  /usr/bin/time -v "$@" >"$tmp/stdout" 2>"$tmp/time" || { cat "$tmp/stdout" "$tmp/time"; exit 1; }
  tail -n 25 "$tmp/stdout"
  grep -E "Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU|User time" "$tmp/time"
}
echo "== imbgen run (defaults) on $(nproc) cores"
measure "$bin" run --quiet --data "$tmp/full.csv" --target Class --drop Time --out "$tmp/run" "$@"
if [ "$bench" = 1 ]; then
  echo "== imbgen benchmark --folds 5 --repeats 1 (default strategies)"
  measure "$bin" benchmark --quiet --data "$tmp/full.csv" --target Class --drop Time \
    --folds 5 --repeats 1 --out "$tmp/bench" "$@"
fi

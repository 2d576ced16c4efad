#!/usr/bin/env bash
# Throughput and latency of `imbgen serve` on loopback, measured side by side in one run:
#   1. one large request: N rows (default 1,000,000) of a smote model streamed as CSV, rows/s;
#   2. 100-row requests from 16 concurrent keep-alive clients for 20 s (wrk): p50/p99 latency;
#   3. the server's peak memory (VmHWM).
# Usage: bench/serve_bench.sh [ROWS] [SECONDS]   (needs curl and wrk: apt-get install curl wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
secs=${2:-20}
bin=build/release/imbgen
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir "$tmp/models"
"$bin" fit --data data/creditcard.csv.gz -g smote --seed 1 -q -o "$tmp/models/fraud.imbgen"
"$bin" serve --models "$tmp/models" --port 0 --quiet --max-rows "$rows" 2>"$tmp/log" &
pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/log" && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log" | head -1)
url="http://127.0.0.1:$port/v1/models/fraud/sample"
echo "server: pid $pid, port $port, $(nproc) cores"

for format in csv ndjson; do
  t=$(curl -s -o "$tmp/out" -w '%{time_total}' -H 'Content-Type: application/json' \
      -d "{\"counts\": {\"1\": $rows}, \"seed\": 7, \"format\": \"$format\"}" "$url")
  lines=$(wc -l < "$tmp/out")
  bytes=$(stat -c %s "$tmp/out")
  awk -v t="$t" -v r="$rows" -v b="$bytes" -v f="$format" -v l="$lines" \
    'BEGIN { printf "large request (%s): %d rows (%d lines, %.0f MB) in %.3f s = %.2f M rows/s\n", f, r, l, b / 1e6, t, r / t / 1e6 }'
done

cat > "$tmp/small.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"counts": {"1": 100}, "seed": 3}'
wrk.headers["Content-Type"] = "application/json"
LUA
echo "100-row requests, 16 connections, 2 wrk threads, ${secs} s:"
wrk -t2 -c16 -d"${secs}s" --latency -s "$tmp/small.lua" "$url" | sed -n '/Latency/,$p'
grep -E 'VmHWM|VmRSS' "/proc/$pid/status"

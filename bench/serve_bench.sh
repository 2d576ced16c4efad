#!/usr/bin/env bash
# Throughput and latency of `imbgen serve` on loopback, measured side by side in one run:
#   1. one large request: N rows (default 1,000,000) of a smote model (GENERATOR=gan: a gan
#      model, fit with its defaults) streamed as CSV and as
#      NDJSON, rows/s, three times each: the client (curl, on the same machine) once writing the
#      body to a file and counting its lines, and twice discarding it (the server's own rate;
#      curl's writing takes a quarter of a core);
#   2. 100-row requests from 16 concurrent keep-alive clients for 20 s (wrk): p50/p99 latency;
#   3. the server's peak memory (VmHWM).
# Usage: bench/serve_bench.sh [ROWS] [SECONDS] [IMBGEN]   (needs curl and wrk: apt-get install
# curl wrk; IMBGEN defaults to build/release/imbgen, another build's binary compares versions)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
secs=${2:-20}
bin=${3:-build/release/imbgen}
generator=${GENERATOR:-smote}
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir "$tmp/models"
"$bin" fit --data data/creditcard.csv.gz -g "$generator" --seed 1 -q -o "$tmp/models/fraud.imbgen"
"$bin" serve --models "$tmp/models" --port 0 --quiet --max-rows "$rows" 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/log" && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log" | head -1)
url="http://127.0.0.1:$port/v1/models/fraud/sample"
echo "server: $bin, $generator model, pid $pid, port $port, $(nproc) cores"

for format in csv ndjson; do
  for client in file discard discard; do
    out="$tmp/out"
    [ "$client" = discard ] && out=/dev/null
    read -r t bytes < <(curl -s -o "$out" -w '%{time_total} %{size_download}\n' \
      -H 'Content-Type: application/json' \
      -d "{\"counts\": {\"1\": $rows}, \"seed\": 7, \"format\": \"$format\"}" "$url")
    lines=-
    [ "$client" = file ] && lines=$(wc -l < "$tmp/out") && rm -f "$tmp/out"
    awk -v t="$t" -v r="$rows" -v b="$bytes" -v f="$format" -v l="$lines" -v c="$client" \
      'BEGIN { printf "large request (%s, client %s): %d rows (%s lines, %.0f MB) in %.3f s = %.2f M rows/s\n", f, c, r, l, b / 1e6, t, r / t / 1e6 }'
  done
done

cat > "$tmp/small.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"counts": {"1": 100}, "seed": 3}'
wrk.headers["Content-Type"] = "application/json"
LUA
echo "100-row requests, 16 connections, 2 wrk threads, ${secs} s:"
wrk -t2 -c16 -d"${secs}s" --latency -s "$tmp/small.lua" "$url" | sed -n '/Latency/,$p'
grep -E 'VmHWM|VmRSS' "/proc/$pid/status"

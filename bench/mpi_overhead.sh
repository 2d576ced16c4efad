#!/usr/bin/env bash
# Overhead of `mpirun -n 2 imbgen benchmark --jobs 1` against `imbgen benchmark --jobs 2` on one
# machine: the same cells on two workers either way (rank 0 computes too), rounds alternating
# between the two so that a change in the machine's load hits both; checks that both wrote the
# same summary.csv. Loopback only. Usage:
#   bench/mpi_overhead.sh [DATA|bundled] [ROUNDS]   (IMBGEN_BIN picks the binary)
#   default: tests/data/creditcard-small.csv.gz (Time dropped), 3 rounds; strategies
#   none,smote,random, classifiers logistic,random_forest, 5 folds, 1 repeat, no evaluation
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${IMBGEN_BIN:-build/release/imbgen}
data=${1:-tests/data/creditcard-small.csv.gz}
rounds=${2:-3}
[ -x "$bin" ] || { echo "build first: scripts/setup.sh (or set IMBGEN_BIN)" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun not found: install openmpi-bin" >&2; exit 1; }
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
# Ranks on this machine only, started without ssh (a minimal system has none, and Open MPI's
# default launcher stops without it).
export OMPI_MCA_plm=isolated
launcher=(mpirun -n 2 --oversubscribe --bind-to none)
if [ "$(id -u)" -eq 0 ]; then launcher+=(--allow-run-as-root); fi
# shellcheck disable=SC2054  # commas inside option values
args=(benchmark --strategies none,smote,random --classifiers logistic,random_forest --folds 5
      --repeats 1 --no-evaluate --quiet)
if [ "$data" != bundled ]; then args+=(--data "$data" --drop Time); fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
echo "round  --jobs 2 (s)  mpirun -n 2 (s)  difference"
jobs_times=() mpi_times=()
for i in $(seq 1 "$rounds"); do
  t0=$(now)
  "$bin" "${args[@]}" --jobs 2 --threads 2 --out "$out/jobs$i" >/dev/null
  t1=$(now)
  "${launcher[@]}" "$bin" "${args[@]}" --jobs 1 --threads 1 --out "$out/mpi$i" >"$out/mpi$i.log"
  t2=$(now)
  cmp -s "$out/jobs$i/summary.csv" "$out/mpi$i/summary.csv" ||
    { echo "round $i: the summaries differ" >&2; exit 1; }
  a=$(calc "$t1 - $t0") b=$(calc "$t2 - $t1")
  jobs_times+=("$a") mpi_times+=("$b")
  printf "%5d %13.2f %16.2f %+11.2f   (%s)\n" "$i" "$a" "$b" "$(calc "$b - $a")" \
    "$(grep "cells computed by rank" "$out/mpi$i.log")"
done
median() { printf "%s\n" "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mj=$(median "${jobs_times[@]}") mm=$(median "${mpi_times[@]}")
printf "median %12.2f %16.2f %+11.2f (%+.1f%%); summaries identical\n" "$mj" "$mm" \
  "$(calc "$mm - $mj")" "$(calc "100 * ($mm - $mj) / $mj")"

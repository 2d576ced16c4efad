#!/usr/bin/env bash
# imbgen benchmark under mpirun, on loopback only: the same summary.csv and metrics.csv (but the
# fit times) as --jobs 2 in one process; a rank killed mid-run (IMBGEN_TEST_KILL_RANK) stops the
# job with its rank and cell named and the cells finished so far stored; --resume, under mpirun
# and alone (on a copy of the store), finishes it with the same summary.
# Usage: mpi_test.sh IMBGEN_BINARY MPIEXEC DATA.csv.gz
set -euo pipefail
bin=$1 mpiexec=$2 data=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Nothing leaves the machine: TCP on the loopback interface only, for messages and for the
# launcher's own connections.
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
# Ranks on this machine only, started without ssh (a minimal system has none, and Open MPI's
# default launcher stops without it).
export OMPI_MCA_plm=isolated
launcher=("$mpiexec" --oversubscribe --bind-to none)
if [ "$(id -u)" -eq 0 ]; then launcher+=(--allow-run-as-root); fi
# shellcheck disable=SC2054  # commas inside option values
args=(benchmark --data "$data" --drop Time --strategies none,random,smote
      --classifiers logistic,xgboost --folds 3 --repeats 1 --no-evaluate)
cells=9
fail() { echo "FAIL: $*" >&2; exit 1; }
# Every run is bounded: a hung rank fails the test instead of holding it.
bounded() { timeout --kill-after=10 180 "$@"; }
without_fit_times() { awk 'BEGIN { FS = OFS = "," } { NF--; print }' "$1"; }  # the last column
same_results() {  # same_results DIR: the reference's summary, and its metrics but the fit times
  cmp "$work/ref/summary.csv" "$1/summary.csv" || fail "$1/summary.csv differs from --jobs 2's"
  [ "$(head -1 "$1/metrics.csv" | awk -F, '{ print $NF }')" = fit_seconds ] ||
    fail "metrics.csv: the last column is no longer fit_seconds"
  diff <(without_fit_times "$work/ref/metrics.csv") <(without_fit_times "$1/metrics.csv") >&2 ||
    fail "$1/metrics.csv differs from --jobs 2's"
}
stored() { find "$1/cells" -name '*.json' ! -name manifest.json | wc -l; }

echo "== one process, --jobs 2"
bounded "$bin" "${args[@]}" --jobs 2 --threads 2 --quiet --out "$work/ref"

echo "== mpirun -n 3, one cell at a time per rank"
bounded "${launcher[@]}" -n 3 "$bin" "${args[@]}" --jobs 1 --threads 1 --out "$work/mpi" \
  >"$work/mpi.log" 2>&1 || { cat "$work/mpi.log"; fail "mpirun -n 3 failed"; }
grep -q "^MPI: 3 ranks" "$work/mpi.log" || { cat "$work/mpi.log"; fail "no MPI job of 3 ranks"; }
same_results "$work/mpi"

# Rank 1 dies (SIGKILL) when it is handed its first cell (rank 0's thread may do all the others,
# when rank 1 starts slowly); mpirun then ends the job.
kill_run() {  # kill_run DIR
  if IMBGEN_TEST_KILL_RANK=1:1 bounded "${launcher[@]}" -n 2 "$bin" "${args[@]}" --jobs 1 \
    --threads 1 --quiet --out "$1" >"$1.log" 2>&1; then
    cat "$1.log"; fail "the job went on after rank 1 died"
  fi
  grep -Eq "cells in progress when the run stopped: .*rank 1 \(host [^,]+, pid [0-9]+\): 'creditcard-small/r0-f[0-2]-(none|random|smote)'" "$1.log" ||
    { cat "$1.log"; fail "the cell of the rank that died is not named"; }
  grep -q -- "--resume" "$1.log" || { cat "$1.log"; fail "no resume hint"; }
  local n
  n=$(stored "$1")
  [ "$n" -lt "$cells" ] || fail "$1: all $cells cells stored although rank 1 died in one"
  echo "rank 1 died; $n of $cells cells stored"
}

echo "== a rank dies; --resume under mpirun finishes it, and so does --resume alone"
kill_run "$work/killed-a"
cp -r "$work/killed-a" "$work/killed-b"
bounded "${launcher[@]}" -n 3 "$bin" "${args[@]}" --jobs 1 --threads 1 --quiet --resume \
  --out "$work/killed-a" >"$work/resume-a.log" 2>&1 || { cat "$work/resume-a.log"; fail "resume under mpirun"; }
same_results "$work/killed-a"

bounded "$bin" "${args[@]}" --jobs 2 --threads 2 --quiet --resume --out "$work/killed-b"
same_results "$work/killed-b"
[ "$(stored "$work/killed-b")" -eq "$cells" ] || fail "killed-b: not every cell stored"
[ "$(stored "$work/killed-a")" -eq "$cells" ] || fail "killed-a: not every cell stored"
echo "PASS"

#!/usr/bin/env bash
# imbgen's five classifiers against scikit-learn's defaults on the same stratified folds of the
# bundled credit card data, mammography and adult (no resampling), as a markdown table: PR-AUC
# mean +- fold sd on each side, the difference, pass/fail (imbgen's mean no lower than
# scikit-learn's mean minus scikit-learn's fold sd) and fit seconds per fold.
#
#   bench/baselines_vs_sklearn.sh [OUT] [baselines_scores options, e.g. --set random_forest.max_depth=12]
#
# Environment: IMBGEN_BUILD (default build/release; build the target baselines_scores first),
# SHARED_DATA (default /work/shared/data: mammography/ and adult/ in it), DATASETS (default
# "creditcard mammography adult"), CLASSIFIERS (default all five), FOLDS (5), SEED (1),
# FRESH_SKLEARN=1 to refit the scikit-learn side even when its scores for these folds exist.
# Needs Debian's python3-sklearn, python3-xgboost and python3-pandas (run with /usr/bin/python3).
# One thread on each side. About an hour on one free core (svm_rbf's fits dominate).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/baselines-vs-sklearn}
shift || true
BIN=${IMBGEN_BUILD:-build/release}/bench/baselines_scores
SHARED=${SHARED_DATA:-/work/shared/data}
CLASSIFIERS=${CLASSIFIERS:-logistic,linear_svm,svm_rbf,random_forest,xgboost}
if [[ ! -x $BIN ]]; then
  echo "no $BIN; build it: cmake --build --preset release --target baselines_scores" >&2
  exit 1
fi

declare -A CSV=([creditcard]=data/creditcard.csv.gz [mammography]=$SHARED/mammography/mammography.csv
                [adult]=$SHARED/adult/adult.csv)
declare -A ARGS=([creditcard]="--target Class --drop Time" [mammography]="--target target"
                 [adult]="--target target")
runs=()
for name in ${DATASETS:-creditcard mammography adult}; do
  mkdir -p "$OUT/$name"
  # shellcheck disable=SC2086
  "$BIN" --data "${CSV[$name]}" ${ARGS[$name]} --folds "${FOLDS:-5}" --seed "${SEED:-1}" \
    --threads 1 --classifiers "$CLASSIFIERS" --out "$OUT/$name" "$@"
  runs+=("$name=${CSV[$name]}=$OUT/$name")
done
reuse=--reuse-sklearn
[[ ${FRESH_SKLEARN:-0} == 1 ]] && reuse=
OMP_NUM_THREADS=1 /usr/bin/python3 bench/baselines_vs_sklearn.py $reuse --classifiers "$CLASSIFIERS" \
  --markdown "$OUT/table.md" "${runs[@]}"

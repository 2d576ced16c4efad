#!/usr/bin/env bash
# The deep generators' quality table: `imbgen run` on the bundled credit card data (stratified
# 80/20 split, generators fit on the training frauds only) for each seed, then
# bench/quality_table.py averages fidelity, privacy and downstream scores over the seeds.
# Usage: bench/quality_table.sh [OUT_DIR] [SEEDS...]   (default: imbgen-quality, seeds 1 2 3 4 5)
# About 6 minutes per seed on one core (t-SNE off; everything else as `imbgen run`).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/imbgen
[ -x "$bin" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }
out=${1:-imbgen-quality}
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
for s in "${seeds[@]}"; do
  echo "seed $s -> $out/seed-$s" >&2
  "$bin" run --strategies none,random,smote,gan,wgan_gp,ctgan,vae,cvae,tvae,ddpm \
    --classifiers logistic,svm_rbf,random_forest,xgboost --seed "$s" --threads 1 \
    --set evaluation.tsne=false --quiet --out "$out/seed-$s" >/dev/null
done
/usr/bin/python3 bench/quality_table.py "$out"/seed-*

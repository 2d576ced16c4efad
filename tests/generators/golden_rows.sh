#!/usr/bin/env bash
# Byte-identity check of every registered generator through the CLI: for each generator and each
# fixture (the credit card slice, all numeric; the adult slice, with categorical columns), fit with
# a fixed seed and a small but real configuration, sample 500 rows with a fixed seed, and record
# the SHA-256 of the sampled CSV and of the model file.
#
#   tests/generators/golden_rows.sh [--record] [IMBGEN_BINARY]
#
# Without --record, compares with tests/generators/golden_rows.txt and prints one line per run
# (rows/model: same or DIFFERENT); exits 1 when a row hash differs. With --record, rewrites the
# file. A generator missing from the file is reported as "new". The model file holds the config
# and the training history as JSON, so renaming a config key or a history key changes the model
# hash but not the rows; the table says which.
set -euo pipefail
cd "$(dirname "$0")/../.."
record=0
if [ "${1:-}" = "--record" ]; then
  record=1
  shift
fi
bin="$(realpath "${1:-build/release/imbgen}")"
golden="tests/generators/golden_rows.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Small settings: few steps, validation on where a family has it, so the model-selection code runs.
settings() {
  case "$1" in
    kmeans_smote) echo "kmeans_smote.cluster_balance_threshold=0.02" ;;
    borderline_smote) echo "borderline_smote.kind=2" ;;
    gan) echo "gan.steps=150 gan.batch_size=32" ;;
    wgan_gp) echo "wgan_gp.steps=60 wgan_gp.critic_steps=2 wgan_gp.validation_every=20" \
      "wgan_gp.generator_hidden=[64,64] wgan_gp.critic_hidden=[64,64]" ;;
    ctgan) echo "ctgan.steps=60 ctgan.latent_dim=32 ctgan.validation_every=20" \
      "ctgan.generator_hidden=[64,64] ctgan.critic_hidden=[64,64]" ;;
    vae | cvae | tvae) echo "$1.steps=150 $1.batch_size=32 $1.validation_fraction=0.2" \
      "$1.validation_every=30 $1.patience=3" ;;
    ddpm) echo "ddpm.steps=150 ddpm.batch_size=32 ddpm.timesteps=50 ddpm.sample_steps=10" \
      "ddpm.hidden=[64,64] ddpm.embedding_dim=32 ddpm.validation_fraction=0.2" \
      "ddpm.validation_every=30" ;;
    *) echo "" ;;
  esac
}

generators="$("$bin" fit --help | sed -n 's/.*generator: //p' | tr -d ',')"
declare -A data=(
  [creditcard]="--data tests/data/creditcard-small.csv.gz --target Class --drop Time"
  [adult]="--data tests/data/adult-small.csv --target target"
)
out="$work/golden.txt"
failed=0
for set in creditcard adult; do
  for g in $generators; do
    sets=()
    for s in $(settings "$g"); do sets+=(--set "$s"); done
    # shellcheck disable=SC2086
    if ! "$bin" fit ${data[$set]} -g "$g" ${sets[@]+"${sets[@]}"} --seed 7 -q \
        -o "$work/m.imbgen" >"$work/log" 2>&1; then
      echo "$set $g fit failed:" >&2
      cat "$work/log" >&2
      exit 2
    fi
    "$bin" sample -m "$work/m.imbgen" -n 500 --seed 11 -o "$work/s.csv" >/dev/null
    rows="$(sha256sum "$work/s.csv" | cut -d' ' -f1)"
    model="$(sha256sum "$work/m.imbgen" | cut -d' ' -f1)"
    echo "$set $g $rows $model" >>"$out"
    if [ "$record" = 0 ]; then
      want="$(grep "^$set $g " "$golden" || true)"
      if [ -z "$want" ]; then
        echo "$set $g: new (no recorded hashes)"
        continue
      fi
      read -r _ _ want_rows want_model <<<"$want"
      r="same"
      m="same"
      [ "$rows" = "$want_rows" ] || { r="DIFFERENT"; failed=1; }
      [ "$model" = "$want_model" ] || m="DIFFERENT"
      printf '%-11s %-17s rows %-9s model %s\n' "$set" "$g" "$r" "$m"
    fi
  done
done
if [ "$record" = 1 ]; then
  cp "$out" "$golden"
  echo "wrote $golden ($(wc -l <"$golden") runs)"
fi
exit "$failed"

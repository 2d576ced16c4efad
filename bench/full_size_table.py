#!/usr/bin/env python3
"""A table of the real credit card data's size and shape, built from the bundled rows.

The bundled file (data/creditcard.csv.gz) holds all 492 frauds and 34,900 of the 284,315 genuine
rows of the Kaggle file. This script writes 284,807 rows with the same columns: the 492 frauds as
they are, and 284,315 genuine rows drawn with replacement from the bundled genuine rows, each
moved by a seeded jitter (normal noise of --jitter times the column's standard deviation on
V1..V28; Time moved by whole seconds and kept in the data's range; Amount scaled by a factor
near 1 and kept to cents, never below 0). Class keeps 0.173 % positives, as the real file (492 of 284,807).

Usage: bench/full_size_table.py OUT.csv [--rows 284807] [--seed 1] [--jitter 0.05]
Needs numpy and pandas (Debian: python3-pandas).
"""
import argparse
import os
import sys

import numpy as np
import pandas as pd


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", help="CSV file to write")
    p.add_argument("--data", default=os.path.join(here, "..", "data", "creditcard.csv.gz"))
    p.add_argument("--rows", type=int, default=284807, help="rows in all (default 284,807)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jitter", type=float, default=0.05,
                   help="noise as a share of each column's standard deviation")
    a = p.parse_args()

    src = pd.read_csv(a.data)
    fraud = src[src["Class"] == 1]
    genuine = src[src["Class"] == 0]
    n_genuine = a.rows - len(fraud)
    if n_genuine <= 0:
        sys.exit(f"--rows {a.rows}: expected more than the {len(fraud)} frauds")
    rng = np.random.default_rng(a.seed)
    picked = genuine.iloc[rng.integers(0, len(genuine), n_genuine)].reset_index(drop=True)

    v_columns = [c for c in src.columns if c.startswith("V")]
    sd = genuine[v_columns].std().to_numpy()
    picked[v_columns] = picked[v_columns].to_numpy() + \
        rng.normal(size=(n_genuine, len(v_columns))) * (a.jitter * sd)
    time_sd = genuine["Time"].std()
    t = picked["Time"].to_numpy() + np.rint(rng.normal(size=n_genuine) * a.jitter * time_sd)
    picked["Time"] = np.clip(t, src["Time"].min(), src["Time"].max()).astype(np.int64)
    amount = picked["Amount"].to_numpy() * np.exp(rng.normal(size=n_genuine) * a.jitter)
    picked["Amount"] = np.round(np.maximum(amount, 0.0), 2)

    out = pd.concat([picked, fraud], ignore_index=True)
    out = out.iloc[rng.permutation(len(out))]
    out.to_csv(a.out, index=False)
    print(f"wrote {a.out}: {len(out):,} rows, {int(out['Class'].sum())} frauds "
          f"({100 * out['Class'].mean():.3f} %), {out.shape[1]} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main())

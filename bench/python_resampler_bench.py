"""imbgen.Resampler against imbalanced-learn, timed side by side in one run on the same machine.

    .venv/bin/python bench/python_resampler_bench.py [--adult PATH] [--repeats N]

1. smote on the bundled credit card data's training rows (a stratified 80 % split, seed 0):
   imbgen.Resampler("smote") against imblearn.over_sampling.SMOTE, both balancing to 1:1 with
   k = 5 neighbours, both given the same input and returning the same form: a numpy array, then
   the DataFrame as read (imbalanced-learn 0.10 returns a DataFrame for a DataFrame).
2. smote_nc on adult (categorical columns; PATH defaults to ../shared/data/adult/adult.csv):
   imbgen.Resampler("smote_nc") on the DataFrame as it is against imblearn's SMOTENC on the same
   rows with the categorical columns given by index, same number of rows out.

Each side runs --repeats times (default 3), one thread each (OpenBLAS, OpenMP and imbgen), and the
best wall time is reported with the rows made. For smote_nc, imbalanced-learn needs the data the
way it takes it (categorical columns as objects, missing values filled); converting is outside its
timing, and imbgen's timing includes its own DataFrame conversion in and out, so that comparison
favours imblearn.
"""

import argparse
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import imblearn  # noqa: E402
import sklearn  # noqa: E402
from imblearn.over_sampling import SMOTE, SMOTENC  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import imbgen  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def best_time(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def line(name, t_imbgen, n_imbgen, t_ref, n_ref):
    print(f"| {name} | {t_imbgen * 1e3:.1f} ms ({n_imbgen} rows out) | "
          f"{t_ref * 1e3:.1f} ms ({n_ref} rows out) | {t_ref / t_imbgen:.1f}x |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adult", default=os.path.join(ROOT, "..", "shared", "data", "adult",
                                                   "adult.csv"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    print(f"imbgen {imbgen.__version__}, imbalanced-learn {imblearn.__version__}, "
          f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, python "
          f"{sys.version.split()[0]}; best of {args.repeats}", flush=True)
    print("| task | imbgen.Resampler | imbalanced-learn | speed-up |")
    print("| --- | --- | --- | --- |")

    # 1. smote on the bundled credit card training rows, each side given the same input: a
    #    numpy array, then the DataFrame as read (29 float64 columns and the int64 Time).
    df = pd.read_csv(os.path.join(ROOT, "data", "creditcard.csv.gz"))
    X, y = df.drop(columns="Class"), df["Class"].to_numpy()
    X_tr, _, y_tr, _ = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    X_np = X_tr.to_numpy(dtype=np.float64)
    shape = f"{len(X_tr)} x {X_tr.shape[1]}"
    for form, data in ((f"numpy array ({shape}) in and out", X_np),
                       (f"DataFrame ({shape}, one int64 column) in and out", X_tr)):
        t_i, (X_i, _) = best_time(
            lambda: imbgen.Resampler("smote", random_state=0).fit_resample(data, y_tr),
            args.repeats)
        t_r, (X_r, _) = best_time(
            lambda: SMOTE(k_neighbors=5, random_state=0).fit_resample(data, y_tr), args.repeats)
        assert type(X_i) is type(X_r), (type(X_i), type(X_r))
        line(f"smote, credit card training rows, {form}", t_i, len(X_i), t_r, len(X_r))

    # 2. smote_nc on adult.
    if not os.path.exists(args.adult):
        print(f"(adult not found at {args.adult}: pass --adult PATH)")
        return
    adult = pd.read_csv(args.adult, skipinitialspace=True)
    target = adult.columns[-1]
    Xa, ya = adult.drop(columns=target), adult[target].astype(str).to_numpy()
    cat_idx = [i for i, c in enumerate(Xa.columns) if Xa[c].dtype == object]
    Xa_obj = Xa.astype(object).where(Xa.notna(), "missing").to_numpy()
    t_i, (Xa_i, _) = best_time(
        lambda: imbgen.Resampler("smote_nc", random_state=0).fit_resample(Xa, ya), args.repeats)
    t_r, (Xa_r, _) = best_time(
        lambda: SMOTENC(categorical_features=cat_idx, k_neighbors=5,
                        random_state=0).fit_resample(Xa_obj, ya), args.repeats)
    line(f"smote_nc, adult ({len(Xa)} x {Xa.shape[1]}, {len(cat_idx)} categorical)",
         t_i, len(Xa_i), t_r, len(Xa_r))


if __name__ == "__main__":
    main()

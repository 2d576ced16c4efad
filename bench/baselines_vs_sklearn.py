#!/usr/bin/python3
"""The scikit-learn side of bench/baselines_vs_sklearn.sh, and the table.

For each data set, `baselines_scores` (bench/baselines_scores.cpp) has written into DIR the
stratified folds it dealt (folds.csv), the column kinds it read (schema.json), imbgen's test scores
per classifier and fold (scores.csv), its fit times (fits.csv) and the rows svm_rbf trains on when
it samples (svm_rows.csv). This script fits scikit-learn's counterparts with their default
settings on exactly the same training rows of each fold, scores the same test rows, and prints one
line per data set x classifier: PR-AUC (average precision, sklearn.metrics.average_precision_score,
computed here for both sides) as mean +- standard deviation over the folds, the difference, and
whether imbgen passes: its mean is no lower than scikit-learn's mean minus scikit-learn's fold
standard deviation. Fit times are per fold, model fit only (both sides' encoders are outside).

Preprocessing on the scikit-learn side is what a user would write: median imputation and
StandardScaler for numbers, one-hot for categories (a missing category is a level of its own, as
imbgen does), fit on the training rows of the fold; the same for every model.

  baselines_vs_sklearn.py [--reuse-sklearn] [--markdown FILE] NAME=CSV=DIR ...
"""
import argparse
import hashlib
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC, LinearSVC
from xgboost import XGBClassifier

CLASSIFIERS = ["logistic", "linear_svm", "svm_rbf", "random_forest", "xgboost"]
MISSING = {"", "?", "na", "n/a", "nan", "null"}  # imbgen's missing-value texts (load_table)


def sklearn_model(name, seed):
    """scikit-learn's counterpart with its default settings; one thread; scores = 'proba' or
    'decision'."""
    if name == "logistic":
        return LogisticRegression(), "proba"
    if name == "linear_svm":
        return LinearSVC(random_state=seed), "decision"
    if name == "svm_rbf":
        return SVC(random_state=seed), "decision"
    if name == "random_forest":
        return RandomForestClassifier(random_state=seed, n_jobs=1), "proba"
    if name == "xgboost":
        return XGBClassifier(n_jobs=1, random_state=seed), "proba"
    raise ValueError(name)


def load(csv, schema):
    raw = pd.read_csv(csv, dtype=str, keep_default_na=False, skip_blank_lines=True)
    out = pd.DataFrame(index=raw.index)
    num, cat = [], []
    for col in schema["columns"]:
        name = col["name"]
        text = raw[name].str.strip()
        missing = text.str.lower().isin(MISSING)
        if col["kind"] == "numeric":
            out[name] = pd.to_numeric(text.where(~missing, None).str.lstrip("+"))
            num.append(name)
        else:
            out[name] = text.where(~missing, "(missing)")
            cat.append(name)
    y = (raw[schema["target"]].str.strip().str.lstrip("+") == schema["positive"]).astype(int)
    return out, y.to_numpy(), num, cat


def preprocessor(num, cat):
    parts = []
    if num:
        parts.append(("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                                       ("scale", StandardScaler())]), num))
    if cat:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), cat))
    return ColumnTransformer(parts, sparse_threshold=0.0)


def file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_sklearn(name, csv, d, classifiers, reuse):
    """Writes d/sklearn_scores.csv and d/sklearn_fits.csv (or, with reuse, keeps them when they
    were made for the same folds and svm rows and for every classifier asked for)."""
    stamp = {"folds": file_digest(os.path.join(d, "folds.csv")),
             "svm_rows": file_digest(os.path.join(d, "svm_rows.csv")),
             "classifiers": classifiers}
    stamp_path = os.path.join(d, "sklearn_stamp.json")
    if reuse and os.path.exists(stamp_path):
        with open(stamp_path) as f:
            old = json.load(f)
        if all(old.get(k) == stamp[k] for k in ("folds", "svm_rows")) and \
                set(classifiers) <= set(old.get("classifiers", [])):
            print(f"{name}: reusing the scikit-learn scores in {d}", file=sys.stderr)
            return
    with open(os.path.join(d, "schema.json")) as f:
        schema = json.load(f)
    x, y, num, cat = load(csv, schema)
    folds = pd.read_csv(os.path.join(d, "folds.csv"))
    if len(folds) != len(x) or not np.array_equal(folds["label"].to_numpy(), y):
        sys.exit(f"{name}: the labels in {d}/folds.csv do not match {csv} read here")
    svm_rows = pd.read_csv(os.path.join(d, "svm_rows.csv"))
    scores, fits = [], []
    for f in sorted(folds["fold"].unique()):
        train = folds.index[folds["fold"] != f].to_numpy()
        test = folds.index[folds["fold"] == f].to_numpy()
        pre = preprocessor(num, cat).fit(x.iloc[train])
        z_train, z_test = pre.transform(x.iloc[train]), pre.transform(x.iloc[test])
        for clf in classifiers:
            model, kind = sklearn_model(clf, seed=0)
            zt, yt = z_train, y[train]
            if clf == "svm_rbf":
                rows = svm_rows.loc[svm_rows["fold"] == f, "row"].to_numpy()
                if len(rows):  # imbgen's row cap: SVC trains on the same sampled rows
                    pos = np.searchsorted(train, rows)
                    assert np.array_equal(train[pos], rows)
                    zt, yt = z_train[pos], y[rows]
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(zt, yt)
            seconds = time.perf_counter() - t0
            s = model.predict_proba(z_test)[:, 1] if kind == "proba" else \
                model.decision_function(z_test)
            scores.append(pd.DataFrame({"classifier": clf, "fold": f, "row": test, "score": s}))
            fits.append({"classifier": clf, "fold": f, "fit_seconds": seconds,
                         "train_rows": len(yt)})
            print(f"sklearn {name} {clf} fold {f}: fit {seconds:.2f} s", file=sys.stderr)
    pd.concat(scores).to_csv(os.path.join(d, "sklearn_scores.csv"), index=False)
    pd.DataFrame(fits).to_csv(os.path.join(d, "sklearn_fits.csv"), index=False)
    with open(stamp_path, "w") as f:
        json.dump(stamp, f)


def pr_aucs(scores, folds, clf):
    """Average precision per fold of one classifier's scores."""
    s = scores[scores["classifier"] == clf]
    out = []
    for f in sorted(folds["fold"].unique()):
        sf = s[s["fold"] == f]
        if len(sf) == 0:
            return None
        out.append(average_precision_score(folds.loc[sf["row"].to_numpy(), "label"],
                                           sf["score"].to_numpy()))
    return np.array(out)


def table_rows(name, d, classifiers):
    folds = pd.read_csv(os.path.join(d, "folds.csv"))
    ours = pd.read_csv(os.path.join(d, "scores.csv"))
    theirs = pd.read_csv(os.path.join(d, "sklearn_scores.csv"))
    our_fits = pd.read_csv(os.path.join(d, "fits.csv"))
    their_fits = pd.read_csv(os.path.join(d, "sklearn_fits.csv"))
    rows = []
    for clf in classifiers:
        a, b = pr_aucs(ours, folds, clf), pr_aucs(theirs, folds, clf)
        if a is None or b is None:
            continue
        diff = a - b
        ok = a.mean() >= b.mean() - b.std(ddof=1)
        rows.append({
            "data": name, "classifier": clf,
            "imbgen": f"{a.mean():.4f} ± {a.std(ddof=1):.4f}",
            "sklearn": f"{b.mean():.4f} ± {b.std(ddof=1):.4f}",
            "diff": f"{diff.mean():+.4f} ± {diff.std(ddof=1):.4f}",
            "pass": "pass" if ok else "FAIL",
            "imbgen fit s": f"{our_fits.loc[our_fits['classifier'] == clf, 'fit_seconds'].mean():.2f}",
            "sklearn fit s": f"{their_fits.loc[their_fits['classifier'] == clf, 'fit_seconds'].mean():.2f}",
        })
    return rows


def markdown(rows):
    if not rows:
        return "(no rows)\n"
    keys = list(rows[0].keys())
    lines = ["| " + " | ".join(keys) + " |", "|" + "|".join(" --- " for _ in keys) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(r[k]) for k in keys) + " |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", help="NAME=CSV=DIR")
    ap.add_argument("--classifiers", default=",".join(CLASSIFIERS))
    ap.add_argument("--reuse-sklearn", action="store_true",
                    help="reuse DIR/sklearn_scores.csv when the folds and svm rows are unchanged")
    ap.add_argument("--markdown", help="also write the table to this file")
    args = ap.parse_args()
    classifiers = args.classifiers.split(",")
    rows = []
    for run in args.runs:
        name, csv, d = run.split("=", 2)
        run_sklearn(name, csv, d, classifiers, args.reuse_sklearn)
        rows += table_rows(name, d, classifiers)
    text = markdown(rows)
    print(text, end="")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()

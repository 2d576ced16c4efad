#!/usr/bin/python3
"""Averages `imbgen run` outputs over seeds into the generators' quality table (markdown).

Usage: quality_table.py DIR [DIR ...]   (each DIR written by `imbgen run`, one seed each)

Fidelity and privacy: each generator's rows against the real training rows of the positive class,
next to the same scores of the real test rows of that class (the "real test rows" line: what a
perfect generator would get). Columns: detection AUC (XGBoost, real vs synthetic, 5-fold; then the
same test on as many synthetic rows as there are real test rows, like for like with them), mean KS
statistic over the columns, mean absolute Pearson correlation difference, coverage (PRDC, k = 5),
median distance to the closest training record (standardised units), holdout share (share of rows
closer to the training rows than to the held-out real rows; 0.5 = no memorisation). Downstream:
PR-AUC and recall at precision 0.9 of each classifier on the test split. Values are mean +- sample
standard deviation over the seeds.
"""
import json
import statistics
import sys


def stat(values):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    m = statistics.mean(values)
    if len(values) == 1:
        return f"{m:.3f}"
    return f"{m:.3f} ± {statistics.stdev(values):.3f}"


def fidelity(ev, which):
    """The six scores of `which` ("synthetic" or "holdout") in one evaluation."""
    cols = ev["columns"]["per_column"]
    ks_key = "ks" if which == "synthetic" else "holdout_ks"
    ks = [c[ks_key]["statistic"] for c in cols if ks_key in c and c[ks_key].get("statistic") is not None]
    pearson = ev["correlations"]["pearson"]
    corr = pearson["mean_abs_diff"] if which == "synthetic" else pearson["holdout_mean_abs_diff"]
    priv = ev["privacy"][which]
    det = ev["detection"]
    matched = det.get("synthetic_matched", {}).get("xgboost", {}).get("roc_auc")
    return {
        "detection": det[which]["xgboost"].get("roc_auc"),
        # Synthetic rows: the same test on as many rows as the holdout has (like for like with
        # the real test rows' score); real test rows: their own score.
        "detection_matched": matched if which == "synthetic" else det[which]["xgboost"].get("roc_auc"),
        "ks": statistics.mean(ks) if ks else None,
        "corr": corr,
        "coverage": ev["prdc"][which]["coverage"],
        "dcr": priv["dcr_median"],
        "holdout_share": priv["holdout_share"],
    }


def main(dirs):
    runs = [json.load(open(f"{d}/results.json")) for d in dirs]
    strategies = runs[0]["config"]["strategies"]
    classifiers = runs[0]["config"]["classifiers"]
    keys = ["detection", "detection_matched", "ks", "corr", "coverage", "dcr", "holdout_share"]
    print(f"Seeds: {', '.join(str(r['config']['seed']) for r in runs)} ({len(runs)} runs)\n")
    print("| rows | detection AUC | detection AUC, holdout's size | mean KS | corr. diff | coverage "
          "| DCR median | holdout share |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    # The reference: real test rows of the class, from any generator's evaluation (all equal).
    ref = {k: [] for k in keys}
    for r in runs:
        ev = next(g["evaluation"] for g in r["generators"].values() if "evaluation" in g)
        for k, v in fidelity(ev, "holdout").items():
            ref[k].append(v)
    print("| real test rows | " + " | ".join(stat(ref[k]) for k in keys) + " |")
    for s in strategies:
        if not all(s in r["generators"] for r in runs):
            continue
        vals = {k: [] for k in keys}
        for r in runs:
            for k, v in fidelity(r["generators"][s]["evaluation"], "synthetic").items():
                vals[k].append(v)
        print(f"| {s} | " + " | ".join(stat(vals[k]) for k in keys) + " |")

    fit = {s: [r["generators"][s]["fit_seconds"] for r in runs]
           for s in strategies if all(s in r["generators"] for r in runs)}
    print("\nFit seconds (one LibTorch thread): " +
          ", ".join(f"{s} {statistics.mean(v):.1f}" for s, v in fit.items()))

    for metric, title in (("pr_auc", "PR-AUC"), ("recall_at_precision_90", "Recall at precision 0.9")):
        print(f"\n{title} on the test split\n")
        print("| strategy | " + " | ".join(classifiers) + " |")
        print("| --- |" + " --- |" * len(classifiers))
        for s in strategies:
            cells = []
            for c in classifiers:
                v = [e["metrics"][metric] for r in runs for e in r["results"]
                     if e["strategy"] == s and e["classifier"] == c]
                cells.append(stat(v))
            print(f"| {s} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])

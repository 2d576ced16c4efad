#!/usr/bin/python3
"""Builds the report's test fixtures (run.json, benchmark.json, categorical.json, minimal.json,
dataset_only.json) from real runs made with report_make_fixture (tests/report/make_fixture.cpp);
see README.md.

usage: /usr/bin/python3 make_fixtures.py RUN_RAW.json CATEGORICAL_RAW.json REP_1.json ... REP_N.json
Numbers are rounded to 4 significant digits to keep the files small. The benchmark's statistics
(t confidence intervals, paired t-tests) are computed here with scipy, as a stand-in for
`imbgen benchmark`'s own.
"""
import copy
import json
import math
import os
import sys

from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
METRICS = ["accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "mcc",
           "balanced_accuracy", "recall_at_precision_90"]


def rounded(x):
    if isinstance(x, float):
        return float(f"{x:.4g}") if math.isfinite(x) else None
    if isinstance(x, list):
        return [rounded(v) for v in x]
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    return x


def write(name, data):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(rounded(data), f, separators=(",", ":"))
        f.write("\n")


def t_interval(values, confidence=0.95):
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan"), None, None
    sd = stats.tstd(values)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def benchmark(reps):
    results = []
    for i, r in enumerate(reps):
        for e in r["results"]:
            e = copy.deepcopy(e)
            e["repeat"] = i
            if i > 0:
                e.pop("curves", None)  # curves of the first repetition only
            results.append(e)
    cells = {}
    for e in results:
        cells.setdefault((e["strategy"], e["classifier"]), []).append(e)
    out_cells = []
    for (s, c), entries in cells.items():
        entries.sort(key=lambda e: e["repeat"])
        cell = {"strategy": s, "classifier": c, "n": len(entries), "metrics": {},
                "comparisons": {}}
        for m in METRICS:
            v = [e["metrics"][m] for e in entries]
            if any(x is None for x in v):
                continue
            mean, sd, lo, hi = t_interval(v)
            cell["metrics"][m] = {"mean": mean, "std": sd, "ci_low": lo, "ci_high": hi}
        for base in ("none", "smote"):
            if base == s or (base, c) not in cells:
                continue
            b = sorted(cells[(base, c)], key=lambda e: e["repeat"])
            comp = {}
            for m in METRICS:
                x = [e["metrics"][m] for e in entries]
                y = [e["metrics"][m] for e in b]
                if any(v is None for v in x + y):
                    continue
                d = [p - q for p, q in zip(x, y)]
                mean, _, lo, hi = t_interval(d)
                p = stats.ttest_rel(x, y).pvalue if any(abs(v) > 0 for v in d) else 1.0
                comp[m] = {"diff": mean, "ci_low": lo, "ci_high": hi, "pvalue": p}
            cell["comparisons"][base] = comp
        out_cells.append(cell)
    first = reps[0]
    return {
        "imbgen_version": first["imbgen_version"],
        "dataset": first["dataset"],
        "config": first["config"],
        "results": results,
        "generators": first["generators"],
        "statistics": {"confidence": 0.95, "alpha": 0.05, "repeats": len(reps),
                       "method": f"{len(reps)} seeds of a stratified 80/20 split; t intervals; "
                                 "paired t-tests (a stand-in made by make_fixtures.py).",
                       "cells": out_cells},
    }


def main():
    run = json.load(open(sys.argv[1]))
    categorical = json.load(open(sys.argv[2]))
    reps = [json.load(open(p)) for p in sys.argv[3:]]
    write("run.json", run)
    write("categorical.json", categorical)
    write("benchmark.json", benchmark(reps))

    minimal = {
        "imbgen_version": run["imbgen_version"],
        "dataset": {k: v for k, v in run["dataset"].items() if k != "column_summary"},
        "config": dict(run["config"], strategies=["none", "smote"], classifiers=["logistic"]),
        "results": [{k: v for k, v in e.items() if k != "curves"} for e in run["results"]
                    if e["classifier"] == "logistic" and e["strategy"] in ("none", "smote")],
    }
    write("minimal.json", minimal)

    ds = run["dataset"]
    write("dataset_only.json", {
        "dataset": {"source": ds["source"], "rows": ds["rows"], "target": ds["target"],
                    "classes": ds["classes"], "positive_class": ds["positive_class"]}})


if __name__ == "__main__":
    main()

"""imbgen.evaluate and imbgen.benchmark: the numbers of `imbgen evaluate` and `imbgen benchmark`."""

import json
import math

import numpy as np
import pandas as pd
import pytest

import imbgen
from conftest import run_imbgen


def test_evaluate_gives_the_numbers_of_imbgen_evaluate(tmp_path, creditcard):
    X, y = creditcard
    real = X[y == 1]
    Xr, yr = imbgen.Resampler("smote", random_state=4).fit_resample(X, y)
    syn = Xr.iloc[len(X):][yr.iloc[len(X):] == 1]
    options = dict(tsne=False, detection_folds=3, seed=5, threads=1)
    ev = imbgen.evaluate(real, syn, **options)
    real.to_csv(tmp_path / "real.csv", index=False)
    syn.to_csv(tmp_path / "syn.csv", index=False)
    run_imbgen("evaluate", "--real", tmp_path / "real.csv", "--synthetic", tmp_path / "syn.csv",
               "--set", "evaluation.tsne=false", "--set", "evaluation.detection_folds=3",
               "--seed", 5, "--threads", 1, "-q", "--out", tmp_path / "ev")
    cli = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert ev["verdicts"] == cli["verdicts"]
    for block in ("columns", "correlations", "detection", "mmd", "prdc", "privacy"):
        assert _numbers(ev[block]) == _numbers(cli[block]), block


def _numbers(j, prefix=""):
    out = {}
    if isinstance(j, dict):
        for k, v in j.items():
            if k != "timings":
                out.update(_numbers(v, prefix + "." + k))
    elif isinstance(j, list):
        for i, v in enumerate(j):
            out.update(_numbers(v, f"{prefix}[{i}]"))
    elif isinstance(j, float) and not math.isnan(j):
        out[prefix] = j
    return out


def test_benchmark_returns_the_summary_and_writes_the_report(tmp_path, creditcard):
    X, y = creditcard
    df = pd.concat([X, y], axis=1)
    summary = imbgen.benchmark(df, target="Class", strategies=["none", "smote"],
                               classifiers=["logistic"], folds=2, repeats=1, random_state=1,
                               out=tmp_path / "bench", evaluate=False)
    assert set(summary["strategy"]) == {"none", "smote"}
    pr = summary[(summary.metric == "pr_auc")]
    assert len(pr) == 2 and pr["mean"].between(0, 1).all()
    assert (tmp_path / "bench" / "report.html").exists()
    assert (tmp_path / "bench" / "summary.csv").exists()
    on_disk = pd.read_csv(tmp_path / "bench" / "summary.csv")
    assert np.allclose(on_disk["mean"], summary["mean"], equal_nan=True)

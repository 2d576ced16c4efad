"""imbgen.fit / Model / load: the same model files and rows as the command line."""

import os

import numpy as np
import pandas as pd
import pytest

import imbgen
from conftest import DATA, run_imbgen


def test_fit_sample_save_load(tmp_path, adult):
    X, y = adult
    m = imbgen.fit(X, y, generator="gaussian_copula", random_state=5)
    assert m.classes == ["1"]
    rows = m.sample(50, random_state=3)
    assert list(rows.columns) == list(X.columns)
    assert list(rows.dtypes) == list(X.dtypes)
    pd.testing.assert_frame_equal(rows, m.sample(50, random_state=3))
    card = m.card
    assert card["generator"] == "gaussian_copula" and card["seed"] == 5
    assert card["classes"] == {"0": int((y == 0).sum()), "1": int((y == 1).sum())}
    assert card["data"]["fingerprint"].startswith("sha256:")
    path = tmp_path / "m.imbgen"
    m.save(path)
    back = imbgen.load(path)
    assert back.card == card
    loaded = back.sample(50, random_state=3)
    for col in X.columns:  # a loaded model has no input frame: same values, plain dtypes
        a, b = rows[col].astype(object).where(rows[col].notna(), None), loaded[col].astype(object).where(loaded[col].notna(), None)
        assert list(a) == list(b), col


def test_python_model_and_cli_give_the_same_rows(tmp_path, creditcard):
    X, y = creditcard
    # A model fitted in Python, sampled by the CLI ...
    m = imbgen.fit(X, y, generator="smote", random_state=7)
    m.save(tmp_path / "py.imbgen")
    run_imbgen("sample", "-m", tmp_path / "py.imbgen", "-n", 20, "--class", 1, "--seed", 9,
               "-o", tmp_path / "cli.csv")
    cli = pd.read_csv(tmp_path / "cli.csv", float_precision="round_trip")
    py = m.sample(20, cls=1, random_state=9)
    assert np.array_equal(cli[X.columns].to_numpy(), py.to_numpy())
    # ... and one fitted by the CLI, sampled in Python.
    data = tmp_path / "train.csv"
    pd.concat([X, y], axis=1).to_csv(data, index=False)
    run_imbgen("fit", "--data", data, "--target", "Class", "-g", "smote", "--seed", 7, "-q",
               "-o", tmp_path / "cli.imbgen")
    from_cli = imbgen.load(tmp_path / "cli.imbgen").sample(20, cls=1, random_state=9)
    assert np.array_equal(from_cli.to_numpy(), py.to_numpy())
    assert imbgen.load(tmp_path / "cli.imbgen").card["data"]["fingerprint"] == m.card["data"]["fingerprint"]


def test_errors_map_to_python_exceptions(tmp_path, creditcard):
    X, y = creditcard
    with pytest.raises(FileNotFoundError, match="nope.imbgen"):
        imbgen.load(tmp_path / "nope.imbgen")
    (tmp_path / "bad.imbgen").write_text("not a model")
    with pytest.raises(ValueError, match="not an imbgen generator model"):
        imbgen.load(tmp_path / "bad.imbgen")
    m = imbgen.fit(X, y, generator="random", random_state=1)
    with pytest.raises(ValueError, match="fit on class 1 only"):
        m.sample(5, cls=0)
    with pytest.raises(ValueError, match="n must be"):
        m.sample(-5)
    with pytest.raises(OSError):
        m.save(tmp_path / "no-such-folder" / "m.imbgen")
    with pytest.raises(ValueError, match="class 'x'"):
        imbgen.fit(X, y, generator="random", classes=["x"])

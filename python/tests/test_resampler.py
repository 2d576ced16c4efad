"""imbgen.Resampler as an imbalanced-learn sampler: imbalanced-learn's own checks, parameters,
DataFrames, pipelines, and the same rows as `imbgen augment`."""

import os

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import _yield_all_checks
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.preprocessing import StandardScaler

import imbgen
from conftest import run_imbgen

SAMPLERS = [imbgen.Resampler("smote", random_state=0),
            imbgen.Resampler("gan", random_state=0, steps=30, batch_size=32)]


def _check_id(check):
    return getattr(check, "__name__", str(check))


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: s.generator)
def test_imbalanced_learn_sampler_checks(sampler):
    # Every check imbalanced-learn 0.10 yields for an over-sampler with our tags (2-d arrays,
    # sparse matrices, DataFrames, strings, NaN).
    ran = []
    for check in _yield_all_checks(sampler):
        check(type(sampler).__name__, sampler)
        ran.append(_check_id(check))
    assert "check_samplers_fit_resample" in ran
    assert "check_samplers_pandas" in ran
    assert "check_samplers_nan" in ran
    assert len(ran) >= 15


def test_params_round_trip_through_clone_and_set_params():
    r = imbgen.Resampler("smote", sampling_strategy=0.5, random_state=3, k_neighbors=3)
    p = r.get_params()
    assert p["k_neighbors"] == 3 and p["generator"] == "smote" and p["sampling_strategy"] == 0.5
    c = clone(r)
    assert c.get_params() == p
    c.set_params(k_neighbors=4, generator="borderline_smote")
    assert c.k_neighbors == 4 and c.generator == "borderline_smote"


def test_bad_options_raise_value_error_naming_them(creditcard):
    X, y = creditcard
    with pytest.raises(ValueError, match="k_neighbours") as e:
        imbgen.Resampler("smote", k_neighbours=3).fit_resample(X, y)
    assert "k_neighbors" in str(e.value)  # the valid option is named
    with pytest.raises(ValueError, match="unknown generator 'smot'.*smote"):
        imbgen.Resampler("smot").fit_resample(X, y)
    with pytest.raises(ValueError):
        imbgen.Resampler("smote", k_neighbors=0).fit_resample(X, y)


def test_dataframe_in_dataframe_out_with_dtypes(adult):
    X, y = adult
    Xr, yr = imbgen.Resampler("smote_nc", random_state=1).fit_resample(X, y)
    assert isinstance(Xr, pd.DataFrame) and isinstance(yr, pd.Series)
    assert list(Xr.columns) == list(X.columns)
    assert list(Xr.dtypes) == list(X.dtypes)
    # The original rows first, unchanged.
    pd.testing.assert_frame_equal(Xr.iloc[: len(X)].reset_index(drop=True),
                                  X.reset_index(drop=True))
    assert (yr.iloc[: len(y)].to_numpy() == y.to_numpy()).all()
    counts = yr.value_counts()
    assert counts.min() == counts.max()  # auto: every class up to the majority
    new = Xr.iloc[len(X):]
    for col in X.columns:
        if X[col].dtype == object:
            seen = set(X[col].dropna())
            assert set(new[col].dropna()) <= seen, col
        else:
            assert new[col].min() >= X[col].min() and new[col].max() <= X[col].max(), col


def test_category_dtype_and_numpy_arrays_keep_their_form(adult):
    X, y = adult
    Xc = X.copy()
    Xc["workclass"] = Xc["workclass"].astype("category")
    Xr, _ = imbgen.Resampler("random", random_state=2).fit_resample(Xc, y.to_numpy())
    assert isinstance(Xr["workclass"].dtype, pd.CategoricalDtype)
    assert list(Xr["workclass"].cat.categories) == list(Xc["workclass"].cat.categories)
    num = X.select_dtypes("number").to_numpy(dtype=np.float32)
    Xa, ya = imbgen.Resampler("smote", random_state=2).fit_resample(num, y.to_numpy())
    assert isinstance(Xa, np.ndarray) and Xa.dtype == np.float32
    assert np.array_equal(Xa[: len(num)], num)


def test_pipeline_cross_validate_and_grid_search(creditcard):
    X, y = creditcard
    pipe = Pipeline([("resample", imbgen.Resampler("smote", random_state=0)),
                     ("scale", StandardScaler()),
                     ("model", LogisticRegression(max_iter=1000))])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(pipe, X, y, scoring="average_precision", cv=cv, n_jobs=2)
    assert len(scores["test_score"]) == 3
    assert np.all(scores["test_score"] > 0.5)
    grid = GridSearchCV(pipe, {"resample__generator": ["random", "smote"],
                               "resample__sampling_strategy": [0.1, 0.5]},
                        scoring="average_precision", cv=cv, n_jobs=2)
    grid.fit(X, y)
    assert grid.best_params_["resample__generator"] in ("random", "smote")
    assert len(grid.cv_results_["mean_test_score"]) == 4


@pytest.mark.parametrize("generator,extra", [("smote", []), ("smote_nc", []),
                                             ("gan", ["--set", "gan.steps=40"])])
def test_same_rows_as_imbgen_augment(tmp_path, creditcard, adult, generator, extra):
    X, y = adult if generator == "smote_nc" else creditcard
    if generator == "smote_nc":
        X, y = X.iloc[:1500], y.iloc[:1500]
    params = {"steps": 40} if generator == "gan" else {}
    Xr, yr = imbgen.Resampler(generator, random_state=11, **params).fit_resample(X, y)
    data = tmp_path / "train.csv"
    pd.concat([X, y], axis=1).to_csv(data, index=False)
    out = tmp_path / "augmented.csv"
    run_imbgen("augment", "--data", data, "--target", y.name, "-g", generator, "--sampling",
               "auto", "--seed", 11, "-q", "-o", out, *extra)
    cli = pd.read_csv(out, float_precision="round_trip", keep_default_na=False,
                      na_values=[""])
    assert len(cli) == len(Xr)
    for col in X.columns:
        a = Xr[col].to_numpy()
        b = cli[col].to_numpy()
        if X[col].dtype == object:
            a = np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in a], dtype=object)
            b = np.array(["" if isinstance(v, float) and np.isnan(v) else v for v in b], dtype=object)
            assert (a == b).all(), col
        else:
            # Byte for byte: the same doubles (NaN where both are missing).
            assert np.array_equal(a.astype(np.float64), b.astype(np.float64), equal_nan=True), col
    assert (yr.astype(str).to_numpy() == cli[y.name].astype(str).to_numpy()).all()


def _general_path(monkeypatch):
    """Resamplers made inside the `with` go through resample_rows (X column by column) even when
    every column holds numbers, as they did before the fast path."""
    import imbgen._frames as frames
    init = frames.Frame.__init__

    def without_dense(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.dense = None
    return monkeypatch.context(), frames.Frame, without_dense


def _assert_same(a, b):
    if isinstance(a, pd.DataFrame):
        assert list(a.columns) == list(b.columns)
        assert list(a.dtypes) == list(b.dtypes)
        assert a.index.equals(b.index)
        a, b = a.to_numpy(), b.to_numpy()
    else:
        assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.astype(np.float64), b.astype(np.float64), equal_nan=True)


@pytest.mark.parametrize("form", ["float_frame", "int_column", "c_array", "f_array", "int_array",
                                  "missing_value"])
@pytest.mark.parametrize("generator", ["smote", "random", "adasyn"])
def test_numbers_only_fast_path_gives_the_general_paths_rows(monkeypatch, creditcard, form,
                                                             generator):
    X, y = creditcard
    X = X.iloc[:800].copy()
    y = y.iloc[:800]
    if form == "int_column":
        X["Amount"] = X["Amount"].round().astype(np.int64)
    elif form == "c_array":
        X = np.ascontiguousarray(X.to_numpy())
    elif form == "f_array":
        X = np.asfortranarray(X.to_numpy())
    elif form == "int_array":
        X = np.round(X.to_numpy() * 10).astype(np.int32)
    elif form == "missing_value":
        X.iloc[5, 2] = np.nan  # the fast path hands this one to resample(): a model comes back
    fast = imbgen.Resampler(generator, random_state=4)
    Xf, yf = fast.fit_resample(X, y)
    ctx, frame_cls, without_dense = _general_path(monkeypatch)
    with ctx as m:
        m.setattr(frame_cls, "__init__", without_dense)
        slow = imbgen.Resampler(generator, random_state=4)
        Xs, ys = slow.fit_resample(X, y)
    assert type(Xf) is type(Xs)
    _assert_same(Xf, Xs)
    assert (np.asarray(yf) == np.asarray(ys)).all()
    # model_: fitted on first use where the fast path made none; the same model either way.
    assert fast.model_.card["fitted_classes"] == slow.model_.card["fitted_classes"]
    assert fast.model_.card["data"]["fingerprint"] == slow.model_.card["data"]["fingerprint"]
    _assert_same(fast.model_.sample(7, random_state=2), slow.model_.sample(7, random_state=2))


def test_numbers_only_fast_path_errors_as_the_general_path(creditcard):
    X, y = creditcard
    X = X.iloc[:300].copy()
    X.iloc[7, 3] = np.inf
    with pytest.raises(ValueError, match=r"row 7, column 'V4': value inf is not a finite number"):
        imbgen.Resampler("smote").fit_resample(X, y.iloc[:300])
    with pytest.raises(ValueError, match=r"row 7, column 'x3': value inf is not a finite number"):
        imbgen.Resampler("smote").fit_resample(X.to_numpy(), y.iloc[:300])


# 'minority' is left out: imbalanced-learn 0.10's parameter check refuses it for over-samplers.
@pytest.mark.parametrize("strategy", ["auto", "not minority", "not majority", "all"])
def test_integer_labels_take_imbalanced_learns_targets_without_sorting(strategy):
    # Integer labels skip scikit-learn's target checks and count their classes instead of sorting:
    # the targets (values, order, key and value types, ties to the first class) are
    # imbalanced-learn's, and so are the rows of the same labels given as strings.
    from imblearn.utils import check_sampling_strategy
    rng = np.random.default_rng(3)
    for dtype in (np.int64, np.int32, np.uint8):
        for sizes in ([40, 12, 12, 5], [30, 30, 9], [50, 20]):  # ties at the top and bottom
            y = np.repeat(np.arange(len(sizes)) * 2, sizes).astype(dtype)
            rng.shuffle(y)
            X = rng.normal(size=(len(y), 3))
            r = imbgen.Resampler("smote", sampling_strategy=strategy, random_state=1,
                                 k_neighbors=3)
            X_res, y_res = r.fit_resample(X, y)
            want = check_sampling_strategy(strategy, y, "over-sampling")
            assert list(r.sampling_strategy_.items()) == list(want.items())
            assert [type(k) for k in r.sampling_strategy_] == [type(k) for k in want]
            assert y_res.dtype == y.dtype and len(y_res) == len(y) + sum(want.values())
            X_txt, y_txt = imbgen.Resampler("smote", sampling_strategy=strategy, random_state=1,
                                            k_neighbors=3).fit_resample(X, y.astype(str))
            assert np.array_equal(X_res, X_txt) and (y_res.astype(str) == y_txt).all()
    with pytest.raises(ValueError, match="needs to have more than 1 class"):
        imbgen.Resampler("smote").fit_resample(np.zeros((6, 2)), np.ones(6, dtype=np.int64))


def test_dataframe_with_integer_and_bool_columns_among_floats_keeps_dtypes_and_order():
    rng = np.random.default_rng(4)
    n = 60
    X = pd.DataFrame({"a": rng.normal(size=n), "n": rng.integers(0, 9, n),
                      "b": rng.normal(size=n), "c": rng.normal(size=n),
                      "flag": rng.integers(0, 2, n).astype(bool), "d": rng.normal(size=n),
                      "small": rng.integers(0, 5, n).astype(np.int32)})
    X.columns.name = "features"
    y = np.r_[np.zeros(45, dtype=np.int64), np.ones(15, dtype=np.int64)]
    X_res, y_res = imbgen.Resampler("smote", random_state=2, k_neighbors=3).fit_resample(X, y)
    assert list(X_res.columns) == list(X.columns) and X_res.columns.name == "features"
    assert list(X_res.dtypes) == list(X.dtypes)
    pd.testing.assert_frame_equal(X_res.iloc[:n], X)
    assert len(X_res) == 90 and (y_res[60:] == 1).all()
    for col in ("n", "small"):
        added = X_res[col].iloc[n:]
        assert added.between(X[col].min(), X[col].max()).all()

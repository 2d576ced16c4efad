"""imbgen's library API for Python: fit a generator, sample rows, save and load models, evaluate
synthetic rows, run the benchmark protocol."""

import json
import os

import numpy as np
import pandas as pd

from . import _core
from ._frames import Frame, Labels
from ._sampler import _check_generator, _seed


def generators():
    """The names of imbgen's generators, for :class:`Resampler` and :func:`fit`: the SMOTE family,
    random over-sampling, the Gaussian copula and the deep models (GANs, VAEs, diffusion)."""
    return list(_core.generator_names())


def generator_options(generator):
    """The options of `generator` as a JSON Schema dict: each option's type, default, valid
    range and a one-line description, read from the generator's own configuration.

    >>> imbgen.generator_options("smote")["properties"]["k_neighbors"]["default"]
    5
    """
    _check_generator(generator)
    schema = json.loads(_core.generator_options_schema(generator))
    schema["description"] = _core.generator_description(generator)
    return schema


class Model:
    """A fitted generator: samples rows in the schema of the rows it was fit on.

    Made by :func:`imbgen.fit` or :func:`imbgen.load`; the same model files as the command line
    (``imbgen fit`` / ``imbgen sample``).
    """

    def __init__(self, core_model, frame=None):
        self._model = core_model
        self._frame = frame

    @property
    def card(self):
        """The model card: imbgen version, generator and full config, seed, creation time, fit
        time, data fingerprint and columns, class counts, fidelity summary (or None)."""
        return json.loads(self._model.card())

    @property
    def classes(self):
        """The class labels the model can sample (as texts)."""
        return list(self._model.fitted_classes())

    @property
    def generator(self):
        return self._model.generator_name()

    def sample(self, n, cls=None, random_state=None):
        """n rows of class `cls` (default: the first class modelled) as a DataFrame.

        The same model, class, n and random_state give the same rows as ``imbgen sample -n N
        --class CLS --seed RANDOM_STATE``. A model fit in this session keeps the input's column
        dtypes; a loaded one gives numbers as float64 (int64 for integer columns) and categories
        as pandas categoricals.
        """
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a whole number >= 0, got {n!r}")
        label = self.classes[0] if cls is None else str(cls)
        rows = self._model.sample(label, int(n), _seed(random_state))
        if self._frame is not None and self._frame.kind == "frame":
            return self._frame.rebuild(rows)
        return _plain_frame(rows, self._model.columns_info())

    def save(self, path):
        """Write the model file (atomically): the same format ``imbgen fit`` writes."""
        self._model.save(os.fspath(path))

    def __repr__(self):
        c = self.card
        return f"<imbgen.Model {c['generator']} classes={self.classes} rows={c['data']['rows']}>"


def _plain_frame(rows, info):
    """Rows of a loaded model (no input frame to copy dtypes from): float64 numbers, int64 for
    integer columns without missing values, categoricals with the training categories."""
    data = {}
    for (name, kind, values), (_, _, integer, categories) in zip(rows["columns"], info):
        if kind == "categorical":
            data[name] = pd.Categorical(values, categories=categories)
        else:
            arr = np.asarray(values, dtype=np.float64)
            data[name] = arr.astype(np.int64) if integer and not np.isnan(arr).any() else arr
    return pd.DataFrame(data)


def fit(X, y, generator="smote", classes=None, random_state=None, verbose=False, **params):
    """Fit a generator on (X, y) and return a :class:`Model`.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features); pass training rows only.
    y : array-like of class labels.
    generator : str, a name from :func:`generators`.
    classes : list of labels to model; default: every class but the largest.
    random_state : None or int: the training seed (``imbgen fit --seed``).
    verbose : bool: print training progress to stderr.
    **params : the generator's options, e.g. ``steps=2000``.
    """
    _check_generator(generator)
    frame = Frame(X, allow_sparse=False)
    labels = Labels(y)
    cls = [] if classes is None else [str(c) for c in classes]
    core = _core.fit(frame.columns, labels.encoded, labels.target_name(frame), generator, json.dumps(params), cls,
                     _seed(random_state), bool(verbose))
    return Model(core, frame)


def load(path):
    """Load a model file written by :meth:`Model.save` or ``imbgen fit``."""
    return Model(_core.Model.load(os.fspath(path)))


def _columns(X):
    return Frame(X, allow_sparse=False).columns


def evaluate(real, synthetic, holdout=None, verbose=False, **options):
    """Can these synthetic rows be trusted? The numbers of ``imbgen evaluate``, as a dict.

    Every column of `real`, `synthetic` and `holdout` (real rows the generator never saw; the
    score fresh real data gets) is compared; they must have the same columns. Options are the
    evaluation's (``tsne=False``, ``detection_folds=3``, ...; ``seed`` and ``threads`` too).
    Returns the evaluation: per-column tests, correlations, detection, MMD, PRDC, privacy
    distances, embeddings and a plain-words ``verdicts`` dict.
    """
    h = None if holdout is None else _columns(holdout)
    out = _core.evaluate(_columns(real), _columns(synthetic), h, json.dumps(options), bool(verbose))
    return json.loads(out)


def benchmark(data, target=None, strategies=("none", "class_weight", "random", "smote", "gan"),
              classifiers=("logistic", "linear_svm", "svm_rbf", "random_forest", "xgboost"),
              folds=5, repeats=2, random_state=42, out="imbgen-bench", jobs=1, threads=1,
              resume=False, verbose=False, **options):
    """imbgen's benchmark protocol (repeated stratified k-fold, tuned thresholds, confidence
    intervals, paired tests) and its report, as ``imbgen benchmark``.

    Parameters
    ----------
    data : a DataFrame holding the `target` column, or a dict {name: DataFrame} for several.
    target : the class column (default: the last column).
    strategies, classifiers, folds, repeats : as the command's options.
    random_state : int seed.
    out : folder for results.json, summary.csv, metrics.csv, report.html and the cell store.
    jobs, threads, resume : as the command's options.
    **options : further benchmark settings (ratio, validation_fraction, min_precision,
        generator_configs, classifier_configs, evaluate, evaluation_config, confidence, alpha,
        baselines).

    Returns
    -------
    pandas.DataFrame : summary.csv: per data set, strategy, classifier and metric the mean,
    interval and paired comparisons with the baselines.
    """
    sets = data if isinstance(data, dict) else {"data": data}
    datasets = []
    for name, df in sets.items():
        if not isinstance(df, pd.DataFrame):
            raise ValueError(f"data set {name!r}: expected a pandas DataFrame")
        t = target if target is not None else df.columns[-1]
        if t not in df.columns:
            raise ValueError(f"data set {name!r}: no column {t!r} (columns: {list(df.columns)})")
        frame = Frame(df.drop(columns=[t]), allow_sparse=False)
        labels = Labels(df[t])
        datasets.append((str(name), frame.columns, labels.encoded, str(t)))
    config = dict(strategies=list(strategies), classifiers=list(classifiers), folds=int(folds),
                  repeats=int(repeats), seed=int(random_state))
    config.update(options)
    table, _, _ = _core.benchmark(datasets, json.dumps(config), os.fspath(out), int(jobs),
                                  int(threads), bool(resume), bool(verbose))
    df = pd.DataFrame(table[1:], columns=table[0])
    for c in df.columns[4:]:
        df[c] = pd.to_numeric(df[c].replace("", np.nan))
    return df

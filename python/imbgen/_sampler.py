"""imbgen.Resampler: imbgen's generators as an imbalanced-learn sampler."""

import json
from collections import OrderedDict

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from sklearn.preprocessing import label_binarize
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from . import _core
from ._frames import Frame, Labels, class_counts, integer_labels


def _seed(random_state):
    """A 64-bit seed from scikit-learn's random_state (None, an int or a RandomState)."""
    if random_state is None or isinstance(random_state, np.random.RandomState):
        rs = check_random_state(random_state)
        return int(rs.randint(0, 2**31 - 1)) * (2**31) + int(rs.randint(0, 2**31 - 1))
    if isinstance(random_state, (int, np.integer)):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    raise ValueError(f"random_state must be None, an int or a numpy RandomState, got {random_state!r}")


def _over_sampling_targets(strategy, classes, counts):
    """imbalanced-learn's check_sampling_strategy for an over-sampler and a strategy named by a
    string ('auto', 'minority', 'not minority', 'not majority', 'all'), from the class counts
    (np.unique(y, return_counts=True)) instead of two more sorts of y: the same rules, ties
    (the first class with the most or fewest rows) and types. None for any other strategy."""
    if not isinstance(strategy, str) or strategy not in (
            "auto", "minority", "not minority", "not majority", "all"):
        return None
    if len(classes) <= 1:
        raise ValueError(f"The target 'y' needs to have more than 1 class. Got {len(classes)} "
                         "class instead")
    stats = dict(zip(classes, counts))
    most = max(stats.values())
    majority = max(stats, key=stats.get)
    minority = min(stats, key=stats.get)
    keep = {"auto": lambda c: c != majority, "not majority": lambda c: c != majority,
            "minority": lambda c: c == minority, "not minority": lambda c: c != minority,
            "all": lambda c: True}[strategy]
    return OrderedDict(sorted((c, most - n) for c, n in stats.items() if keep(c)))


def _check_generator(generator):
    names = _core.generator_names()
    if generator not in names:
        raise ValueError(f"unknown generator {generator!r}; the generators are: {', '.join(names)}")


class Resampler(BaseOverSampler):
    """Over-sample with one of imbgen's generators, as an imbalanced-learn sampler.

    Parameters
    ----------
    generator : str, default="smote"
        A generator name: ``imbgen.generators()`` lists them (random, smote, smote_nc,
        borderline_smote, adasyn, svm_smote, kmeans_smote, gaussian_copula, gan, wgan_gp, ctgan,
        vae, cvae, tvae, ddpm).
    sampling_strategy : float, str, dict or callable, default="auto"
        As imbalanced-learn defines it: a float (minority/majority after resampling, two
        classes), "auto", "minority", "not majority", "not minority", "all", a dict of final
        counts per class, or a callable returning such a dict.
    random_state : None, int or numpy.random.RandomState, default=None
        The seed. The same data, generator, options and seed give the same rows as
        ``imbgen augment --seed`` with that seed.
    verbose : bool, default=False
        Print training progress to stderr.
    **params
        The generator's options (``imbgen.generator_options(generator)`` lists them with their
        defaults), e.g. ``k_neighbors=3`` for smote or ``steps=2000`` for gan. An unknown option or
        a bad value raises ValueError naming it and the valid ones.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows added per class label.
    model_ : imbgen.Model or None
        The generator fitted by the last fit_resample (None when no class needed rows); when X
        held numbers only, fitted on first use (see the property).

    Notes
    -----
    X may be a pandas DataFrame (numeric, bool, category and object columns; NaN is a missing
    value), a numpy array, a list of rows or a scipy sparse matrix; the rows come back in the same
    form, with the same column names, order and dtypes: the original rows first, unchanged, then
    the synthetic ones.
    """

    _sampling_type = "over-sampling"

    def __init__(self, generator="smote", sampling_strategy="auto", random_state=None,
                 verbose=False, **params):
        super().__init__(sampling_strategy=sampling_strategy)
        self.generator = generator
        self.random_state = random_state
        self.verbose = verbose
        self._params = dict(params)
        for k, v in params.items():
            setattr(self, k, v)

    # get_params/set_params see the generator options too, so clone() and GridSearchCV keep them.
    def get_params(self, deep=True):
        out = super().get_params(deep=deep)
        for k in self._params:
            out[k] = getattr(self, k)
        return out

    def set_params(self, **params):
        own = set(super().get_params(deep=False))
        for k, v in params.items():
            if k in own:
                setattr(self, k, v)
            else:
                self._params[k] = v
                setattr(self, k, v)
        return self

    def _more_tags(self):
        return {"X_types": ["2darray", "sparse", "dataframe", "string"], "allow_nan": True}

    def _options(self):
        return {k: getattr(self, k) for k in self._params}

    def fit(self, X, y):
        """Check the inputs and compute sampling_strategy_ (use fit_resample)."""
        self.fit_resample(X, y)
        return self

    def fit_resample(self, X, y):
        """Fit the generator on (X, y) and return (X, y) with the synthetic rows appended.

        Parameters
        ----------
        X : DataFrame, array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        X_resampled, y_resampled
            The original rows, unchanged, then the synthetic rows, in the form of X and y.
        """
        self._validate_params()  # imbalanced-learn's checks of sampling_strategy, random_state
        _check_generator(self.generator)
        if integer_labels(y):
            # scikit-learn's type of 1-d integer labels is 'binary' or 'multiclass': both checks
            # would pass and give the labels back as they are, after two sorts of y.
            y_checked, binarize_y = np.asarray(y), False
        else:
            check_classification_targets(y)
            y_checked, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        frame = Frame(X)
        labels = Labels(y, y_checked)
        if frame.n_rows != labels.n:
            raise ValueError(f"X has {frame.n_rows} rows but y has {labels.n} labels")
        counted = class_counts(labels.values)
        targets = None if counted is None else _over_sampling_targets(self.sampling_strategy,
                                                                      *counted)
        self.sampling_strategy_ = targets if targets is not None else check_sampling_strategy(
            self.sampling_strategy, labels.values, self._sampling_type)
        counts = {str(k): int(v) for k, v in self.sampling_strategy_.items() if int(v) > 0}
        options = json.dumps(self._options())
        _core.check_generator_options(self.generator, options)
        self.n_features_in_ = len(frame.names)
        if frame.kind == "frame":
            self.feature_names_in_ = np.asarray(frame.original_columns, dtype=object)
        seed = _seed(self.random_state)
        self._fitted_model, self._model_inputs = None, None
        if frame.dense is not None and counts:
            # Numbers only: the library reads X in place and writes X_res itself.
            X_arr, rows, model = _core.resample_numbers(
                frame.dense, labels.encoded, frame.names, labels.target_name(frame), self.generator,
                options, counts, seed, bool(self.verbose))
            X_res = frame.wrap(X_arr)
            if model is None:  # no model was made: model_ fits one when asked
                # The classes in the library's order, as resample() fits them.
                classes = [t for t in rows["classes"] if t in counts]
                self._model_inputs = (X, y, self.generator, classes, seed, self._options())
        else:
            rows, model = _core.resample_rows(
                frame.columns, labels.encoded, labels.target_name(frame), self.generator, options,
                counts, seed, bool(self.verbose))
            X_res = frame.concat(X, frame.rebuild(rows))
        if model is not None:
            from ._api import Model
            self._fitted_model = Model(model, frame)
        y_res = labels.concat(labels.rebuild(rows))
        if binarize_y:
            y_res = label_binarize(np.asarray(y_res), classes=np.unique(labels.values))
        return X_res, y_res

    @property
    def model_(self):
        """The generator fitted by the last fit_resample (None when no class needed rows).

        When X held numbers only and no value was missing, fit_resample wrote the rows without
        making a model (the fast path); the model is then fitted here on first use, from the same
        rows, generator, options, classes and seed (the same fit, so it samples the same rows),
        and X and y are kept until then.
        """
        if getattr(self, "_fitted_model", None) is None and getattr(self, "_model_inputs", None):
            from ._api import fit
            X, y, generator, classes, seed, options = self._model_inputs
            self._fitted_model = fit(X, y, generator=generator, classes=classes,
                                     random_state=seed, **options)
            self._model_inputs = None
        if not hasattr(self, "_fitted_model"):
            raise AttributeError("model_: call fit_resample first")
        return self._fitted_model

    def _fit_resample(self, X, y):  # required by the abstract base; fit_resample does the work
        raise NotImplementedError

"""imbgen: fix class imbalance in tabular data with generative models, and find out honestly
whether it helped.

- :class:`Resampler`: every imbgen generator as an imbalanced-learn sampler (Pipeline,
  cross_validate, GridSearchCV).
- :func:`fit`, :class:`Model`, :func:`load`: fit a generator, sample rows, model files shared
  with the ``imbgen`` command.
- :func:`evaluate`: fidelity and privacy of synthetic rows; :func:`benchmark`: the rigorous
  protocol with confidence intervals and paired tests.

Example::

    from imblearn.pipeline import Pipeline
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_validate
    import imbgen

    pipe = Pipeline([("resample", imbgen.Resampler("smote", random_state=0)),
                     ("model", RandomForestClassifier(random_state=0))])
    scores = cross_validate(pipe, X, y, scoring="average_precision", cv=5)
"""

from ._errors import TrainingDiverged
from . import _core
from ._api import Model, benchmark, evaluate, fit, generator_options, generators, load
from ._sampler import Resampler

__version__ = _core.version()
blas = _core.blas

__all__ = ["Resampler", "Model", "fit", "load", "evaluate", "benchmark", "generators", "generator_options",
           "TrainingDiverged", "blas", "__version__"]

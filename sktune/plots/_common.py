"""What every plot reads: matplotlib, a search's results, its metric and scores."""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.exceptions import NotFittedError

from sktune.search._validation import metric_names_of, metric_to_optimize

_INSTALL_HINT = (
    "sktune.plots needs matplotlib, which is not installed. Install sktune's plots "
    'extra (python -m pip install ".[plots]" in the sktune clone) or matplotlib itself '
    "(python -m pip install matplotlib)."
)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return plt


def _results(search, caller):
    results = getattr(search, "cv_results_", None)
    if results is None:
        raise NotFittedError(
            f"{caller} needs a fitted search, but this {type(search).__name__} has no "
            "cv_results_: call fit(X, y) first."
        )
    return results


def _metric(search, results, metric):
    """The metric name whose ``mean_test_<name>`` column is plotted."""
    available = metric_names_of(results)
    if metric is None:
        # The metric sktune's searches optimise: refit's, else the first one.
        return metric_to_optimize(getattr(search, "refit", None), available)
    if f"mean_test_{metric}" not in results:
        raise ValueError(
            f"metric={metric!r} is not in the cv_results_ of this "
            f"{type(search).__name__}; it has {available}."
        )
    return metric


def _scores(search, metric, caller):
    results = _results(search, caller)
    metric = _metric(search, results, metric)
    return metric, np.asarray(results[f"mean_test_{metric}"], dtype=float)


def _metric_label(search, metric):
    """What the plotted column measures: the scorer's name where it is known."""
    if metric != "score":
        return metric
    scoring = getattr(search, "scoring", None)
    if isinstance(scoring, str):
        return scoring
    estimator = getattr(search, "estimator", None)
    if scoring is None and estimator is not None:
        # An estimator's own score method: accuracy for classifiers, R² for regressors.
        if is_classifier(estimator):
            return "accuracy"
        if is_regressor(estimator):
            return "R²"
    return "score"


def best_so_far(scores):
    """Running maximum of ``scores`` ignoring NaN (failed fits).

    Entries before the first finite score stay NaN.

    Examples
    --------
    >>> from sktune.plots import best_so_far
    >>> best_so_far([float("nan"), 0.5, 0.4, float("nan"), 0.7]).tolist()
    [nan, 0.5, 0.5, 0.5, 0.7]
    """
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        return scores
    return np.fmax.accumulate(scores)


def _is_halving(search):
    return "n_resources" in getattr(search, "cv_results_", {})

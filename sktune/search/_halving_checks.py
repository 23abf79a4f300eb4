"""HalvingBayesSearchCV's checks of its input, and the schedule they resolve.

Everything here runs in ``fit`` before the checkpoint is opened or anything
is fitted, so that bad input (a resource the estimator does not have,
``min_resources`` above ``max_resources``, folds that change between calls)
fails at once with a message that says what to do.
"""

from numbers import Integral

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection._split import _yields_constant_splits
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from sktune.search._schedule import halving_schedule


def resolve_schedule(search, X, y, params, cv):
    """Check a halving search's input; return ``(min_resources_, max_resources_, schedule)``.

    Parameters
    ----------
    search : HalvingBayesSearchCV
        With ``space_`` set (the schedule needs the space's size) and
        ``_n_samples_orig`` the number of samples of ``X``.
    X, y, params :
        As given to ``fit``.
    cv : cross-validation generator
        The search's checked splitter.
    """
    split_params = search._get_routed_params_for_fit(params).splitter.split
    if not _yields_constant_splits(cv):
        raise ValueError(
            "The cv parameter must yield consistent folds across calls to "
            "split(): successive halving compares candidates across calls. Set "
            "its random_state to an int, or set shuffle=False."
        )
    if search.n_candidates == "exhaust" and search.min_resources == "exhaust":
        raise ValueError(
            "n_candidates and min_resources cannot be both set to 'exhaust': "
            "each is derived from the other. Set one of them to a number."
        )
    _check_resource_parameter(search)
    n_splits = cv.get_n_splits(X, y, **split_params)
    if search.min_resources in ("smallest", "exhaust"):
        min_resources = _smallest_resources(search, y, n_splits)
    else:
        min_resources = search.min_resources
    max_resources = _resolve_max_resources(search)
    if min_resources == 0:
        raise ValueError(
            f"min_resources_={min_resources}: you might have passed an empty dataset X."
        )
    if min_resources > max_resources:
        raise ValueError(
            f"min_resources_={min_resources} is greater than "
            f"max_resources_={max_resources}: lower min_resources or raise "
            "max_resources."
        )
    schedule = halving_schedule(
        n_candidates=search.n_candidates,
        min_resources=min_resources,
        max_resources=max_resources,
        factor=search.factor,
        aggressive_elimination=search.aggressive_elimination,
        min_resources_exhaust=search.min_resources == "exhaust",
        space_size=search.space_.size,
    )
    return schedule.min_resources, max_resources, schedule


def _smallest_resources(search, y, n_splits):
    """scikit-learn's "smallest": 1 unit of a parameter, or enough samples for every fold."""
    if search.resource != "n_samples":
        return 1
    smallest = 2 * n_splits
    if is_classifier(search.estimator):
        target = column_or_1d(y) if np.ndim(y) == 1 else np.asarray(y)
        check_classification_targets(target)
        smallest *= len(np.unique(target))
    return smallest


def _check_resource_parameter(search):
    if search.resource == "n_samples":
        return
    names = search.estimator.get_params(deep=True)
    if search.resource not in names:
        raise ValueError(
            f"Cannot use resource={search.resource} which is not supported by "
            f"estimator {type(search.estimator).__name__}: it is not one of its "
            "parameters. Use 'n_samples' or a parameter that sets the training "
            f"effort, e.g. {_budget_like(names) or sorted(names)[:8]}."
        )
    searched = {n for sub in search.space_.subspaces for n in sub.names}
    if search.resource in searched:
        raise ValueError(
            f"Cannot use parameter {search.resource} as the resource since it is "
            "part of the searched parameters: the search sets the resource "
            "itself. Remove it from param_distributions."
        )


def _resolve_max_resources(search):
    if search.max_resources != "auto":
        return search.max_resources
    if search.resource == "n_samples":
        return search._n_samples_orig
    value = search.estimator.get_params(deep=True)[search.resource]
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(
            "resource can only be 'n_samples' when max_resources='auto', unless "
            f"the estimator's {search.resource} is a positive int to take as the "
            f"largest budget; it is {value!r}. Give max_resources as a positive int."
        )
    return int(value)


def _budget_like(names):
    hints = ("epoch", "max_iter", "n_estimators", "n_iter")
    return sorted(n for n in names if any(h in n.rsplit("__", 1)[-1] for h in hints))

"""Checks a search makes before its first fit, and the metric it optimises.

- Parameter names: every name in ``param_distributions`` must be one the
  estimator accepts once the searched values are set (a searched Pipeline
  step brings its own parameters). The error lists the valid names once and
  suggests the closest one; the user's objects are never modified.
- The optimised metric: one number per candidate is told to the optimiser.
  With a single metric it is ``mean_test_score``. With several it is the one
  named by ``refit`` when ``refit`` is a string; otherwise (``refit=False``
  or a callable) the first metric of ``scoring``: the first key of a dict
  (including the dict a ``scoring`` callable returns), the first name of a
  list or tuple. No extra parameter: the constructor stays
  ``RandomizedSearchCV``'s, and the order of a dict is the user's own
  statement of what matters most.
"""

import difflib

from sklearn.base import clone


def check_parameter_names(estimator, space):
    """Raise a ValueError naming any parameter the estimator does not accept.

    Names the estimator reports in ``get_params(deep=True)`` are accepted as
    they are. Otherwise (a name under a searched Pipeline step) one candidate
    of the sub-space is set on a clone of ``estimator``, its values cloned too (``clone(..., safe=False)``, as scikit-learn's searches
    do), so objects in ``param_distributions`` are never modified.
    """
    known = set(estimator.get_params(deep=True))
    for k, subspace in enumerate(space.subspaces):
        if set(subspace.names) <= known:
            continue  # no need to set anything: the estimator is left untouched
        candidate = {name: dim.from_unit(0.5) for name, dim in subspace.dimensions.items()}
        probe = clone(estimator)
        try:
            probe.set_params(**clone(candidate, safe=False))
            continue
        except ValueError:
            pass
        unknown, valid = _unknown_names(estimator, candidate)
        if not unknown:
            # set_params refused a value, not a name: fit reports it per candidate.
            continue
        where = "param_distributions"
        if len(space.subspaces) > 1:
            where += f"[{k}]"
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "no similar name."
            hints.append(f"{name!r} ({hint})")
        raise ValueError(
            f"{where} names {_count(unknown)} that {type(estimator).__name__} does "
            f"not accept: {', '.join(hints)} Valid parameter names: {valid}."
        )


def _count(names):
    return "a parameter" if len(names) == 1 else f"{len(names)} parameters"


def _unknown_names(estimator, candidate):
    """The names ``set_params`` refuses, and every valid name once the rest is set.

    Shallow names first, so that a searched step (``clf``) is in place before
    its own parameters (``clf__C``) are tried.
    """
    probe, unknown = clone(estimator), []
    for name in sorted(candidate, key=lambda n: n.count("__")):
        try:
            probe.set_params(**{name: clone(candidate[name], safe=False)})
        except ValueError:
            unknown.append(name)
    return unknown, sorted(probe.get_params(deep=True))


def metric_to_optimize(refit, metric_names):
    """The ``mean_test_<name>`` column the optimiser follows (see the module doc).

    ``metric_names`` are the metrics in ``cv_results_`` order: the names of
    ``mean_test_*`` columns, or the keys of one candidate's ``test_scores``.
    """
    metric_names = list(metric_names)
    if metric_names in ([], ["score"]):
        return "score"
    if isinstance(refit, str) and refit in metric_names:
        return refit
    return metric_names[0]


def metric_names_of(results):
    """Metric names of a ``cv_results_`` dict, in its column order."""
    return [key[len("mean_test_") :] for key in results if key.startswith("mean_test_")]

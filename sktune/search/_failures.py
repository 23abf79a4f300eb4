"""Failed fits and non-finite scores: judged once per search, not once per batch.

``BaseSearchCV`` checks each ``evaluate_candidates`` call on its own: it warns
(``FitFailedWarning``) when some fits of the call failed, raises when all of
them did, and ``_format_results`` warns about non-finite scores over every
candidate so far. ``RandomizedSearchCV`` makes one call, so that is one
summary per search; sktune makes one call per batch, which would repeat the
warnings after every batch and end the search at the first batch whose fits
all failed. While an sktune search runs:

- fit errors are collected, and at the end of the search scikit-learn's own
  check runs once over all of them: one ``FitFailedWarning`` with the totals,
  or scikit-learn's "All the N fits failed" error if none succeeded;
- the "non-finite scores" warning is held back and given once, at the end,
  with scikit-learn's text;
- a configuration error ends the search early (see :meth:`FitFailures.check_batch`).
"""

from contextlib import contextmanager
from contextvars import ContextVar
import warnings

import numpy as np
import sklearn.model_selection._search as _sklearn_search
from sklearn.model_selection._validation import (
    _warn_or_raise_about_fit_failures as _sklearn_check,
)

# A configuration error is declared once this many distinct candidates have
# failed with the same error and no fit of the search has succeeded.
MIN_FAILED_CANDIDATES = 3

_NON_FINITE_MESSAGE = r"One or more of the (test|train) scores are non-finite"

# The FitFailures of the sktune search running in this context, or None
# outside sktune searches, where scikit-learn's check is unchanged.
_current = ContextVar("sktune_fit_failures", default=None)


def _check_batch(results, error_score):
    failures = _current.get()
    if failures is None:
        return _sklearn_check(results, error_score)
    failures.add([result["fit_error"] for result in results])
    return None


def _error_kind(fit_error):
    """The exception line of a formatted traceback: what failed, not where."""
    lines = [line for line in fit_error.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else fit_error


class FitFailures:
    """The fit errors of one search (None for a fit that succeeded)."""

    def __init__(self, error_score):
        self.error_score = error_score
        self.errors = []
        self.resumed_errors = []  # of candidates re-used from a checkpoint
        self._batch = []
        self._failed = {}  # exception line -> candidates that failed on every split

    def add(self, fit_errors):
        self.errors.extend(fit_errors)
        self._batch = list(fit_errors)

    def check_batch(self, candidates, subspaces, n_splits, search_name):
        """Raise if the failures so far can only be a configuration error.

        That is: no fit of the search has succeeded, and at least
        ``MIN_FAILED_CANDIDATES`` candidates failed on every split with the
        same exception, while differing in every parameter that can vary
        (in candidate ``i``'s sub-space, ``subspaces[i]``). A failure tied to one value (a misspelled kernel among good ones) or to
        one region therefore never ends the search; one that follows the
        candidates everywhere (no model given, a wrong input shape) does,
        instead of spending the whole budget on it.
        """
        batch, self._batch = self._batch, []
        if any(error is None for error in self.resumed_errors + self.errors):
            return
        for i, params in enumerate(candidates):
            errors = batch[i * n_splits : (i + 1) * n_splits]
            if not errors or any(error is None for error in errors):
                continue
            varying = [name for name, dim in subspaces[i].dimensions.items() if dim.size > 1]
            self._failed.setdefault(_error_kind(errors[0]), []).append((params, varying))
        for kind, failed in self._failed.items():
            if len(failed) >= MIN_FAILED_CANDIDATES and _differ_everywhere(failed):
                self._raise_all_failed(
                    self.errors,
                    f"{search_name} stopped early: {len(failed)} different candidates "
                    f"failed on every split with the same error ({kind}) and no fit "
                    "has succeeded, so the configuration fails whatever the "
                    "candidate.",
                )

    def check_recorded(self, fit_errors, params, subspace, search_name):
        """:meth:`check_batch` for one candidate kept as recorded outputs are.

        Its errors count with ``resumed_errors`` (which the search sets again
        from all its recorded outputs before :meth:`finish`), not ``errors``.
        """
        self.resumed_errors.extend(fit_errors)
        self._batch = list(fit_errors)
        self.check_batch([params], [subspace], len(fit_errors), search_name)

    def finish(self):
        """At the end of a search: one warning with the totals, or the error."""
        errors = self.resumed_errors + self.errors
        _sklearn_check([{"fit_error": error} for error in errors], self.error_score)

    def _raise_all_failed(self, errors, preface):
        """scikit-learn's "All the N fits failed" error, after ``preface``."""
        try:
            _sklearn_check([{"fit_error": error} for error in errors], self.error_score)
        except ValueError as exc:
            raise ValueError(f"{preface}{exc}") from None


def _differ_everywhere(failed):
    """True if, for every parameter that can vary, the candidates take >= 2 values.

    ``failed`` holds (params, names that can vary) pairs.
    """
    names = set().union(*(set(varying) for _, varying in failed))
    for name in names:
        values = {repr(params[name]) for params, _ in failed if name in params}
        if len(values) < 2:
            return False
    return True


@contextmanager
def failures_judged_per_search(error_score):
    """Within this context, ``evaluate_candidates`` only records fit failures."""
    _sklearn_search._warn_or_raise_about_fit_failures = _check_batch
    failures = FitFailures(error_score)
    token = _current.set(failures)
    try:
        yield failures
    finally:
        _current.reset(token)


@contextmanager
def non_finite_warnings_held():
    """Silence scikit-learn's per-batch "non-finite scores" warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_NON_FINITE_MESSAGE, category=UserWarning)
        yield


def warn_non_finite(results):
    """scikit-learn's "non-finite scores" warning, once per search.

    One warning per ``mean_test_*``/``mean_train_*`` column with a non-finite
    value, in ``cv_results_`` order, with scikit-learn's text.
    """
    for key, means in results.items():
        if not key.startswith(("mean_test_", "mean_train_")):
            continue
        means = np.asarray(means, dtype=float)
        if np.any(~np.isfinite(means)):
            which = key[len("mean_") :].split("_")[0]
            warnings.warn(
                f"One or more of the {which} scores are non-finite: {means}",
                category=UserWarning,
                stacklevel=3,
            )

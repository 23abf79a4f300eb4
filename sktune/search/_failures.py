"""Failed fits under a numeric ``error_score``: judged per search, not per batch.

``BaseSearchCV.fit`` checks each ``evaluate_candidates`` call on its own and
raises when every fit of that call failed. ``RandomizedSearchCV`` makes one
call, so this means "every candidate failed"; sktune makes one call per batch,
so the first failed candidate (``n_points=1``) or failed generation would end
the search. While an sktune search runs, a batch whose fits all failed only
warns, and the search raises scikit-learn's error at the end if every one of
its fits failed, as ``RandomizedSearchCV`` does.
"""

from contextlib import contextmanager
from contextvars import ContextVar
import warnings

from sklearn.exceptions import FitFailedWarning
import sklearn.model_selection._search as _sklearn_search
from sklearn.model_selection._validation import (
    _warn_or_raise_about_fit_failures as _sklearn_check,
)

# The fit errors (None for a success) of the sktune search running in this
# thread, or None outside sktune searches, where scikit-learn's check is unchanged.
_fit_errors = ContextVar("sktune_fit_errors", default=None)


def _check_batch(results, error_score):
    errors = _fit_errors.get()
    if errors is None:
        return _sklearn_check(results, error_score)
    batch = [result["fit_error"] for result in results]
    errors.extend(batch)
    if batch and all(error is not None for error in batch):
        warnings.warn(
            f"\nAll the {len(batch)} fits of this batch failed; their score is set to "
            f"{error_score} and the search goes on. The first error:\n{batch[0]}",
            FitFailedWarning,
            stacklevel=2,
        )
        return None
    return _sklearn_check(results, error_score)


@contextmanager
def failures_judged_per_search():
    """Within this context, ``evaluate_candidates`` tolerates all-failed batches."""
    _sklearn_search._warn_or_raise_about_fit_failures = _check_batch
    token = _fit_errors.set([])
    try:
        yield
    finally:
        _fit_errors.reset(token)


def raise_if_every_fit_failed(error_score, earlier_errors=()):
    """Raise scikit-learn's "All the N fits failed" error if no fit succeeded.

    ``earlier_errors`` are the ``fit_error`` values of fits made before this
    call to ``fit`` (a resumed checkpoint), None for a success.
    """
    errors = list(earlier_errors) + (_fit_errors.get() or [])
    if errors and all(error is not None for error in errors):
        _sklearn_check([{"fit_error": error} for error in errors], error_score)

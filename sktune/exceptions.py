"""Exceptions that sktune's searches raise.

Everything else a search raises is scikit-learn's (``ValueError`` for bad
arguments, ``FitFailedWarning`` for fits that failed) or the estimator's own.
"""

__all__ = ["ClusterLostError"]


class ClusterLostError(RuntimeError):
    """The Dask cluster went away, or kept losing a batch, during a search.

    Raised by ``fit`` of any sktune search run on joblib's ``"dask"`` backend
    once the client has had no scheduler, or the scheduler no worker, for 60
    seconds (or joblib's ``wait_for_workers_timeout``, if longer), or the same
    batch was lost three times. The candidates of every batch finished before
    are in ``cv_results_`` and in the checkpoint, when the search has one:
    fitting again resumes from it. A subclass of ``RuntimeError``.

    Parameters
    ----------
    why : str
        What was seen, e.g. "the scheduler has had no worker for 60 s".
    checkpoint : str, path-like or None
        The search's checkpoint, named as the place where the finished
        batches are kept.

    See Also
    --------
    sktune.BayesSearchCV : its ``checkpoint`` parameter.

    Examples
    --------
    >>> from sktune.exceptions import ClusterLostError
    >>> try:  # doctest: +NORMALIZE_WHITESPACE
    ...     raise ClusterLostError("the scheduler has had no worker for 60 s", "search.jsonl")
    ... except RuntimeError as exc:
    ...     print(exc)
    The search stopped because the Dask cluster is gone: the scheduler has had no worker
    for 60 s. Every candidate of the batches finished before is in cv_results_ and in the
    checkpoint 'search.jsonl'; fit again to resume from it.
    """

    def __init__(self, why, checkpoint=None):
        self.why, self.checkpoint = why, checkpoint
        kept = "cv_results_"
        if checkpoint is not None:
            kept += f" and in the checkpoint {str(checkpoint)!r}; fit again to resume from it"
        super().__init__(
            f"The search stopped because the Dask cluster is gone: {why}. Every "
            f"candidate of the batches finished before is in {kept}."
        )

    def __reduce__(self):
        return type(self), (self.why, self.checkpoint)

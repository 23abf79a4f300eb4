"""A batch that a Dask cluster loses is evaluated again; a lost cluster ends the search.

On joblib's ``"dask"`` backend a batch of fits can be lost although no fit
failed: a worker that dies takes the data scattered to it along, and the
batch's tasks are cancelled ("lost dependencies", ``FutureCancelledError``),
or the submission breaks while the data is being scattered. joblib's own
backend then raises, or never reports the batch and waits forever.

While an sktune search fits, :func:`lost_batches_retried` puts
:class:`sktune.search._dask.ResilientDaskBackend` in place of an active
joblib dask backend: it reports every lost batch and watches the cluster.
:func:`evaluate_with_retries` then evaluates a lost batch again (joblib
scatters the data anew for each call), up to ``MAX_ATTEMPTS`` times, after
waiting up to ``CLUSTER_LOST_AFTER`` seconds for a worker. A cluster without
scheduler or workers for that long ends the search with
:class:`~sktune.exceptions.ClusterLostError`; every batch evaluated before is
in ``cv_results_`` and in the checkpoint. Other backends are left as they
are: a fit that fails is a fit failure, not a lost batch.
"""

from contextlib import contextmanager
import sys
import warnings

from joblib import parallel_config
from joblib.parallel import get_active_backend

from sktune.exceptions import ClusterLostError

#: How many times one batch is evaluated before the search gives up on it.
MAX_ATTEMPTS = 3
#: Seconds without a scheduler, or without any worker, after which the
#: cluster counts as gone.
CLUSTER_LOST_AFTER = 60.0


class LostBatchError(RuntimeError):
    """The cluster lost a batch, or had no worker to run it; no fit failed."""


def _resilient_backend():
    """The active ResilientDaskBackend, or None."""
    dask_module = sys.modules.get("sktune.search._dask")
    backend, _ = get_active_backend()
    if dask_module is not None and isinstance(backend, dask_module.ResilientDaskBackend):
        return backend
    return None


@contextmanager
def lost_batches_retried():
    """Within this context, an active joblib dask backend reports lost batches."""
    joblib_dask = sys.modules.get("joblib._dask")
    backend, _ = get_active_backend()
    # Without joblib._dask imported, no dask backend can be active; importing
    # it would import distributed, which `import sktune` must not cost.
    if joblib_dask is None or type(backend) is not joblib_dask.DaskDistributedBackend:
        yield
        return
    from sktune.search._dask import ResilientDaskBackend

    resilient = ResilientDaskBackend.replacing(backend, CLUSTER_LOST_AFTER)
    with parallel_config(backend=resilient):
        yield


def evaluate_with_retries(evaluate, checkpoint=None):
    """Return ``evaluate(attempt)``, evaluating again while the cluster loses the batch.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(attempt)`` evaluates one batch (a call of
        ``evaluate_candidates``); ``attempt`` counts from 1.
    checkpoint : str, path-like or None
        Named in the error, as the place where finished batches are kept.
    """
    backend = _resilient_backend()
    if backend is None:
        return evaluate(1)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return evaluate(attempt)
        except ClusterLostError as exc:
            raise ClusterLostError(exc.why, checkpoint) from exc
        except BaseException as exc:
            if not backend.is_lost_batch(exc):
                raise
            prepare_next_attempt(backend, exc, attempt, checkpoint, "the same batch")


def prepare_next_attempt(backend, exc, attempt, checkpoint, lost):
    """After the cluster lost fits on ``attempt``: give up, or get ready for the next.

    Raises :class:`~sktune.exceptions.ClusterLostError` after
    ``MAX_ATTEMPTS`` attempts, or when the cluster counts as gone; otherwise
    warns, waits for a worker and scatters the data again if it was lost.
    ``lost`` names what was lost, in the messages ("the same batch").
    """
    if attempt >= MAX_ATTEMPTS:
        raise ClusterLostError(
            f"it lost {lost} {MAX_ATTEMPTS} times, the last time with {exc!r}",
            checkpoint,
        ) from exc
    warnings.warn(
        f"The Dask cluster lost {lost} ({exc!r}); attempt {attempt + 1} of "
        f"{MAX_ATTEMPTS} runs the lost fits again.",
        UserWarning,
        stacklevel=3,
    )
    problem = backend.prepare_retry()
    if problem is not None:
        raise ClusterLostError(problem, checkpoint) from exc

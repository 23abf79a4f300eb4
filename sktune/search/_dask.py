"""joblib's dask backend, made to report every lost batch instead of waiting forever.

joblib's ``DaskDistributedBackend`` hands a batch's outcome to
``joblib.Parallel`` through a callback. That callback is never called when
the batch is lost at the Dask level:

- when scattering the batch's data fails (a worker dies meanwhile), the
  submission coroutine dies with the error, and the batch is never submitted;
- when the batch's future ends in error (a ``KilledWorker``, its data lost),
  the error is set on a future that ``Parallel`` does not look at.

``Parallel`` then waits forever. :class:`ResilientDaskBackend` delivers both
through the callback, and a watcher thread fails every pending batch with
:class:`~sktune.exceptions.ClusterLostError` once the client has had no
scheduler, or the scheduler no worker, for ``cluster_lost_after`` seconds.
Only sktune searches use it, in place of the user's backend, during ``fit``.
This module imports ``distributed``: it is imported only when a dask backend
is active.
"""

import asyncio
import concurrent.futures
import pickle
import threading
import time
from uuid import uuid4

from distributed import KilledWorker
from distributed.client import FutureCancelledError
from distributed.comm.core import CommClosedError
from joblib._dask import DaskDistributedBackend, _TracebackCapturingWrapper

from sktune.exceptions import ClusterLostError
from sktune.search._retry import LostBatchError

# Errors that mean "the cluster lost this batch", not "a fit failed". A fit's
# own error comes back as the batch's result, not as one of these.
_LOST_BATCH_ERRORS = (
    LostBatchError,
    FutureCancelledError,
    asyncio.CancelledError,
    concurrent.futures.CancelledError,
    CommClosedError,
    ConnectionError,
)
_WATCH_EVERY = 0.2  # seconds
_HEALTH_EVERY = 1.0  # seconds between two questions to the scheduler
_RPC_TIMEOUT = 10.0  # seconds


class _Delivery:
    """One submitted batch: its joblib future, and a callback that runs once."""

    def __init__(self, cf_future, callback):
        self.cf_future = cf_future
        self.dask_future = None
        self._callback = callback
        self._lock = threading.Lock()
        self.delivered = False

    def __call__(self, outcome):
        with self._lock:
            if self.delivered:
                return
            self.delivered = True
        if self._callback is not None:
            self._callback(outcome)  # an exception as outcome makes joblib raise it

    def fail(self, exc):
        try:
            self.cf_future.set_exception(exc)
        except concurrent.futures.InvalidStateError:
            pass  # already settled by joblib's collector
        self(exc)


class ResilientDaskBackend(DaskDistributedBackend):
    """joblib's dask backend that reports lost batches and a lost cluster."""

    @classmethod
    def replacing(cls, backend, cluster_lost_after):
        """A backend on the same client, with the same scattered data and options.

        The cluster counts as lost after ``cluster_lost_after`` seconds, or
        after the backend's ``wait_for_workers_timeout`` if that is longer (a
        user's way to give a cluster that scales up slowly more time).
        """
        bound = max(cluster_lost_after, backend.wait_for_workers_timeout or 0)
        resilient = cls(client=backend.client, wait_for_workers_timeout=bound,
                        **backend.submit_kwargs)
        resilient._scatter, resilient.data_futures = backend._scatter, backend.data_futures
        resilient.cluster_lost_after = bound
        return resilient

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster_lost_after = 60.0
        self._deliveries = set()
        self._deliveries_lock = threading.Lock()
        self._stop_watching = threading.Event()

    # -- joblib's backend API -----------------------------------------------------------
    def submit(self, func, callback=None):
        cf_future = concurrent.futures.Future()
        cf_future.get = cf_future.result  # joblib's AsyncResult API
        delivery = _Delivery(cf_future, callback)
        with self._deliveries_lock:
            self._deliveries.add(delivery)

        async def submit_batch():
            try:
                batch, tasks = await self._to_func_args(func)
                dask_future = self.client.submit(
                    _TracebackCapturingWrapper(batch),
                    tasks=tasks,
                    key=f"{batch!r}-{uuid4().hex}",
                    **self.submit_kwargs,
                )
            except (TypeError, pickle.PicklingError) as exc:
                delivery.fail(exc)  # something in the batch cannot be pickled
                return
            except BaseException as exc:
                # The cluster changed under the submission: a worker died while
                # the data was being scattered to it, or left the scheduler.
                delivery.fail(LostBatchError(f"the batch could not be submitted: {exc!r}"))
                return
            delivery.dask_future = dask_future
            self.waiting_futures.add(dask_future)
            self._callbacks[dask_future] = delivery
            self._results[dask_future] = cf_future

        self.client.loop.add_callback(submit_batch)
        return cf_future

    def effective_n_jobs(self, n_jobs):
        try:
            return super().effective_n_jobs(n_jobs)
        except TimeoutError as exc:  # no worker came within wait_for_workers_timeout
            raise ClusterLostError(
                f"the scheduler has had no worker for {self.wait_for_workers_timeout:g} s"
            ) from exc
        except AttributeError as exc:
            # A client whose cluster was closed has no scheduler any more:
            # distributed's ``ncores`` then fails on ``None.ncores``.
            if getattr(self.client, "scheduler", True) is not None:
                raise
            raise ClusterLostError("the client has no scheduler (the cluster was closed)") from exc

    def start_call(self):
        super().start_call()
        # One watcher per Parallel call, stopped by its own event; it may be
        # inside a call to the scheduler when stopped, so it is not joined.
        self._stop_watching = threading.Event()
        threading.Thread(
            target=self._watch, args=(self._stop_watching,), name="sktune-dask-watcher",
            daemon=True,
        ).start()

    def stop_call(self):
        self._stop_watching.set()
        super().stop_call()

    def abort_everything(self, ensure_ready=True):
        super().abort_everything(ensure_ready=ensure_ready)
        with self._deliveries_lock:
            pending, self._deliveries = self._deliveries, set()
        futures = [d.dask_future for d in pending if d.dask_future is not None]
        if futures and self.client.status == "running":
            # The batch is abandoned: free the workers instead of finishing it.
            self.client.cancel(futures, asynchronous=False)

    # -- for sktune's retry loop ----------------------------------------------------------
    def is_lost_batch(self, exc):
        """True if ``exc`` means the cluster lost the batch, not that a fit failed."""
        return isinstance(exc, _LOST_BATCH_ERRORS)

    def prepare_retry(self):
        """Wait for a worker and scatter the user's data again if it was lost.

        Returns why the cluster counts as gone, or None when it can go on.
        """
        problem = self._cluster_problem()
        deadline = time.monotonic() + self.cluster_lost_after
        while (
            problem is not None
            and self.client.status != "closed"  # a closed client never comes back
            and time.monotonic() < deadline
        ):
            time.sleep(_HEALTH_EVERY)
            problem = self._cluster_problem()
        if problem is not None:
            return problem
        lost = [f for f in self.data_futures.values() if f.status != "finished"]
        if lost and self._scatter:
            scattered = self.client.scatter(self._scatter, broadcast=True)
            self.data_futures = {id(x): f for x, f in zip(self._scatter, scattered, strict=True)}
        return None

    # -- the watcher -------------------------------------------------------------------------
    def _cluster_problem(self):
        """Why the cluster cannot run a batch now, or None."""
        if self.client.status != "running":
            return f"the client has no scheduler (its status is {self.client.status!r})"
        try:
            n_threads = sum(self.client.nthreads(callback_timeout=_RPC_TIMEOUT).values())
        except Exception as exc:
            return f"the scheduler does not answer ({exc!r})"
        return None if n_threads > 0 else "the scheduler has no worker"

    def _watch(self, stop):
        unhealthy_since, last_health = None, 0.0
        while not stop.wait(_WATCH_EVERY):
            with self._deliveries_lock:
                pending = [d for d in self._deliveries if not d.delivered]
                self._deliveries = set(pending)
            for delivery in pending:
                if (
                    delivery.cf_future.done()
                    and not delivery.cf_future.cancelled()
                    and delivery.cf_future.exception() is not None
                ):
                    # joblib's collector set the error but never calls back. A
                    # KilledWorker is the task's doing (it killed several
                    # workers in turn): it is not retried.
                    error = delivery.cf_future.exception()
                    if not isinstance(error, (KilledWorker, *_LOST_BATCH_ERRORS)):
                        error = LostBatchError(f"the batch's future ended with {error!r}")
                    delivery(error)
            now = time.monotonic()
            if not pending or now - last_health < _HEALTH_EVERY:
                continue
            last_health = now
            problem = self._cluster_problem()
            if problem is None:
                unhealthy_since = None
                continue
            unhealthy_since = unhealthy_since or now
            if now - unhealthy_since >= self.cluster_lost_after:
                error = ClusterLostError(f"{problem} for {self.cluster_lost_after:g} s")
                for delivery in pending:
                    delivery.fail(error)

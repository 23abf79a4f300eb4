"""HalvingBayesSearchCV's asynchronous schedule: fits start whenever a worker is free.

With ``bracket_schedule="asynchronous"`` the search runs ASHA's rule
(:mod:`sktune.search._async_rungs`) on single (candidate, split) fits
(:mod:`sktune.search._fold_fits`) through scikit-learn's ``Parallel`` with
``return_as="generator_unordered"``: the fits go to the active joblib
backend (processes, threads, a Dask cluster), each worker is handed its next
fit as soon as it finishes one, and no step waits for its slowest fit. A
candidate's score at a rung is known when its last split is; it is then
told to the optimiser, written to the checkpoint and kept, like a record
read back from a checkpoint, for ``cv_results_``
(:mod:`sktune.search._resume`), whose rows are in the order the candidates
finished.

joblib asks for the next fits (a worker's worth at a time) from the thread
that collects results, right after one finishes and often before this loop
has read that result, so a choice can miss the last results; a promotion
they allow is made at a later choice. When no job can start yet (every
first-rung place is used, nothing can be promoted) but fits are still out,
the generator hands out a short idle task, so that joblib asks again once
their outputs may have been read; when nothing is out either, it ends, and
so does the search. joblib holds its own lock while it
asks, so the generator never waits for this loop: both only take the lock
of :class:`_Feed`, and the loop never calls joblib while holding it.

A resumed search reads every record of its checkpoint back (nothing is
refitted), tells the optimisers, and goes on from the rungs they fill: the
order of an asynchronous search depends on timing, so it is not replayed
step by step.
"""

from collections import deque
from dataclasses import dataclass, field
import math
import threading

from sklearn.utils.parallel import Parallel

from sktune.callbacks import stop_reason
from sktune.exceptions import ClusterLostError
from sktune.search._async_rungs import AsyncRungs
from sktune.search._brackets import Bracket
from sktune.search._checkpoint import Record, decode_output, mean_score
from sktune.search._fold_fits import FoldFits
from sktune.search._retry import _resilient_backend, prepare_next_attempt


@dataclass(eq=False)
class _Job:
    """One candidate at one rung: its splits' outputs as they come."""

    candidate: object
    rung: int
    params: dict
    outputs: list = field(default_factory=list)
    n_left: int = 0
    ctx: object = None  # its callback context (scikit-learn >= 1.9)


class AsyncLoopMixin:
    """``bracket_schedule="asynchronous"`` of :class:`~sktune.HalvingBayesSearchCV`."""

    def _run_asynchronously(self, rules, search_ctx=None):
        """Run ASHA until the first-rung budget, the space or a stopping rule ends it."""
        schedule = self._schedule
        bracket = Bracket(0, math.inf)
        self._brackets = [bracket]
        n_first = schedule.n_candidates[0]
        self._max_new = None if self.n_brackets is None else self.n_brackets * n_first
        rungs = AsyncRungs(schedule.n_iterations, self.factor)
        self._states_dropped = set()
        self._read_back(bracket, rungs)
        fits = FoldFits(self, *self._fit_inputs, splitter_of=self._rung_splitter)
        loop = _Feed(self, bracket, rungs, fits, rules, search_ctx)
        lost = 0
        while loop.has_work():
            try:
                # A fresh Parallel after lost fits: the old one may still hold
                # fits it had taken and not sent.
                with _parallel(self.n_jobs) as parallel:
                    while loop.has_work():
                        for tag, output in parallel(loop.tasks()):
                            if tag is not None:  # None: an idle task
                                loop.receive(*tag, output)
                        loop.raise_if_failed()
                        lost = 0
            except ClusterLostError as exc:
                raise ClusterLostError(exc.why, self.checkpoint) from exc
            except BaseException as exc:
                lost = self._lost_fits(exc, loop, lost)
        bracket.done = self._max_new is not None and bracket.n_proposed >= self._max_new

    def _lost_fits(self, exc, loop, attempt):
        """A Dask cluster lost fits (no fit failed): run them again, or give up."""
        backend = _resilient_backend()
        if backend is None or not backend.is_lost_batch(exc):
            raise exc
        attempt += 1
        prepare_next_attempt(backend, exc, attempt, self.checkpoint, "fits")
        loop.requeue_running()
        return attempt

    def _read_back(self, bracket, rungs):
        """Every record of the checkpoint, told and kept: nothing is refitted."""
        by_key = {}
        for key, record in self._replay.take_rest():
            k, rung = key[0], key[-1]
            candidate_key = key[:-1]
            candidate = by_key.get(candidate_key)
            if candidate is None:
                params = self.space_.subspaces[k].from_unit(record.point)
                candidate = bracket.add(k, record.point, params, candidate_key)
                by_key[candidate_key] = candidate
            outputs = [decode_output(o) for o in record.outputs]
            self._record_job(candidate, rung, outputs, rungs, write=False)
        self._failures.resumed_errors = self._resumed_fit_errors()

    def _next_job(self, bracket, rungs, running_rungs):
        """A promotion, else a new first-rung candidate, else None.

        ``running_rungs`` are the rungs of the jobs started and not finished.
        """
        takes_new = self._takes_new(bracket)
        promotion = rungs.promotion()
        if promotion is None and not takes_new:
            lowest = min(running_rungs, default=rungs.n_rungs)
            promotion = rungs.promotion(closed=[r < lowest for r in range(rungs.n_rungs)])
        if promotion is not None:
            candidate, rung = promotion
            return _Job(candidate, rung, self._task_params(candidate, rung))
        proposed = self._propose(bracket, 1) if takes_new else []
        if not proposed:
            bracket.close_first_rung()
            return None
        return _Job(proposed[0], 0, self._task_params(proposed[0], 0))

    def _takes_new(self, bracket):
        """Whether a new first-rung candidate may start (budget and space left)."""
        if bracket.n_open <= 0:
            return False
        if self._max_new is not None and bracket.n_proposed >= self._max_new:
            return False
        return any(o.n_remaining for o in self.optimizers_)

    def _record_job(self, candidate, rung, outputs, rungs, write=True):
        """A candidate's score at a rung: kept for cv_results_, checkpointed, told."""
        more = {"iter": rung, "n_resources": self._schedule.n_resources[rung]}
        if len(self.space_.subspaces) > 1:
            more["subspace"] = candidate.subspace
        plain = self._task_params(candidate, rung, plain=True)
        self._resumed.append([(plain, outputs, more)])
        if write and self._checkpoint is not None:
            self._checkpoint.append([Record.of_evaluation(candidate.point, more, outputs)])
        score = mean_score(outputs, self._metric(outputs))
        rungs.finish(candidate, rung, score)
        self._counts[rung] += 1
        if rung == min(candidate.scores):
            self._known[candidate.key] = (rung, score)
        self.optimizers_[candidate.subspace].tell(candidate.point[None], [-score], rung=rung)
        self._state.n_iterations += 1
        if rung == self._schedule.n_iterations - 1:
            self._state.add([score], [True])
            self._forget_state(candidate)
        elif self._state_dir is not None and self._max_new is not None:
            # The training states of candidates that can never go on. (Without
            # a first-rung budget any candidate may go on some day: states are
            # kept, up to MAX_STATE_BYTES.)
            for dropped in rungs.out_of_reach(rung, self._max_new):
                if dropped.id not in self._states_dropped:
                    self._states_dropped.add(dropped.id)
                    self._forget_state(dropped)
        if write:
            self._failures.check_recorded(
                [o["fit_error"] for o in outputs],
                candidate.params,
                self.space_.subspaces[candidate.subspace],
                type(self).__name__,
            )
            self._print_job(candidate, rung)

    def _print_job(self, candidate, rung):
        if self.verbose <= 1:
            return
        resources = self._schedule.n_resources
        print(
            f"[{type(self).__name__}] candidate {candidate.id} at {resources[rung]} "
            f"{self.resource}: {candidate.scores[rung]:.5g}; best score at "
            f"{resources[-1]}: {self._state.best_score:.5g}, "
            f"{self._state.elapsed:.1f} s elapsed"
        )


def _parallel(n_jobs):
    """joblib's Parallel returning outputs as they come, one fit per task.

    joblib refuses a backend that cannot (such as "multiprocessing") before
    any fit; the error says what to do instead.
    """
    try:
        return Parallel(
            n_jobs=n_jobs, return_as="generator_unordered", batch_size=1,
            pre_dispatch="n_jobs + 1",
        )
    except ValueError as exc:
        if "does not support return_as" not in str(exc):
            raise
        raise ValueError(
            'bracket_schedule="asynchronous" needs a joblib backend that returns '
            f"results as they finish (loky, threading, dask): {exc}. Use one of those, "
            'or bracket_schedule="repeat".'
        ) from exc


class _Feed:
    """The fits handed to joblib and the outputs coming back, under one lock.

    joblib pulls the next fit from :meth:`tasks` in its result-collecting
    thread while :meth:`receive` runs in the search's thread: both hold
    ``_lock`` while they touch the rungs, the optimisers or the queue.
    """

    def __init__(self, search, bracket, rungs, fits, rules, search_ctx):
        self._search = search
        self._rules = rules
        self._search_ctx = search_ctx
        self._bracket = bracket
        self._rungs = rungs
        self._fits = fits
        self._n_splits = search._n_splits
        self._lock = threading.Lock()
        self._jobs = {}  # id -> _Job whose splits are not all in
        self._n_started = 0
        self._queue = deque()  # (job id, split) not handed out yet
        self._running = set()  # (job id, split) handed out, output not received
        self._error = None
        self.stopped = False
        self._check_rules()  # a resumed search may have met one already

    def has_work(self):
        """Whether a fit is queued or can start now (a job is chosen if needed).

        Once a stopping rule has fired, only the splits of started jobs are.
        """
        with self._lock:
            return self._fill()

    def _fill(self):
        if not self._queue and not self.stopped:
            running = {job.rung for job in self._jobs.values()}
            job = self._search._next_job(self._bracket, self._rungs, running)
            if job is not None:
                job.outputs = [None] * self._n_splits
                job.n_left = self._n_splits
                job_id, self._n_started = self._n_started, self._n_started + 1
                self._jobs[job_id] = job
                self._queue.extend((job_id, split) for split in range(self._n_splits))
        return bool(self._queue)

    def tasks(self):
        """Fits for joblib, chosen when asked for.

        joblib asks for the next task as a fit ends, often before this
        loop's thread has read that fit's output. When nothing can start yet
        but fits are still out, an idle task keeps a worker asking until the
        output is read (it may allow a promotion); when nothing can start and
        nothing is out, the generator ends.
        """
        while True:
            with self._lock:
                try:
                    if self._error is not None:
                        return
                    if not self._fill():
                        if self.stopped or not self._running:
                            return
                        task = self._fits.idle_task()
                    else:
                        job_id, split = item = self._queue.popleft()
                        self._running.add(item)
                        job = self._jobs[job_id]
                        task = self._fits.task(item, job.params, job.rung, split)
                except BaseException as exc:  # raised again in the search's thread
                    self._error = exc
                    return
            yield task

    def receive(self, job_id, split, output):
        """One split's output; a job whose splits are all in is recorded."""
        with self._lock:
            if (job_id, split) not in self._running:
                return  # already in, from fits run again after a lost batch
            self._running.discard((job_id, split))
            job = self._jobs[job_id]
            job.outputs[split] = output
            job.n_left -= 1
            self._report_split(job, split)
            if job.n_left > 0:
                return
            del self._jobs[job_id]
            search = self._search
            if job.ctx is not None:
                job.ctx.call_on_fit_task_end(estimator=search)
            outputs = self._fits.finish(job.outputs)
            search._record_job(job.candidate, job.rung, outputs, self._rungs)
            self._check_rules()

    def _report_split(self, job, split):
        """scikit-learn >= 1.9's callbacks: a task per job and per split, in this thread.

        The tasks begin and end as the outputs come in, as a recorded
        candidate's do: callback contexts are never pickled to the workers
        while other threads add to them.
        """
        if self._search_ctx is None:
            return
        search = self._search
        if job.ctx is None:
            job.ctx = self._search_ctx.subcontext(
                task_name="iter", max_subtasks=self._n_splits, sequential_subtasks=False,
            ).call_on_fit_task_begin(estimator=search)
        split_ctx = job.ctx.subcontext(task_name="candidate-split-evaluation", task_id=split)
        split_ctx.call_on_fit_task_begin(estimator=search)
        split_ctx.call_on_fit_task_end(estimator=search)

    def _check_rules(self):
        search = self._search
        reason = stop_reason(self._rules, search._state)
        if reason is not None and not self.stopped:
            # No new job starts; the splits of started ones still run.
            search.stop_reason_ = reason
            self.stopped = True

    def requeue_running(self):
        """Fits handed out whose outputs never came: queue them again, first."""
        with self._lock:
            self._queue.extendleft(sorted(self._running, key=lambda item: -item[1]))
            self._running.clear()

    def raise_if_failed(self):
        if self._error is not None:
            raise self._error

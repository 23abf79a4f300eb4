"""The one search loop shared by every sktune search class.

``BaseSearchCV.fit`` does the cross-validation, parallelism, scoring, refit and
``cv_results_``; this module only decides which candidates to evaluate:

    space = Space.from_user(param_distributions)
    one optimiser per sub-space (built by the subclass)
    loop: points = optimiser.ask(batch) -> evaluate_candidates(params)
          -> optimiser.tell(points, -scores); stop on budget or a stopping rule
"""

from abc import abstractmethod
import contextlib
from dataclasses import dataclass, field
import math
from numbers import Integral, Real
import os

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import Interval

from sktune.callbacks import SearchState, stop_reason, stopping_rules
from sktune.search._checkpoint import Checkpoint, Record, decode_output, mean_score
from sktune.search._failures import (
    failures_judged_per_search,
    non_finite_warnings_held,
    warn_non_finite,
)
from sktune.search._fingerprint import search_fingerprints
from sktune.search._resume import Replay, ResumeMixin
from sktune.search._retry import evaluate_with_retries, lost_batches_retried
from sktune.search._validation import (
    check_parameter_names,
    metric_names_of,
    metric_to_optimize,
)
from sktune.search._verbose import (
    batch_announcement_silenced,
    print_iteration,
    print_plan,
    print_stop,
)
from sktune.space import Space

_SEED_BOUND = 2**32 - 1
# What fit keeps on the search while it runs, removed when it ends.
_FIT_TEMPORARIES = (
    "_last_results",
    "_rng",
    "_resumed",
    "_all_out",
    "_replay",
    "_n_splits",
    "_checkpoint",
    "_failures",
    "_fit_inputs",  # (X, y, params), for searches that make single fits
)
# A converged optimiser on a rounded axis can propose only known candidates
# for a while; this many all-known batches in a row end the search.
_MAX_ASK_ROUNDS = 20


def split_budget(n_iter, sizes):
    """Share ``n_iter`` candidates between sub-spaces of the given sizes.

    Equal shares; a sub-space smaller than its share gets its size, and what it
    leaves is shared among the others. Earlier sub-spaces get the remainder.
    """
    budget = [0] * len(sizes)
    open_ = [i for i in range(len(sizes))]
    left = n_iter
    while left > 0 and open_:
        share, extra = divmod(left, len(open_))
        still_open = []
        for rank, i in enumerate(open_):
            want = share + (rank < extra)
            take = min(want, sizes[i] - budget[i])
            budget[i] += take
            left -= take
            if budget[i] < sizes[i]:
                still_open.append(i)
        if len(still_open) == len(open_) and share == 0 and extra == 0:
            break
        open_ = still_open
    return budget


class OptimizerSearchCV(ResumeMixin, BaseSearchCV):
    """Base class of the model-based searches: the shared ``_run_search`` loop.

    Subclasses define ``_make_optimizer`` (the only per-strategy difference),
    ``_batch_size`` and ``_iteration_column`` (the extra ``cv_results_`` column).
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "min_delta": [Interval(Real, 0, None, closed="left")],
        "target_score": [Real, None],
        "checkpoint": [str, os.PathLike, None],
    }

    _iteration_column = "iteration"

    @abstractmethod
    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter,
        scoring,
        n_jobs,
        refit,
        cv,
        verbose,
        pre_dispatch,
        random_state,
        error_score,
        return_train_score,
        max_time,
        n_iter_no_change,
        min_delta,
        target_score,
        checkpoint,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.random_state = random_state
        self.max_time = max_time
        self.n_iter_no_change = n_iter_no_change
        self.min_delta = min_delta
        self.target_score = target_score
        self.checkpoint = checkpoint

    # -- what subclasses provide ------------------------------------------------------
    @abstractmethod
    def _make_optimizer(self, coordinates, random_state):
        """Return a fresh ask/tell optimiser for one sub-space."""

    @abstractmethod
    def _batch_size(self):
        """How many candidates one sub-space proposes per iteration."""

    def _after_search(self):
        """Hook for fitted attributes read off the optimisers."""

    def _check_settings(self):
        """Hook for warnings about settings, once ``space_`` is known."""

    def _check_data(self, X, y, params, cv):
        """Hook for checks that need the data, before the checkpoint or any fit."""

    def _estimator_for_fits(self):
        """Hook: a context in which ``self.estimator`` is what the fits clone."""
        return contextlib.nullcontext()

    # -- fit: fail fast, then let BaseSearchCV run ----------------------------------------
    def fit(self, X, y=None, **params):
        """Run the search: validate, then evaluate up to ``n_iter`` candidates.

        If ``fit`` raises (``error_score="raise"``, Ctrl-C), ``cv_results_``
        still holds every candidate evaluated before the failing batch, and a
        ``checkpoint`` file holds them on disk.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Target.
        **params : dict
            Passed to the estimator's ``fit``, the scorer and the CV splitter,
            as in :class:`~sklearn.model_selection.RandomizedSearchCV`.

        Returns
        -------
        self : object
            The fitted search.
        """
        self._validate_params()
        # The lock is taken first: a second search on the same file is refused
        # before it reads or fits anything.
        checkpoint = None if self.checkpoint is None else Checkpoint.acquire(self.checkpoint)
        given_cv = self.cv
        try:
            if _is_iterator(self.cv):
                # A generator of splits can be read once, and both this search
                # and scikit-learn's fit read it: both read a list of it.
                self.cv = list(self.cv)
            self._start(X, y, params, checkpoint)
            with (
                failures_judged_per_search(self.error_score) as self._failures,
                lost_batches_retried(),
                self._estimator_for_fits(),
            ):
                return super().fit(X, y, **params)
        except BaseException:
            # A failed fit (error_score="raise", Ctrl-C) keeps what was gathered.
            results = self._results_so_far()
            if results:
                self.cv_results_ = results
            raise
        finally:
            self.cv = given_cv
            if checkpoint is not None:
                checkpoint.release()
            for name in _FIT_TEMPORARIES:
                self.__dict__.pop(name, None)

    def __getstate__(self):
        # scikit-learn >= 1.9 sends the search itself (``caller``) with every
        # fit to the workers; what only this process's loop needs (a held file
        # lock, the checkpoint's records, all outputs so far) stays here.
        state = dict(super().__getstate__())  # not self.__dict__ itself
        for name in _FIT_TEMPORARIES:
            state.pop(name, None)
        return state

    def _start(self, X, y, params, checkpoint):
        """Seed, space and checks; the checkpoint's header is checked or written."""
        seed, self._rng = _root_random_state(self.random_state, checkpoint)
        space_seed = self._rng.randint(_SEED_BOUND)
        self.space_ = Space.from_user(self.param_distributions, random_state=space_seed)
        check_parameter_names(self.estimator, self.space_)
        self._check_settings()
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        self._check_data(X, y, params, cv)
        # BaseSearchCV sets n_splits_ before _run_search only from sklearn 1.9 on.
        self._n_splits = cv.get_n_splits(X, y, params.get("groups"))
        self._last_results = None
        self._resumed = []  # batches of (params, split outputs, more) read back
        self._checkpoint = checkpoint
        self._replay = Replay([], [], self._iteration_column)
        if checkpoint is not None:
            checkpoint.start(seed, self._fingerprints(X, y, params, cv))
            self._replay = self._replay_of(checkpoint)

    def _fingerprints(self, X, y, params, cv):
        """What a checkpoint must have been written for (see ``_fingerprint``)."""
        return search_fingerprints(self, X, y, params, cv)

    def _metric_name(self, results):
        """The ``mean_test_<name>`` column the optimiser follows (see _validation)."""
        names = metric_names_of(results)
        if callable(self.scoring) and names != ["score"]:
            # A scoring callable's metrics are known only now: check refit as
            # BaseSearchCV would after the whole search, before more fits.
            self._check_refit_for_multimetric(names)
        return metric_to_optimize(self.refit, names)

    def _check_refit_for_multimetric(self, scores):
        try:
            super()._check_refit_for_multimetric(scores)
        except ValueError as exc:
            raise ValueError(
                f"{exc} The metrics of scoring are {list(scores)}: set refit to one of "
                "them, to a callable, or to False (the optimiser then follows the "
                "first one)."
            ) from None

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        # The "non-finite scores" warning is given once, when the search ends.
        with non_finite_warnings_held():
            return super()._format_results(candidate_params, n_splits, out, more_results)

    # -- the loop ---------------------------------------------------------------------------
    def _run_search(self, evaluate_candidates, callback_ctx=None):
        subspaces = self.space_.subspaces
        self.optimizers_ = [
            self._make_optimizer(s.coordinates, self._rng.randint(_SEED_BOUND))
            for s in subspaces
        ]
        run = _Run(
            budgets=split_budget(self.n_iter, [s.size for s in subspaces]),
            rules=stopping_rules(self),
            replay=self._replay,
        )
        self.stop_reason_ = None
        batch = self._batch_size()
        print_plan(self, sum(run.budgets) - sum(run.done), self._n_splits)
        max_iterations = max(math.ceil(b / batch) for b in run.budgets)
        search_ctx = None
        if callback_ctx is not None:
            search_ctx = callback_ctx.subcontext(
                task_name="search", max_subtasks=max_iterations
            ).call_on_fit_task_begin(estimator=self)

        while True:
            reason = stop_reason(run.rules, run.state)
            if reason is not None:
                self.stop_reason_ = reason
                break
            keys, points, candidates = self._next_batch(run, batch)
            if not candidates:
                break
            recorded = run.replay.answer(keys)
            if recorded is None:
                self._leave_replay(run)
                keys, points, candidates = self._still_new(run, keys, points, candidates)
                if not candidates:
                    continue
                recorded = []
            more = self._more_results([k for k, _ in keys], run.iteration)
            outputs = [[decode_output(o) for o in record.outputs] for record in recorded]
            if recorded:
                answered = candidates[: len(recorded)]
                mores = [r.more for r in recorded]
                self._resumed.append(list(zip(answered, outputs, mores, strict=True)))
            if len(recorded) < len(candidates):
                outputs += self._evaluate(
                    evaluate_candidates, search_ctx, candidates, points, more, len(recorded)
                )
                run.evaluated = True
                self._failures.resumed_errors = self._resumed_fit_errors()
                self._failures.check_batch(
                    candidates[len(recorded) :],
                    [self.space_.subspaces[k] for k, _ in keys[len(recorded) :]],
                    self._n_splits,
                    type(self).__name__,
                )
            scores = np.array([mean_score(o, self._metric(o)) for o in outputs])
            self._record(run, keys, points, scores)
            print_iteration(self, run.iteration - 1, run.state)
        if not run.evaluated and self._resumed:
            self._recall_last_batch(evaluate_candidates, search_ctx)
        self._failures.resumed_errors = self._resumed_fit_errors()
        self._failures.finish()
        if self._last_results:
            warn_non_finite(self._last_results)
        if self.stop_reason_ is None:
            self.stop_reason_ = "n_iter" if sum(run.done) >= self.n_iter else "space exhausted"
        else:
            print_stop(self, self.stop_reason_)
        self.n_iterations_ = run.state.n_iterations
        self._after_search()
        if search_ctx is not None:
            search_ctx.call_on_fit_task_end(estimator=self)

    def _more_results(self, owners, iteration):
        more = {self._iteration_column: [iteration] * len(owners)}
        if len(self.space_.subspaces) > 1:
            more["subspace"] = list(owners)
        return more

    def _key(self, k, point):
        """What identifies a candidate: its sub-space and each dimension's value key."""
        dimensions = self.space_.subspaces[k].dimensions.values()
        return (k, tuple(d.candidate_key(u) for d, u in zip(dimensions, point, strict=True)))

    def _metric(self, outputs):
        """The metric the optimiser maximises, read off a candidate's split outputs."""
        scores = outputs[0]["test_scores"]
        names = list(scores) if isinstance(scores, dict) else ["score"]
        return self._metric_name({f"mean_test_{name}": None for name in names})

    def _next_batch(self, run, batch):
        """Ask each sub-space's optimiser for its share of the next batch.

        Empty only when the optimisers have nothing left to propose: a batch
        whose every point decoded to a known candidate is asked again.
        """
        for _ in range(_MAX_ASK_ROUNDS):
            keys, points, candidates, n_asked = [], [], [], 0
            for k, (subspace, optimizer) in enumerate(
                zip(self.space_.subspaces, self.optimizers_, strict=True)
            ):
                want = min(batch, run.budgets[k] - run.done[k])
                if want <= 0:
                    continue
                asked = optimizer.ask(want)
                n_asked += len(asked)
                for point in asked:
                    key = self._key(k, point)
                    if key in run.known_scores:
                        # Two points of a rounded axis can decode to one candidate:
                        # never fit it twice; the optimiser learns its known score.
                        optimizer.tell(point[None], [-run.known_scores[key]])
                        continue
                    if key in keys:
                        continue
                    keys.append(key)
                    points.append(point)
                    candidates.append(subspace.from_unit(point))
            if candidates or n_asked == 0:
                break
        return keys, points, candidates

    def _evaluate(
        self, evaluate_candidates, search_ctx, candidates, points, more, start, cv=None
    ):
        """Fit and score ``candidates[start:]``; checkpoint them; return their outputs."""
        candidates, points = candidates[start:], points[start:]
        more = {key: values[start:] for key, values in more.items()}
        self._evaluate_batch(evaluate_candidates, search_ctx, candidates, more, cv)
        n_splits = self._n_splits
        new = self._all_out[-len(candidates) * n_splits :]
        outputs = [new[i * n_splits : (i + 1) * n_splits] for i in range(len(candidates))]
        if self._checkpoint is not None:
            self._checkpoint.append(
                [
                    Record.of_evaluation(point, {k: v[i] for k, v in more.items()}, out)
                    for i, (point, out) in enumerate(zip(points, outputs, strict=True))
                ]
            )
        return outputs

    def _evaluate_batch(self, evaluate_candidates, search_ctx, candidates, more, cv=None):
        """One ``evaluate_candidates`` call, evaluated again if a cluster loses it.

        ``cv`` replaces the search's splitter for this call (successive halving
        subsamples the folds); None keeps it.
        """
        iteration_ctx = None
        if search_ctx is not None:  # scikit-learn >= 1.9: a progress-bar task per batch
            iteration_ctx = search_ctx.subcontext(
                task_name=self._iteration_column,
                max_subtasks=len(candidates) * self._n_splits,
                sequential_subtasks=False,
            ).call_on_fit_task_begin(estimator=self)

        def evaluate(attempt):
            # A batch evaluated again goes without callbacks: the tasks of its
            # first attempt already hold their places in the callback tree.
            context = {}
            if iteration_ctx is not None and attempt == 1:
                context["callback_ctx"] = iteration_ctx
            return evaluate_candidates(candidates, cv, more_results=more, **context)

        with batch_announcement_silenced(self):
            self._last_results = evaluate_with_retries(evaluate, self.checkpoint)
        if iteration_ctx is not None:
            iteration_ctx.call_on_fit_task_end(estimator=self)
        return self._last_results

    def _record(self, run, keys, points, scores):
        """Tell the optimisers and update the stopping state."""
        owners = [k for k, _ in keys]
        for k, optimizer in enumerate(self.optimizers_):
            mine = [i for i, owner in enumerate(owners) if owner == k]
            if mine:
                optimizer.tell(np.array([points[i] for i in mine]), -scores[mine])
                run.done[k] += len(mine)
        run.known_scores.update(zip(keys, scores, strict=True))
        run.state.add(scores, self._proposed_by_optimizer(owners, points))
        run.state.n_iterations += 1
        run.iteration += 1

    def _proposed_by_optimizer(self, owners, points):
        """False for the candidates of an optimiser's initial design."""
        return [
            not self.optimizers_[k].from_initial_design(point[None])[0]
            for k, point in zip(owners, points, strict=True)
        ]

    def _resumed_fit_errors(self):
        """The fit errors of the candidates read back (None for a success)."""
        return [
            o.get("fit_error") for batch in self._resumed for _, outs, _ in batch for o in outs
        ]


def _is_iterator(cv):
    """Whether ``cv`` is a one-pass iterable of splits (a generator, say)."""
    if cv is None or isinstance(cv, Integral) or hasattr(cv, "split"):
        return False
    try:
        return iter(cv) is cv
    except TypeError:
        return False


def _root_random_state(random_state, checkpoint):
    """The search's root seed (None if not an int) and its RandomState.

    ``random_state=None`` draws a fresh seed from the operating system without
    touching NumPy's global generator, or adopts the seed a checkpoint was
    written with, so that a resumed search replays it exactly.
    """
    if random_state is None:
        seed = None if checkpoint is None else checkpoint.seed
        if not isinstance(seed, Integral):
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        return seed, np.random.RandomState(seed)
    if isinstance(random_state, Integral):
        return int(random_state), np.random.RandomState(random_state)
    return None, random_state


@dataclass
class _Run:
    """The state of one ``_run_search`` call."""

    budgets: list
    rules: list
    replay: Replay
    done: list = field(default_factory=list)
    known_scores: dict = field(default_factory=dict)
    state: SearchState = field(default_factory=SearchState)
    iteration: int = 0
    evaluated: bool = False  # whether any candidate was fitted in this call

    def __post_init__(self):
        self.done = [0] * len(self.budgets)

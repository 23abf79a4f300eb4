"""The one search loop shared by every sktune search class.

``BaseSearchCV.fit`` does the cross-validation, parallelism, scoring, refit and
``cv_results_``; this module only decides which candidates to evaluate:

    space = Space.from_user(param_distributions)
    one optimiser per sub-space (built by the subclass)
    loop: points = optimiser.ask(batch) -> evaluate_candidates(params)
          -> optimiser.tell(points, -scores); stop on budget or a stopping rule
"""

from abc import abstractmethod
from dataclasses import dataclass, field
import math
from numbers import Integral, Real
import os

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from sktune.callbacks import SearchState, stopping_rules
from sktune.search._checkpoint import (
    Checkpoint,
    decode_output,
    encode_output,
    make_header,
    mean_score,
)
from sktune.search._failures import (
    failures_judged_per_search,
    non_finite_warnings_held,
    warn_non_finite,
)
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


class OptimizerSearchCV(BaseSearchCV):
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
        self._rng = check_random_state(self.random_state)
        space_seed = self._rng.randint(_SEED_BOUND)
        self.space_ = Space.from_user(self.param_distributions, random_state=space_seed)
        check_parameter_names(self.estimator, self.space_)
        self._check_settings()
        self._data_shape = list(getattr(X, "shape", None) or np.shape(X))
        # BaseSearchCV sets n_splits_ before _run_search only from sklearn 1.9 on.
        self._n_splits = check_cv(
            self.cv, y, classifier=is_classifier(self.estimator)
        ).get_n_splits(X, y, params.get("groups"))
        self._last_results = None
        self._resumed = []
        try:
            with failures_judged_per_search(self.error_score) as self._failures:
                return super().fit(X, y, **params)
        except BaseException:
            # A failed fit (error_score="raise", Ctrl-C) keeps what was gathered.
            if self._last_results:
                self.cv_results_ = self._last_results
            raise
        finally:
            temporary = (
                "_last_results", "_rng", "_resumed", "_data_shape", "_all_out", "_failures"
            )
            for name in (*temporary, "_n_splits"):
                self.__dict__.pop(name, None)

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
        # Resumed candidates come first in cv_results_, exactly as if they had
        # been evaluated in this call; the raw outputs feed the checkpoint.
        self._all_out = out
        if self._resumed:
            params, outputs, more = zip(*self._resumed, strict=True)
            candidate_params = list(params) + list(candidate_params)
            out = [o for rows in outputs for o in rows] + list(out)
            more_results = {
                key: [m[key] for m in more] + list(values)
                for key, values in (more_results or {}).items()
            }
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
            checkpoint=self._open_checkpoint(),
        )
        self._resume(run)
        self._failures.resumed_errors = [
            out.get("fit_error") for _, outs, _ in self._resumed for out in outs
        ]
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
            reason = next((r for r in (rule(run.state) for rule in run.rules) if r), None)
            if reason is not None:
                self.stop_reason_ = reason
                break
            keys, points, candidates = self._next_batch(run, batch)
            if not candidates:
                break
            more = self._more_results([k for k, _ in keys], run.iteration)
            iteration_ctx = None
            if search_ctx is not None:
                iteration_ctx = search_ctx.subcontext(
                    task_name=self._iteration_column,
                    max_subtasks=len(candidates) * self._n_splits,
                    sequential_subtasks=False,
                ).call_on_fit_task_begin(estimator=self)
            # scikit-learn < 1.9 has no callbacks and no callback_ctx argument.
            context = {} if iteration_ctx is None else {"callback_ctx": iteration_ctx}
            with batch_announcement_silenced(self):
                results = evaluate_candidates(candidates, more_results=more, **context)
            self._last_results = results
            if iteration_ctx is not None:
                iteration_ctx.call_on_fit_task_end(estimator=self)
            metric = self._metric_name(results)
            scores = np.asarray(results[f"mean_test_{metric}"][-len(candidates) :], float)
            self._record(run, keys, points, scores, more)
            self._failures.check_batch(
                candidates,
                [self.space_.subspaces[k] for k, _ in keys],
                self._n_splits,
                type(self).__name__,
            )
            print_iteration(self, run.iteration - 1, run.state)
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
                    params = subspace.from_unit(point)
                    key = (k, repr(sorted(params.items())))
                    if key in run.known_scores:
                        # Two points of a rounded axis can decode to one candidate:
                        # never fit it twice; the optimiser learns its known score.
                        optimizer.tell(point[None], [-run.known_scores[key]])
                        continue
                    if key in keys:
                        continue
                    keys.append(key)
                    points.append(point)
                    candidates.append(params)
            if candidates or n_asked == 0:
                break
        return keys, points, candidates

    def _record(self, run, keys, points, scores, more):
        """Tell the optimisers, update the stopping state, write the checkpoint."""
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
        if run.checkpoint is None:
            return
        n_splits = self._n_splits
        outputs = self._all_out[-len(points) * n_splits :]
        run.checkpoint.append(
            [
                {
                    "point": [float(u) for u in point],
                    "more": {key: _plain(values[i]) for key, values in more.items()},
                    "outputs": [
                        encode_output(o) for o in outputs[i * n_splits : (i + 1) * n_splits]
                    ],
                }
                for i, point in enumerate(points)
            ]
        )

    def _proposed_by_optimizer(self, owners, points):
        """False for the candidates of an optimiser's initial design."""
        return [
            not self.optimizers_[k].from_initial_design(point[None])[0]
            for k, point in zip(owners, points, strict=True)
        ]

    # -- checkpoints ------------------------------------------------------------------------
    def _open_checkpoint(self):
        if self.checkpoint is None:
            return None
        header = make_header(self, self._data_shape, self.space_)
        checkpoint, self._checkpoint_records = Checkpoint.open(self.checkpoint, header)
        return checkpoint

    def _resume(self, run):
        """Re-use every candidate of the checkpoint: no refit, optimisers told."""
        records = self.__dict__.pop("_checkpoint_records", [])
        if not records:
            return
        subspaces = self.space_.subspaces
        by_subspace, resumed = [[] for _ in subspaces], []
        for record in records:
            k = int(record["more"].get("subspace", 0))
            point = np.asarray(record["point"], dtype=float)
            outputs = [decode_output(o) for o in record["outputs"]]
            params = subspaces[k].from_unit(point)
            score = mean_score(outputs, self._metric_of_outputs(outputs))
            key = (k, repr(sorted(params.items())))
            if key in run.known_scores:
                continue
            run.known_scores[key] = score
            self._resumed.append((params, outputs, record["more"]))
            by_subspace[k].append((point, score))
            resumed.append((k, point, score))
            run.iteration = max(run.iteration, int(record["more"][self._iteration_column]) + 1)
        for k, rows in enumerate(by_subspace):
            if rows:
                self.optimizers_[k].tell(np.array([p for p, _ in rows]), [-s for _, s in rows])
                run.done[k] += len(rows)
        if resumed:
            owners, points, scores = zip(*resumed, strict=True)
            run.state.add(scores, self._proposed_by_optimizer(owners, points))
        if sum(run.done) >= self.n_iter:
            raise ValueError(
                f"Checkpoint {self.checkpoint!r} already holds {sum(run.done)} "
                f"candidates, the whole budget n_iter={self.n_iter}: nothing is left to "
                "evaluate. Raise n_iter to continue the search, or use a new checkpoint."
            )

    def _metric_of_outputs(self, outputs):
        scores = outputs[0]["test_scores"] if outputs else None
        names = list(scores) if isinstance(scores, dict) else ["score"]
        return metric_to_optimize(self.refit, names)


@dataclass
class _Run:
    """The state of one ``_run_search`` call."""

    budgets: list
    rules: list
    checkpoint: object = None
    done: list = field(default_factory=list)
    known_scores: dict = field(default_factory=dict)
    state: SearchState = field(default_factory=SearchState)
    iteration: int = 0

    def __post_init__(self):
        self.done = [0] * len(self.budgets)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value

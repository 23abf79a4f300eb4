"""The one search loop shared by every sktune search class.

``BaseSearchCV.fit`` does the cross-validation, parallelism, scoring, refit and
``cv_results_``; this module only decides which candidates to evaluate:

    space = Space.from_user(param_distributions)
    one optimiser per sub-space (built by the subclass)
    loop: points = optimiser.ask(batch) -> evaluate_candidates(params)
          -> optimiser.tell(points, -scores); stop on budget or a stopping rule
"""

from abc import abstractmethod
import math
from numbers import Integral, Real
import time

import numpy as np
from sklearn.base import clone
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from sktune.callbacks import SearchState, stopping_rules
from sktune.space import Space

_SEED_BOUND = 2**32 - 1


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

    # -- what subclasses provide ------------------------------------------------------
    @abstractmethod
    def _make_optimizer(self, coordinates, random_state):
        """Return a fresh ask/tell optimiser for one sub-space."""

    @abstractmethod
    def _batch_size(self):
        """How many candidates one sub-space proposes per iteration."""

    def _after_search(self):
        """Hook for fitted attributes read off the optimisers."""

    # -- fit: fail fast, then let BaseSearchCV run ----------------------------------------
    def fit(self, X, y=None, **params):
        """Run the search: validate, then evaluate up to ``n_iter`` candidates.

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
        self._check_parameter_names()
        self._check_metric_to_optimize()
        self._last_results = None
        try:
            return super().fit(X, y, **params)
        except BaseException:
            # A failed fit (error_score="raise", Ctrl-C) keeps what was gathered.
            if self._last_results:
                self.cv_results_ = self._last_results
            raise
        finally:
            del self._last_results, self._rng

    def _check_parameter_names(self):
        for subspace in self.space_.subspaces:
            sample = subspace.sample(1, np.random.default_rng(0))[0]
            try:
                clone(self.estimator).set_params(**sample)
            except ValueError as exc:
                valid = sorted(self.estimator.get_params(deep=True))
                raise ValueError(
                    f"param_distributions names {sorted(sample)}, but "
                    f"{type(self.estimator).__name__} rejects one of them ({exc}). "
                    f"Valid parameter names: {valid}."
                ) from exc

    def _check_metric_to_optimize(self):
        multimetric = isinstance(self.scoring, (list, tuple, set, dict))
        if multimetric and not isinstance(self.refit, str):
            raise ValueError(
                f"{type(self).__name__} optimises one metric, and with multi-metric "
                f"scoring it optimises the one named by refit; refit={self.refit!r}. "
                "Set refit to one of the scorer names, e.g. refit='accuracy'."
            )

    def _metric_key(self, results):
        if "mean_test_score" in results:
            return "mean_test_score"
        key = f"mean_test_{self.refit}" if isinstance(self.refit, str) else None
        if key not in results:
            names = sorted(k[len("mean_test_") :] for k in results if k.startswith("mean_test_"))
            raise ValueError(
                f"The scoring callable returned several metrics {names}; set refit to "
                f"the one {type(self).__name__} should optimise."
            )
        return key

    # -- the loop ---------------------------------------------------------------------------
    def _run_search(self, evaluate_candidates, callback_ctx=None):
        subspaces = self.space_.subspaces
        budgets = split_budget(self.n_iter, [s.size for s in subspaces])
        self.optimizers_ = [
            self._make_optimizer(s.coordinates, self._rng.randint(_SEED_BOUND))
            for s in subspaces
        ]
        rules = stopping_rules(self)
        state = SearchState()
        self.stop_reason_ = None
        batch = self._batch_size()
        max_iterations = max(math.ceil(b / batch) for b in budgets)
        search_ctx = None
        if callback_ctx is not None:
            search_ctx = callback_ctx.subcontext(
                task_name="search", max_subtasks=max_iterations
            ).call_on_fit_task_begin(estimator=self)

        done = [0] * len(subspaces)
        self._known_scores = {}
        while True:
            reason = next((r for r in map(lambda rule: rule(state), rules) if r), None)
            if reason is not None:
                self.stop_reason_ = reason
                break
            keys, points, candidates = self._next_batch(budgets, done, batch)
            owners = [k for k, _ in keys]
            if not candidates:
                break
            more = {self._iteration_column: [state.n_iterations] * len(candidates)}
            if len(subspaces) > 1:
                more["subspace"] = owners
            iteration_ctx = None
            if search_ctx is not None:
                iteration_ctx = search_ctx.subcontext(
                    task_name=self._iteration_column,
                    max_subtasks=len(candidates) * self.n_splits_,
                    sequential_subtasks=False,
                ).call_on_fit_task_begin(estimator=self)
            results = evaluate_candidates(
                candidates, more_results=more, callback_ctx=iteration_ctx
            )
            self._last_results = results
            if iteration_ctx is not None:
                iteration_ctx.call_on_fit_task_end(estimator=self)
            scores = np.asarray(results[self._metric_key(results)][-len(candidates) :], float)
            self._known_scores.update(zip(keys, scores))
            for k, optimizer in enumerate(self.optimizers_):
                mine = [i for i, owner in enumerate(owners) if owner == k]
                if mine:
                    optimizer.tell(np.array([points[i] for i in mine]), -scores[mine])
                    done[k] += len(mine)
            state.scores.extend(scores.tolist())
            state.n_iterations += 1
            if self.verbose > 0:
                print(
                    f"[{type(self).__name__}] {self._iteration_column} {state.n_iterations}: "
                    f"{len(state.scores)}/{self.n_iter} candidates, best score "
                    f"{state.best_score:.5g}, {state.elapsed:.1f} s elapsed"
                )
        if self.stop_reason_ is None:
            self.stop_reason_ = "n_iter" if sum(done) >= self.n_iter else "space exhausted"
        self.n_iterations_ = state.n_iterations
        del self._known_scores
        self._after_search()
        if search_ctx is not None:
            search_ctx.call_on_fit_task_end(estimator=self)

    def _next_batch(self, budgets, done, batch):
        """Ask each sub-space's optimiser for its share of the next batch."""
        keys, points, candidates = [], [], []
        for k, (subspace, optimizer) in enumerate(zip(self.space_.subspaces, self.optimizers_)):
            want = min(batch, budgets[k] - done[k])
            if want <= 0:
                continue
            for point in optimizer.ask(want):
                params = subspace.from_unit(point)
                key = (k, repr(sorted(params.items())))
                if key in self._known_scores:
                    # Two points of a rounded axis can decode to one candidate:
                    # never fit it twice; the optimiser learns its known score.
                    optimizer.tell(point[None], [-self._known_scores[key]])
                    continue
                if key in keys:
                    continue
                keys.append(key)
                points.append(point)
                candidates.append(params)
        return keys, points, candidates

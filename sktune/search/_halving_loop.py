"""The loop of HalvingBayesSearchCV: brackets of rungs, evaluated step by step.

A bracket starts at rung 0, or, with ``bracket_schedule="hyperband"``, at the
rung :func:`~sktune.search._schedule.bracket_shape` gives it. Each step
evaluates the candidates promoted at the end of a rung and new first-rung
candidates (proposed by the multi-fidelity optimiser of their
sub-space): a batch of them when nothing is promoted, or, with several
workers, as many as keep every worker busy beside the promotions (planned
from the budgets, so the plan never depends on timing). The tasks of a step
run longest first, in one ``evaluate_candidates`` call (one per rung when the
resource is ``n_samples``, whose rungs need other splits).

A resumed search runs the same steps and answers them from its checkpoint's
records (:mod:`sktune.search._resume`): a record is one candidate at one rung,
so its key holds the rung too.
"""

import math
import shutil
import tempfile

import numpy as np
from sklearn.model_selection._search_successive_halving import _SubsampleMetaSplitter

from sktune._budget import Budget, StateStore, forget_live
from sktune.callbacks import SearchState, stop_reason, stopping_rules
from sktune.search._async_loop import AsyncLoopMixin
from sktune.search._brackets import Bracket
from sktune.search._checkpoint import decode_output, mean_score
from sktune.search._failures import warn_non_finite
from sktune.search._schedule import bracket_shape, n_new_to_balance
from sktune.search._verbose import print_stop

_SEED_BOUND = 2**32 - 1
# A rounded axis can decode new points to known candidates: the optimiser is
# asked again this many times at most.
_MAX_ASK_ROUNDS = 20
# Continued training keeps one state per candidate and fold on disk; past this
# many bytes new states are not written and promoted candidates restart.
MAX_STATE_BYTES = 2 * 2**30
# Records of a halving checkpoint form one batch: a step is matched as a
# prefix of the records left, whatever rungs it mixes.
_NO_BATCH_COLUMN = "__one_batch__"


class HalvingLoopMixin(AsyncLoopMixin):
    """``_run_search`` of :class:`~sktune.HalvingBayesSearchCV` (mixed into it)."""

    def _run_search(self, evaluate_candidates, callback_ctx=None):
        schedule = self._schedule
        self.optimizers_ = [
            self._make_optimizer(s.coordinates, self._rng.randint(_SEED_BOUND))
            for s in self.space_.subspaces
        ]
        self._subsample_seed = self._rng.randint(_SEED_BOUND)
        self._brackets, self._counts = [], [0] * schedule.n_iterations
        self._exhausted, self._evaluated = False, False
        self._known = {}
        self._state = SearchState()
        rules = stopping_rules(self)
        self.stop_reason_ = None
        search_ctx = None
        if callback_ctx is not None:
            search_ctx = callback_ctx.subcontext(
                task_name="search", max_subtasks=None
            ).call_on_fit_task_begin(estimator=self)
        self._print_schedule()
        self._state_dir = (
            tempfile.mkdtemp(prefix="sktune-halving-") if self._continues_training() else None
        )
        try:
            if self.bracket_schedule == "asynchronous":
                self._run_asynchronously(rules, search_ctx)
            else:
                self._run_in_steps(rules, evaluate_candidates, search_ctx)
            # Every candidate of an asynchronous search is kept as a recorded one:
            # the last passes through evaluate_candidates without a fit.
            if not self._evaluated and self._resumed:
                self._recall_last_batch(evaluate_candidates, search_ctx)
        finally:
            if self._state_dir is not None:
                shutil.rmtree(self._state_dir, ignore_errors=True)
                forget_live(self._state_dir)
        # One FitFailedWarning and one non-finite-scores warning per search.
        self._failures.resumed_errors = self._resumed_fit_errors()
        self._failures.finish()
        if self._last_results:
            warn_non_finite(self._last_results)
        if self.stop_reason_ is None:
            done = all(b.done for b in self._brackets)
            self.stop_reason_ = (
                "n_brackets" if done and not self._exhausted else "space exhausted"
            )
        else:
            print_stop(self, self.stop_reason_)
        self._set_schedule_attributes()
        temporary = (
            "_brackets", "_counts", "_known", "_state", "_state_dir", "_exhausted", "_max_new",
            "_states_dropped",
        )
        for name in (*temporary, "_subsample_seed", "_evaluated", "_base_cv"):
            self.__dict__.pop(name, None)
        if search_ctx is not None:
            search_ctx.call_on_fit_task_end(estimator=self)

    def _run_in_steps(self, rules, evaluate_candidates, search_ctx):
        """Brackets of rungs, one ``evaluate_candidates`` step at a time."""
        while True:
            reason = stop_reason(rules, self._state)
            if reason is not None:
                self.stop_reason_ = reason
                return
            tasks = self._promotions()
            tasks += self._new_candidates(tasks)
            if not tasks:
                return
            self._evaluate_step(tasks, evaluate_candidates, search_ctx)

    def _continues_training(self):
        """Whether promoted candidates may continue (a parameter resource, and asked to)."""
        return self.continue_training and self.resource != "n_samples"

    def _set_schedule_attributes(self):
        schedule = self._schedule
        reached = [n for n in self._counts if n > 0]
        self.n_resources_ = list(schedule.n_resources[: len(reached)])
        self.n_candidates_ = reached
        self.n_iterations_ = schedule.n_iterations
        self.n_required_iterations_ = schedule.n_required_iterations
        self.n_possible_iterations_ = schedule.n_possible_iterations
        self.n_remaining_candidates_ = schedule.n_remaining_candidates
        self.n_brackets_ = len(self._brackets)
        if self.bracket_schedule == "asynchronous":  # first-rung candidates, in brackets' worth
            self.n_brackets_ = math.ceil(self._brackets[0].n_proposed / schedule.n_candidates[0])
        self.schedule_cost_ = schedule.full_budget_equivalents

    def _print_schedule(self):
        """scikit-learn's description of the schedule, with ``verbose``."""
        if self.verbose <= 0:
            return
        schedule = self._schedule
        print(f"n_iterations: {schedule.n_iterations}")
        print(f"n_required_iterations: {schedule.n_required_iterations}")
        print(f"n_possible_iterations: {schedule.n_possible_iterations}")
        print(f"min_resources_: {self.min_resources_}")
        print(f"max_resources_: {self.max_resources_}")
        print(f"aggressive_elimination: {self.aggressive_elimination}")
        print(f"factor: {self.factor}")
        print(f"n_brackets: {self.n_brackets}")

    # -- what a step holds ------------------------------------------------------------------
    def _promotions(self):
        """Candidates going up a rung: the best of every finished rung."""
        tasks = []
        for bracket in self._brackets:
            if bracket.done or not bracket.rung_finished():
                continue
            promoted, dropped = bracket.promote(self._schedule)
            for candidate in dropped:
                self._forget_state(candidate)
            tasks.extend((candidate, bracket.rung) for candidate in promoted)
        return tasks

    def _new_candidates(self, tasks):
        """New first-rung candidates: a batch, or what keeps the workers busy."""
        if not tasks:
            wanted = self._batch_size()
        elif self.resource == "n_samples":
            wanted = 0  # other rungs need other splits: nothing to run beside them
        else:
            resources = self._schedule.n_resources
            costs = [resources[rung] for _, rung in tasks for _ in range(self._n_splits)]
            new_cost = [resources[self._next_first_rung()]] * self._n_splits
            wanted = n_new_to_balance(
                costs, new_cost, self._n_workers(), self._n_open_slots()
            )
        new = []
        while len(new) < wanted:
            bracket = self._filling_bracket()
            if bracket is None:
                break
            proposed = self._propose(bracket, min(wanted - len(new), bracket.n_open))
            if not proposed:
                bracket.close_first_rung()
                self._exhausted = not any(o.n_remaining for o in self.optimizers_)
                if bracket.n_proposed == 0 and self._exhausted:
                    self._brackets.remove(bracket)  # opened for a space with no point left
                continue
            new.extend((candidate, bracket.start) for candidate in proposed)
        return new

    def _n_open_slots(self):
        """First-rung places left in open brackets and in brackets still allowed."""
        open_now = sum(b.n_open for b in self._brackets)
        n_more = self._n_brackets_left() if self.n_brackets is not None else 1
        first = len(self._brackets)
        more = sum(self._bracket_shape(i)[1] for i in range(first, first + n_more))
        return open_now + more

    def _bracket_shape(self, index):
        return bracket_shape(self._schedule, index, self.bracket_schedule)

    def _open_bracket(self):
        """The first bracket that still takes new candidates, or None."""
        return next((bracket for bracket in self._brackets if bracket.n_open > 0), None)

    def _next_first_rung(self):
        """The first rung of the bracket that new candidates would join."""
        bracket = self._open_bracket()
        return bracket.start if bracket is not None else self._bracket_shape(len(self._brackets))[0]

    def _n_brackets_left(self):
        return max(0, self.n_brackets - len(self._brackets))

    def _filling_bracket(self):
        """The open bracket, or a new one if the schedule allows it."""
        bracket = self._open_bracket()
        if bracket is not None:
            return bracket
        if self._exhausted or (self.n_brackets is not None and self._n_brackets_left() == 0):
            return None
        start, n_first = self._bracket_shape(len(self._brackets))
        bracket = Bracket(len(self._brackets), n_first, start)
        self._brackets.append(bracket)
        return bracket

    def _propose(self, bracket, n):
        """Ask the optimisers for ``n`` new candidates, shared among sub-spaces."""
        subspaces = self.space_.subspaces
        proposed = []
        for _ in range(_MAX_ASK_ROUNDS):
            missing = n - len(proposed)
            if missing <= 0 or not any(o.n_remaining for o in self.optimizers_):
                break
            # Shared among the sub-spaces with points left, from the one whose
            # turn it is: an exhausted sub-space leaves its share to the others.
            order = [(bracket.n_proposed + r) % len(subspaces) for r in range(len(subspaces))]
            open_ = [k for k in order if self.optimizers_[k].n_remaining]
            for rank, k in enumerate(open_):
                share = missing // len(open_) + (rank < missing % len(open_))
                if share == 0:
                    continue
                for point in self.optimizers_[k].ask(share):
                    key = self._key(k, point)
                    if key in self._known:
                        # Another point decoded to a known candidate: the optimiser
                        # learns its first-rung score instead of a second fit.
                        rung, score = self._known[key]
                        self.optimizers_[k].tell(point[None], [-score], rung=rung)
                        continue
                    self._known[key] = (bracket.start, np.nan)
                    params = subspaces[k].from_unit(point)
                    proposed.append(bracket.add(k, point, params, key))
        return proposed

    # -- evaluating a step -------------------------------------------------------------------
    def _evaluate_step(self, tasks, evaluate_candidates, search_ctx):
        """The tasks of a step, longest first, in as few calls as the resource allows."""
        tasks = sorted(tasks, key=lambda task: -task[1])  # stable: rung order kept
        groups = [tasks]
        if self.resource == "n_samples":
            rungs = sorted({rung for _, rung in tasks}, reverse=True)
            groups = [[t for t in tasks if t[1] == rung] for rung in rungs]
        for group in groups:
            self._evaluate_group(group, evaluate_candidates, search_ctx)
        self._state.n_iterations += 1
        self._print_step(tasks)

    def _evaluate_group(self, tasks, evaluate_candidates, search_ctx):
        """Answer from the checkpoint what it holds, fit the rest, record all."""
        keys = [(*candidate.key, rung) for candidate, rung in tasks]
        recorded = self._replay.answer(keys)
        if recorded is None:
            raise ValueError(
                f"Checkpoint {self.checkpoint!r} holds other candidates than this search "
                "proposes at the same point: it was written with another "
                "random_state, n_jobs or n_points (or another sktune version). Resume "
                "with the settings that wrote it, or use a new checkpoint file."
            )
        params = [self._task_params(candidate, rung) for candidate, rung in tasks]
        more = self._task_columns(tasks)
        outputs = [[decode_output(o) for o in record.outputs] for record in recorded]
        if recorded:
            plain = [self._task_params(c, r, plain=True) for c, r in tasks[: len(recorded)]]
            self._resumed.append(
                list(zip(plain, outputs, [r.more for r in recorded], strict=True))
            )
        if len(recorded) < len(tasks):
            start = len(recorded)
            outputs += self._evaluate(
                evaluate_candidates, search_ctx, params,
                [candidate.point for candidate, _ in tasks], more, start,
                cv=self._rung_splitter(tasks[0][1]),
            )
            self._evaluated = True
            self._failures.resumed_errors = self._resumed_fit_errors()
            self._failures.check_batch(
                [candidate.params for candidate, _ in tasks[start:]],
                [self.space_.subspaces[candidate.subspace] for candidate, _ in tasks[start:]],
                self._n_splits,
                type(self).__name__,
            )
        top_rung = self._schedule.n_iterations - 1
        for (candidate, rung), out in zip(tasks, outputs, strict=True):
            score = mean_score(out, self._metric(out))
            candidate.scores[rung] = score
            self._counts[rung] += 1
            if rung == min(candidate.scores):  # its bracket's first rung
                self._known[candidate.key] = (rung, score)
            self.optimizers_[candidate.subspace].tell(candidate.point[None], [-score], rung=rung)
            if rung == top_rung:
                self._state.add([score], [True])
                self._forget_state(candidate)

    def _task_params(self, candidate, rung, plain=False):
        """A candidate's parameters at a rung: the resource set, as a Budget if it can continue."""
        params = dict(candidate.params)
        if self.resource == "n_samples":
            return params
        n_resources = self._schedule.n_resources[rung]
        if plain or self._state_dir is None:
            params[self.resource] = n_resources
        else:
            params[self.resource] = Budget(
                n_resources, self._state_dir, candidate.id, MAX_STATE_BYTES
            )
        return params

    def _task_columns(self, tasks):
        """The extra ``cv_results_`` columns of a group of tasks."""
        resources = self._schedule.n_resources
        more = {
            "iter": [rung for _, rung in tasks],
            "n_resources": [resources[rung] for _, rung in tasks],
        }
        if self.n_brackets != 1:
            more["bracket"] = [candidate.bracket for candidate, _ in tasks]
        if len(self.space_.subspaces) > 1:
            more["subspace"] = [candidate.subspace for candidate, _ in tasks]
        return more

    def _rung_splitter(self, rung):
        """The folds of a rung: subsampled for ``n_samples``, else the search's own."""
        if self.resource != "n_samples":
            return None
        return _SubsampleMetaSplitter(
            base_cv=self._base_cv,
            fraction=self._schedule.n_resources[rung] / self._n_samples_orig,
            subsample_test=True,
            random_state=self._subsample_seed,
        )

    def _record_key(self, record):
        """A record is one candidate at one rung: its key holds the rung."""
        return (*super()._record_key(record), int(record.more["iter"]))

    def _replay_batch_column(self):
        # A step is matched as a prefix of the records left, whatever rungs it mixes.
        return _NO_BATCH_COLUMN

    def _fingerprints(self, X, y, params, cv):
        """The search's fingerprints, plus what decides its steps."""
        fingerprints = super()._fingerprints(X, y, params, cv)
        n_points = self.n_points
        if self.bracket_schedule == "asynchronous":
            n_points = None  # one at a time, whatever n_jobs: any n_jobs may resume
        elif n_points is None:
            n_points = f"auto for {self._n_workers()} worker(s)"
        fingerprints["schedule"] = {
            "resource": self.resource,
            "factor": self.factor,
            "min_resources": self.min_resources,
            "max_resources": self.max_resources,
            "n_candidates": self.n_candidates,
            "aggressive_elimination": self.aggressive_elimination,
            "n_points": n_points,
        }
        if self.bracket_schedule != "repeat":  # checkpoints written before it still match
            fingerprints["schedule"]["bracket_schedule"] = self.bracket_schedule
        return fingerprints

    def _print_step(self, tasks):
        if self.verbose <= 0:
            return
        resources = self._schedule.n_resources
        print(
            f"[{type(self).__name__}] step {self._state.n_iterations}: "
            f"{len(tasks)} candidates at {sorted({resources[r] for _, r in tasks})} "
            f"{self.resource}, {len(self._brackets)} bracket(s), best score at "
            f"{resources[-1]}: {self._state.best_score:.5g}, "
            f"{self._state.elapsed:.1f} s elapsed"
        )

    def _forget_state(self, candidate):
        """Delete the stored training states of a candidate that goes no further."""
        if self._state_dir is not None:
            StateStore(self._state_dir).discard(candidate.id)

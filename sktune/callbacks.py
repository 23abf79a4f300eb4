"""Search-level stopping rules, checked by the shared search loop between batches.

Each rule is built from the search's constructor parameters (``max_time``,
``n_iter_no_change`` with ``min_delta``, ``target_score``), so it survives
``clone`` and ``get_params``. A rule looks at the search's :class:`SearchState`
and returns a reason to stop, or None. The reason ends up in the search's
``stop_reason_`` attribute.
"""

from dataclasses import dataclass, field
import math
import time

import numpy as np


@dataclass
class SearchState:
    """What the loop knows between two batches.

    Attributes
    ----------
    scores : list of float
        The optimised metric of every evaluated candidate, in evaluation
        order (greater is better; NaN for failed fits).
    proposed : list of bool
        For each score, whether the optimiser chose the candidate (False for
        its initial design: quasi-random points, the first generation).
        Scores appended without a flag count as proposed.
    started : float
        ``time.monotonic()`` when the search started.
    n_iterations : int
        Batches evaluated so far.
    """

    scores: list = field(default_factory=list)
    proposed: list = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    n_iterations: int = 0

    def proposed_mask(self):
        """``proposed`` as an array as long as ``scores`` (unflagged scores: True)."""
        flags = np.ones(len(self.scores), dtype=bool)
        flags[: len(self.proposed)] = self.proposed[: len(self.scores)]
        return flags

    def add(self, scores, proposed):
        """Record evaluated candidates: their scores and who chose them."""
        scores, proposed = list(scores), list(proposed)
        if len(scores) != len(proposed):
            raise ValueError(f"{len(scores)} scores but {len(proposed)} proposed flags.")
        self.scores.extend(float(s) for s in scores)
        self.proposed.extend(bool(p) for p in proposed)

    @property
    def elapsed(self):
        return time.monotonic() - self.started

    @property
    def best_score(self):
        finite = [s for s in self.scores if math.isfinite(s)]
        return max(finite) if finite else -math.inf

    def best_so_far(self):
        """Best score after each candidate (NaN until the first success)."""
        scores = np.asarray(self.scores, dtype=float)
        filled = np.where(np.isfinite(scores), scores, -np.inf)
        best = np.maximum.accumulate(filled) if len(filled) else filled
        return np.where(np.isfinite(best), best, np.nan)


class TimeBudget:
    """Stop once ``max_time`` seconds have passed; a started batch always finishes."""

    def __init__(self, max_time):
        self.max_time = max_time

    def __call__(self, state):
        if state.elapsed >= self.max_time:
            return f"max_time: {state.elapsed:.1f} s elapsed of a {self.max_time} s budget"
        return None


class NoImprovement:
    """Stop when the best score has not improved by ``min_delta`` in ``n_candidates``.

    Only candidates the optimiser proposed count: the initial design explores
    on purpose, so its candidates neither start nor fill the window. The
    window is the last ``n_candidates`` proposed candidates; the best score
    before the first of them (initial design included) is what they must beat.
    """

    def __init__(self, n_candidates, min_delta=0.0):
        self.n_candidates = n_candidates
        self.min_delta = min_delta

    def __call__(self, state):
        proposed = np.flatnonzero(state.proposed_mask())
        if len(proposed) < self.n_candidates:
            return None
        best = state.best_so_far()
        window_start = proposed[-self.n_candidates]
        before = best[window_start - 1] if window_start > 0 else np.nan
        now = best[-1]
        # Until a candidate has succeeded there is nothing to improve on.
        if not np.isfinite(before) or now - before > self.min_delta:
            return None
        return (
            f"n_iter_no_change: best score {now:.6g} improved by less than "
            f"min_delta={self.min_delta} in the last {self.n_candidates} candidates "
            "proposed by the optimiser"
        )


class TargetScore:
    """Stop as soon as a candidate reaches ``target_score``."""

    def __init__(self, target_score):
        self.target_score = target_score

    def __call__(self, state):
        if state.best_score >= self.target_score:
            return f"target_score: {state.best_score:.6g} >= {self.target_score}"
        return None


def stopping_rules(search):
    """The rules a search's parameters ask for."""
    rules = []
    if search.max_time is not None:
        rules.append(TimeBudget(search.max_time))
    if search.n_iter_no_change is not None:
        rules.append(NoImprovement(search.n_iter_no_change, search.min_delta))
    if search.target_score is not None:
        rules.append(TargetScore(search.target_score))
    return rules


def stop_reason(rules, state):
    """The message of the first rule that says stop, or None."""
    return next((reason for reason in (rule(state) for rule in rules) if reason), None)

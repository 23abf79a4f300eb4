"""The bookkeeping of successive-halving brackets: which candidate is at which rung."""

from dataclasses import dataclass, field
import math

import numpy as np


@dataclass(eq=False)
class Candidate:
    """One candidate of a bracket, with its score at every rung it reached.

    Attributes
    ----------
    id : str
        ``"<bracket>-<index>"``, stable across processes: it names the
        candidate's stored training states.
    bracket, subspace : int
    point : ndarray
        Its point in the unit cube of its sub-space.
    params : dict
        Its parameters, without the resource.
    key : tuple
        What identifies its parameters among the sub-space's candidates.
    scores : dict of int to float
        Mean test score at each rung evaluated (NaN for a failed fit).
    """

    id: str
    bracket: int
    subspace: int
    point: np.ndarray
    params: dict
    key: tuple
    scores: dict = field(default_factory=dict)


class Bracket:
    """Candidates started together at one rung and halved up to the last.

    Parameters
    ----------
    index : int
    n_first : int
        Candidates wanted at the bracket's first rung.
    start : int, default=0
        The bracket's first rung (a Hyperband bracket may skip low budgets).

    Attributes
    ----------
    rung : int
        The rung being evaluated, numbered as in the schedule.
    """

    def __init__(self, index, n_first, start=0):
        self.index = index
        self.n_first = n_first
        self.start = start
        self.rungs = [[]]
        self.rung = start
        self.done = False
        self._first_rung_closed = False

    @property
    def n_open(self):
        """First-rung places still to fill."""
        if self.rung > self.start or self._first_rung_closed:
            return 0
        return self.n_first - len(self.rungs[0])

    @property
    def n_proposed(self):
        return len(self.rungs[0])

    def add(self, subspace, point, params, key):
        """A new first-rung candidate."""
        candidate = Candidate(
            id=f"{self.index}-{len(self.rungs[0])}",
            bracket=self.index,
            subspace=subspace,
            point=np.asarray(point, dtype=float),
            params=params,
            key=key,
        )
        self.rungs[0].append(candidate)
        return candidate

    def close_first_rung(self):
        """No more first-rung candidates (the space has no new point left)."""
        self._first_rung_closed = True
        if not self.rungs[0]:
            self.done = True

    def rung_finished(self):
        """Whether every candidate of the current rung has its score."""
        current = self.rungs[-1]
        if self.n_open > 0 or not current:
            return False
        return all(self.rung in c.scores for c in current)

    def promote(self, schedule):
        """Move the best of the finished rung up; return ``(promoted, dropped)``.

        The best ``ceil(n / factor)`` by mean test score go on, failed (NaN)
        candidates last, ties in order of evaluation. After the last rung
        nothing is promoted and the bracket is done.
        """
        current = self.rungs[-1]
        if self.rung + 1 >= schedule.n_iterations:
            self.done = True
            return [], list(current)
        scores = [c.scores[self.rung] for c in current]
        order = sorted(
            range(len(current)),
            key=lambda i: (math.isnan(scores[i]), -scores[i] if not math.isnan(scores[i]) else 0),
        )
        k = schedule.promoted(len(current))
        promoted = [current[i] for i in order[:k]]
        dropped = [current[i] for i in order[k:]]
        self.rung += 1
        self.rungs.append(promoted)
        return promoted, dropped

"""Asynchronous successive halving (ASHA): which job a free worker takes next.

ASHA (Li et al., "A System for Massively Parallel Hyperparameter Tuning",
MLSys 2020) has no step to wait for. Whenever a worker is free it takes the
best job there is: a candidate among the best ``1 / factor`` of those
finished at a rung and not promoted yet goes up one rung (from the highest
such rung down); otherwise a new candidate starts at the first rung. A
candidate is promoted once the rung has finished ``factor`` times as many as
are promoted from it, so with ``n`` first-rung candidates the rungs end with
the synchronous schedule's ``n, n / factor, n / factor**2, ...`` candidates;
a promotion may be made with fewer candidates finished than the synchronous
schedule would wait for, which is what keeps the workers busy.

This module knows candidates (:class:`~sktune.search._brackets.Candidate`)
and their scores only; what a job costs or how it is run is the search
loop's business (:mod:`sktune.search._async_loop`).
"""

import math


class AsyncRungs:
    """The candidates finished at each rung and those promoted from it.

    Parameters
    ----------
    n_rungs : int
        Rungs of the schedule; rung ``n_rungs - 1`` has the largest budget.
    factor : float
        The best ``floor(n / factor)`` of ``n`` candidates finished at a rung
        may go on.
    """

    def __init__(self, n_rungs, factor):
        self.n_rungs = n_rungs
        self.factor = factor
        self.finished = [[] for _ in range(n_rungs)]
        self._promoted = [set() for _ in range(n_rungs)]

    def finish(self, candidate, rung, score):
        """``candidate`` has its mean test score at ``rung`` (NaN if it failed).

        A candidate finished above the first rung was promoted from the rung
        below (which a search resumed from its records learns only here).
        """
        candidate.scores[rung] = score
        self.finished[rung].append(candidate)
        if rung > 0:
            self._promoted[rung - 1].add(candidate.id)

    def promotion(self, closed=None):
        """``(candidate, rung)``: the next candidate to promote and its new rung, or None.

        Rungs are tried from the highest: finishing a candidate that is
        already far up costs the least and yields a full-budget score soonest.
        Within a rung, candidates rank by score, failed (NaN) ones last, ties
        in order of finishing.

        ``closed[r]`` says that no more candidates will finish at rung ``r``
        or below (no first-rung candidate will start, none below ``r + 1``
        is running). A closed rung whose lower rungs have made all their
        promotions promotes ``ceil(n / factor)`` of its ``n``, as a
        synchronous rung does, so that the rungs end with the synchronous
        schedule's numbers of candidates.
        """
        closed = closed if closed is not None else [False] * self.n_rungs
        for rung in range(self.n_rungs - 2, -1, -1):
            finished = self.finished[rung]
            final = closed[rung] and all(self._settled(r, closed) for r in range(rung))
            k = (math.ceil if final else math.floor)(len(finished) / self.factor)
            if k <= len(self._promoted[rung]):
                continue
            for candidate in _ranked(finished, rung)[:k]:
                if candidate.id not in self._promoted[rung]:
                    self._promoted[rung].add(candidate.id)
                    return candidate, rung + 1
        return None

    def _settled(self, rung, closed):
        """A closed rung that has promoted all it will."""
        n = len(self.finished[rung])
        return closed[rung] and len(self._promoted[rung]) >= math.ceil(n / self.factor)

    def out_of_reach(self, rung, max_first):
        """Candidates finished at ``rung`` that will never be promoted from it.

        With ``max_first`` first-rung candidates at most, no more than
        ``ceil(max_first / factor**rung)`` can finish at ``rung``, and at most
        ``ceil`` of that over ``factor`` go on: a candidate ranked below that
        never will, since its rank only falls as candidates finish.
        """
        finished = self.finished[rung]
        upper = max_first
        for _ in range(rung):
            upper = math.ceil(upper / self.factor)
        line = math.ceil(upper / self.factor)
        return [c for c in _ranked(finished, rung)[line:] if c.id not in self._promoted[rung]]

    def n_finished(self):
        """Candidates finished at each rung."""
        return [len(finished) for finished in self.finished]


def _ranked(candidates, rung):
    def order(item):
        index, candidate = item
        score = candidate.scores[rung]
        return (math.isnan(score), -score if not math.isnan(score) else 0.0, index)

    return [candidate for _, candidate in sorted(enumerate(candidates), key=order)]

"""Successive-halving arithmetic: the rungs of a bracket and the work of each step.

:func:`halving_schedule` gives, for ``HalvingRandomSearchCV``'s arguments, the
candidates and resources of every rung exactly as scikit-learn computes them,
so that swapping ``HalvingRandomSearchCV`` for ``HalvingBayesSearchCV`` keeps
its schedule; :func:`bracket_shape` gives the first rung and size of each
bracket when brackets repeat. :func:`first_rung_batch`,
:func:`lpt_utilisation` and :func:`n_new_to_balance` decide how much new
low-budget work to add to a step so that parallel workers stay busy.
"""

from dataclasses import dataclass
import heapq
from math import ceil, floor, log


@dataclass(frozen=True)
class HalvingSchedule:
    """The rungs of one bracket.

    Attributes
    ----------
    n_resources : tuple of int
        Resources given to a candidate at each rung.
    n_candidates : tuple of int
        Candidates evaluated at each rung when every rung is full.
    min_resources, max_resources : int
        The resolved ``min_resources_`` and ``max_resources_``.
    n_required_iterations, n_possible_iterations : int
        As scikit-learn's attributes of the same names.
    factor : float
        The halving factor.
    """

    n_resources: tuple
    n_candidates: tuple
    min_resources: int
    max_resources: int
    n_required_iterations: int
    n_possible_iterations: int
    factor: float

    @property
    def n_iterations(self):
        return len(self.n_resources)

    @property
    def n_remaining_candidates(self):
        """Candidates kept after the last rung, as scikit-learn counts them."""
        return self.promoted(self.n_candidates[-1])

    def promoted(self, n_candidates):
        """How many of ``n_candidates`` at a rung go on to the next one."""
        return ceil(n_candidates / self.factor)

    @property
    def full_budget_equivalents(self):
        """Cost of one bracket in candidates trained with ``max_resources``."""
        spent = sum(n * r for n, r in zip(self.n_candidates, self.n_resources, strict=True))
        return spent / self.max_resources


def halving_schedule(
    *,
    n_candidates,
    min_resources,
    max_resources,
    factor,
    aggressive_elimination,
    min_resources_exhaust,
    space_size=float("inf"),
):
    """The schedule scikit-learn's ``HalvingRandomSearchCV`` would run.

    Parameters
    ----------
    n_candidates : int or "exhaust"
        Candidates of the first rung; "exhaust" means
        ``max_resources // min_resources``.
    min_resources, max_resources : int
        Resolved resources (``min_resources_`` before the "exhaust" rule).
    factor : float
    aggressive_elimination : bool
    min_resources_exhaust : bool
        Whether ``min_resources="exhaust"``: start with the largest minimum
        that lets the last rung use ``max_resources``.
    space_size : int or float
        Distinct points in the space: the first rung cannot be larger, as
        ``ParameterSampler`` caps a finite grid.
    """
    n_first = max_resources // min_resources if n_candidates == "exhaust" else n_candidates
    n_first = int(min(n_first, space_size))
    # The same floating-point expressions as scikit-learn, so that borderline
    # logarithms round the same way.
    n_required = 1 + floor(log(n_first, factor))
    if min_resources_exhaust:
        min_resources = max(min_resources, max_resources // factor ** (n_required - 1))
    n_possible = 1 + floor(log(max_resources // min_resources, factor))
    n_iterations = n_required if aggressive_elimination else min(n_possible, n_required)
    resources, counts = [], []
    n = n_first
    for itr in range(n_iterations):
        power = itr
        if aggressive_elimination:
            power = max(0, itr - n_required + n_possible)
        resources.append(min(int(factor**power * min_resources), max_resources))
        counts.append(n)
        n = ceil(n / factor)
    return HalvingSchedule(
        n_resources=tuple(resources),
        n_candidates=tuple(counts),
        min_resources=int(min_resources),
        max_resources=int(max_resources),
        n_required_iterations=n_required,
        n_possible_iterations=n_possible,
        factor=factor,
    )


BRACKET_SCHEDULES = ("repeat", "hyperband", "asynchronous")


def bracket_shape(schedule, index, bracket_schedule="repeat"):
    """``(first_rung, n_first)`` of the bracket numbered ``index`` (from 0).

    ``"repeat"`` starts every bracket at rung 0 with ``n_candidates[0]``
    candidates. ``"hyperband"`` hedges against low budgets that mislead, as
    Hyperband (Li et al., JMLR 2018) does: bracket ``index`` starts at rung
    ``s = index % n_iterations`` with ``n_candidates[0] * n / ((n - s) *
    factor**s)`` candidates (rounded up; ``n`` rungs), which costs each
    bracket about the same training: 27, 12, 6 and 4 candidates starting
    with 1, 3, 9 and 27 units for factor 3 and 4 rungs. Bracket 0 is the
    ``"repeat"`` bracket, so one bracket is ``HalvingRandomSearchCV``'s
    schedule either way.
    """
    if bracket_schedule not in BRACKET_SCHEDULES:
        raise ValueError(
            f"bracket_schedule must be one of {BRACKET_SCHEDULES}, got {bracket_schedule!r}."
        )
    n_first = schedule.n_candidates[0]
    if bracket_schedule == "repeat":
        return 0, n_first
    n = schedule.n_iterations
    start = index % n
    size = n_first * n / ((n - start) * schedule.factor**start)
    return start, max(1, ceil(size - 1e-9))  # 12.000000000000002 is 12


def first_rung_batch(n_workers, n_splits):
    """How many new first-rung candidates to propose at a time.

    At least four fits per worker and, unless that takes over 50 % more
    candidates, a multiple of the workers in all, so that equal first-rung fits
    end together rather than leave one worker alone with the last (9 fits on 2
    workers: 90 % at best). One at a time with one worker, as BayesSearchCV.
    """
    if n_workers <= 1:
        return 1
    n = ceil(4 * n_workers / n_splits)
    return next((m for m in range(n, n + n // 2 + 1) if (m * n_splits) % n_workers == 0), n)


def lpt_utilisation(costs, n_workers):
    """Share of worker time busy when ``costs`` run longest-first on ``n_workers``.

    Longest-processing-time-first is how a step's tasks are ordered; the
    estimate is deterministic (costs are resource units, not measured times),
    so the composition of a step never depends on timing.
    """
    if not costs:
        return 1.0
    loads = [0.0] * n_workers
    for cost in sorted(costs, reverse=True):
        heapq.heapreplace(loads, loads[0] + cost)
    makespan = max(loads)
    return sum(costs) / (n_workers * makespan) if makespan > 0 else 1.0


def n_new_to_balance(costs, new_cost, n_workers, n_available, target=0.9):
    """New tasks groups (of ``new_cost`` each) to add so the step keeps workers busy.

    Parameters
    ----------
    costs : list of float
        Costs of the tasks already in the step.
    new_cost : list of float
        Costs of the tasks one new candidate brings (one per CV split).
    n_workers : int
    n_available : int
        How many new candidates may be added at most.
    target : float
        Estimated utilisation to reach.

    Returns
    -------
    int
        The smallest number of new candidates that reaches ``target``, or
        ``n_available`` if none does.
    """
    costs = list(costs)
    if n_workers <= 1:
        return 0
    for n in range(n_available + 1):
        if lpt_utilisation(costs, n_workers) >= target:
            return n
        costs.extend(new_cost)
    return n_available

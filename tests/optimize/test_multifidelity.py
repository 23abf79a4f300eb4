"""MultiFidelityOptimizer: when a model of several budgets proposes, and from what."""

import functools

import numpy as np
import pytest

from sktune.optimize._base import Coordinate
from sktune.optimize.bayes import GPOptimizer
from sktune.optimize.multifidelity import MultiFidelityOptimizer


def _optimizer(strategy):
    return MultiFidelityOptimizer(
        [Coordinate("continuous")] * 2, n_rungs=3,
        make_optimizer=functools.partial(GPOptimizer, n_initial_points=4),
        random_state=0, strategy=strategy,
    )


def _first_rung_favourite(points):
    # Best (lowest) near (0.9, 0.9) after one epoch.
    return ((points - 0.9) ** 2).sum(axis=1)


def test_rank_proposals_stay_quasi_random_until_a_candidate_is_promoted():
    optimizer = _optimizer("rank")
    design = optimizer.ask(4)
    optimizer.tell(design, _first_rung_favourite(design), rung=0)
    # A first bracket filling its first rung: no model of first-rung scores,
    # so no crowding around their favourite.
    more = np.vstack([optimizer.ask(1) for _ in range(8)])
    optimizer.tell(more, _first_rung_favourite(more), rung=0)
    assert optimizer.model_rungs_ == [None] * 9
    distances = np.sqrt(((more - 0.9) ** 2).sum(axis=1))
    assert np.median(distances) > 0.3
    # The first promotion: the model of the order reached proposes.
    best = np.argsort(_first_rung_favourite(more))[:3]
    optimizer.tell(more[best], [0.5, 0.4, 0.3], rung=1)
    optimizer.ask(1)
    assert optimizer.model_rungs_[-1] == 1


def test_per_budget_rule_models_the_first_rung_as_bohb_does():
    optimizer = _optimizer("per-budget")
    design = optimizer.ask(4)
    optimizer.tell(design, _first_rung_favourite(design), rung=0)
    optimizer.ask(1)
    assert optimizer.model_rungs_ == [None, 0]


@pytest.mark.parametrize("strategy", ["rank", "per-budget", "budget-input"])
def test_proposals_never_repeat_a_point_of_any_rung(strategy):
    optimizer = _optimizer(strategy)
    seen = []
    for rung_of_batch in (0, 0, 0, 1, 0, 2, 0):
        points = optimizer.ask(3)
        seen.extend(map(tuple, points))
        optimizer.tell(points, _first_rung_favourite(points), rung=rung_of_batch)
    assert len(set(seen)) == len(seen)


def test_budget_input_proposes_what_the_full_budget_favours():
    # Low budgets mislead: the first rung favours (0.9, 0.9), the last (0.2, 0.2).
    optimizer = _optimizer("budget-input")
    points = np.random.default_rng(0).random((16, 2))
    optimizer.tell(points, _first_rung_favourite(points), rung=0)
    optimizer.tell(points[:8], ((points[:8] - 0.2) ** 2).sum(axis=1), rung=2)
    proposed = optimizer.ask(3)
    assert optimizer.model_rungs_ == [2]
    to_last = np.sqrt(((proposed - 0.2) ** 2).sum(axis=1))
    to_first = np.sqrt(((proposed - 0.9) ** 2).sum(axis=1))
    assert np.all(to_last < to_first), proposed


@pytest.mark.parametrize("strategy", ["rank", "budget-input"])
def test_a_small_discrete_space_is_exhausted_without_repeats(strategy):
    # 9 points: the surrogates run dry and quasi-random points fill the batches.
    optimizer = MultiFidelityOptimizer(
        [Coordinate("ordinal", n_levels=3)] * 2, n_rungs=2,
        make_optimizer=functools.partial(GPOptimizer, n_initial_points=3),
        random_state=0, strategy=strategy,
    )
    seen = []
    for rung_of_batch in (0, 1, 0, 0, 0):
        points = optimizer.ask(2)
        seen.extend(map(tuple, points))
        optimizer.tell(points, _first_rung_favourite(points), rung=rung_of_batch)
    assert len(set(seen)) == len(seen) == 9
    assert optimizer.n_remaining == 0
    assert optimizer.model_rungs_[-2:] == [1, 1]  # the surrogate's asks

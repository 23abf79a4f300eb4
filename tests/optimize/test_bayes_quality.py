"""What each part of the Bayesian optimiser buys, on synthetic functions.

Every test bounds the regret reached with a small budget and checks that
random search, with the same budget and seeds, does not reach the bound; tests
of one component also switch it off (its private switch) to show it matters.
"""

import numpy as np
import pytest

from sktune.optimize import _warping, bayes
from sktune.optimize._base import CONTINUOUS, Coordinate
from sktune.optimize.bayes import GPOptimizer

from .synthetic import (
    BRANIN,
    HARTMANN6,
    MIXED,
    Problem,
    noisy,
    random_search_best,
    run,
)

SEEDS = range(5)


def _regrets(problem, budget, seeds=SEEDS, **params):
    return np.array(
        [
            run(GPOptimizer(problem.coordinates, random_state=s, **params), problem, budget)
            - problem.minimum
            for s in seeds
        ]
    )


def _random_regrets(problem, budget, seeds=SEEDS):
    return np.array(
        [random_search_best(problem, budget, s) - problem.minimum for s in seeds]
    )


@pytest.mark.slow
def test_hartmann6_regret_with_the_trust_region_and_warps():
    # Mean regret 0.19 after 30 evaluations (seeds 0-4); random search's best
    # seed is at 0.58.
    bound = 0.35
    assert _regrets(HARTMANN6, 30).mean() < bound
    assert _random_regrets(HARTMANN6, 30).min() > bound


@pytest.mark.slow
def test_mixed_categorical_regret():
    # Two reals, an 11-level integer and a 4-way categorical: mean regret 0.02
    # after 25 evaluations; random search's best seed 0.14.
    bound = 0.06
    assert _regrets(MIXED, 25).mean() < bound
    assert _random_regrets(MIXED, 25).min() > bound


@pytest.mark.slow
def test_noisy_branin_true_regret_of_the_point_it_would_pick():
    # Noise of standard deviation 5 (Branin's values are ~0.4-300): what counts
    # is the true value at the best *observed* point. Mean 1.9 against random
    # search's 4.2 with the same noise draws.
    bound = 3.0
    ours, theirs = [], []
    for seed in SEEDS:
        problem = noisy(BRANIN, 5.0, np.random.default_rng(100 + seed))
        opt = GPOptimizer(problem.coordinates, random_state=seed)
        run(opt, problem, 30)
        best = int(np.nanargmin(opt.y_))
        ours.append(BRANIN(opt.X_[best : best + 1])[0] - BRANIN.minimum)
        points = np.random.default_rng(seed).random((30, 2))
        pick = int(np.argmin(problem(points)))
        theirs.append(BRANIN(points[pick : pick + 1])[0] - BRANIN.minimum)
    assert np.mean(ours) < bound < np.mean(theirs)


def _log_axis(points):
    # The first axis matters only within 1% of its lower bound, on a log scale:
    # a learning rate searched uniformly, as users often do.
    return (np.log10(points[:, 0] + 1e-3) + 2.0) ** 2 / 4 + (points[:, 1] - 0.5) ** 2


LOG_AXIS = Problem("log-axis", (Coordinate(CONTINUOUS),) * 2, _log_axis, 0.0)


@pytest.mark.slow
def test_input_warping_resolves_an_axis_that_matters_near_its_bound(monkeypatch):
    # Seeds 0-5, 20 evaluations: warped 0.0002, unwarped 0.026, random 0.09-0.42.
    seeds = range(6)
    warped = _regrets(LOG_AXIS, 20, seeds)
    monkeypatch.setattr(bayes, "_INPUT_WARPING", False)
    unwarped = _regrets(LOG_AXIS, 20, seeds)
    assert warped.mean() < 0.002 < _random_regrets(LOG_AXIS, 20, seeds).min()
    assert warped.mean() < 0.1 * unwarped.mean()


def _bowl(points):
    # A basin around (0.6, 0.6, 0.6) in a plateau of poor values, the shape of
    # svr-diabetes, where a mean prior sent EI to the corners of the cube.
    return 1.0 - np.exp(-8.0 * ((points - 0.6) ** 2).sum(axis=1))


BOWL = Problem("bowl", (Coordinate(CONTINUOUS),) * 3, _bowl, 0.0)


def _corners_and_regrets(seeds):
    corners, regrets = 0, []
    for seed in seeds:
        opt = GPOptimizer(BOWL.coordinates, random_state=seed)
        regrets.append(run(opt, BOWL, 30) - BOWL.minimum)
        model_based = opt.X_[opt.n_initial_points_ :]
        on_bound = (model_based < 1e-6) | (model_based > 1 - 1e-6)
        corners += int((on_bound.sum(axis=1) >= 2).sum())
    return corners, np.array(regrets)


@pytest.mark.slow
def test_worst_value_prior_keeps_proposals_off_the_corners(monkeypatch):
    # Seeds 0-7: 20 corner proposals of 184 with the prior mean at the worst
    # value, 42 with it at the mean; the regret stays far below random search.
    seeds = range(8)
    at_worst, regrets = _corners_and_regrets(seeds)
    assert regrets.mean() < 0.005 < _random_regrets(BOWL, 30, seeds).min()
    monkeypatch.setattr(_warping, "_PRIOR_MEAN_AT_WORST", False)
    assert at_worst < 0.7 * _corners_and_regrets(seeds)[0]


def test_hyperparameters_are_refitted_after_ten_percent_more_data():
    opt = GPOptimizer(BRANIN.coordinates, random_state=0)
    fitted_at = []
    for _ in range(34):
        x = opt.ask()
        if opt.gp_ is not None and (not fitted_at or fitted_at[-1][1] is not opt.gp_.theta_):
            fitted_at.append((len(opt.y_), opt.gp_.theta_))
        opt.tell(x, BRANIN(x))
    sizes = [n for n, _ in fitted_at]
    # At every tell up to 19 points, then once 10% more data has come: 5, 6,
    # ..., 19, 21, 23, 25, 27, 29, 32.
    assert sizes[:3] == [5, 6, 7]
    gaps = [b - a for a, b in zip(sizes, sizes[1:], strict=False)]
    assert all(gap >= max(1, int(0.1 * b)) for gap, b in zip(gaps, sizes[1:], strict=True))
    assert max(gaps) > 1 and sizes[-1] >= 30

import re

import numpy as np
import pytest

from sktune.optimize._base import CATEGORICAL, CONTINUOUS, ORDINAL, Coordinate
from sktune.optimize.bayes import GPOptimizer

from .synthetic import (
    BRANIN,
    BRANIN_EMBEDDED,
    HARTMANN6,
    MIXED,
    QUADRATIC,
    random_search_best,
    run,
)

SEEDS = range(5)
BUDGET = 30


def _keys(points):
    return [np.round(p, 12).tobytes() for p in points]


@pytest.mark.slow
@pytest.mark.parametrize(
    "problem", [BRANIN, HARTMANN6, MIXED, BRANIN_EMBEDDED], ids=lambda p: p.name
)
def test_regret_far_below_random_search(problem):
    regret = np.mean(
        [
            run(GPOptimizer(problem.coordinates, random_state=s), problem, BUDGET)
            - problem.minimum
            for s in SEEDS
        ]
    )
    random_regret = np.mean(
        [random_search_best(problem, BUDGET, s) - problem.minimum for s in SEEDS]
    )
    assert regret < 0.5 * random_regret, (regret, random_regret)


@pytest.mark.slow
@pytest.mark.parametrize("acquisition", ["lcb", "hedge"])
def test_other_acquisitions_beat_random_on_branin(acquisition):
    # Regret after 25 evaluations, seeds 0-5: median 0.001 (lcb) and 0.005
    # (hedge), mean 0.20 and 0.87 (one seed of six stuck in a
    # local basin: 1.1 and 5.2); random search: median 1.44, mean 1.92. The
    # median, because one stuck seed decides a mean of six.
    regrets = [
        run(
            GPOptimizer(BRANIN.coordinates, random_state=s, acquisition=acquisition),
            BRANIN,
            25,
        )
        - BRANIN.minimum
        for s in range(6)
    ]
    random_regrets = [random_search_best(BRANIN, 25, s) - BRANIN.minimum for s in range(6)]
    assert np.median(regrets) < 0.3 * np.median(random_regrets), (regrets, random_regrets)


def test_probability_of_improvement_improves_on_the_initial_design():
    # PI is greedy (it creeps along from the best point), so only ask that it
    # improves on the Sobol design rather than that it beats random search.
    opt = GPOptimizer(BRANIN.coordinates, random_state=0, acquisition="pi", xi=0.1)
    run(opt, BRANIN, 20)
    assert np.min(opt.y_[5:]) < np.min(opt.y_[:5])


def test_hedge_updates_its_gains():
    opt = GPOptimizer(BRANIN.coordinates, random_state=0, acquisition="hedge")
    run(opt, BRANIN, 12)
    assert np.any(opt.hedge_gains_ != 0)


@pytest.mark.parametrize("batch_size", [1, 3, 4])
def test_never_a_duplicate_across_asks(batch_size):
    opt = GPOptimizer(MIXED.coordinates, random_state=0, n_initial_points=4)
    asked = []
    for _ in range(6):
        first = opt.ask(batch_size)
        second = opt.ask(batch_size)  # asked while the first batch is pending
        asked += _keys(first) + _keys(second)
        opt.tell(np.vstack([first, second]), MIXED(np.vstack([first, second])))
    assert len(asked) == 12 * batch_size
    assert len(set(asked)) == len(asked)


def test_small_discrete_space_is_exhausted_without_repeats():
    coordinates = (
        Coordinate(ORDINAL, 3),
        Coordinate(CATEGORICAL, 2),
        Coordinate(CATEGORICAL, 1),
    )
    opt = GPOptimizer(coordinates, random_state=0, n_initial_points=2)
    sizes, asked = [], []
    for _ in range(4):
        points = opt.ask(4)
        sizes.append(len(points))
        asked += _keys(points)
        if len(points):
            opt.tell(points, points[:, 0] + points[:, 1])
    assert sizes == [4, 2, 0, 0]
    assert len(set(asked)) == 6


def test_all_discrete_space_with_surrogate_proposals():
    coordinates = (Coordinate(ORDINAL, 5), Coordinate(CATEGORICAL, 4))
    opt = GPOptimizer(coordinates, random_state=1, n_initial_points=3)
    n_told = 0
    while True:
        points = opt.ask(3)
        if len(points) == 0:
            break
        opt.tell(points, (points[:, 0] - 0.5) ** 2 + points[:, 1])
        n_told += len(points)
    assert n_told == 20 and len(set(_keys(opt.X_))) == 20


def test_failed_region_is_avoided():
    def objective(points):  # the right half of the square always fails
        values = ((points - 0.3) ** 2).sum(axis=1)
        return np.where(points[:, 0] > 0.5, np.nan, values)

    opt = GPOptimizer((Coordinate(CONTINUOUS),) * 2, random_state=0, n_initial_points=6)
    for _ in range(30):
        point = opt.ask()
        opt.tell(point, objective(point))
    proposed = opt.X_[12:]  # after the Sobol design and a few model-based steps
    assert np.mean(proposed[:, 0] > 0.5) < 0.15
    assert np.nanmin(opt.y_) < 1e-3


def test_all_failures_keep_exploring():
    opt = GPOptimizer(MIXED.coordinates, random_state=0)
    for _ in range(15):
        points = opt.ask(2)
        assert len(points) == 2
        opt.tell(points, np.full(2, np.nan))
    assert len(set(_keys(opt.X_))) == 30


def test_constant_values_do_not_crash():
    opt = GPOptimizer(QUADRATIC.coordinates, random_state=0, n_initial_points=3)
    for _ in range(8):
        points = opt.ask(2)
        opt.tell(points, np.ones(len(points)))
    assert len(set(_keys(opt.X_))) == 16


def test_same_seed_same_asks():
    def sequence(seed):
        opt = GPOptimizer(MIXED.coordinates, random_state=seed, acquisition="hedge")
        run(opt, MIXED, 18, batch_size=3)
        return opt.X_

    np.testing.assert_array_equal(sequence(3), sequence(3))
    assert not np.array_equal(sequence(3), sequence(4))


def test_batch_is_distinct_and_spread():
    opt = GPOptimizer(BRANIN.coordinates, random_state=0)
    run(opt, BRANIN, 15)
    batch = opt.ask(5)
    distances = np.linalg.norm(batch[:, None] - batch[None], axis=2)
    assert len(batch) == 5
    assert distances[np.triu_indices(5, 1)].min() > 0.05


@pytest.mark.parametrize(
    "name, value",
    [
        ("n_initial_points", 0),
        ("n_initial_points", 2.5),
        ("n_initial_points", True),
        ("acquisition", "ucb"),
        ("xi", -0.1),
        ("xi", float("nan")),
        ("kappa", "big"),
        ("lie", "worst"),
    ],
)
def test_invalid_arguments_name_parameter_and_value(name, value):
    with pytest.raises(
        ValueError, match=re.escape(name) + ".*" + re.escape(repr(value))
    ):
        GPOptimizer(BRANIN.coordinates, **{name: value})


def test_tell_history_not_from_ask_then_ask():
    rng = np.random.default_rng(0)
    history = rng.random((14, 4))
    values = MIXED(history)
    values[[2, 5]] = np.nan
    opt = GPOptimizer(MIXED.coordinates, random_state=0)
    opt.tell(np.vstack([history, history[:3]]), np.concatenate([values, values[:3]]))
    assert len(opt.X_) == 14  # duplicates in tell keep their first value
    points = opt.ask(3)
    assert len(points) == 3
    assert not set(_keys(points)) & set(_keys(opt.X_))
    assert opt.gp_ is not None


def test_predict_and_fitted_hyperparameters():
    coordinates = MIXED.coordinates + (Coordinate(CATEGORICAL, 1),)
    opt = GPOptimizer(coordinates, random_state=0)
    with pytest.raises(RuntimeError):
        opt.predict(np.full((1, 5), 0.5))

    def objective(points):
        return MIXED(points[:, :4])

    run(opt, type(MIXED)("m", coordinates, objective, 0.0), 15)
    mean, std = opt.predict(opt.X_, return_std=True)
    assert mean.shape == std.shape == (15,) and np.all(std > 0)
    # one length-scale per informative axis: the 1-level categorical has none
    assert opt.gp_.length_scales_.shape == (4,)
    assert opt.gp_.noise_ > 0 and opt.gp_.amplitude_ > 0


def test_one_dimension():
    coordinates = (Coordinate(CONTINUOUS),)
    opt = GPOptimizer(coordinates, random_state=0)
    for _ in range(15):
        x = opt.ask()
        opt.tell(x, (x[:, 0] - 0.77) ** 2)
    assert np.nanmin(opt.y_) < 1e-4


def test_pinned_axis_holds_its_value_and_the_rest_is_optimised():
    # The second axis is a budget: told at 0 and 1, pinned at 1 when asking.
    coordinates = (Coordinate(CONTINUOUS), Coordinate(CONTINUOUS))
    opt = GPOptimizer(coordinates, random_state=0, n_initial_points=6)
    x = opt.ask(6)
    x[:, 1] = np.repeat([0.0, 1.0], 3)
    opt.tell(x, (x[:, 0] - 0.3) ** 2 + (1 - x[:, 1]))
    opt.pin({1: 1.0})
    for _ in range(8):
        x = opt.ask()
        assert x[0, 1] == 1.0
        opt.tell(x, (x[:, 0] - 0.3) ** 2)
    assert abs(opt.X_[np.nanargmin(opt.y_), 0] - 0.3) < 0.05

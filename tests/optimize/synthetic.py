"""Synthetic objectives on the unit cube for testing optimisers without estimators.

Each problem maps points in ``[0, 1]^d`` to values to minimise and knows its
global minimum, so a test can measure regret (found minus optimum).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sktune.optimize._base import CATEGORICAL, CONTINUOUS, ORDINAL, Coordinate, levels


@dataclass(frozen=True)
class Problem:
    name: str
    coordinates: tuple
    function: Callable
    minimum: float

    def __call__(self, points):
        return self.function(np.atleast_2d(points))


def _branin(points):
    x1 = -5 + 15 * points[:, 0]
    x2 = 15 * points[:, 1]
    b, c = 5.1 / (4 * np.pi**2), 5 / np.pi
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x1) + 10


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def _hartmann6(points):
    inner = ((points[:, None, :] - _H6_P[None]) ** 2 * _H6_A[None]).sum(axis=2)
    return -(_H6_ALPHA[None] * np.exp(-inner)).sum(axis=1)


def _quadratic(points):
    return ((points - 0.3) ** 2).sum(axis=1)


_MIXED = (
    Coordinate(CONTINUOUS),
    Coordinate(CONTINUOUS),
    Coordinate(ORDINAL, 11),
    Coordinate(CATEGORICAL, 4),
)


def _mixed(points):
    """Two reals, an 11-level integer and a 4-way categorical; minimum 0."""
    category_offset = np.array([0.8, 0.0, 0.5, 1.2])
    level = levels(points, 2, _MIXED)
    cat = levels(points, 3, _MIXED)
    return (
        (points[:, 0] - 0.7) ** 2
        + (points[:, 1] - 0.2) ** 2
        + 0.05 * (level - 3) ** 2
        + category_offset[cat]
    )


BRANIN = Problem("branin", (Coordinate(CONTINUOUS),) * 2, _branin, 0.397887)
HARTMANN6 = Problem("hartmann6", (Coordinate(CONTINUOUS),) * 6, _hartmann6, -3.32237)
QUADRATIC = Problem("quadratic", (Coordinate(CONTINUOUS),) * 3, _quadratic, 0.0)
MIXED = Problem("mixed", _MIXED, _mixed, 0.0)
# Branin on axes 1 and 4 of a 6-D cube: four axes do nothing, as many
# hyperparameters do; a surrogate must learn to ignore them.
BRANIN_EMBEDDED = Problem(
    "branin-embedded-6d",
    (Coordinate(CONTINUOUS),) * 6,
    lambda points: _branin(points[:, [1, 4]]),
    0.397887,
)


def noisy(problem, scale, rng):
    """The same problem with Gaussian noise of standard deviation ``scale``."""

    def function(points):
        values = problem.function(points)
        return values + scale * rng.standard_normal(len(values))

    return Problem(problem.name + "-noisy", problem.coordinates, function, problem.minimum)


def run(optimizer, problem, n_evaluations, batch_size=1):
    """Drive an optimiser for ``n_evaluations``; return the best value found."""
    done = 0
    while done < n_evaluations:
        points = optimizer.ask(min(batch_size, n_evaluations - done))
        if len(points) == 0:
            break
        optimizer.tell(points, problem(points))
        done += len(points)
    return float(np.nanmin(optimizer.y_))


def random_search_best(problem, n_evaluations, seed):
    rng = np.random.default_rng(seed)
    return float(problem(rng.random((n_evaluations, len(problem.coordinates)))).min())

"""The parts of the Bayesian optimiser that stand alone: warps, acquisitions, regions."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from scipy.stats import yeojohnson

from sktune.optimize._acquisition import utility
from sktune.optimize._base import CATEGORICAL, CONTINUOUS, ORDINAL, Coordinate
from sktune.optimize._trust_region import TrustRegion
from sktune.optimize._warping import warp_values, yeo_johnson


# -- output warping ----------------------------------------------------------------
@pytest.mark.parametrize("sign", [1, -1])
def test_yeo_johnson_matches_scipy(sign):
    rng = np.random.default_rng(0)
    y = sign * np.exp(2 * rng.standard_normal(60))
    y = (y - y.mean()) / y.std()
    np.testing.assert_allclose(yeo_johnson(y), yeojohnson(y)[0], atol=1e-3)


def test_warp_makes_a_heavy_tail_gaussian_and_keeps_the_order():
    rng = np.random.default_rng(1)
    values = np.exp(3 * rng.standard_normal(200))  # a few awful configurations
    warped = warp_values(values)
    # Unit spread, shifted so that the worst value is 0: the surrogate's prior
    # mean, so that unexplored regions are expected to be poor.
    assert abs(warped.std() - 1) < 1e-9 and warped.max() == 0.0
    assert np.array_equal(np.argsort(warped), np.argsort(values))
    # Raw standardised values put most points in a sliver; the warp spreads them.
    raw = (values - values.mean()) / values.std()
    assert np.ptp(np.sort(warped)[:150]) > 5 * np.ptp(np.sort(raw)[:150])


def test_warp_gives_failures_the_worst_value_and_survives_constants():
    warped = warp_values([3.0, np.nan, 1.0, 2.0])
    assert warped[1] == warped.max() == warped[0]
    np.testing.assert_array_equal(warp_values([2.0, 2.0, np.nan]), 0.0)
    extreme = warp_values([1e300, -1e300, 0.0])
    assert np.isfinite(extreme).all() and np.array_equal(np.argsort(extreme), [1, 2, 0])


# -- acquisition functions ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["ei", "pi", "lcb"])
def test_acquisition_gradient_matches_finite_differences(name):
    # A made-up smooth mean and deviation of one input, to check the chain rule.
    def mean_std(x):
        return np.sin(3 * x), 0.2 + x**2

    x = np.array([0.1, 0.4, 0.8])
    mean, std = mean_std(x)
    grads = (3 * np.cos(3 * x))[:, None], (2 * x)[:, None]
    _, analytic = utility(name, mean, std, -0.5, 0.01, 1.96, *grads)
    numeric = [
        approx_fprime(
            np.array([xi]), lambda v: utility(name, *mean_std(v), -0.5, 0.01, 1.96)[0]
        )[0]
        for xi in x
    ]
    np.testing.assert_allclose(analytic[:, 0], numeric, rtol=1e-4, atol=1e-6)


# -- trust region --------------------------------------------------------------------
def test_region_doubles_after_three_successes_and_halves_after_failures():
    region = TrustRegion(n_dims=2)
    assert region.failure_tolerance() == 4
    for _ in range(3):
        region.update(best_before=1.0, best_after=0.5, spread=1.0)
    assert region.length == pytest.approx(1.6)
    for _ in range(4):
        region.update(best_before=0.5, best_after=0.5, spread=1.0)
    assert region.length == pytest.approx(0.8)
    # An improvement within 1e-3 of the spread is noise: a failure.
    for _ in range(4):
        region.update(best_before=0.5, best_after=0.5 - 1e-5, spread=1.0)
    assert region.length == pytest.approx(0.4)


def test_region_resets_when_it_becomes_too_small():
    region = TrustRegion(n_dims=1)
    for _ in range(4 * 7):
        region.update(best_before=0.0, best_after=0.0, spread=1.0)
    assert region.length == pytest.approx(0.8) and region.n_restarts == 1


def test_batches_shrink_the_region_after_fewer_tells():
    region = TrustRegion(n_dims=8)
    assert region.failure_tolerance(batch_size=4) == 2
    for _ in range(2):
        region.update(best_before=0.0, best_after=0.0, spread=1.0, batch_size=4)
    assert region.length == pytest.approx(0.4)


def test_half_widths_follow_length_scales_and_cover_a_discrete_level():
    coordinates = (Coordinate(CONTINUOUS), Coordinate(CONTINUOUS), Coordinate(ORDINAL, 3))
    region = TrustRegion(n_dims=3)
    half = region.half_widths([0.1, 0.4, np.nan], coordinates)
    assert half[1] == pytest.approx(4 * half[0])
    # geometric mean of the known axes' widths is the side length
    assert np.sqrt((2 * half[0]) * (2 * half[1])) == pytest.approx(region.length)
    assert half[2] >= 1 / 3


def test_samples_stay_in_the_box_and_small_regions_keep_categories():
    coordinates = (Coordinate(CONTINUOUS), Coordinate(CATEGORICAL, 4))
    rng = np.random.default_rng(0)
    centre = np.array([0.5, 0.125])
    region = TrustRegion(n_dims=2)
    region.length = 0.1
    draws, low, high = region.sample(
        centre, np.array([0.05, 0.0]), coordinates, 2000, rng
    )
    assert np.all(draws[:, 0] >= 0.45 - 1e-12) and np.all(draws[:, 0] <= 0.55 + 1e-12)
    assert low[0] == pytest.approx(0.45) and (low[1], high[1]) == (0.0, 1.0)
    changed = np.mean(draws[:, 1] != centre[1])
    assert 0.05 < changed < 0.15  # probability min(1, length) / n_categorical = 0.1

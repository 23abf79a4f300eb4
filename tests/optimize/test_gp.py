"""The Gaussian process on its own: gradients, warps and cheap conditioning."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from threadpoolctl import threadpool_limits

from sktune.optimize._gp import GaussianProcess


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # As the optimiser runs it: threaded BLAS only slows matrices this small.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _data(n=25, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.random((n, 5))
    Z[:, 3:] = np.eye(2)[rng.integers(2, size=n)]  # a one-hot categorical group
    y = np.sin(6 * Z[:, 0]) + Z[:, 1] ** 3 + 0.3 * Z[:, 3]
    return Z, (y - y.mean()) / y.std(), rng


def test_likelihood_gradient_matches_finite_differences_with_warped_inputs():
    Z, y, rng = _data()
    gp = GaussianProcess([0, 1, 2, 3, 3], warped=[0, 1, 2])
    sq_dists = gp._group_sq_dists(Z)
    theta = gp.default_theta() + rng.normal(0, 0.3, size=len(gp.default_theta()))
    analytic = gp._nll(theta, sq_dists, y, Z)[1]
    numeric = approx_fprime(theta, lambda t: gp._nll(t, sq_dists, y, Z)[0], 1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-4)


def test_prediction_gradients_match_finite_differences_with_warped_inputs():
    Z, y, rng = _data()
    gp = GaussianProcess([0, 1, 2, 3, 3], warped=[0, 1, 2]).fit(Z, y, rng)
    Zs = np.column_stack([rng.random((4, 3)), np.tile([1.0, 0.0], (4, 1))])
    mean, std, grad_mean, grad_std = gp.predict(Zs, grad_columns=[0, 1, 2])
    for column in range(3):
        step = np.zeros(5)
        step[column] = 1e-6
        mean_after, std_after = gp.predict(Zs + step, return_std=True)
        np.testing.assert_allclose(grad_mean[:, column], (mean_after - mean) / 1e-6, atol=1e-3)
        np.testing.assert_allclose(grad_std[:, column], (std_after - std) / 1e-6, atol=1e-3)


def test_learned_warp_fits_a_function_that_changes_scale_along_its_axis():
    # f varies fast near 0 and not at all after: a warp (a < 1) straightens it.
    rng = np.random.default_rng(1)
    x = np.sort(rng.random(20))[:, None]
    y = np.log(x[:, 0] + 1e-3)
    y = (y - y.mean()) / y.std()
    test = np.linspace(0.01, 1, 50)[:, None]
    truth = (np.log(test[:, 0] + 1e-3) - np.log(x[:, 0] + 1e-3).mean()) / np.log(
        x[:, 0] + 1e-3
    ).std()
    errors = {}
    for warped in ((), (0,)):
        gp = GaussianProcess([0], warped=warped).fit(x, y, np.random.default_rng(0))
        errors[warped] = np.abs(gp.predict(test) - truth).mean()
    assert errors[(0,)] < 0.7 * errors[()], errors
    assert gp.warp_a_[0] < 1.0


def test_conditioning_on_more_or_fewer_points_reuses_the_factor_exactly():
    Z, y, rng = _data()
    gp = GaussianProcess([0, 1, 2, 3, 3]).fit(Z, y, rng)
    more = np.vstack([Z, rng.random((3, 5))])
    more_y = np.concatenate([y, [0.1, 0.2, 0.3]])
    extended = gp.condition(more, more_y).L_.copy()
    fresh = GaussianProcess([0, 1, 2, 3, 3])
    fresh.theta_ = gp.theta_.copy()
    fresh.condition(more, more_y)
    np.testing.assert_allclose(extended, fresh.L_, atol=1e-10)
    np.testing.assert_allclose(gp.alpha_, fresh.alpha_, atol=1e-6)
    cut = gp.condition(Z, y).L_.copy()
    fresh.condition(Z, y)
    np.testing.assert_allclose(cut, fresh.L_, atol=1e-10)


def test_a_warped_column_must_have_its_own_length_scale():
    with pytest.raises(ValueError, match="alone in its length-scale group"):
        GaussianProcess([0, 0, 1], warped=[0])

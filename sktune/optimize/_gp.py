"""A small Gaussian process regressor built for the inner loop of Bayesian search.

scikit-learn's ``GaussianProcessRegressor`` is general but slow for this job: it
recomputes pairwise distances for every hyper-parameter evaluation, cannot
re-condition on fantasised points without a refit, and gives no gradient of the
predictive mean and deviation with respect to the inputs. This one does only
what the optimiser needs, with analytic gradients everywhere:

- a Matérn-5/2 kernel with one length-scale per *group* of input columns (a
  one-hot encoded categorical axis is one group, so it has one length-scale),
  a learned amplitude and a learned white-noise variance;
- optionally, a learned Kumaraswamy warp of chosen input columns (as HEBO
  does), so that one axis can vary fast in part of its range and slowly
  elsewhere;
- a zero prior mean (the caller standardises the targets);
- hyper-parameters fitted by maximising the log marginal likelihood plus a
  weak log-normal prior on the length-scales, with L-BFGS-B and analytic
  gradients, warm-started from the previous fit.
"""

import math

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.linalg.lapack import dpotri
from scipy.optimize import minimize

_SQRT5 = math.sqrt(5.0)
# Bounds on log hyper-parameters. Targets are standardised and inputs live in
# the unit cube, so these are wide: a length-scale of 20 makes an axis nearly
# irrelevant, one of 0.01 lets the surrogate resolve features ~1% of the range.
_LOG_AMPLITUDE_BOUNDS = (math.log(1e-2), math.log(1e2))
_LOG_LENGTH_SCALE_BOUNDS = (math.log(1e-2), math.log(20.0))
_LOG_NOISE_BOUNDS = (math.log(1e-6), math.log(1.0))
_JITTER = 1e-8
# Log-normal prior on each length-scale (median 0.5, log-sd 1.5), added to the
# negative log likelihood. Maximum likelihood with 10-30 points often makes a
# relevant axis look irrelevant (length-scale at its upper bound) and then never
# searches it: on Hartmann-6 the prior cut the mean regret after 30 evaluations
# from 0.66 to 0.26, while staying weak enough that truly irrelevant axes still
# reach long length-scales (Branin hidden in 6-D: 0.03, against 0.09 with a
# log-sd of 1 and 0.54 with BoTorch's former Gamma(3, 6) prior).
_LOG_LENGTH_SCALE_PRIOR = (math.log(0.5), 1.5)
# Kumaraswamy warp w(x) = 1 - (1 - x^a)^b of an input column: a, b in [1/5, 5]
# with a log-normal prior centred on the identity (a = b = 1).
_LOG_WARP_BOUNDS = (math.log(0.2), math.log(5.0))
_LOG_WARP_PRIOR_SD = 0.75
_WARP_EPS = 1e-6
# L-BFGS-B stopping rule of the hyper-parameter fit. Its defaults polish the
# marginal likelihood to 1e-9; stopping at 1e-6 (relative) or a projected
# gradient of 1e-3 changed the log marginal likelihood by < 0.01 on 30-100
# points and took a third fewer iterations.
_FIT_TOLERANCES = {"ftol": 1e-6, "gtol": 1e-3}


def _matern52(r):
    """Kernel value and ``-(dk/dr) / r`` (the factor every gradient needs)."""
    e = np.exp(-_SQRT5 * r)
    return (1.0 + _SQRT5 * r + (5.0 / 3.0) * r * r) * e, (5.0 / 3.0) * (
        1.0 + _SQRT5 * r
    ) * e


def _length_scale_prior(log_length_scales):
    """Negative log prior density (up to a constant) and its gradient."""
    median, sd = _LOG_LENGTH_SCALE_PRIOR
    z = (log_length_scales - median) / sd
    return 0.5 * float(z @ z), z / sd


def _kumaraswamy(x, a, b):
    """Warp of each column of ``x``, and its derivatives in log a, log b and x."""
    x = np.clip(x, _WARP_EPS, 1.0 - _WARP_EPS)
    xa = x**a
    rest = 1.0 - xa
    rest_b = rest**b
    d_log_a = a * b * rest ** (b - 1.0) * xa * np.log(x)
    d_log_b = -b * rest_b * np.log(rest)
    d_x = a * b * x ** (a - 1.0) * rest ** (b - 1.0)
    return 1.0 - rest_b, d_log_a, d_log_b, d_x


def _pair_sum(P, z, u):
    """``sum_ik P_ik (z_i - z_k)(u_i - u_k)`` for a symmetric ``P``, in O(n^2)."""
    return 2.0 * (z * u) @ P.sum(axis=1) - 2.0 * z @ (P @ u)


class GaussianProcess:
    """Matérn-5/2 ARD Gaussian process with learned noise.

    Parameters
    ----------
    groups : array-like of int, shape (n_columns,)
        Length-scale index of each input column; columns sharing an index share
        a length-scale. Indices must cover ``0 .. n_groups - 1``.
    warped : array-like of int
        Input columns (in ``[0, 1]``, each alone in its group) whose values go
        through a learned Kumaraswamy warp before the kernel.

    Attributes
    ----------
    amplitude_ : float
        Signal variance of the kernel.
    length_scales_ : ndarray of shape (n_groups,)
        One length-scale per group of columns.
    noise_ : float
        Variance of the white noise added to the diagonal.
    warp_a_, warp_b_ : ndarray of shape (n_warped,)
        Kumaraswamy parameters of the warped columns.
    log_marginal_likelihood_ : float
        Log marginal likelihood of the training targets at the fitted values.
    """

    def __init__(self, groups, warped=()):
        self.groups = np.asarray(groups, dtype=int)
        self.n_groups = int(self.groups.max()) + 1 if len(self.groups) else 0
        self.warped = np.asarray(warped, dtype=int).reshape(-1)
        self.n_warped = len(self.warped)
        self._warped_groups = self.groups[self.warped]
        if np.any(np.bincount(self.groups, minlength=self.n_groups)[self._warped_groups] != 1):
            raise ValueError("A warped column must be alone in its length-scale group.")
        self.theta_ = None
        self._conditioned_on = None  # theta_ at the last conditioning

    # -- hyper-parameters -----------------------------------------------------------
    # theta = log of [amplitude, length-scales (G), warp a (W), warp b (W), noise]
    @property
    def bounds(self):
        return (
            [_LOG_AMPLITUDE_BOUNDS]
            + [_LOG_LENGTH_SCALE_BOUNDS] * self.n_groups
            + [_LOG_WARP_BOUNDS] * (2 * self.n_warped)
            + [_LOG_NOISE_BOUNDS]
        )

    def default_theta(self):
        return np.array(
            [0.0]
            + [math.log(0.5)] * self.n_groups
            + [0.0] * (2 * self.n_warped)
            + [math.log(1e-3)]
        )

    def _unpack(self, theta):
        return (
            math.exp(theta[0]),
            np.exp(theta[1 : 1 + self.n_groups]),
            math.exp(theta[-1]),
        )

    def _warp_parameters(self, theta):
        start = 1 + self.n_groups
        return (
            np.exp(theta[start : start + self.n_warped]),
            np.exp(theta[start + self.n_warped : start + 2 * self.n_warped]),
        )

    def _prior(self, theta):
        """Negative log prior of length-scales and warps, and its gradient."""
        value, grad = 0.0, np.zeros_like(theta)
        value, grad[1 : 1 + self.n_groups] = _length_scale_prior(
            theta[1 : 1 + self.n_groups]
        )
        warps = theta[1 + self.n_groups : -1]
        value += 0.5 * float(warps @ warps) / _LOG_WARP_PRIOR_SD**2
        grad[1 + self.n_groups : -1] = warps / _LOG_WARP_PRIOR_SD**2
        return value, grad

    def _warp(self, Z, theta):
        """Inputs with the warped columns warped, and the warps' derivatives."""
        if not self.n_warped:
            return Z, None
        a, b = self._warp_parameters(theta)
        warped, d_log_a, d_log_b, d_x = _kumaraswamy(Z[:, self.warped], a, b)
        Z = Z.copy()
        Z[:, self.warped] = warped
        return Z, (d_log_a, d_log_b, d_x)

    @property
    def warp_a_(self):
        return self._warp_parameters(self.theta_)[0]

    @property
    def warp_b_(self):
        return self._warp_parameters(self.theta_)[1]

    @property
    def amplitude_(self):
        return self._unpack(self.theta_)[0]

    @property
    def length_scales_(self):
        return self._unpack(self.theta_)[1]

    @property
    def noise_(self):
        return self._unpack(self.theta_)[2]

    # -- fitting --------------------------------------------------------------------
    def _group_sq_dists(self, Z):
        """Squared differences summed within each group, shape (n * n, G).

        They do not depend on the hyper-parameters, so a fit computes them once
        and every likelihood evaluation is a matrix-vector product away from r².
        """
        diff2 = (Z[:, None, :] - Z[None, :, :]) ** 2
        out = np.zeros((len(Z), len(Z), self.n_groups))
        for g in range(self.n_groups):
            out[:, :, g] = diff2[:, :, self.groups == g].sum(axis=2)
        return out.reshape(-1, self.n_groups)

    def _nll(self, theta, sq_dists, y, Z=None):
        """Negative log marginal likelihood and its gradient in ``theta``.

        ``sq_dists`` holds the groups' squared distances of the unwarped
        inputs ``Z``; the warped groups' columns are recomputed here.
        """
        n = len(y)
        amplitude, length_scales, noise = self._unpack(theta)
        inv_l2 = 1.0 / length_scales**2
        if self.n_warped:
            Zw, (d_log_a, d_log_b, _) = self._warp(Z, theta)
            warped = Zw[:, self.warped]
            warped_sq = ((warped[:, None, :] - warped[None, :, :]) ** 2).reshape(n * n, -1)
            fixed_inv_l2 = inv_l2.copy()
            fixed_inv_l2[self._warped_groups] = 0.0
            r2 = sq_dists @ fixed_inv_l2 + warped_sq @ inv_l2[self._warped_groups]
        else:
            r2 = sq_dists @ inv_l2
        r = np.sqrt(r2).reshape(n, n)
        m, dm = _matern52(r)
        K = amplitude * m
        K[np.diag_indices_from(K)] += noise + _JITTER
        try:
            L = cholesky(K, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return 1e25, np.zeros_like(theta)
        alpha = cho_solve((L, True), y, check_finite=False)
        nll = (
            0.5 * y @ alpha + np.log(np.diag(L)).sum() + 0.5 * n * math.log(2 * math.pi)
        )
        # dNLL/dtheta = 0.5 tr(W dK/dtheta) with W = K^-1 - alpha alpha^T;
        # potri inverts from the Cholesky factor at a third of a solve's cost.
        K_inv, info = dpotri(L, lower=1)
        if info != 0:
            return 1e25, np.zeros_like(theta)
        K_inv = np.tril(K_inv) + np.tril(K_inv, -1).T
        W = K_inv - np.outer(alpha, alpha)
        W_dm = W * dm
        grad = np.empty_like(theta)
        grad[0] = 0.5 * amplitude * np.vdot(W, m)
        W_dm_flat = W_dm.ravel()
        grad[1 : 1 + self.n_groups] = 0.5 * amplitude * (W_dm_flat @ sq_dists) * inv_l2
        if self.n_warped:
            grad[1 + self._warped_groups] = (
                0.5 * amplitude * (W_dm_flat @ warped_sq) * inv_l2[self._warped_groups]
            )
            # dK/dw = -amplitude * dm * (z_i - z_k) * (dz_i - dz_k) / l^2
            start = 1 + self.n_groups
            for k, (col, g) in enumerate(zip(self.warped, self._warped_groups, strict=True)):
                scale = -0.5 * amplitude * inv_l2[g]
                z = Zw[:, col]
                grad[start + k] = scale * _pair_sum(W_dm, z, d_log_a[:, k])
                grad[start + self.n_warped + k] = scale * _pair_sum(
                    W_dm, z, d_log_b[:, k]
                )
        grad[-1] = 0.5 * noise * np.trace(W)
        prior, prior_grad = self._prior(theta)
        return nll + prior, grad + prior_grad

    def fit(self, Z, y, rng, theta0=None, n_restarts=1, max_iter=100):
        """Fit hyper-parameters to ``(Z, y)``, then condition on the data.

        Starts from ``theta0`` (or the default) and ``n_restarts`` random points
        drawn from ``rng``; keeps the start with the highest marginal likelihood.
        """
        Z = np.asarray(Z, dtype=float)
        y = np.asarray(y, dtype=float)
        sq_dists = self._group_sq_dists(Z)
        bounds = np.array(self.bounds)
        starts = [self.default_theta() if theta0 is None else np.asarray(theta0, float)]
        starts += [rng.uniform(bounds[:, 0], bounds[:, 1]) for _ in range(n_restarts)]
        best = None
        for start in starts:
            result = minimize(
                self._nll,
                np.clip(start, bounds[:, 0], bounds[:, 1]),
                args=(sq_dists, y, Z),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": max_iter, **_FIT_TOLERANCES},
            )
            if best is None or result.fun < best.fun:
                best = result
        self.theta_ = best.x
        self.log_marginal_likelihood_ = -float(best.fun) + self._prior(best.x)[0]
        return self.condition(Z, y)

    def condition(self, Z, y):
        """Condition on ``(Z, y)`` with the current hyper-parameters (no refit).

        Cheap enough to call once per fantasised point of a batch: when ``Z``
        extends (or is a leading part of) the inputs last conditioned on, the
        Cholesky factor is extended by a block (or cut) instead of recomputed.
        """
        Z = np.asarray(Z, dtype=float)
        self.y_train_ = np.asarray(y, dtype=float)
        amplitude, _, noise = self._unpack(self.theta_)
        Zw = self._warp(Z, self.theta_)[0]
        n_old = len(self.Z_) if self._conditioned_on is self.theta_ else 0
        if n_old and len(Z) < n_old and np.array_equal(Z, self.Z_[: len(Z)]):
            self.L_ = self.L_[: len(Z), : len(Z)]
        elif n_old and len(Z) >= n_old and np.array_equal(Z[:n_old], self.Z_):
            self.Z_, self.Zw_ = Z, Zw
            new = Zw[n_old:]
            K_cross = amplitude * self._kernel_terms(new, Zw[:n_old])[0]
            K_new = amplitude * self._kernel_terms(new, new)[0]
            K_new[np.diag_indices_from(K_new)] += noise + _JITTER
            L_cross = solve_triangular(self.L_, K_cross.T, lower=True, check_finite=False)
            L_new = cholesky(K_new - L_cross.T @ L_cross, lower=True, check_finite=False)
            self.L_ = np.block(
                [[self.L_, np.zeros((n_old, len(new)))], [L_cross.T, L_new]]
            )
        else:
            K = amplitude * self._kernel_terms(Zw, Zw)[0]
            K[np.diag_indices_from(K)] += noise + _JITTER
            self.L_ = cholesky(K, lower=True, check_finite=False)
        self.Z_, self.Zw_ = Z, Zw
        self._conditioned_on = self.theta_
        self.alpha_ = cho_solve((self.L_, True), self.y_train_, check_finite=False)
        return self

    # -- prediction -----------------------------------------------------------------
    def _kernel_terms(self, Zs, Zt):
        """Matérn values and ``-(dk/dr)/r`` between (warped) ``Zs`` and ``Zt``."""
        inv_l2 = 1.0 / self.length_scales_[self.groups] ** 2
        # Expanded squared distance: one matrix product instead of an (m, n, p) array.
        a = (Zs**2 * inv_l2).sum(axis=1)
        b = (Zt**2 * inv_l2).sum(axis=1)
        r2 = a[:, None] + b[None, :] - 2.0 * (Zs * inv_l2) @ Zt.T
        return _matern52(np.sqrt(np.maximum(r2, 0.0)))

    def predict(self, Zs, return_std=False, grad_columns=None):
        """Posterior mean (and standard deviation of the latent function).

        With ``grad_columns`` (indices of input columns), also return the
        gradients of mean and std with respect to those columns, each of shape
        ``(n_points, len(grad_columns))``.
        """
        Zs = np.atleast_2d(np.asarray(Zs, dtype=float))
        Zs, derivatives = self._warp(Zs, self.theta_)
        m, dm = self._kernel_terms(Zs, self.Zw_)
        amplitude = self.amplitude_
        k = amplitude * m  # (m, n)
        mean = k @ self.alpha_
        if not return_std and grad_columns is None:
            return mean
        v = solve_triangular(self.L_, k.T, lower=True, check_finite=False)
        var = np.maximum(amplitude - (v * v).sum(axis=0), 1e-12)
        std = np.sqrt(var)
        if grad_columns is None:
            return mean, std
        beta = solve_triangular(
            self.L_.T, v, lower=False, check_finite=False
        ).T  # K^-1 k
        inv_l2 = 1.0 / self.length_scales_[self.groups] ** 2
        warp_slope = dict.fromkeys(grad_columns, 1.0)
        if derivatives is not None:
            for k_warped, col in enumerate(self.warped):
                if col in warp_slope:
                    warp_slope[col] = derivatives[2][:, k_warped]
        grad_mean = np.empty((len(Zs), len(grad_columns)))
        grad_std = np.empty_like(grad_mean)
        for out, col in enumerate(grad_columns):
            # dk/dz = -(dk/dr)/r * r * dr/dz = -amplitude * dm * (z - z') / l^2,
            # times dz/dx where the column is warped.
            dk = (
                -amplitude
                * dm
                * (Zs[:, col][:, None] - self.Zw_[:, col][None, :])
                * inv_l2[col]
            )
            grad_mean[:, out] = (dk @ self.alpha_) * warp_slope[col]
            grad_std[:, out] = -(beta * dk).sum(axis=1) / std * warp_slope[col]
        return mean, std, grad_mean, grad_std

"""Bayesian optimisation with a Gaussian-process surrogate, as an ask/tell object."""

import functools
import math
from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import ThreadpoolController

from ._acquisition import ACQUISITIONS, PORTFOLIO, utility
from ._base import CATEGORICAL, CONTINUOUS, BaseOptimizer, levels, snap
from ._gp import GaussianProcess
from ._trust_region import TrustRegion
from ._warping import warp_values

_LIES = ("min", "mean", "max")
# Candidate pool for the acquisition: uniform draws cover the cube, draws from
# the trust region around the incumbent refine it; the best few are polished
# by L-BFGS-B. Measured with benchmarks/ablation.py: 300 + 300 candidates, 2
# polished for 30 steps and refits after 20% more data saved ~2 ms a proposal
# and lost 4.5 points of the suite mean.
_N_UNIFORM_CANDIDATES = 500
_N_REGION_CANDIDATES = 500
_N_POLISHED = 3
_POLISH_ITERATIONS = 50
# Learn a Kumaraswamy warp of every continuous and ordinal input (as HEBO
# does): +4 points of the suite mean, and the GP stops reading a parameter
# that matters in one part of its range as irrelevant everywhere.
_INPUT_WARPING = True
# Full hyper-parameter fits are the costliest step of a proposal. Between two
# fits the surrogate keeps its hyper-parameters and is only conditioned on the
# new data; a fit is due once the data has grown by this fraction since the
# last. 0.1 cost nothing measurable in quality and cut proposal time by ~40%.
_REFIT_FRACTION = 0.1
# A warm-started fit tracks the optimum between consecutive fits; a random
# restart every few fits escapes a local optimum of the marginal likelihood.
_RESTART_EVERY = 5
# Improvement is measured against the lowest value the surrogate predicts at a
# told point ("plug-in" EI, Picheny et al. 2013), not the lowest told value.
# With noisy scores the lowest told value is partly luck; improving on it then
# looks hopeless near the good region and the search keeps exploring. Measured
# with benchmarks/quality.py (5 seeds): suite mean unchanged at 32 and 100
# candidates, mlp-wine at 100 from -12.6 to +26.1 and rf-synth from -1.4 to +3.6
# (below random search before). Without noise the two are the same.
_PLUGIN_INCUMBENT = True


@functools.cache
def _blas_controller():
    # Built on first use, once NumPy's and SciPy's BLAS libraries are loaded;
    # re-inspecting them on every ask would cost a millisecond each time.
    return ThreadpoolController()


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}.")


def _check_real(name, value, low):
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not math.isfinite(value)
        or value < low
    ):
        raise ValueError(
            f"{name} must be a finite real number >= {low}, got {value!r}."
        )


class GPOptimizer(BaseOptimizer):
    """Gaussian-process Bayesian optimiser on the unit cube (values are minimised).

    The first ``n_initial_points`` successful evaluations come from a scrambled
    Sobol sequence. After that, each ``ask`` fits a Matérn-5/2 ARD Gaussian
    process with learned noise to all told values and proposes the unseen points
    that maximise the acquisition function. Categorical axes are one-hot encoded
    (one length-scale per axis); ordinal axes use their numeric coordinate.

    Parameters
    ----------
    coordinates : sequence of Coordinate
        One entry per dimension of the unit cube.
    random_state : int, numpy.random.Generator or None
        Source of all randomness; the same seed gives the same asks.
    n_initial_points : int or None
        Successful quasi-random evaluations before the surrogate is used.
        None means ``max(5, min(2 * n_dims + 1, 10))``: enough points to give
        each length-scale some data in low dimensions, capped because beyond
        ten points the surrogate explores better than a space-filling design.
    acquisition : {"ei", "lcb", "pi", "hedge"}
        Expected improvement, lower confidence bound, probability of
        improvement, or a GP-Hedge portfolio of the three that favours whichever
        has recently proposed the points the surrogate now rates best.
    xi : float
        Improvement margin for "ei" and "pi", in units of the standard deviation
        of the (transformed) observed values; larger explores more. "pi" is
        greedy at the default and needs about 0.1 or more.
    kappa : float
        Weight of the standard deviation in "lcb"; larger explores more.
    lie : {"min", "mean", "max"}
        Constant-liar value given to pending points (asked in the same batch or
        in an earlier ``ask`` but not yet told) so that a batch is spread out:
        the best, mean or worst observed (transformed) value. Each lie shrinks
        the surrogate's uncertainty at the pending point without a refit;
        "mean" gave the lowest regret with batches of 5 on Branin and
        Hartmann-6, "max" spreads a batch the most, "min" exploits the most.

    Attributes
    ----------
    X_, y_ : ndarray
        Told points and values (NaN for failed evaluations).
    n_initial_points_ : int
        The resolved size of the initial design.
    gp_ : GaussianProcess or None
        The surrogate fitted at the last ``ask`` after the initial design. Its
        fitted hyper-parameters are ``amplitude_``, ``noise_`` and
        ``length_scales_`` (one per coordinate in order, skipping one-level
        discrete coordinates), on the transformed values; see :meth:`predict`.
    hedge_gains_ : ndarray of shape (3,)
        Cumulative gains of "ei", "pi", "lcb" when ``acquisition="hedge"``.

    Notes
    -----
    Failed evaluations (NaN) are given the worst successful value for the fit,
    so the surrogate steers away from them; until ``n_initial_points``
    evaluations have succeeded, asks stay quasi-random. Told values are
    Yeo-Johnson warped and standardised before the fit, because scores are
    often heavy-tailed. Improvement ("ei", "pi") is measured against the lowest
    value the surrogate predicts at a told point, which is the lowest told
    value when it sees no noise and is not fooled by one lucky score when it
    does. A batch is chosen one point at a time, each chosen
    point conditioned into the surrogate with the ``lie`` value (no refit).

    Examples
    --------
    >>> from sktune.optimize._base import Coordinate
    >>> from sktune.optimize.bayes import GPOptimizer
    >>> opt = GPOptimizer([Coordinate("continuous")] * 2, random_state=0)
    >>> for _ in range(12):
    ...     x = opt.ask()
    ...     opt = opt.tell(x, ((x - 0.3) ** 2).sum(axis=1))
    >>> opt.X_.shape
    (12, 2)
    """

    def __init__(
        self,
        coordinates,
        random_state=None,
        *,
        n_initial_points=None,
        acquisition="ei",
        xi=0.01,
        kappa=1.96,
        lie="mean",
    ):
        super().__init__(coordinates, random_state)
        if n_initial_points is not None and (
            isinstance(n_initial_points, bool)
            or not isinstance(n_initial_points, Integral)
            or n_initial_points < 1
        ):
            raise ValueError(
                f"n_initial_points must be an int >= 1 or None, got {n_initial_points!r}."
            )
        _check_choice("acquisition", acquisition, ACQUISITIONS)
        _check_choice("lie", lie, _LIES)
        _check_real("xi", xi, 0.0)
        _check_real("kappa", kappa, 0.0)
        self.n_initial_points = n_initial_points
        self.acquisition = acquisition
        self.xi, self.kappa, self.lie = float(xi), float(kappa), lie
        self.n_initial_points_ = (
            max(5, min(2 * self.n_dims + 1, 10))
            if n_initial_points is None
            else int(n_initial_points)
        )
        self._build_encoding()
        self.gp_ = None
        self.hedge_gains_ = np.zeros(len(PORTFOLIO))
        self._hedge_nominees = []
        self.trust_region_ = TrustRegion(self.n_dims)
        self._pinned = {}
        self._n_fitted = 0
        self._n_fits = 0
        self._n_at_fit = 0  # told points at the last hyper-parameter fit

    def pin(self, values):
        """Hold some coordinates at given values in the surrogate's proposals.

        The surrogate still learns from points told at any value of those
        coordinates: a budget given to it as an input is pinned at the largest,
        so that it proposes what it expects to be best at the full budget.
        Quasi-random points (the initial design, and those that top up a batch)
        are not pinned.

        Parameters
        ----------
        values : dict of int to float
            Unit-cube value of each pinned axis, by axis index.

        Returns
        -------
        self
        """
        self._pinned = {int(axis): float(value) for axis, value in values.items()}
        return self

    # -- encoding -----------------------------------------------------------------
    def _build_encoding(self):
        """Columns of the GP input, the length-scale group of each, and of each axis."""
        groups, self._continuous_axes, self._continuous_columns = [], [], []
        self._numeric_columns = []  # continuous and ordinal: the warpable ones
        self._axis_group = np.full(self.n_dims, -1)
        for j, coord in enumerate(self.coordinates):
            if coord.is_discrete and coord.n_levels == 1:
                continue  # a constant axis carries no information
            group = groups[-1] + 1 if groups else 0
            self._axis_group[j] = group
            width = coord.n_levels if coord.kind == CATEGORICAL else 1
            if coord.kind == CONTINUOUS:
                self._continuous_axes.append(j)
                self._continuous_columns.append(len(groups))
            if coord.kind != CATEGORICAL:
                self._numeric_columns.append(len(groups))
            groups.extend([group] * width)
        self._groups = np.array(groups, dtype=int)

    def _new_gp(self):
        warped = self._numeric_columns if _INPUT_WARPING else ()
        return GaussianProcess(self._groups, warped=warped)

    def _encode(self, points):
        columns = []
        for j, coord in enumerate(self.coordinates):
            if coord.is_discrete and coord.n_levels == 1:
                continue
            if coord.kind == CATEGORICAL:
                columns.append(
                    np.eye(coord.n_levels)[levels(points, j, self.coordinates)]
                )
            else:
                columns.append(points[:, j : j + 1])
        return np.hstack(columns)

    # -- surrogate -------------------------------------------------------------------
    def _observe(self, points, values):
        """Count the tell as a success or failure of the trust region."""
        told = self.y_[np.isfinite(self.y_)]
        before = self.y_[: len(self.y_) - len(values)]
        before = before[np.isfinite(before)]
        if len(before) and len(told):
            self.trust_region_.update(
                before.min(), told.min(), np.ptp(told), batch_size=len(values)
            )

    def _fit(self):
        """Refit the surrogate if points were told since the last fit.

        The hyper-parameters are refitted when the data has grown by
        ``_REFIT_FRACTION`` since they were last fitted; in between, the
        surrogate is conditioned on the new data with the ones it has.
        """
        n_told = len(self.y_)
        if self._n_fitted == n_told and self.gp_ is not None:
            return
        Z, y = self._encode(self.X_), warp_values(self.y_)
        due = self.gp_ is None or n_told - self._n_at_fit >= max(
            1, int(_REFIT_FRACTION * n_told)
        )
        if due:
            previous = None if self.gp_ is None else self.gp_.theta_
            gp = self._new_gp()
            restarts = 2 if previous is None else int(self._n_fits % _RESTART_EVERY == 0)
            gp.fit(Z, y, self.rng, theta0=previous, n_restarts=restarts)
            self._n_at_fit, self._n_fits = n_told, self._n_fits + 1
        else:
            gp = self.gp_.condition(Z, y)
        self.gp_, self._y_train = gp, y
        self._n_fitted = n_told
        if self._hedge_nominees:
            # GP-Hedge: reward each acquisition by how good the refitted
            # surrogate now thinks its earlier nominees are.
            for nominees in self._hedge_nominees:
                self.hedge_gains_ -= gp.predict(self._encode(nominees))
            self._hedge_nominees = []

    def predict(self, points, return_std=False):
        """Surrogate mean (and std) at unit-cube points, on the transformed scale.

        The scale is that of the standardised, Yeo-Johnson-warped values the GP
        is fitted to: lower is better, as for the told values.
        """
        if self.gp_ is None:
            raise RuntimeError("No surrogate yet: ask after the initial design first.")
        points = snap(points, self.coordinates)
        return self.gp_.predict(self._encode(points), return_std=return_std)

    # -- proposing --------------------------------------------------------------------
    def _in_initial_design(self, n_seen, n_succeeded):
        # Failed evaluations do not count: the design goes on until enough succeed.
        return n_succeeded < self.n_initial_points_

    def _propose(self, n_points):
        n_finite = int(np.isfinite(self.y_).sum())
        if n_finite < self.n_initial_points_ or len(self._groups) == 0:
            return np.empty((0, self.n_dims))  # the base fills with Sobol points
        # The matrices are at most a few hundred wide, too small for threaded
        # BLAS to pay off; on a machine busy with CV workers, OpenBLAS's
        # spinning threads made a proposal 10-30x slower in our benchmark.
        with _blas_controller().limit(limits=1, user_api="blas"):
            return self._propose_with_surrogate(n_points)

    def _propose_with_surrogate(self, n_points):
        self._fit()
        gp, y = self.gp_, self._y_train
        Z_train = self._encode(self.X_)
        lie = {"min": y.min(), "mean": y.mean(), "max": y.max()}[self.lie]
        candidates, low, high = self._candidates()
        fantasies = list(self._pending.values())
        best = gp.predict(Z_train).min() if _PLUGIN_INCUMBENT else y.min()
        chosen, taken = [], set()
        for _ in range(n_points):
            if fantasies:
                gp.condition(
                    np.vstack([Z_train, self._encode(np.array(fantasies))]),
                    np.concatenate([y, np.full(len(fantasies), lie)]),
                )
            point = self._next_point(candidates, low, high, best, taken)
            if point is None:
                break
            chosen.append(point)
            fantasies.append(point)
            taken.add(self._key(point))
        if fantasies:
            gp.condition(Z_train, y)  # leave gp_ describing real observations only
        return np.reshape(np.array(chosen), (-1, self.n_dims))

    def _candidates(self):
        """Snapped candidates, with the box each may be polished in.

        Uniform draws over the cube (their box is the cube) and draws from the
        trust region around the best told point (their box is the region),
        shaped by the surrogate's length-scales.
        """
        uniform = self.rng.random((_N_UNIFORM_CANDIDATES, self.n_dims))
        scales = np.full(self.n_dims, np.nan)
        known = self._axis_group >= 0
        scales[known] = self.gp_.length_scales_[self._axis_group[known]]
        region = self.trust_region_
        half = region.half_widths(scales, self.coordinates)
        local, low, high = region.sample(
            self.X_[self.best_index_], half, self.coordinates,
            _N_REGION_CANDIDATES, self.rng,
        )
        candidates = snap(np.vstack([uniform, local]), self.coordinates)
        low = np.vstack([np.zeros_like(uniform), np.broadcast_to(low, local.shape)])
        high = np.vstack([np.ones_like(uniform), np.broadcast_to(high, local.shape)])
        for axis, value in self._pinned.items():
            candidates[:, axis] = low[:, axis] = high[:, axis] = value
        return candidates, low, high

    def _next_point(self, candidates, low, high, best, taken):
        """Best unseen point under the acquisition (a hedge picks one by its gains)."""
        if self.acquisition != "hedge":
            return self._maximise(self.acquisition, candidates, low, high, best, taken)
        nominees = [
            self._maximise(name, candidates, low, high, best, taken)
            for name in PORTFOLIO
        ]
        if nominees[0] is None:
            return None
        logits = self.hedge_gains_ - self.hedge_gains_.max()
        probs = np.exp(logits) / np.exp(logits).sum()
        self._hedge_nominees.append(np.array(nominees))
        return nominees[self.rng.choice(len(nominees), p=probs)]

    def _maximise(self, name, candidates, low, high, best, taken):
        gp = self.gp_
        mean, std = gp.predict(self._encode(candidates), return_std=True)
        values = utility(name, mean, std, best, self.xi, self.kappa)
        starts = []
        for i in np.argsort(-values, kind="stable"):
            key = self._key(candidates[i])
            if key not in taken and key not in self._seen:
                starts.append(i)
                if len(starts) == _N_POLISHED:
                    break
        if not starts:
            return None
        pool, pool_values = candidates[starts], values[starts]
        if self._continuous_axes:
            polished = snap(
                self._polish(name, pool, low[starts], high[starts], best),
                self.coordinates,
            )
            polished_values = utility(
                name,
                *gp.predict(self._encode(polished), True),
                best,
                self.xi,
                self.kappa,
            )
            pool = np.vstack([polished, pool])
            pool_values = np.concatenate([polished_values, pool_values])
        for i in np.argsort(-pool_values, kind="stable"):
            key = self._key(pool[i])
            if key not in taken and key not in self._seen:
                return pool[i]
        return None

    def _polish(self, name, starts, low, high, best):
        """L-BFGS-B on the continuous axes of all starts at once (discrete fixed).

        The starts are independent, so maximising the sum of their utilities is
        the same as maximising each, at the cost of one scipy call. Each start
        stays in its own box.
        """
        axes, columns = self._continuous_axes, self._continuous_columns
        shape = (len(starts), len(axes))

        def negative_utility(flat):
            points = starts.copy()
            points[:, axes] = flat.reshape(shape)
            mean, std, grad_mean, grad_std = self.gp_.predict(
                self._encode(points), grad_columns=columns
            )
            value, grad = utility(
                name, mean, std, best, self.xi, self.kappa, grad_mean, grad_std
            )
            return -value.sum(), -grad.ravel()

        bounds = np.column_stack([low[:, axes].ravel(), high[:, axes].ravel()])
        result = minimize(
            negative_utility,
            np.clip(starts[:, axes].ravel(), bounds[:, 0], bounds[:, 1]),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": _POLISH_ITERATIONS},
        )
        polished = starts.copy()
        polished[:, axes] = result.x.reshape(shape)
        return polished

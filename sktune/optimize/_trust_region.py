"""A trust region around the incumbent, in the manner of TuRBO (Eriksson et al., 2019).

A box centred on the best told point, whose side grows after a run of
improvements and shrinks after a run of failures. Searching the acquisition
inside it turns a global model into a local, exploiting search once the model
has found a good basin; its side, shaped by the surrogate's length-scales,
says how far that basin extends along each axis. The state changes only in
:meth:`TrustRegion.update`, once per tell, so it is a function of the sequence
of tells.
"""

import math

import numpy as np

from ._base import CATEGORICAL

# TuRBO's schedule: side 0.8 of the cube at first, doubled after 3 successive
# improvements, halved after max(4, n_dims) / batch successive failures, and
# reset once it falls below 2^-7.
_INITIAL_LENGTH = 0.8
_MIN_LENGTH = 0.5**7
_MAX_LENGTH = 1.6
_SUCCESS_TOLERANCE = 3
# An improvement smaller than this fraction of the spread of the told values
# counts as a failure: noise should not keep the region from shrinking.
_RELATIVE_IMPROVEMENT = 1e-3
# TuRBO perturbs each axis of a candidate with probability min(1, 20 / n_dims),
# so that in high dimensions a candidate moves a few axes at a time.
_PERTURBED_AXES = 20.0


class TrustRegion:
    """Side length and success/failure counters of one trust region.

    Parameters
    ----------
    n_dims : int
        Dimension of the unit cube.

    Attributes
    ----------
    length : float
        Current side of the box (before the per-axis weights).
    n_restarts : int
        How many times the box shrank below its minimum and was reset.
    """

    def __init__(self, n_dims):
        self.n_dims = n_dims
        self.length = _INITIAL_LENGTH
        self.n_restarts = 0
        self._successes = 0
        self._failures = 0

    def failure_tolerance(self, batch_size=1):
        """Failed tells in a row that halve the box: ``ceil(max(4, n_dims) / batch)``.

        A tell of a batch counts once, so larger batches shrink the box after
        fewer tells (TuRBO's rule).
        """
        return math.ceil(max(4.0, self.n_dims) / max(1, batch_size))

    def update(self, best_before, best_after, spread, batch_size=1):
        """Count one tell of ``batch_size`` points as a success or a failure."""
        if not math.isfinite(best_before):
            return  # nothing to compare against yet
        if best_after < best_before - _RELATIVE_IMPROVEMENT * spread:
            self._successes, self._failures = self._successes + 1, 0
        else:
            self._successes, self._failures = 0, self._failures + 1
        if self._successes >= _SUCCESS_TOLERANCE:
            self.length = min(2.0 * self.length, _MAX_LENGTH)
            self._successes = 0
        elif self._failures >= self.failure_tolerance(batch_size):
            self.length /= 2.0
            self._failures = 0
        if self.length < _MIN_LENGTH:
            self.length = _INITIAL_LENGTH
            self.n_restarts += 1

    def half_widths(self, length_scales, coordinates):
        """Half-side of the box along each axis of the unit cube.

        ``length_scales`` has one entry per axis (NaN where the surrogate has
        none). Axes are stretched in proportion to their length-scale, with
        the geometric mean kept at ``length`` (TuRBO); a discrete axis is at
        least one level wide on each side, or the box would hold one level.
        """
        scales = np.asarray(length_scales, dtype=float)
        known = np.isfinite(scales)
        weights = np.ones(self.n_dims)
        if known.any():
            scales = np.clip(scales[known], 1e-3, None)
            weights[known] = scales / np.exp(np.mean(np.log(scales)))
        half = np.clip(self.length * weights / 2.0, 0.0, 1.0)
        for j, coord in enumerate(coordinates):
            if coord.is_discrete:
                half[j] = max(half[j], float(np.max(np.diff(coord.edges))))
        return half

    def sample(self, centre, half_widths, coordinates, n_points, rng):
        """``n_points`` draws from the box around ``centre``, before snapping.

        A continuous or ordinal axis moves with probability
        ``min(1, 20 / n_dims)`` and is then drawn uniformly in the box. A
        categorical axis has no box: it takes a level at random with
        probability ``min(1, length) / n_categorical``, so that a small region
        keeps the incumbent's categories. At least one axis moves.
        """
        n_dims = len(centre)
        categorical = np.array([c.kind == CATEGORICAL for c in coordinates])
        probability = np.where(
            categorical,
            min(1.0, self.length) / max(1, int(categorical.sum())),
            min(1.0, _PERTURBED_AXES / n_dims),
        )
        move = rng.random((n_points, n_dims)) < probability
        nothing = ~move.any(axis=1)
        move[nothing, rng.integers(n_dims, size=int(nothing.sum()))] = True
        low = np.clip(centre - half_widths, 0.0, 1.0)
        high = np.clip(centre + half_widths, 0.0, 1.0)
        low[categorical], high[categorical] = 0.0, 1.0
        draws = low + (high - low) * rng.random((n_points, n_dims))
        return np.where(move, draws, centre), low, high

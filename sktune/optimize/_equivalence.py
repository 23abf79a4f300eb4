"""Steps that changed nothing: tolerances learnt from exactly tied values.

Estimators often quantise a real parameter (a random forest's fractional
``max_features`` is a whole number of features) or ignore one in part of the
space (``max_depth`` once the leaves are large), so two different points can
be the same model and score exactly alike. A surrogate cannot see this: it
takes the pair for two observations of a smooth function and keeps proposing
points between and around them, each another copy. When two nearby told points
tie exactly, :class:`Equivalence` records how far apart they are along each
axis, and a candidate within those distances of a told or pending point on
every axis counts as already seen.
"""

import numpy as np

from ._base import CATEGORICAL

# Values this close (relative) count as a tie: the same model scored the same.
_TIE_TOLERANCE = 1e-12
# Only pairs this close on every numeric axis (in the unit cube) teach a
# tolerance: a tie between distant points is a coincidence of the scorer
# (accuracy on a few hundred samples takes few values), not one model.
_MAX_STEP = 0.25


class Equivalence:
    """Per-axis distances along which told points turned out to be one model.

    Parameters
    ----------
    coordinates : sequence of Coordinate
        The axes of the unit cube.

    Attributes
    ----------
    tolerances_ : ndarray of shape (n_dims,)
        The largest step along each axis between two tied told points (0
        where none has been seen; always 0 on categorical axes).
    n_ties_ : int
        Tied pairs learnt from.
    """

    def __init__(self, coordinates):
        self._categorical = np.array([c.kind == CATEGORICAL for c in coordinates])
        self.tolerances_ = np.zeros(len(coordinates))
        self.n_ties_ = 0

    def update(self, X, y, n_new):
        """Learn from the last ``n_new`` told points against all earlier ones."""
        for i in range(len(y) - n_new, len(y)):
            if not np.isfinite(y[i]):
                continue
            earlier = np.arange(i)
            tied = earlier[
                np.abs(y[:i] - y[i]) <= _TIE_TOLERANCE * max(1.0, abs(y[i]))
            ]
            for j in tied:
                step = np.abs(X[i] - X[j])
                if np.any(step[self._categorical] > 0) or np.any(step > _MAX_STEP):
                    continue
                self.tolerances_ = np.maximum(self.tolerances_, step)
                self.n_ties_ += 1

    def redundant(self, candidates, reference):
        """Whether each candidate is within the tolerances of a reference point."""
        candidates = np.atleast_2d(candidates)
        if not self.n_ties_ or len(reference) == 0:
            return np.zeros(len(candidates), dtype=bool)
        reference = np.atleast_2d(reference)
        slack = self.tolerances_ + 1e-12
        close = np.ones((len(candidates), len(reference)), dtype=bool)
        for axis in range(candidates.shape[1]):
            close &= (
                np.abs(candidates[:, axis, None] - reference[None, :, axis])
                <= slack[axis]
            )
        return close.any(axis=1)

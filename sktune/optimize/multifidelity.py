"""Proposing candidates from evaluations made at several budgets (BOHB's rule).

A successive-halving search evaluates many candidates at a small budget and
few at the largest. :class:`MultiFidelityOptimizer` keeps the evaluations of
each budget ("rung") apart and proposes new candidates from a surrogate of
the largest budget that has enough successful evaluations to fit one
(Falkner et al., BOHB, ICML 2018): low budgets guide the search until the
high ones know more. Until any rung has enough, the rung-0 optimiser proposes
(its quasi-random initial design, then its own surrogate).

Like every optimiser here it works on the unit cube, minimises, and knows
nothing of estimators or of what a budget is.
"""

import numpy as np

from ._base import snap


class MultiFidelityOptimizer:
    """Ask/tell over the unit cube with evaluations at ``n_rungs`` budgets.

    Parameters
    ----------
    coordinates : sequence of Coordinate
        One entry per dimension.
    n_rungs : int
        Number of budgets; rung ``n_rungs - 1`` is the largest.
    make_optimizer : callable
        ``make_optimizer(coordinates, random_state)`` returns a fresh
        :class:`~sktune.optimize._base.BaseOptimizer` (a ``GPOptimizer``).
        One is kept for rung 0; one is built for each ``ask`` that proposes
        from a higher rung.
    random_state : int, numpy.random.Generator or None
    min_points : int or None
        Successful evaluations a rung needs before it guides proposals;
        None means the rung-0 optimiser's initial design size
        (``n_initial_points_``) or, lacking one, ``n_dims + 1``.

    Attributes
    ----------
    X_, y_ : list of ndarray
        Told points and values of each rung (NaN for failed evaluations).
    model_rungs_ : list of int
        The rung whose evaluations guided each ``ask``.

    Examples
    --------
    >>> from sktune.optimize._base import Coordinate
    >>> from sktune.optimize.bayes import GPOptimizer
    >>> from sktune.optimize.multifidelity import MultiFidelityOptimizer
    >>> opt = MultiFidelityOptimizer([Coordinate("continuous")] * 2, n_rungs=2,
    ...                              make_optimizer=GPOptimizer, random_state=0)
    >>> x = opt.ask(4)
    >>> opt = opt.tell(x, ((x - 0.3) ** 2).sum(axis=1), rung=0)
    >>> opt = opt.tell(x[:2], ((x[:2] - 0.3) ** 2).sum(axis=1), rung=1)
    >>> opt.ask(2).shape
    (2, 2)
    """

    def __init__(
        self, coordinates, n_rungs, make_optimizer, random_state=None, min_points=None
    ):
        self.coordinates = tuple(coordinates)
        self.n_dims = len(self.coordinates)
        self.n_rungs = int(n_rungs)
        if self.n_rungs < 1:
            raise ValueError(f"n_rungs must be >= 1, got {n_rungs!r}.")
        self.make_optimizer = make_optimizer
        self._seed = int(np.random.default_rng(random_state).integers(2**63 - 1))
        self.X_ = [np.empty((0, self.n_dims)) for _ in range(self.n_rungs)]
        self.y_ = [np.empty(0) for _ in range(self.n_rungs)]
        self.model_rungs_ = []
        self.base = make_optimizer(self.coordinates, self._derived_seed(0))
        if min_points is None:
            min_points = getattr(self.base, "n_initial_points_", self.n_dims + 1)
        self.min_points = int(min_points)

    def _derived_seed(self, rung):
        # A higher-rung proposal depends only on the seed and on what was told
        # before it, so a search that replays the same tells asks the same points.
        n_told = sum(len(y) for y in self.y_)
        return np.random.default_rng([self._seed, rung, n_told])

    @property
    def n_remaining(self):
        return self.base.n_remaining

    def model_rung(self):
        """The largest rung with ``min_points`` successful evaluations, else 0."""
        for rung in range(self.n_rungs - 1, 0, -1):
            if np.isfinite(self.y_[rung]).sum() >= self.min_points:
                return rung
        return 0

    def ask(self, n_points=1):
        """Propose up to ``n_points`` new points, never one seen at any rung."""
        rung = self.model_rung()
        self.model_rungs_.append(rung)
        if rung == 0:
            return self.base.ask(n_points)
        model = self.make_optimizer(self.coordinates, self._derived_seed(rung))
        model.tell(self.X_[rung], self.y_[rung])
        # Every point seen at any rung, or pending, is off limits: the rung-0
        # optimiser has seen them all (same coordinates, so the same keys).
        model._seen.update(self.base._seen)
        points = model.ask(min(n_points, self.base.n_remaining))
        self.base.exclude(points)
        if len(points) < n_points:  # the model ran dry: fill from rung 0
            points = np.vstack([points, self.base.ask(n_points - len(points))])
        return points

    def tell(self, points, values, rung=0):
        """Record evaluations at ``rung``; values are minimised, NaN means failed."""
        if not 0 <= rung < self.n_rungs:
            raise ValueError(f"rung must be in [0, {self.n_rungs}), got {rung!r}.")
        points = snap(points, self.coordinates)
        values = np.asarray(values, dtype=float).reshape(-1)
        if len(points) != len(values):
            raise ValueError(f"tell got {len(points)} points but {len(values)} values.")
        if rung == 0:
            self.base.tell(points, values)
        self.X_[rung] = np.vstack([self.X_[rung], points])
        self.y_[rung] = np.concatenate([self.y_[rung], values])
        return self

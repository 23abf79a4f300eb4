"""Proposing candidates from evaluations made at several budgets.

A successive-halving search evaluates many candidates at a small budget and
few at the largest, and its scores at different budgets are not comparable
(a network after 1 epoch scores far below itself after 27). Two ways to learn
from all of them are implemented, as ``strategy``:

``"rank"`` (the default)
    One surrogate of how far each candidate gets. A candidate's value is the
    highest rung it reached plus the rank of its score among every score at
    that rung: every candidate promoted past rung ``r`` ranks above every one
    stopped there, and candidates at the same rung rank by their score. This is
    the order successive halving itself establishes, on a scale that mixes
    budgets soundly, so the surrogate sees good *and* bad regions (eliminated
    candidates are its negative examples) and proposals get better from the
    first bracket on. A candidate first evaluated at rung ``s > 0`` (a
    Hyperband bracket that starts there) is valued the same way, which
    credits it with the rungs below ``s`` it skipped: the worst of them
    counts as much as the best candidate stopped at rung ``s - 1``.
``"per-budget"``
    BOHB's rule (Falkner et al., ICML 2018): a surrogate of the evaluations of
    the largest budget that has ``min_points`` of them. Its data are promoted
    candidates only, all of them good, so it knows nothing of the bad regions
    and its expected improvement is often highest far from every evaluation.
    Kept for comparison (see benchmarks/multifidelity.py).
``"budget-input"``
    One surrogate of every evaluation, with the budget as one more input (the
    rung, scaled to [0, 1]) and the raw values as outputs, asked for points
    with the budget pinned at the largest. Where low budgets mislead in one
    region only (a learning rate that wins early and loses late), the
    surrogate can learn that from the candidates evaluated at several budgets
    instead of inheriting the low rungs' order. Kept for comparison (see
    benchmarks/multifidelity.py).

Until ``min_points`` candidates have succeeded, the rung-0 optimiser proposes
(its quasi-random initial design). With ``"rank"``, proposals stay
quasi-random until a candidate has been evaluated above rung 0: a model of
first-rung scores alone ranks candidates as the rung's own halving already
does, and proposing from it fills a bracket with near-copies of the
first-rung favourite, which then has nothing different to be compared with
(measured on keras-mlp-friedman: see benchmarks/README.md). Like every
optimiser here this works on the unit cube, minimises, and knows nothing of
estimators or of what a budget is.
A proposal depends only on the seed and on what was told before it.
"""

import numpy as np
from scipy.stats import rankdata

from ._base import Coordinate, snap

STRATEGIES = ("rank", "per-budget", "budget-input")


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
        One is kept for rung 0 (and its initial design); a fresh one, told the
        values of ``strategy``, proposes each batch after that.
    random_state : int, numpy.random.Generator or None
    strategy : {"rank", "per-budget", "budget-input"}, default="rank"
        How evaluations at different budgets are combined (module docstring).
    min_points : int or None
        Successful candidates needed before a surrogate proposes; None means
        the rung-0 optimiser's initial design size (``n_initial_points_``) or,
        lacking one, ``n_dims + 1``.

    Attributes
    ----------
    X_, y_ : list of ndarray
        Told points and values of each rung (NaN for failed evaluations).
    model_rungs_ : list of int or None
        For each ``ask``: None while proposals are quasi-random; with
        "rank", the highest rung reached so far; with "per-budget", the rung
        whose evaluations were used.

    Examples
    --------
    >>> from sktune.optimize._base import Coordinate
    >>> from sktune.optimize.bayes import GPOptimizer
    >>> from sktune.optimize.multifidelity import MultiFidelityOptimizer
    >>> opt = MultiFidelityOptimizer([Coordinate("continuous")] * 2, n_rungs=2,
    ...                              make_optimizer=GPOptimizer, random_state=0)
    >>> x = opt.ask(6)
    >>> opt = opt.tell(x, ((x - 0.3) ** 2).sum(axis=1), rung=0)
    >>> opt = opt.tell(x[:2], ((x[:2] - 0.3) ** 2).sum(axis=1), rung=1)
    >>> opt.ask(2).shape, opt.model_rungs_
    ((2, 2), [None, 1])
    """

    def __init__(
        self,
        coordinates,
        n_rungs,
        make_optimizer,
        random_state=None,
        strategy="rank",
        min_points=None,
    ):
        self.coordinates = tuple(coordinates)
        self.n_dims = len(self.coordinates)
        self.n_rungs = int(n_rungs)
        if self.n_rungs < 1:
            raise ValueError(f"n_rungs must be >= 1, got {n_rungs!r}.")
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}.")
        self.strategy = strategy
        self.make_optimizer = make_optimizer
        self._seed = int(np.random.default_rng(random_state).integers(2**63 - 1))
        self.X_ = [np.empty((0, self.n_dims)) for _ in range(self.n_rungs)]
        self.y_ = [np.empty(0) for _ in range(self.n_rungs)]
        self.model_rungs_ = []
        self.base = make_optimizer(self.coordinates, self._derived_seed(0))
        if min_points is None:
            min_points = getattr(self.base, "n_initial_points_", self.n_dims + 1)
        self.min_points = int(min_points)

    def _derived_seed(self, salt):
        # Proposals depend only on the seed and on what was told before them,
        # so a search that replays the same tells asks the same points.
        n_told = sum(len(y) for y in self.y_)
        return np.random.default_rng([self._seed, salt, n_told])

    @property
    def n_remaining(self):
        return self.base.n_remaining

    def ask(self, n_points=1):
        """Propose up to ``n_points`` new points, never one seen at any rung."""
        if np.isfinite(self.y_[0]).sum() < self.min_points:
            self.model_rungs_.append(None)
            return self.base.ask(n_points)  # the initial design
        data = self._training_data()
        if data is None:
            self.model_rungs_.append(None)
            points = self.base.random_unseen(min(n_points, self.base.n_remaining))
            self.base.exclude(points)
            return points
        rung, X, y = data
        self.model_rungs_.append(rung)
        n_wanted = min(n_points, self.base.n_remaining)
        if self.strategy == "budget-input":
            points = self._ask_at_full_budget(X, y, rung, n_wanted)
        else:
            model = self.make_optimizer(self.coordinates, self._derived_seed(rung + 1))
            model.tell(X, y)
            # Every point seen at any rung, or pending, is off limits: the rung-0
            # optimiser has seen them all (same coordinates, so the same keys).
            model.exclude(self.base.seen_points())
            points = model.ask(n_wanted)
        self.base.exclude(points)
        if len(points) < n_points:  # the model ran dry: fill from rung 0
            points = np.vstack([points, self.base.ask(n_points - len(points))])
        return points

    def _training_data(self):
        """``(rung, X, y)`` for the surrogate of this ask, or None for quasi-random points.

        Called once the initial design has ``min_points`` successes.
        """
        if self.strategy == "per-budget":
            for rung in range(self.n_rungs - 1, 0, -1):
                if np.isfinite(self.y_[rung]).sum() >= self.min_points:
                    return rung, self.X_[rung], self.y_[rung]
            return 0, self.X_[0], self.y_[0]
        if not any(len(y) for y in self.y_[1:]):
            return None  # nothing above rung 0 yet: quasi-random (module docstring)
        if self.strategy == "budget-input":
            return self._with_budget()
        return self._ranked()

    def _budget_value(self, rung):
        return rung / max(self.n_rungs - 1, 1)

    def _with_budget(self):
        """Every evaluation, its rung appended to its point as a last coordinate."""
        X = np.vstack([
            np.column_stack([self.X_[r], np.full(len(self.X_[r]), self._budget_value(r))])
            for r in range(self.n_rungs)
        ])
        reached = max(r for r in range(self.n_rungs) if len(self.y_[r]))
        return reached, X, np.concatenate(self.y_)

    def _ask_at_full_budget(self, X, y, rung, n_points):
        """Points the budget-input surrogate rates best at the largest budget, unseen."""
        top = self._budget_value(self.n_rungs - 1)
        model = self.make_optimizer(
            (*self.coordinates, Coordinate("continuous")), self._derived_seed(rung + 1)
        )
        model.tell(X, y).pin({self.n_dims: top})
        # A point asked or told at any rung is off limits at the full budget too
        # (the rung-0 optimiser has seen every asked one; a resumed search may
        # tell a point at a higher rung only).
        seen = np.vstack([self.base.seen_points(), *self.X_])
        model.exclude(np.column_stack([seen, np.full(len(seen), top)]))
        # Quasi-random top-ups have a random budget, so their points may repeat
        # a seen one, or each other, once the budget is dropped.
        return self.base.new_points(model.ask(n_points)[:, : self.n_dims], n_points)

    def _ranked(self):
        """Every candidate once, valued by the rung it reached and its rank there.

        Lower is better: a candidate at the top rung is worth its score's rank
        among top-rung scores, in [0, 1]; one that stopped ``k`` rungs lower is
        worth ``k`` more. Failed evaluations stay NaN (the surrogate treats them
        as the worst).
        """
        values, points, reached = {}, {}, 0
        for rung in range(self.n_rungs):
            y = self.y_[rung]
            if not len(y):
                continue
            reached = rung
            finite = np.isfinite(y)
            quantile = np.full(len(y), np.nan)
            if finite.any():
                ranks = rankdata(y[finite], method="average")
                quantile[finite] = (ranks - 1) / max(finite.sum() - 1, 1)
            for point, q in zip(self.X_[rung], quantile, strict=True):
                key = point.round(12).tobytes()
                points[key] = point
                values[key] = (self.n_rungs - 1 - rung) + q
        keys = list(points)
        return reached, np.array([points[k] for k in keys]), np.array([values[k] for k in keys])

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

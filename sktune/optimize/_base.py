"""The ask/tell contract shared by every optimiser, on points in the unit cube.

An optimiser knows nothing of estimators or parameter names: it sees a list of
:class:`Coordinate` objects (one per axis of the unit cube) and learns from
``tell(points, values)``, where lower values are better and ``NaN`` marks a
failed evaluation. The base class owns what every strategy needs the same way:
snapping points onto the lattice of discrete axes, the history, and the
guarantee that ``ask`` never returns a point that was asked or told before.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
import math

import numpy as np
from scipy.stats import qmc

CONTINUOUS = "continuous"
ORDINAL = "ordinal"
CATEGORICAL = "categorical"
_KINDS = (CONTINUOUS, ORDINAL, CATEGORICAL)

# Finite spaces up to this size are enumerated when random draws stop finding
# unseen points; larger ones are sampled with a bounded number of tries.
_MAX_ENUMERATION = 200_000


@dataclass(frozen=True, eq=False)
class Coordinate:
    """One axis of the unit cube as an optimiser sees it.

    Parameters
    ----------
    kind : {"continuous", "ordinal", "categorical"}
        ``"continuous"`` takes any value in ``[0, 1]``. ``"ordinal"`` has
        ``n_levels`` ordered values and ``"categorical"`` ``n_levels`` unordered
        ones. Level ``i`` owns the cell ``[edges[i], edges[i + 1])`` and sits at
        its centre.
    n_levels : int or None
        Number of distinct values of a discrete axis; None for continuous ones.
    edges : sequence of float or None
        ``n_levels + 1`` increasing cell boundaries from 0 to 1, so that a
        discrete prior (say a log-uniform integer) keeps its shape: a level's
        cell width is its prior probability. None means equal cells, level
        ``i`` at ``(i + 0.5) / n_levels``.
    """

    kind: str
    n_levels: int | None = None
    edges: tuple | None = None

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"Coordinate kind must be one of {_KINDS}, got {self.kind!r}.")
        if self.kind == CONTINUOUS:
            if self.n_levels is not None or self.edges is not None:
                raise ValueError("A continuous coordinate has no n_levels or edges.")
            return
        if not isinstance(self.n_levels, (int, np.integer)) or self.n_levels < 1:
            raise ValueError(
                f"A {self.kind} coordinate needs n_levels >= 1, got {self.n_levels!r}."
            )
        if self.edges is None:
            edges = np.linspace(0.0, 1.0, int(self.n_levels) + 1)
        else:
            edges = np.asarray(self.edges, dtype=float)
            if (
                edges.shape != (self.n_levels + 1,)
                or not np.all(np.diff(edges) > 0)
                or edges[0] != 0.0
                or edges[-1] != 1.0
            ):
                raise ValueError(
                    "edges must be n_levels + 1 strictly increasing values from 0 to 1."
                )
        object.__setattr__(self, "edges", edges)

    @property
    def is_discrete(self):
        return self.kind != CONTINUOUS

    @property
    def centres(self):
        """Position of each level of a discrete axis in the unit interval."""
        return (self.edges[:-1] + self.edges[1:]) / 2

    def level_of(self, u):
        """Level index of each unit-interval value on a discrete axis."""
        level = np.searchsorted(self.edges, np.asarray(u, dtype=float), side="right") - 1
        return np.clip(level, 0, self.n_levels - 1)

    def __eq__(self, other):
        if not isinstance(other, Coordinate):
            return NotImplemented
        return (
            self.kind == other.kind
            and self.n_levels == other.n_levels
            and (self.edges is None or np.array_equal(self.edges, other.edges))
        )

    def __hash__(self):
        return hash((self.kind, self.n_levels))


def snap(points, coordinates):
    """Clip points to the unit cube and move discrete axes to their cell centres."""
    points = np.clip(np.array(points, dtype=float).reshape(-1, len(coordinates)), 0.0, 1.0)
    for j, coord in enumerate(coordinates):
        if coord.is_discrete:
            points[:, j] = coord.centres[coord.level_of(points[:, j])]
    return points


def levels(points, coordinate_index, coordinates):
    """Integer level of each point on a discrete axis."""
    return coordinates[coordinate_index].level_of(np.atleast_2d(points)[:, coordinate_index])


def n_distinct(coordinates):
    """Number of distinct points in the space, ``math.inf`` if any axis is continuous."""
    if any(not c.is_discrete for c in coordinates):
        return math.inf
    return math.prod(int(c.n_levels) for c in coordinates)


class BaseOptimizer(ABC):
    """Ask/tell optimiser on the unit cube; lower told values are better.

    Subclasses implement :meth:`_propose`. The base class snaps what they
    propose, drops anything already asked or told, and tops the batch up with
    quasi-random unseen points, so ``ask`` returns only new, distinct points.

    Parameters
    ----------
    coordinates : sequence of Coordinate
        One entry per dimension.
    random_state : int, numpy.random.Generator or None
        Source of all randomness; the global NumPy state is never used.

    Attributes
    ----------
    X_ : ndarray of shape (n_told, n_dims)
        Every told point, in the order told.
    y_ : ndarray of shape (n_told,)
        Their values; NaN where the evaluation failed.

    Notes
    -----
    A strategy with an initial design (quasi-random points before the model
    or the breeding is used) says so through :meth:`_in_initial_design`; the
    base class marks each asked or told point, and
    :meth:`from_initial_design` reports the marks (a search's stopping rules
    count only the points the strategy chose).
    """

    def __init__(self, coordinates, random_state=None):
        self.coordinates = tuple(coordinates)
        if not self.coordinates:
            raise ValueError("An optimiser needs at least one coordinate.")
        self.n_dims = len(self.coordinates)
        self.rng = np.random.default_rng(random_state)
        self.n_distinct = n_distinct(self.coordinates)
        self.X_ = np.empty((0, self.n_dims))
        self.y_ = np.empty(0)
        self._seen = set()  # keys of told and pending points
        self._pending = {}  # key -> point, asked but not yet told
        self._initial = set()  # keys of points of the initial design
        self._sobol = qmc.Sobol(self.n_dims, scramble=True, seed=self.rng)
        self._sobol_buffer = []

    # -- the contract ---------------------------------------------------------
    def ask(self, n_points=1):
        """Propose up to ``n_points`` new distinct points.

        Fewer are returned only when the space has fewer unseen points left.
        The returned points are pending until told: a later ``ask`` does not
        repeat them.
        """
        n_points = int(n_points)
        if n_points < 1:
            raise ValueError(f"n_points must be >= 1, got {n_points}.")
        n_points = min(n_points, self.n_remaining)
        if n_points == 0:
            return np.empty((0, self.n_dims))
        # A batch that starts in the initial design counts as part of it.
        initial = self._in_initial_design(
            len(self.X_) + len(self._pending), int(np.isfinite(self.y_).sum())
        )
        batch = self.new_points(self._propose(n_points), n_points)
        for point in batch:
            self._pending[self._key(point)] = point
            self._seen.add(self._key(point))
            if initial:
                self._initial.add(self._key(point))
        return batch

    def tell(self, points, values):
        """Record evaluated points; ``values`` are minimised, NaN means failed.

        Points need not come from :meth:`ask` (a resumed search tells its past
        evaluations first). A point told twice keeps its first value.
        """
        points = snap(points, self.coordinates)
        values = np.asarray(values, dtype=float).reshape(-1)
        if len(points) != len(values):
            raise ValueError(
                f"tell got {len(points)} points but {len(values)} values."
            )
        keep = []
        told = {self._key(p) for p in self.X_}
        n_succeeded = int(np.isfinite(self.y_).sum())
        for i, point in enumerate(points):
            key = self._key(point)
            was_asked = self._pending.pop(key, None) is not None
            if key in told:
                continue
            # A point told without an ask (a resumed history) is marked by
            # where it falls in the history, as if it had been asked there.
            if not was_asked and self._in_initial_design(len(told), n_succeeded):
                self._initial.add(key)
            told.add(key)
            self._seen.add(key)
            keep.append(i)
            n_succeeded += bool(np.isfinite(values[i]))
        if keep:
            self.X_ = np.vstack([self.X_, points[keep]])
            self.y_ = np.concatenate([self.y_, values[keep]])
            self._observe(points[keep], values[keep])
        return self

    @property
    def n_remaining(self):
        """How many unseen points are left (``math.inf`` for a continuous space)."""
        return self.n_distinct - len(self._seen)

    @property
    def best_index_(self):
        """Index into ``X_`` of the best successful point, or None."""
        if not np.isfinite(self.y_).any():
            return None
        return int(np.nanargmin(np.where(np.isfinite(self.y_), self.y_, np.nan)))

    # -- for subclasses -----------------------------------------------------------
    @abstractmethod
    def _propose(self, n_points):
        """Return an array of shape (k, n_dims) of candidate points, k >= 0."""

    def _observe(self, points, values):  # noqa: B027 (an optional hook)
        """Hook called with newly told points; subclasses may update state."""

    def from_initial_design(self, points):
        """Whether each point was asked (or told) as part of the initial design.

        The initial design is what a strategy evaluates before it uses what it
        has learnt (the quasi-random first points of a Gaussian process, the
        first generation of a genetic algorithm); a point that was never asked
        nor told is not part of it.
        """
        points = snap(points, self.coordinates)
        return np.array([self._key(p) in self._initial for p in points], dtype=bool)

    def _in_initial_design(self, n_seen, n_succeeded):
        """Whether the next point belongs to the initial design.

        ``n_seen`` points were asked or told before it, ``n_succeeded`` of the
        told ones have a finite value. The default: there is no initial design.
        """
        return False

    def exclude(self, points):
        """Never propose these points, without learning anything from them.

        For points evaluated elsewhere (another budget's optimiser proposed
        them); unlike pending points, they carry no lie into a surrogate.
        """
        for point in snap(points, self.coordinates):
            self._seen.add(self._key(point))
        return self

    def seen_points(self):
        """Every point told, pending or excluded, in no particular order."""
        return np.reshape(
            [np.frombuffer(key) for key in self._seen], (-1, self.n_dims)
        )

    def is_seen(self, point):
        """True if ``point`` (snapped) was already told or is pending."""
        return self._key(snap(point, self.coordinates)[0]) in self._seen

    def new_points(self, proposed, n_points):
        """Up to ``n_points`` of ``proposed`` (snapped), in order, neither seen
        nor repeated, topped up with quasi-random unseen points.

        Fewer only when the space has fewer unseen points left. Nothing is
        marked as seen: :meth:`ask` marks what it returns, a caller that
        proposes for this optimiser calls :meth:`exclude`.
        """
        batch = self._take_new(snap(proposed, self.coordinates), n_points, set())
        if len(batch) < n_points:
            keys = {self._key(p) for p in batch}
            extra = self.random_unseen(n_points - len(batch), exclude=keys)
            batch = np.vstack([batch, extra])
        return batch

    def random_unseen(self, n_points, exclude=()):
        """Up to ``n_points`` quasi-random points not seen and not in ``exclude``."""
        exclude = set(exclude)
        found, keys = [], set()
        for _ in range(20):
            need = n_points - len(found)
            if need <= 0:
                break
            draws = snap(self._sobol_next(need), self.coordinates)
            for point in draws:
                key = self._key(point)
                if key in self._seen or key in exclude or key in keys:
                    continue
                found.append(point)
                keys.add(key)
                if len(found) == n_points:
                    break
        if len(found) < n_points and self.n_distinct <= _MAX_ENUMERATION:
            for point in self._enumerate_unseen(exclude | keys):
                found.append(point)
                if len(found) == n_points:
                    break
        return np.reshape(np.array(found, dtype=float), (-1, self.n_dims))

    # -- helpers ---------------------------------------------------------------------
    def _key(self, point):
        return np.round(np.asarray(point, dtype=float), 12).tobytes()

    def _take_new(self, proposed, n_points, exclude):
        batch, keys = [], set(exclude)
        for point in proposed:
            key = self._key(point)
            if key in self._seen or key in keys:
                continue
            batch.append(point)
            keys.add(key)
            if len(batch) == n_points:
                break
        return np.reshape(np.array(batch, dtype=float), (-1, self.n_dims))

    def _sobol_next(self, n):
        """The next ``n`` points of the scrambled Sobol sequence, in order.

        Points are drawn in power-of-two blocks (where Sobol's balance holds)
        and handed out in sequence order, so a run of ``ask(1)`` calls walks
        the sequence instead of taking the first point of many blocks.
        """
        while len(self._sobol_buffer) < n:
            block = 2 ** int(np.ceil(np.log2(max(n, 8))))
            self._sobol_buffer.extend(self._sobol.random(block))
        taken, self._sobol_buffer = self._sobol_buffer[:n], self._sobol_buffer[n:]
        return np.array(taken)

    def _enumerate_unseen(self, exclude):
        grids = [c.centres for c in self.coordinates]
        order = self.rng.permutation(int(self.n_distinct))
        shape = [c.n_levels for c in self.coordinates]
        for flat in order:
            idx = np.unravel_index(flat, shape)
            point = np.array([grids[j][i] for j, i in enumerate(idx)])
            key = self._key(point)
            if key not in self._seen and key not in exclude:
                yield point

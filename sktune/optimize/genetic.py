"""A generational genetic algorithm as an ask/tell optimiser on the unit cube.

Every :meth:`GeneticOptimizer.ask` breeds one generation. Its parents are chosen
from a pool that is rebuilt from the told history each time, so a search that
tells its past evaluations to a fresh optimiser resumes where it stopped:

- the ``elitism`` best told points (failed ones never qualify), which survive
  unchanged and, being evaluated already, are never asked again;
- the ``population_size`` most recently told points, the latest generation.

Continuous and ordinal genes are bred with simulated-binary crossover and
mutated with polynomial steps; categorical genes are swapped and resampled,
since their levels have no order to interpolate along.
"""

import math

import numpy as np

from ._base import CATEGORICAL, BaseOptimizer, levels, snap

# Simulated-binary crossover and polynomial mutation distribution indices (Deb's
# eta): smaller values spread children further from their parents. These favour
# exploration because a hyperparameter search runs only a handful of generations.
_CROSSOVER_ETA = 5.0
_MUTATION_ETA = 5.0
# Below this diversity (1 = as spread as uniform draws, 0 = all identical) the
# population has collapsed; the mutation rate then grows as diversity shrinks,
# up to _MAX_MUTATION_BOOST times the base rate.
_COLLAPSE_DIVERSITY = 0.15
_MAX_MUTATION_BOOST = 4.0
# A child that duplicates a seen point is re-mutated this many times before the
# base class fills its slot with a quasi-random point.
_MAX_RETRIES = 10


def _check_int(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bound}, got {value!r}.")
    return int(value)


def _check_probability(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}.")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}.")
    return float(value)


class GeneticOptimizer(BaseOptimizer):
    """Generational genetic algorithm with elitism for mixed search spaces.

    Each call to :meth:`ask` returns the new individuals of one generation.
    Until ``population_size`` points are told or pending, points are drawn
    quasi-randomly (scrambled Sobol): that is generation 0. Later children are
    bred from a pool made of the ``elitism`` best told points and the
    ``population_size`` most recently told ones, so the state is a function of
    the history ``X_``, ``y_`` alone.

    Parameters
    ----------
    coordinates : sequence of Coordinate
        One entry per dimension of the unit cube.
    random_state : int, numpy.random.Generator or None, default=None
        Seed of every random choice; the same seed gives the same asks.
    population_size : int, default=10
        Size of the initial quasi-random population and of the slice of recent
        history that parents are drawn from. Must be >= 2. Searches call
        ``ask(population_size)`` to evaluate one full generation per round.
    elitism : int, default=2
        Number of best told points kept in the parent pool whatever their age.
        Must be in ``[0, population_size]``.
    tournament_size : int, default=3
        Parents are the best of this many pool members drawn at random; failed
        evaluations (NaN) lose every tournament they can lose. 1 makes
        selection uniform. Must be >= 1.
    crossover_probability : float, default=0.9
        Probability that a pair of parents is crossed rather than copied. In a
        crossover, each gene is exchanged with probability 0.5: continuous and
        ordinal genes by simulated-binary crossover (distribution index 5),
        categorical ones by a swap.
    mutation_probability : float or None, default=None
        Per-gene mutation probability; None means ``1 / n_dims``. Continuous
        and ordinal genes take a bounded polynomial step (distribution index 5;
        an ordinal gene moves at least one level), categorical genes take
        another level at random. When the parent pool's :meth:`diversity` falls
        below 0.15 the rate is multiplied by ``0.15 / diversity``, at most 4.
        A child equal to a seen point is mutated again, at least one gene and
        at a rate 1.5 times higher each time, up to 10 times.

    Attributes
    ----------
    X_, y_ : ndarray
        Told points and their values (see :class:`BaseOptimizer`).
    generation_ : int
        Generation number of the points returned by the last non-empty ``ask``;
        -1 before any. Every point of one ``ask`` belongs to this generation.
    generations_ : ndarray of shape (n_told,)
        Generation number of each row of ``X_``. Points told without being
        asked (a resumed history) are numbered ``row_index // population_size``,
        and the next ``ask`` continues after them.
    population_ : ndarray of shape (n_members, n_dims)
        The current parent pool: the ``elitism`` best and the
        ``population_size`` latest told points, in the order told.
    history_ : list of dict
        One dict per generation, in order, with keys ``generation``, ``n_new``
        (points asked, or told without an ask), ``n_told``, ``n_failed``,
        ``best`` and ``mean`` (of its finite told values, NaN if none),
        ``diversity`` (of the parent pool it was bred from, NaN for quasi-random
        and external generations) and ``mutation_probability`` (the per-gene
        rate used after the diversity adjustment, NaN likewise).

    Examples
    --------
    >>> from sktune.optimize._base import Coordinate
    >>> from sktune.optimize.genetic import GeneticOptimizer
    >>> opt = GeneticOptimizer([Coordinate("continuous")] * 2, random_state=0,
    ...                        population_size=8)
    >>> for _ in range(5):
    ...     points = opt.ask(8)
    ...     opt = opt.tell(points, ((points - 0.3) ** 2).sum(axis=1))
    >>> opt.generation_, len(opt.history_)
    (4, 5)
    """

    def __init__(
        self,
        coordinates,
        random_state=None,
        *,
        population_size=10,
        elitism=2,
        tournament_size=3,
        crossover_probability=0.9,
        mutation_probability=None,
    ):
        super().__init__(coordinates, random_state)
        self.population_size = _check_int("population_size", population_size, 2)
        self.elitism = _check_int("elitism", elitism, 0, self.population_size)
        self.tournament_size = _check_int("tournament_size", tournament_size, 1)
        self.crossover_probability = _check_probability(
            "crossover_probability", crossover_probability
        )
        if mutation_probability is not None:
            mutation_probability = _check_probability(
                "mutation_probability", mutation_probability
            )
        self.mutation_probability = mutation_probability
        self.generation_ = -1
        self._generation_of = {}  # point key -> generation number
        self._generation_stats = {}  # generation -> {n_new, diversity, mutation rate}
        self._rate = np.nan  # per-gene mutation rate of the generation being bred
        self._diversity = np.nan
        self._is_categorical = np.array(
            [c.kind == CATEGORICAL for c in self.coordinates]
        )
        self._n_levels = np.array([c.n_levels or 0 for c in self.coordinates])
        self._mutable = self._n_levels != 1  # a single-level gene cannot change

    # -- the ask/tell contract -------------------------------------------------------
    def ask(self, n_points=1):
        """Return up to ``n_points`` new individuals, all of one new generation.

        The generation's number is ``generation_`` after the call. It is one
        more than the previous ask's, or ``ceil(len(X_) / population_size)``
        if that is larger (after a told history).
        """
        n_told = len(self.X_)
        generation = max(self.generation_ + 1, math.ceil(n_told / self.population_size))
        self._rate, self._diversity = np.nan, np.nan
        batch = super().ask(n_points)
        if len(batch):
            self.generation_ = generation
            for point in batch:
                self._generation_of[self._key(point)] = generation
            self._generation_stats[generation] = {
                "n_new": len(batch),
                "diversity": self._diversity,
                "mutation_probability": self._rate,
            }
        return batch

    def _observe(self, points, values):
        # Told points that were never asked (a resumed search) get the
        # generation their position implies, so numbering stays increasing.
        start = len(self.X_) - len(points)
        for i, point in enumerate(points):
            key = self._key(point)
            if key not in self._generation_of:
                generation = (start + i) // self.population_size
                self._generation_of[key] = generation
                stats = self._generation_stats.setdefault(
                    generation,
                    {"n_new": 0, "diversity": np.nan, "mutation_probability": np.nan},
                )
                stats["n_new"] += 1

    @property
    def generations_(self):
        """Generation number of each row of ``X_``."""
        return np.array([self._generation_of[self._key(p)] for p in self.X_], dtype=int)

    @property
    def history_(self):
        """Per-generation statistics, recomputed from the told values."""
        by_generation = self.generations_
        history = []
        for generation in sorted(self._generation_stats):
            values = self.y_[by_generation == generation]
            finite = values[np.isfinite(values)]
            history.append(
                {
                    "generation": generation,
                    **self._generation_stats[generation],
                    "n_told": len(values),
                    "n_failed": len(values) - len(finite),
                    "best": float(finite.min()) if len(finite) else np.nan,
                    "mean": float(finite.mean()) if len(finite) else np.nan,
                }
            )
        return history

    # -- breeding ------------------------------------------------------------------
    def _in_initial_design(self, n_seen, n_succeeded):
        # Generation 0: the first population_size points are quasi-random.
        return n_seen < self.population_size

    def _propose(self, n_points):
        n_filled = len(self.X_) + len(self._pending)
        n_bred = n_points - max(0, self.population_size - n_filled)
        if n_bred <= 0 or len(self.X_) == 0:
            # Returning nothing lets the base class draw quasi-random points.
            return np.empty((0, self.n_dims))
        members = self._population_indices()
        pool_points = self.X_[members]
        pool_values = np.where(np.isfinite(self.y_[members]), self.y_[members], np.inf)
        self._diversity = self.diversity(pool_points)
        base_rate = self.mutation_probability
        if base_rate is None:
            base_rate = 1.0 / self.n_dims
        boost = 1.0
        if self._diversity < _COLLAPSE_DIVERSITY:
            boost = min(
                _MAX_MUTATION_BOOST, _COLLAPSE_DIVERSITY / max(self._diversity, 1e-12)
            )
        self._rate = min(1.0, base_rate * boost)

        children, keys = [], set()
        # Each pair of parents yields two children; a failed child (a duplicate
        # despite retries) costs one attempt, so this loop is bounded.
        for _ in range(2 * n_bred):
            if len(children) >= n_bred:
                break
            first = pool_points[self._tournament(pool_values)]
            second = pool_points[self._tournament(pool_values)]
            if self.rng.random() < self.crossover_probability:
                first, second = self._crossover(first, second)
            for child in (first, second):
                child = self._mutate_until_new(child, keys)
                if child is not None and len(children) < n_bred:
                    children.append(child)
                    keys.add(self._key(child))
        return np.reshape(np.array(children, dtype=float), (-1, self.n_dims))

    @property
    def population_(self):
        """Points the next generation's parents are drawn from (rows of ``X_``)."""
        return self.X_[self._population_indices()]

    def _population_indices(self):
        recent = np.arange(max(0, len(self.y_) - self.population_size), len(self.y_))
        finite = np.flatnonzero(np.isfinite(self.y_))
        elites = finite[np.argsort(self.y_[finite], kind="stable")[: self.elitism]]
        return np.union1d(recent, elites)

    def _tournament(self, values):
        size = min(self.tournament_size, len(values))
        entrants = self.rng.choice(len(values), size=size, replace=False)
        # argmin keeps the first of tied entrants, and their order is random.
        return entrants[np.argmin(values[entrants])]

    def _crossover(self, first, second):
        first, second = first.copy(), second.copy()
        exchange = self.rng.random(self.n_dims) < 0.5
        swap = exchange & self._is_categorical
        first[swap], second[swap] = second[swap], first[swap]
        blend = exchange & ~self._is_categorical
        u = self.rng.random(self.n_dims)
        # Simulated-binary crossover: the spread factor beta is distributed so
        # that children sit near their parents, further apart for distant ones.
        beta = np.where(
            u <= 0.5,
            (2 * u) ** (1 / (_CROSSOVER_ETA + 1)),
            (1 / (2 * (1 - u))) ** (1 / (_CROSSOVER_ETA + 1)),
        )
        mean, half_gap = (first + second) / 2, np.abs(second - first) / 2
        child_low = np.clip(mean - beta * half_gap, 0.0, 1.0)
        child_high = np.clip(mean + beta * half_gap, 0.0, 1.0)
        # Each child stays on its own parent's side of the pair's midpoint.
        first_is_low = first <= second
        first[blend] = np.where(first_is_low, child_low, child_high)[blend]
        second[blend] = np.where(first_is_low, child_high, child_low)[blend]
        return first, second

    def _mutate_until_new(self, child, batch_keys):
        rate = self._rate
        child = self._mutate(child, rate, force=False)
        for attempt in range(_MAX_RETRIES + 1):
            if attempt:
                # A duplicate: mutate harder each time, and at least one gene.
                rate = min(1.0, rate * 1.5)
                child = self._mutate(child, rate, force=True)
            key = self._key(child)
            if key not in self._seen and key not in batch_keys:
                return child
        return None

    def _mutate(self, child, rate, force):
        child = child.copy()
        mutate = self.rng.random(self.n_dims) < rate
        mutate &= self._mutable
        if force and not mutate.any() and self._mutable.any():
            mutate[self.rng.choice(np.flatnonzero(self._mutable))] = True
        for j in np.flatnonzero(mutate):
            coord, n_levels = self.coordinates[j], self._n_levels[j]
            if self._is_categorical[j]:
                level = coord.level_of(child[j])
                new = (level + 1 + self.rng.integers(n_levels - 1)) % n_levels
                child[j] = coord.centres[new]
            else:
                child[j] = self._polynomial_step(child, j)
        return snap(child, self.coordinates)[0]

    def _polynomial_step(self, child, j):
        x, u = child[j], self.rng.random()
        power = 1 / (_MUTATION_ETA + 1)
        # Deb's bounded polynomial mutation: the step shrinks near the bounds so
        # the result stays in [0, 1] without piling up on them.
        if u < 0.5:
            delta = (2 * u + (1 - 2 * u) * (1 - x) ** (_MUTATION_ETA + 1)) ** power - 1
        else:
            delta = (
                1 - (2 * (1 - u) + 2 * (u - 0.5) * x ** (_MUTATION_ETA + 1)) ** power
            )
        new = float(np.clip(x + delta, 0.0, 1.0))
        coord, n_levels = self.coordinates[j], self._n_levels[j]
        if n_levels:
            # An ordinal step smaller than a level would be undone by snapping.
            old_level, new_level = coord.level_of(x), coord.level_of(new)
            if new_level == old_level:
                step = 1 if delta >= 0 else -1
                if not 0 <= old_level + step < n_levels:
                    step = -step
                new_level = old_level + step
            new = coord.centres[new_level]
        return float(new)

    # -- diversity -----------------------------------------------------------------
    def diversity(self, points):
        """Spread of ``points`` per gene, averaged: 1 for uniform draws, 0 if equal.

        A continuous or ordinal gene scores its standard deviation over that of
        a uniform variable; a categorical gene its Gini impurity over that of
        uniform draws. Genes with a single level are ignored.
        """
        points = np.atleast_2d(points)
        if len(points) < 2:
            return 0.0
        scores = []
        for j, coord in enumerate(self.coordinates):
            if coord.is_discrete and coord.n_levels == 1:
                continue
            if self._is_categorical[j]:
                counts = np.bincount(
                    levels(points, j, self.coordinates), minlength=coord.n_levels
                )
                impurity = 1 - ((counts / len(points)) ** 2).sum()
                # Uniform draws fill each level in proportion to its cell width.
                scores.append(impurity / (1 - (np.diff(coord.edges) ** 2).sum()))
            else:
                scores.append(points[:, j].std() * math.sqrt(12))
        return float(np.mean(scores)) if scores else 0.0

"""Space and SubSpace: named dimensions, decoded from and to the unit cube."""


from collections.abc import Mapping
import math

import numpy as np

from sktune.space._convert import to_dimension

__all__ = ["SubSpace", "Space"]


class SubSpace:
    """Named dimensions searched together: one dict of ``param_distributions``.

    Parameters
    ----------
    dimensions : dict of str to Dimension
    """

    def __init__(self, dimensions):
        self.dimensions = dict(dimensions)
        self.names = list(self.dimensions)
        self.coordinates = tuple(d.coordinate for d in self.dimensions.values())

    @property
    def n_dims(self):
        return len(self.names)

    @property
    def size(self):
        """Number of distinct points, ``math.inf`` when any dimension is continuous."""
        return math.prod(d.size for d in self.dimensions.values())

    def to_unit(self, params):
        """Map a parameter dict onto its point in the unit cube."""
        return np.array([dim.to_unit(params[name]) for name, dim in self.dimensions.items()])

    def from_unit(self, point):
        """Map a point of the unit cube to a dict of plain Python values."""
        point = np.asarray(point, dtype=float).reshape(-1)
        if len(point) != self.n_dims:
            raise ValueError(f"Expected a point with {self.n_dims} coordinates, got {len(point)}.")
        return {
            name: dim.from_unit(u)
            for (name, dim), u in zip(self.dimensions.items(), point, strict=True)
        }

    def sample(self, n_samples, random_state):
        """Draw ``n_samples`` parameter dicts from the prior with a numpy Generator."""
        rng = np.random.default_rng(random_state)
        return [self.from_unit(u) for u in rng.random((n_samples, self.n_dims))]

    def __repr__(self):
        inner = ", ".join(f"{name!r}: {dim!r}" for name, dim in self.dimensions.items())
        return "{" + inner + "}"


class Space:
    """A search space: one or more :class:`SubSpace` (a list of dicts is a union).

    Parameters
    ----------
    subspaces : list of SubSpace

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import loguniform
    >>> from sktune import Integer
    >>> from sktune.space import Space
    >>> space = Space.from_user({"C": loguniform(1e-3, 1e3), "degree": Integer(1, 5),
    ...                          "kernel": ["rbf", "poly"]})
    >>> params = space.subspaces[0].sample(1, np.random.default_rng(0))[0]
    >>> sorted(params)
    ['C', 'degree', 'kernel']
    >>> space.subspaces[0].from_unit([0.5, 0.5, 0.9])
    {'C': 1.0, 'degree': 3, 'kernel': 'poly'}
    """

    def __init__(self, subspaces):
        self.subspaces = list(subspaces)

    @classmethod
    def from_user(cls, param_distributions, random_state=None):
        """Build a space from anything ``RandomizedSearchCV``/``GridSearchCV`` accepts.

        Parameters
        ----------
        param_distributions : dict or list of dicts
            Parameter names to dimensions, lists, or distributions.
        random_state : int, numpy.random.Generator or None
            Used only to sample objects that have ``rvs`` but no quantile
            function, to build their empirical quantile map.

        Raises
        ------
        TypeError or ValueError
            Naming the parameter, the value, and what to write instead.
        """
        if isinstance(param_distributions, Mapping):
            grids = [param_distributions]
        elif isinstance(param_distributions, (list, tuple)) and all(
            isinstance(g, Mapping) for g in param_distributions
        ):
            grids = list(param_distributions)
        else:
            raise TypeError(
                "param_distributions must be a dict or a list of dicts, got "
                f"{type(param_distributions).__name__}: {param_distributions!r}."
            )
        if not grids:
            raise ValueError("param_distributions is an empty list: give at least one dict.")
        rng = np.random.default_rng(random_state)
        subspaces = []
        for grid in grids:
            if not grid:
                raise ValueError(
                    "param_distributions has an empty dict: give at least one parameter."
                )
            for name in grid:
                if not isinstance(name, str):
                    raise TypeError(
                        f"Parameter names must be strings, got {name!r} "
                        f"({type(name).__name__})."
                    )
            subspaces.append(
                SubSpace({name: to_dimension(name, value, rng) for name, value in grid.items()})
            )
        return cls(subspaces)

    @property
    def names(self):
        """Every parameter name, in first-seen order across sub-spaces."""
        return list(dict.fromkeys(n for sub in self.subspaces for n in sub.names))

    @property
    def size(self):
        return sum(sub.size for sub in self.subspaces)

    def __repr__(self):
        return f"Space({self.subspaces!r})"


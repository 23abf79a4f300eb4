"""The dimension types: each maps its values to one unit-cube coordinate and back.

A dimension's map is its quantile function, so uniform points in the cube are
draws from its prior, and a discrete level owns a cell as wide as its prior
probability.
"""

import math
import numbers

import numpy as np

from sktune.optimize._base import CATEGORICAL, CONTINUOUS, ORDINAL, Coordinate

_PRIORS = ("uniform", "log-uniform")
# Integers with more levels than this are searched as a continuous coordinate
# and rounded: a cell per level would cost memory and buy nothing.
MAX_LATTICE_LEVELS = 10_000


def is_number(value):
    """True for real numbers that are not bools (bools are categories)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_python(value):
    """Turn numpy scalars into the Python scalars sklearn estimators expect."""
    return value.item() if isinstance(value, np.generic) else value


class Dimension:
    """Base class: a set of values with a prior, mapped onto ``[0, 1]``.

    Subclasses set ``coordinate`` and implement ``to_unit`` and ``from_unit``.
    """

    coordinate = Coordinate(CONTINUOUS)
    #: How plots should draw the axis: "linear", "log" or None (categories).
    scale = "linear"

    @property
    def size(self):
        """Number of distinct values; ``math.inf`` for a continuous dimension."""
        c = self.coordinate
        return c.n_levels if c.is_discrete else math.inf

    def to_unit(self, value):
        raise NotImplementedError

    def from_unit(self, u):
        raise NotImplementedError

    def candidate_key(self, u):
        """What tells the values of this dimension apart at coordinate ``u``.

        A discrete level is its index, whatever its value's ``repr`` or
        ``==`` (two distinct objects may look alike); a continuous value is
        the number itself, so two coordinates that decode to one value are
        one candidate.
        """
        if self.coordinate.is_discrete:
            return int(self.coordinate.level_of(u))
        return self.from_unit(u)

    def __eq__(self, other):
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self):
        return hash(repr(self))


def _check_prior(prior, cls_name):
    if prior not in _PRIORS:
        raise ValueError(f"{cls_name} prior must be one of {_PRIORS}, got {prior!r}.")


def _check_bounds(low, high, prior, cls_name, integral=False):
    for label, bound in (("low", low), ("high", high)):
        if not is_number(bound) or not math.isfinite(bound):
            raise ValueError(f"{cls_name} {label} must be a finite number, got {bound!r}.")
        if integral and int(bound) != bound:
            raise ValueError(f"{cls_name} {label} must be an integer, got {bound!r}.")
    if integral and low > high or not integral and low >= high:
        relation = "<=" if integral else "<"
        raise ValueError(
            f"{cls_name} needs low {relation} high, got low={low!r}, high={high!r}."
        )
    if prior == "log-uniform" and low <= 0:
        raise ValueError(
            f"{cls_name} with prior='log-uniform' needs low > 0, got low={low!r}: "
            "a log range cannot touch zero. Use a small positive low such as 1e-6."
        )


class Real(Dimension):
    """A continuous range ``[low, high]``, uniform or log-uniform.

    Parameters
    ----------
    low, high : float
        Bounds, ``low < high``.
    prior : {"uniform", "log-uniform"}, default="uniform"
        "log-uniform" searches ``log(x)`` uniformly; needs ``low > 0``.

    Examples
    --------
    >>> from sktune import Real
    >>> lr = Real(1e-4, 1e-1, prior="log-uniform")
    >>> round(lr.from_unit(0.5), 6)
    0.003162
    """

    def __init__(self, low, high, prior="uniform"):
        _check_prior(prior, "Real")
        _check_bounds(low, high, prior, "Real")
        self.low, self.high, self.prior = float(low), float(high), prior
        self.scale = "log" if prior == "log-uniform" else "linear"
        self._transform = np.log if self.scale == "log" else float
        self._a, self._b = self._transform(self.low), self._transform(self.high)
        # A range wider than the largest float (Real(-1.7e308, 1.7e308)) has
        # an infinite width; it is then measured in halves, which are finite.
        self._half_width = self._b / 2 - self._a / 2

    def to_unit(self, value):
        if not is_number(value) or not self.low <= value <= self.high:
            raise ValueError(f"{value!r} is outside {self!r}.")
        return float((self._transform(value) / 2 - self._a / 2) / self._half_width)

    def from_unit(self, u):
        u = float(u)
        if u <= 0.0 or u >= 1.0:  # exact bounds: exp(log(low)) is not always low
            return self.low if u <= 0.0 else self.high
        width = self._b - self._a
        if math.isfinite(width):
            x = self._a + u * width
        else:
            x = (1.0 - u) * self._a + u * self._b
        x = math.exp(x) if self.scale == "log" else x
        return float(min(max(x, self.low), self.high))

    def __repr__(self):
        return f"Real({self.low!r}, {self.high!r}, prior={self.prior!r})"


class _Discrete(Dimension):
    """Finitely many values, each with a prior probability (its cell width)."""

    def __init__(self, values, weights=None, kind=CATEGORICAL):
        self.values = [as_python(v) for v in values]
        n = len(self.values)
        if weights is None:
            edges = None
        else:
            weights = np.asarray(weights, dtype=float)
            cumulative = np.concatenate([[0.0], np.cumsum(weights / weights.sum())])
            cumulative[-1] = 1.0
            edges = tuple(cumulative)
        self.coordinate = Coordinate(kind, n, edges)

    def index(self, value):
        for i, choice in enumerate(self.values):
            if choice is value or _safe_equal(choice, value):
                return i
        raise ValueError(f"{value!r} is not one of the values of {self!r}.")

    def to_unit(self, value):
        return float(self.coordinate.centres[self.index(value)])

    def from_unit(self, u):
        return self.values[int(self.coordinate.level_of(u))]


def _safe_equal(a, b):
    if type(a) is not type(b) and not (is_number(a) and is_number(b)):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and objects with odd __eq__
        return False


class Categorical(_Discrete):
    """Unordered choices: strings, None, tuples, estimators, anything.

    Parameters
    ----------
    choices : sequence
        At least one choice. Each is returned as the same object.

    Examples
    --------
    >>> from sktune import Categorical
    >>> Categorical(["relu", "tanh"]).from_unit(0.9)
    'tanh'
    """

    scale = None

    def __init__(self, choices):
        if isinstance(choices, (str, bytes)) or not hasattr(choices, "__len__"):
            raise ValueError(
                f"Categorical needs a list of choices, got {choices!r}; "
                f"to fix a single value write Categorical([{choices!r}])."
            )
        if len(choices) == 0:
            raise ValueError("Categorical needs at least one choice, got an empty list.")
        # A repeated choice would be two points of the space with one candidate.
        unique = []
        for choice in choices:
            if not any(c is choice or _safe_equal(c, choice) for c in unique):
                unique.append(choice)
        super().__init__(unique, kind=CATEGORICAL)

    def __repr__(self):
        return f"Categorical({self.values!r})"


class Ordinal(_Discrete):
    """Ordered numbers, each equally likely: what a list of numbers becomes.

    Parameters
    ----------
    values : sequence of numbers
        Sorted and de-duplicated.
    """

    def __init__(self, values, weights=None):
        values = [as_python(v) for v in values]
        if not values:
            raise ValueError("Ordinal needs at least one value, got an empty list.")
        if weights is None:
            values = sorted(set(values))
        positive = values[0] > 0
        self.scale = "log" if positive and values[-1] / values[0] >= 100 else "linear"
        super().__init__(values, weights, kind=ORDINAL)

    def __repr__(self):
        return f"Ordinal({self.values!r})"


class Integer(_Discrete):
    """Integers ``low..high`` inclusive, uniform or log-uniform.

    Parameters
    ----------
    low, high : int
        Inclusive bounds, ``low <= high``.
    prior : {"uniform", "log-uniform"}, default="uniform"
        "log-uniform" gives each integer ``k`` the probability of
        ``[k, k + 1)`` under a log-uniform law on ``[low, high + 1)``; needs
        ``low > 0``.

    Examples
    --------
    >>> from sktune import Integer
    >>> Integer(16, 256, prior="log-uniform").from_unit(0.5)
    64
    """

    def __init__(self, low, high, prior="uniform"):
        _check_prior(prior, "Integer")
        _check_bounds(low, high, prior, "Integer", integral=True)
        self.low, self.high, self.prior = int(low), int(high), prior
        self.scale = "log" if prior == "log-uniform" else "linear"
        n = self.high - self.low + 1
        self._lattice = n <= MAX_LATTICE_LEVELS
        if not self._lattice:
            self.values = None
            self.coordinate = Coordinate(CONTINUOUS)
            return
        weights = None
        if prior == "log-uniform":
            k = np.arange(self.low, self.high + 1, dtype=float)
            weights = np.log1p(1.0 / k)
        super().__init__(range(self.low, self.high + 1), weights, kind=ORDINAL)

    @property
    def size(self):
        return self.high - self.low + 1

    def _cdf(self, x):
        if self.prior == "uniform":
            return (x - self.low) / (self.high + 1 - self.low)
        return math.log(x / self.low) / math.log((self.high + 1) / self.low)

    def to_unit(self, value):
        if not is_number(value) or not self.low <= value <= self.high or int(value) != value:
            raise ValueError(f"{value!r} is outside {self!r}.")
        if self._lattice:
            return float(self.coordinate.centres[int(value) - self.low])
        return (self._cdf(value) + self._cdf(value + 1)) / 2

    def from_unit(self, u):
        if self._lattice:
            return super().from_unit(u)
        span = self.high + 1 - self.low
        u = min(max(float(u), 0.0), 1.0)
        if self.prior == "uniform":
            x = self.low + u * span
        else:
            x = self.low * ((self.high + 1) / self.low) ** u
        return int(min(math.floor(x), self.high))

    def __repr__(self):
        return f"Integer({self.low!r}, {self.high!r}, prior={self.prior!r})"

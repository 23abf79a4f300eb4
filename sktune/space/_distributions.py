"""Dimensions read from distributions: scipy.stats frozen ones and any object with ``rvs``.

A frozen distribution is searched through its own CDF and quantile function,
so its shape is the search's prior. An unbounded tail is cut at
``TAIL_QUANTILE``: ``norm(0, 1)`` is searched on its central 99.8 %, and
``expon(scale=100)`` on ``[0, ppf(0.999)] = [0, 690.8]``. A continuous
distribution never gives a finite end of its support (``expon`` never gives
0.0, which ``SVC(C=0.0)`` would reject): a draw from it almost surely lies
strictly inside, and so does every value searched.
"""

import math

import numpy as np
from scipy import stats

from sktune.optimize._base import CATEGORICAL
from sktune.space._dimensions import (
    Dimension,
    Integer,
    Ordinal,
    _Discrete,
    _safe_equal,
    as_python,
    is_number,
)

TAIL_QUANTILE = 1e-3
#: How many draws build the quantile map of an object that only has ``rvs``.
EMPIRICAL_SAMPLES = 2000
#: A discrete distribution with more values than this inside its quantile
#: range is refused; an Integer dimension handles wide ranges.
MAX_DISCRETE_VALUES = 100_000


def _describe(frozen):
    args = ", ".join([repr(a) for a in frozen.args] + [f"{k}={v!r}" for k, v in frozen.kwds.items()])
    return f"{frozen.dist.name}({args})"


def _probability_range(frozen):
    """The CDF interval searched: exact where the support is bounded."""
    lower, upper = frozen.support()
    p_low = 0.0 if math.isfinite(lower) else TAIL_QUANTILE
    p_high = 1.0 if math.isfinite(upper) else 1.0 - TAIL_QUANTILE
    return p_low, p_high


def _open_support(frozen):
    """The largest and smallest floats strictly inside the support's finite ends."""
    lower, upper = (float(end) for end in frozen.support())
    inside_lower = math.nextafter(lower, math.inf) if math.isfinite(lower) else lower
    inside_upper = math.nextafter(upper, -math.inf) if math.isfinite(upper) else upper
    return inside_lower, inside_upper


class ScipyContinuous(Dimension):
    """A continuous ``scipy.stats`` frozen distribution, searched by its quantiles.

    Values stay strictly inside the support: a finite end (``expon``'s 0,
    ``beta``'s 0 and 1) has probability zero, and is often a value the
    estimator refuses.
    """

    def __init__(self, name, frozen):
        self.frozen = frozen
        self._p_low, self._p_high = _probability_range(frozen)
        self._inside = _open_support(frozen)
        try:
            ends = [self._quantile(p) for p in (self._p_low, 0.5, self._p_high)]
        except Exception as exc:
            raise ValueError(
                f"Parameter {name!r}: the quantile function (ppf) of {_describe(frozen)} "
                f"failed ({exc}); give a distribution with a working ppf, or a Real range."
            ) from exc
        if not np.all(np.isfinite(ends)) or not ends[0] < ends[-1]:
            raise ValueError(
                f"Parameter {name!r}: the quantile function of {_describe(frozen)} gives "
                f"{[float(e) for e in ends]} at {[self._p_low, 0.5, self._p_high]}; "
                "it must be finite and increasing. Check the distribution's parameters."
            )
        self.low, self.high = float(ends[0]), float(ends[-1])
        # loguniform is the one family users reach for to search scales.
        self.scale = "log" if frozen.dist.name in ("loguniform", "reciprocal") else "linear"

    def to_unit(self, value):
        if not is_number(value):
            raise ValueError(f"{value!r} is not a number of {self!r}.")
        p = float(self.frozen.cdf(value))
        return float(np.clip((p - self._p_low) / (self._p_high - self._p_low), 0.0, 1.0))

    def _quantile(self, p):
        """The p-quantile, moved one float inside a finite end of the support.

        Asking ppf for p slightly inside (0, 1) instead does not work: ppf
        rounds onto the end for many families (``uniform(2, 3).ppf(1e-17)``
        is 2.0), scipy's root finding warns near 0 (``beta``), and no float
        lies between ``1 - 2**-53`` and 1.
        """
        x = float(self.frozen.ppf(p))
        return min(max(x, self._inside[0]), self._inside[1])

    def from_unit(self, u):
        p = self._p_low + float(u) * (self._p_high - self._p_low)
        return float(np.clip(self._quantile(p), self.low, self.high))

    def __repr__(self):
        return _describe(self.frozen)


def scipy_discrete(name, frozen):
    """An ordered discrete dimension from a discrete scipy.stats distribution."""
    p_low, p_high = _probability_range(frozen)
    try:
        first, last = frozen.ppf([p_low, p_high])
        if p_low == 0.0:
            first = frozen.support()[0]
    except Exception as exc:
        raise ValueError(
            f"Parameter {name!r}: the quantile function (ppf) of {_describe(frozen)} "
            f"failed ({exc}); give a list of values or an Integer range instead."
        ) from exc
    if not (math.isfinite(first) and math.isfinite(last)):
        raise ValueError(
            f"Parameter {name!r}: {_describe(frozen)} has no finite quantile range."
        )
    n_values = int(last - first) + 1
    if frozen.dist.name == "randint":
        # Uniform on its integers: exactly an Integer, which also handles wide ranges.
        return _Labelled(Integer(int(first), int(last)), _describe(frozen))
    if n_values > MAX_DISCRETE_VALUES:
        raise ValueError(
            f"Parameter {name!r}: {_describe(frozen)} spans {n_values} values; "
            f"use Integer(low, high) for ranges wider than {MAX_DISCRETE_VALUES}."
        )
    values = first + np.arange(n_values)
    weights = frozen.pmf(values)
    keep = weights > weights.max() * 1e-12  # cells must have width
    values = [int(v) if float(v).is_integer() else float(v) for v in values[keep]]
    return _Labelled(Ordinal(values, weights[keep]), _describe(frozen))


class _Labelled(Dimension):
    """A dimension shown under the name of what the user wrote."""

    def __init__(self, inner, label):
        self.inner, self.label = inner, label
        self.coordinate, self.scale = inner.coordinate, inner.scale

    @property
    def values(self):
        return self.inner.values

    @property
    def size(self):
        return self.inner.size

    def to_unit(self, value):
        return self.inner.to_unit(value)

    def from_unit(self, u):
        return self.inner.from_unit(u)

    def __repr__(self):
        return self.label


class EmpiricalContinuous(Dimension):
    """Continuous values through the quantiles of a sample."""

    def __init__(self, sample, label):
        self.sample = np.sort(np.asarray(sample, dtype=float))
        self.low, self.high = float(self.sample[0]), float(self.sample[-1])
        self._probabilities = np.linspace(0.0, 1.0, len(self.sample))
        self.label = label

    def to_unit(self, value):
        if not is_number(value):
            raise ValueError(f"{value!r} is not a number of {self!r}.")
        return float(np.interp(value, self.sample, self._probabilities))

    def from_unit(self, u):
        return float(np.interp(float(u), self._probabilities, self.sample))

    def __repr__(self):
        return self.label


def _draw(name, distribution, rng):
    # Objects with rvs are called the way ParameterSampler calls them: with a
    # RandomState, seeded here from the search's own generator.
    random_state = np.random.RandomState(rng.integers(2**32))
    try:
        sample = distribution.rvs(size=EMPIRICAL_SAMPLES, random_state=random_state)
        sample = list(np.asarray(sample, dtype=object).reshape(-1))
        if len(sample) == EMPIRICAL_SAMPLES:
            return sample
    except Exception:  # no size argument, or broken: the loop below reports it
        pass
    try:
        return [distribution.rvs(random_state=random_state) for _ in range(EMPIRICAL_SAMPLES)]
    except Exception as exc:
        raise ValueError(
            f"Parameter {name!r}: drawing from {distribution!r} with "
            f"rvs(random_state=...) failed ({exc})."
        ) from exc


def empirical(name, distribution, rng):
    """A dimension from an object with ``rvs``: its sample's quantile map."""
    sample = [as_python(v) for v in _draw(name, distribution, rng)]
    label = f"empirical({distribution!r})"
    numeric = all(is_number(v) for v in sample)
    if numeric and all(float(v).is_integer() for v in sample):
        values, counts = np.unique(np.asarray(sample, dtype=float), return_counts=True)
        return _Labelled(Ordinal([int(v) for v in values], counts), label)
    if numeric:
        values, counts = np.unique(np.asarray(sample, dtype=float), return_counts=True)
        # Repeated draws mean atoms: a few floats (or a grid) are searched as
        # those values, not interpolated into values the object never draws.
        if len(values) <= len(sample) // 2:
            drawn = {}  # each value as first drawn, so an int stays an int
            for v in sample:
                drawn.setdefault(float(v), v)
            return _Labelled(Ordinal([drawn[float(v)] for v in values], counts), label)
        return EmpiricalContinuous(sample, label)
    choices, counts = [], []
    for value in sample:
        for i, choice in enumerate(choices):
            if choice is value or _safe_equal(choice, value):
                counts[i] += 1
                break
        else:
            choices.append(value)
            counts.append(1)
    return _Labelled(_Discrete(choices, counts, kind=CATEGORICAL), label)


def from_scipy(name, frozen):
    if isinstance(frozen.dist, stats.rv_discrete):
        return scipy_discrete(name, frozen)
    return ScipyContinuous(name, frozen)


def is_scipy_frozen(value):
    return hasattr(value, "dist") and hasattr(value, "ppf") and hasattr(value, "support")

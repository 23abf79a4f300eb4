"""Reading what users pass as ``param_distributions`` into sktune dimensions.

Foreign dimension objects (scikit-optimize's, Optuna's) are read through their
attributes, so neither package is imported.
"""

import re
import warnings

import numpy as np

from sktune.space._dimensions import (
    Categorical,
    Dimension,
    Integer,
    Ordinal,
    Real,
    is_number,
)
from sktune.space._distributions import empirical, from_scipy, is_scipy_frozen

_PRIOR_WORDS = {"uniform", "log-uniform", "loguniform", "log"}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# "1..10", "1-10", "1:10", "1 to 10", "1e-3...1e3": a range written as a string.
_RANGE_STRING = re.compile(
    rf"^\s*({_NUMBER})\s*(?:\.{{2,3}}|-|:|,|to)\s*({_NUMBER})\s*$", re.IGNORECASE
)


def _module_of(value):
    return type(value).__module__.split(".")[0]


def _from_skopt(name, value):
    kind = type(value).__name__
    if kind == "Categorical":
        return Categorical(list(value.categories))
    # The base of a log prior does not change which points are searched.
    prior = getattr(value, "prior", "uniform") or "uniform"
    cls = Real if kind == "Real" else Integer
    return cls(value.low, value.high, prior=prior)


def _from_optuna(name, value):
    kind = type(value).__name__
    if kind == "CategoricalDistribution":
        return Categorical(list(value.choices))
    step, log = getattr(value, "step", None), getattr(value, "log", False)
    prior = "log-uniform" if log else "uniform"
    if kind == "IntDistribution":
        if step in (None, 1):
            return Integer(value.low, value.high, prior=prior)
        return Ordinal(list(range(value.low, value.high + 1, step)))
    if step is not None:
        n_steps = int(round((value.high - value.low) / step))
        # 15 significant digits drop the float noise of low + i * step, so that
        # step=0.1 gives 0.3 (the value a user writes), not 0.30000000000000004.
        return Ordinal([float(f"{value.low + i * step:.15g}") for i in range(n_steps + 1)])
    return Real(value.low, value.high, prior=prior)


def _from_sequence(name, values):
    if isinstance(values, np.ndarray):
        values = list(values.reshape(-1)) if values.ndim <= 1 else list(values)
    else:
        values = list(values)
    if not values:
        raise ValueError(
            f"Parameter {name!r} has an empty list of values: give at least one."
        )
    if all(is_number(v) for v in values):
        return Ordinal(values)
    return Categorical(values)


def _looks_like_skopt_shorthand(value):
    return (
        isinstance(value, tuple)
        and len(value) in (3, 4)
        and is_number(value[0])
        and is_number(value[1])
        and isinstance(value[2], str)
        and value[2] in _PRIOR_WORDS
    )


def _is_integral_text(text):
    return re.fullmatch(r"[-+]?\d+", text) is not None


def _check_range_string(name, value):
    match = _RANGE_STRING.match(value)
    if match is None:
        return
    low, high = match.groups()
    if _is_integral_text(low) and _is_integral_text(high):
        hint = (
            f"Integer({low}, {high}) for whole numbers or Real({low}, {high}) for any "
            "number between them (both from sktune)"
        )
    else:
        hint = f"Real({low}, {high}) (from sktune import Real)"
    raise TypeError(
        f"Parameter {name!r} is the string {value!r}, which is not a range. For the "
        f"range from {low} to {high} write {hint}; for a list of choices write a list."
    )


def _warn_if_two_number_tuple(name, value):
    if not (isinstance(value, tuple) and len(value) == 2 and all(map(is_number, value))):
        return
    low, high = value
    integral = all(isinstance(v, (int, np.integer)) for v in value)
    kind = "Integer" if integral else "Real"
    warnings.warn(
        f"Parameter {name!r} is the tuple {value!r}: sktune searches its two values "
        "only, as scikit-learn does. If you meant the range between them "
        f"(scikit-optimize's shorthand), write {kind}({low!r}, {high!r}) (from sktune "
        f"import {kind}); write the two values as a list, [{low!r}, {high!r}], to "
        "silence this warning.",
        UserWarning,
        stacklevel=2,
    )


def to_dimension(name, value, rng):
    """Turn one ``param_distributions`` entry into a Dimension, or say what is wrong."""
    if isinstance(value, Dimension):
        return value
    module = _module_of(value)
    if module == "skopt" and type(value).__name__ in ("Real", "Integer", "Categorical"):
        return _from_skopt(name, value)
    if module == "optuna" and type(value).__name__.endswith("Distribution"):
        return _from_optuna(name, value)
    if is_scipy_frozen(value):
        return from_scipy(name, value)
    if hasattr(value, "rvs"):
        return empirical(name, value, rng)
    if _looks_like_skopt_shorthand(value):
        low, high, prior = value[:3]
        kind = "Integer" if all(isinstance(v, int) for v in (low, high)) else "Real"
        raise ValueError(
            f"Parameter {name!r} is the tuple {value!r}, which scikit-learn would read "
            f"as {len(value)} separate choices. For a range write "
            f"{kind}({low!r}, {high!r}, prior={'log-uniform' if 'log' in prior else 'uniform'!r}) "
            f"(from sktune import {kind}); for choices use a list."
        )
    if isinstance(value, str):
        _check_range_string(name, value)
    if isinstance(value, (str, bytes)) or is_number(value) or value is None or isinstance(
        value, (bool, np.bool_)
    ):
        raise TypeError(
            f"Parameter {name!r} is the single value {value!r}; a search needs a list "
            f"or a distribution. To fix it, wrap it in a list: [{value!r}]."
        )
    if isinstance(value, dict):
        raise TypeError(
            f"Parameter {name!r} is a dict; give a list of choices, a distribution or "
            "an sktune dimension (a list of dicts at the top level means sub-spaces)."
        )
    try:
        iter(value)
    except TypeError:
        raise TypeError(
            f"Parameter {name!r} is {value!r} ({type(value).__name__}), which is neither "
            "a list, a distribution with rvs, nor an sktune dimension."
        ) from None
    _warn_if_two_number_tuple(name, value)
    return _from_sequence(name, value)

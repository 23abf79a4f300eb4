"""Fingerprints of what a checkpoint's results depend on, the same in every process.

A checkpoint is re-used only by the search that wrote it: same estimator,
space, scoring, data and cross-validation splits. Each is reduced to a short
digest that does not depend on memory addresses, dict order, the process or
the session, so a notebook restarted tomorrow recognises its own file:

- functions and classes by module and qualified name (a lambda or a local
  function also by its code), estimators by type and ``get_params``,
  arrays by content, scipy distributions by family and arguments, Keras
  models by architecture and compile settings, other objects by their
  attributes (random generators excepted: their state changes as they are
  used, not what they describe);
- the space by how it decodes points (names, axes, the value of every level
  and of probes along continuous axes): records are points of the unit cube,
  so two spaces that decode them alike are the same space;
- the data by content, the splits by their actual train/test indices.
"""

import functools
import hashlib
import json
import numbers
import re
import types

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator

from sktune._budget import data_key

# Beyond this many levels a discrete axis is described by this many of them.
_MAX_LEVELS_DESCRIBED = 1000
_CONTINUOUS_PROBES = np.linspace(0.0, 1.0, 11)
# Objects nested deeper than this are described by their type alone.
_MAX_DEPTH = 12


def digest(obj):
    """A 32-character hex digest of :func:`canonical`."""
    text = json.dumps(canonical(obj), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _qualified_name(obj):
    return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', None)}"


def _code(code):
    # Not marshal: it holds the file name and line numbers, which change
    # between notebook sessions while the function does not.
    return [
        code.co_code.hex(),
        code.co_names,
        [_code(c) if isinstance(c, types.CodeType) else canonical(c) for c in code.co_consts],
    ]


def canonical(obj, _depth=0, _seen=None):
    """A JSON-able description of ``obj`` that is the same in every process."""
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        return ["float", repr(float(obj))]  # repr round-trips; NaN is text
    if isinstance(obj, numbers.Complex):
        return ["complex", repr(complex(obj))]
    if _depth > _MAX_DEPTH:
        return ["deep", _qualified_name(type(obj))]
    seen = set() if _seen is None else _seen
    if id(obj) in seen:
        return ["cycle", _qualified_name(type(obj))]
    seen = seen | {id(obj)}

    def inner(value):
        return canonical(value, _depth + 1, seen)

    if isinstance(obj, (list, tuple, set, frozenset)):
        items = [inner(v) for v in obj]
        if isinstance(obj, (set, frozenset)):
            items.sort(key=json.dumps)
        return [type(obj).__name__, items]
    if isinstance(obj, dict):
        items = [[inner(k), inner(v)] for k, v in obj.items()]
        return ["dict", sorted(items, key=json.dumps)]
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            return ["ndarray", list(obj.shape), [inner(v) for v in obj.reshape(-1)]]
        return ["ndarray", data_key(obj)]
    if isinstance(obj, (np.random.RandomState, np.random.Generator)):
        return ["random", type(obj).__name__]
    if isinstance(obj, type):
        return ["class", _qualified_name(obj)]
    if isinstance(obj, types.FunctionType):
        name = _qualified_name(obj)
        if "<" in name:  # a lambda or a local function: the name is not enough
            return ["function", name, _code(obj.__code__)]
        return ["function", name]
    if isinstance(obj, types.MethodType):
        return ["method", obj.__func__.__qualname__, inner(obj.__self__)]
    if isinstance(obj, (types.BuiltinFunctionType, np.ufunc)):
        return ["builtin", getattr(obj, "__module__", None), obj.__name__]
    if isinstance(obj, functools.partial):
        return ["partial", inner(obj.func), inner(obj.args), inner(obj.keywords)]
    if isinstance(obj, BaseEstimator):
        return ["estimator", _qualified_name(type(obj)), inner(obj.get_params(deep=False))]
    if _is_scipy_frozen(obj):
        # Not its attributes: a frozen distribution holds the global random
        # state, which changes whenever NumPy's global generator is used.
        return ["scipy", obj.dist.name, inner(list(obj.args)), inner(obj.kwds)]
    if type(obj).__module__.startswith("keras") and hasattr(obj, "get_config"):
        # A Keras model or layer is its architecture and compile settings: its
        # weights are random (the wrappers clone it for every fit).
        compiled = getattr(obj, "get_compile_config", lambda: None)()
        config = _without_name_counters([obj.get_config(), compiled])
        return ["keras", _qualified_name(type(obj)), inner(config)]
    if hasattr(obj, "__dict__"):
        return ["object", _qualified_name(type(obj)), inner(vars(obj))]
    try:
        return ["pickled", _qualified_name(type(obj)), joblib.hash(obj)]
    except Exception:  # not picklable: its type is all that is stable
        return ["object", _qualified_name(type(obj))]


def _without_name_counters(config):
    """A Keras config without the counters Keras appends to default names.

    The second ``Dense`` layer a process builds is named ``dense_1``; the same
    model built in a new session is named ``dense`` again.
    """
    if isinstance(config, dict):
        return {
            key: re.sub(r"_\d+$", "", value)
            if key == "name" and isinstance(value, str)
            else _without_name_counters(value)
            for key, value in config.items()
        }
    if isinstance(config, (list, tuple)):
        return [_without_name_counters(value) for value in config]
    return config


def _is_scipy_frozen(obj):
    return hasattr(obj, "dist") and hasattr(obj, "ppf") and hasattr(obj, "kwds")


def space_fingerprint(space):
    """Digest of how each sub-space decodes points of its unit cube."""
    described = []
    for subspace in space.subspaces:
        dimensions = []
        for dimension in subspace.dimensions.values():
            coordinate = dimension.coordinate
            if coordinate.is_discrete:
                levels = np.arange(coordinate.n_levels)
                if len(levels) > _MAX_LEVELS_DESCRIBED:
                    levels = np.unique(
                        np.linspace(0, len(levels) - 1, _MAX_LEVELS_DESCRIBED).round()
                    ).astype(int)
                units = coordinate.centres[levels]
                layout = [coordinate.kind, int(coordinate.n_levels), data_key(coordinate.edges)]
            else:
                units = _CONTINUOUS_PROBES
                layout = [coordinate.kind]
            values = [dimension.from_unit(u) for u in units]
            dimensions.append([layout, canonical(values)])
        described.append([subspace.names, dimensions])
    return digest(described)


def data_fingerprint(data):
    """Digest of a data argument's content (None stays None)."""
    if data is None:
        return None
    if sparse.issparse(data):
        matrix = sparse.csr_matrix(data, copy=True)
        matrix.sum_duplicates()
        matrix.sort_indices()
        return data_key(np.asarray(matrix.shape), matrix.data, matrix.indices, matrix.indptr)
    if hasattr(data, "columns") and hasattr(data, "iloc"):  # a DataFrame, column by column
        names = np.asarray([str(name) for name in data.columns], dtype=object)
        return data_key(names, *(np.asarray(data.iloc[:, j]) for j in range(data.shape[1])))
    return data_key(np.asarray(data))


def splits_fingerprint(splits):
    """Digest of the train/test indices of every split, in order."""
    return data_key(*(np.asarray(part, dtype=np.int64) for split in splits for part in split))


def search_fingerprints(search, X, y, params, cv):
    """The fingerprints a checkpoint header holds for ``search.fit(X, y, **params)``.

    ``cv`` is the checked splitter; its splits are computed here, before any
    fit, so that a checkpoint written on other folds is refused at once.
    """
    groups = params.get("groups")
    splits = list(cv.split(X, y, groups))
    shape = getattr(X, "shape", None) or np.shape(X)
    return {
        "search": type(search).__name__,
        "estimator": digest(search.estimator),
        "space": space_fingerprint(search.space_),
        "scoring": digest(search.scoring),
        "return_train_score": bool(search.return_train_score),
        "data_shape": [int(n) for n in shape],
        "X": data_fingerprint(X),
        "y": data_fingerprint(y),
        "groups": data_fingerprint(groups),
        "sample_weight": data_fingerprint(params.get("sample_weight")),
        "n_splits": len(splits),
        "splits": splits_fingerprint(splits),
    }

"""Checkpoint files: every evaluated candidate as one line of JSON, flushed at once.

The first line is a header that says what the search was (estimator, space,
data shape, splits, scoring); each later line is one candidate: its sub-space,
its point in the unit cube, its iteration and the per-split output of
scikit-learn's ``_fit_and_score`` (scores, times, sample counts, error text).
Loading parses plain JSON only, so a checkpoint can never execute code.
"""

import inspect
import json
import math
import numbers
import os
import warnings

import numpy as np
from sklearn.base import BaseEstimator

FORMAT = "sktune-checkpoint"
VERSION = 1
# Points spread over the cube, decoded to fingerprint a space: a space that
# decodes them differently (other ranges, other choices, another sample of an
# rvs-only distribution) is another space.
_PROBES = (0.05, 0.35, 0.65, 0.95)


def stable_repr(obj):
    """A repr that is the same in every process: no memory addresses."""
    if isinstance(obj, BaseEstimator):
        params = obj.get_params(deep=False)
        inner = ", ".join(f"{k}={stable_repr(v)}" for k, v in sorted(params.items()))
        return f"{type(obj).__qualname__}({inner})"
    if inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj):
        return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"
    if isinstance(obj, dict):
        items = ", ".join(f"{stable_repr(k)}: {stable_repr(v)}" for k, v in sorted(obj.items(), key=lambda kv: str(kv[0])))
        return "{" + items + "}"
    if isinstance(obj, (list, tuple)):
        inner = ", ".join(stable_repr(v) for v in obj)
        return f"[{inner}]" if isinstance(obj, list) else f"({inner})"
    if isinstance(obj, np.ndarray):
        return f"array(shape={obj.shape}, dtype={obj.dtype}, sum={float(np.sum(obj)) if obj.dtype.kind in 'biuf' else '?'})"
    if obj is None or isinstance(obj, (str, bool, numbers.Number)):
        return repr(obj)
    text = repr(obj)
    return type(obj).__qualname__ if " at 0x" in text else text


def space_fingerprint(space):
    subspaces = []
    for sub in space.subspaces:
        probes = [sub.from_unit([p] * sub.n_dims) for p in _PROBES]
        subspaces.append(
            {"names": sub.names, "dimensions": [repr(d) for d in sub.dimensions.values()],
             "probes": stable_repr(probes)}
        )
    return subspaces


def _plain(value):
    """Scores and times as JSON numbers (NaN allowed), dicts kept."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str):
        return value
    return float(value)


def encode_output(split_output):
    """One split's ``_fit_and_score`` output as plain JSON data."""
    return {key: _plain(value) for key, value in split_output.items() if key != "parameters"}


def decode_output(record):
    out = dict(record)
    out["n_test_samples"] = int(out["n_test_samples"])
    return out


class Checkpoint:
    """An append-only JSON-lines file of evaluated candidates.

    Use :meth:`open`, which checks the header against the running search and
    returns the candidates already evaluated.
    """

    def __init__(self, path, header, valid_size):
        self.path = os.fspath(path)
        self.header = header
        self._valid_size = valid_size

    @classmethod
    def open(cls, path, header):
        """Load ``path`` (or start it); return the checkpoint and its records.

        Raises
        ------
        ValueError
            If the file was written by another search (estimator, space, data
            shape, splits or scoring differ), or a line other than the last is
            not valid JSON.
        """
        path = os.fspath(path)
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            return cls(path, header, 0), []
        with open(path, "rb") as f:
            raw_lines = f.read().split(b"\n")
        records, valid_size = [], 0
        complete = raw_lines[:-1]  # text after the last newline never finished
        tail = raw_lines[-1]
        for number, raw in enumerate(complete, start=1):
            try:
                entry = json.loads(raw)
            except ValueError as exc:
                raise ValueError(
                    f"Checkpoint {path!r}: line {number} is not valid JSON ({exc}). "
                    "The file is corrupt; move it away to start a new search."
                ) from None
            if number == 1:
                cls._check_header(path, entry, header)
            else:
                records.append(entry)
            valid_size += len(raw) + 1
        if tail.strip():
            warnings.warn(
                f"Checkpoint {path!r}: the last line is incomplete (the search was "
                "interrupted while writing it); that candidate will be evaluated again.",
                UserWarning,
                stacklevel=3,
            )
        if valid_size == 0:  # only a partial header: start afresh
            return cls(path, header, 0), []
        return cls(path, header, valid_size), records

    @staticmethod
    def _check_header(path, found, expected):
        if not isinstance(found, dict) or found.get("format") != FORMAT:
            raise ValueError(
                f"{path!r} is not an sktune checkpoint (its first line has no "
                f"'format': {FORMAT!r}). Give a new file name."
            )
        if found.get("version") != VERSION:
            raise ValueError(
                f"Checkpoint {path!r} has format version {found.get('version')}, "
                f"this sktune writes version {VERSION}."
            )
        for key, value in expected.items():
            if key in ("format", "version"):
                continue
            if found.get(key) != value:
                raise ValueError(
                    f"Checkpoint {path!r} was written by a different search: its "
                    f"{key} is {found.get(key)!r}, this search's is {value!r}. "
                    "Use a new checkpoint file for a new search."
                )

    def append(self, records):
        """Append records and flush them to disk before returning."""
        mode = "r+b" if os.path.exists(self.path) else "wb"
        with open(self.path, mode) as f:
            # Drop a partial line left by a crash so the next line starts clean.
            f.truncate(self._valid_size)
            f.seek(self._valid_size)
            lines = []
            if self._valid_size == 0:
                lines.append(self.header)
            lines.extend(records)
            data = b"".join(
                json.dumps(line, allow_nan=True).encode() + b"\n" for line in lines
            )
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            self._valid_size += len(data)


def make_header(search, data_shape, space):
    return {
        "format": FORMAT,
        "version": VERSION,
        "search": type(search).__name__,
        "estimator": stable_repr(search.estimator),
        "space": space_fingerprint(space),
        "data_shape": list(data_shape),
        "n_splits": search._n_splits,
        "scoring": stable_repr(search.scoring),
        "return_train_score": bool(search.return_train_score),
    }


def mean_score(outputs, metric):
    """Mean test score of one candidate's split outputs, as sklearn averages it."""
    scores = []
    for out in outputs:
        score = out["test_scores"]
        scores.append(score[metric] if isinstance(score, dict) else score)
    scores = np.asarray(scores, dtype=float)
    return float(np.mean(scores)) if len(scores) else math.nan

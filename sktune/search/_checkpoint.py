"""Checkpoint files: a header naming the search, then one line per evaluated candidate.

Format version 2, JSON lines:

- the header, ``{"format": "sktune-checkpoint", "version": 2, "seed": ...,
  "search": {...}}``: ``search`` holds the fingerprints of what the results
  depend on (search class, estimator, space, scoring, data, CV splits), and
  ``seed`` the root seed of the search that wrote it, which a search with
  ``random_state=None`` adopts so that it resumes exactly;
- then one record per evaluated candidate, ``{"point": [...], "more": {...},
  "outputs": [...]}``: its point in its sub-space's unit cube, the extra
  ``cv_results_`` columns of its row (``iteration`` or ``generation``,
  ``subspace``; a multi-fidelity search adds its resource and rung there and
  may hold one point at several budgets), and the per-split output of
  scikit-learn's ``_fit_and_score`` (scores, times, test sizes, error text).

One search writes a file at a time: it holds a lock on the sibling ``.lock``
file for its whole ``fit`` (the lock dies with its process). Records are
appended and flushed to disk batch by batch; loading parses plain JSON only,
so a checkpoint can never execute code.
"""

from dataclasses import dataclass
import json
import math
import numbers
import os
import warnings

from filelock import FileLock, Timeout
import numpy as np

FORMAT = "sktune-checkpoint"
VERSION = 2
LOCK_SUFFIX = ".lock"

# Why two searches differ, for each fingerprint of the header, in the order
# they are reported.
_DIFFERENCES = {
    "search": "it was written by {found}, this search is a {expected}",
    "estimator": "the estimator differs (its type or parameters)",
    "space": (
        "the search space differs (param_distributions; a distribution with only "
        "rvs is sampled with random_state, so it also needs the same random_state)"
    ),
    "scoring": "scoring differs",
    "return_train_score": "return_train_score differs ({found} then, {expected} now)",
    "data_shape": "the data shape differs ({found} then, {expected} now)",
    "X": "X differs",
    "y": "y differs",
    "groups": "groups differ",
    "sample_weight": "sample_weight differs",
    "n_splits": "the CV splits differ ({found} splits then, {expected} now)",
    "splits": (
        "the CV splits differ (other train/test indices; a splitter that shuffles "
        "needs a fixed random_state)"
    ),
    "schedule": (
        "the successive-halving settings differ ({found} then, {expected} now; "
        "n_points=None plans for the number of workers of n_jobs)"
    ),
}
_OUTPUT_KEYS = ("test_scores", "n_test_samples", "fit_time", "score_time")


@dataclass(frozen=True)
class Record:
    """One evaluated candidate: a point, its extra columns and its split outputs."""

    point: tuple
    more: dict
    outputs: list
    line: int = 0

    @property
    def subspace(self):
        return int(self.more.get("subspace", 0))

    @classmethod
    def of_evaluation(cls, point, more, split_outputs):
        """The record of a candidate just evaluated (outputs as ``_fit_and_score`` gave)."""
        return cls(
            point=tuple(float(u) for u in point),
            more={key: _plain(value) for key, value in more.items()},
            outputs=[_encode_output(out) for out in split_outputs],
        )

    def to_json(self):
        return {"point": list(self.point), "more": self.more, "outputs": self.outputs}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _plain_score(value):
    """Scores and times as JSON numbers (NaN allowed), dicts kept."""
    if isinstance(value, dict):
        return {str(k): _plain_score(v) for k, v in value.items()}
    if value is None or isinstance(value, str):
        return value
    return float(value)


def _encode_output(split_output):
    return {k: _plain_score(v) for k, v in split_output.items() if k != "parameters"}


def decode_output(encoded):
    """A record's split output as ``_fit_and_score`` returns it."""
    out = dict(encoded)
    out["n_test_samples"] = int(out["n_test_samples"])
    return out


def mean_score(outputs, metric):
    """Mean test score of one candidate's split outputs, as sklearn averages it."""
    scores = []
    for out in outputs:
        score = out["test_scores"]
        scores.append(score[metric] if isinstance(score, dict) else score)
    scores = np.asarray(scores, dtype=float)
    return float(np.mean(scores)) if len(scores) else math.nan


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _parse_record(entry, number, path):
    """A Record from a parsed line, or the "corrupt line" error."""
    problem = None
    if not isinstance(entry, dict):
        problem = f"it is a {type(entry).__name__}, not a record"
    elif not (
        isinstance(entry.get("point"), list)
        and entry["point"]
        and all(_is_number(u) and 0.0 <= u <= 1.0 for u in entry["point"])
    ):
        problem = "its 'point' is not a list of numbers in [0, 1]"
    elif not isinstance(entry.get("more"), dict):
        problem = "its 'more' is not a dict"
    elif not (
        isinstance(entry.get("outputs"), list)
        and entry["outputs"]
        and all(
            isinstance(out, dict) and all(key in out for key in _OUTPUT_KEYS)
            for out in entry["outputs"]
        )
    ):
        problem = f"its 'outputs' is not a list of split outputs with {list(_OUTPUT_KEYS)}"
    if problem is not None:
        raise ValueError(
            f"Checkpoint {path!r}: line {number} is corrupt ({problem}). The file "
            "was changed by something other than sktune; move it away to start a "
            "new search, or delete that line."
        )
    return Record(tuple(entry["point"]), entry["more"], entry["outputs"], number)


class Checkpoint:
    """An append-only JSON-lines file of evaluated candidates, with one writer.

    Use :meth:`acquire`, which locks the file for this search, then
    :meth:`start`, which checks the header against the search (or writes it).
    :meth:`release` gives the lock back.

    Attributes
    ----------
    header : dict or None
        The file's header, None for a new file.
    records : list of Record
        The candidates the file held when it was acquired, in order.
    """

    def __init__(self, path, lock):
        self.path = path
        self._lock = lock
        self.header = None
        self.records = []
        self._valid_size = 0

    @classmethod
    def acquire(cls, path):
        """Lock ``path`` for this search and read it; fail before any fit.

        Raises
        ------
        RuntimeError
            If another search, in this process or another, holds the file.
        ValueError
            If the file is not a version-2 sktune checkpoint or a line other
            than the last is corrupt.
        OSError
            If the file or its folder cannot be created or written.
        """
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"Checkpoint {path!r}: its folder {folder!r} cannot be created "
                f"({exc.strerror or exc}). Give a checkpoint path in a writable folder.",
            ) from exc
        lock_path = path + LOCK_SUFFIX
        lock = FileLock(lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise RuntimeError(
                f"Checkpoint {path!r} is in use: another search, in this process or "
                f"another, holds its lock {lock_path!r}. Two searches appending to one "
                "file would corrupt it. Wait until the other search has finished, or "
                "give this one its own checkpoint file."
            ) from None
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"Checkpoint {path!r}: its lock file {lock_path!r} cannot be created "
                f"({exc.strerror or exc}). Give a checkpoint path in a writable folder.",
            ) from exc
        checkpoint = cls(path, lock)
        try:
            checkpoint._check_writable()
            checkpoint._read()
        except BaseException:
            checkpoint.release()
            raise
        return checkpoint

    def release(self):
        self._lock.release()

    @property
    def seed(self):
        """The root seed recorded in the header (None for a new file)."""
        return None if self.header is None else self.header.get("seed")

    def _check_writable(self):
        try:
            with open(self.path, "ab"):
                pass
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"Checkpoint {self.path!r} cannot be written ({exc.strerror or exc}). "
                "Give a checkpoint path that this process may write.",
            ) from exc

    def _read(self):
        with open(self.path, "rb") as f:
            raw_lines = f.read().split(b"\n")
        complete, tail = raw_lines[:-1], raw_lines[-1]  # the tail never got its newline
        size = 0
        for number, raw in enumerate(complete, start=1):
            size += len(raw) + 1
            if not raw.strip():
                continue  # a blank line (an editor's trailing newline) holds nothing
            try:
                entry = json.loads(raw)
            except ValueError as exc:
                raise ValueError(
                    f"Checkpoint {self.path!r}: line {number} is corrupt (not valid "
                    f"JSON: {exc}). Move the file away to start a new search, or "
                    "delete that line."
                ) from None
            if self.header is None:
                self.header = self._check_format(entry)
            else:
                self.records.append(_parse_record(entry, number, self.path))
            self._valid_size = size
        if tail.strip():
            warnings.warn(
                f"Checkpoint {self.path!r}: the last line is incomplete (the search was "
                "interrupted while writing it); that candidate will be evaluated again.",
                UserWarning,
                stacklevel=4,
            )

    def _check_format(self, found):
        if not isinstance(found, dict) or found.get("format") != FORMAT:
            raise ValueError(
                f"{self.path!r} is not an sktune checkpoint (its first line has no "
                f"'format': {FORMAT!r}). Give a new file name."
            )
        if found.get("version") != VERSION or not isinstance(found.get("search"), dict):
            raise ValueError(
                f"Checkpoint {self.path!r} has format version {found.get('version')}; "
                f"this sktune reads version {VERSION}, which also fingerprints the data "
                "and the CV splits, so the file's results cannot be checked against "
                "this search. Move it away or give a new file name."
            )
        return found

    def start(self, seed, fingerprints):
        """Check the header against this search, or write it to a new file.

        Raises
        ------
        ValueError
            If the file was written by a different search, naming every
            fingerprint that differs.
        """
        if self.header is None:
            self.header = {"format": FORMAT, "version": VERSION, "seed": seed,
                           "search": fingerprints}
            self._valid_size = 0  # drop a header cut short by a crash
            self._append_lines([self.header])
            return
        found = self.header["search"]
        differences = [
            why.format(found=found.get(key), expected=fingerprints.get(key))
            for key, why in _DIFFERENCES.items()
            if found.get(key) != fingerprints.get(key)
        ]
        if differences:
            raise ValueError(
                f"Checkpoint {self.path!r} was written by a different search: "
                f"{'; '.join(differences)}. Its results would not be comparable with "
                "this search's. Fit with the estimator, space, data and splits it was "
                "written for, or give this search a new checkpoint file."
            )

    def append(self, records):
        """Append records and flush them to disk before returning."""
        self._append_lines([record.to_json() for record in records])

    def _append_lines(self, lines):
        with open(self.path, "r+b") as f:
            # Drop a partial line left by a crash so the next line starts clean.
            f.truncate(self._valid_size)
            f.seek(self._valid_size)
            data = b"".join(
                json.dumps(line, allow_nan=True).encode() + b"\n" for line in lines
            )
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            self._valid_size += len(data)

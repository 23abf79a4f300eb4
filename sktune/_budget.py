"""Training budgets that can be continued: the contract between halving and estimators.

:class:`~sktune.HalvingBayesSearchCV` promotes a candidate from a small budget
(3 epochs) to a larger one (9 epochs) on the same cross-validation fold. An
estimator that can train further (sktune's Keras wrappers) should then
continue from its 3-epoch state instead of starting again. scikit-learn's
``evaluate_candidates`` clones the estimator for every fit and runs it in any
worker process, so the only thing that reaches the fit is the parameter
value. The search therefore gives the resource parameter a :class:`Budget`:
an ``int`` (every estimator reads it as the number it is) that also names a
:class:`StateStore` directory and the candidate.

An estimator that understands it does, in ``fit``::

    key = data_key(X, y, sample_weight)           # which fold this is
    found = budget.load(key)                       # (n_done, arrays) or None
    ... restore arrays, train from n_done to int(budget) ...
    budget.save(key, int(budget), arrays)

and falls back to training from scratch whenever ``load`` returns None (the
first rung, a worker that cannot reach the directory, a store over its disk
limit). Everything stored is plain arrays in ``.npz`` files read with
``allow_pickle=False``: loading a state never runs code.
"""

from collections import OrderedDict
import hashlib
import os
import tempfile
import threading

import numpy as np

_STATE_SUFFIX = ".npz"
# Live objects (a fitted Keras model) kept in this process, so that a
# candidate promoted in the same process continues without rebuilding or
# re-tracing its model. Bounded; an entry whose state file is gone (the
# candidate was dropped, or its search ended) is never used and is evicted.
MAX_LIVE_STATES = 8
_live = OrderedDict()
_live_lock = threading.Lock()


def data_key(*arrays):
    """A short hex digest of arrays' shapes, dtypes and bytes (None entries allowed).

    Identifies the training fold an estimator is fitted on, in any process: the
    same rows of the same data give the same key.
    """
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        if array is None:
            digest.update(b"none")
            continue
        array = np.ascontiguousarray(array)
        digest.update(str((array.shape, array.dtype.str)).encode())
        if array.dtype.hasobject:
            digest.update(repr(array.tolist()).encode())
        else:
            digest.update(array.view(np.uint8).reshape(-1).data)
    return digest.hexdigest()


class StateStore:
    """A directory of per-candidate, per-fold training states, bounded in size.

    Parameters
    ----------
    directory : str
        Where states are written; created if missing.
    max_bytes : int or None
        Once the states on disk take this many bytes, new states are not
        written (those candidates restart if promoted). None: no bound.
    """

    def __init__(self, directory, max_bytes=None):
        self.directory = os.fspath(directory)
        self.max_bytes = max_bytes
        os.makedirs(self.directory, exist_ok=True)

    def _candidate_dir(self, candidate):
        return os.path.join(self.directory, str(candidate))

    def _path(self, candidate, key):
        return os.path.join(self._candidate_dir(candidate), key + _STATE_SUFFIX)

    def load(self, candidate, key):
        """The ``(n_done, arrays)`` saved for a candidate on a fold, or None."""
        try:
            with np.load(self._path(candidate, key), allow_pickle=False) as saved:
                arrays = {name: saved[name] for name in saved.files}
        except (OSError, ValueError):  # missing, unreachable or half-written
            return None
        n_done = arrays.pop("__n_done__", None)
        if n_done is None:
            return None
        return int(n_done), arrays

    def save(self, candidate, key, n_done, arrays):
        """Write a state atomically; False when it was not written.

        A state is not written when the directory cannot be reached (a worker
        on another machine) or the store is at its size limit: the candidate
        then trains from scratch if it is promoted, which is slower but gives
        the same kind of result.
        """
        if self.max_bytes is not None and self.size() >= self.max_bytes:
            return False
        directory = self._candidate_dir(candidate)
        try:
            os.makedirs(directory, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as f:
                np.savez(f, __n_done__=np.asarray(n_done), **arrays)
            os.replace(temporary, self._path(candidate, key))
        except OSError:
            return False
        return True

    def discard(self, candidate):
        """Remove every state of a candidate (it was not promoted)."""
        directory = self._candidate_dir(candidate)
        try:
            names = os.listdir(directory)
        except OSError:
            return
        for name in names:
            try:
                os.remove(os.path.join(directory, name))
            except OSError:
                pass
        try:
            os.rmdir(directory)
        except OSError:
            pass

    def size(self):
        """Bytes of the states on disk."""
        total = 0
        for root, _, files in os.walk(self.directory):
            for name in files:
                try:
                    total += os.path.getsize(os.path.join(root, name))
                except OSError:
                    pass
        return total


class Budget(int):
    """An integer budget that also says where its candidate's training state lives.

    It compares, computes and prints as the plain ``int``; estimators that do
    not know it never see a difference. It pickles by value, so it reaches
    process and Dask workers with the rest of the parameters.

    Parameters
    ----------
    value : int
        The budget (epochs, iterations...).
    directory : str or None
        The :class:`StateStore` directory; None disables continuation.
    candidate : str
        The candidate's identifier in the store.
    max_bytes : int or None
        The store's size limit.
    """

    def __new__(cls, value, directory=None, candidate="", max_bytes=None):
        budget = super().__new__(cls, int(value))
        budget.directory = directory
        budget.candidate = str(candidate)
        budget.max_bytes = max_bytes
        return budget

    def __reduce__(self):
        return (type(self), (int(self), self.directory, self.candidate, self.max_bytes))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return repr(int(self))

    __str__ = __repr__

    def _store(self):
        if self.directory is None or not os.path.isdir(self.directory):
            return None  # unreachable from this worker
        return StateStore(self.directory, self.max_bytes)

    def load(self, key):
        """The ``(n_done, arrays)`` of this candidate on the fold ``key``, or None.

        Only a state trained for fewer than this budget is returned: a state
        at or above it cannot be continued to this budget.
        """
        store = self._store()
        found = None if store is None else store.load(self.candidate, key)
        if found is None or not 0 < found[0] < int(self):
            return None
        return found

    def save(self, key, n_done, arrays):
        """Store this candidate's state on the fold ``key``; False if not written."""
        store = self._store()
        return False if store is None else store.save(self.candidate, key, n_done, arrays)

    def _live_key(self, key):
        return (self.directory, self.candidate, key)

    def _state_file(self, key):
        return os.path.join(self.directory, self.candidate, key + _STATE_SUFFIX)

    def keep_live(self, key, n_done, obj):
        """Keep ``obj`` (trained for ``n_done``) in this process for a promotion.

        Call after :meth:`save` succeeded: the saved state is the reference, the
        live object a faster way to the same state in this process.
        """
        with _live_lock:
            _live[self._live_key(key)] = (int(n_done), obj)
            _live.move_to_end(self._live_key(key))
            for stale in [k for k in _live if not os.path.exists(self._state_file_of(k))]:
                del _live[stale]
            while len(_live) > MAX_LIVE_STATES:
                _live.popitem(last=False)

    def take_live(self, key):
        """The ``(n_done, obj)`` kept in this process for this candidate and fold, or None.

        Only an object trained for fewer than this budget, whose saved state
        still exists (the search has not dropped the candidate), is returned;
        it is removed from the process's keep.
        """
        with _live_lock:
            found = _live.pop(self._live_key(key), None)
        if found is None or not 0 < found[0] < int(self):
            return None
        if self.directory is None or not os.path.exists(self._state_file(key)):
            return None
        return found

    @staticmethod
    def _state_file_of(live_key):
        directory, candidate, key = live_key
        return os.path.join(str(directory), candidate, key + _STATE_SUFFIX)


def plain(value):
    """A :class:`Budget` as the plain int it stands for; anything else unchanged."""
    return int(value) if isinstance(value, Budget) else value

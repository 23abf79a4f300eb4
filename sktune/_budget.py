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
limit). A Keras state is plain arrays in ``.npz`` files read with
``allow_pickle=False``: loading it never runs code. A scikit-learn estimator
(:mod:`sktune.search._continuation`) is stored as its pickled attributes, in
the private directory (mode 0700) the search creates for its own fits and
removes at the end of ``fit``; only the search's own fits write there, so
loading them is as safe as the pickles joblib sends its workers.
"""

from collections import OrderedDict
import hashlib
import os
import pickle
import tempfile
import threading

import numpy as np

_STATE_SUFFIX = ".npz"
_OBJECT_SUFFIX = ".pkl"
# Live objects (a fitted Keras model, an estimator's attributes) kept in this
# process, so that a candidate promoted in the same process continues without
# rebuilding or re-tracing its model, or unpickling. An entry whose state file
# is gone (the candidate was dropped, or its search ended) or was replaced
# (another worker trained it further) is never used and is evicted. The rest
# are bounded by the size of their saved states, which is about the memory
# they hold, and by their number; the oldest go first, the newest always
# stays. A whole first rung should fit (27 candidates on 5 folds are 135
# models): only after the rung ends does the search know which it promotes.
MAX_LIVE_BYTES = 512 * 2**20
MAX_LIVE_STATES = 256
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

    def _path(self, candidate, key, suffix=_STATE_SUFFIX):
        return os.path.join(self._candidate_dir(candidate), key + suffix)

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
        return self._write(
            candidate, key, _STATE_SUFFIX,
            lambda f: np.savez(f, __n_done__=np.asarray(n_done), **arrays),
        )

    def load_object(self, candidate, key):
        """The ``(n_done, obj)`` pickled for a candidate on a fold, or None."""
        try:
            with open(self._path(candidate, key, _OBJECT_SUFFIX), "rb") as f:
                n_done, obj = pickle.load(f)
        except Exception:  # missing, half-written, or a class this worker lacks
            return None
        return int(n_done), obj

    def save_object(self, candidate, key, n_done, obj):
        """Pickle a state atomically; False when it was not written (see :meth:`save`)."""
        return self._write(
            candidate, key, _OBJECT_SUFFIX,
            lambda f: pickle.dump((int(n_done), obj), f, protocol=pickle.HIGHEST_PROTOCOL),
        )

    def _write(self, candidate, key, suffix, write):
        if self.max_bytes is not None and self.size() >= self.max_bytes:
            return False
        directory = self._candidate_dir(candidate)
        temporary = None
        try:
            os.makedirs(directory, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as f:
                write(f)
            os.replace(temporary, self._path(candidate, key, suffix))
        except Exception:  # unreachable, full, or a state that cannot be pickled
            if temporary is not None and os.path.exists(temporary):
                os.remove(temporary)
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
        return self._continuable(lambda store: store.load(self.candidate, key))

    def save(self, key, n_done, arrays):
        """Store this candidate's state on the fold ``key``; False if not written."""
        store = self._store()
        return False if store is None else store.save(self.candidate, key, n_done, arrays)

    def load_object(self, key):
        """The ``(n_done, obj)`` pickled by :meth:`save_object`, as :meth:`load` does."""
        return self._continuable(lambda store: store.load_object(self.candidate, key))

    def save_object(self, key, n_done, obj):
        """Pickle this candidate's state on the fold ``key``; False if not written."""
        store = self._store()
        return False if store is None else store.save_object(self.candidate, key, n_done, obj)

    def _continuable(self, load):
        store = self._store()
        found = None if store is None else load(store)
        if found is None or not 0 < found[0] < int(self):
            return None
        return found

    def _live_key(self, key):
        return (self.directory, self.candidate, key)

    def keep_live(self, key, n_done, obj):
        """Keep ``obj`` (trained for ``n_done``) in this process for a promotion.

        Call after :meth:`save` or :meth:`save_object` succeeded: the saved
        state is the reference, the live object a faster way to the same state
        in this process, valid while that file is the one on disk.
        """
        live_key = self._live_key(key)
        stamp = self._stamp(live_key)
        if stamp is None:
            return
        with _live_lock:
            _live[live_key] = (int(n_done), obj, stamp)
            _live.move_to_end(live_key)
            for stale in [k for k, v in _live.items() if self._stamp(k) != v[2]]:
                del _live[stale]
            while len(_live) > 1 and (
                len(_live) > MAX_LIVE_STATES
                or sum(entry[2][3] for entry in _live.values()) > MAX_LIVE_BYTES
            ):
                _live.popitem(last=False)

    def take_live(self, key):
        """The ``(n_done, obj)`` kept in this process for this candidate and fold, or None.

        Only an object trained for fewer than this budget whose saved state is
        still the one on disk is returned: not when the search has dropped the
        candidate (the file is gone), nor when another worker has trained it
        further since (the file was replaced). It is removed from the
        process's keep.
        """
        live_key = self._live_key(key)
        with _live_lock:
            found = _live.pop(live_key, None)
        if found is None or not 0 < found[0] < int(self):
            return None
        n_done, obj, stamp = found
        if self.directory is None or self._stamp(live_key) != stamp:
            return None
        return n_done, obj

    @staticmethod
    def _stamp(live_key):
        """What identifies the file saved for a state (a save replaces it), or None."""
        directory, candidate, key = live_key
        stem = os.path.join(str(directory), candidate, key)
        for suffix in (_STATE_SUFFIX, _OBJECT_SUFFIX):
            try:
                info = os.stat(stem + suffix)
            except OSError:
                continue
            return (suffix, info.st_ino, info.st_mtime_ns, info.st_size)
        return None


def forget_live(directory):
    """Drop what this process keeps live for the states under ``directory``."""
    with _live_lock:
        for live_key in [k for k in _live if k[0] == directory]:
            del _live[live_key]


def plain(value):
    """A :class:`Budget` as the plain int it stands for; anything else unchanged."""
    return int(value) if isinstance(value, Budget) else value

"""Resuming a search from its checkpoint by replay.

A resumed search runs the same ask/tell loop as the search that wrote the
checkpoint, and each batch it proposes is answered from the checkpoint's
records, in order, without a fit. The optimisers thus see exactly the asks
and tells of the uninterrupted search: their random state, their place in
the quasi-random sequence and their surrogate fits are rebuilt as they were,
and what they propose after the last record is what the uninterrupted search
would have proposed. When the records run out, real evaluation starts.

If a proposed batch is not the next recorded one (the checkpoint was written
with another ``n_points``, ``population_size``, ``random_state`` or sktune
version), the remaining records are told to the optimisers as they are, with
a warning, and the search goes on from there: nothing recorded is refitted,
but the search is no longer exactly the uninterrupted one.

``BaseSearchCV.fit`` needs at least one call of ``evaluate_candidates``. A
search whose every batch is already in the checkpoint passes its last
replayed batch through ``evaluate_candidates`` as :class:`RecordedCandidate`
objects; while :func:`recalling_recorded_outputs` is active, scikit-learn's
``_fit_and_score`` returns their recorded outputs instead of fitting, so the
search only refits the best candidate.
"""

from contextlib import contextmanager
from numbers import Integral
import threading
import warnings

import numpy as np
import sklearn.model_selection._search as _sklearn_search
from sklearn.model_selection._validation import _fit_and_score as _sklearn_fit_and_score
from sklearn.model_selection._validation import _insert_error_scores

from sktune.search._checkpoint import decode_output, mean_score


class Replay:
    """The checkpoint's records, handed back batch by batch as they are asked again.

    Parameters
    ----------
    records : list of Record
        In file order.
    keys : list
        The candidate key of each record (its sub-space and what identifies
        its parameters), comparable with the keys of a proposed batch.
    iteration_column : str
        The ``more`` entry that numbers batches; consecutive records with
        the same value were one batch.
    """

    def __init__(self, records, keys, iteration_column):
        self._records = list(records)
        self._keys = list(keys)
        self._column = iteration_column
        self._next = 0

    @property
    def pending(self):
        """True while records are left to answer with."""
        return self._next < len(self._records)

    def answer(self, keys):
        """The records that answer the proposed batch ``keys``, or None.

        All of ``keys`` are answered when the next recorded batch holds them
        in this order, or starts with them (a smaller remaining budget cut
        the batch short). The start of ``keys`` is answered when the file
        ends with a shorter batch (a crash cut its writing short); the rest
        is evaluated. None means the proposal left the recorded path; an
        empty list, that no record is left.
        """
        if not self.pending:
            return []
        end = self._next
        batch = self._records[self._next].more.get(self._column)
        while end < len(self._records) and self._records[end].more.get(self._column) == batch:
            end += 1
        recorded, keys = self._keys[self._next : end], list(keys)
        if recorded[: len(keys)] == keys:
            taken = len(keys)
        elif end == len(self._records) and keys[: len(recorded)] == recorded:
            taken = len(recorded)
        else:
            return None
        answer = self._records[self._next : self._next + taken]
        self._next += taken
        return answer

    def take_rest(self):
        """Every record not yet answered, with its key; the replay ends."""
        rest = list(zip(self._keys[self._next :], self._records[self._next :], strict=True))
        self._next = len(self._records)
        return rest


class ResumeMixin:
    """What a search does with its checkpoint's records (mixed into the search).

    It relies on the search loop's ``space_``, ``optimizers_``, ``_key``,
    ``_metric``, ``_more_results``, ``_evaluate_batch`` and on the fit's
    temporaries ``_resumed`` (batches of ``(params, split outputs, more)``
    read back, in order) and ``_n_splits``.
    """

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        # Candidates read back come first in cv_results_, exactly as if they had
        # been evaluated in this call; the raw outputs feed the checkpoint.
        self._all_out = out
        candidate_params = [
            dict(p) if isinstance(p, RecordedCandidate) else p for p in candidate_params
        ]
        resumed = [candidate for batch in self._resumed for candidate in batch]
        if resumed:
            params, outputs, more = zip(*resumed, strict=True)
            candidate_params = list(params) + list(candidate_params)
            out = [o for rows in outputs for o in rows] + list(out)
            more_results = {
                key: [m.get(key) for m in more] + list(values)
                for key, values in (more_results or {}).items()
            }
            if callable(self.scoring):
                # A failed fit read back (or run on its own) has a single error
                # score; with a scorer of several metrics it takes their names,
                # as evaluate_candidates gives them within one batch.
                _insert_error_scores(out, self.error_score)
        return super()._format_results(candidate_params, n_splits, out, more_results)

    def _results_so_far(self):
        if self.__dict__.get("_last_results"):
            return self._last_results
        if not self.__dict__.get("_resumed"):
            return None
        more_keys = {key for batch in self._resumed for _, _, more in batch for key in more}
        return self._format_results([], self._n_splits, [], {key: [] for key in more_keys})

    def _replay_of(self, checkpoint):
        """The checkpoint's records, keyed as this search keys its candidates."""
        subspaces = self.space_.subspaces
        keys = []
        for record in checkpoint.records:
            k = record.subspace
            if not (
                0 <= k < len(subspaces)
                and len(record.point) == subspaces[k].n_dims
                and len(record.outputs) == self._n_splits
            ):
                raise ValueError(
                    f"Checkpoint {checkpoint.path!r}: line {record.line} is corrupt (its "
                    "sub-space, point or number of splits does not fit the search its "
                    "header describes). Move the file away to start a new search."
                )
            keys.append(self._record_key(record))
        return Replay(checkpoint.records, keys, self._replay_batch_column())

    def _record_key(self, record):
        """The candidate key of a record, comparable with a proposed batch's keys."""
        return self._key(record.subspace, record.point)

    def _replay_batch_column(self):
        """The ``more`` column whose changes separate recorded batches."""
        return self._iteration_column

    def _leave_replay(self, run):
        """The proposals left the recorded path: re-use every record left as it is."""
        rest = run.replay.take_rest()
        warnings.warn(
            f"Checkpoint {self.checkpoint!r}: from line {rest[0][1].line} on, its "
            "candidates are not the ones this search proposes (was it written with "
            "another n_points, population_size, random_state or sktune version?). Its "
            f"{len(rest)} remaining candidates are re-used as they are, without a fit, "
            "and the search goes on from them, no longer exactly as the search that "
            "wrote the file would have.",
            UserWarning,
            stacklevel=4,
        )
        batch, told = [], [[] for _ in self.optimizers_]
        for key, record in rest:
            k = key[0]
            if key in run.known_scores or run.done[k] >= run.budgets[k]:
                continue
            outputs = [decode_output(o) for o in record.outputs]
            score = mean_score(outputs, self._metric(outputs))
            run.known_scores[key] = score
            run.done[k] += 1
            run.state.add([score], [True])
            params = self.space_.subspaces[k].from_unit(record.point)
            batch.append((params, outputs, record.more))
            told[k].append((record.point, score))
            iteration = record.more.get(self._iteration_column)
            if isinstance(iteration, Integral):
                run.iteration = max(run.iteration, iteration + 1)
        for optimizer, rows in zip(self.optimizers_, told, strict=True):
            if rows:
                optimizer.tell(np.array([p for p, _ in rows]), [-s for _, s in rows])
        if batch:
            self._resumed.append(batch)

    def _still_new(self, run, keys, points, candidates):
        """The proposed candidates the records did not hold, within the budget."""
        kept, room = [], [b - d for b, d in zip(run.budgets, run.done, strict=True)]
        for i, key in enumerate(keys):
            k = key[0]
            if key in run.known_scores:
                self.optimizers_[k].tell(points[i][None], [-run.known_scores[key]])
            elif room[k] > 0:
                kept.append(i)
                room[k] -= 1
        return [keys[i] for i in kept], [points[i] for i in kept], [candidates[i] for i in kept]

    def _recall_last_batch(self, evaluate_candidates, search_ctx):
        """Every batch came from the checkpoint; pass the last one through sklearn.

        ``BaseSearchCV.fit`` needs one call of ``evaluate_candidates``; the
        recorded outputs answer it, so the only fit left is the refit.
        """
        last = self._resumed.pop()
        recorded = [RecordedCandidate(params, outputs) for params, outputs, _ in last]
        more_keys = dict.fromkeys(key for _, _, m in last for key in m)
        more = {key: [m.get(key) for _, _, m in last] for key in more_keys}
        with recalling_recorded_outputs():
            self._evaluate_batch(evaluate_candidates, search_ctx, recorded, more)


class RecordedCandidate(dict):
    """A candidate's parameters, with the split outputs recorded for it."""

    def __init__(self, params, outputs):
        super().__init__(params)
        self.outputs = outputs


def _fit_and_score_or_recall(estimator, X, y, **kwargs):
    """scikit-learn's ``_fit_and_score``, except for recorded candidates: no fit."""
    candidate = kwargs.get("parameters")
    if not isinstance(candidate, RecordedCandidate):
        return _sklearn_fit_and_score(estimator, X, y, **kwargs)
    callback_ctx = kwargs.get("callback_ctx")
    if callback_ctx is not None:  # scikit-learn >= 1.9: the task still begins and ends
        callback_ctx.call_on_fit_task_begin(estimator=kwargs.get("caller"))
        callback_ctx.call_on_fit_task_end(estimator=kwargs.get("caller"))
    split, _ = kwargs["split_progress"]
    return dict(candidate.outputs[split])


_swap_lock = threading.Lock()
_swap_depth = 0


@contextmanager
def recalling_recorded_outputs():
    """Within this context, recorded candidates are answered without a fit.

    Every other candidate, in any thread, goes to scikit-learn's own
    ``_fit_and_score`` unchanged; the swap is undone when the last search
    using it leaves the context.
    """
    global _swap_depth
    with _swap_lock:
        if _swap_depth == 0:
            _sklearn_search._fit_and_score = _fit_and_score_or_recall
        _swap_depth += 1
    try:
        yield
    finally:
        with _swap_lock:
            _swap_depth -= 1
            if _swap_depth == 0:
                _sklearn_search._fit_and_score = _sklearn_fit_and_score

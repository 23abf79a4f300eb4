"""Continuing a promoted halving candidate from its saved training state.

:class:`~sktune.HalvingBayesSearchCV` gives the resource parameter (``epochs``,
or ``clf__epochs`` in a Pipeline) a :class:`~sktune._budget.Budget`: an int
that also names a state directory and a candidate (see :mod:`sktune._budget`
for the contract). A fresh fit whose ``epochs`` is a Budget

1. keys the training fold by its validated data (:func:`~sktune._budget.data_key`
   of X, y and the sample weights), so the same rows give the same key in any
   process;
2. looks up the candidate's state on that fold; if there is one (trained for
   ``n_done`` epochs, fewer than the budget), the model just built (with the
   same seed, as ``initialize`` builds it) gets the saved variables back,
   including non-trainable ones and the seed generators' state (Dropout), the
   optimizer's variables (its step count and moments) and ``history_``, and
   trains epochs ``n_done .. budget - 1``; otherwise it trains from scratch;
3. saves the state it ends with, at its actual ``current_epoch`` (smaller than
   the budget when EarlyStopping stopped it).

With a seed, epoch ``e`` sees the same sample order whenever it is trained
(:mod:`sktune.keras._training`), so continuing 3 epochs to 9 gives the model 9
epochs in one fit would. A state that cannot be read, or does not match the
model (other shapes), is ignored and the candidate trains from scratch; so is
a directory the worker cannot reach (a Dask worker on another machine).

States are plain numeric arrays (``np.savez``, read with
``allow_pickle=False``); the history's names are a string array.
"""

import numpy as np

from .._budget import Budget, data_key

_NAMES = "history_names"


def budget_of(epochs):
    """The Budget behind an ``epochs`` value, or None for a plain number."""
    return epochs if isinstance(epochs, Budget) else None


def fold_key(x, y, sample_weight):
    """The key of the training fold: a digest of the validated data."""
    import keras

    leaves = keras.tree.flatten(x) if isinstance(x, dict) else [x]
    return data_key(*leaves, y, sample_weight)


def _model_variables(model):
    return list(model.variables)


def _optimizer_variables(model):
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return list(optimizer.variables)


def state_arrays(model, history):
    """The model's training state as a dict of plain arrays."""
    import keras

    arrays = {}
    for i, variable in enumerate(_model_variables(model)):
        arrays[f"model_{i}"] = keras.ops.convert_to_numpy(variable)
    for i, variable in enumerate(_optimizer_variables(model)):
        arrays[f"optimizer_{i}"] = keras.ops.convert_to_numpy(variable)
    names = sorted(history)
    arrays[_NAMES] = np.array(names, dtype=str)
    for i, name in enumerate(names):
        arrays[f"history_{i}"] = np.asarray(history[name], dtype=np.float64)
    return arrays


def restore(model, arrays):
    """Put a saved state into ``model``; its history, or None if it does not fit."""
    groups = {}
    for kind, variables in (
        ("model", _model_variables(model)),
        ("optimizer", _optimizer_variables(model)),
    ):
        saved = [arrays.get(f"{kind}_{i}") for i in range(len(variables))]
        if f"{kind}_{len(variables)}" in arrays or any(
            value is None or tuple(value.shape) != tuple(variable.shape)
            for value, variable in zip(saved, variables, strict=True)
        ):
            return None
        groups[kind] = list(zip(variables, saved, strict=True))
    for pairs in groups.values():
        for variable, value in pairs:
            variable.assign(value.astype(variable.dtype))
    names = [str(name) for name in arrays.get(_NAMES, [])]
    return {
        name: [float(v) for v in arrays[f"history_{i}"]] for i, name in enumerate(names)
    }


def resume(estimator, budget, key):
    """Restore the candidate's state on this fold; the epoch to start from.

    A model this process trained for the candidate on this fold (kept live by
    :func:`save`) is taken as it is: no rebuild, no re-tracing of its training
    step. Otherwise the saved arrays are put into the model just built.
    """
    live = budget.take_live(key)
    if live is not None:
        n_done, (model, history) = live
        estimator.model_ = model
        estimator.history_ = {name: list(values) for name, values in history.items()}
        return n_done
    found = budget.load(key)
    if found is None:
        return 0
    n_done, arrays = found
    history = restore(estimator.model_, arrays)
    if history is None:
        return 0
    estimator.history_ = history
    return n_done


def save(estimator, budget, key):
    """Save the state reached (at ``current_epoch``); False if not written.

    The model is also kept live in this process, for a promotion that lands here.
    """
    saved = budget.save(
        key, estimator.current_epoch, state_arrays(estimator.model_, estimator.history_)
    )
    if saved:
        history = {name: list(values) for name, values in estimator.history_.items()}
        budget.keep_live(key, estimator.current_epoch, (estimator.model_, history))
    return saved

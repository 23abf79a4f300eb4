"""Getting the model's raw outputs for ``predict`` and ``predict_proba``.

Up to 32 batches, the model is called directly on each batch: the same
numbers as ``Model.predict`` (which only runs that call in a traced function)
without its fixed cost, a data pipeline and a predict function traced per
model (~0.1-0.4 s; measured on the tiny model: ~4 ms a batch by direct call,
against ~85 ms fixed + ~0.5 ms a batch + 0.3 s tracing once per model).
Batches of a direct call hold at least ``batch_size`` rows, more when rows
are small (up to ``_DIRECT_CALL_VALUES`` input values a batch): a model
trained with small batches predicts a few thousand rows of tabular data in a
few calls, where ``batch_size`` rows at a time would exceed 32 batches and
trace a predict function for each new model, as a search's every fit does.
Outputs do not depend on how rows are batched (to float rounding).
``Model.predict`` is used for larger inputs, for predict keywords other than
``batch_size``/``verbose``, when a callback reacts to prediction (the
``callbacks`` parameter's callbacks that override an ``on_predict_*`` hook,
and ``predict__callbacks``), and when the model's ``predict`` or
``predict_step`` is its own (a subclass that overrides it, or a patched
instance).
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _routing, _training
from ._inputs import validate_X

_DIRECT_CALL_BATCHES = 32
_DIRECT_CALL_VALUES = 2**18  # input values in one direct call's batch (1 MB of float32)
_PREDICT_HOOKS = (
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


def predict_raw(estimator, X, kwargs):
    """The model's raw outputs for X (before the target encoder decodes them)."""
    check_is_fitted(estimator)
    X = validate_X(estimator, X, reset=False, training=False)
    x_model = estimator.feature_encoder_.transform(X)
    params = estimator.get_params(deep=False)
    predict_kwargs = {"batch_size": estimator.batch_size, "verbose": estimator.verbose}
    predict_kwargs.update(_routing.routed(params, "predict"))
    predict_kwargs.update(
        {
            k[len("predict__") :] if k.startswith("predict__") else k: v
            for k, v in kwargs.items()
        }
    )
    callbacks = [
        callback
        for callback in _training.callbacks(estimator, params)
        if _reacts_to_prediction(callback)
    ] + _routing.make_callbacks(
        predict_kwargs.pop("callbacks", None), {}, "predict__callbacks"
    )
    if callbacks:
        predict_kwargs["callbacks"] = callbacks
    predict_kwargs["batch_size"] = _training.resolve_batch_size(
        predict_kwargs.get("batch_size"), x_model
    )
    predict_kwargs = {k: v for k, v in predict_kwargs.items() if v is not None}
    _routing.check_call_keywords(predict_kwargs, estimator.model_.predict, "predict")
    batch_size = predict_kwargs.get("batch_size") or _training.DEFAULT_BATCH_SIZE
    if (
        set(predict_kwargs) <= {"batch_size", "verbose"}
        and _plain_predict(estimator.model_)
        and isinstance(x_model, (np.ndarray, dict))
    ):
        batch_size = _direct_batch_size(estimator.model_, x_model, batch_size)
        if -(-_training.n_samples(x_model) // batch_size) <= _DIRECT_CALL_BATCHES:
            return _call_in_batches(estimator.model_, x_model, batch_size)
    return estimator.model_.predict(x=x_model, **predict_kwargs)


def _reacts_to_prediction(callback):
    import keras

    return any(
        getattr(type(callback), hook) is not getattr(keras.callbacks.Callback, hook)
        for hook in _PREDICT_HOOKS
    )


def _plain_predict(model):
    """Whether ``model.predict`` and ``predict_step`` are Keras's own (not
    overridden or patched): only then is calling the model the same."""
    import keras

    return all(
        name not in vars(model) and getattr(type(model), name) is getattr(keras.Model, name)
        for name in ("predict", "predict_step")
    )


def _direct_batch_size(model, x, batch_size):
    """Rows per direct call: ``batch_size``, or more when that many rows are small.

    A model whose inputs fix the batch size (a stateful RNN) keeps ``batch_size``.
    """
    import keras

    try:
        inputs = list(model.inputs or [])
    except (AttributeError, ValueError):  # a subclassed model has no symbolic inputs
        inputs = []
    if any(getattr(t, "shape", (None,))[0] is not None for t in inputs):
        return batch_size
    values_per_row = sum(int(np.prod(a.shape[1:])) for a in keras.tree.flatten(x))
    return max(batch_size, _DIRECT_CALL_VALUES // max(values_per_row, 1))


def _call_in_batches(model, x, batch_size):
    import keras

    tree = keras.tree
    parts = [
        tree.map_structure(
            keras.ops.convert_to_numpy,
            model(
                tree.map_structure(lambda a, i=i: a[i : i + batch_size], x),
                training=False,
            ),
        )
        for i in range(0, _training.n_samples(x), batch_size)
    ]
    return tree.map_structure(lambda *chunks: np.concatenate(chunks), *parts)

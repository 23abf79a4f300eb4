"""Targets: from scikit-learn's ``y`` to what the Keras model trains on, and back.

Classification targets are binary, multiclass (any label type: ints,
strings...) or multilabel indicator matrices.  Labels are mapped to the codes
``0 .. n_classes - 1`` in the order of ``classes_``, then shaped for the
model's output and its loss:

=============  ===============  ======================================
target         model output     Keras target
=============  ===============  ======================================
binary         1 unit           float column of 0/1 (binary crossentropy)
binary or      n_classes units  integer codes (sparse categorical), or a
multiclass                      one-hot matrix for categorical losses
multilabel     n_labels units   the 0/1 matrix, as float
=============  ===============  ======================================

Regression targets are 1-D or 2-D floats; the model has one unit per output.
A target with a single class (scikit-learn's classifiers may fit one) trains
on code 0 whatever the width, and predicts that class. Any other pairing of
output width, loss and target raises an error that says which layer to use.  ``loss="auto"`` picks the loss from the same table.
Probabilities are decoded with the loss's ``from_logits`` taken into account,
and returned as float64, as scikit-learn's classifiers do.
"""

import re

import numpy as np

CLASSIFICATION_TARGETS = ("binary", "multiclass", "multilabel-indicator")
_ONE_HOT_LOSSES = {
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
}
_SPARSE_LOSSES = {"sparse_categorical_crossentropy"}


def single_loss(loss):
    """The loss itself when given for a single output as a one-element list or dict."""
    if isinstance(loss, (list, tuple, dict)) and len(loss) == 1:
        return single_loss(next(iter(loss.values() if isinstance(loss, dict) else loss)))
    return loss


def loss_name(loss):
    """A canonical snake_case name for a loss given in any Keras form."""
    import keras

    loss = single_loss(loss)
    if loss is None:
        return None
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return loss
    function = getattr(loss, "fn", None)  # LossFunctionWrapper
    if function is not None and hasattr(function, "__name__"):
        return function.__name__
    if isinstance(loss, type):
        return re.sub(r"(?<!^)(?=[A-Z])", "_", loss.__name__).lower()
    if hasattr(loss, "__name__"):
        return loss.__name__
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(loss).__name__).lower()


def loss_from_logits(loss):
    """Whether the loss expects logits (so outputs need a sigmoid/softmax)."""
    loss = single_loss(loss)
    getter = getattr(loss, "get_config", None)
    if getter is None or isinstance(loss, type):
        return False
    try:
        return bool(getter().get("from_logits", False))
    except Exception:  # a user loss whose get_config needs arguments
        return False


def infer_loss(target_type, n_outputs):
    """The loss ``loss='auto'`` chooses for a target and an output width."""
    if target_type in ("continuous", "continuous-multioutput"):
        return "mean_squared_error"
    if target_type == "multilabel-indicator" or n_outputs == 1:
        return "binary_crossentropy"
    return "sparse_categorical_crossentropy"


def _layer_hint(target_type, n_classes):
    if target_type == "multilabel-indicator":
        return f"Dense({n_classes}, activation='sigmoid')"
    if target_type == "binary":
        return "Dense(1, activation='sigmoid') or Dense(2, activation='softmax')"
    return f"Dense({n_classes}, activation='softmax')"


def encode_classification_target(codes, target_type, classes, n_units, loss):
    """Shape integer codes for a model with ``n_units`` outputs and ``loss``."""
    n_classes = len(classes)
    name = loss_name(loss)
    problem = None
    if target_type == "multilabel-indicator":
        if n_units == n_classes and name not in _SPARSE_LOSSES:
            return codes
        problem = f"a multilabel target with {n_classes} labels"
    elif n_units == 1 and n_classes <= 2 and name not in _SPARSE_LOSSES | _ONE_HOT_LOSSES:
        return codes.astype(np.float32).reshape(-1, 1)
    elif n_units == n_classes or n_classes == 1:
        # One class (scikit-learn's estimators may fit it) fits any width and loss.
        if name in _SPARSE_LOSSES:
            return codes.astype(np.int32)
        one_hot = np.zeros((len(codes), n_units), dtype=np.float32)
        one_hot[np.arange(len(codes)), codes] = 1.0
        return one_hot
    elif n_units == 1:
        problem = f"loss {name!r} with a single output unit (binary target)"
    else:
        shown = np.asarray(classes)[:10].tolist() + (["..."] if n_classes > 10 else [])
        problem = f"a {target_type} target with {n_classes} classes {shown}"
    raise ValueError(
        f"The model's output has {n_units} unit(s), which does not fit {problem}. "
        f"Make its last layer {_layer_hint(target_type, n_classes)} (the build "
        "function receives meta['n_classes_'] and meta['target_type_']), or "
        "choose a loss that matches the output."
    )


def probabilities(raw, target_type, n_classes, from_logits):
    """Class probabilities (float64) from raw model outputs."""
    raw = np.asarray(raw, dtype=np.float64).reshape(len(raw), -1)
    if target_type == "multilabel-indicator":
        if from_logits:
            raw = 1.0 / (1.0 + np.exp(-raw))
        return np.clip(raw, 0.0, 1.0)
    if n_classes == 1:
        return np.ones((len(raw), 1))
    if raw.shape[1] == 1:
        positive = raw[:, 0]
        if from_logits:
            positive = 1.0 / (1.0 + np.exp(-positive))
        positive = np.clip(positive, 0.0, 1.0)
        return np.column_stack([1.0 - positive, positive])
    if from_logits:
        raw = np.exp(raw - raw.max(axis=1, keepdims=True))
    raw = np.clip(raw, 0.0, None)
    totals = raw.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    return raw / totals


def check_regression_output(n_units, n_outputs):
    """Raise unless the model has one output unit per target column."""
    if n_units != n_outputs:
        raise ValueError(
            f"The model's output has {n_units} unit(s) but the target has "
            f"{n_outputs} column(s). Make its last layer Dense({n_outputs}) (the "
            "build function receives meta['n_outputs_'])."
        )

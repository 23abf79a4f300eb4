"""Validating what the wrappers are given: X of any rank or a dict of arrays, y, weights.

``X`` may be

* an array-like of any rank >= 2: tabular ``(n, features)``, sequences
  ``(n, timesteps, features)``, images ``(n, height, width, channels)``;
  its dtype is kept (Keras converts to the model's input dtype), except that
  objects, strings and booleans become Keras's float type;
* a dict of such arrays, one per named input of a multi-input model (all with
  the same number of samples). scikit-learn cannot split a dict into folds, so
  a dict works with ``fit``/``predict`` but not inside cross-validation, where
  one array plus a ``feature_encoder`` that splits it is the way.

``fit`` records ``X_shape_``, ``X_dtype_``, ``n_features_in_`` (the second
dimension; per input for a dict) and ``y_dtype_``/``y_ndim_``; continued
training (``partial_fit``, ``warm_start``) and prediction check new data
against them, so that a change is named before Keras reports a shape error.
"""

from collections.abc import Mapping

import numpy as np
from scipy import sparse
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.validation import _check_sample_weight, validate_data

_CONVERTED_KINDS = "OUSb"  # object, strings, booleans: converted to floatx


def _floatx():
    import keras

    return keras.backend.floatx()


def _dtype_for(X):
    dtype = getattr(X, "dtype", None)
    if dtype is None or not isinstance(dtype, np.dtype):
        try:
            dtype = np.asarray(X).dtype
        except (TypeError, ValueError):
            return _floatx()
    return _floatx() if dtype.kind in _CONVERTED_KINDS else None


def is_dict(X):
    """Whether X is a dict of inputs (scipy's DOK sparse matrices are dicts too)."""
    return isinstance(X, Mapping) and not sparse.issparse(X)


def n_samples(X):
    """Number of samples of an array or a dict of arrays."""
    if is_dict(X):
        return len(next(iter(X.values())))
    return len(X)


def _check_dict(estimator, X, *, reset):
    if not X:
        raise ValueError("X is an empty dict: give one array per model input.")
    arrays = {
        str(name): check_array(
            value,
            allow_nd=True,
            ensure_2d=False,
            dtype=_dtype_for(value),
            input_name=f"X[{name!r}]",
        )
        for name, value in X.items()
    }
    check_consistent_length(*arrays.values())
    shapes = {name: array.shape for name, array in arrays.items()}
    if reset:
        estimator.n_features_in_ = {
            name: shape[1] if len(shape) > 1 else 1 for name, shape in shapes.items()
        }
        estimator.__dict__.pop("feature_names_in_", None)
        return arrays, shapes
    fitted = getattr(estimator, "X_shape_", None)
    if not isinstance(fitted, Mapping) or set(fitted) != set(shapes):
        raise ValueError(
            f"X has inputs {sorted(shapes)}, but this {type(estimator).__name__} "
            f"was fitted with "
            + (
                f"inputs {sorted(fitted)}"
                if isinstance(fitted, Mapping)
                else "an array"
            )
            + ": give the same inputs."
        )
    return arrays, shapes


def validate_X(estimator, X, *, reset, training):
    """Validated X (an array, or a dict of arrays); records or checks its shape.

    Parameters
    ----------
    reset : bool
        First fit: record ``X_shape_``, ``X_dtype_``, ``n_features_in_``.
    training : bool
        Continued training (not prediction) also checks that the dtype can
        be cast safely to the one fitted on.
    """
    name = type(estimator).__name__
    if is_dict(X):
        X, shapes = _check_dict(estimator, X, reset=reset)
        dtypes = {key: array.dtype for key, array in X.items()}
        if reset:
            estimator.X_shape_, estimator.X_dtype_ = shapes, dtypes
            return X
        for key, shape in shapes.items():
            _check_shape(name, shape, estimator.X_shape_[key], f"X[{key!r}]")
            if training:
                _check_dtype(name, dtypes[key], estimator.X_dtype_[key], "X")
        return X
    if not reset and isinstance(getattr(estimator, "X_shape_", None), Mapping):
        raise ValueError(
            f"X is an array, but this {name} was fitted with a dict of inputs "
            f"{sorted(estimator.X_shape_)}: give the same dict."
        )
    X = validate_data(
        estimator,
        X,
        reset=reset,
        dtype=_dtype_for(X),
        allow_nd=True,
    )
    if reset:
        estimator.X_shape_, estimator.X_dtype_ = X.shape, X.dtype
        return X
    _check_shape(name, X.shape, estimator.X_shape_, "X")
    if training:
        _check_dtype(name, X.dtype, estimator.X_dtype_, "X")
    return X


def _check_shape(name, shape, fitted, label):
    if len(shape) != len(fitted):
        raise ValueError(
            f"{label} has {len(shape)} dimensions, but this {name} is expecting "
            f"{len(fitted)} dimensions in {label} (it was fitted on shape "
            f"{('n_samples',) + tuple(fitted[1:])})."
        )
    if tuple(shape[1:]) != tuple(fitted[1:]):
        raise ValueError(
            f"{label} has shape {('n_samples',) + tuple(shape[1:])}, but this "
            f"{name} is expecting {label} of shape "
            f"{('n_samples',) + tuple(fitted[1:])}."
        )


def _check_dtype(name, dtype, fitted, label):
    if not np.can_cast(dtype, fitted):
        raise ValueError(
            f"Got {label} with dtype {dtype}, but this {name} was fitted on "
            f"{label} of dtype {fitted}, and casting {dtype} to {fitted} is not "
            f"safe: convert {label} (e.g. {label}.astype({str(fitted)!r})) or fit "
            "a new model."
        )


def validate_y(estimator, y, X, *, reset, numeric, training=True):
    """Validated y (1-D or 2-D); records ``y_dtype_``/``y_ndim_`` or checks them."""
    name = type(estimator).__name__
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None.")
    y = check_array(
        y,
        ensure_2d=False,
        allow_nd=False,
        dtype="numeric" if numeric else None,
        input_name="y",
    )
    if y.ndim == 0:
        raise ValueError(f"y must be 1-D or 2-D, not a scalar ({y!r}).")
    check_consistent_length(y, np.empty((n_samples(X), 0)))
    if reset:
        estimator.y_dtype_, estimator.y_ndim_ = y.dtype, y.ndim
        return y
    if y.ndim != estimator.y_ndim_:
        raise ValueError(
            f"y has {y.ndim} dimensions, but this {name} is expecting "
            f"{estimator.y_ndim_} dimensions in y."
        )
    if training and not numeric:
        _check_dtype(name, y.dtype, estimator.y_dtype_, "y")
    return y


def sample_weights(sample_weight, X, y, class_weight, check_classes):
    """Sample weights folded with class weights and rescaled to average 1, or None."""
    from sklearn.utils.class_weight import compute_sample_weight

    if sample_weight is None and class_weight is None:
        return None
    if sample_weight is not None and not np.any(np.asarray(sample_weight) != 0):
        raise ValueError(
            "No sample has any weight: only zeros were passed in sample_weight, "
            "so there is nothing to train on."
        )
    weights = _check_sample_weight(
        sample_weight,
        np.empty((n_samples(X), 0)),
        dtype=np.float64,
        ensure_non_negative=True,
    )
    if class_weight is not None:
        weights = weights * compute_sample_weight(class_weight, y)
    if not np.any(weights > 0):
        raise ValueError(
            "No sample has any weight once class_weight is applied, so there is "
            "nothing to train on."
        )
    check_classes(y, weights)
    # Weights set relative importance; averaging 1 keeps the loss scale (and
    # so the effective learning rate) that unweighted training would have.
    return weights * (len(weights) / weights.sum())

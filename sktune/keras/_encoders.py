"""Data transformers: what ``X`` and ``y`` become for the model, and back.

The wrappers follow scikeras's data-transformer protocol, so scikeras code
that overrides ``feature_encoder``/``target_encoder`` runs unchanged: the
properties return an *unfitted* scikit-learn transformer; the first fit fits it
(``target_encoder_``, ``feature_encoder_``), every fit then calls
``transform`` before ``Model.fit``, and prediction calls the target encoder's
``inverse_transform(raw_outputs)`` (``return_proba=True`` for
``predict_proba``). A transformer's ``get_metadata()`` (if it has one) adds
keys to ``meta`` and attributes to the estimator (``classes_``,
``n_outputs_expected_``...). So a subclass can feed a multi-input model a list
or dict of arrays, or train a multi-output model on a list of targets.

sktune's default encoders add one optional step to that protocol,
``bind_model(model)``, called once the model is built: the classifier's
encoding depends on the model's output width and loss (see
:mod:`sktune.keras._targets`), and both check that the output fits the
target before anything is trained.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import type_of_target

from . import _building, _targets


class FeatureIdentity(TransformerMixin, BaseEstimator):
    """The default feature encoder: hands X to the model unchanged."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X

    def inverse_transform(self, X):
        return X


def classification_target_type(y, classes=None):
    """scikit-learn's target type, where known ``classes`` can make "binary" multiclass."""
    target_type = type_of_target(y, input_name="y")
    if target_type == "binary" and classes is not None and len(classes) > 2:
        target_type = "multiclass"
    return target_type


class ClassifierTargetEncoder(TransformerMixin, BaseEstimator):
    """Default target encoder of KerasClassifier (labels <-> model outputs).

    Parameters
    ----------
    classes : array-like or None
        Every label, when the first ``y`` may miss some (``partial_fit``).
    """

    def __init__(self, classes=None):
        self.classes = classes

    def fit(self, y):
        y = np.asarray(y)
        target_type = classification_target_type(y, self.classes)
        if target_type not in _targets.CLASSIFICATION_TARGETS:
            raise ValueError(
                f"Unknown label type: KerasClassifier's default target encoder "
                f"supports binary, multiclass and multilabel-indicator targets; got "
                f"a {target_type!r} target. Subclass KerasClassifier and override "
                "its target_encoder property with a transformer for this target "
                "(see the Keras user guide)."
            )
        if target_type == "multilabel-indicator":
            classes = np.arange(y.shape[1])
        elif self.classes is not None:
            classes = np.unique(np.asarray(self.classes))
            unseen = np.setdiff1d(np.unique(y), classes)
            if len(unseen):
                raise ValueError(
                    f"Found unknown categories {unseen[:10].tolist()} in y: they are "
                    f"not among the classes {classes[:10].tolist()} given."
                )
        else:
            classes = np.unique(y)
        self.target_type_ = target_type
        self.classes_ = classes
        self.n_classes_ = len(classes)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.n_outputs_expected_ = 1
        self.n_units_ = None
        self.loss_ = None
        return self

    def get_metadata(self):
        return {
            "classes_": self.classes_,
            "n_classes_": self.n_classes_,
            "n_outputs_": self.n_outputs_,
            "n_outputs_expected_": self.n_outputs_expected_,
        }

    def bind_model(self, model, X_sample):
        self.n_units_ = _building.output_units(model, X_sample)
        self.loss_ = model.loss

    def _codes(self, y):
        y = np.asarray(y)
        if self.target_type_ == "multilabel-indicator":
            if y.ndim != 2 or y.shape[1] != self.n_classes_:
                raise ValueError(
                    f"y has {y.shape[1] if y.ndim == 2 else 1} label columns, but "
                    f"this encoder was fitted on {self.n_classes_}: the target's "
                    "features must stay the same."
                )
            return y.astype(np.float32)
        if y.ndim == 2 and y.shape[1] > 1:
            raise ValueError(
                f"y has {y.shape[1]} columns, but the target was fitted on 1: the "
                "number of target features must stay the same in continued training."
            )
        y = y.reshape(-1)
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            raise ValueError(
                f"Found unknown categories {unseen[:10].tolist()} in y: this "
                f"estimator knows the classes {self.classes_[:10].tolist()}. Pass "
                "every class to the first partial_fit (classes=...), or fit anew."
            )
        return np.searchsorted(self.classes_, y)

    def transform(self, y):
        return _targets.encode_classification_target(
            self._codes(y), self.target_type_, self.classes_, self.n_units_, self.loss_
        )

    def fits_model(self):
        """Whether the bound model's output fits this target."""
        try:
            _targets.encode_classification_target(
                np.zeros(1, dtype=int)
                if self.target_type_ != "multilabel-indicator"
                else np.zeros((1, self.n_classes_), dtype=np.float32),
                self.target_type_,
                self.classes_,
                self.n_units_,
                self.loss_,
            )
        except ValueError:
            return False
        return True

    def inverse_transform(self, y, return_proba=False):
        raw = np.asarray(y)
        if return_proba and not self.fits_model():
            # Only an adopted model (initialize) gets here: its outputs are not
            # class probabilities, so they are returned as they are.
            return np.squeeze(raw)
        if not self.fits_model():
            self.transform(np.asarray(self.classes_[:1]))  # raises the error
        proba = _targets.probabilities(
            raw,
            self.target_type_,
            self.n_classes_,
            _targets.loss_from_logits(self.loss_),
        )
        if return_proba:
            return proba
        if self.target_type_ == "multilabel-indicator":
            return (proba > 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]


class RegressorTargetEncoder(TransformerMixin, BaseEstimator):
    """Default target encoder of KerasRegressor: columns in, the same shape out."""

    def fit(self, y):
        y = np.asarray(y)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.n_outputs_expected_ = 1
        self.ndim_ = y.ndim
        self.n_units_ = None
        return self

    def get_metadata(self):
        return {
            "n_outputs_": self.n_outputs_,
            "n_outputs_expected_": self.n_outputs_expected_,
        }

    def bind_model(self, model, X_sample):
        self.n_units_ = _building.output_units(model, X_sample)

    def transform(self, y):
        y = np.asarray(y)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs_:
            raise ValueError(
                f"Detected ``y`` to have {n_outputs} output(s), but this estimator "
                f"was fitted with {self.n_outputs_}: the target's columns must stay "
                "the same in continued training."
            )
        _targets.check_regression_output(self.n_units_, self.n_outputs_)
        return y.reshape(len(y), -1)

    def inverse_transform(self, y):
        raw = np.asarray(y)
        raw = raw.reshape(len(raw), -1)
        return raw.reshape(-1) if self.ndim_ == 1 else raw

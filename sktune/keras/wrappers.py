"""KerasClassifier and KerasRegressor: Keras models as scikit-learn estimators.

Both derive from :class:`~sktune.keras._base.BaseKerasEstimator` (re-exported
here), with the mixin first as scikit-learn requires, so ``is_classifier`` /
``is_regressor``, stratified CV, ``roc_auc`` scoring and meta-estimators such
as ``CalibratedClassifierCV`` see what they expect.  This module holds only what
differs between the two: the target (classes and probabilities, or continuous
outputs), ``predict``/``predict_proba`` and the tags.
"""

import warnings

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets

from ._base import BaseKerasEstimator
from ._docstrings import _SHARED_NOTES, _SHARED_PARAMETERS
from ._encoders import (
    ClassifierTargetEncoder,
    RegressorTargetEncoder,
    classification_target_type,
)
from ._inputs import validate_y

__all__ = ["BaseKerasEstimator", "KerasClassifier", "KerasRegressor"]


class KerasClassifier(ClassifierMixin, BaseKerasEstimator):
    __doc__ = (
        """Keras model as a scikit-learn classifier.

    Binary, multiclass (any label type) and multilabel-indicator targets; the
    labels are encoded for the model's output and loss (see Notes). X may be
    tabular, images or sequences (any rank), or a dict of arrays for a
    multi-input model. Subclasses may override ``target_encoder`` and
    ``feature_encoder`` (scikeras's data transformers) to train other targets
    or feed models lists of arrays.

    Parameters
    ----------"""
        + _SHARED_PARAMETERS
        + """    class_weight : dict, "balanced" or None, default=None
        Weights keyed by class label (as in scikit-learn), folded into the
        sample weights.

    Attributes
    ----------
    model_ : keras.Model
        The fitted model.
    history_ : dict of str to list of float
        Per-epoch loss and metrics of every epoch trained so far.
    current_epoch : int
        Epochs trained so far.
    target_encoder_, feature_encoder_ : transformer
        The fitted data transformers (see ``target_encoder``).
    X_shape_, X_dtype_, y_dtype_, y_ndim_ : tuple, dtype, dtype, int
        What the first fit saw (a dict per input for dict inputs).
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_labels)`` for a multilabel target).
    n_classes_ : int
    target_type_ : str
        ``"binary"``, ``"multiclass"`` or ``"multilabel-indicator"``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Defined only when X has string feature names.

    See Also
    --------
    KerasRegressor : The regressor.

    Notes
    -----
    A binary target trains a 1-unit sigmoid output on 0/1 floats; a model
    with one unit per class trains on integer codes (sparse categorical
    losses) or one-hot rows (categorical losses); a multilabel target on the
    0/1 matrix. ``predict_proba`` applies a sigmoid/softmax when the loss has
    ``from_logits=True``.
"""
        + _SHARED_NOTES
        + """
    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import make_classification
    >>> from sktune.keras import KerasClassifier
    >>> def build(meta, hidden=8):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(hidden, activation="relu"),
    ...         keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ...     ])
    >>> X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    >>> clf = KerasClassifier(build, loss="sparse_categorical_crossentropy",
    ...                       hidden=8, epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 2))
    >>> sorted(clf.history_)
    ['loss']
    """
    )

    _parameter_constraints = {
        **BaseKerasEstimator._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        model=None,
        *,
        build_fn=None,
        warm_start=False,
        random_state=None,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        batch_size=None,
        validation_batch_size=None,
        verbose=0,
        callbacks=None,
        validation_split=0.0,
        shuffle=True,
        run_eagerly=False,
        epochs=1,
        class_weight=None,
        **kwargs,
    ):
        super().__init__(
            model=model,
            build_fn=build_fn,
            warm_start=warm_start,
            random_state=random_state,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            batch_size=batch_size,
            validation_batch_size=validation_batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            shuffle=shuffle,
            run_eagerly=run_eagerly,
            epochs=epochs,
            **kwargs,
        )
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        # The defaults (one epoch of rmsprop) do not learn most problems well.
        tags.classifier_tags.poor_score = True
        return tags

    @property
    def target_encoder(self):
        """An unfitted transformer for y (scikeras's hook; see the user guide)."""
        return ClassifierTargetEncoder()

    def _target_encoder_for(self, classes):
        encoder = self.target_encoder
        if classes is not None and "classes" in encoder.get_params():
            encoder.set_params(classes=classes)
        return encoder

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train for one epoch, continuing the current model if there is one.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or dict of arrays
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            All the labels, needed on the first call when a batch may not
            contain every class.
        sample_weight : array-like of shape (n_samples,), default=None
        **kwargs : dict
            Passed to ``keras.Model.fit`` (but not ``epochs`` or
            ``initial_epoch``: partial_fit trains one epoch from
            ``current_epoch``).

        Returns
        -------
        self : object
        """
        if self.__sklearn_is_fitted__():
            classes = None
        return self._partial_fit(X, y, sample_weight, kwargs, classes=classes)

    def _validate_target(self, y, X, *, reset, classes):
        y = validate_y(self, y, X, reset=reset, numeric=False)
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples,), for example "
                "using ravel().",
                DataConversionWarning,
                stacklevel=5,
            )
            y = y.ravel()
        if reset:
            self.target_type_ = classification_target_type(y, classes)
        return y

    def _expected_units(self):
        return 1 if self.target_type_ == "binary" else self.n_classes_

    def _check_weighted_classes(self, y, weights):
        if self.target_type_ != "binary" and self.target_type_ != "multiclass":
            return
        weighted = np.unique(np.asarray(y)[weights > 0])
        if len(weighted) < 2 <= self.n_classes_:
            raise ValueError(
                f"Only one class ({weighted[:1].tolist()[0]!r}) has non-zero sample weight; "
                f"{type(self).__name__} needs at least 2 weighted classes."
            )

    def predict_proba(self, X, **kwargs):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or dict of arrays
        **kwargs : dict
            Passed to ``keras.Model.predict`` (``predict__`` prefix allowed).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
        """
        raw = self._predict_raw(X, kwargs)
        return self.target_encoder_.inverse_transform(raw, return_proba=True)

    def predict(self, X, **kwargs):
        """Predicted class labels (a 0/1 matrix for a multilabel target).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or dict of arrays
        **kwargs : dict
            Passed to ``keras.Model.predict``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        raw = self._predict_raw(X, kwargs)
        return self.target_encoder_.inverse_transform(raw)


class KerasRegressor(RegressorMixin, BaseKerasEstimator):
    __doc__ = (
        """Keras model as a scikit-learn regressor.

    Single- and multi-output targets; the model needs one output unit per
    target column, and predictions have the shape of the training target.

    Parameters
    ----------"""
        + _SHARED_PARAMETERS
        + """
    Attributes
    ----------
    model_ : keras.Model
        The fitted model.
    history_ : dict of str to list of float
        Per-epoch loss and metrics of every epoch trained so far.
    current_epoch : int
        Epochs trained so far.
    target_encoder_, feature_encoder_ : transformer
        The fitted data transformers (see ``target_encoder``).
    X_shape_, X_dtype_, y_dtype_, y_ndim_ : tuple, dtype, dtype, int
        What the first fit saw (a dict per input for dict inputs).
    n_outputs_ : int
        Number of target columns.
    target_type_ : str
        ``"continuous"`` or ``"continuous-multioutput"``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Defined only when X has string feature names.

    See Also
    --------
    KerasClassifier : The classifier.

    Notes
    -----"""
        + _SHARED_NOTES
        + """
    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import make_regression
    >>> from sktune.keras import KerasRegressor
    >>> def build(meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(8, activation="relu"),
    ...         keras.layers.Dense(meta["n_outputs_"]),
    ...     ])
    >>> X, y = make_regression(n_samples=100, n_features=5, random_state=0)
    >>> reg = KerasRegressor(build, loss="mse", optimizer__learning_rate=0.01,
    ...                      epochs=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """
    )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The defaults (one epoch of rmsprop) do not learn most problems well.
        tags.regressor_tags.poor_score = True
        return tags

    @property
    def target_encoder(self):
        """An unfitted transformer for y (scikeras's hook; see the user guide)."""
        return RegressorTargetEncoder()

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train for one epoch, continuing the current model if there is one.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or dict of arrays
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
        **kwargs : dict
            Passed to ``keras.Model.fit`` (but not ``epochs`` or
            ``initial_epoch``: partial_fit trains one epoch from
            ``current_epoch``).

        Returns
        -------
        self : object
        """
        return self._partial_fit(X, y, sample_weight, kwargs)

    def _validate_target(self, y, X, *, reset, classes):
        y = validate_y(self, y, X, reset=reset, numeric=True)
        if reset:
            self.target_type_ = (
                "continuous" if y.ndim == 1 else "continuous-multioutput"
            )
        return y

    def _expected_units(self):
        return self.n_outputs_

    def predict(self, X, **kwargs):
        """Predicted values, shaped like the training target.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or dict of arrays
        **kwargs : dict
            Passed to ``keras.Model.predict``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            In the dtype of the model's output (float32 for most models).
        """
        raw = self._predict_raw(X, kwargs)
        return self.target_encoder_.inverse_transform(raw)

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

from . import _targets
from ._base import BaseKerasEstimator
from ._docstrings import _SHARED_NOTES, _SHARED_PARAMETERS

__all__ = ["BaseKerasEstimator", "KerasClassifier", "KerasRegressor"]


class KerasClassifier(ClassifierMixin, BaseKerasEstimator):
    __doc__ = (
        """Keras model as a scikit-learn classifier.

    Binary, multiclass (any label type) and multilabel-indicator targets; the
    labels are encoded for the model's output and loss (see Notes).

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
        optimizer=None,
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
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train for one epoch, continuing the current model if fitted.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            All the labels, needed on the first call when a batch may not
            contain every class.
        sample_weight : array-like of shape (n_samples,), default=None
        **kwargs : dict
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : object
        """
        fitted = self.__sklearn_is_fitted__()
        if classes is not None and not fitted:
            classes = np.unique(classes)
        return self._fit(
            X, y, sample_weight, kwargs, continuing=fitted, epochs=1, classes=classes
        )

    def _encode_target(self, y, *, continuing, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples,), for example "
                "using ravel().",
                DataConversionWarning,
                stacklevel=4,
            )
            y = y.ravel()
        known = self.classes_ if continuing else classes
        target_type, classes, codes = _targets.classification_target(
            y, type(self).__name__, classes=known
        )
        if continuing and target_type != self.target_type_:
            raise ValueError(
                f"y is a {target_type} target but the estimator was fitted on a "
                f"{self.target_type_} target."
            )
        if not continuing:
            self.classes_ = classes
            self.n_classes_ = len(classes)
            self.target_type_ = target_type
            self._y_dtype = np.asarray(y).dtype
        return codes, self._meta(y, {"classes_": classes, "n_classes_": len(classes)})

    def _expected_units(self, meta):
        return 1 if meta["target_type_"] == "binary" else meta["n_classes_"]

    def _check_output(self, n_units, meta):
        # Encoding raises the detailed error; checking early names the problem
        # before Keras compiles anything.
        _targets.encode_classification_target(
            np.zeros(1, dtype=int)
            if self.target_type_ != "multilabel-indicator"
            else np.zeros((1, self.n_classes_), dtype=np.float32),
            self.target_type_,
            self.classes_,
            n_units,
            None,
        )

    def _shape_target(self, codes):
        return _targets.encode_classification_target(
            codes,
            self.target_type_,
            self.classes_,
            self._output_units,
            self.model_.loss,
        )

    def _check_weighted_classes(self, y, weights):
        if self.target_type_ == "multilabel-indicator":
            return
        weighted = np.unique(np.asarray(y)[weights > 0])
        if len(weighted) < 2:
            raise ValueError(
                f"Only one class ({weighted[:1].tolist()[0]!r}) has non-zero sample weight; "
                f"{type(self).__name__} needs at least 2 weighted classes."
            )

    def predict_proba(self, X, **kwargs):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        **kwargs : dict
            Passed to ``keras.Model.predict`` (``predict__`` prefix allowed).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
        """
        raw = self._predict_raw(X, kwargs)
        return _targets.probabilities(
            raw,
            self.target_type_,
            self.n_classes_,
            _targets.loss_from_logits(self.model_.loss),
        )

    def predict(self, X, **kwargs):
        """Predicted class labels (a 0/1 matrix for a multilabel target).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        **kwargs : dict
            Passed to ``keras.Model.predict``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        proba = self.predict_proba(X, **kwargs)
        if self.target_type_ == "multilabel-indicator":
            return (proba > 0.5).astype(self._y_dtype)
        return self.classes_[np.argmax(proba, axis=1)]


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

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train for one epoch, continuing the current model if fitted.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
        **kwargs : dict
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : object
        """
        return self._fit(
            X,
            y,
            sample_weight,
            kwargs,
            continuing=self.__sklearn_is_fitted__(),
            epochs=1,
        )

    def _encode_target(self, y, *, continuing, classes):
        y = np.asarray(y, dtype=np.float64)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if continuing and n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} output(s) but the estimator was fitted with "
                f"{self.n_outputs_}."
            )
        if not continuing:
            self.n_outputs_ = n_outputs
            self.target_type_ = (
                "continuous" if y.ndim == 1 else "continuous-multioutput"
            )
            self._y_ndim = y.ndim
        meta = self._meta(y, {})
        return y, meta

    def _expected_units(self, meta):
        return meta["n_outputs_"]

    def _check_output(self, n_units, meta):
        _targets.check_regression_output(n_units, self.n_outputs_)

    def _shape_target(self, y):
        return y.reshape(len(y), -1)

    def predict(self, X, **kwargs):
        """Predicted values, shaped like the training target.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        **kwargs : dict
            Passed to ``keras.Model.predict``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        raw = np.asarray(self._predict_raw(X, kwargs), dtype=np.float64)
        raw = raw.reshape(len(raw), -1)
        return raw.ravel() if self._y_ndim == 1 else raw

"""The shared base of the Keras wrappers: the scikit-learn side of both.

It owns the public methods and the one path every training call takes:
``initialize`` builds the model, ``fit`` builds it (or continues it with
``warm_start``) and trains up to ``epochs``, ``partial_fit`` trains one more
epoch; all three validate the data, fit the data encoders and build the model
the same way, and train through :func:`sktune.keras._training.train` from
``current_epoch`` on. The private modules each do one job for it:
``_params`` (the parameters beyond the signature), ``_inputs`` (validating X
and y), ``_encoders``/``_targets`` (what X and y become for the model, and
back), ``_routing`` (which parameter goes where), ``_building`` (making and
compiling the model), ``_seeding`` and ``_training`` (reproducible fits that
leave global random state alone), ``_continuation`` (halving budgets),
``_serialization`` (pickling through Keras's own format).

Per-fit cost is kept to what plain Keras does: one build, one compile, one
``Model.fit`` on the NumPy arrays for unseeded fits. Nothing is saved or
re-serialised during fit (except a halving budget's state, once, at the end),
and no metric is computed through an extra predict; small predictions skip
``Model.predict``'s fixed cost (see :mod:`sktune.keras._predicting`).

Memory in long searches: every fitted model leaves a few MB behind in
TensorFlow's runtime once its training step has been traced (measured: ~4.5
MB a fit with plain Keras; the same with ``keras.backend.clear_session()``,
``gc.collect()`` and ``malloc_trim`` after every fit). ``clear_session`` would
also reset Keras's global state under other live models, so the wrappers
never call it; ``run_eagerly=True`` bounds growth for long searches over tiny
models (see benchmarks/README.md).
"""

from numbers import Integral, Real
import warnings

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions

from . import (
    _building,
    _continuation,
    _predicting,
    _routing,
    _serialization,
    _training,
)
from ._encoders import FeatureIdentity
from ._inputs import sample_weights, validate_X
from ._params import ExtraParamsMixin
from ._seeding import (
    fresh_seed,
    pin_seed_generators,
    seed_from_random_state,
    seeded_keras,
)

_BATCH_SIZE = [
    Interval(Integral, 1, None, closed="left"),
    Options(Integral, {-1}),
    None,
]
# The meta keys of every fit, besides those of the encoders' get_metadata().
_META = (
    "n_features_in_",
    "feature_names_in_",
    "X_shape_",
    "X_dtype_",
    "target_type_",
    "y_dtype_",
    "y_ndim_",
    "target_encoder_",
    "feature_encoder_",
)


class BaseKerasEstimator(ExtraParamsMixin, BaseEstimator):
    """Shared base of :class:`KerasClassifier` and :class:`KerasRegressor`.

    See :class:`KerasClassifier` for the parameters.
    """

    _parameter_constraints: dict = {
        # checked in fit by _building.model_source, which knows _keras_build_fn
        "model": "no_validation",
        "build_fn": "no_validation",
        "warm_start": ["boolean"],
        "random_state": ["random_state", np.random.Generator],
        "optimizer": [str, type, HasMethods(["get_config"]), None],
        "loss": [str, callable, list, tuple, dict, None],
        "metrics": [list, tuple, dict, str, callable, None],
        "batch_size": _BATCH_SIZE,
        "validation_batch_size": _BATCH_SIZE,
        "verbose": ["verbose"],
        "callbacks": [list, tuple, dict, type, HasMethods(["set_model"]), None],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean", StrOptions({"batch"})],
        "run_eagerly": ["boolean"],
        "epochs": [Interval(Integral, 0, None, closed="left")],
    }
    # What the wrapper itself puts in the compile_kwargs of build functions
    # (scikeras's class attribute of the same name).
    _compile_kwargs = frozenset(
        (
            "optimizer",
            "loss",
            "metrics",
            "loss_weights",
            "weighted_metrics",
            "run_eagerly",
        )
    )

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
        **kwargs,
    ):
        self.model = model
        self.build_fn = build_fn
        self.warm_start = warm_start
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.validation_batch_size = validation_batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.run_eagerly = run_eagerly
        self.epochs = epochs
        self._store_extra_params(kwargs)

    def _build_fn_declares(self, name):
        if "__" in name or name in self._get_param_names():
            return False
        source = self.model if self.model is not None else self.build_fn
        if source is None:
            source = getattr(self, "_keras_build_fn", None)
        if source is None or not callable(source) or _building.is_keras_model(source):
            return False
        names, _ = _routing.accepted_arguments(source)
        return name in names

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    @property
    def initialized_(self):
        """Whether the model is built (by ``initialize``, ``fit`` or ``partial_fit``)."""
        return self.__sklearn_is_fitted__()

    @property
    def current_epoch(self):
        """Epochs trained so far (0 before any training)."""
        return len(getattr(self, "history_", {}).get("loss", ()))

    # -- data encoders (scikeras's transformer hooks) -------------------------
    @property
    def feature_encoder(self):
        """An unfitted transformer for X; override to feed a model lists or dicts."""
        return FeatureIdentity()

    # -- public training methods ---------------------------------------------
    def initialize(self, X, y):
        """Build the model and ``meta`` from data, without training.

        A Keras model given as ``model`` is adopted as it is (not cloned), with
        its weights: ``predict`` then uses it directly, and ``partial_fit``
        (or ``fit`` with ``warm_start=True``) trains it further.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or dict of arrays
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : object
        """
        self._validate_params()
        seed = seed_from_random_state(self.random_state)
        self._prepare(X, y, reset=True, seed=seed, adopt=True)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build the model and train it for ``epochs`` epochs.

        With ``warm_start=True`` and a model already built (by ``fit``,
        ``partial_fit`` or ``initialize``), train that model from
        ``current_epoch`` up to epoch ``epochs`` instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or dict of arrays
            Tabular ``(n, features)``, sequences ``(n, timesteps, features)``,
            images ``(n, height, width, channels)``, or a dict with one array
            per input of a multi-input model.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
            Rescaled to average 1 (see the class docstring).
        **kwargs : dict
            Passed to ``keras.Model.fit`` (a ``fit__`` prefix is allowed),
            overriding the estimator's parameters, e.g. ``validation_split=0.2``
            or ``callbacks=[keras.callbacks.EarlyStopping(...)]``. Callbacks are
            copied, so one list can be shared by every fit of a search.

        Returns
        -------
        self : object
        """
        continuing = self.warm_start and self.__sklearn_is_fitted__()
        return self._train(X, y, sample_weight, kwargs, reset=not continuing)

    def _partial_fit(self, X, y, sample_weight, kwargs, classes=None):
        for name in ("epochs", "initial_epoch"):
            if name in kwargs or f"fit__{name}" in kwargs:
                raise TypeError(
                    f"Invalid argument `{name}` to partial_fit: partial_fit always "
                    "trains one epoch, from current_epoch. Use fit to train "
                    "several."
                )
        return self._train(
            X,
            y,
            sample_weight,
            kwargs,
            reset=not self.__sklearn_is_fitted__(),
            one_epoch=True,
            classes=classes,
        )

    # -- the one training path -----------------------------------------------
    def _prepare(self, X, y, *, reset, seed, classes=None, adopt=False):
        """Validate the data; on ``reset`` fit the encoders and build the model."""
        X = validate_X(self, X, reset=reset, training=True)
        y = self._validate_target(y, X, reset=reset, classes=classes)
        if reset:
            self._encoder_meta = set()
            self.feature_encoder_ = self.feature_encoder.fit(X)
            self._take_metadata(self.feature_encoder_)
            self.target_encoder_ = self._target_encoder_for(classes).fit(y)
            self._take_metadata(self.target_encoder_)
        x_model = self.feature_encoder_.transform(X)
        if reset:
            # An unseeded fit gets a fresh seed from the OS, so that it too
            # leaves Python's global `random` state as it found it.
            with seeded_keras(fresh_seed() if seed is None else seed):
                self.model_ = _building.build_model(self, x_model, adopt)
            if seed is not None:
                pin_seed_generators(self.model_)
            self.history_ = {}
        return X, y, x_model

    def _take_metadata(self, encoder):
        metadata = getattr(encoder, "get_metadata", dict)()
        for name, value in metadata.items():
            setattr(self, name, value)
        self._encoder_meta |= set(metadata)

    def _meta(self):
        names = [*_META, *sorted(self._encoder_meta)]
        return {name: getattr(self, name) for name in names if hasattr(self, name)}

    def _train(
        self, X, y, sample_weight, kwargs, *, reset, one_epoch=False, classes=None
    ):
        seed = seed_from_random_state(self.random_state)
        X, y, x_model = self._prepare(X, y, reset=reset, seed=seed, classes=classes)
        class_weight = kwargs.pop("class_weight", getattr(self, "class_weight", None))
        sample_weight = sample_weights(
            sample_weight, X, y, class_weight, self._check_weighted_classes
        )
        y_model = self.target_encoder_.transform(y)
        self._check_model_outputs()
        fit_kwargs = _training.fit_arguments(self, kwargs, x_model)
        if fit_kwargs.get("validation_data") is not None:
            fit_kwargs["validation_data"] = self._encode_validation(
                fit_kwargs["validation_data"]
            )
        epochs = fit_kwargs.pop("epochs")
        start = fit_kwargs.pop("initial_epoch", self.current_epoch)
        if one_epoch:
            start = self.current_epoch
            epochs = start + 1
        elif not reset and start >= epochs:
            warnings.warn(
                f"fit with warm_start=True trains up to epoch epochs={int(epochs)}, "
                f"and the model has trained {start} already: nothing was trained. "
                "Increase epochs (or use partial_fit) to train further.",
                UserWarning,
                stacklevel=3,
            )
        budget = _continuation.budget_of(epochs) if reset else None
        if budget is not None:
            key = _continuation.fold_key(X, y, sample_weight)
            start = _continuation.resume(self, budget, key)
        history = _training.train(
            self.model_,
            x_model,
            y_model,
            sample_weight,
            seed=seed,
            initial_epoch=int(start),
            epochs=int(epochs),
            fit_kwargs=fit_kwargs,
        )
        if history is not None:
            names = {}
            for key_name, values in history.history.items():
                self.history_.setdefault(
                    _training.metric_key(key_name, names), []
                ).extend(float(v) for v in values)
        if budget is not None:
            _continuation.save(self, budget, key)
        return self

    def _encode_validation(self, data):
        """``validation_data`` as the model sees it, encoded like the training data.

        A tuple ``(X, y)`` or ``(X, y, sample_weight)`` goes through the same
        checks and encoders as ``fit``'s own ``X`` and ``y`` (class labels to
        codes, for one); anything else (a dataset, a generator) is the user's
        own encoding and is passed on unchanged.
        """
        if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
            return data
        X, y, *weight = data
        X = validate_X(self, X, reset=False, training=False)  # any dtype, as predict
        y = self._validate_target(y, X, reset=False, classes=None)
        encoded = (self.feature_encoder_.transform(X), self.target_encoder_.transform(y))
        if weight and weight[0] is not None:
            encoded += (np.asarray(weight[0]),)
        return encoded

    def _check_model_outputs(self):
        expected = getattr(self, "n_outputs_expected_", None)
        if not expected or hasattr(self.target_encoder_, "bind_model"):
            return
        outputs = getattr(self.model_, "outputs", None)
        if outputs and len(outputs) != expected:
            raise ValueError(
                f"The target encoder makes {expected} target(s) "
                f"(n_outputs_expected_={expected}), but the model has "
                f"{len(outputs)} output(s): they must match."
            )

    def _target_encoder_for(self, classes):
        return self.target_encoder

    def _check_weighted_classes(self, y, weights):
        pass

    # -- prediction ---------------------------------------------------------
    def _predict_raw(self, X, kwargs):
        return _predicting.predict_raw(self, X, kwargs)

    # -- pickling and cloning -----------------------------------------------
    # The fitted ``model_``, and a model instance given as ``model``, travel
    # as Keras archives (see _serialization).
    _ARCHIVED = (("model_", "_model_archive"), ("model", "_model_param_archive"))

    def __getstate__(self):
        state = dict(super().__getstate__())
        for name, key in self._ARCHIVED:
            if _serialization.is_keras_model(state.get(name)):
                state[key] = _serialization.model_to_bytes(state.pop(name))
        return state

    def __setstate__(self, state):
        state = dict(state)
        for name, key in self._ARCHIVED:
            archive = state.pop(key, None)
            if archive is not None:
                state[name] = _serialization.model_from_bytes(*archive)
        super().__setstate__(state)

    def __sklearn_clone__(self):
        # clone deep-copies a model instance given as ``model``, and Keras may
        # warn as it loads the copy. Silencing it changes the process-wide
        # warning filters, which threads share (joblib's threading backend
        # clones in parallel), so only a clone that copies a model does it.
        if not _serialization.is_keras_model(self.model):
            return super().__sklearn_clone__()
        with _serialization.quiet_unbuilt_optimizer():
            return super().__sklearn_clone__()

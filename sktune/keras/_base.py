"""The shared base of the Keras wrappers: the scikit-learn side of both.

It owns parameters (named ones, plus the extra build-function and routed
keywords that ``get_params``/``set_params`` report and accept so that
``clone`` and searches work), validation, ``fit``/``partial_fit``, prediction
plumbing and pickling. The private modules each do one job for it:
``_routing`` (which parameter goes where), ``_building`` (making and compiling
the model of a fit), ``_targets`` (encoding ``y``, decoding outputs),
``_seeding`` and ``_data`` (reproducible fits that leave global random state
alone), ``_serialization`` (pickling through Keras's own format).

Per-fit cost is kept to what plain Keras does: one build, one compile, one
``Model.fit`` on the NumPy arrays. Nothing is saved or re-serialised during
fit, and no metric is computed through an extra predict. Prediction on up to
32 batches calls the model directly on each batch (the same numbers as
``Model.predict``, which only runs the same call in a traced function) and
skips ``Model.predict``'s fixed cost: building a data pipeline and tracing a
predict function per model. Larger inputs go through ``Model.predict``.

Memory in long searches: every fitted model leaves a few MB behind in
TensorFlow's runtime once its training step has been traced (measured: ~4.5
MB a fit with plain Keras; the same with ``keras.backend.clear_session()``,
``gc.collect()`` and ``malloc_trim`` after every fit, so neither Python
garbage nor allocator fragmentation; ~0.5 MB a fit with ``run_eagerly=True``,
which traces nothing). ``clear_session`` would also reset Keras's global state
under other live models, so the wrappers never call it. What sktune controls
is not tracing more than plain Keras: no predict function is traced for small
inputs, so its growth is at most plain Keras's; ``run_eagerly=True`` bounds
growth for long searches over tiny models (see benchmarks/README.md).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import _building, _data, _routing, _serialization, _targets
from ._seeding import fresh_seed, seed_from_random_state, seeded_keras

_X_DTYPES = (np.float64, np.float32)
# Up to this many batches, predicting by calling the model is cheaper than
# Model.predict (measured on the tiny model: ~4 ms a batch by direct call,
# against ~85 ms fixed + ~0.5 ms a batch + 0.3 s tracing once per model).
_DIRECT_CALL_BATCHES = 32


class BaseKerasEstimator(BaseEstimator):
    """Shared base of :class:`KerasClassifier` and :class:`KerasRegressor`.

    See :class:`KerasClassifier` for the parameters.
    """

    _parameter_constraints: dict = {
        "model": [callable, None],
        "build_fn": [callable, None],
        "warm_start": ["boolean"],
        "random_state": ["random_state", np.random.Generator],
        "optimizer": [str, type, HasMethods(["get_config"]), None],
        "loss": [str, callable, None],
        "metrics": [list, tuple, dict, None],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
            None,
        ],
        "validation_batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "verbose": ["verbose"],
        "callbacks": [list, tuple, dict, type, HasMethods(["set_model"]), None],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean", StrOptions({"batch"})],
        "run_eagerly": ["boolean"],
        "epochs": [Interval(Integral, 0, None, closed="left")],
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
        vars(self).update(kwargs)

    # -- parameters -------------------------------------------------------
    def _extra_param_names(self):
        """Keywords given beyond the signature (build-function and routed ones)."""
        named = set(self._get_param_names())
        return sorted(
            k
            for k in vars(self)
            if not k.startswith("_") and not k.endswith("_") and k not in named
        )

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update({k: getattr(self, k) for k in self._extra_param_names()})
        return params

    def set_params(self, **params):
        own = {}
        for name, value in params.items():
            if (
                _routing.is_routed(name)
                or name in self._extra_param_names()
                or self._build_fn_declares(name)
            ):
                setattr(self, name, value)
            else:
                own[name] = value
        try:
            return super().set_params(**own)
        except ValueError as error:
            raise ValueError(
                f"{error} Build-function arguments can be set by name when the "
                "build function declares them; other destinations need a prefix "
                f"({', '.join(p + '__' for p in _routing.ROUTING_PREFIXES)})."
            ) from None

    def _build_fn_declares(self, name):
        if "__" in name or name in self._get_param_names():
            return False
        source = self._model_source(required=False)
        if source is None or not callable(source) or _is_keras_model(source):
            return False
        names, _ = _routing.accepted_arguments(source)
        return name in names

    def _model_source(self, required=True):
        if self.model is not None and self.build_fn is not None and required:
            raise ValueError(
                "Both model and build_fn are set; they are two names for the same "
                "parameter (build_fn is the old Keras name). Set only one."
            )
        source = self.model if self.model is not None else self.build_fn
        if source is None:
            source = getattr(self, "_keras_build_fn", None)
        if source is None and required:
            raise ValueError(
                f"{type(self).__name__} needs a model: pass model= a build function "
                "returning a keras.Model, or a compiled keras.Model."
            )
        return source

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    # -- fitting ------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Fit the model for ``epochs`` epochs (continuing it if ``warm_start``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
            Rescaled to average 1 (see the class docstring).
        **kwargs : dict
            Passed to ``keras.Model.fit`` (a ``fit__`` prefix is allowed),
            overriding the estimator's parameters, e.g. ``validation_split=0.2``
            or ``callbacks=[keras.callbacks.EarlyStopping(...)]``. Callbacks are
            deep-copied, so one list can be shared by every fit of a search.

        Returns
        -------
        self : object
        """
        continuing = self.warm_start and self.__sklearn_is_fitted__()
        return self._fit(X, y, sample_weight, kwargs, continuing=continuing)

    def _fit(
        self, X, y, sample_weight, kwargs, *, continuing, epochs=None, classes=None
    ):
        source = self._model_source()
        X, y = validate_data(
            self,
            X,
            y,
            reset=not continuing,
            dtype=_X_DTYPES,
            multi_output=True,
            y_numeric=not isinstance(self, ClassifierMixin),
        )
        y_keras, meta = self._encode_target(y, continuing=continuing, classes=classes)
        sample_weight = self._sample_weight(X, y, sample_weight, kwargs)
        params = self.get_params(deep=False)
        seed = seed_from_random_state(self.random_state)
        if not continuing:
            # An unseeded fit gets a fresh seed from the OS, so that it too
            # leaves Python's global `random` state as it found it.
            with seeded_keras(fresh_seed() if seed is None else seed):
                self.model_ = self._build_and_compile(source, meta, params, X)
            self.history_ = {}
        y_keras = self._shape_target(y_keras)
        fit_kwargs = self._fit_kwargs(params, kwargs, len(X), epochs)
        history = _data.fit_model(
            self.model_, X, y_keras, sample_weight, seed, fit_kwargs
        )
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        return self

    def _build_and_compile(self, source, meta, params, X):
        name = _routing.callable_name(source)
        extra = {
            k: params[k] for k in self._extra_param_names() if not _routing.is_routed(k)
        }
        model_kwargs = _routing.routed(params, "model")
        if _is_keras_model(source):
            if extra or model_kwargs:
                raise ValueError(
                    f"Parameters {sorted(extra) + ['model__' + k for k in model_kwargs]} "
                    "have no destination: model is a Keras model, not a build "
                    "function. Use optimizer__/loss__/fit__ prefixes, or a build function."
                )
            arguments, consumed = {}, set()
        else:
            wrapper_params = {k: params[k] for k in self._get_param_names()}
            arguments, consumed = _routing.build_arguments(
                source,
                wrapper_params=wrapper_params,
                extra_params={**extra, **model_kwargs},
                meta=meta,
                compile_kwargs=self._compile_kwargs_for_build_fn(params, meta),
                all_params=params,
            )
        model, cloned = _building.make_model(source, arguments, name)
        n_units = _building.output_units(model, X)
        self._check_output(n_units, meta)
        self._output_units = n_units
        _building.compile_model(
            model,
            estimator=self,
            source=source,
            cloned=cloned,
            consumed=consumed,
            params=params,
            target_type=meta["target_type_"],
            n_units=n_units,
            name=name,
        )
        return model

    def _compile_kwargs_for_build_fn(self, params, meta):
        loss = self.loss
        if isinstance(loss, str) and loss == "auto":
            loss = _targets.infer_loss(meta["target_type_"], self._expected_units(meta))
        kwargs = {
            "optimizer": _routing.make_optimizer(
                self.optimizer, _routing.routed(params, "optimizer")
            ),
            "loss": None
            if loss is None
            else _routing.make_loss(loss, _routing.routed(params, "loss")),
            "metrics": self.metrics,
            "run_eagerly": self.run_eagerly,
        }
        kwargs.update(_routing.routed(params, "compile"))
        return kwargs

    def _fit_kwargs(self, params, kwargs, n_samples, epochs):
        import keras

        fit_kwargs = {
            "batch_size": _data.resolve_batch_size(self.batch_size, n_samples),
            "epochs": self.epochs if epochs is None else epochs,
            "verbose": self.verbose,
            "shuffle": self.shuffle,
            "validation_split": self.validation_split,
            "validation_batch_size": self.validation_batch_size,
        }
        fit_kwargs.update(_routing.routed(params, "fit"))
        given = {
            k[len("fit__") :] if k.startswith("fit__") else k: v
            for k, v in kwargs.items()
        }
        given.pop("class_weight", None)  # folded into sample weights
        late_callbacks = given.pop("callbacks", None)
        fit_kwargs.update(given)
        if epochs is not None:
            fit_kwargs["epochs"] = epochs
        _routing.check_call_keywords(fit_kwargs, keras.Model.fit, "fit")
        fit_kwargs["batch_size"] = _data.resolve_batch_size(
            fit_kwargs["batch_size"], n_samples
        )
        callbacks = _routing.make_callbacks(
            self.callbacks, _routing.routed(params, "callbacks")
        )
        callbacks += _routing.make_callbacks(list(late_callbacks or []), {})
        fit_kwargs["callbacks"] = callbacks
        return {k: v for k, v in fit_kwargs.items() if v is not None}

    def _meta(self, y, extra):
        meta = {
            "n_features_in_": self.n_features_in_,
            "X_shape_": (None, self.n_features_in_),
            "X_dtype_": np.dtype(np.float32),
            "target_type_": self.target_type_,
            "y_dtype_": np.asarray(y).dtype,
            "y_ndim_": np.ndim(y),
            "n_outputs_": 1 if np.ndim(y) == 1 else np.shape(y)[1],
            "n_outputs_expected_": 1,
        }
        if hasattr(self, "feature_names_in_"):
            meta["feature_names_in_"] = self.feature_names_in_
        meta.update(extra)
        return meta

    def _sample_weight(self, X, y, sample_weight, kwargs):
        class_weight = kwargs.get("class_weight", getattr(self, "class_weight", None))
        if sample_weight is None and class_weight is None:
            return None
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        if class_weight is not None:
            weights = weights * compute_sample_weight(class_weight, y)
        if not np.any(weights > 0):
            raise ValueError(
                "Sample weights must contain at least one non-zero number "
                "(all sample_weight values are 0)."
            )
        self._check_weighted_classes(y, weights)
        # Weights set relative importance; averaging 1 keeps the loss scale (and
        # so the effective learning rate) that unweighted training would have.
        return weights * (len(weights) / weights.sum())

    def _check_weighted_classes(self, y, weights):
        pass

    # -- prediction ---------------------------------------------------------
    def _predict_raw(self, X, kwargs):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_X_DTYPES)
        predict_kwargs = {
            "batch_size": _data.resolve_batch_size(self.batch_size, len(X)),
            "verbose": self.verbose,
        }
        predict_kwargs.update(_routing.routed(self.get_params(deep=False), "predict"))
        predict_kwargs.update(
            {
                k[len("predict__") :] if k.startswith("predict__") else k: v
                for k, v in kwargs.items()
            }
        )
        predict_kwargs = {k: v for k, v in predict_kwargs.items() if v is not None}
        import keras

        _routing.check_call_keywords(predict_kwargs, keras.Model.predict, "predict")
        batch_size = predict_kwargs.get("batch_size") or _data.DEFAULT_BATCH_SIZE
        n_batches = -(-len(X) // batch_size)
        if (
            set(predict_kwargs) <= {"batch_size", "verbose"}
            and n_batches <= _DIRECT_CALL_BATCHES
        ):
            # Calling the model on the same batches gives the same numbers as
            # Model.predict, without its fixed cost (data pipeline, callbacks,
            # tracing a predict function: ~0.1-0.4 s a model).
            return np.concatenate(
                [
                    keras.ops.convert_to_numpy(
                        self.model_(X[i : i + batch_size], training=False)
                    )
                    for i in range(0, len(X), batch_size)
                ]
            )
        return self.model_.predict(X, **predict_kwargs)

    # -- pickling -----------------------------------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())
        model = state.pop("model_", None)
        if model is not None:
            state["_model_archive"] = _serialization.model_to_bytes(model)
        return state

    def __setstate__(self, state):
        state = dict(state)
        archive = state.pop("_model_archive", None)
        if archive is not None:
            state["model_"] = _serialization.model_from_bytes(*archive)
        super().__setstate__(state)


def _is_keras_model(obj):
    import keras

    return isinstance(obj, keras.Model)

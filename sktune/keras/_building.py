"""Making the compiled Keras model of one fit.

The model comes from, in this order: ``model`` (or its old name
``build_fn``), either a build function or a Keras model; or, when both are
None, the subclass's ``_keras_build_fn`` method (scikeras's way to package a
model in a class). A build function is called with the arguments resolved by
:mod:`sktune.keras._routing`; a model instance is cloned with
``keras.models.clone_model`` for ``fit`` (fresh weights, nothing shared with
the estimator's parameter or with other fits), while ``initialize`` adopts it
as it is (its weights are the point).

Compiling:

* an uncompiled model is compiled with ``optimizer`` (default
  ``"rmsprop"``, scikeras's), ``loss`` (required; ``"auto"`` infers it from
  the target), ``metrics`` and the ``optimizer__`` / ``loss__`` /
  ``compile__`` parameters;
* a compiled model keeps its compile arguments. The wrapper changes only what
  the user asked for: an optimizer other than the default or ``optimizer__``
  parameters (a cloned model always gets a fresh optimizer, never one with
  another fit's state), ``loss__`` parameters, ``metrics``, ``compile__``
  parameters and ``run_eagerly=True``. A ``loss`` set on the wrapper that is
  not the loss the model was compiled with is an error (which one is meant?),
  as in scikeras.
"""

import numpy as np

from . import _params, _routing, _targets


def model_source(estimator):
    """The build function (or model) of ``estimator``; raises a clear error if none."""
    import keras

    name = type(estimator).__name__
    model, build_fn = estimator.model, estimator.build_fn
    if model is not None and build_fn is not None:
        raise ValueError(
            "Both model and build_fn are set; they are two names for the same "
            "parameter (build_fn is the old Keras name). Set only one."
        )
    source = model if model is not None else build_fn
    own = getattr(estimator, "_keras_build_fn", None)
    if source is None:
        if own is None:
            raise ValueError(
                f"{name} has no model: pass model= a build function returning a "
                "keras.Model, or a compiled keras.Model. A subclass without "
                "model= must implement ``_keras_build_fn``."
            )
        return own
    if own is not None:
        raise ValueError(
            f"{name} was given model={_routing.callable_name(source)} but also "
            "defines _keras_build_fn: a class that takes model= cannot implement "
            "``_keras_build_fn``. Remove one of them."
        )
    if not (callable(source) or isinstance(source, keras.Model)):
        raise TypeError(
            "``model`` must be a build function (a callable returning a "
            f"keras.Model) or a keras.Model, not {source!r}."
        )
    return source


def is_keras_model(obj):
    import keras

    return isinstance(obj, keras.Model)


def output_units(model, x_sample):
    """Width of the model's single output; builds a subclassed model if needed."""
    outputs = None
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        outputs = None
    if not outputs:
        outputs = model(x_sample)
        outputs = [outputs] if not isinstance(outputs, (list, tuple, dict)) else outputs
    if isinstance(outputs, dict) or len(outputs) != 1:
        raise ValueError(
            f"The model has {len(outputs)} outputs, but the default target encoder "
            "trains models with a single output of shape (n_samples, n_units). "
            "Concatenate the outputs, or override the wrapper's target_encoder "
            "with one that returns a list of targets, one per output (see the "
            "Keras user guide)."
        )
    shape = tuple(outputs[0].shape)
    return int(np.prod(shape[1:])) if len(shape) > 1 else 1


def make_model(source, build_arguments, name, *, adopt=False):
    """Call a build function, or clone (or adopt) a model instance; check it."""
    import keras

    if isinstance(source, keras.Model):
        return (source, False) if adopt else (keras.models.clone_model(source), True)
    model = source(**build_arguments)
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"The build function `{name}` returned {type(model).__name__} "
            f"({model!r:.80}), not a keras.Model. It must build and return the "
            "model (compiled, or with `loss=` given to the wrapper)."
        )
    return model, False


def compile_arguments(model):
    """The arguments a compiled model was compiled with (raw, as given)."""
    import keras

    config = getattr(model, "_compile_config", None)
    arguments = dict(getattr(config, "config", {}) or {})
    if not arguments:
        serialized = model.get_compile_config() or {}
        arguments = {
            k: keras.saving.deserialize_keras_object(v) if isinstance(v, dict) else v
            for k, v in serialized.items()
        }
    arguments["optimizer"] = getattr(model, "optimizer", None)
    arguments["loss"] = getattr(model, "loss", arguments.get("loss"))
    return arguments


def _fresh_metrics(metrics):
    import keras

    def fresh(metric):
        if isinstance(metric, keras.metrics.Metric):
            return type(metric).from_config(metric.get_config())
        return metric

    if isinstance(metrics, (list, tuple)):
        return [fresh(m) for m in metrics]
    if isinstance(metrics, dict):
        return {
            k: _fresh_metrics(v) if isinstance(v, (list, tuple)) else fresh(v)
            for k, v in metrics.items()
        }
    return [fresh(metrics)]


def given(estimator, name):
    """Whether the parameter ``name`` is set to something other than its default."""
    value = getattr(estimator, name)
    default = _params.default_value(estimator, name)
    if value is default:
        return False
    if name == "loss" and value is not None and default is not None:
        return _targets.loss_name(value) != _targets.loss_name(default)
    if isinstance(value, (str, bool, int, float, type(None))):
        return value != default
    return True


def has_loss(loss):
    """Whether a compiled loss (or a list/dict of them) holds anything to train on."""
    if isinstance(loss, dict):
        return any(has_loss(v) for v in loss.values())
    if isinstance(loss, (list, tuple)):
        return any(has_loss(v) for v in loss)
    return loss is not None and (callable(loss) or isinstance(loss, str))


def _no_loss_error(name):
    return ValueError(
        f"The model from `{name}` has no loss to train with: provide a loss. "
        "Compile it in the build function, pass loss=... to the wrapper (e.g. "
        "'sparse_categorical_crossentropy' for a softmax output, "
        "'binary_crossentropy' for one sigmoid unit, 'mse' for regression), or "
        "loss='auto' to infer it from the target."
    )


def _no_optimizer_error(name):
    return ValueError(
        f"The model from `{name}` has no optimizer (optimizer=None). You must "
        "provide an optimizer: pass optimizer='rmsprop' (the default), 'adam' or "
        "a keras.optimizers class or instance, or compile the model with one."
    )


def compile_model(
    model, *, estimator, source, cloned, consumed, target_type, n_units, name
):
    """Compile ``model`` (in place) by the rule in the module docstring."""
    params = estimator.get_params(deep=False)
    optimizer_kwargs = _routing.routed(params, "optimizer")
    loss_kwargs = _routing.routed(params, "loss")
    compile_kwargs = _routing.routed(params, "compile")
    if compile_kwargs:
        _routing.check_call_keywords(compile_kwargs, model.compile, "compile")
    compiled = source.compiled if cloned else model.compiled
    base = compile_arguments(source if cloned else model) if compiled else None
    overrides = dict(compile_kwargs)

    if base is None or (
        "optimizer" not in consumed
        and (cloned or optimizer_kwargs or given(estimator, "optimizer"))
    ):
        chosen = estimator.optimizer
        if base is not None and not given(estimator, "optimizer"):
            chosen = base.get("optimizer")
        overrides["optimizer"] = _routing.make_optimizer(chosen, optimizer_kwargs)
        if overrides["optimizer"] is None:
            raise _no_optimizer_error(name)

    loss = estimator.loss
    if base is None or not has_loss(base.get("loss")):
        if not has_loss(loss):
            raise _no_loss_error(name)
        if isinstance(loss, str) and loss == "auto":
            loss = _targets.infer_loss(target_type, n_units)
            if target_type in _targets.CLASSIFICATION_TARGETS and _outputs_logits(model):
                loss_kwargs = {"from_logits": True, **loss_kwargs}
        overrides["loss"] = _routing.make_loss(loss, loss_kwargs)
    else:
        compiled_loss = base["loss"]
        _check_loss_agrees(estimator, compiled_loss, consumed, name)
        if loss_kwargs:
            overrides["loss"] = _routing.make_loss(compiled_loss, loss_kwargs)

    if "metrics" not in consumed and estimator.metrics is not None:
        overrides["metrics"] = estimator.metrics
    if estimator.run_eagerly:
        overrides["run_eagerly"] = True
    if base is not None and not overrides and not cloned:
        return _check_compiled(model, name)
    arguments = dict(base or {})
    if base is None:
        arguments["run_eagerly"] = bool(estimator.run_eagerly)
    arguments.update(overrides)
    for key in ("metrics", "weighted_metrics"):
        if arguments.get(key) is not None:
            arguments[key] = _fresh_metrics(arguments[key])
    model.compile(**arguments)
    return _check_compiled(model, name)


def _outputs_logits(model):
    """Whether a Sequential or functional model ends in a linear layer (logits).

    Other models (subclassed ones) are taken to output probabilities.
    """
    import keras

    try:
        outputs = model.outputs  # symbolic outputs: Sequential and functional models
    except (AttributeError, ValueError):
        return False
    if len(outputs or ()) != 1 or not model.layers:
        return False
    return getattr(model.layers[-1], "activation", None) is keras.activations.linear


def _check_loss_agrees(estimator, compiled_loss, consumed, name):
    loss = estimator.loss
    if "loss" in consumed or not given(estimator, "loss"):
        return
    if isinstance(loss, str) and loss == "auto":
        return
    if isinstance(loss, (list, tuple, dict)) or isinstance(
        compiled_loss, (list, tuple, dict)
    ):
        return
    wanted, got = _targets.loss_name(loss), _targets.loss_name(compiled_loss)
    if wanted != got:
        raise ValueError(
            f"loss={loss!r} was given to the wrapper, but model compiled with "
            f"{got!r} by `{name}`: which one is meant? Remove one of them (the "
            "build function can compile with compile_kwargs['loss'])."
        )


def _check_compiled(model, name):
    if getattr(model, "optimizer", None) is None:
        raise _no_optimizer_error(name)
    if not has_loss(getattr(model, "loss", None)):
        raise _no_loss_error(name)
    return model


def compile_kwargs_for_build_fn(estimator, target_type, n_units):
    """The ``compile_kwargs`` handed to build functions that declare it."""
    params = estimator.get_params(deep=False)
    loss = estimator.loss
    if isinstance(loss, str) and loss == "auto":
        loss = _targets.infer_loss(target_type, n_units)
    metrics = estimator.metrics
    if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
        metrics = [metrics]
    kwargs = {
        "optimizer": _routing.make_optimizer(
            estimator.optimizer, _routing.routed(params, "optimizer")
        ),
        "loss": None
        if loss is None
        else _routing.make_loss(loss, _routing.routed(params, "loss")),
        "metrics": metrics,
        "run_eagerly": estimator.run_eagerly,
    }
    kwargs.update(_routing.routed(params, "compile"))
    return kwargs


def build_model(estimator, x_model, adopt):
    """The estimator's compiled model for this fit (built inside seeded_keras)."""
    import keras

    source = model_source(estimator)
    name = _routing.callable_name(source)
    params = estimator.get_params(deep=False)
    x_sample = keras.tree.map_structure(lambda a: a[:1], x_model)
    n_units = None
    if isinstance(estimator.loss, str) and estimator.loss == "auto":
        n_units = estimator._expected_units()
    if is_keras_model(source):
        routed_to_model = _build_fn_arguments(estimator, params)
        if routed_to_model:
            raise ValueError(
                f"Parameters {sorted(routed_to_model)} have no destination: "
                "model is a Keras model, not a build function. Use "
                "optimizer__/loss__/fit__ prefixes, or a build function."
            )
        arguments, consumed = {}, set()
    else:
        arguments, consumed = _routing.build_arguments(
            source,
            wrapper_params={
                k: getattr(estimator, k)
                for k in estimator._get_param_names()
                if given(estimator, k)
            },
            extra_params=_build_fn_arguments(estimator, params),
            meta=estimator._meta(),
            compile_kwargs=compile_kwargs_for_build_fn(
                estimator, estimator.target_type_, n_units
            ),
            all_params=params,
        )
    model, cloned = make_model(source, arguments, name, adopt=adopt)
    compile_model(
        model,
        estimator=estimator,
        source=source,
        cloned=cloned,
        consumed=consumed,
        target_type=estimator.target_type_,
        n_units=n_units,
        name=name,
    )
    bind = getattr(estimator.target_encoder_, "bind_model", None)
    if bind is not None:
        bind(model, x_sample)
    return model


def _build_fn_arguments(estimator, params):
    """Unprefixed extra keywords and ``model__`` parameters: the build function's."""
    extra = {
        k: params[k]
        for k in estimator._extra_param_names()
        if not _routing.is_routed(k)
    }
    return {**extra, **_routing.routed(params, "model")}

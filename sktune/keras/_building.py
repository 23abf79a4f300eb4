"""Making the compiled Keras model of one fit.

``model`` (or the old name ``build_fn``) is either a build function or a Keras
model.  A build function is called with the arguments resolved by
:mod:`sktune.keras._routing`; a model instance is cloned with
``keras.models.clone_model`` (fresh weights, nothing shared with the
estimator's parameter or with other fits) and recompiled with the compile
arguments of the original.

Compiling follows one rule: what the user set explicitly on the wrapper wins,
unless the build function consumed it.  So

* an uncompiled model is compiled with ``optimizer`` (default ``"rmsprop"``,
  scikeras's), ``loss`` (required; ``"auto"`` infers it from the target),
  ``metrics`` and the ``optimizer__`` / ``loss__`` / ``compile__`` parameters;
* a compiled model keeps its compile arguments, except those given on the
  wrapper (a non-None ``optimizer``, ``loss`` or ``metrics``, routed
  ``optimizer__``/``loss__``/``compile__`` parameters, ``run_eagerly=True``),
  which replace them.  Optimizers and metric objects are always re-created
  from their configuration, so no fit trains with another fit's state.
"""

import numpy as np

from . import _routing, _targets


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
    if getattr(model, "optimizer", None) is not None:
        arguments["optimizer"] = model.optimizer
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
    return metrics


def output_units(model, x_sample):
    """Width of the model's single output; builds a subclassed model if needed."""
    outputs = None
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        outputs = None
    if not outputs:
        outputs = model(x_sample[:1])
        outputs = [outputs] if not isinstance(outputs, (list, tuple, dict)) else outputs
    if isinstance(outputs, dict) or len(outputs) != 1:
        raise ValueError(
            f"The model has {len(outputs)} outputs; sktune's Keras wrappers train "
            "models with a single output of shape (n_samples, n_units). Concatenate "
            "the outputs, or subclass the wrapper to encode the target yourself."
        )
    shape = tuple(outputs[0].shape)
    return int(np.prod(shape[1:])) if len(shape) > 1 else 1


def make_model(source, build_arguments, name):
    """Call a build function or clone a model instance; check the result."""
    import keras

    if isinstance(source, keras.Model):
        return keras.models.clone_model(source), True
    model = source(**build_arguments)
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"The build function `{name}` returned {type(model).__name__} "
            f"({model!r:.80}), not a keras.Model. It must build and return the "
            "model (compiled, or with `loss=` given to the wrapper)."
        )
    return model, False


def compile_model(
    model, *, estimator, source, cloned, consumed, params, target_type, n_units, name
):
    """Compile ``model`` (in place) by the rule in the module docstring."""
    optimizer_kwargs = _routing.routed(params, "optimizer")
    loss_kwargs = _routing.routed(params, "loss")
    compile_kwargs = _routing.routed(params, "compile")
    if compile_kwargs:
        import keras

        _routing.check_call_keywords(compile_kwargs, keras.Model.compile, "compile")

    if cloned:
        base = compile_arguments(source) if source.compiled else None
    else:
        base = compile_arguments(model) if model.compiled else None
    overrides = dict(compile_kwargs)
    if "optimizer" not in consumed and (
        base is None or estimator.optimizer is not None or optimizer_kwargs or cloned
    ):
        chosen = estimator.optimizer
        if chosen is None and base is not None:
            chosen = base.get("optimizer")
        overrides["optimizer"] = _routing.make_optimizer(chosen, optimizer_kwargs)
    if "loss" not in consumed and (
        base is None or estimator.loss is not None or loss_kwargs
    ):
        loss = estimator.loss
        if loss is None and base is not None:
            loss = base.get("loss")
        if loss is None:
            raise ValueError(
                f"The model from `{name}` is not compiled and no loss was given. "
                "Compile it in the build function, pass loss=... to the wrapper "
                "(e.g. 'sparse_categorical_crossentropy' for a softmax output, "
                "'binary_crossentropy' for one sigmoid unit, 'mse' for "
                "regression), or loss='auto' to infer it from the target."
            )
        if isinstance(loss, str) and loss == "auto":
            loss = _targets.infer_loss(target_type, n_units)
        overrides["loss"] = _routing.make_loss(loss, loss_kwargs)
    if "metrics" not in consumed and estimator.metrics is not None:
        overrides["metrics"] = estimator.metrics
    if estimator.run_eagerly:
        overrides["run_eagerly"] = True
    if base is not None and not overrides and not cloned:
        return model
    arguments = dict(base or {})
    if base is None:
        arguments["run_eagerly"] = bool(estimator.run_eagerly)
    arguments.update(overrides)
    for key in ("metrics", "weighted_metrics"):
        if arguments.get(key) is not None:
            arguments[key] = _fresh_metrics(arguments[key])
    model.compile(**arguments)
    return model

"""Parameter routing: which estimator parameter goes to which Keras call.

The wrappers keep scikeras's routing so that porting is an import change, and
the old ``tf.keras.wrappers.scikit_learn`` behaviour so that old code runs:

* a prefixed parameter goes to one destination and loses its prefix:
  ``model__x`` to the build function, ``optimizer__x`` to the optimizer's
  constructor, ``loss__x`` to the loss's, ``callbacks__...`` to the callbacks,
  ``fit__x`` / ``predict__x`` / ``compile__x`` to ``Model.fit`` /
  ``Model.predict`` / ``Model.compile``; a name with a further ``__``
  (``optimizer__x__y``) is meant for an object inside the destination and is
  not passed to the destination itself;
* an unprefixed extra keyword given to the constructor (``learning_rate=0.01``)
  goes to the build function, which must accept it;
* a wrapper parameter whose name the build function declares (``optimizer``,
  ``batch_size``...) is also passed to it when set to something other than
  its default, as the old Keras wrapper did; the build function has then
  consumed it, and the wrapper does not apply it again when compiling;
* the build function also receives ``meta``, ``compile_kwargs`` and ``params``
  when it declares them (or takes ``**kwargs``), as in scikeras.

Every routed name is checked before use, and an unknown one raises an error
that names it, lists what the destination accepts and suggests the closest.
"""

import copy
import difflib
import inspect

ROUTING_PREFIXES = (
    "model",
    "optimizer",
    "loss",
    "callbacks",
    "fit",
    "predict",
    "compile",
)
SCIKERAS_BUILD_ARGUMENTS = ("meta", "compile_kwargs", "params")


class RoutingError(ValueError, TypeError):
    """A parameter that its destination does not accept.

    Both a ValueError (a bad parameter value for the estimator, as scikit-learn
    reports those) and a TypeError (what Python raises for an unexpected
    keyword argument).
    """


def is_routed(name):
    """Whether ``name`` is a prefixed (routed) parameter name."""
    prefix, sep, rest = name.partition("__")
    return bool(sep) and bool(rest) and prefix in ROUTING_PREFIXES


def routed(params, prefix, nested=False):
    """The parameters routed to ``prefix``, with the prefix removed.

    Names with a further ``__`` are left out unless ``nested``.
    """
    start = prefix + "__"
    return {
        k[len(start) :]: v
        for k, v in params.items()
        if k.startswith(start) and (nested or "__" not in k[len(start) :])
    }


def callable_name(function):
    """A readable name for a build function (or any callable) in messages."""
    return getattr(function, "__qualname__", None) or repr(function)


def _signature(function):
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):  # builtins, some C callables
        return None


def accepted_arguments(function):
    """(names the callable declares, whether it takes ``**kwargs``)."""
    signature = _signature(function)
    if signature is None:
        return set(), True
    names = set()
    takes_var_keyword = False
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            takes_var_keyword = True
        elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            names.add(parameter.name)
    return names, takes_var_keyword


def unknown_names_message(given, accepted):
    """``'a' (did you mean 'b'?)`` for each unknown name, and the accepted list."""
    shown = []
    for name in sorted(given):
        close = difflib.get_close_matches(name, sorted(accepted), n=1)
        shown.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    listed = ", ".join(sorted(accepted)) or "none"
    return f"{', '.join(shown)}; it accepts: {listed}"


def build_arguments(
    build_fn, *, wrapper_params, extra_params, meta, compile_kwargs, all_params
):
    """The keyword arguments to call ``build_fn`` with.

    Parameters
    ----------
    build_fn : callable
    wrapper_params : dict
        The wrapper's own parameters that were set to something other than
        their default.
    extra_params : dict
        Unprefixed extra constructor keywords plus the ``model__`` routed ones
        (prefix removed); all must be accepted by ``build_fn``.
    meta, compile_kwargs, all_params : dict
        What scikeras hands to build functions that declare them.

    Returns
    -------
    kwargs : dict
    consumed : set of str
        The wrapper parameters the build function took over.
    """
    names, takes_var_keyword = accepted_arguments(build_fn)
    kwargs = {}
    consumed = set()
    for name, value in wrapper_params.items():
        if name in names and name not in ("model", "build_fn"):
            kwargs[name] = value
            consumed.add(name)
    unknown = [name for name in extra_params if name not in names]
    if unknown and not takes_var_keyword:
        raise RoutingError(
            f"The build function `{callable_name(build_fn)}` got an unexpected "
            f"keyword argument {unknown_names_message(unknown, names)}. Add it to "
            "its signature, or route it elsewhere with a prefix "
            f"({', '.join(p + '__' for p in ROUTING_PREFIXES)})."
        )
    kwargs.update(extra_params)
    scikeras_values = {
        "meta": meta,
        "compile_kwargs": compile_kwargs,
        "params": all_params,
    }
    for name in SCIKERAS_BUILD_ARGUMENTS:
        if name in names or takes_var_keyword:
            kwargs.setdefault(name, scikeras_values[name])
            if name == "compile_kwargs":
                consumed.update(("optimizer", "loss", "metrics"))
    return kwargs, consumed


def check_call_keywords(keywords, function, prefix):
    """Raise if ``keywords`` holds a name that ``function`` does not take."""
    names, takes_var_keyword = accepted_arguments(function)
    names.discard("self")
    unknown = set(keywords) - names
    if unknown and not takes_var_keyword:
        raise RoutingError(
            f"Unknown routed parameter(s) for `{callable_name(function)}`: "
            + unknown_names_message(
                [f"{prefix}__{u}" for u in unknown], {f"{prefix}__{n}" for n in names}
            )
            + "."
        )


def _instantiate(cls, kwargs, what):
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as error:
        names, _ = accepted_arguments(cls)
        unknown = set(kwargs) - names
        if unknown:
            raise RoutingError(
                f"Unknown routed parameter(s) for the {what} {cls.__name__}: "
                + unknown_names_message(
                    [f"{what}__{u}" for u in unknown], {f"{what}__{n}" for n in names}
                )
                + "."
            ) from error
        raise RoutingError(
            f"Could not create the {what} {cls.__name__} with the routed "
            f"parameters {sorted(what + '__' + k for k in kwargs)}: {error}"
        ) from error


def make_optimizer(optimizer, kwargs):
    """A fresh optimizer instance (never one shared with another fit), or None."""
    import keras

    if optimizer is None:
        if kwargs:
            raise RoutingError(
                f"optimizer__ parameters {sorted(kwargs)} were given but "
                "optimizer=None: set an optimizer (e.g. optimizer='adam')."
            )
        return None
    if isinstance(optimizer, str):
        optimizer = type(keras.optimizers.get(optimizer))
    if isinstance(optimizer, type):
        return _instantiate(optimizer, kwargs, "optimizer")
    if isinstance(optimizer, keras.optimizers.Optimizer):
        config = optimizer.get_config()
        unknown = set(kwargs) - set(config)
        if unknown:
            raise RoutingError(
                f"Unknown routed parameter(s) for the optimizer "
                f"{type(optimizer).__name__}: "
                + unknown_names_message(
                    [f"optimizer__{u}" for u in unknown],
                    {f"optimizer__{n}" for n in config},
                )
                + "."
            )
        config.update(kwargs)
        return type(optimizer).from_config(config)
    raise ValueError(
        f"optimizer={optimizer!r} is not valid: pass a Keras optimizer name "
        "('adam'), class (keras.optimizers.Adam) or instance."
    )


def _loss_class_named(name):
    """The keras.losses class whose name matches ``name`` (``mean_squared_error``)."""
    import keras

    wanted = name.replace("_", "").lower()
    for attribute in dir(keras.losses):
        candidate = getattr(keras.losses, attribute)
        if (
            isinstance(candidate, type)
            and issubclass(candidate, keras.losses.Loss)
            and attribute.lower() == wanted
        ):
            return candidate
    return None


def make_loss(loss, kwargs):
    """The loss to compile with; classes are instantiated, names kept if possible."""
    import keras

    if isinstance(loss, type):
        return _instantiate(loss, kwargs, "loss")
    if not kwargs:
        return loss
    if isinstance(loss, str):
        resolved = keras.losses.get(loss)
        name = getattr(resolved, "__name__", None) or type(resolved).__name__
        loss_class = _loss_class_named(name)
        if loss_class is None:
            raise RoutingError(
                f"loss__ parameters {sorted(kwargs)} cannot be routed to "
                f"loss={loss!r}: no keras.losses class of that name; pass the "
                "class instead."
            )
        return _instantiate(loss_class, kwargs, "loss")
    if isinstance(loss, keras.losses.Loss):
        config = loss.get_config()
        config.update(kwargs)
        return type(loss).from_config(config)
    raise RoutingError(
        f"loss__ parameters {sorted(kwargs)} can only be routed to a loss given "
        f"as a name, class or keras.losses.Loss instance, not {loss!r}."
    )


def make_callbacks(callbacks, kwargs, prefix="callbacks"):
    """Fresh callback objects for one fit, with ``callbacks__`` routing applied.

    ``callbacks`` is None, a callback (class or instance), a list of them
    (routed as ``callbacks__<index>__<name>``) or a dict of them (routed as
    ``callbacks__<key>__<name>``). A routed name made of digits is a
    positional argument (``callbacks__0="arg"``). Instances are copied
    (shallowly: the copy shares what the user's object refers to, such as a
    log it appends to) so that two fits never share one callback's state or
    its ``model``; parameters can only be routed to classes.
    """
    if callbacks is None:
        if kwargs:
            raise RoutingError(
                f"Routed parameters {sorted(f'{prefix}__{k}' for k in kwargs)} "
                f"given but {prefix}=None."
            )
        return []
    if isinstance(callbacks, dict):
        items = [(str(k), cb) for k, cb in callbacks.items()]
    elif isinstance(callbacks, (list, tuple)):
        items = [(str(i), cb) for i, cb in enumerate(callbacks)]
    else:
        return [_one_callback(callbacks, kwargs, prefix)]
    grouped = _group_by_key(kwargs, {key for key, _ in items}, prefix)
    made = []
    for key, callback in items:
        if isinstance(callback, (list, tuple)):
            made.extend(
                make_callbacks(callback, grouped.get(key, {}), f"{prefix}__{key}")
            )
        else:
            made.append(
                _one_callback(callback, grouped.get(key, {}), f"{prefix}__{key}")
            )
    return made


def _group_by_key(kwargs, keys, prefix):
    grouped = {}
    for name, value in kwargs.items():
        key, sep, rest = name.partition("__")
        if not sep or key not in keys:
            raise RoutingError(
                f"Unknown routed parameter {prefix}__{name}: with several "
                f"callbacks, route as {prefix}__<index or key>__<parameter>, "
                f"where the index or key is one of {sorted(keys)}."
            )
        grouped.setdefault(key, {})[rest] = value
    return grouped


def _one_callback(callback, kwargs, prefix):
    if isinstance(callback, type):
        positional = sorted((int(k), v) for k, v in kwargs.items() if k.isdigit())
        keywords = {k: v for k, v in kwargs.items() if not k.isdigit()}
        try:
            return callback(*(v for _, v in positional), **keywords)
        except (TypeError, ValueError) as error:
            raise RoutingError(
                f"Could not create the callback {callback.__name__} with "
                f"{sorted(prefix + '__' + k for k in kwargs)}: {error}"
            ) from error
    if kwargs:
        raise RoutingError(
            f"Parameters {sorted(prefix + '__' + k for k in kwargs)} can only be "
            f"routed to a callback class, not to the instance {callback!r}: pass "
            f"{type(callback).__name__} (the class) instead."
        )
    return copy.copy(callback)

"""The wrappers' parameters: named ones, and the keywords beyond them.

scikit-learn reads an estimator's parameters from its ``__init__`` signature.
The Keras wrappers have more than that:

* **named parameters** of every ``__init__`` in the class's hierarchy, so that a
  scikeras-style subclass with its own ``__init__(self, split=True,
  **kwargs)`` still reports ``batch_size``, ``optimizer``... (its own
  signature alone would hide them, and ``clone`` would lose them);
* **extra keywords** given to the constructor or to ``set_params``:
  build-function arguments (``hidden=8``) and routed parameters
  (``optimizer__learning_rate=0.01``). They are kept in a private dict, not as
  instance attributes, because scikit-learn's
  ``check_no_attributes_set_in_init`` rejects public attributes that no
  signature declares; they still read and write as attributes
  (``est.optimizer__learning_rate``), and ``get_params``/``set_params``/``clone``
  see them like any other parameter.

A subclass may also declare a routed name in its own signature
(``model__hidden_layer_sizes=(100,)``) and assign it in ``__init__``: the
assignment lands in the same dict.
"""

import inspect

from . import _routing

_STORE = "_extra_params"


def _init_parameter_names(cls):
    names = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None or klass is object:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.name != "self" and parameter.kind in (
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                inspect.Parameter.KEYWORD_ONLY,
            ):
                names.add(parameter.name)
    return names


def default_value(estimator, name):
    """The default of a named parameter, from the first ``__init__`` declaring it."""
    for klass in type(estimator).__mro__:
        init = vars(klass).get("__init__")
        if init is None or klass is object:
            continue
        parameter = inspect.signature(init).parameters.get(name)
        if parameter is not None and parameter.default is not inspect.Parameter.empty:
            return parameter.default
    return None


class ExtraParamsMixin:
    """Parameter handling shared by the Keras wrappers (see the module docstring)."""

    @classmethod
    def _get_param_names(cls):
        return sorted(
            name for name in _init_parameter_names(cls) if not _routing.is_routed(name)
        )

    def _store_extra_params(self, kwargs):
        object.__setattr__(self, _STORE, dict(kwargs))

    def _extra_param_names(self):
        """Keywords beyond the named parameters (build-function and routed ones)."""
        return sorted(self.__dict__.get(_STORE, ()))

    def __getattr__(self, name):
        # Only called when normal lookup fails.
        store = self.__dict__.get(_STORE)
        if store is not None and name in store:
            return store[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def __setattr__(self, name, value):
        store = self.__dict__.get(_STORE)
        if store is not None and (name in store or _routing.is_routed(name)):
            store[name] = value
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name):
        store = self.__dict__.get(_STORE)
        if store is not None and name in store:
            del store[name]
        else:
            object.__delattr__(self, name)

    def __copy__(self):
        copied = type(self).__new__(type(self))
        copied.__dict__.update(self.__dict__)
        object.__setattr__(copied, _STORE, dict(self.__dict__.get(_STORE, {})))
        return copied

    @property
    def __name__(self):
        # scikeras code (and its tests) name estimators by ``estimator.__name__``.
        return type(self).__name__

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self.__dict__.get(_STORE, {}))
        return params

    def set_params(self, **params):
        named = set(self._get_param_names())
        # The estimator's own parameters first: a build function given in the
        # same call (a grid over build functions) decides which other names
        # are its arguments.
        super().set_params(**{k: v for k, v in params.items() if k in named})
        unknown = {}
        for name, value in params.items():
            if name in named:
                continue
            if (
                _routing.is_routed(name)
                or name in self.__dict__.get(_STORE, ())
                or self._build_fn_declares(name)
            ):
                self.__dict__[_STORE][name] = value
            else:
                unknown[name] = value
        try:
            return super().set_params(**unknown)
        except ValueError as error:
            raise ValueError(
                f"{error} Build-function arguments can be set by name when the "
                "build function declares them; other destinations need a prefix "
                f"({', '.join(p + '__' for p in _routing.ROUTING_PREFIXES)})."
            ) from None

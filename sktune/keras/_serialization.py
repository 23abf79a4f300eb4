"""Pickling a fitted Keras model through Keras's own ``.keras`` format.

Backend objects (TensorFlow variables, traced functions) cannot be pickled
portably, so the wrappers' ``__getstate__`` replaces the fitted model by the
bytes of a ``.keras`` archive (architecture, weights, compile configuration
and optimizer state), written with the public ``keras.saving.save_model`` to a
temporary file and read back into memory; ``__setstate__`` loads it again.
The classes of the model, its layers and what it was compiled with (optimizer,
losses, metrics) are pickled next to the bytes (by reference, as pickle does
for any class; plain functions given as losses or metrics likewise) and
handed to Keras as ``custom_objects``, so models with user-defined layers,
losses or metrics load without having been registered with
``keras.saving.register_keras_serializable``.

A model instance given as the ``model`` parameter goes the same way, and
:func:`quiet_unbuilt_optimizer` covers scikit-learn's ``clone``, which
deep-copies it. A model compiled but never trained has an optimizer without
its slot variables; Keras builds them when it loads the copy and then warns
that the saved optimizer's (which are none) could not be loaded. Nothing is
lost, so that one warning is silenced: a trained optimizer is saved built and
loads without it.
"""

from contextlib import contextmanager
import inspect
import os
import sys
import tempfile
import warnings

_ARCHIVE_NAME = "model.keras"


def _compiled_objects(model):
    """The objects the model was compiled with: optimizer, losses, metrics."""
    config = getattr(getattr(model, "_compile_config", None), "config", None) or {}
    pending = [getattr(model, "optimizer", None), getattr(model, "loss", None)]
    pending += list(config.values())
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif item is not None and not isinstance(item, (str, int, float, bool)):
            yield item


def _custom_objects(model):
    classes = {}
    pending = [model]
    while pending:
        layer = pending.pop()
        classes.setdefault(type(layer).__name__, type(layer))
        pending.extend(getattr(layer, "layers", None) or [])
    for item in _compiled_objects(model):
        # A plain function as loss or metric is saved by its name.
        obj = item if inspect.isroutine(item) or isinstance(item, type) else type(item)
        classes.setdefault(obj.__name__, obj)
    return {
        name: obj
        for name, obj in classes.items()
        if not (obj.__module__ or "").startswith("keras.")
    }


@contextmanager
def quiet_unbuilt_optimizer():
    """Silence Keras's warning on loading a model whose optimizer was never built."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Skipping variable loading for optimizer", category=UserWarning
        )
        yield


def is_keras_model(obj):
    """Whether ``obj`` is a Keras model, without importing Keras for one that is not."""
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(obj, keras.Model)


def model_to_bytes(model):
    """Return ``(archive_bytes, custom_objects)`` for a Keras model."""
    import keras

    with tempfile.TemporaryDirectory(prefix="sktune-keras-") as directory:
        path = os.path.join(directory, _ARCHIVE_NAME)
        keras.saving.save_model(model, path)
        with open(path, "rb") as archive:
            data = archive.read()
    return data, _custom_objects(model)


def model_from_bytes(data, custom_objects):
    """Load a model saved by :func:`model_to_bytes`."""
    import keras

    with tempfile.TemporaryDirectory(prefix="sktune-keras-") as directory:
        path = os.path.join(directory, _ARCHIVE_NAME)
        with open(path, "wb") as archive:
            archive.write(data)
        # Unpickling already runs arbitrary code, so Keras's safe mode (which
        # refuses Lambda layers) would protect nothing here.
        with quiet_unbuilt_optimizer():
            return keras.saving.load_model(
                path, custom_objects=custom_objects or None, safe_mode=False
            )

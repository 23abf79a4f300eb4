"""Training a model from one epoch to another: the one call to ``Model.fit``.

Every way of training (``fit``, ``warm_start``, ``partial_fit``, a continued
halving budget) ends here as Keras's ``Model.fit(epochs=last,
initial_epoch=first)``: epochs are numbered for the model's whole life, so
training 3 epochs and then 6 more is training epochs 0-8.

Unseeded fits and fits with ``shuffle=False`` hand the arrays straight to
``Model.fit``: that is Keras's own, fastest data path, and the reason sktune's
per-fit time matches plain Keras.

A seeded fit that shuffles cannot use it: Keras shuffles arrays with a *global*
random state (``tf.random.shuffle`` on TensorFlow, NumPy's global state on JAX,
torch's global generator on PyTorch), and it shuffles "batch" mode unseeded
everywhere. Instead the sample order of epoch ``e`` is drawn here from a
generator seeded with ``(seed, e)`` (:func:`epoch_order`), so it depends only
on the seed and the epoch's number: 3 epochs then 6 more see the same orders
as 9 in one go, on every backend, and no global state is read or changed.
The batches are the ones Keras would make (``shuffle=True``: a permutation of
all samples; ``"batch"``: each batch of consecutive samples in random order;
the last batch may be short), fed to ``Model.fit`` as a ``tf.data`` pipeline
on TensorFlow (indices gathered in one vectorised op per batch, as Keras's
array adapter does) or as a generator elsewhere, with ``steps_per_epoch`` so
that the stream runs on across epochs. Such inputs do not support
``validation_split``, so the split is done here exactly as Keras does it (the
last fraction of the samples, before shuffling), and ``class_weight`` becomes
sample weights as Keras computes them.
"""

from collections.abc import Mapping
from contextlib import contextmanager
import inspect
import itertools
import math

import numpy as np

DEFAULT_BATCH_SIZE = 32


def _tree():
    import keras

    return keras.tree


def n_samples(data):
    """Number of samples of an array or a structure of arrays."""
    return len(_tree().flatten(data)[0])


def resolve_batch_size(batch_size, x, name="batch_size"):
    """Keras's default for None, and scikeras's ``-1`` meaning "all samples"."""
    if batch_size is None or batch_size != -1:
        return batch_size
    if not hasattr(x, "shape"):
        raise ValueError(
            f"{name}=-1 (one batch of all samples) requires that `X` implement "
            f"`shape`, but the model's input is a {type(x).__name__}: give "
            f"{name} as a number."
        )
    return max(int(x.shape[0]), 1)


def split_validation(arrays, validation_split):
    """Split like ``Model.fit(validation_split=...)``: the last fraction."""
    n = n_samples([a for a in arrays if a is not None])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split} leaves an empty training or "
            f"validation set with {n} samples; use a larger data set or "
            "another validation_split."
        )
    tree = _tree()
    train = tuple(
        None if a is None else tree.map_structure(lambda v: v[:split_at], a)
        for a in arrays
    )
    valid = tuple(
        None if a is None else tree.map_structure(lambda v: v[split_at:], a)
        for a in arrays
    )
    return train, valid


def epoch_order(seed, epoch, n, batch_size, shuffle):
    """The sample order of one epoch: a function of ``(seed, epoch)`` only."""
    rng = np.random.default_rng([seed, epoch])
    if shuffle == "batch":
        chunk = np.arange(n) // batch_size
        return np.lexsort((rng.random(n), chunk))
    return rng.permutation(n)


def _class_weights_as_sample_weights(y, class_weight, sample_weight):
    if isinstance(y, (list, tuple, Mapping)):
        raise ValueError(
            "class_weight is not supported for models with several outputs; "
            "pass sample weights instead."
        )
    y = np.asarray(y)
    labels = (
        np.argmax(y, axis=-1)
        if y.ndim > 1 and y.shape[-1] > 1
        else np.round(y.reshape(len(y), -1)[:, 0]).astype(int)
    )
    weights = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=float)
    return weights if sample_weight is None else weights * sample_weight


def build_before_tracing(model, data, batch_size):
    """Create the optimizer's and compiled metrics' variables before ``fit`` traces.

    On TensorFlow, ``Model.fit`` traces its training step as a ``tf.function``,
    and Keras creates the optimizer's slots and the compiled metrics' and
    losses' variables inside that first trace unless a distribution strategy
    is set. A ``tf.function`` whose first trace creates variables is traced
    twice, so every new model paid for two traces: about 0.4 s of a 1-epoch
    fit's 1.0 s on a small MLP. Keras's own symbolic build (what it does
    under a strategy, and always on JAX) creates them first, from the data's
    shapes and dtypes; the training numbers are the same.

    Only for a compiled TensorFlow model that is built and not run eagerly:
    a model that builds itself on its first batch is left to Keras.
    """
    import keras

    if (
        keras.backend.backend() != "tensorflow"
        or getattr(model, "optimizer", None) is None
        or not model.built
        or model.run_eagerly
    ):
        return
    leaves = [v for v in _tree().flatten(data) if v is not None]
    if not all(hasattr(v, "shape") and hasattr(v, "dtype") for v in leaves):
        return
    # Keras's own symbolic build is a private method: used only where it has
    # the signature it has in Keras 3, else the optimizer alone (the
    # larger part) is built through the public API.
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is not None and "data_batch" in inspect.signature(
        symbolic_build
    ).parameters:
        # Keras builds from its first batch: the same shapes (a stateful
        # RNN checks the batch size).
        size = batch_size or DEFAULT_BATCH_SIZE
        first = tuple(
            None if a is None else _tree().map_structure(lambda v: v[:size], a)
            for a in data
        )
        symbolic_build(data_batch=first)
    elif not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def train(model, x, y, sample_weight, *, seed, initial_epoch, epochs, fit_kwargs):
    """Train epochs ``initial_epoch .. epochs - 1``; the Keras History, or None."""
    if initial_epoch >= epochs:
        return None
    build_before_tracing(model, (x, y, sample_weight), fit_kwargs.get("batch_size"))
    shuffle = fit_kwargs.get("shuffle", True)
    if seed is None or not shuffle:
        return model.fit(
            x=x,
            y=y,
            sample_weight=sample_weight,
            epochs=epochs,
            initial_epoch=initial_epoch,
            **fit_kwargs,
        )
    kwargs = dict(fit_kwargs)
    kwargs["shuffle"] = False  # the stream is shuffled; Keras must not reshuffle
    validation_split = kwargs.pop("validation_split", 0.0) or 0.0
    if validation_split and kwargs.get("validation_data") is None:
        (x, y, sample_weight), validation = split_validation(
            (x, y, sample_weight), validation_split
        )
        kwargs["validation_data"] = tuple(a for a in validation if a is not None)
    class_weight = kwargs.pop("class_weight", None)
    if class_weight:
        sample_weight = _class_weights_as_sample_weights(y, class_weight, sample_weight)
    batch_size = kwargs.pop("batch_size", None) or DEFAULT_BATCH_SIZE
    n = n_samples(x)
    steps = kwargs.pop("steps_per_epoch", None)
    # With the user's own steps_per_epoch, epochs and passes over the data no
    # longer coincide: the stream of epoch orders then simply never ends.
    last = None if steps else epochs

    def order(epoch):
        return epoch_order(seed, epoch, n, batch_size, shuffle)

    data = tuple(a for a in (x, y, sample_weight) if a is not None)
    import keras

    if keras.backend.backend() == "tensorflow":
        stream = _tf_dataset(data, n, batch_size, initial_epoch, last, order)
    else:
        numbers = (
            itertools.count(initial_epoch)
            if last is None
            else range(initial_epoch, last)
        )
        stream = _generator(data, map(order, numbers), batch_size)
    with _torch_global_generator_kept():
        return model.fit(
            x=stream,
            epochs=epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps or -(-n // batch_size),
            **kwargs,
        )


@contextmanager
def _torch_global_generator_kept():
    """Give torch's global generator back as it was (PyTorch backend only).

    Keras's PyTorch backend wraps the stream in a ``DataLoader``, whose
    iterator draws a base seed from torch's global generator: harmless for
    the fit's own numbers, but a change of global state that a seeded fit
    must not leave behind.
    """
    import keras

    if keras.backend.backend() != "torch":
        yield
        return
    import torch

    with torch.random.fork_rng(devices=[]):
        yield


def _generator(data, orders, batch_size):
    tree = _tree()
    for order in orders:
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            yield tree.map_structure(lambda a, index=index: a[index], data)


def _tf_dataset(data, n, batch_size, first, last, order):
    import tensorflow as tf

    # tf.data would stack a list of targets into one tensor: make lists tuples,
    # which it keeps as structure (and Keras reads as one target per output).
    tensors = tf.nest.map_structure(tf.convert_to_tensor, _tree().lists_to_tuples(data))

    def epoch_indices(epoch):
        return order(int(epoch)).astype(np.int64)

    def epoch_batches(epoch):
        indices = tf.numpy_function(epoch_indices, [epoch], tf.int64, stateful=False)
        indices = tf.ensure_shape(indices, [n])
        return tf.data.Dataset.from_tensor_slices(indices).batch(batch_size)

    def gather(indices):
        return tf.nest.map_structure(lambda t: tf.gather(t, indices), tensors)

    epochs = tf.data.Dataset.range(first, 2**62 if last is None else last)
    return (
        epochs.flat_map(epoch_batches)
        .map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def metric_key(name, cache):
    """A history key with Keras's shorthand metric names spelled out (mse -> mean_squared_error)."""
    if name not in cache:
        prefix = "val_" if name.startswith("val_") else ""
        base = name[len(prefix) :]
        full = base
        if base != "loss":
            import keras

            try:
                metric = keras.metrics.get(base)
            except (ValueError, TypeError):
                metric = None
            if isinstance(metric, keras.metrics.Metric):
                import re

                full = re.sub(
                    r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])",
                    "_",
                    type(metric).__name__,
                ).lower()
        cache[name] = prefix + full
    return cache[name]


def fit_arguments(estimator, kwargs, x_model):
    """The keywords of Model.fit: parameters, fit__ routing, call keywords, callbacks.

    Precedence: a keyword given to ``fit`` > its ``fit__`` parameter > the
    wrapper's parameter. Callbacks are the ``callbacks`` parameter's plus
    ``fit__callbacks`` and those given to ``fit``.
    """
    from . import _routing

    params = estimator.get_params(deep=False)
    fit_kwargs = {
        "batch_size": estimator.batch_size,
        "epochs": estimator.epochs,
        "verbose": estimator.verbose,
        "shuffle": estimator.shuffle,
        "validation_split": estimator.validation_split,
        "validation_batch_size": estimator.validation_batch_size,
    }
    fit_kwargs.update(_routing.routed(params, "fit"))
    fit_kwargs.update(
        {
            k[len("fit__") :] if k.startswith("fit__") else k: v
            for k, v in kwargs.items()
        }
    )
    late = fit_kwargs.pop("callbacks", None)
    _routing.check_call_keywords(fit_kwargs, estimator.model_.fit, "fit")
    for name in ("batch_size", "validation_batch_size"):
        fit_kwargs[name] = resolve_batch_size(fit_kwargs[name], x_model, name)
    fit_kwargs["callbacks"] = callbacks(estimator, params) + _routing.make_callbacks(
        late, {}, "fit__callbacks"
    )
    return {k: v for k, v in fit_kwargs.items() if v is not None}


def callbacks(estimator, params):
    """Fresh callbacks of the ``callbacks`` parameter (with its routing)."""
    from . import _routing

    return _routing.make_callbacks(
        estimator.callbacks, _routing.routed(params, "callbacks", nested=True)
    )

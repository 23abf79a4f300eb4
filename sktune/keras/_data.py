"""Feeding ``Model.fit``: the fast array path, and a seeded path for shuffling.

Unseeded fits (``random_state=None``) and fits with ``shuffle=False`` hand the
NumPy arrays straight to ``Model.fit``: that is Keras's own, fastest data path,
and the reason sktune's per-fit time matches plain Keras.

A seeded fit that shuffles cannot use it, because Keras shuffles arrays with a
*global* seed (``tf.random.shuffle`` on TensorFlow).  On TensorFlow the arrays
are instead given as a ``tf.data`` pipeline that shuffles sample indices with
an operation-level seed (``Dataset.shuffle(seed=..., reshuffle_each_iteration=
True)``: a new, reproducible order every epoch) and gathers each batch in one
vectorised op, as Keras's array adapter does.  Datasets do not support
``validation_split``, so the split is done here exactly as Keras does it (the
last fraction of the samples, before shuffling).  On other backends Keras
shuffles with ``np.random.permutation``; there the global NumPy state is
swapped for a seeded one during ``fit`` and restored afterwards.
"""

from contextlib import contextmanager
import math

import numpy as np

from ._seeding import _SWAP_LOCK

DEFAULT_BATCH_SIZE = 32


def resolve_batch_size(batch_size, n_samples):
    """Keras's default for None, and scikeras's ``-1`` meaning "all samples"."""
    if batch_size is None:
        return None
    if batch_size == -1:
        return max(int(n_samples), 1)
    return batch_size


def split_validation(arrays, validation_split):
    """Split like ``Model.fit(validation_split=...)``: the last fraction."""
    n_samples = len(arrays[0])
    split_at = int(math.floor(n_samples * (1.0 - validation_split)))
    if split_at == 0 or split_at == n_samples:
        raise ValueError(
            f"validation_split={validation_split} leaves an empty training or "
            f"validation set with {n_samples} samples; use a larger data set or "
            "another validation_split."
        )
    train = tuple(None if a is None else a[:split_at] for a in arrays)
    valid = tuple(None if a is None else a[split_at:] for a in arrays)
    return train, valid


@contextmanager
def _seeded_numpy_global_state(seed):
    with _SWAP_LOCK:
        saved = np.random.get_state()  # noqa: NPY002 - saving the global state is the point
        try:
            np.random.set_state(np.random.RandomState(seed).get_state())  # noqa: NPY002
            yield
        finally:
            np.random.set_state(saved)  # noqa: NPY002


def _seeded_dataset(x, y, sample_weight, batch_size, seed):
    import tensorflow as tf

    tensors = tuple(
        tf.convert_to_tensor(a) for a in (x, y, sample_weight) if a is not None
    )
    n_samples = len(x)

    def gather(indices):
        return tuple(tf.gather(t, indices) for t in tensors)

    return (
        tf.data.Dataset.range(n_samples)
        .shuffle(n_samples, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(gather)
        .prefetch(tf.data.AUTOTUNE)
    )


def fit_model(model, x, y, sample_weight, seed, fit_kwargs):
    """Call ``model.fit`` so that its shuffling depends only on ``seed``."""
    import keras

    shuffle = fit_kwargs.get("shuffle", True)
    if seed is None or not shuffle or shuffle == "batch":
        return model.fit(x, y, sample_weight=sample_weight, **fit_kwargs)
    if keras.backend.backend() != "tensorflow":
        with _seeded_numpy_global_state(seed):
            return model.fit(x, y, sample_weight=sample_weight, **fit_kwargs)

    kwargs = dict(fit_kwargs)
    kwargs["shuffle"] = False  # the dataset shuffles; Keras must not warn or reshuffle
    validation_split = kwargs.pop("validation_split", 0.0) or 0.0
    if validation_split and kwargs.get("validation_data") is None:
        (x, y, sample_weight), validation = split_validation(
            (x, y, sample_weight), validation_split
        )
        kwargs["validation_data"] = tuple(a for a in validation if a is not None)
    batch_size = kwargs.pop("batch_size", None) or DEFAULT_BATCH_SIZE
    dataset = _seeded_dataset(x, y, sample_weight, batch_size, seed)
    return model.fit(dataset, **kwargs)

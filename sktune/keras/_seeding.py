"""Per-fit seeding of Keras without leaving any global random state changed.

Where Keras's randomness comes from (Keras 3):

* weight initialisers and the seed generators of layers such as ``Dropout``
  take their seed, when none is given, from Python's global :mod:`random`
  module at the moment the layer or initialiser is *created*
  (``keras.random.make_default_seed``);
* ``keras.random.*`` calls without a seed use one global ``SeedGenerator``
  that is itself seeded from :mod:`random` when first created;
* ``Model.fit(shuffle=True)`` on arrays shuffles with a global state
  (``tf.random.shuffle`` on TensorFlow, NumPy's on JAX, torch's on PyTorch);
* on PyTorch, ``Dropout`` whose seed generator got no explicit seed uses
  torch's global generator.

``keras.utils.set_random_seed`` would pin all of these, but it changes the
global Python, NumPy and backend seeds for the rest of the process.  This
module does not call it.  Instead :func:`seeded_keras` swaps in, for the
block where the model is built and compiled (not the training, so that fits
in threads still run in parallel), a private ``random.Random`` seeded from the
estimator's seed as the source Keras draws default seeds from (its
``seed_generator.python_random`` alias; the process's ``random`` module is
left alone), and an empty slot for Keras's global ``SeedGenerator``
(recreated on demand from that state), then puts the previous state and
generator back.  Every initialiser and layer seed generator created inside
the block is therefore a function of the seed, while code outside the block
sees exactly the state it would have seen without the fit.  Unseeded fits go
through the same block with a seed drawn from the OS (:func:`fresh_seed`),
so no fit, seeded or not, consumes Python's global random numbers as plain
Keras does.  :func:`pin_seed_generators` makes PyTorch's dropout use those
seed generators too.  Layers whose ``call`` uses ``keras.random`` without a
seed generator of their own are not covered (Keras asks layers to own a
``SeedGenerator``).  Shuffling is made reproducible separately, by sample
orders drawn from ``(seed, epoch)`` (see :mod:`sktune.keras._training`); no
determinism flag is ever enabled.

A lock serialises these swaps between threads, so that two seeded fits in
one process (joblib's threading backend) cannot save each other's state.
"""

from contextlib import contextmanager
import numbers
import random
import secrets
import threading

import numpy as np

_SWAP_LOCK = threading.RLock()
_MAX_SEED = 2**31 - 1


def seed_from_random_state(random_state):
    """Return the integer seed of a fit, or None when the fit is unseeded.

    ``None`` means "do not seed": unlike :func:`sklearn.utils.check_random_state`
    it must not draw from NumPy's global generator, which a fit may not touch.
    An int is used as given; a ``RandomState`` or ``Generator`` is advanced by
    one draw, so successive fits from the same instance differ, as in
    scikit-learn.
    """
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return int(random_state) % (_MAX_SEED + 1)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(_MAX_SEED))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(_MAX_SEED))
    raise ValueError(
        f"random_state={random_state!r} is not valid: pass None, an int, a "
        "numpy.random.RandomState or a numpy.random.Generator."
    )


def fresh_seed():
    """A seed from the OS's entropy, for unseeded fits (touches no global RNG)."""
    return secrets.randbits(31)


def _keras_global_state():
    """Keras's global-state module, or None on a Keras without it."""
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - layout of other Keras versions
        return None
    return global_state


@contextmanager
def seeded_keras(seed):
    """Make the Keras objects created in the block a function of ``seed``.

    With ``seed=None`` this does nothing.  Otherwise, on exit, Python's
    ``random`` state and Keras's global ``SeedGenerator`` are exactly what they
    were on entry (NumPy's global state and TensorFlow's global seed are never
    touched).
    """
    if seed is None:
        yield
        return
    global_state = _keras_global_state()
    generator_key = "global_seed_generator"
    seed_module = _keras_seed_module()
    with _SWAP_LOCK:
        saved_generator = (
            global_state.get_global_attribute(generator_key)
            if global_state is not None
            else None
        )
        if seed_module is not None:
            # Keras draws every default seed from its module-level alias of
            # `random`; a private Random there leaves the process's `random`
            # untouched, so other threads (a Dask worker's event loop) can
            # neither perturb this fit's seeds nor see their state change.
            saved_source = seed_module.python_random
            seed_module.python_random = random.Random(seed)
        else:  # pragma: no cover - other Keras layouts: swap the global state
            saved_source = random.getstate()
            random.setstate(random.Random(seed).getstate())
        try:
            if global_state is not None:
                # Keras recreates it on demand, seeded from the source just set,
                # so nothing is allocated when no layer needs it.
                global_state.set_global_attribute(generator_key, None)
            yield
        finally:
            if seed_module is not None:
                seed_module.python_random = saved_source
            else:  # pragma: no cover
                random.setstate(saved_source)
            if global_state is not None:
                global_state.set_global_attribute(generator_key, saved_generator)


def _keras_seed_module():
    """Keras's seed_generator module if it draws default seeds via ``python_random``."""
    try:
        from keras.src.random import seed_generator
    except ImportError:  # pragma: no cover
        return None
    return seed_generator if hasattr(seed_generator, "python_random") else None


def pin_seed_generators(model):
    """On PyTorch, make the model's random layers draw from their own seed state.

    Keras's PyTorch backend runs ``Dropout`` through torch's *global* generator
    whenever the layer's ``SeedGenerator`` was created without an explicit
    seed (its ``_initial_seed`` is None), even though that generator holds a
    seed drawn from :func:`seeded_keras`'s private source. Recording that seed
    as the explicit one switches it to Keras's seeded path, which draws every
    mask from the generator's state: a model variable, so masks follow the
    seed, and a continued fit that restores the state draws what an unbroken
    one would. The other backends always use the state; nothing is changed
    there.
    """
    import keras

    if keras.backend.backend() != "torch":
        return
    flatten = getattr(model, "_flatten_layers", None)
    for layer in flatten() if flatten is not None else [model]:
        for generator in getattr(layer, "_seed_generators", ()):
            if getattr(generator, "_initial_seed", 0) is None:
                state = keras.ops.convert_to_numpy(generator.state)
                generator._initial_seed = int(state[0])

"""Keras models as scikit-learn estimators.

The only part of sktune that imports Keras::

    from sktune.keras import KerasClassifier, KerasRegressor

The argument names and routing prefixes are scikeras's (``model__``,
``optimizer__``, ``loss__``, ``callbacks__``, ``fit__``, ``predict__``, a
``meta`` argument for the build function), and old
``tf.keras.wrappers.scikit_learn`` code (``build_fn=``, build-function
arguments given to the constructor) runs unchanged, so porting either is an
import change. Keras 3 on any backend (TensorFlow, JAX, PyTorch) is
supported; it comes with the ``keras`` extra (TensorFlow) or the ``jax``
extra.
"""

_INSTALL_HINT = (
    "sktune.keras needs Keras 3 and a backend, which are not installed: "
    'pip install "sktune[keras]" (Keras with TensorFlow), or "sktune[jax]" '
    "(Keras with JAX, then set KERAS_BACKEND=jax)."
)

try:
    import keras
except ImportError as error:
    raise ImportError(_INSTALL_HINT) from error

if int(keras.__version__.split(".")[0]) < 3:  # pragma: no cover - Keras 2 installs
    raise ImportError(
        f"sktune.keras needs Keras 3, but Keras {keras.__version__} is installed: "
        'pip install "sktune[keras]" (or pip install "keras>=3").'
    )

from .wrappers import KerasClassifier, KerasRegressor  # noqa: E402

__all__ = ["KerasClassifier", "KerasRegressor"]

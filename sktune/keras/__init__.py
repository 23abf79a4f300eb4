"""Keras models as scikit-learn estimators.

The only part of sktune that imports Keras::

    from sktune.keras import KerasClassifier, KerasRegressor

The argument names and routing prefixes are scikeras's (``model__``,
``optimizer__``, ``loss__``, ``callbacks__``, ``fit__``, ``predict__``, a
``meta`` argument for the build function), and old
``tf.keras.wrappers.scikit_learn`` code (``build_fn=``, build-function
arguments given to the constructor) runs unchanged, so porting either is an
import change.
"""

from .wrappers import KerasClassifier, KerasRegressor

__all__ = ["KerasClassifier", "KerasRegressor"]

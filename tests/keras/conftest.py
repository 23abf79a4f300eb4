"""Tiny models and data shared by the Keras wrapper tests.

Every model here is one hidden layer of 8 units, so a fit takes well under a
second and the whole tests/keras suite stays within a few minutes on 2 cores.
"""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from sklearn.datasets import make_classification, make_regression

try:  # the test modules skip themselves when Keras is absent
    import keras
except ImportError:  # pragma: no cover
    keras = None


def output_layer(meta, dtype=None):
    """The output layer a target needs, from the build function's ``meta``."""
    target_type = meta["target_type_"]
    if target_type == "binary":
        return keras.layers.Dense(1, activation="sigmoid", dtype=dtype)
    if target_type == "multilabel-indicator":
        return keras.layers.Dense(meta["n_classes_"], activation="sigmoid", dtype=dtype)
    if target_type == "multiclass":
        return keras.layers.Dense(meta["n_classes_"], activation="softmax", dtype=dtype)
    return keras.layers.Dense(meta["n_outputs_"], dtype=dtype)


def tiny_model(meta, hidden=8):
    """Uncompiled: the wrapper compiles it (needs ``loss``)."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation="relu"),
            output_layer(meta),
        ]
    )


def dropout_model(meta):
    """Binary classifier with dropout: what makes a fit depend on its seed."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


LEARNING_RATE = 0.3


def tiny_float64_model(meta, compile_kwargs):
    """Compiled, float64: the estimator under check_estimator.

    float64 (layers and loss) so that sample weights can be checked against
    repeated samples to scikit-learn's tolerance; plain SGD with momentum
    because Adam's per-weight normalisation amplifies rounding differences in
    near-zero gradients; a high learning rate so a few full-batch epochs
    learn the checks' easy problems.
    """
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],), dtype="float64"),
            keras.layers.Dense(8, activation="relu", dtype="float64"),
            output_layer(meta, dtype="float64"),
        ]
    )
    # Keras losses compute in floatx (float32) unless told otherwise.
    loss_class = {
        "binary_crossentropy": keras.losses.BinaryCrossentropy,
        "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
        "mean_squared_error": keras.losses.MeanSquaredError,
    }[compile_kwargs["loss"]]
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=0.9),
        loss=loss_class(dtype="float64"),
        run_eagerly=compile_kwargs["run_eagerly"],
    )
    return model


def create_model(learning_rate=0.01, hidden=8):
    """Old ``tf.keras.wrappers.scikit_learn`` style: compiled, arguments by name."""
    model = keras.Sequential(
        [
            keras.Input((10,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


@pytest.fixture(scope="session")
def binary_data():
    X, y = make_classification(
        n_samples=200, n_features=10, n_informative=5, random_state=0
    )
    return X.astype(np.float32), y


@pytest.fixture(scope="session")
def multiclass_data():
    X, y = make_classification(
        n_samples=200, n_features=10, n_informative=5, n_classes=3, random_state=0
    )
    return X.astype(np.float32), y


@pytest.fixture(scope="session")
def regression_data():
    X, y = make_regression(n_samples=200, n_features=10, noise=1.0, random_state=0)
    return X.astype(np.float32), (y / y.std()).astype(np.float32)

"""random_state: reproducible fits that leave every global random state alone."""

import random

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402
from tests.keras.conftest import dropout_model  # noqa: E402

pytestmark = pytest.mark.keras


def fit_predict(X, y, **params):
    clf = KerasClassifier(dropout_model, loss="auto", epochs=2, batch_size=16, **params)
    return clf.fit(X, y).predict_proba(X)


@pytest.mark.parametrize("run_eagerly", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_same_seed_same_predictions(binary_data, run_eagerly):
    X, y = binary_data
    first = fit_predict(X, y, random_state=3, run_eagerly=run_eagerly)
    second = fit_predict(X, y, random_state=3, run_eagerly=run_eagerly)
    np.testing.assert_array_equal(first, second)
    other = fit_predict(X, y, random_state=4, run_eagerly=run_eagerly)
    assert not np.array_equal(first, other)


def test_seeded_fit_with_validation_split_is_reproducible(regression_data):
    X, y = regression_data

    def build(meta):
        return keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(8),
                keras.layers.Dense(1),
            ]
        )

    preds = [
        KerasRegressor(build, loss="mse", epochs=2, run_eagerly=True, random_state=0)
        .fit(X, y, validation_split=0.2)
        .predict(X)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(*preds)


def test_fit_leaves_global_random_states_unchanged(binary_data):
    X, y = binary_data
    python_state = random.getstate()
    numpy_state = np.random.get_state()  # noqa: NPY002 - the global state under test
    fit_predict(X, y, random_state=0, run_eagerly=True)
    assert random.getstate() == python_state
    after = np.random.get_state()  # noqa: NPY002 - the global state under test
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])
    assert after[2:] == numpy_state[2:]
    fit_predict(X, y, random_state=None, run_eagerly=True)
    assert random.getstate() == python_state


@pytest.mark.slow
def test_seeded_then_unseeded_then_plain_keras_fits_all_work(binary_data):
    """scikeras 0.13 leaves "Random ops require a seed" behind; sktune must not."""
    tf = pytest.importorskip(
        "tensorflow", reason="TensorFlow's global seed and determinism flag"
    )

    X, y = binary_data
    fit_predict(X, y, random_state=0)
    unseeded_a = fit_predict(X, y)
    unseeded_b = fit_predict(X, y)
    # unseeded fits stay random: no global seed was left behind
    assert not np.array_equal(unseeded_a, unseeded_b)
    from tensorflow.python.framework import config as tf_config

    assert not tf_config.is_op_determinism_enabled()
    model = dropout_model({"n_features_in_": X.shape[1]})
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(X, y, epochs=1, verbose=0)
    assert model.predict(X, verbose=0).shape == (len(X), 1)
    tf.random.uniform((2,))  # unseeded TensorFlow random op
    keras.random.normal((2,))


def test_random_state_instance_advances(binary_data):
    X, y = binary_data
    rng = np.random.RandomState(0)
    first = fit_predict(X, y, random_state=rng, run_eagerly=True)
    second = fit_predict(X, y, random_state=rng, run_eagerly=True)
    assert not np.array_equal(first, second)

"""initialize, partial_fit, current_epoch and warm_start: one way to train further.

Epochs are numbered for a model's whole life and, with a seed, the sample
order of epoch ``e`` depends only on (seed, e): so every way of splitting
9 epochs (one fit, 3 + 6 with warm_start, 9 partial_fits) gives the same model.
These run on whichever Keras backend is installed (CI runs them on TensorFlow
and on JAX).
"""

import random

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.base import clone  # noqa: E402

from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402
from sktune.keras._training import epoch_order  # noqa: E402
from tests.keras.conftest import dropout_model, tiny_model  # noqa: E402

pytestmark = pytest.mark.keras


def weights(estimator):
    return np.concatenate([w.ravel() for w in estimator.model_.get_weights()])


def small(binary_data):
    X, y = binary_data
    return X[:64], y[:64]


TRAINED_EPOCHS = {}


class EpochLog(keras.callbacks.Callback):
    """Records the epoch numbers fits train, by name (clones copy callbacks)."""

    def __init__(self, name):
        super().__init__()
        self.name = name
        TRAINED_EPOCHS[name] = []

    def on_epoch_begin(self, epoch, logs=None):
        TRAINED_EPOCHS[self.name].append(epoch)


def test_one_then_one_epoch_equals_two(binary_data):
    X, y = binary_data
    X, y = X[:32], y[:32]
    base = KerasClassifier(
        dropout_model, loss="auto", batch_size=16, random_state=0, run_eagerly=True
    )
    two = clone(base).set_params(epochs=2).fit(X, y)
    warm = clone(base).set_params(warm_start=True).fit(X, y)
    warm.set_params(epochs=2).fit(X, y)
    assert warm.current_epoch == 2
    np.testing.assert_allclose(weights(warm), weights(two), atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("shuffle", [True, False, "batch"])
def test_three_then_six_epochs_equal_nine(binary_data, shuffle):
    X, y = small(binary_data)
    base = KerasClassifier(
        dropout_model,
        loss="binary_crossentropy",
        optimizer="adam",
        batch_size=16,
        shuffle=shuffle,
        random_state=0,
        run_eagerly=True,
    )
    nine = clone(base).set_params(epochs=9).fit(X, y)
    again = clone(base).set_params(epochs=9).fit(X, y)
    np.testing.assert_array_equal(weights(nine), weights(again))

    warm = clone(base).set_params(
        epochs=3, warm_start=True, callbacks=[EpochLog("warm")]
    )
    warm.fit(X, y)
    warm.set_params(epochs=9).fit(X, y)
    assert TRAINED_EPOCHS["warm"] == list(range(9)) and warm.current_epoch == 9
    np.testing.assert_allclose(weights(warm), weights(nine), atol=1e-6)

    stepped = clone(base)
    for _ in range(9):
        stepped.partial_fit(X, y)
    assert stepped.current_epoch == 9
    np.testing.assert_allclose(weights(stepped), weights(nine), atol=1e-6)


def test_epoch_order_depends_only_on_seed_and_epoch():
    first = epoch_order(7, 4, 50, 8, True)
    assert sorted(first) == list(range(50))
    np.testing.assert_array_equal(first, epoch_order(7, 4, 50, 8, True))
    assert not np.array_equal(first, epoch_order(7, 5, 50, 8, True))
    assert not np.array_equal(first, epoch_order(8, 4, 50, 8, True))
    within = epoch_order(7, 4, 50, 8, "batch")
    # "batch": each batch keeps its samples, in a random order
    for start in range(0, 50, 8):
        assert sorted(within[start : start + 8]) == list(
            range(start, min(start + 8, 50))
        )
    assert not np.array_equal(within, np.arange(50))


@pytest.mark.parametrize("shuffle", [True, "batch"])
def test_seeded_fit_leaves_global_random_states_alone(binary_data, shuffle):
    X, y = small(binary_data)
    python_state = random.getstate()
    numpy_state = np.random.get_state()  # noqa: NPY002 - the global state under test
    backend_state = _backend_rng_state()
    KerasClassifier(
        dropout_model, loss="auto", epochs=2, shuffle=shuffle, random_state=0
    ).fit(X, y)
    assert random.getstate() == python_state
    after = np.random.get_state()  # noqa: NPY002 - the global state under test
    assert np.array_equal(after[1], numpy_state[1]) and after[2:] == numpy_state[2:]
    assert _same(_backend_rng_state(), backend_state)


def _backend_rng_state():
    if keras.backend.backend() == "torch":
        import torch

        return torch.get_rng_state()
    return None


def _same(a, b):
    return (a is None and b is None) or bool((a == b).all())


def test_initialize_builds_without_training(regression_data):
    X, y = regression_data
    reg = KerasRegressor(tiny_model, loss="mse", random_state=0).initialize(X, y)
    assert reg.current_epoch == 0 and reg.history_ == {}
    assert reg.n_features_in_ == X.shape[1] and reg.n_outputs_ == 1
    assert reg.predict(X).shape == (len(X),)
    # initialize builds the model a fit with the same seed starts from
    fitted = KerasRegressor(tiny_model, loss="mse", random_state=0, epochs=0).fit(X, y)
    np.testing.assert_array_equal(weights(reg), weights(fitted))
    reg.partial_fit(X, y)
    assert reg.current_epoch == 1


def test_initialize_adopts_a_trained_model(binary_data):
    X, y = binary_data
    model = tiny_model({"n_features_in_": X.shape[1], "target_type_": "binary"})
    model.compile(optimizer="adam", loss="binary_crossentropy", run_eagerly=True)
    model.fit(X, y, epochs=1, verbose=0)
    clf = KerasClassifier(model).initialize(X, y)
    assert clf.model_ is model  # adopted, with its weights
    np.testing.assert_allclose(
        clf.predict_proba(X)[:, 1], model.predict(X, verbose=0)[:, 0], rtol=1e-5
    )
    # fit (without warm_start) trains a fresh clone, never the user's model
    before = [w.copy() for w in model.get_weights()]
    clf.set_params(epochs=1).fit(X, y)
    assert clf.model_ is not model
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_refuses_epoch_arguments(binary_data):
    X, y = binary_data
    for name in ("epochs", "initial_epoch"):
        with pytest.raises(
            TypeError, match=f"Invalid argument `{name}` to partial_fit"
        ):
            KerasClassifier(tiny_model, loss="auto").partial_fit(X, y, **{name: 1})


def test_history_keeps_full_metric_names_across_fits(regression_data):
    X, y = regression_data
    reg = KerasRegressor(tiny_model, loss="mse", metrics="mae", run_eagerly=True)
    reg.partial_fit(X, y).partial_fit(X, y)
    assert set(reg.history_) == {"loss", "mean_absolute_error"}
    assert len(reg.history_["mean_absolute_error"]) == 2


def test_continued_training_checks_the_data_it_is_given(binary_data):
    X, y = binary_data
    clf = KerasClassifier(tiny_model, loss="auto", run_eagerly=True).fit(X, y)
    with pytest.raises(ValueError, match="Got X with dtype float64.*float32"):
        clf.partial_fit(X.astype(np.float64), y)
    with pytest.raises(ValueError, match="y has 2 dimensions.*expecting 1"):
        clf.partial_fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match=r"Found unknown categories \[7\]"):
        clf.partial_fit(X, np.where(y == 1, 7, 0))
    with pytest.raises(ValueError, match="X has 3 dimensions.*expecting 2"):
        clf.partial_fit(X[:, :, None], y)

"""Pickle, deepcopy and clone, fitted and unfitted (Keras's own format inside)."""

import copy
import pickle
import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.base import clone  # noqa: E402

from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402
from tests.keras.conftest import tiny_model  # noqa: E402

pytestmark = pytest.mark.keras


class Scale(keras.layers.Layer):
    """An unregistered custom layer: pickling must still load it."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def custom_layer_model(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            Scale(0.5),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
        ]
    )


def halved_squared_error(y_true, y_pred):
    """A plain function as loss: Keras saves it by name, pickling must load it."""
    return 0.5 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def absolute_gap(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)


@pytest.mark.parametrize(
    "estimator, data",
    [
        (KerasClassifier(tiny_model, loss="auto", metrics=["accuracy"]), "binary_data"),
        (
            KerasRegressor(custom_layer_model, loss="mse", optimizer="adam"),
            "regression_data",
        ),
        (
            KerasRegressor(tiny_model, loss=halved_squared_error, metrics=[absolute_gap]),
            "regression_data",
        ),
    ],
)
def test_fitted_estimator_round_trips(estimator, data, request):
    X, y = request.getfixturevalue(data)
    estimator = clone(estimator).set_params(epochs=2, run_eagerly=True, random_state=0)
    for unfitted in (pickle.loads(pickle.dumps(estimator)), copy.deepcopy(estimator)):
        assert unfitted.get_params().keys() == estimator.get_params().keys()
    estimator.fit(X, y)
    expected = estimator.predict(X)
    state = estimator.__getstate__()
    assert "model_" not in state and isinstance(state["_model_archive"][0], bytes)
    for restored in (pickle.loads(pickle.dumps(estimator)), copy.deepcopy(estimator)):
        np.testing.assert_array_equal(restored.predict(X), expected)
        assert restored.model_ is not estimator.model_
        assert restored.history_ == estimator.history_
    # a restored model keeps its optimizer state and can keep training
    restored = pickle.loads(pickle.dumps(estimator))
    restored.partial_fit(X, y)
    assert len(restored.history_["loss"]) == 3
    assert not hasattr(clone(estimator), "model_")


def test_compiled_model_instance_copies_without_warnings(binary_data):
    # A compiled model that never trained has an unbuilt optimizer; Keras warns
    # ("Skipping variable loading for optimizer") when it loads a copy of one.
    X, y = binary_data
    model = keras.Sequential(
        [keras.Input((X.shape[1],)), keras.layers.Dense(4), keras.layers.Dense(2, "softmax")]
    )
    model.compile(keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy")
    estimator = KerasClassifier(model=model, epochs=1, verbose=0, random_state=0)
    copies = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for fitted in (False, True):
            if fitted:
                estimator.fit(X, y)
            copies += [clone(estimator), copy.deepcopy(estimator)]
            copies.append(pickle.loads(pickle.dumps(estimator)))
    # Only that warning: others come from the environment (numpy deprecations in TF).
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    for copied in copies:
        assert isinstance(copied.model, keras.Model) and copied.model is not model
        assert float(copied.model.optimizer.learning_rate) == pytest.approx(0.02)
        for a, b in zip(copied.model.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(copies[-1].predict(X), estimator.predict(X))
    copies[0].fit(X, y)  # a clone of the unfitted estimator trains


class _FiltersSeen:
    """A parameter value that records, as clone copies it, whose warning filters are live."""

    seen = []

    def __deepcopy__(self, memo):
        _FiltersSeen.seen.append(warnings.filters)
        return _FiltersSeen()


def test_clone_leaves_warning_filters_alone_without_a_model_instance():
    # warnings.catch_warnings swaps the process-wide filters, which threads
    # share (joblib's threading backend clones in parallel): a clone that
    # copies no Keras model has no warning to silence and must not swap them.
    _FiltersSeen.seen.clear()
    live = warnings.filters
    clone(KerasClassifier(tiny_model, model__extra=_FiltersSeen()))
    assert _FiltersSeen.seen and all(f is live for f in _FiltersSeen.seen)

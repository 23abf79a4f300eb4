"""Prefix routing and build-function arguments (scikeras's and old Keras's)."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

import sktune  # noqa: E402
from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402
from tests.keras.conftest import output_layer, tiny_model  # noqa: E402

pytestmark = pytest.mark.keras

FAST = dict(run_eagerly=True, epochs=1, random_state=0)
SEEN = {}


def recording_model(meta, compile_kwargs, hidden=8, activation="relu", batch_size=None):
    SEEN.update(
        meta=meta,
        compile_kwargs=compile_kwargs,
        hidden=hidden,
        activation=activation,
        batch_size=batch_size,
    )
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation=activation),
            output_layer(meta),
        ]
    )
    model.compile(**compile_kwargs)
    return model


def test_build_function_receives_meta_routed_and_matching_parameters(multiclass_data):
    X, y = multiclass_data
    clf = KerasClassifier(
        recording_model,
        loss="auto",
        optimizer="sgd",
        optimizer__learning_rate=0.2,
        batch_size=16,
        hidden=5,
        model__activation="tanh",
        **FAST,
    ).fit(X, y)
    meta = SEEN["meta"]
    assert meta["n_features_in_"] == 10 and meta["n_classes_"] == 3
    assert meta["target_type_"] == "multiclass" and list(meta["classes_"]) == [0, 1, 2]
    assert (
        SEEN["hidden"] == 5
        and SEEN["activation"] == "tanh"
        and SEEN["batch_size"] == 16
    )
    optimizer = SEEN["compile_kwargs"]["optimizer"]
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert np.isclose(float(optimizer.learning_rate), 0.2)
    assert SEEN["compile_kwargs"]["loss"] == "sparse_categorical_crossentropy"
    assert clf.model_.layers[0].units == 5


def test_callbacks_routing_to_classes(regression_data):
    X, y = regression_data

    def build(meta):
        return keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)]
        )

    reg = KerasRegressor(
        build,
        loss="mse",
        callbacks={
            "stop": keras.callbacks.EarlyStopping,
            "log": keras.callbacks.History,
        },
        callbacks__stop__monitor="loss",
        callbacks__stop__patience=0,
        callbacks__stop__min_delta=1e9,
        run_eagerly=True,
        epochs=5,
    ).fit(X, y)
    assert (
        len(reg.history_["loss"]) == 2
    )  # stopped at the first epoch without "improvement"


def test_fit_and_predict_prefixes(binary_data):
    X, y = binary_data
    clf = KerasClassifier(
        recording_model,
        loss="auto",
        fit__validation_split=0.5,
        predict__batch_size=7,
        **FAST,
    ).fit(X, y)
    assert "val_loss" in clf.history_
    assert clf.predict(X).shape == (len(X),)
    # predict keywords beyond batch_size/verbose go through Model.predict
    assert clf.predict_proba(X, steps=None).shape == (len(X), 2)


def test_sktune_estimator_in_sktune_search(binary_data):
    if not hasattr(sktune, "BayesSearchCV"):
        pytest.skip("sktune.BayesSearchCV is not available yet")
    X, y = binary_data
    search = sktune.BayesSearchCV(
        KerasClassifier(recording_model, loss="auto", **FAST),
        {"hidden": [2, 4, 8], "optimizer__learning_rate": [0.001, 0.01, 0.1]},
        n_iter=3,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 3
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def wide_model(meta, units=4, depth=1):
    layers = [keras.Input((meta["n_features_in_"],))]
    layers += [keras.layers.Dense(units, activation="relu") for _ in range(depth)]
    return keras.Sequential([*layers, output_layer(meta)])


def test_a_grid_over_build_functions_sets_each_ones_arguments_by_name(binary_data):
    X, y = binary_data
    base = KerasClassifier(tiny_model, loss="auto", epochs=1, random_state=0)
    grid = [
        {"model": [tiny_model], "hidden": [4]},
        {"model": [wide_model], "units": [2], "depth": [2]},
    ]
    search = GridSearchCV(base, grid, cv=2, error_score="raise").fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    # the build function may come before or after its arguments
    for params in ({"model": wide_model, "units": 3}, {"units": 3, "model": wide_model}):
        clf = clone(base).set_params(**params)
        assert clf.get_params()["units"] == 3
        assert clf.fit(X, y).model_.layers[0].units == 3
    with pytest.raises(ValueError, match="Invalid parameter 'units'"):
        clone(base).set_params(units=3)

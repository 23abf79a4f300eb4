"""Images, sequences, dicts of inputs, scikeras subclasses and data transformers."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_no_attributes_set_in_init  # noqa: E402

from sktune import BayesSearchCV, Integer, Real  # noqa: E402
from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402

pytestmark = pytest.mark.keras


def small_cnn(meta, filters=4):
    return keras.Sequential(
        [
            keras.Input(meta["X_shape_"][1:]),
            keras.layers.Conv2D(filters, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def small_lstm(meta, units=4):
    return keras.Sequential(
        [
            keras.Input(meta["X_shape_"][1:]),
            keras.layers.LSTM(units),
            keras.layers.Dense(1),
        ]
    )


@pytest.mark.slow
def test_cnn_on_digit_images_tuned_and_cross_validated():
    X, y = load_digits(return_X_y=True)
    X = (X[:300] / 16.0).reshape(-1, 8, 8, 1).astype(np.float32)
    y = y[:300]
    clf = KerasClassifier(
        small_cnn,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=0.02,
        epochs=2,
        batch_size=32,
        random_state=0,
        run_eagerly=True,
    )
    search = BayesSearchCV(
        clf,
        {
            "model__filters": Integer(2, 8),
            "optimizer__learning_rate": Real(1e-3, 3e-2, prior="log-uniform"),
        },
        n_iter=4,
        n_initial_points=2,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.model_.input_shape == (None, 8, 8, 1)
    assert search.predict(X[:5]).shape == (5,)
    scores = cross_val_score(clf, X, y, cv=2)
    assert scores.shape == (2,) and np.all(scores > 0.2)  # 10 classes: chance is 0.1


@pytest.mark.slow
def test_lstm_on_sequences_tuned_and_cross_validated():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 6, 2)).astype(
        np.float32
    )  # (samples, timesteps, features)
    y = X[:, :, 0].sum(axis=1) - X[:, -1, 1]
    reg = KerasRegressor(
        small_lstm,
        loss="mse",
        optimizer="adam",
        optimizer__learning_rate=0.02,
        epochs=2,
        random_state=0,
        run_eagerly=True,
    )
    search = BayesSearchCV(
        reg,
        {"model__units": Integer(2, 8)},
        n_iter=4,
        n_initial_points=2,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.predict(X).shape == (160,)
    assert cross_val_score(reg, X, y, cv=2).shape == (2,)


def two_inputs(meta):
    wide = keras.Input(meta["X_shape_"]["wide"][1:], name="wide")
    deep = keras.Input(meta["X_shape_"]["deep"][1:], name="deep")
    hidden = keras.layers.Dense(4, activation="relu")(deep)
    merged = keras.layers.Concatenate()([wide, hidden])
    output = keras.layers.Dense(1, activation="sigmoid")(merged)
    return keras.Model({"wide": wide, "deep": deep}, output)


def test_two_input_functional_model_fed_a_dict(binary_data):
    X, y = binary_data
    inputs = {"wide": X[:, :3], "deep": X[:, 3:]}
    clf = KerasClassifier(
        two_inputs, loss="auto", epochs=2, random_state=0, run_eagerly=True
    ).fit(inputs, y)
    assert clf.X_shape_ == {"wide": (200, 3), "deep": (200, 7)}
    assert clf.n_features_in_ == {"wide": 3, "deep": 7}
    assert clf.predict(inputs).shape == (200,)
    again = clone(clf).fit(inputs, y)
    np.testing.assert_array_equal(
        again.predict_proba(inputs), clf.predict_proba(inputs)
    )
    with pytest.raises(
        ValueError, match=r"X has inputs \['wide'\].*inputs \['deep', 'wide'\]"
    ):
        clf.predict({"wide": X[:, :3]})
    with pytest.raises(ValueError, match=r"X\['deep'\] has shape \('n_samples', 2\)"):
        clf.predict({"wide": X[:, :3], "deep": X[:, :2]})


class PackagedClassifier(KerasClassifier):
    """scikeras's way to package a model: own __init__ arguments, _keras_build_fn."""

    def __init__(self, hidden=8, dropout=0.0, loss="binary_crossentropy", **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.dropout = dropout
        self.loss = loss

    def _keras_build_fn(self, meta, compile_kwargs):
        model = keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(self.hidden, activation="relu"),
                keras.layers.Dropout(self.dropout),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(**compile_kwargs)
        return model


@pytest.mark.slow
def test_subclass_with_keras_build_fn_in_pipeline_and_search(binary_data):
    X, y = binary_data
    clf = PackagedClassifier(hidden=4, epochs=2, random_state=0, run_eagerly=True)
    check_no_attributes_set_in_init("PackagedClassifier", clf)
    params = clf.get_params()
    assert (
        params["hidden"] == 4 and params["epochs"] == 2 and params["batch_size"] is None
    )
    pipe = Pipeline([("scale", StandardScaler()), ("net", clf)])
    search = BayesSearchCV(
        pipe,
        {
            "net__hidden": Integer(2, 8),
            "net__optimizer__learning_rate": Real(1e-3, 1e-1, prior="log-uniform"),
        },
        n_iter=3,
        n_initial_points=2,
        cv=2,
        random_state=0,
    ).fit(X, y)
    best = search.best_estimator_["net"]
    assert isinstance(best, PackagedClassifier)
    assert best.model_.layers[0].units == search.best_params_["net__hidden"]
    assert search.score(X, y) > 0.5


def test_routed_and_build_function_keywords_are_not_instance_attributes():
    clf = KerasClassifier(lambda meta, hidden=1: None, hidden=3, model__units=2)
    check_no_attributes_set_in_init("KerasClassifier", clf)
    assert "model__units" not in vars(clf) and clf.model__units == 2
    clf.optimizer__learning_rate = 0.5
    assert clf.get_params()["optimizer__learning_rate"] == 0.5
    assert clone(clf).hidden == 3 and clf.__name__ == "KerasClassifier"


class SplitInputs(KerasClassifier):
    """A scikeras data transformer: one array in, two model inputs out."""

    @property
    def feature_encoder(self):
        return FunctionTransformer(lambda X: [X[:, :1], X[:, 1:]])

    def _keras_build_fn(self, meta):
        first, rest = keras.Input((1,)), keras.Input((meta["n_features_in_"] - 1,))
        merged = keras.layers.Concatenate()([first, rest])
        return keras.Model(
            [first, rest], keras.layers.Dense(1, activation="sigmoid")(merged)
        )


def test_feature_encoder_feeds_a_multi_input_model_inside_cross_validation(binary_data):
    X, y = binary_data
    clf = SplitInputs(loss="auto", epochs=1, run_eagerly=True, random_state=0)
    assert cross_val_score(clf, X, y, cv=2).shape == (2,)
    fitted = clf.fit(X, y)
    assert isinstance(fitted.feature_encoder_, FunctionTransformer)
    assert "feature_encoder_" in fitted._meta() and "target_encoder_" in fitted._meta()

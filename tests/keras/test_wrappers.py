"""Targets, fitting, prediction and the sklearn API of the two wrappers."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.base import clone, is_classifier, is_regressor  # noqa: E402
from sklearn.datasets import make_multilabel_classification  # noqa: E402

from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402
from tests.keras.conftest import tiny_model  # noqa: E402

pytestmark = pytest.mark.keras

FAST = dict(run_eagerly=True, epochs=2, random_state=0)


def test_mixins_make_sklearn_see_the_right_kind():
    assert is_classifier(KerasClassifier(tiny_model))
    assert is_regressor(KerasRegressor(tiny_model))
    assert not is_regressor(KerasClassifier(tiny_model))
    assert KerasClassifier().verbose == 0


def test_binary_string_labels(binary_data):
    X, y = binary_data
    labels = np.array(["no", "yes"])[y]
    clf = KerasClassifier(tiny_model, loss="auto", **FAST).fit(X, labels)
    assert list(clf.classes_) == ["no", "yes"]
    assert clf.target_type_ == "binary" and clf.n_classes_ == 2
    assert clf.model_.outputs[0].shape[-1] == 1
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert 0.0 <= clf.score(X, labels) <= 1.0
    assert clf.n_features_in_ == X.shape[1]
    assert set(clf.history_) == {"loss"} and len(clf.history_["loss"]) == 2


def test_multiclass_with_one_hot_and_sparse_losses(multiclass_data):
    X, y = multiclass_data
    for loss in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
        clf = KerasClassifier(tiny_model, loss=loss, metrics=["accuracy"], **FAST)
        clf.fit(X, y)
        assert clf.predict_proba(X).shape == (len(X), 3)
        assert set(clf.history_) == {"loss", "accuracy"}


def test_logits_output_gives_probabilities(multiclass_data):
    X, y = multiclass_data

    def build(meta):
        return keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(meta["n_classes_"]),
            ]
        )

    clf = KerasClassifier(
        build,
        loss=keras.losses.SparseCategoricalCrossentropy,
        loss__from_logits=True,
        **FAST,
    ).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.min() >= 0 and np.allclose(proba.sum(axis=1), 1)


def logits_model(meta):
    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(meta["n_classes_"])]
    )


def logits_functional_model(meta):
    inputs = keras.Input((meta["n_features_in_"],))
    return keras.Model(inputs, keras.layers.Dense(meta["n_classes_"], name="label")(inputs))


def logits_model_compiled_with_a_dict_loss(meta):
    model = logits_functional_model(meta)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="adam", loss={"label": loss})
    return model


@pytest.mark.parametrize(
    "build, loss",
    [
        (logits_model, [keras.losses.SparseCategoricalCrossentropy(from_logits=True)]),
        (
            logits_functional_model,
            {"label": keras.losses.SparseCategoricalCrossentropy(from_logits=True)},
        ),
        (logits_model_compiled_with_a_dict_loss, None),
        (logits_model, "auto"),  # a linear last layer: "auto" trains on logits
    ],
    ids=["list", "dict", "compiled-dict", "auto"],
)
def test_logits_are_decoded_whatever_form_the_loss_takes(multiclass_data, build, loss):
    X, y = multiclass_data
    clf = KerasClassifier(build, loss=loss, **FAST).fit(X, y)
    logits = clf.model_.predict(X, verbose=0)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), softmax, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), logits.argmax(axis=1))


def one_unit_per_class_softmax(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


# Keras warns about a softmax over one unit and a categorical loss over one
# column: what a one-class target gives the build pattern for any class count.
@pytest.mark.filterwarnings("ignore:You are using a softmax over axis")
@pytest.mark.filterwarnings("ignore:In loss categorical_crossentropy")
@pytest.mark.parametrize(
    "build, loss",
    [
        (tiny_model, "auto"),
        (one_unit_per_class_softmax, "sparse_categorical_crossentropy"),
        (one_unit_per_class_softmax, "categorical_crossentropy"),
    ],
)
def test_one_class_target_fits_and_predicts_that_class(binary_data, build, loss):
    # scikit-learn's check_classifiers_one_label accepts this; scikeras fits too.
    X, _ = binary_data
    clf = KerasClassifier(build, loss=loss, **FAST).fit(X, ["a"] * len(X))
    assert list(clf.classes_) == ["a"] and clf.n_classes_ == 1
    assert set(clf.predict(X)) == {"a"}
    np.testing.assert_array_equal(clf.predict_proba(X), np.ones((len(X), 1)))


def test_validation_data_is_encoded_like_the_training_data(binary_data):
    X, y = binary_data
    train, valid = slice(0, 150), slice(150, None)
    histories = []
    for labels in (np.array([0, 1]), np.array([-1, 1]), np.array(["no", "yes"])):
        clf = KerasClassifier(tiny_model, loss="binary_crossentropy", **FAST)
        clf.fit(X[train], labels[y[train]], validation_data=(X[valid], labels[y[valid]]))
        histories.append(clf.history_["val_loss"])
    assert histories[0] == histories[1] == histories[2]
    expected = clf.model_.evaluate(X[valid], y[valid].astype("float32"), verbose=0)
    assert histories[0][-1] == pytest.approx(expected, rel=1e-5)
    # one-hot targets for a categorical loss, routed with fit__, float64 rows
    clf = KerasClassifier(
        one_unit_per_class_softmax, loss="categorical_crossentropy",
        fit__validation_data=(X[valid].astype(np.float64), y[valid]), **FAST,
    ).fit(X[train], y[train])
    assert len(clf.history_["val_loss"]) == 2


def test_multilabel_indicator_target():
    X, Y = make_multilabel_classification(
        n_samples=120, n_features=6, n_classes=3, random_state=0
    )
    clf = KerasClassifier(tiny_model, loss="auto", **FAST).fit(X, Y)
    assert clf.target_type_ == "multilabel-indicator"
    assert clf.predict(X).shape == Y.shape and clf.predict(X).dtype == Y.dtype
    assert clf.predict_proba(X).shape == Y.shape


def test_multi_output_regression(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -y])
    reg = KerasRegressor(tiny_model, loss="mse", **FAST).fit(X, Y)
    assert reg.n_outputs_ == 2 and reg.predict(X).shape == (len(X), 2)
    reg = KerasRegressor(tiny_model, loss="mse", **FAST).fit(X, y)
    pred = reg.predict(X)
    # predictions keep the model's output dtype (float32 here), as scikeras's do
    assert pred.shape == (len(X),) and pred.dtype == np.float32


def test_sample_weight_and_class_weight(binary_data):
    X, y = binary_data
    weights = np.where(y == 1, 2.0, 1.0)
    KerasClassifier(tiny_model, loss="auto", **FAST).fit(X, y, sample_weight=weights)
    KerasClassifier(tiny_model, loss="auto", class_weight="balanced", **FAST).fit(X, y)
    clf = KerasClassifier(tiny_model, loss="auto", **FAST)
    clf.fit(X, y, class_weight={0: 1.0, 1: 3.0})


def test_partial_fit_and_warm_start(binary_data):
    X, y = binary_data
    clf = KerasClassifier(tiny_model, loss="auto", run_eagerly=True, random_state=0)
    clf.partial_fit(X[:100], y[:100], classes=[0, 1])
    first = clf.model_
    clf.partial_fit(X[100:], y[100:])
    assert clf.model_ is first and clf.current_epoch == 2

    # warm_start: fit trains the same model on, up to epoch `epochs`
    warm = KerasClassifier(tiny_model, loss="auto", warm_start=True, **FAST).fit(X, y)
    model = warm.model_
    weights = [w.copy() for w in model.get_weights()]
    with pytest.warns(UserWarning, match="nothing was trained"):
        warm.fit(X, y)
    assert warm.model_ is model and warm.current_epoch == 2
    warm.set_params(epochs=4).fit(X, y)
    assert warm.model_ is model and len(warm.history_["loss"]) == 4
    assert any(
        not np.allclose(a, b) for a, b in zip(weights, model.get_weights(), strict=True)
    )

    cold = KerasClassifier(tiny_model, loss="auto", **FAST).fit(X, y)
    model = cold.model_
    cold.fit(X, y)
    assert cold.model_ is not model and len(cold.history_["loss"]) == 2


def test_fit_keywords_pass_through_and_callbacks_are_copied(binary_data):
    X, y = binary_data
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1)
    clf = KerasClassifier(tiny_model, loss="auto", run_eagerly=True, epochs=3)
    clf.fit(X, y, validation_split=0.25, callbacks=[stop])
    assert "val_loss" in clf.history_
    assert stop.model is None  # the fit trained with a copy
    clf.fit(X, y, fit__validation_split=0.25, callbacks=[stop])


def test_compiled_model_instance_is_cloned_for_every_fit(binary_data):
    X, y = binary_data
    model = tiny_model({"n_features_in_": X.shape[1], "target_type_": "binary"})
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    clf = KerasClassifier(model=model, optimizer__learning_rate=0.05, **FAST).fit(X, y)
    assert clf.model_ is not model
    assert all(
        np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True)
    )
    assert np.isclose(float(clf.model_.optimizer.learning_rate), 0.05)
    assert np.isclose(float(model.optimizer.learning_rate), 0.01)
    clone(clf).fit(X, y)


def test_get_params_reports_extra_keywords_and_clone_keeps_them():
    clf = KerasClassifier(build_fn=tiny_model, hidden=4, optimizer__learning_rate=0.1)
    params = clf.get_params()
    assert params["hidden"] == 4 and params["optimizer__learning_rate"] == 0.1
    cloned = clone(clf)
    assert cloned.hidden == 4 and cloned.optimizer__learning_rate == 0.1
    cloned.set_params(hidden=16, optimizer__momentum=0.5, fit__shuffle=False)
    assert cloned.get_params()["hidden"] == 16
    assert cloned.get_params()["optimizer__momentum"] == 0.5
    # a build-function argument not given to the constructor can be set by name
    fresh = KerasClassifier(build_fn=tiny_model).set_params(hidden=2)
    assert fresh.get_params()["hidden"] == 2
    with pytest.raises(ValueError, match="Invalid parameter"):
        KerasClassifier(build_fn=tiny_model).set_params(not_an_argument=1)


def stateful_model(meta):
    """A stateful RNN over the features: its input fixes the batch size at 8 rows."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],), batch_size=8),
            keras.layers.Reshape((meta["n_features_in_"], 1)),
            keras.layers.SimpleRNN(4, stateful=True),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def test_many_small_rows_are_predicted_without_a_predict_function(binary_data):
    # 800 rows of 10 values with batch_size=8 are 100 batches: more than the
    # direct calls' 32, but small rows go in larger batches, so no predict
    # function is traced, and the outputs are Model.predict's.
    X, y = binary_data
    X, y = np.tile(X, (4, 1)), np.tile(y, 4)
    clf = KerasClassifier(tiny_model, loss="auto", batch_size=8, epochs=1, random_state=0)
    proba = clf.fit(X, y).predict_proba(X)
    assert clf.model_.predict_function is None
    expected = clf.model_.predict(X, batch_size=8, verbose=0)
    np.testing.assert_allclose(proba[:, 1], expected.ravel(), rtol=1e-5, atol=1e-6)


class ExpSequential(keras.Sequential):
    """A model whose own predict_step changes its outputs."""

    def predict_step(self, *args):
        result = super().predict_step(*args)
        if keras.backend.backend() == "jax":  # (state, data) -> (outputs, state)
            outputs, state = result
            return keras.ops.exp(outputs), state
        return keras.ops.exp(result)


def exp_model(meta):
    return ExpSequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)])


def test_a_model_with_its_own_predict_step_predicts_through_it(regression_data):
    X, y = regression_data
    reg = KerasRegressor(exp_model, loss="mse", **FAST).fit(X, y)
    for rows in (slice(0, 5), slice(None)):
        expected = reg.model_.predict(X[rows], verbose=0).ravel()
        np.testing.assert_allclose(reg.predict(X[rows]), expected, rtol=1e-6)
    assert (reg.predict(X[:5]) > 0).all()


def test_a_model_with_a_fixed_batch_size_predicts_in_that_size(binary_data):
    X, y = binary_data  # 200 rows: 25 batches of 8
    clf = KerasClassifier(stateful_model, loss="auto", batch_size=8, epochs=1,
                          random_state=0)
    proba = clf.fit(X, y).predict_proba(X)
    assert proba.shape == (len(X), 2)


class CountingSequential(keras.Sequential):
    """A Sequential model that counts how often its training step is traced."""

    traces = 0

    def train_step(self, *args, **kwargs):
        type(self).traces += 1  # Python runs this once per trace
        return super().train_step(*args, **kwargs)


def counting_model(meta):
    return CountingSequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


@pytest.mark.parametrize("random_state", [0, None])
def test_a_new_model_traces_its_training_step_once(binary_data, random_state):
    # TensorFlow traces a training step twice when its first trace creates
    # the optimizer's and metrics' variables; the wrappers create them first.
    X, y = binary_data  # 200 rows: 25 batches of 8, no short last batch
    CountingSequential.traces = 0
    clf = KerasClassifier(counting_model, loss="binary_crossentropy",
                          metrics=["accuracy"], batch_size=8, epochs=2,
                          random_state=random_state)
    clf.fit(X, y)
    assert CountingSequential.traces == 1
    assert clf.model_.optimizer.iterations.numpy() == 50


def test_building_before_tracing_trains_as_an_eager_fit(binary_data):
    # An eager fit traces nothing and builds nothing ahead: the traced fit,
    # whose variables the wrappers created first, ends with the same weights.
    X, y = binary_data
    weights = []
    for run_eagerly in (False, True):
        clf = KerasClassifier(tiny_model, loss="binary_crossentropy",
                              metrics=["accuracy"], batch_size=8, epochs=3,
                              random_state=0, run_eagerly=run_eagerly).fit(X, y)
        weights.append(clf.model_.get_weights())
    for traced, eager in zip(*weights, strict=True):
        np.testing.assert_allclose(traced, eager, rtol=1e-5, atol=1e-6)

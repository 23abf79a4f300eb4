"""Bad input gets an error that says what was wrong and what to do."""

import os
from pathlib import Path
import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from scipy import sparse  # noqa: E402

from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402
from tests.keras.conftest import tiny_model  # noqa: E402

pytestmark = pytest.mark.keras

FAST = dict(run_eagerly=True, epochs=1)


def not_a_model(meta):
    return "oops"


def uncompiled(meta):
    return tiny_model(meta)


def test_build_function_returning_something_else_is_named(binary_data):
    X, y = binary_data
    with pytest.raises(TypeError, match="not_a_model.*returned str.*not a keras.Model"):
        KerasClassifier(not_a_model, **FAST).fit(X, y)


def test_uncompiled_model_without_loss(binary_data):
    X, y = binary_data
    with pytest.raises(
        ValueError, match="`uncompiled` has no loss to train with: provide a loss"
    ):
        KerasClassifier(uncompiled, **FAST).fit(X, y)


def test_predict_with_other_number_of_features(binary_data):
    X, y = binary_data
    clf = KerasClassifier(tiny_model, loss="auto", **FAST).fit(X, y)
    with pytest.raises(
        ValueError, match="X has 3 features, but KerasClassifier is expecting 10"
    ):
        clf.predict(X[:, :3])


def test_sparse_input_says_how_to_densify(binary_data):
    X, y = binary_data
    with pytest.raises(TypeError, match=r"toarray"):
        KerasClassifier(tiny_model, loss="auto", **FAST).fit(sparse.csr_matrix(X), y)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_or_inf_in_X(binary_data, value):
    X, y = binary_data
    X = X.copy()
    X[0, 0] = value
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        KerasRegressor(tiny_model, loss="mse", **FAST).fit(X, y)


def test_continuous_target_for_classifier(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="Unknown label type"):
        KerasClassifier(tiny_model, loss="auto", **FAST).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        (
            dict(model__nonsense=1),
            r"`tiny_model` got an unexpected keyword argument 'nonsense'.*accepts: hidden, meta",
        ),
        (dict(nonsense=1), r"unexpected keyword argument 'nonsense'"),
        (dict(optimizer="adam", optimizer__nonsense=1), "optimizer__nonsense"),
        (dict(fit__nonsense=1), r"fit__nonsense"),
        (dict(loss__nonsense=1), "loss__nonsense"),
        (
            dict(callbacks=keras.callbacks.EarlyStopping, callbacks__nonsense=1),
            "callbacks__nonsense",
        ),
    ],
)
def test_unknown_routed_parameter(binary_data, params, match):
    X, y = binary_data
    clf = KerasClassifier(tiny_model, loss="binary_crossentropy", **FAST, **params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_unknown_predict_keyword(binary_data):
    X, y = binary_data
    clf = KerasClassifier(tiny_model, loss="auto", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="predict__nonsense"):
        clf.predict(X, nonsense=1)


def test_output_layer_that_does_not_fit_the_target(multiclass_data):
    X, y = multiclass_data

    def two_units(meta):
        return keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(2)]
        )

    with pytest.raises(
        ValueError, match=r"2 unit\(s\).*3 classes.*Dense\(3, activation='softmax'\)"
    ):
        KerasClassifier(two_units, loss="auto", **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"2 unit\(s\).*1 column\(s\).*Dense\(1\)"):
        KerasRegressor(two_units, loss="mse", **FAST).fit(X, y.astype(float))


def test_model_and_build_fn_both_set(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="Both model and build_fn"):
        KerasClassifier(tiny_model, build_fn=tiny_model, loss="auto").fit(X, y)


def test_invalid_parameter_value(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="'epochs' parameter"):
        KerasClassifier(tiny_model, loss="auto", epochs=-1).fit(X, y)


def test_misspelled_routed_parameter_lists_what_the_target_accepts(binary_data):
    X, y = binary_data
    clf = KerasClassifier(
        tiny_model, loss="auto", optimizer="adam", optimizer__learnin_rate=0.1, **FAST
    )
    with pytest.raises(
        ValueError,
        match=r"optimizer__learnin_rate' \(did you mean 'optimizer__learning_rate'\?\); "
        r"it accepts: .*optimizer__beta_1.*optimizer__learning_rate",
    ):
        clf.fit(X, y)
    with pytest.raises(ValueError, match=r"did you mean 'fit__validation_split'"):
        KerasClassifier(tiny_model, loss="auto", fit__validation_splt=0.1, **FAST).fit(
            X, y
        )


def test_all_zero_sample_weights(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="only zeros were passed in sample_weight"):
        KerasClassifier(tiny_model, loss="auto", **FAST).fit(
            X, y, sample_weight=np.zeros(len(y))
        )


def test_subclass_with_keras_build_fn_and_model(binary_data):
    class Packaged(KerasClassifier):
        def _keras_build_fn(self, meta):
            return tiny_model(meta)

    X, y = binary_data
    with pytest.raises(ValueError, match="cannot implement ``_keras_build_fn``"):
        Packaged(tiny_model, loss="auto", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="must implement ``_keras_build_fn``"):
        KerasClassifier(loss="auto", **FAST).fit(X, y)


BLOCK_KERAS = """
import importlib.abc, sys

class NoKeras(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "keras" or name.startswith("keras."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoKeras())
import sktune  # works without Keras
try:
    from sktune.keras import KerasClassifier
except ImportError as error:
    print(error)
"""


@pytest.mark.slow
def test_import_without_keras_names_the_extra():
    # A real import failure in a fresh interpreter: Keras is blocked at import.
    root = Path(__file__).resolve().parents[2]
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_KERAS],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=path),
        timeout=120,
        check=True,
    )
    assert 'pip install "sktune[keras]"' in done.stdout
    assert "sktune.keras needs Keras 3" in done.stdout

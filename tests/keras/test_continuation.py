"""Halving budgets: a promoted candidate continues from its saved training state.

HalvingBayesSearchCV sets ``epochs`` (or ``clf__epochs``) to a Budget naming a
state directory and a candidate; these tests drive the wrappers with Budgets
directly, as the search does through clones.
"""

import os

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from joblib import Parallel, delayed  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sktune import _budget  # noqa: E402
from sktune._budget import Budget, StateStore  # noqa: E402
from sktune.keras import KerasClassifier  # noqa: E402
from tests.keras.conftest import dropout_model  # noqa: E402
from tests.keras.test_training import TRAINED_EPOCHS, EpochLog, weights  # noqa: E402

pytestmark = pytest.mark.keras


def candidate(**params):
    return KerasClassifier(
        dropout_model,
        loss="binary_crossentropy",
        optimizer="adam",
        batch_size=16,
        random_state=0,
        run_eagerly=True,
        **params,
    )


@pytest.fixture
def data(binary_data):
    X, y = binary_data
    return X[:64], y[:64]


@pytest.mark.slow
@pytest.mark.parametrize("state", ["live", "saved"])
def test_budget_continues_and_equals_one_long_fit(data, tmp_path, state):
    X, y = data
    nine = candidate(epochs=9).fit(X, y)
    low = candidate(epochs=Budget(3, tmp_path, "c"), callbacks=[EpochLog("c")])
    first = clone(low).fit(X, y)
    assert TRAINED_EPOCHS["c"] == [0, 1, 2]
    if state == "saved":
        # As in another worker process: only the saved arrays are there.
        _budget._live.clear()
    promoted = clone(low).set_params(epochs=Budget(9, tmp_path, "c")).fit(X, y)
    # In this process the 3-epoch model itself goes on (no rebuild, no re-tracing).
    assert (promoted.model_ is first.model_) == (state == "live")
    # the promoted fit trained epochs 3-8 only, from the 3-epoch state
    assert TRAINED_EPOCHS["c"] == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert promoted.current_epoch == 9 and len(promoted.history_["loss"]) == 9
    np.testing.assert_allclose(weights(promoted), weights(nine), atol=1e-5)
    np.testing.assert_allclose(
        promoted.history_["loss"], nine.history_["loss"], rtol=1e-5
    )
    assert StateStore(tmp_path).load("c", _only_key(tmp_path, "c"))[0] == 9


def _only_key(directory, name):
    (state,) = os.listdir(os.path.join(directory, name))
    return state[: -len(".npz")]


def test_other_fold_or_candidate_does_not_reuse_a_state(data, tmp_path):
    X, y = data
    candidate(epochs=Budget(3, tmp_path, "c")).fit(X, y)
    for name, rows in (("c", slice(8, None)), ("d", slice(None))):
        candidate(epochs=Budget(5, tmp_path, name), callbacks=[EpochLog("other")]).fit(
            X[rows], y[rows]
        )
        assert TRAINED_EPOCHS["other"] == [0, 1, 2, 3, 4]  # trained from scratch


def test_unreachable_directory_falls_back_to_a_full_fit(data, tmp_path):
    X, y = data
    missing = os.fspath(tmp_path / "not-there")
    clf = candidate(epochs=Budget(4, missing, "c"), callbacks=[EpochLog("m")])
    clf.fit(X, y)
    assert TRAINED_EPOCHS["m"] == [0, 1, 2, 3] and clf.current_epoch == 4
    assert not os.path.exists(missing)


def test_early_stopped_candidate_saves_its_actual_epoch(data, tmp_path):
    X, y = data
    stop = keras.callbacks.EarlyStopping(monitor="loss", min_delta=1e9, patience=0)
    clf = candidate(epochs=Budget(6, tmp_path, "c"), callbacks=[stop]).fit(X, y)
    assert clf.current_epoch == 2  # the second epoch did not improve: stopped
    assert StateStore(tmp_path).load("c", _only_key(tmp_path, "c"))[0] == 2


def test_pipeline_resource_parameter(data, tmp_path):
    X, y = data
    pipe = make_pipeline(StandardScaler(), candidate())
    clone(pipe).set_params(kerasclassifier__epochs=Budget(2, tmp_path, "p")).fit(X, y)
    promoted = clone(pipe).set_params(
        kerasclassifier__epochs=Budget(4, tmp_path, "p"),
        kerasclassifier__callbacks=[EpochLog("p")],
    )
    promoted.fit(X, y)
    assert TRAINED_EPOCHS["p"] == [2, 3]
    full = clone(pipe).set_params(kerasclassifier__epochs=4).fit(X, y)
    np.testing.assert_allclose(weights(promoted[-1]), weights(full[-1]), atol=1e-5)


def _fit_and_weights(estimator, X, y):
    return weights(estimator.fit(X, y))


@pytest.mark.slow
def test_process_workers_continue_from_states(data, tmp_path):
    X, y = data
    low = candidate(epochs=Budget(2, tmp_path, "w"))
    high = candidate(epochs=Budget(5, tmp_path, "w"))
    with Parallel(n_jobs=2, backend="loky") as parallel:
        parallel(
            delayed(_fit_and_weights)(clone(low), X[r], y[r])
            for r in (slice(None, 48), slice(16, None))
        )
        continued = parallel(
            delayed(_fit_and_weights)(clone(high), X[r], y[r])
            for r in (slice(None, 48), slice(16, None))
        )
    for rows, got in zip((slice(None, 48), slice(16, None)), continued, strict=True):
        expected = weights(candidate(epochs=5).fit(X[rows], y[rows]))
        np.testing.assert_allclose(got, expected, atol=1e-5)
    assert len(os.listdir(tmp_path / "w")) == 2  # one state per fold

"""HalvingBayesSearchCV with Keras: promoted candidates continue their training."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from scipy.stats import loguniform  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sktune import HalvingBayesSearchCV  # noqa: E402
from sktune.keras import KerasClassifier  # noqa: E402
from tests.keras.test_training import TRAINED_EPOCHS, EpochLog  # noqa: E402

pytestmark = pytest.mark.keras


def build(meta, hidden=8):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def search(continue_training, log, **kwargs):
    classifier = KerasClassifier(
        build, loss="binary_crossentropy", optimizer="adam", batch_size=32,
        epochs=9, random_state=0, run_eagerly=True, callbacks=[EpochLog(log)],
    )
    return HalvingBayesSearchCV(
        make_pipeline(StandardScaler(), classifier),
        {"kerasclassifier__optimizer__learning_rate": loguniform(1e-3, 1e-1)},
        resource="kerasclassifier__epochs", n_candidates=9, cv=2, random_state=0,
        continue_training=continue_training, refit=False, **kwargs,
    )


@pytest.mark.slow
def test_promoted_keras_candidates_continue_instead_of_restarting():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    restarted = search(False, "restart").fit(X, y)
    continued = search(True, "continue").fit(X, y)
    assert continued.n_resources_ == restarted.n_resources_ == [1, 3, 9]
    assert continued.n_candidates_ == restarted.n_candidates_ == [9, 3, 1]
    # Same candidates and scores at the first rung: continuation changes nothing there.
    first = continued.cv_results_["iter"] == 0
    np.testing.assert_allclose(
        continued.cv_results_["mean_test_score"][first],
        restarted.cv_results_["mean_test_score"][first],
    )
    # Restarting trains every rung's epochs from 0; continuing trains only the
    # epochs a rung adds to the one below: (9*1 + 3*3 + 1*9) against
    # (9*1 + 3*2 + 1*6) epochs per fold.
    assert len(TRAINED_EPOCHS["restart"]) == 2 * (9 + 9 + 9)
    assert len(TRAINED_EPOCHS["continue"]) == 2 * (9 + 6 + 6)
    # A continued candidate's epochs are numbered on from where it stopped.
    assert max(TRAINED_EPOCHS["continue"]) == 8 and 0 not in TRAINED_EPOCHS["continue"][-6:]
    # Continuing 1 -> 3 -> 9 epochs is the same training as 9 epochs in one go,
    # so the promoted candidates score as if restarted (seeded, same folds).
    np.testing.assert_allclose(
        continued.cv_results_["mean_test_score"], restarted.cv_results_["mean_test_score"],
        atol=1e-6,
    )


@pytest.mark.slow
def test_hyperband_brackets_continue_from_the_rung_they_start_at():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    kwargs = {"n_brackets": 2, "bracket_schedule": "hyperband"}
    restarted = search(False, "hyperband restart", **kwargs).fit(X, y)
    continued = search(True, "hyperband continue", **kwargs).fit(X, y)
    second = continued.cv_results_["bracket"] == 1
    # The second bracket starts at 3 epochs with 5 candidates and promotes 2 to 9.
    assert continued.cv_results_["n_resources"][second].tolist() == [3] * 5 + [9] * 2
    # Per fold: the first bracket 9*1 + 3*2 + 1*6 epochs; the second trains its
    # 5 candidates 3 epochs from scratch and its 2 promoted ones the 6 more.
    assert len(TRAINED_EPOCHS["hyperband continue"]) == 2 * (21 + 5 * 3 + 2 * 6)
    assert len(TRAINED_EPOCHS["hyperband restart"]) == 2 * (27 + 5 * 3 + 2 * 9)
    np.testing.assert_allclose(
        continued.cv_results_["mean_test_score"], restarted.cv_results_["mean_test_score"],
        atol=1e-6,
    )


@pytest.mark.slow
def test_asynchronous_schedule_continues_keras_candidates():
    # ASHA promotes a candidate as soon as it is among the best third of its
    # rung; it then trains only the epochs the new rung adds, as in steps.
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    continued = search(True, "asynchronous", bracket_schedule="asynchronous").fit(X, y)
    assert continued.n_candidates_ == [9, 3, 1]
    assert len(TRAINED_EPOCHS["asynchronous"]) == 2 * (9 + 6 + 6)

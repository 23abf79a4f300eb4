"""End to end: both searches tune a KerasClassifier on a bundled data set."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from scipy.stats import loguniform  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sktune import BayesSearchCV, GeneticSearchCV, Integer, Real  # noqa: E402
from sktune.keras import KerasClassifier  # noqa: E402

pytestmark = pytest.mark.keras


def build_model(units=8, dropout=0.0, meta=None):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "search_cls, extra",
    [
        (BayesSearchCV, {"n_initial_points": 2}),
        (GeneticSearchCV, {"population_size": 2}),
    ],
    ids=["bayes", "genetic"],
)
def test_search_tunes_keras_classifier(search_cls, extra):
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]  # 190 samples keep the fits short
    pipeline = make_pipeline(
        StandardScaler(),
        KerasClassifier(
            build_model, loss="binary_crossentropy", optimizer="adam", random_state=0
        ),
    )
    space = {
        "kerasclassifier__optimizer__learning_rate": loguniform(1e-3, 1e-1),
        "kerasclassifier__model__units": Integer(4, 16),
        "kerasclassifier__model__dropout": Real(0.0, 0.4),
        "kerasclassifier__batch_size": [16, 64],
        "kerasclassifier__epochs": Integer(2, 5),
    }
    search = search_cls(
        pipeline, space, n_iter=4, cv=2, scoring="roc_auc", random_state=0, **extra
    ).fit(X, y)

    results = search.cv_results_
    assert len(results["params"]) == 4
    assert np.isfinite(results["mean_test_score"]).all()
    assert search.best_score_ > 0.8
    assert set(search.best_params_) == set(space)
    assert search.predict_proba(X).shape == (len(X), 2)
    fitted = search.best_estimator_[-1]
    assert (
        fitted.model_.layers[0].units
        == search.best_params_["kerasclassifier__model__units"]
    )

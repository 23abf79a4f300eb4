"""A scikeras estimator runs inside scikit-learn's and sktune's searches.

scikeras 0.13 puts BaseEstimator before ClassifierMixin, so on scikit-learn
>= 1.6 ``is_classifier`` is False for it; the searches must still run it (with
KFold splits). Porting to sktune is then an import change (see
test_workflows.py).
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
scikeras_wrappers = pytest.importorskip("scikeras.wrappers")

from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402

import sktune  # noqa: E402
from tests.keras.conftest import tiny_model  # noqa: E402

pytestmark = pytest.mark.keras

N_SEARCH_ITER = 2


def scikeras_classifier():
    # scikeras's own parameter names: model=, model__hidden, optimizer__...
    return scikeras_wrappers.KerasClassifier(
        model=lambda meta, hidden: tiny_model(meta, hidden),
        loss="binary_crossentropy",
        optimizer="adam",
        epochs=2,
        verbose=0,
        model__hidden=8,
        run_eagerly=True,
    )


def check_search(search, X, y):
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == N_SEARCH_ITER and np.all(np.isfinite(scores))
    assert search.best_estimator_.predict(X).shape == (len(X),)


@pytest.mark.slow
def test_scikeras_in_sklearn_grid_search(binary_data):
    X, y = binary_data
    search = GridSearchCV(scikeras_classifier(), {"model__hidden": [4, 8]}, cv=2)
    check_search(search, X, y)


def test_scikeras_in_sklearn_randomized_search(binary_data):
    X, y = binary_data
    search = RandomizedSearchCV(
        scikeras_classifier(),
        {"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [16, 32]},
        n_iter=N_SEARCH_ITER,
        cv=2,
        random_state=0,
    )
    check_search(search, X, y)


@pytest.mark.slow
@pytest.mark.parametrize("search_name", ["BayesSearchCV", "GeneticSearchCV"])
def test_scikeras_in_sktune_searches(binary_data, search_name):
    if not hasattr(sktune, search_name):
        pytest.skip(f"sktune.{search_name} is not available yet")
    X, y = binary_data
    search_class = getattr(sktune, search_name)
    search = search_class(
        scikeras_classifier(),
        {"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [16, 32]},
        n_iter=N_SEARCH_ITER,
        cv=2,
        random_state=0,
    )
    check_search(search, X, y)

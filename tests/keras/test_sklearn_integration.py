"""The wrappers inside scikit-learn: scorers, meta-estimators, pipelines, joblib."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import StackingClassifier, VotingClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from sktune.keras import KerasClassifier  # noqa: E402
from tests.keras.conftest import tiny_model  # noqa: E402

pytestmark = pytest.mark.keras


def fast_classifier(**params):
    defaults = dict(epochs=3, run_eagerly=True, random_state=0)
    return KerasClassifier(
        tiny_model,
        loss="auto",
        optimizer="adam",
        optimizer__learning_rate=0.05,
        **{**defaults, **params},
    )


@pytest.mark.parametrize("scoring", ["roc_auc", "neg_log_loss", "f1_macro"])
def test_scoring(binary_data, scoring):
    X, y = binary_data
    scores = cross_val_score(fast_classifier(), X, y, cv=2, scoring=scoring)
    assert np.all(np.isfinite(scores))
    if scoring == "roc_auc":
        assert scores.mean() > 0.6


def test_cross_val_predict_proba(multiclass_data):
    X, y = multiclass_data
    proba = cross_val_predict(fast_classifier(), X, y, cv=2, method="predict_proba")
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_calibrated_classifier(binary_data):
    X, y = binary_data
    calibrated = CalibratedClassifierCV(fast_classifier(), cv=2).fit(X, y)
    assert calibrated.predict_proba(X).shape == (len(X), 2)


@pytest.mark.slow
def test_stacking_and_soft_voting(binary_data):
    X, y = binary_data
    estimators = [("keras", fast_classifier()), ("logistic", LogisticRegression())]
    stacking = StackingClassifier(estimators, cv=2).fit(X, y)
    assert stacking.predict_proba(X).shape == (len(X), 2)
    voting = VotingClassifier(estimators, voting="soft").fit(X, y)
    assert voting.predict_proba(X).shape == (len(X), 2)


def test_pipeline_with_column_transformer_on_penguins():
    palmerpenguins = pytest.importorskip("palmerpenguins")
    penguins = palmerpenguins.load_penguins().dropna()
    X = penguins.drop(columns=["species"])
    y = penguins["species"]
    numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    categorical = ["island", "sex"]
    preprocess = ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(), StandardScaler()), numeric),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                categorical,
            ),
        ]
    )
    pipeline = make_pipeline(preprocess, fast_classifier(epochs=5))
    pipeline.fit(X, y)
    assert set(pipeline.predict(X)) <= set(y)
    assert pipeline.score(X, y) > 0.5
    assert list(pipeline[-1].classes_) == sorted(y.unique())


def test_dataframe_feature_names_are_checked(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = fast_classifier().fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


@pytest.mark.slow
def test_grid_search_with_two_loky_workers(binary_data):
    X, y = binary_data
    grid = GridSearchCV(fast_classifier(), {"hidden": [4, 8]}, cv=2, n_jobs=2)
    grid.fit(X, y)
    assert grid.best_params_["hidden"] in (4, 8)
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.predict(X).shape == (len(X),)

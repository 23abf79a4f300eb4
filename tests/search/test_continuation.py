"""Promoted scikit-learn candidates continue (warm_start, partial_fit) in HalvingBayesSearchCV."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import loguniform, randint
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    BaggingClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sktune import HalvingBayesSearchCV
from sktune._budget import Budget
from sktune.search._continuation import (
    EPOCHS,
    GROW,
    continuation_kind,
    continuing_estimator,
)
from tests.search._estimators import TreeCountingForest, trees_grown

X, Y = make_classification(n_samples=300, n_features=8, random_state=0)


def _search(estimator, space, resource, **kwargs):
    return HalvingBayesSearchCV(
        estimator, space, resource=resource, n_candidates=9, factor=3, cv=3,
        random_state=0, **kwargs,
    )


def test_kind_follows_what_scikit_learn_can_continue():
    assert continuation_kind(RandomForestClassifier(), "n_estimators") == GROW
    assert continuation_kind(HistGradientBoostingClassifier(), "max_iter") == GROW
    assert continuation_kind(GradientBoostingClassifier(), "n_estimators") == GROW
    assert continuation_kind(MLPClassifier(), "max_iter") == EPOCHS
    assert continuation_kind(MLPClassifier(solver="sgd"), "max_iter") == EPOCHS
    # partial_fit refuses early_stopping; lbfgs has no partial_fit.
    assert continuation_kind(MLPClassifier(early_stopping=True), "max_iter") is None
    assert continuation_kind(MLPClassifier(solver="lbfgs"), "max_iter") is None
    # Bagging refuses oob_score with warm_start; gradient boosting would
    # restart its early-stopping history.
    assert continuation_kind(BaggingClassifier(oob_score=True), "n_estimators") is None
    assert continuation_kind(
        GradientBoostingClassifier(n_iter_no_change=3), "n_estimators"
    ) is None
    assert continuation_kind(RandomForestClassifier(), "max_depth") is None
    assert continuation_kind(SGDClassifier(), "max_iter") is None


def test_only_the_estimator_or_a_pipeline_step_is_continued():
    forest = RandomForestClassifier()
    assert continuing_estimator(forest, "n_estimators") is not None
    assert continuing_estimator(make_pipeline(forest), "randomforestclassifier__n_estimators")
    # A meta-estimator would clone it into fitted attributes the search does not know.
    assert continuing_estimator(BaggingClassifier(forest), "estimator__n_estimators") is None
    # A continuing estimator pickles with plain pickle, as the user's class.
    continuing = continuing_estimator(forest, "n_estimators").fit(X, Y)
    again = pickle.loads(pickle.dumps(continuing))
    np.testing.assert_array_equal(again.predict(X), continuing.predict(X))


def test_a_failed_search_gives_the_users_estimator_back(tmp_path):
    forest = TreeCountingForest(n_estimators=9, log=str(tmp_path / "missing" / "log"))
    search = _search(forest, {"max_depth": randint(2, 12)}, "n_estimators",
                     error_score="raise")
    with pytest.raises(OSError):
        search.fit(X, Y)
    assert search.estimator is forest


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_promoted_forest_grows_the_trees_one_fit_would(tmp_path, n_jobs):
    # With an int random_state a continued forest is the uninterrupted one:
    # the same scores, for fewer trees grown.
    results, grown = {}, {}
    for continued in (False, True):
        log = str(tmp_path / f"{continued}.log")
        search = _search(
            TreeCountingForest(n_estimators=27, random_state=0, log=log),
            {"max_depth": randint(2, 12)}, "n_estimators",
            continue_training=continued, n_jobs=n_jobs,
        ).fit(X, Y)
        results[continued] = search.cv_results_
        grown[continued] = sum(trees_grown(log))
    np.testing.assert_array_equal(
        results[True]["mean_test_score"], results[False]["mean_test_score"]
    )
    assert results[True]["params"] == results[False]["params"]
    # 9, 3 and 1 candidates at 1, 3 and 9 trees on 3 folds, then the refit
    # with 9: from scratch 9*1 + 3*3 + 1*9 trees per fold, continued
    # 9*1 + 3*2 + 1*6.
    assert grown[False] == 3 * (9 + 9 + 9) + 9
    assert grown[True] == 3 * (9 + 6 + 6) + 9
    # The user's estimator is back; the refitted best one is of its class.
    assert type(search.estimator) is TreeCountingForest
    assert type(search.best_estimator_) is TreeCountingForest


ROUNDS = []  # boosting rounds each RoundCountingHGB.fit added (n_jobs=1)


class RoundCountingHGB(HistGradientBoostingClassifier):
    def fit(self, X, y, sample_weight=None):
        before = getattr(self, "n_iter_", 0)
        super().fit(X, y, sample_weight=sample_weight)
        ROUNDS.append(self.n_iter_ - before)
        return self


def test_hist_gradient_boosting_in_a_pipeline_continues_exactly():
    rounds = ROUNDS
    results = {}
    for continued in (False, True):
        rounds.clear()
        pipeline = Pipeline([
            ("scale", StandardScaler()),
            ("hgb", RoundCountingHGB(max_iter=27, early_stopping=False, random_state=0)),
        ])
        search = _search(
            pipeline, {"hgb__learning_rate": loguniform(0.01, 1.0)}, "hgb__max_iter",
            continue_training=continued,
        ).fit(X, Y)
        results[continued] = (search, sum(rounds))
    search = results[True][0]
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        results[False][0].cv_results_["mean_test_score"],
    )
    # 9, 3 and 1 candidates at 1, 3 and 9 rounds on 3 folds, then the refit with 9.
    assert results[False][1] == 3 * (9 + 9 + 9) + 9
    assert results[True][1] == 3 * (9 + 6 + 6) + 9
    best = search.best_estimator_
    assert type(best[-1]) is RoundCountingHGB
    assert best[-1].n_iter_ == 9 and best[-1].max_iter == 9
    again = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(again.predict(X), best.predict(X))
    assert repr(clone(best)) == repr(best)


def test_continued_mlp_keeps_its_optimiser_and_random_stream(tmp_path):
    # 3 epochs, then 6 more: Adam's step count and the loss curve go on from
    # the first fit (a warm-started fit would restart Adam at step 0).
    mlp = continuing_estimator(
        MLPClassifier(hidden_layer_sizes=(8,), batch_size=100, random_state=0), "max_iter"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = clone(mlp).set_params(max_iter=Budget(3, str(tmp_path), "c")).fit(X, Y)
        first_curve = list(first.loss_curve_)
        again = clone(mlp).set_params(max_iter=Budget(9, str(tmp_path), "c")).fit(X, Y)
    assert again.n_iter_ == 9 and again.loss_curve_[:3] == first_curve
    assert again._optimizer.t == 9 * 3  # 300 samples in batches of 100
    assert again.max_iter == 9 and again.random_state == 0


def test_promoted_mlp_trains_only_the_epochs_it_lacks():
    epochs = []

    class EpochCountingMLP(MLPClassifier):
        def fit(self, X, y, sample_weight=None):
            super().fit(X, y)
            epochs.append(self.n_iter_)
            return self

        def partial_fit(self, X, y, sample_weight=None, classes=None):
            super().partial_fit(X, y, classes=classes)
            epochs.append(1)
            return self

    trained = {}
    for continued in (False, True):
        epochs.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            search = _search(
                EpochCountingMLP(hidden_layer_sizes=(8,), max_iter=27, random_state=0),
                {"alpha": loguniform(1e-5, 1.0)}, "max_iter",
                continue_training=continued,
            ).fit(X, Y)
        trained[continued] = sum(epochs)
    # 9, 3 and 1 candidates at 1, 3 and 9 epochs on 3 folds, then the refit
    # with 9: 3 * (9 + 9 + 9) + 9 epochs from scratch, 3 * (9 + 6 + 6) + 9 continued.
    assert trained == {False: 90, True: 72}
    assert type(search.best_estimator_) is EpochCountingMLP
    assert search.best_estimator_.max_iter == 9 and not search.best_estimator_.warm_start


def test_folds_of_sparse_data_are_told_apart(tmp_path):
    # Sparse folds of the same shape must not share a state: a candidate
    # continued from another fold's forest would score differently.
    sparse = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    scores, grown = [], []
    for continued in (False, True):
        log = str(tmp_path / f"{continued}.log")
        search = _search(
            TreeCountingForest(n_estimators=9, random_state=0, log=log),
            {"max_depth": randint(2, 12)}, "n_estimators", continue_training=continued,
            refit=False,
        ).fit(sparse, Y)
        scores.append(search.cv_results_["mean_test_score"])
        grown.append(sum(trees_grown(log)))
    np.testing.assert_array_equal(scores[0], scores[1])
    assert grown[1] < grown[0]  # it did continue


def test_sample_weight_reaches_a_continued_fit_through_metadata_routing():
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(Y))
    results = []
    with config_context(enable_metadata_routing=True):
        forest = (
            RandomForestClassifier(n_estimators=9, random_state=0)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False)
        )
        for continued in (False, True):
            search = _search(
                forest, {"max_features": loguniform(0.1, 1.0)}, "n_estimators",
                continue_training=continued,
            ).fit(X, Y, sample_weight=weights)
            results.append(search.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(results[0], results[1])

"""The contract every sktune search keeps with scikit-learn's searches.

Each behaviour is written once and runs on every search class. Where
``RandomizedSearchCV`` can run the same problem, it is the reference: the calls
that work on it work on sktune's searches, and give the same kind of results.
"""

import pickle
import re
import time

import joblib
import numpy as np
import pytest
from scipy.stats import expon, loguniform, randint
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_iris
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    ParameterGrid,
    RandomizedSearchCV,
    cross_val_score,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.fixes import parse_version

from sktune import (
    BayesSearchCV,
    Categorical,
    GeneticSearchCV,
    HalvingBayesSearchCV,
    Integer,
    Real,
)

SEARCH_CLASSES = [BayesSearchCV, GeneticSearchCV]
ITERATION_COLUMN = {BayesSearchCV: "iteration", GeneticSearchCV: "generation"}
POPULATION_SIZE = 4
SKLEARN_HAS_CALLBACKS = parse_version(sklearn.__version__).release >= (1, 9)

X, y = load_iris(return_X_y=True)

TREE_SPACE = {"max_depth": Integer(1, 6), "min_samples_leaf": Integer(1, 20)}
TREE_DISTRIBUTIONS = {"max_depth": randint(1, 7), "min_samples_leaf": randint(1, 21)}


@pytest.fixture(params=SEARCH_CLASSES, ids=lambda cls: cls.__name__)
def search_cls(request):
    return request.param


def make_search(search_cls, estimator, param_distributions, **kwargs):
    """A small, seeded search: cv=2, n_iter=6, GeneticSearchCV with 4 per generation."""
    kwargs.setdefault("n_iter", 6)
    kwargs.setdefault("cv", 2)
    kwargs.setdefault("random_state", 0)
    if search_cls is GeneticSearchCV:
        kwargs.setdefault("population_size", POPULATION_SIZE)
    return search_cls(estimator, param_distributions, **kwargs)


def batch_size(search):
    if isinstance(search, GeneticSearchCV):
        return search.population_size
    return search.n_points


def param_keys(results):
    """Hashable form of every params dict, in cv_results_ order."""
    return [repr(sorted(params.items())) for params in results["params"]]


def assert_distinct_candidates(results):
    keys = param_keys(results)
    assert len(set(keys)) == len(keys), f"a candidate was evaluated twice: {keys}"


# -- estimators whose behaviour the tests control -----------------------------------------
FIT_LOG = []  # one dict per Probe.fit attempt in this process (n_jobs=1 only)


class Probe(ClassifierMixin, BaseEstimator):
    """Instant classifier whose score is a known function of its parameters.

    ``score`` is ``offset - scale * (x - 0.3) ** 2``, the same on every split.
    ``fit`` logs every attempt to ``FIT_LOG``, sleeps ``delay`` seconds, and
    raises when ``x > fail_above``, for the first ``fail_first_fits`` attempts,
    or once ``fail_after_fits`` attempts are logged.
    """

    def __init__(
        self,
        x=0.5,
        k=1,
        kind="a",
        offset=1.0,
        scale=1.0,
        fail_above=None,
        fail_first_fits=None,
        fail_after_fits=None,
        delay=0.0,
    ):
        self.x = x
        self.k = k
        self.kind = kind
        self.offset = offset
        self.scale = scale
        self.fail_above = fail_above
        self.fail_first_fits = fail_first_fits
        self.fail_after_fits = fail_after_fits
        self.delay = delay

    def fit(self, X, y, sample_weight=None):
        entry = {
            "x": self.x,
            "n_samples": len(y),
            "start": time.monotonic(),
            "ok": False,
        }
        n_before = len(FIT_LOG)
        FIT_LOG.append(entry)
        if self.fail_first_fits is not None and n_before < self.fail_first_fits:
            raise RuntimeError(f"Probe refuses fit number {n_before + 1}")
        if self.fail_after_fits is not None and n_before >= self.fail_after_fits:
            raise RuntimeError(f"Probe refuses fit number {n_before + 1}")
        if self.fail_above is not None and self.x > self.fail_above:
            raise ValueError(f"Probe cannot fit x={self.x} > {self.fail_above}")
        if self.delay:
            time.sleep(self.delay)
        entry["sample_weight"] = (
            None if sample_weight is None else np.asarray(sample_weight)
        )
        entry["end"], entry["ok"] = time.monotonic(), True
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.shape(X)[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y, sample_weight=None):
        return self.offset - self.scale * (self.x - 0.3) ** 2


@pytest.fixture
def fit_log():
    FIT_LOG.clear()
    yield FIT_LOG
    FIT_LOG.clear()


class NoFitAllowed(ClassifierMixin, BaseEstimator):
    """Fails the test if any fit happens: for errors that must come first."""

    def __init__(self, x=0.5, kernel="rbf"):
        self.x = x
        self.kernel = kernel

    def fit(self, X, y):
        raise AssertionError("fit was called before the invalid input was reported")


# -- param_distributions: what RandomizedSearchCV and GridSearchCV accept ------------------
def test_pipeline_step_parameters(search_cls):
    pipe = Pipeline(
        [("scale", StandardScaler()), ("tree", DecisionTreeClassifier(random_state=0))]
    )
    space = {"tree__max_depth": randint(1, 7), "tree__criterion": ["gini", "entropy"]}
    RandomizedSearchCV(pipe, space, n_iter=4, cv=2, random_state=0).fit(X, y)

    search = make_search(search_cls, pipe, space).fit(X, y)

    assert set(search.best_params_) == {"tree__max_depth", "tree__criterion"}
    tree = search.best_estimator_.named_steps["tree"]
    assert tree.max_depth == search.best_params_["tree__max_depth"]
    assert tree.criterion == search.best_params_["tree__criterion"]
    for params in search.cv_results_["params"]:
        assert 1 <= params["tree__max_depth"] <= 6
        assert params["tree__criterion"] in ("gini", "entropy")


def test_grid_search_dict_of_lists(search_cls):
    grid = {"max_depth": [1, 2, 3, 4], "criterion": ["gini", "entropy"]}
    search = make_search(search_cls, DecisionTreeClassifier(random_state=0), grid).fit(
        X, y
    )

    all_candidates = {repr(sorted(p.items())) for p in ParameterGrid(grid)}
    assert set(param_keys(search.cv_results_)) <= all_candidates
    assert len(search.cv_results_["params"]) == 6
    assert_distinct_candidates(search.cv_results_)
    assert search.stop_reason_ == "n_iter"


def test_list_of_dicts_is_a_union_of_subspaces(search_cls):
    grids = [
        {"kernel": ["linear"], "C": [0.1, 1.0, 10.0]},
        {"kernel": ["rbf"], "C": loguniform(1e-1, 1e1), "gamma": loguniform(1e-2, 1e0)},
    ]
    RandomizedSearchCV(SVC(), grids, n_iter=4, cv=2, random_state=0).fit(X, y)

    search = make_search(search_cls, SVC(), grids, n_iter=7).fit(X, y)
    results = search.cv_results_

    subspace = np.asarray(results["subspace"])
    # The linear grid has 3 points: it gets 3 of the 7, the rbf sub-space the rest.
    assert np.bincount(subspace).tolist() == [3, 4]
    for k, params in zip(subspace, results["params"], strict=True):
        assert set(params) == set(grids[k])
    assert results["param_gamma"].mask.tolist() == [k == 0 for k in subspace]
    assert_distinct_candidates(results)
    assert len(search.optimizers_) == 2


def test_scipy_distributions(search_cls):
    space = {
        "x": loguniform(1e-2, 1e0),
        "k": randint(1, 5),
        "offset": expon(scale=2.0),
    }
    search = make_search(search_cls, Probe(), space).fit(X, y)

    for params in search.cv_results_["params"]:
        assert 1e-2 <= params["x"] <= 1e0
        assert isinstance(params["k"], (int, np.integer)) and 1 <= params["k"] <= 4
        assert params["offset"] >= 0.0


def test_sktune_dimensions(search_cls):
    space = {
        "x": Real(0.0, 1.0),
        "k": Integer(1, 8, prior="log-uniform"),
        "kind": Categorical(["a", "b", "c"]),
    }
    search = make_search(search_cls, Probe(), space).fit(X, y)

    for params in search.cv_results_["params"]:
        assert 0.0 <= params["x"] <= 1.0
        assert params["k"] in range(1, 9)
        assert params["kind"] in ("a", "b", "c")


def test_estimator_objects_as_choices(search_cls):
    choices = [GaussianNB(), DecisionTreeClassifier(random_state=0)]
    pipe = Pipeline([("scale", StandardScaler()), ("clf", GaussianNB())])
    space = {"clf": choices, "scale": [StandardScaler(), "passthrough"]}
    RandomizedSearchCV(pipe, space, n_iter=4, cv=2, random_state=0).fit(X, y)

    search = make_search(search_cls, pipe, space, n_iter=4).fit(X, y)

    seen = {
        (type(p["clf"]).__name__, repr(p["scale"]))
        for p in search.cv_results_["params"]
    }
    assert len(seen) == 4  # the whole 2 x 2 space, each combination once
    best_clf = search.best_estimator_.named_steps["clf"]
    assert type(best_clf) is type(search.best_params_["clf"])
    assert all(best_clf is not choice for choice in choices)
    # Candidates are cloned before fitting: the user's objects stay unfitted.
    assert not any(hasattr(choice, "classes_") for choice in choices)


# -- cv_results_: sklearn's keys and dtypes, one row per distinct candidate ---------------------
CV_RESULTS_CASES = {
    "single-metric": dict(space=TREE_DISTRIBUTIONS, kwargs={}),
    "multi-metric-train-scores": dict(
        space=TREE_DISTRIBUTIONS,
        kwargs=dict(
            scoring={"acc": "accuracy", "f1": "f1_macro"},
            refit="acc",
            return_train_score=True,
        ),
    ),
    "subspaces": dict(
        space=[
            {"max_depth": [1, 2], "criterion": ["gini"]},
            {"min_samples_leaf": randint(1, 21), "criterion": ["entropy", "log_loss"]},
        ],
        kwargs={},
    ),
}


@pytest.mark.parametrize("case", list(CV_RESULTS_CASES))
def test_cv_results_match_randomized_search(search_cls, case):
    space, kwargs = CV_RESULTS_CASES[case]["space"], CV_RESULTS_CASES[case]["kwargs"]
    tree = DecisionTreeClassifier(random_state=0)
    reference = RandomizedSearchCV(
        tree, space, n_iter=6, cv=2, random_state=0, **kwargs
    )
    reference.fit(X, y)
    search = make_search(search_cls, tree, space, **kwargs).fit(X, y)

    expected, results = reference.cv_results_, search.cv_results_
    extras = {ITERATION_COLUMN[search_cls]} | (
        {"subspace"} if case == "subspaces" else set()
    )
    assert set(results) == set(expected) | extras
    for key, value in expected.items():
        assert type(results[key]) is type(value), key
        if isinstance(value, np.ndarray):
            assert results[key].dtype == value.dtype, key
            assert results[key].shape == (6,), key
    for key in extras:
        assert np.asarray(results[key]).dtype.kind == "i"
        assert len(results[key]) == 6
    rank_keys = [key for key in results if key.startswith("rank_test_")]
    assert rank_keys and all(results[key].dtype == np.int32 for key in rank_keys)
    assert len(results["params"]) == 6
    assert_distinct_candidates(results)
    for name in ("max_depth", "min_samples_leaf", "criterion"):
        column = results.get(f"param_{name}")
        if column is not None:
            present = [name in params for params in results["params"]]
            assert (~np.ma.getmaskarray(column)).tolist() == present
    for attribute in (
        "best_index_",
        "best_score_",
        "best_params_",
        "n_splits_",
        "multimetric_",
    ):
        assert getattr(search, attribute) is not None
        assert type(getattr(search, attribute)) is type(
            getattr(reference, attribute)
        ), attribute


def test_small_finite_space_is_exhausted_without_duplicates(search_cls):
    grid = {"max_depth": [1, 2, 3]}
    tree = DecisionTreeClassifier(random_state=0)
    with pytest.warns(UserWarning, match="smaller than n_iter"):
        reference = RandomizedSearchCV(tree, grid, n_iter=8, cv=2, random_state=0).fit(
            X, y
        )

    search = make_search(search_cls, tree, grid, n_iter=8).fit(X, y)

    assert sorted(param_keys(search.cv_results_)) == sorted(
        param_keys(reference.cv_results_)
    )
    assert_distinct_candidates(search.cv_results_)
    assert search.stop_reason_ == "space exhausted"


def test_n_iter_distinct_candidates_in_a_small_finite_space(search_cls):
    grid = {"max_depth": [1, 2, 3], "criterion": ["gini", "entropy"]}  # 6 points
    tree = DecisionTreeClassifier(random_state=0)
    search = make_search(search_cls, tree, grid, n_iter=5).fit(X, y)

    assert len(search.cv_results_["params"]) == 5
    assert_distinct_candidates(search.cv_results_)
    assert search.stop_reason_ == "n_iter"


def test_n_iter_distinct_candidates_on_a_rounded_axis(search_cls):
    # A wide Integer is searched as a continuous coordinate and rounded, so the
    # optimiser can propose points that decode to a candidate already fitted.
    # The optimum is at the boundary x=0, where Bayes proposals pile up.
    kwargs = {"n_initial_points": 2} if search_cls is BayesSearchCV else {}
    search = make_search(
        search_cls,
        Probe(offset=0.0),
        {"x": Integer(0, 20000)},
        n_iter=12,
        random_state=1,
        **kwargs,
    ).fit(X, y)

    assert len(search.cv_results_["params"]) == 12
    assert_distinct_candidates(search.cv_results_)
    assert search.stop_reason_ == "n_iter"


# -- scoring and refit ------------------------------------------------------------------------
def test_multimetric_refit_name_is_the_optimised_metric(search_cls):
    search = make_search(
        search_cls,
        DecisionTreeClassifier(random_state=0),
        TREE_SPACE,
        scoring={"acc": "accuracy", "f1": "f1_macro"},
        refit="acc",
    ).fit(X, y)
    results = search.cv_results_

    assert search.multimetric_
    assert search.best_index_ == int(np.flatnonzero(results["rank_test_acc"] == 1)[0])
    assert search.best_score_ == results["mean_test_acc"][search.best_index_]
    assert "mean_test_f1" in results and "rank_test_f1" in results
    # The optimiser was told -accuracy, candidate by candidate, in evaluation order.
    np.testing.assert_allclose(-search.optimizers_[0].y_, results["mean_test_acc"])


@pytest.mark.parametrize("refit", [True, "f2"])
def test_multimetric_refit_true_or_unknown_is_rejected_before_fitting(search_cls, refit):
    scoring = {"acc": "accuracy", "f1": "f1_macro"}
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        RandomizedSearchCV(NoFitAllowed(), {"x": [0.1]}, scoring=scoring, refit=refit).fit(
            X, y
        )
    search = make_search(
        search_cls, NoFitAllowed(), {"x": Real(0, 1)}, scoring=scoring, refit=refit
    )
    # scikit-learn's message, then the user's own scorer names.
    with pytest.raises(ValueError, match=r"refit must be set.*\['acc', 'f1'\]"):
        search.fit(X, y)


MULTIMETRIC_SCORINGS = {
    "dict": ({"f1": "f1_macro", "acc": "accuracy"}, "f1"),
    "list": (["accuracy", "f1_macro"], "accuracy"),
}


@pytest.mark.parametrize("case", list(MULTIMETRIC_SCORINGS))
def test_multimetric_refit_false_optimises_the_first_metric(search_cls, case):
    scoring, first = MULTIMETRIC_SCORINGS[case]
    tree = DecisionTreeClassifier(random_state=0)
    reference = RandomizedSearchCV(
        tree, TREE_DISTRIBUTIONS, n_iter=4, cv=2, scoring=scoring, refit=False
    ).fit(X, y)
    search = make_search(
        search_cls, tree, TREE_SPACE, scoring=scoring, refit=False
    ).fit(X, y)
    results = search.cv_results_

    assert search.multimetric_ and reference.multimetric_
    for attribute in ("best_index_", "best_score_", "best_params_", "best_estimator_"):
        assert hasattr(search, attribute) == hasattr(reference, attribute), attribute
    # The first metric of scoring is what the optimiser was told.
    np.testing.assert_allclose(-search.optimizers_[0].y_, results[f"mean_test_{first}"])


def test_multimetric_callable_refit(search_cls):
    def best_f1_then_fastest(cv_results):
        f1 = np.asarray(cv_results["mean_test_f1"])
        ties = np.flatnonzero(f1 == f1.max())
        return int(ties[np.argmin(np.asarray(cv_results["mean_fit_time"])[ties])])

    scoring = {"acc": "accuracy", "f1": "f1_macro"}
    tree = DecisionTreeClassifier(random_state=0)
    search = make_search(
        search_cls, tree, TREE_SPACE, scoring=scoring, refit=best_f1_then_fastest
    ).fit(X, y)
    results = search.cv_results_

    assert search.best_index_ == best_f1_then_fastest(results)
    assert search.best_estimator_.max_depth == search.best_params_["max_depth"]
    assert not hasattr(search, "best_score_")  # as scikit-learn, with a callable refit
    np.testing.assert_allclose(-search.optimizers_[0].y_, results["mean_test_acc"])


def _acc_and_depth_scores(estimator, X_test, y_test):
    return {
        "acc": float(np.mean(estimator.predict(X_test) == y_test)),
        "shallow": -float(estimator.get_depth()),
    }


def test_scoring_callable_returning_a_dict(search_cls):
    tree = DecisionTreeClassifier(random_state=0)
    search = make_search(
        search_cls, tree, TREE_SPACE, scoring=_acc_and_depth_scores, refit=False
    ).fit(X, y)
    np.testing.assert_allclose(
        -search.optimizers_[0].y_, search.cv_results_["mean_test_acc"]
    )

    # refit=True cannot pick a metric: rejected after the first batch, not the budget.
    search = make_search(
        search_cls, tree, TREE_SPACE, scoring=_acc_and_depth_scores, refit=True
    )
    with pytest.raises(ValueError, match=r"refit must be set.*\['acc', 'shallow'\]"):
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == batch_size(search)


def test_callable_refit(search_cls):
    def worst(cv_results):
        return int(np.argmin(cv_results["mean_test_score"]))

    reference = RandomizedSearchCV(
        Probe(), {"x": loguniform(1e-2, 1)}, n_iter=4, cv=2, refit=worst, random_state=0
    ).fit(X, y)
    search = make_search(search_cls, Probe(), {"x": Real(0, 1)}, refit=worst).fit(X, y)

    assert search.best_index_ == worst(search.cv_results_)
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]
    assert search.best_estimator_.x == search.best_params_["x"]
    # Like sklearn: with a callable refit there is no best_score_.
    assert hasattr(search, "best_score_") == hasattr(reference, "best_score_")


def test_refit_false(search_cls):
    reference = RandomizedSearchCV(
        Probe(), {"x": loguniform(1e-2, 1)}, n_iter=4, cv=2, refit=False, random_state=0
    ).fit(X, y)
    search = make_search(search_cls, Probe(), {"x": Real(0, 1)}, refit=False).fit(X, y)

    assert not hasattr(search, "best_estimator_")
    assert hasattr(search, "best_params_") and hasattr(search, "best_score_")
    with pytest.raises(AttributeError) as caught:
        search.predict(X)
    assert "refit=False" in str(caught.value.__cause__)
    with pytest.raises(AttributeError):
        reference.predict(X)


# -- failed fits ------------------------------------------------------------------------------
def test_error_score_raise_raises(search_cls):
    search = make_search(
        search_cls, Probe(fail_above=0.0), {"x": Real(0.5, 1)}, error_score="raise"
    )
    with pytest.raises(ValueError, match="Probe cannot fit"):
        search.fit(X, y)


def test_error_score_nan_a_failed_batch_does_not_end_the_search(search_cls, fit_log):
    # Every fit of the first batch fails; scikit-learn would raise "All the fits
    # failed" for that evaluate_candidates call.
    search = make_search(search_cls, Probe(), {"x": Real(0, 1)}, n_iter=8)
    first_batch = batch_size(search)
    search.set_params(estimator__fail_first_fits=first_batch * 2)
    with pytest.warns(FitFailedWarning):
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]

    assert len(scores) == 8 and search.stop_reason_ == "n_iter"
    assert np.isnan(scores[:first_batch]).all()
    assert np.isfinite(scores[first_batch:]).all()
    assert search.best_index_ >= first_batch
    assert search.best_score_ == np.nanmax(scores)
    assert np.isnan(search.optimizers_[0].y_[:first_batch]).all()


@pytest.mark.parametrize(
    "search_cls", [BayesSearchCV, GeneticSearchCV], ids=lambda cls: cls.__name__
)
def test_error_score_nan_failing_region(search_cls):
    # Every x above 0.5 fails: NaN scores, and the best is among the successes.
    search = make_search(
        search_cls,
        Probe(fail_above=0.5),
        {"x": Real(0, 1)},
        n_iter=8,
        error_score=np.nan,
    )
    with pytest.warns(FitFailedWarning):
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]

    assert len(scores) == 8 and search.stop_reason_ == "n_iter"
    failed = [p["x"] > 0.5 for p in search.cv_results_["params"]]
    assert np.isnan(scores).tolist() == failed
    assert any(failed) and not all(failed)
    assert search.best_params_["x"] <= 0.5
    assert search.best_score_ == np.nanmax(scores)
    assert search.best_estimator_.x == search.best_params_["x"]


def test_every_fit_failing_raises_like_sklearn(search_cls):
    with pytest.raises(ValueError, match="fits failed"):
        RandomizedSearchCV(
            Probe(fail_above=0.0), {"x": loguniform(0.5, 1)}, n_iter=3, cv=2
        ).fit(X, y)
    search = make_search(search_cls, Probe(fail_above=0.0), {"x": Real(0.5, 1)})
    # Raised once the whole budget failed, not at the first failed batch.
    with pytest.raises(ValueError, match="All the 12 fits failed"):
        search.fit(X, y)
    assert np.isnan(search.cv_results_["mean_test_score"]).tolist() == [True] * 6


class NoModel(ClassifierMixin, BaseEstimator):
    """Fails every fit with the same error, whatever its parameters."""

    def __init__(self, x=0.5, kind="a"):
        self.x = x
        self.kind = kind

    def fit(self, X, y):
        FIT_LOG.append({"x": self.x})
        raise ValueError("NoModel has no model: pass model=")


def test_configuration_error_ends_the_search_early(search_cls, fit_log):
    search = make_search(
        search_cls, NoModel(), {"x": Real(0, 1), "kind": ["a", "b"]}, n_iter=30
    )
    with pytest.raises(ValueError, match="stopped early") as caught:
        search.fit(X, y)
    message = str(caught.value)
    # At least 3 distinct candidates, and the first whole batch, were tried.
    n_tried = max(3, batch_size(search))

    assert len(fit_log) == 2 * n_tried
    assert f"All the {2 * n_tried} fits failed" in message
    assert "NoModel has no model" in message
    assert len(search.cv_results_["params"]) == n_tried


@pytest.mark.keras
def test_keras_classifier_without_a_model_ends_the_search_early(search_cls):
    pytest.importorskip("keras")
    from sktune.keras import KerasClassifier

    space = {"optimizer__learning_rate": Real(1e-4, 1e-1, prior="log-uniform")}
    search = make_search(search_cls, KerasClassifier(), space, n_iter=40)
    with pytest.raises(ValueError, match="stopped early") as caught:
        search.fit(X.astype("float32"), y)
    assert "model" in str(caught.value)  # the wrapper's own error, once per search
    assert len(search.cv_results_["params"]) == max(3, batch_size(search))


def test_one_fit_failed_warning_per_search_with_the_totals(search_cls, recwarn):
    search = make_search(search_cls, Probe(fail_above=0.5), {"x": Real(0, 1)}, n_iter=12)
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    n_failed = int(np.isnan(scores).sum())

    assert search.n_iterations_ > 1 and 0 < n_failed < 12
    fit_failed = [w for w in recwarn if issubclass(w.category, FitFailedWarning)]
    assert len(fit_failed) == 1
    assert f"{2 * n_failed} fits failed out of a total of 24" in str(fit_failed[0].message)
    non_finite = [w for w in recwarn if "test scores are non-finite" in str(w.message)]
    assert len(non_finite) == 1
    assert str(non_finite[0].message).count("nan") == n_failed


def test_halving_search_judges_failures_once_per_search(recwarn):
    # HalvingBayesSearchCV runs its own loop over the same failure bookkeeping.
    space = {"x": Real(0, 1)}
    kwargs = dict(n_candidates=8, factor=2, cv=2, random_state=0)
    search = HalvingBayesSearchCV(Probe(fail_above=0.5), space, **kwargs).fit(X, y)
    n_failed = int(np.isnan(search.cv_results_["mean_test_score"]).sum())

    fit_failed = [w for w in recwarn if issubclass(w.category, FitFailedWarning)]
    assert len(fit_failed) == 1 and n_failed > 0
    assert f"{2 * n_failed} fits failed out of a total of" in str(fit_failed[0].message)
    assert len([w for w in recwarn if "test scores are non-finite" in str(w.message)]) == 1

    with pytest.raises(ValueError, match="HalvingBayesSearchCV stopped early"):
        HalvingBayesSearchCV(NoModel(), {**space, "kind": ["a", "b"]}, **kwargs).fit(X, y)


def test_non_finite_scores_warn_once_per_search_and_dataset(search_cls, recwarn):
    def nan_for_large_leaves(estimator, X_test, y_test):
        return np.nan if estimator.min_samples_leaf > 10 else 1.0

    make_search(
        search_cls,
        DecisionTreeClassifier(random_state=0),
        TREE_SPACE,
        n_iter=8,
        scoring=nan_for_large_leaves,
        return_train_score=True,
    ).fit(X, y)
    messages = [str(w.message) for w in recwarn if "non-finite" in str(w.message)]

    assert len(messages) == 2
    assert "test scores" in messages[0] and "train scores" in messages[1]


def test_exception_mid_search_keeps_earlier_candidates(search_cls, fit_log):
    # The first fit of the second batch raises: the first batch is kept.
    search = make_search(search_cls, Probe(), {"x": Real(0, 1)}, error_score="raise")
    search.set_params(estimator__fail_after_fits=batch_size(search) * 2)
    with pytest.raises(RuntimeError, match="Probe refuses fit number"):
        search.fit(X, y)

    results = search.cv_results_
    assert len(results["params"]) == batch_size(search)
    assert results[ITERATION_COLUMN[search_cls]].tolist() == [0] * batch_size(search)
    assert np.isfinite(results["mean_test_score"]).all()
    assert not hasattr(search, "best_estimator_")


# -- what fit passes through -------------------------------------------------------------------
def test_return_train_score(search_cls):
    search = make_search(
        search_cls, Probe(), {"x": Real(0, 1)}, return_train_score=True
    )
    results = search.fit(X, y).cv_results_
    for key in (
        "split0_train_score",
        "split1_train_score",
        "mean_train_score",
        "std_train_score",
    ):
        assert len(results[key]) == 6


def test_a_generator_of_splits_is_read_once_like_a_list(search_cls):
    splits = list(KFold(3, shuffle=True, random_state=0).split(X, y))
    tree = DecisionTreeClassifier(random_state=0)
    runs = []
    for cv in (splits, (split for split in splits)):
        search = make_search(search_cls, tree, TREE_SPACE, cv=cv, n_iter=4, random_state=0)
        runs.append(search.fit(X, y).cv_results_)
        assert search.cv is cv  # the parameter is left as given
    assert runs[1]["params"] == runs[0]["params"]
    np.testing.assert_array_equal(runs[1]["mean_test_score"], runs[0]["mean_test_score"])


def test_groups_reach_the_splitter(search_cls):
    groups = np.arange(len(y)) % 5
    tree = DecisionTreeClassifier(random_state=0)
    search = make_search(
        search_cls, tree, TREE_SPACE, cv=GroupKFold(n_splits=3), n_iter=4
    )
    with pytest.raises(ValueError, match="groups"):
        clone(search).fit(X, y)

    search.fit(X, y, groups=groups)

    assert search.n_splits_ == 3
    first = search.cv_results_["params"][0]
    expected = cross_val_score(
        clone(tree).set_params(**first), X, y, groups=groups, cv=GroupKFold(n_splits=3)
    )
    got = [search.cv_results_[f"split{i}_test_score"][0] for i in range(3)]
    np.testing.assert_allclose(got, expected)


def test_fit_params_reach_the_estimator(search_cls, fit_log):
    weights = np.linspace(1.0, 2.0, len(y))
    search = make_search(
        search_cls, Probe(), {"x": Real(0, 1)}, n_iter=4, error_score="raise"
    )
    search.fit(X, y, sample_weight=weights)

    assert len(fit_log) == 4 * 2 + 1  # candidates x splits, then the refit
    for entry in fit_log:
        assert entry["sample_weight"] is not None
        assert len(entry["sample_weight"]) == entry["n_samples"]
    np.testing.assert_array_equal(fit_log[-1]["sample_weight"], weights)  # the refit


def test_random_state_reproducible_for_any_n_jobs(search_cls):
    tree = DecisionTreeClassifier(random_state=0)
    space = {"max_depth": randint(1, 7), "min_samples_leaf": Integer(1, 20)}
    kwargs = dict(n_iter=6, random_state=7)
    if search_cls is BayesSearchCV:
        kwargs["n_points"] = 2
    first = make_search(search_cls, tree, space, **kwargs).fit(X, y)
    again = make_search(search_cls, tree, space, **kwargs).fit(X, y)
    # Threads rather than loky's processes: the candidates are chosen in the
    # calling process either way, and starting workers costs ~20 s on 2 busy cores.
    with joblib.parallel_config(backend="threading"):
        parallel = make_search(search_cls, tree, space, n_jobs=2, **kwargs).fit(X, y)

    assert first.cv_results_["params"] == again.cv_results_["params"]
    assert first.cv_results_["params"] == parallel.cv_results_["params"]
    np.testing.assert_array_equal(
        first.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )
    assert first.best_params_ == parallel.best_params_


def test_clone_get_params_set_params(search_cls):
    search = make_search(
        search_cls, DecisionTreeClassifier(random_state=0), TREE_SPACE, max_time=60.0
    )
    params = search.get_params(deep=False)
    assert clone(search).get_params(deep=False).keys() == params.keys()
    round_trip = make_search(search_cls, Probe(), {"x": Real(0, 1)}).set_params(
        **params
    )
    assert round_trip.get_params(deep=False) == params

    search.set_params(estimator__max_depth=3, n_iter=4)
    assert search.estimator.max_depth == 3 and search.n_iter == 4

    search.fit(X, y)
    fresh = clone(search)
    assert not hasattr(fresh, "cv_results_")
    assert fresh.get_params(deep=False).keys() == params.keys()
    assert fresh.n_iter == 4 and fresh.estimator.max_depth == 3


def test_pickle_fitted_search(search_cls):
    search = make_search(search_cls, DecisionTreeClassifier(random_state=0), TREE_SPACE)
    search.fit(X, y)

    loaded = pickle.loads(pickle.dumps(search))

    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))
    assert loaded.best_params_ == search.best_params_
    assert loaded.cv_results_["params"] == search.cv_results_["params"]
    assert loaded.stop_reason_ == search.stop_reason_


# -- bad input is reported before any fit -----------------------------------------------------
def test_unknown_parameter_name_lists_valid_names(search_cls):
    pipe = Pipeline([("scale", StandardScaler()), ("clf", NoFitAllowed())])
    space = {"clf__x": Real(0, 1), "clf__kernal": ["rbf", "poly"]}
    search = make_search(search_cls, pipe, space)
    with pytest.raises(ValueError, match="'clf__kernal'") as caught:
        search.fit(X, y)
    message = str(caught.value)

    assert "did you mean 'clf__kernel'?" in message
    # One list, with the nested names of every step, and no estimator repr.
    assert message.count("Valid parameter names") == 1
    assert message.count("'clf__x'") == 1
    assert "'scale__with_mean'" in message and "'clf__kernel'" in message
    assert "NoFitAllowed(" not in message and "StandardScaler(" not in message


def test_unknown_parameter_of_a_searched_step(search_cls):
    # clf is searched: its parameters are valid once it is set, and the list
    # of valid names is the one of the pipeline with that step in place.
    pipe = Pipeline([("scale", StandardScaler()), ("clf", None)])
    space = {"clf": [SVC()], "clf__gama": [0.1, 1.0]}
    with pytest.raises(ValueError, match="did you mean 'clf__gamma'") as caught:
        make_search(search_cls, pipe, space).fit(X, y)
    assert "'clf__C'" in str(caught.value) and "SVC(" not in str(caught.value)


def test_objects_in_param_distributions_are_never_modified(search_cls):
    svc = SVC()
    scaler = StandardScaler()
    space = {
        "clf": [svc],
        "clf__C": [0.01, 0.1],
        "scale": [scaler],
        "scale__with_mean": [False],
    }
    before = joblib.hash([svc, scaler])
    pipe = Pipeline([("scale", None), ("clf", None)])

    search = make_search(search_cls, pipe, space, n_iter=2, scoring="accuracy")
    search.fit(X, y)

    assert joblib.hash([svc, scaler]) == before
    assert svc.C == 1.0 and scaler.with_mean is True
    assert search.best_estimator_.named_steps["clf"] is not svc
    assert search.best_estimator_.named_steps["clf"].C == search.best_params_["clf__C"]


def test_two_number_tuple_keeps_sklearns_meaning_but_warns(search_cls):
    with pytest.warns(UserWarning, match=re.escape("Real(0.01, 10.0)")):
        search = make_search(
            search_cls, Probe(), {"x": (0.01, 10.0)}, n_iter=3
        ).fit(X, y)
    # Two values, as RandomizedSearchCV reads the tuple, not a range.
    assert sorted(p["x"] for p in search.cv_results_["params"]) == [0.01, 10.0]
    assert search.stop_reason_ == "space exhausted"


def test_range_written_as_a_string(search_cls):
    search = make_search(search_cls, NoFitAllowed(), {"x": "1..10"})
    with pytest.raises(TypeError, match=re.escape("Integer(1, 10)")) as caught:
        search.fit(X, y)
    assert "Real(1, 10)" in str(caught.value)


COMMON_INVALID = [
    ("n_iter", 0),
    ("max_time", 0),
    ("n_iter_no_change", 0),
    ("min_delta", -1.0),
]
INVALID = {
    BayesSearchCV: COMMON_INVALID + [("n_points", 0), ("acquisition", "foo")],
    GeneticSearchCV: COMMON_INVALID + [("population_size", 1)],
}


@pytest.mark.parametrize(
    "search_cls, name, value",
    [(cls, name, value) for cls, cases in INVALID.items() for name, value in cases],
    ids=lambda v: v.__name__ if isinstance(v, type) else repr(v),
)
def test_invalid_constructor_values(search_cls, name, value):
    search = make_search(search_cls, NoFitAllowed(), {"x": Real(0, 1)}, **{name: value})
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter"):
        search.fit(X, y)


def test_single_value_instead_of_a_list(search_cls):
    with pytest.raises(TypeError):
        RandomizedSearchCV(NoFitAllowed(), {"kernel": "rbf"}, n_iter=2).fit(X, y)
    search = make_search(search_cls, NoFitAllowed(), {"x": Real(0, 1), "kernel": "rbf"})
    with pytest.raises(TypeError, match=re.escape("'kernel'") + r".*\['rbf'\]"):
        search.fit(X, y)


# -- stopping rules ---------------------------------------------------------------------------
def test_n_iter_no_change_counts_only_proposed_candidates(search_cls):
    # The score does not depend on x: nothing ever improves.
    search = make_search(
        search_cls, Probe(scale=0.0), {"x": Real(0, 1)}, n_iter=20, n_iter_no_change=3
    ).fit(X, y)
    n_evaluated = len(search.cv_results_["params"])
    optimizer = search.optimizers_[0]
    initial = optimizer.from_initial_design(optimizer.X_)
    initial_size = 5 if search_cls is BayesSearchCV else POPULATION_SIZE  # 1 dimension

    assert search.stop_reason_.startswith("n_iter_no_change")
    assert "proposed by the optimiser" in search.stop_reason_
    # The initial design comes first and does not count; the search stops at the
    # first check after 3 proposed candidates (a whole generation for the GA).
    assert initial.tolist() == [True] * initial_size + [False] * (n_evaluated - initial_size)
    assert n_evaluated - initial_size == max(3, batch_size(search))
    assert len(optimizer.y_) == n_evaluated


def test_n_iter_no_change_with_min_delta(search_cls):
    # Improvements exist but are far below min_delta.
    search = make_search(
        search_cls,
        Probe(scale=1e-6),
        {"x": Real(0, 1)},
        n_iter=20,
        n_iter_no_change=3,
        min_delta=1e-3,
    ).fit(X, y)
    assert search.stop_reason_.startswith("n_iter_no_change")
    assert "min_delta=0.001" in search.stop_reason_
    assert len(search.cv_results_["params"]) < 20


def test_target_score(search_cls):
    # Every candidate scores at least 0.51: the first batch reaches the target.
    search = make_search(
        search_cls, Probe(), {"x": Real(0, 1)}, n_iter=20, target_score=0.5
    ).fit(X, y)

    assert search.stop_reason_.startswith("target_score")
    assert len(search.cv_results_["params"]) == batch_size(search)
    assert search.best_score_ >= 0.5
    assert search.best_score_ == search.cv_results_["mean_test_score"].max()


def test_max_time_starts_no_batch_after_the_budget(search_cls, fit_log):
    # Each fit sleeps, so each batch lasts at least 2 * batch * delay seconds
    # however loaded the machine is; the budget is checked between batches.
    delay, max_time, n_splits = 0.02, 0.3, 2
    search = make_search(
        search_cls,
        Probe(delay=delay),
        {"x": Real(0, 1)},
        n_iter=60,
        max_time=max_time,
        refit=False,
        cv=n_splits,
    )
    search.fit(X, y)
    results = search.cv_results_
    iterations = results[ITERATION_COLUMN[search_cls]]
    n_batches = iterations.max() + 1

    assert search.stop_reason_.startswith("max_time")
    assert search.n_iterations_ == n_batches
    assert len(fit_log) == len(results["params"]) * n_splits
    # The search started before its first fit, and a batch starts only after the
    # previous batch's last fit ended. So if batch b ran, the previous batch
    # ended before first_fit_start + max_time.
    first_fit_start = fit_log[0]["start"]
    batch_of_fit = np.repeat(iterations, n_splits)  # fits are logged in order
    for b in range(1, n_batches):
        previous_end = max(
            e["end"] for e, i in zip(fit_log, batch_of_fit, strict=True) if i == b - 1
        )
        assert previous_end < first_fit_start + max_time
    # Batches are at least `min_batch_time` long, so only so many fit in the budget.
    min_batch_time = n_splits * batch_size(search) * delay
    assert n_batches <= int(max_time / min_batch_time) + 1
    assert len(results["params"]) < 60
    assert len(results["mean_test_score"]) == len(results["params"])
    assert 0 <= search.best_index_ < len(results["params"])


def test_genetic_search_within_one_generation_warns_it_is_random(recwarn):
    space = {"x": Real(0, 1)}
    with pytest.warns(UserWarning, match="this is a random search"):
        GeneticSearchCV(Probe(), space, n_iter=6, population_size=10, cv=2).fit(X, y)
    # Several generations, or a space the budget exhausts: nothing to warn about.
    GeneticSearchCV(Probe(), space, n_iter=12, population_size=10, cv=2).fit(X, y)
    GeneticSearchCV(Probe(), {"k": [1, 2, 3]}, n_iter=6, population_size=10, cv=2).fit(
        X, y
    )
    assert not [w for w in recwarn if "random search" in str(w.message)]


# -- batches, attributes, output ----------------------------------------------------------------
def test_batches_of_n_points_or_a_generation(search_cls):
    tree = DecisionTreeClassifier(random_state=0)
    if search_cls is BayesSearchCV:
        search = make_search(search_cls, tree, TREE_SPACE, n_iter=8, n_points=3)
        expected = [0, 0, 0, 1, 1, 1, 2, 2]
    else:
        search = make_search(search_cls, tree, TREE_SPACE, n_iter=10)
        expected = [0] * 4 + [1] * 4 + [2] * 2
    search.fit(X, y)

    assert search.cv_results_[ITERATION_COLUMN[search_cls]].tolist() == expected
    assert search.n_iterations_ == 3
    if search_cls is GeneticSearchCV:
        assert [entry["generation"] for entry in search.history_] == [0, 1, 2]
        assert [entry["n_new"] for entry in search.history_] == [4, 4, 2]


def test_the_users_estimator_is_never_mutated(search_cls):
    estimator = Pipeline(
        [("scale", StandardScaler()), ("tree", DecisionTreeClassifier())]
    )
    before = joblib.hash(estimator)
    params_before = estimator.get_params()

    search = make_search(search_cls, estimator, {"tree__max_depth": Integer(1, 6)}).fit(
        X, y
    )

    assert joblib.hash(estimator) == before
    assert estimator.get_params().keys() == params_before.keys()
    assert search.best_estimator_ is not estimator
    assert search.estimator is estimator


def test_verbose_1_prints_sklearns_line_once(search_cls, capsys):
    RandomizedSearchCV(Probe(), {"x": loguniform(0.1, 1)}, n_iter=6, cv=2, verbose=1).fit(
        X, y
    )
    expected = capsys.readouterr().out.splitlines()
    search = make_search(search_cls, Probe(), {"x": Real(0, 1)}, n_iter=6, verbose=1)
    search.fit(X, y)

    assert search.n_iterations_ > 1
    assert capsys.readouterr().out.splitlines() == expected
    assert expected == ["Fitting 2 folds for each of 6 candidates, totalling 12 fits"]


def test_verbose_2_adds_one_line_per_iteration(search_cls, capsys):
    search = make_search(search_cls, Probe(), {"x": Real(0, 1)}, n_iter=6, verbose=2)
    search.fit(X, y)
    out = capsys.readouterr().out

    prefix = f"[{search_cls.__name__}] {ITERATION_COLUMN[search_cls]} "
    lines = [line for line in out.splitlines() if line.startswith(prefix)]
    assert out.count("Fitting 2 folds") == 1
    assert len(lines) == search.n_iterations_
    assert lines[-1].startswith(f"{prefix}{search.n_iterations_ - 1}: 6/6 candidates")
    assert out.count("[CV") == 12  # scikit-learn's per-fit lines


def test_verbose_says_why_a_search_stopped_early(search_cls, capsys):
    make_search(
        search_cls, Probe(), {"x": Real(0, 1)}, n_iter=20, target_score=0.5, verbose=1
    ).fit(X, y)
    assert f"[{search_cls.__name__}] stopped early, target_score" in capsys.readouterr().out


# -- sklearn >= 1.9 callbacks -------------------------------------------------------------------
class TaskRecorder:
    """A FitCallback that records the path of task names of every task."""

    def __init__(self):
        self.begun, self.ended, self.setups = [], [], 0

    def setup(self, estimator, context):
        self.setups += 1

    def teardown(self, estimator, context):
        pass

    @staticmethod
    def _path(context):
        path = []
        while context is not None:
            path.append(context.task_name)
            context = context.parent
        return tuple(reversed(path))

    def on_fit_task_begin(self, estimator, context):
        self.begun.append(self._path(context))

    def on_fit_task_end(self, estimator, context):
        self.ended.append(self._path(context))


@pytest.mark.skipif(
    not SKLEARN_HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9"
)
def test_progress_bar_runs(search_cls):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    search = make_search(search_cls, Probe(), {"x": Real(0, 1)}, n_iter=5)
    search.set_callbacks(ProgressBar())
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 5


@pytest.mark.skipif(
    not SKLEARN_HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9"
)
def test_callbacks_see_search_iterations_and_evaluations(search_cls):
    recorder = TaskRecorder()
    search = make_search(search_cls, Probe(), {"x": Real(0, 1)}, n_iter=5)
    search.set_callbacks(recorder)
    search.fit(X, y)

    column = ITERATION_COLUMN[search_cls]
    iteration = ("fit", "search", column)
    evaluation = iteration + ("candidate-split-evaluation",)
    assert recorder.setups == 1
    assert recorder.begun.count(("fit",)) == 1
    assert recorder.begun.count(("fit", "search")) == 1
    assert recorder.begun.count(iteration) == search.n_iterations_
    assert recorder.begun.count(evaluation) == 5 * search.n_splits_
    assert recorder.begun.count(("fit", "refit-with-best-params")) == 1
    assert sorted(recorder.ended) == sorted(recorder.begun)

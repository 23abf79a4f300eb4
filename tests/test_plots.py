"""Tests of sktune.plots: what is drawn, read back from the matplotlib artists."""

import subprocess
import sys
import warnings

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import loguniform, uniform  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import FitFailedWarning, NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from sktune import BayesSearchCV, GeneticSearchCV, Integer, Real  # noqa: E402
from sktune.plots import best_so_far, plot_convergence, plot_parameters  # noqa: E402


class FlakyClassifier(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``C > 1``: gives NaN scores under error_score=np.nan."""

    def __init__(self, C=1.0, kernel="linear"):
        self.C = C
        self.kernel = kernel

    def fit(self, X, y):
        if self.C > 1:
            raise ValueError(f"C={self.C} is too large")
        self.model_ = SVC(C=self.C, kernel=self.kernel).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


class Fitted:
    """A stand-in for a fitted search: plots read only cv_results_ and refit."""

    refit = True

    def __init__(self, scores, params=None):
        self.cv_results_ = {
            "mean_test_score": np.asarray(scores, dtype=float),
            "params": params or [{"alpha": i} for i in range(len(scores))],
        }


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def bayes(iris):
    space = {"C": loguniform(1e-2, 1e2), "kernel": ["linear", "rbf"]}
    return BayesSearchCV(SVC(), space, n_iter=8, cv=3, random_state=0).fit(*iris)


@pytest.fixture(scope="module")
def genetic(iris):
    space = {
        "C": loguniform(1e-2, 1e2),
        "gamma": uniform(0.01, 1.0),
        "degree": Integer(1, 4),
        "coef0": Real(1.0, 1000.0),  # uniform over 3 decades: the space says linear
        "kernel": ["linear", "rbf", "poly"],
    }
    search = GeneticSearchCV(SVC(), space, n_iter=12, population_size=6, cv=3,
                             random_state=0)
    return search.fit(*iris)


@pytest.fixture(scope="module")
def randomized(iris):
    space = {
        "C": [0.001, 0.01, 0.1, 1.0, 10.0],
        "gamma": [0.1, 0.2, 0.3],
        "kernel": ["linear", "rbf"],
    }
    return RandomizedSearchCV(SVC(), space, n_iter=8, cv=3, random_state=0).fit(*iris)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def tick_texts(ax):
    return [tick.get_text() for tick in ax.get_xticklabels()]


# -- plot_convergence ---------------------------------------------------------------------
def test_convergence_line_is_best_so_far(bayes, tmp_path):
    ax = plot_convergence(bayes)
    ax.figure.savefig(tmp_path / "convergence.png")
    assert (tmp_path / "convergence.png").stat().st_size > 0

    scores = bayes.cv_results_["mean_test_score"]
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(scores) + 1))
    np.testing.assert_allclose(line.get_ydata(), np.maximum.accumulate(scores))
    assert ax.get_xlabel() == "Candidates evaluated"
    # An estimator's own score: the label says what it is (accuracy for SVC).
    assert ax.get_ylabel() == "Best mean CV accuracy so far"
    assert legend_texts(ax)[:2] == ["BayesSearchCV", "one candidate's score"]
    # each candidate's own score is drawn too: a dot, or a triangle below the axis
    drawn = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections])
    assert sorted(drawn) == list(range(1, len(scores) + 1))


def test_convergence_y_range_follows_the_lines(iris, tmp_path):
    # Very small C gives useless SVCs (accuracy ~0.3) next to ~0.97 ones.
    space = {"C": loguniform(1e-5, 1e2), "gamma": loguniform(1e-4, 1e1)}
    search = RandomizedSearchCV(SVC(), space, n_iter=30, cv=3, random_state=3).fit(*iris)
    scores = search.cv_results_["mean_test_score"]
    ax = plot_convergence(search)
    ax.figure.savefig(tmp_path / "range.png")
    low, high = ax.get_ylim()
    line = ax.lines[0].get_ydata()[3:]  # after the first 10% of the candidates

    assert scores.min() < 0.5 < line.min()
    assert low <= line.min() and line.max() <= high
    # The lines fill the axes: no squashing into the top by the poor candidates.
    assert high - low <= 1.2 * (line.max() - line.min()) + 1e-9
    below = [c for c in ax.collections if c.get_paths() and len(c.get_offsets())]
    n_drawn = sum(len(c.get_offsets()) for c in below)
    assert n_drawn == len(scores)
    assert "a candidate below the axis" in legend_texts(ax)


def test_searches_sharing_their_first_candidates_stay_distinguishable(iris):
    space = {"C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-3, 1e1)}
    bayes = BayesSearchCV(SVC(), space, n_iter=6, cv=2, random_state=0).fit(*iris)
    genetic = GeneticSearchCV(SVC(), space, n_iter=6, population_size=3, cv=2,
                              random_state=0).fit(*iris)
    assert bayes.cv_results_["params"][0] == genetic.cv_results_["params"][0]

    ax = plot_convergence(bayes, genetic)
    first, second = ax.lines
    assert first.get_linestyle() != second.get_linestyle()
    assert first.get_marker() != second.get_marker()
    assert first.get_color() != second.get_color()


def test_several_searches_on_one_axes(bayes, genetic, randomized, tmp_path):
    fig, ax = plt.subplots()
    returned = plot_convergence(bayes, genetic, randomized, ax=ax)
    fig.savefig(tmp_path / "compare.png")
    assert returned is ax
    assert len(ax.lines) == 3
    assert legend_texts(ax)[:3] == ["BayesSearchCV", "GeneticSearchCV", "RandomizedSearchCV"]
    for line, search in zip(ax.lines, (bayes, genetic, randomized), strict=True):
        scores = search.cv_results_["mean_test_score"]
        np.testing.assert_allclose(line.get_ydata(), np.maximum.accumulate(scores))
        assert len(line.get_xdata()) == len(scores)
    colours = {line.get_color() for line in ax.lines}
    assert len(colours) == 3


def test_convergence_labels(bayes):
    ax = plot_convergence(bayes, bayes)
    assert legend_texts(ax)[:2] == ["BayesSearchCV #1", "BayesSearchCV #2"]
    ax = plot_convergence(bayes, bayes, labels=["seed 0", "again"])
    assert legend_texts(ax)[:2] == ["seed 0", "again"]
    with pytest.raises(ValueError, match="labels has 1 entries for 2 searches"):
        plot_convergence(bayes, bayes, labels=["only one"])
    with pytest.raises(TypeError, match="at least one fitted search"):
        plot_convergence()


def test_best_so_far_ignores_nan():
    nan = np.nan
    np.testing.assert_array_equal(
        best_so_far([nan, nan, 0.5, 0.4, nan, 0.7, 0.6]),
        [nan, nan, 0.5, 0.5, 0.5, 0.7, 0.7],
    )
    assert best_so_far([]).shape == (0,)
    assert np.isnan(best_so_far([nan, nan])).all()


def test_convergence_with_failed_fits(iris, tmp_path):
    space = {"C": loguniform(1e-2, 1e2)}
    search = GeneticSearchCV(FlakyClassifier(), space, n_iter=8, population_size=4, cv=2,
                             random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)  # "some test scores are non-finite"
        search.fit(*iris)
    scores = search.cv_results_["mean_test_score"]
    assert np.isnan(scores).any() and np.isfinite(scores).any()

    ax = plot_convergence(search)
    ax.figure.savefig(tmp_path / "failed.png")
    y = ax.lines[0].get_ydata()
    assert not np.isnan(y[np.argmax(np.isfinite(scores)) :]).any()
    np.testing.assert_allclose(y, best_so_far(scores))
    assert np.nanmax(y) == np.nanmax(scores)


def test_convergence_leading_and_all_nan(tmp_path):
    ax = plot_convergence(Fitted([np.nan, 0.5, np.nan, 0.7]), Fitted([np.nan, np.nan]))
    ax.figure.savefig(tmp_path / "nan.png")
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [np.nan, 0.5, 0.5, 0.7])
    assert np.isnan(ax.lines[1].get_ydata()).all()


def test_convergence_multimetric(iris):
    search = GeneticSearchCV(
        LogisticRegression(max_iter=500), {"C": loguniform(1e-3, 1e2)}, n_iter=4,
        population_size=4, cv=2, random_state=0,
        scoring=["accuracy", "f1_macro"], refit="f1_macro",
    ).fit(*iris)
    ax = plot_convergence(search)
    assert ax.get_ylabel() == "Best mean CV f1_macro so far"
    np.testing.assert_allclose(
        ax.lines[0].get_ydata(), best_so_far(search.cv_results_["mean_test_f1_macro"])
    )
    ax = plot_convergence(search, metric="accuracy")
    np.testing.assert_allclose(
        ax.lines[0].get_ydata(), best_so_far(search.cv_results_["mean_test_accuracy"])
    )
    with pytest.raises(ValueError, match=r"metric='roc_auc' is not in .*'accuracy', 'f1_macro'"):
        plot_convergence(search, metric="roc_auc")
    # Without a metric named by refit: the first one, which sktune optimises.
    search.refit = False
    np.testing.assert_allclose(
        plot_convergence(search).lines[0].get_ydata(),
        best_so_far(search.cv_results_["mean_test_accuracy"]),
    )


def test_unfitted_search_is_refused():
    search = BayesSearchCV(SVC(), {"C": loguniform(1e-2, 1e2)})
    with pytest.raises(NotFittedError, match="call fit"):
        plot_convergence(search)
    with pytest.raises(NotFittedError, match="call fit"):
        plot_parameters(search)


# -- plot_parameters ----------------------------------------------------------------------
def test_parameters_axes_and_scales(genetic, tmp_path):
    axes = plot_parameters(genetic)
    axes[0].figure.savefig(tmp_path / "parameters.png")
    assert isinstance(axes, np.ndarray) and axes.ndim == 1
    names = ["C", "gamma", "degree", "coef0", "kernel"]
    assert [ax.get_xlabel() for ax in axes] == names
    assert all(ax.get_ylabel() == "Mean CV accuracy" for ax in axes)
    scales = {name: ax.get_xscale() for name, ax in zip(names, axes, strict=True)}
    # loguniform -> log; uniform, Integer and Real(1, 1000) (uniform prior) -> linear
    assert scales == {"C": "log", "gamma": "linear", "degree": "linear",
                      "coef0": "linear", "kernel": "linear"}
    assert tick_texts(axes[4]) == ["linear", "rbf", "poly"]

    results = genetic.cv_results_
    n = len(results["params"])
    for name, ax in zip(names[:4], axes[:4], strict=True):
        offsets = ax.collections[0].get_offsets()
        np.testing.assert_allclose(offsets[:, 0], [p[name] for p in results["params"]])
        np.testing.assert_allclose(offsets[:, 1], results["mean_test_score"])
        # coloured by evaluation order
        np.testing.assert_array_equal(ax.collections[0].get_array(), np.arange(1, n + 1))
    kernel_x = axes[4].collections[0].get_offsets()[:, 0]
    expected = [["linear", "rbf", "poly"].index(p["kernel"]) for p in results["params"]]
    np.testing.assert_array_equal(np.round(kernel_x), expected)
    assert np.abs(kernel_x - expected).max() <= 0.15
    # one shared colour bar
    assert axes[0].figure.axes[-1].get_ylabel() == "Evaluation order"


def test_parameters_of_a_randomized_search_are_inferred(randomized, tmp_path):
    axes = plot_parameters(randomized)
    axes[0].figure.savefig(tmp_path / "randomized.png")
    by_name = {ax.get_xlabel(): ax for ax in axes}
    assert sorted(by_name) == ["C", "gamma", "kernel"]
    assert by_name["C"].get_xscale() == "log"  # 0.001..10 spans 4 decades
    assert by_name["gamma"].get_xscale() == "linear"
    # Read from param_distributions as sktune reads it: the choices in list order.
    assert tick_texts(by_name["kernel"]) == ["linear", "rbf"]


def test_a_randomized_search_loguniform_gets_a_log_axis(iris):
    # The sampled values span less than 2 decades, but the distribution is log-uniform.
    search = RandomizedSearchCV(
        SVC(), {"C": loguniform(0.5, 20.0)}, n_iter=4, cv=2, random_state=0
    ).fit(*iris)
    (ax,) = plot_parameters(search)
    assert ax.get_xscale() == "log"


def test_parameters_subset_and_given_axes(genetic, tmp_path):
    fig, given = plt.subplots(1, 3)
    axes = plot_parameters(genetic, params=["kernel", "C"], axes=given)
    fig.savefig(tmp_path / "subset.png")
    assert list(axes) == list(given[:2])
    assert [ax.get_xlabel() for ax in axes] == ["kernel", "C"]
    assert plot_parameters(genetic, params="C")[0].get_xscale() == "log"
    with pytest.raises(ValueError, match=r"params \['nope'\] were not searched"):
        plot_parameters(genetic, params=["C", "nope"])
    with pytest.raises(ValueError, match="axes has 1 axes for 2 parameters"):
        plot_parameters(genetic, params=["C", "kernel"], axes=[given[0]])


def test_parameters_with_failed_fits_and_subspaces(iris, tmp_path):
    space = [
        {"C": loguniform(1e-2, 1e2), "kernel": ["linear"]},
        {"C": [0.1, 10.0], "kernel": ["rbf"]},
    ]
    search = GeneticSearchCV(FlakyClassifier(), space, n_iter=10, population_size=4, cv=2,
                             random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        search.fit(*iris)
    scores = search.cv_results_["mean_test_score"]
    assert np.isnan(scores).any()

    axes = plot_parameters(search)
    axes[0].figure.savefig(tmp_path / "failed.png")
    ax_c, ax_kernel = axes
    assert ax_c.get_xscale() == "log"
    assert tick_texts(ax_kernel) == ["linear", "rbf"]
    failed = np.isnan(scores)
    params = search.cv_results_["params"]
    # finite scores are dots; failed fits are red crosses at the bottom
    assert len(ax_c.collections[0].get_offsets()) == (~failed).sum()
    (crosses,) = ax_c.lines
    assert crosses.get_marker() == "x"
    np.testing.assert_allclose(
        crosses.get_xdata(), [p["C"] for p, f in zip(params, failed, strict=True) if f]
    )


def test_categorical_objects_are_labelled_by_str(tmp_path):
    params = [{"est": v} for v in (None, ("a", 1), None, SVC(C=2.0))]
    axes = plot_parameters(Fitted([0.1, 0.2, 0.3, 0.4], params))
    axes[0].figure.savefig(tmp_path / "objects.png")
    assert tick_texts(axes[0]) == ["None", "('a', 1)", "SVC(C=2.0)"]
    np.testing.assert_array_equal(
        np.round(axes[0].collections[0].get_offsets()[:, 0]), [0, 1, 0, 2]
    )


# -- the optional dependency --------------------------------------------------------------
def test_missing_matplotlib_says_how_to_install(bayes, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    hint = r'plots extra \(python -m pip install "\.\[plots\]"'
    with pytest.raises(ImportError, match=hint):
        plot_convergence(bayes)
    with pytest.raises(ImportError, match=hint):
        plot_parameters(bayes)


def test_importing_sktune_does_not_import_matplotlib():
    code = (
        "import sys, sktune, sktune.plots\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- successive halving: the budget plot and the resources axis ------------------------------
@pytest.fixture(scope="module")
def halving():
    from sklearn.datasets import load_digits

    from sktune import HalvingBayesSearchCV

    X, y = load_digits(return_X_y=True)
    return HalvingBayesSearchCV(
        SVC(), {"C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-4, 1e-1)},
        cv=3, n_brackets=2, bracket_schedule="repeat", random_state=0,
    ).fit(X, y)  # every candidate starts at the first rung: promoted ones have a line


def test_budget_plot_shows_each_evaluation_by_budget(halving, tmp_path):
    from sktune.plots import plot_budget

    ax = plot_budget(halving)
    results = halving.cv_results_
    spent = np.cumsum(results["n_resources"])
    # One point per evaluation, in one collection per budget.
    points = np.vstack([c.get_offsets() for c in ax.collections])
    assert len(points) == len(results["params"])
    np.testing.assert_allclose(np.sort(points[:, 0]), np.sort(spent))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    shares = [int(t.split(", ")[1].split("%")[0]) for t in texts[:-1]]
    assert texts[0].startswith("60 n_samples: 58 evaluations") and abs(sum(shares) - 100) <= 2
    # The black step line is the best score among the largest budget's evaluations.
    best = ax.lines[-1].get_ydata()
    top = results["mean_test_score"][results["n_resources"] == results["n_resources"].max()]
    assert best[-1] == pytest.approx(np.max(top))
    # Grey lines join one candidate's evaluations: one per promoted candidate.
    promoted = sum(len(line.get_xdata()) > 1 for line in ax.lines[:-1])
    assert promoted == halving.n_candidates_[1]
    ax.figure.savefig(tmp_path / "budget.png")
    plt.close(ax.figure)


def test_budget_plot_refuses_a_search_without_budgets(bayes):
    from sktune.plots import plot_budget

    with pytest.raises(ValueError, match="successive-halving search"):
        plot_budget(bayes)


def test_convergence_against_resources_and_time(halving, bayes):
    ax = plot_convergence(halving, bayes, x="resources")
    halving_line, bayes_line = ax.lines[:2]
    budget = halving.cv_results_["n_resources"]
    # The halving line starts once a candidate has the largest budget...
    first_full = np.cumsum(budget)[np.argmax(budget == budget.max())]
    assert halving_line.get_xdata()[0] == first_full
    # ...and a full-budget search's candidates each count as that budget.
    np.testing.assert_array_equal(
        bayes_line.get_xdata(), budget.max() * np.arange(1, len(bayes.cv_results_["params"]) + 1)
    )
    assert ax.get_xlabel() == "Resources spent (n_samples)"
    plt.close(ax.figure)
    ax = plot_convergence(bayes, x="time")
    results = bayes.cv_results_
    spent = np.cumsum((results["mean_fit_time"] + results["mean_score_time"]) * 3)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), spent)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="x must be one of"):
        plot_convergence(bayes, x="epochs")

"""Edges of search spaces: supports open at an end, the widest ranges, look-alike choices."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.svm import SVC

from sktune import BayesSearchCV, GeneticSearchCV, Real
from sktune.space import Space

SEARCH_CLASSES = [BayesSearchCV, GeneticSearchCV]


def dimension_of(value):
    return Space.from_user({"x": value}, random_state=0).subspaces[0].dimensions["x"]


# -- open supports -------------------------------------------------------------------------
def continuous_distributions():
    """Every continuous scipy.stats family, with the shapes scipy tests it with."""
    try:
        from scipy.stats._distr_params import distcont
    except ImportError:  # a private list: fall back to common families
        distcont = [("expon", ()), ("gamma", (2.0,)), ("beta", (2.0, 5.0)),
                    ("lognorm", (0.5,)), ("pareto", (2.6,)), ("uniform", ())]
    # Families whose quantile function takes seconds per call.
    slow = {"studentized_range", "levy_stable", "kstwo", "ksone", "norminvgauss",
            "dpareto_lognorm", "gausshyper", "vonmises", "vonmises_line"}
    return [(name, shapes) for name, shapes in distcont if name not in slow]


@pytest.mark.parametrize("loc, scale", [(0.0, 1.0), (5.0, 10.0)])
def test_continuous_distributions_never_give_an_end_of_their_support(loc, scale):
    checked = 0
    for name, shapes in continuous_distributions():
        frozen = getattr(stats, name)(*shapes, loc=loc, scale=scale)
        lower, upper = frozen.support()
        if math.isinf(lower) and math.isinf(upper):
            continue  # nothing to stay away from
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                dimension = dimension_of(frozen)
            except ValueError:  # refused with a message: no working ppf
                continue
            values = [dimension.from_unit(u) for u in (0.0, 1e-300, 1e-12, 0.5, 1 - 1e-16, 1.0)]
        assert all(lower < v < upper for v in values), (name, shapes, lower, upper, values)
        checked += 1
    assert checked >= 50


def test_expon_never_gives_zero():
    """scikit-learn's own tests search SVC's C over expon(scale=10); C=0 is refused."""
    dimension = dimension_of(stats.expon(scale=10))
    assert dimension.from_unit(0.0) > 0.0 and dimension.low > 0.0
    assert dimension.from_unit(0.0) == pytest.approx(0.0)
    assert dimension.from_unit(0.5) == stats.expon(scale=10).ppf(0.5 * (1 - 1e-3))


@pytest.mark.parametrize("seed", [1, 3])
def test_svc_over_expon_never_fails_on_c_zero(seed):
    X, y = make_classification(n_samples=80, n_features=5, flip_y=0.5, random_state=0)
    search = BayesSearchCV(
        SVC(), {"C": stats.expon(scale=10)}, n_iter=20, cv=2, random_state=seed
    ).fit(X, y)
    values = np.array([params["C"] for params in search.cv_results_["params"]])
    assert (values > 0).all()
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


# -- the widest real range -------------------------------------------------------------------
def test_real_range_wider_than_the_largest_float():
    dimension = Real(-1.7e308, 1.7e308)
    assert dimension.from_unit(0.5) == 0.0
    assert dimension.from_unit(0.25) == pytest.approx(-0.85e308)
    assert dimension.to_unit(0.85e308) == pytest.approx(0.75)
    for u in np.linspace(0.0, 1.0, 101):
        assert dimension.to_unit(dimension.from_unit(u)) == pytest.approx(u)


class Constant(ClassifierMixin, BaseEstimator):
    """Predicts the first class; ``offset`` only changes the score, a little."""

    def __init__(self, offset=0.0, payload=None):
        self.offset = offset
        self.payload = payload

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y):
        return float(np.mean(self.predict(X) == y)) - abs(self.offset) / 1e309


@pytest.mark.parametrize("search_cls", SEARCH_CLASSES)
def test_widest_real_range_is_searched_not_exhausted(search_cls):
    X, y = make_classification(n_samples=40, random_state=0)
    extra = {"population_size": 4} if search_cls is GeneticSearchCV else {}
    search = search_cls(
        Constant(), {"offset": Real(-1.7e308, 1.7e308)}, n_iter=8, cv=2, random_state=0,
        **extra,
    ).fit(X, y)
    offsets = [params["offset"] for params in search.cv_results_["params"]]
    assert len(set(offsets)) == 8 and search.stop_reason_ == "n_iter"
    assert all(math.isfinite(v) for v in offsets)
    assert len({v for v in offsets if abs(v) < 1.7e308}) >= 6  # not only the two bounds


# -- look-alike choices ---------------------------------------------------------------------
class Opaque:
    """Every instance has the same repr; they are still different values."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return "Opaque()"


def large_arrays():
    first = np.arange(3000.0)
    second = first.copy()
    second[1500] = -1.0
    assert repr(first) == repr(second)
    return [first, second]


@pytest.mark.parametrize("search_cls", SEARCH_CLASSES)
@pytest.mark.parametrize("choices", [[Opaque(1), Opaque(2)], large_arrays()],
                         ids=["constant repr", "large arrays"])
def test_choices_with_equal_repr_are_two_candidates(search_cls, choices):
    X, y = make_classification(n_samples=40, random_state=0)
    extra = {"population_size": 2} if search_cls is GeneticSearchCV else {}
    search = search_cls(
        Constant(), {"payload": choices}, n_iter=2, cv=2, random_state=0, **extra
    ).fit(X, y)
    payloads = [params["payload"] for params in search.cv_results_["params"]]
    assert len(payloads) == 2 and search.stop_reason_ == "n_iter"
    assert sorted(map(id, payloads)) == sorted(map(id, choices))


"""Search spaces: sktune's dimensions, what users already pass, unit-cube maps, errors."""

import math
import re

import numpy as np
import pytest
from scipy import stats
from sklearn.dummy import DummyClassifier, DummyRegressor

from sktune import Categorical, Integer, Real
from sktune.optimize._base import CATEGORICAL, CONTINUOUS, ORDINAL
from sktune.space import Dimension, Ordinal, Space, SubSpace
from sktune.space._dimensions import MAX_LATTICE_LEVELS
from sktune.space._distributions import TAIL_QUANTILE, EmpiricalContinuous

N_DRAWS = 1000
# Every statistical test runs at a fixed seed, so it is deterministic; the
# threshold only says how surprising a correct sampler's result may be.
P_MIN = 1e-3


def dim_of(value, random_state=0):
    """The dimension a single ``param_distributions`` entry becomes."""
    return (
        Space.from_user({"p": value}, random_state=random_state)
        .subspaces[0]
        .dimensions["p"]
    )


def draws(value, n=N_DRAWS, seed=0):
    """Values sampled through the public path: Space.from_user -> SubSpace.sample."""
    sub = Space.from_user({"p": value}, random_state=seed).subspaces[0]
    return [params["p"] for params in sub.sample(n, np.random.default_rng(seed))]


def cell_widths(dim):
    return np.diff(dim.coordinate.edges)


class FixedChoice:
    """Any object with ``rvs``, as RandomizedSearchCV accepts: draws from fixed choices."""

    def __init__(self, choices, p=None):
        self.choices, self.p = list(choices), p

    def rvs(self, size=None, random_state=None):
        idx = random_state.choice(len(self.choices), size=size, p=self.p)
        if size is None:
            return self.choices[idx]
        out = np.empty(size, dtype=object)
        out[:] = [self.choices[i] for i in idx]
        return out


class ExpDraws:
    """An object with ``rvs`` only (no ppf): exponential draws, one at a time."""

    def rvs(self, random_state=None):  # no size argument: drawn one by one
        return float(random_state.exponential(2.0))


class _ScalarOnly:
    """rvs that ignores ``size`` and returns one value."""

    def rvs(self, size=None, random_state=None):
        return int(random_state.randint(5, 8))


class _Broken:
    def rvs(self, size=None, random_state=None):
        raise RuntimeError("no draws today")


class _FailingPpf(stats.rv_continuous):
    def _cdf(self, x):
        return 1 - np.exp(-x)

    def _ppf(self, q):
        raise RuntimeError("ppf is broken")


class _InfinitePpf(stats.rv_continuous):
    def _cdf(self, x):
        return 1 - np.exp(-x)

    def _ppf(self, q):
        return np.full_like(q, np.inf)


class _FailingDiscretePpf(stats.rv_discrete):
    def _pmf(self, k):
        return np.where(k == 0, 1.0, 0.0)

    def _ppf(self, q):
        raise RuntimeError("ppf is broken")


# --------------------------------------------------------------------------------------
# sktune's own dimensions
# --------------------------------------------------------------------------------------


def test_public_names_are_exported():
    import sktune

    assert {"Real", "Integer", "Categorical"} <= set(sktune.__all__)
    assert sktune.Real is Real and sktune.Integer is Integer


def test_real_uniform_maps_linearly():
    dim = Real(-2, 6)
    assert dim.coordinate.kind == CONTINUOUS and dim.size == math.inf
    assert (dim.from_unit(0.0), dim.from_unit(0.5), dim.from_unit(1.0)) == (
        -2.0,
        2.0,
        6.0,
    )
    assert dim.to_unit(0) == 0.25
    assert type(dim.from_unit(np.float64(0.3))) is float
    assert type(dim.to_unit(np.float32(1.0))) is float
    assert dim.scale == "linear" and dim == Real(-2.0, 6.0) and dim != Real(-2, 7)


def test_real_log_uniform_maps_in_log_space():
    dim = Real(1e-4, 1e-1, prior="log-uniform")
    assert dim.from_unit(0.5) == pytest.approx(10**-2.5)
    assert dim.from_unit(0.0) == 1e-4 and dim.from_unit(1.0) == 1e-1
    assert dim.to_unit(1e-3) == pytest.approx(1 / 3)
    assert dim.scale == "log"


def test_real_from_unit_clips_outside_the_cube():
    dim = Real(1, 2, prior="log-uniform")
    assert dim.from_unit(-0.5) == 1.0 and dim.from_unit(1.5) == 2.0


@pytest.mark.parametrize(
    "value", [0.5, 3.5, float("nan"), float("inf"), "1", None, True]
)
def test_real_to_unit_rejects_values_outside(value):
    with pytest.raises(ValueError, match="outside Real"):
        Real(1, 3).to_unit(value)


def test_integer_uniform_has_equal_cells():
    dim = Integer(3, 7)
    assert (
        dim.coordinate.kind == ORDINAL
        and dim.size == 5
        and dim.values == [3, 4, 5, 6, 7]
    )
    np.testing.assert_allclose(cell_widths(dim), 0.2)
    assert [dim.from_unit(u) for u in (0.0, 0.19, 0.2, 0.99, 1.0)] == [3, 3, 4, 7, 7]
    assert type(dim.from_unit(0.5)) is int
    assert dim.to_unit(5) == pytest.approx(0.5) and dim.to_unit(5.0) == pytest.approx(
        0.5
    )


def test_integer_single_value_is_allowed():
    dim = Integer(4, 4)
    assert dim.size == 1 and dim.from_unit(0.3) == 4


def test_integer_log_uniform_cells_follow_log1p_weights():
    dim = Integer(1, 20, prior="log-uniform")
    k = np.arange(1, 21)
    np.testing.assert_allclose(cell_widths(dim), np.log1p(1 / k) / np.log(21))
    assert dim.from_unit(0.5) == 4  # 21 ** 0.5 = 4.58 lies in [4, 5)
    assert dim.scale == "log"


def test_integer_docstring_example():
    assert Integer(16, 256, prior="log-uniform").from_unit(0.5) == 64  # sqrt(16 * 257)


@pytest.mark.parametrize("value", [0, 6, 2.5, float("inf"), float("nan"), "3", None])
def test_integer_to_unit_rejects_values_outside(value):
    with pytest.raises(ValueError, match="Integer"):
        Integer(1, 5).to_unit(value)


@pytest.mark.parametrize("prior", ["uniform", "log-uniform"])
def test_wide_integer_is_a_rounded_continuous_coordinate(prior):
    dim = Integer(1, 10 * MAX_LATTICE_LEVELS, prior=prior)
    assert dim.coordinate.kind == CONTINUOUS
    assert dim.size == 10 * MAX_LATTICE_LEVELS
    assert dim.from_unit(0.0) == 1 and dim.from_unit(1.0) == dim.high
    rng = np.random.default_rng(1)
    for k in rng.integers(1, dim.high + 1, size=300).tolist() + [1, dim.high]:
        u = dim.to_unit(k)
        assert 0.0 <= u <= 1.0 and dim.from_unit(u) == k
    for u in rng.random(300):
        value = dim.from_unit(u)
        assert type(value) is int and dim.from_unit(dim.to_unit(value)) == value


def test_categorical_keeps_choice_objects():
    est = DummyClassifier()
    choices = ["a", None, (1, 2), est, 3, True]
    dim = Categorical(choices)
    assert dim.coordinate.kind == CATEGORICAL and dim.size == 6 and dim.scale is None
    assert [dim.from_unit((i + 0.5) / 6) for i in range(6)][:3] == ["a", None, (1, 2)]
    assert dim.from_unit(3.5 / 6) is est
    assert dim.to_unit(est) == pytest.approx(3.5 / 6)
    assert dim.to_unit(True) == pytest.approx(5.5 / 6)  # True is not the number 1
    assert Categorical(["relu", "tanh"]).from_unit(0.9) == "tanh"
    with pytest.raises(ValueError, match="not one of the values"):
        dim.to_unit(DummyClassifier())  # an equal-looking but different estimator


def test_categorical_drops_repeated_choices():
    dim = Categorical(["a", "b", "a"])
    assert dim.values == ["a", "b"] and dim.size == 2


def test_ordinal_sorts_and_deduplicates():
    dim = Ordinal([10, np.int64(1), 100, 1])
    assert dim.values == [1, 10, 100] and all(type(v) is int for v in dim.values)
    assert dim.scale == "log" and Ordinal([1, 2, 3]).scale == "linear"


# --------------------------------------------------------------------------------------
# Errors on sktune's dimensions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Real(1, 1), r"low < high, got low=1, high=1"),
        (lambda: Real(2.0, 1.0), r"low < high, got low=2.0, high=1.0"),
        (lambda: Integer(5, 1), r"low <= high, got low=5, high=1"),
        (lambda: Real(0, 1, prior="log-uniform"), r"low > 0, got low=0.*1e-6"),
        (lambda: Real(-1.0, 1, prior="log-uniform"), r"low > 0, got low=-1.0"),
        (lambda: Integer(0, 10, prior="log-uniform"), r"low > 0, got low=0"),
        (
            lambda: Real(0, 1, prior="log"),
            r"one of \('uniform', 'log-uniform'\), got 'log'",
        ),
        (lambda: Integer(1, 5, prior="normal"), r"Integer prior must be one of"),
        (lambda: Real("0", 1), r"low must be a finite number, got '0'"),
        (lambda: Real(0, float("inf")), r"high must be a finite number, got inf"),
        (lambda: Integer(1.5, 4), r"low must be an integer, got 1.5"),
        (lambda: Categorical([]), r"at least one choice"),
        (lambda: Categorical("rbf"), r"wrap|Categorical\(\['rbf'\]\)"),
        (lambda: Categorical(3), r"Categorical\(\[3\]\)"),
        (lambda: Ordinal([]), r"at least one value"),
    ],
)
def test_dimension_errors_say_what_to_do(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# --------------------------------------------------------------------------------------
# Lists, tuples and arrays, as GridSearchCV and RandomizedSearchCV take them
# --------------------------------------------------------------------------------------


def test_list_of_numbers_is_ordered_discrete():
    dim = dim_of([0.1, 10, 1, np.float64(100.0)])
    assert isinstance(dim, Ordinal) and dim.values == [0.1, 1, 10, 100.0]
    assert [type(v) for v in dim.values] == [float, int, int, float]


@pytest.mark.parametrize(
    "choices",
    [
        ["rbf", "poly", "sigmoid"],
        [None, "balanced"],
        [True, False],
        [(10,), (10, 10), (20, 5)],
        ["auto", 0.1, 1.0],
        [{"a": 1}, {"a": 2}],
    ],
)
def test_list_of_non_numbers_is_categorical(choices):
    dim = dim_of(choices)
    assert isinstance(dim, Categorical) and dim.size == len(choices)
    for choice in choices:
        assert dim.from_unit(dim.to_unit(choice)) == choice


def test_estimator_objects_come_back_as_the_same_objects():
    a, b = DummyRegressor(), DummyRegressor(strategy="median")
    dim = dim_of([a, b])
    assert dim.from_unit(0.1) is a and dim.from_unit(0.9) is b


def test_sequences_other_than_lists():
    assert dim_of(range(1, 4)).values == [1, 2, 3]
    assert dim_of((1, 2, 3)).values == [1, 2, 3]  # a tuple of choices, as in sklearn
    assert dim_of(("a", "b")).values == ["a", "b"]
    array_dim = dim_of(np.array([3, 1, 2]))
    assert array_dim.values == [1, 2, 3] and type(array_dim.values[0]) is int
    strings = dim_of(np.array(["x", "y"]))
    assert isinstance(strings, Categorical) and type(strings.from_unit(0.1)) is str


def test_sktune_dimension_passes_through():
    dim = Real(1, 2)
    assert dim_of(dim) is dim and isinstance(dim, Dimension)


# --------------------------------------------------------------------------------------
# scipy.stats frozen distributions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frozen, low, high",
    [
        (stats.uniform(2, 3), 2.0, 5.0),
        (stats.loguniform(1e-3, 1e3), 1e-3, 1e3),
        (stats.beta(2, 5), 0.0, 1.0),
        (stats.expon(scale=100), 0.0, 100 * -np.log(TAIL_QUANTILE)),
        (stats.norm(1, 2), 1 + 2 * stats.norm.ppf(1e-3), 1 + 2 * stats.norm.ppf(0.999)),
    ],
)
def test_continuous_scipy_keeps_bounded_support_and_cuts_unbounded_tails(
    frozen, low, high
):
    dim = dim_of(frozen)
    assert dim.coordinate.kind == CONTINUOUS
    assert dim.from_unit(0.0) == pytest.approx(low) and dim.from_unit(
        1.0
    ) == pytest.approx(high)
    assert dim.low == pytest.approx(low) and dim.high == pytest.approx(high)


def test_expon_scale_100_is_searched_on_its_central_quantiles():
    dim = dim_of(stats.expon(scale=100))
    assert dim.high == pytest.approx(690.7755, abs=1e-3)
    # A point's coordinate is the distribution's CDF value, rescaled to the kept range.
    assert dim.to_unit(100.0) == pytest.approx(stats.expon.cdf(1) / (1 - TAIL_QUANTILE))


def test_scipy_loguniform_is_searched_in_log_space():
    dim = dim_of(stats.loguniform(1e-2, 1e2))
    assert dim.from_unit(0.5) == pytest.approx(1.0)
    assert dim.from_unit(0.25) == pytest.approx(0.1)
    assert dim.scale == "log"


def test_randint_becomes_its_integers():
    dim = dim_of(stats.randint(1, 10))
    assert dim.values == list(range(1, 10)) and dim.size == 9
    np.testing.assert_allclose(cell_widths(dim), 1 / 9)
    assert type(dim.from_unit(0.5)) is int and repr(dim) == "randint(1, 10)"
    assert dim_of(stats.randint(0, 3, loc=10)).values == [10, 11, 12]


def test_wide_randint_is_accepted():
    dim = dim_of(stats.randint(0, 10**7))
    assert dim.size == 10**7
    assert dim.from_unit(0.0) == 0 and dim.from_unit(1.0) == 10**7 - 1
    assert dim.from_unit(dim.to_unit(1234567)) == 1234567


def test_discrete_scipy_cells_are_pmf_weights():
    bern = dim_of(stats.bernoulli(0.3))
    assert bern.values == [0, 1]
    np.testing.assert_allclose(cell_widths(bern), [0.7, 0.3])
    pois = dim_of(stats.poisson(3))
    last = int(stats.poisson(3).ppf(1 - TAIL_QUANTILE))
    assert pois.values == list(range(0, last + 1))
    pmf = stats.poisson(3).pmf(np.arange(last + 1))
    np.testing.assert_allclose(cell_widths(pois), pmf / pmf.sum())
    assert dim_of(stats.geom(0.5)).values[0] == 1


@pytest.mark.parametrize(
    "frozen, match",
    [
        (_FailingPpf(name="failing")(), r"'p'.*ppf.*failed.*ppf is broken"),
        (_InfinitePpf(name="infinite")(), r"'p'.*finite"),
        (stats.norm(0, -1), r"'p'.*norm\(0, -1\).*finite"),
        (stats.uniform(0, 0), r"'p'.*uniform\(0, 0\)"),
        (_FailingDiscretePpf(name="failing_discrete")(), r"'p'.*ppf.*failed"),
    ],
)
def test_scipy_distribution_with_bad_quantile_function_is_refused(frozen, match):
    with pytest.raises(ValueError, match=match):
        dim_of(frozen)


# --------------------------------------------------------------------------------------
# Any other object with rvs: an empirical quantile map
# --------------------------------------------------------------------------------------


def test_rvs_object_with_integer_draws_is_integer_valued():
    dim = dim_of(FixedChoice([1, 2, 3], p=[0.2, 0.3, 0.5]))
    assert dim.values == [1, 2, 3] and dim.coordinate.kind == ORDINAL
    np.testing.assert_allclose(cell_widths(dim), [0.2, 0.3, 0.5], atol=0.04)
    assert all(type(v) is int for v in draws(FixedChoice([1, 2, 3]), n=50))


def test_rvs_object_with_few_float_values_keeps_those_values():
    dim = dim_of(FixedChoice([0.5, 1.5]))
    assert dim.values == [0.5, 1.5]
    assert set(draws(FixedChoice([0.5, 1.5]), n=100)) == {0.5, 1.5}


def test_rvs_object_with_ints_and_floats_keeps_their_types():
    dim = dim_of(FixedChoice([2.5, 1, 10]))
    assert dim.values == [1, 2.5, 10]
    assert [type(v) for v in dim.values] == [int, float, int]


def test_rvs_object_with_non_numbers_is_categorical():
    est = DummyClassifier()
    dim = dim_of(FixedChoice(["a", 1, True, est]))
    assert dim.coordinate.kind == CATEGORICAL
    assert sorted(map(repr, dim.values)) == sorted(map(repr, ["a", 1, True, est]))
    assert dim.from_unit(dim.to_unit(est)) is est


def test_rvs_object_with_continuous_draws_is_an_empirical_map():
    dim = dim_of(ExpDraws())
    assert isinstance(dim, EmpiricalContinuous) and dim.coordinate.kind == CONTINUOUS
    assert 0 <= dim.low < dim.high
    assert dim.from_unit(0.0) == dim.low and dim.from_unit(1.0) == dim.high
    assert dim.from_unit(0.5) == pytest.approx(2 * np.log(2), rel=0.15)  # the median


def test_unfrozen_scipy_distribution_is_sampled_through_rvs():
    dim = dim_of(stats.uniform)  # the generic, not frozen: it has rvs
    assert 0 <= dim.low < 0.01 and 0.99 < dim.high <= 1


def test_rvs_object_ignoring_size_is_drawn_one_by_one():
    assert dim_of(_ScalarOnly()).values == [5, 6, 7]


def test_broken_rvs_object_names_the_parameter():
    with pytest.raises(ValueError, match=r"'p'.*rvs.*no draws today"):
        dim_of(_Broken())


def test_empirical_map_uses_the_search_random_state():
    same = [dim_of(ExpDraws(), random_state=7).sample for _ in range(2)]
    np.testing.assert_array_equal(*same)
    other = dim_of(ExpDraws(), random_state=8).sample
    assert not np.array_equal(same[0], other)
    generator = np.random.default_rng(7)
    assert dim_of(ExpDraws(), random_state=generator).low > 0


# --------------------------------------------------------------------------------------
# scikit-optimize and Optuna dimension objects
# --------------------------------------------------------------------------------------


def test_skopt_dimensions():
    space = pytest.importorskip("skopt.space")
    assert dim_of(space.Real(1e-6, 1e6, prior="log-uniform")) == Real(
        1e-6, 1e6, prior="log-uniform"
    )
    assert dim_of(space.Real(0, 1)) == Real(0, 1)
    assert dim_of(space.Real(1e-3, 1, prior="log-uniform", base=2)) == Real(
        1e-3, 1, prior="log-uniform"
    )
    assert dim_of(space.Integer(1, 8)) == Integer(1, 8)
    assert dim_of(space.Integer(2, 512, prior="log-uniform")) == Integer(
        2, 512, prior="log-uniform"
    )
    dim = dim_of(space.Categorical(["linear", "rbf", None]))
    assert isinstance(dim, Categorical) and dim.values == ["linear", "rbf", None]


def test_skopt_search_spaces_dict_works_unchanged():
    space = pytest.importorskip("skopt.space")
    search_spaces = {
        "C": space.Real(1e-6, 1e6, prior="log-uniform"),
        "degree": space.Integer(1, 8),
        "kernel": space.Categorical(["linear", "poly", "rbf"]),
    }
    (params,) = Space.from_user(search_spaces).subspaces[0].sample(1, 0)
    assert type(params["C"]) is float and type(params["degree"]) is int
    assert params["kernel"] in ("linear", "poly", "rbf")


def test_optuna_distributions():
    dist = pytest.importorskip("optuna.distributions")
    assert dim_of(dist.FloatDistribution(0, 1)) == Real(0, 1)
    assert dim_of(dist.FloatDistribution(1e-5, 1e-1, log=True)) == Real(
        1e-5, 1e-1, prior="log-uniform"
    )
    assert dim_of(dist.FloatDistribution(0, 1, step=0.25)).values == [
        0,
        0.25,
        0.5,
        0.75,
        1,
    ]
    tenths = dim_of(dist.FloatDistribution(0, 1, step=0.1))
    assert tenths.values == [i / 10 for i in range(11)]  # 0.3, not 0.30000000000000004
    assert tenths.from_unit(tenths.to_unit(0.3)) == 0.3
    assert dim_of(dist.IntDistribution(1, 10)) == Integer(1, 10)
    assert dim_of(dist.IntDistribution(1, 1024, log=True)) == Integer(
        1, 1024, prior="log-uniform"
    )
    assert dim_of(dist.IntDistribution(0, 10, step=2)).values == [0, 2, 4, 6, 8, 10]
    cat = dim_of(dist.CategoricalDistribution(["adam", None, 3]))
    assert isinstance(cat, Categorical) and cat.values == ["adam", None, 3]


def _foreign(module, name, **attributes):
    """An object that looks like a foreign dimension, with no package behind it."""
    cls = type(name, (), {"__module__": module})
    obj = cls()
    obj.__dict__.update(attributes)
    return obj


def test_foreign_objects_are_read_by_attribute_alone():
    real = _foreign(
        "skopt.space.space", "Real", low=0.1, high=10.0, prior="log-uniform"
    )
    assert dim_of(real) == Real(0.1, 10, prior="log-uniform")
    cat = _foreign("skopt.space.space", "Categorical", categories=("a", "b"))
    assert dim_of(cat) == Categorical(["a", "b"])
    integer = _foreign(
        "optuna.distributions", "IntDistribution", low=1, high=4, log=False, step=1
    )
    assert dim_of(integer) == Integer(1, 4)
    flt = _foreign(
        "optuna.distributions",
        "FloatDistribution",
        low=0.0,
        high=1.0,
        log=True,
        step=None,
    )
    with pytest.raises(ValueError, match="low > 0"):
        dim_of(flt)


# --------------------------------------------------------------------------------------
# Errors on what users pass
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, error, match",
    [
        (
            "rbf",
            TypeError,
            r"Parameter 'p' is the single value 'rbf'.*wrap it in a list: \['rbf'\]",
        ),
        (3, TypeError, r"'p'.*single value 3.*wrap it in a list: \[3\]"),
        (0.5, TypeError, r"'p'.*wrap it in a list: \[0.5\]"),
        (None, TypeError, r"'p'.*wrap it in a list: \[None\]"),
        (True, TypeError, r"'p'.*wrap it in a list: \[True\]"),
        ([], ValueError, r"Parameter 'p' has an empty list"),
        (np.array([]), ValueError, r"'p'.*empty"),
        (
            (1e-6, 1e6, "log-uniform"),
            ValueError,
            r"'p'.*Real\(1e-06, 1000000.0, prior='log-uniform'\)",
        ),
        (
            (1, 100, "log-uniform"),
            ValueError,
            r"Integer\(1, 100, prior='log-uniform'\)",
        ),
        ((0.0, 1.0, "uniform"), ValueError, r"Real\(0.0, 1.0, prior='uniform'\)"),
        ("1..10", TypeError, r"'p' is the string '1..10'.*Integer\(1, 10\).*Real\(1, 10\)"),
        ("1-10", TypeError, r"not a range.*Integer\(1, 10\)"),
        ("1e-3..1e3", TypeError, r"not a range.*Real\(1e-3, 1e3\) \(from sktune"),
        ("0.1 to 0.5", TypeError, r"Real\(0.1, 0.5\)"),
        ({"a": 1}, TypeError, r"'p' is a dict"),
        (object(), TypeError, r"'p' is <object.*neither a list"),
    ],
)
def test_user_value_errors_name_the_parameter_and_the_fix(value, error, match):
    with pytest.raises(error, match=match):
        Space.from_user({"p": value})


@pytest.mark.parametrize(
    "value, dimension",
    [((1e-6, 1e6), "Real(1e-06, 1000000.0)"), ((1, 5), "Integer(1, 5)")],
)
def test_two_number_tuple_is_two_values_with_a_warning(value, dimension):
    with pytest.warns(UserWarning, match=re.escape(dimension)) as caught:
        space = Space.from_user({"p": value})
    assert "two values only, as scikit-learn does" in str(caught[0].message)
    assert space.subspaces[0].dimensions["p"].values == list(value)


def test_other_tuples_are_choices_without_a_warning(recwarn):
    space = Space.from_user({"p": (1, 2, 3), "q": ("l1", "l2"), "r": ((1, 1), (1, 2))})
    assert not [w for w in recwarn if "tuple" in str(w.message)]
    assert space.size == 3 * 2 * 2


@pytest.mark.parametrize(
    "param_distributions, error, match",
    [
        ({}, ValueError, "empty dict"),
        ([], ValueError, "empty list"),
        ([{"a": [1]}, {}], ValueError, "empty dict"),
        ("C", TypeError, "dict or a list of dicts, got str"),
        (None, TypeError, "dict or a list of dicts, got NoneType"),
        ([{"a": [1]}, [1, 2]], TypeError, "dict or a list of dicts"),
        ({1: [1, 2]}, TypeError, "names must be strings, got 1"),
    ],
)
def test_param_distributions_errors(param_distributions, error, match):
    with pytest.raises(error, match=match):
        Space.from_user(param_distributions)


# --------------------------------------------------------------------------------------
# Round trips through the unit cube, over many random points
# --------------------------------------------------------------------------------------

ROUND_TRIP_CASES = {
    "real": Real(-3, 5),
    "real-log": Real(1e-6, 1e6, prior="log-uniform"),
    "integer": Integer(-5, 40),
    "integer-log": Integer(1, 1000, prior="log-uniform"),
    "integer-wide": Integer(0, 10**9),
    "integer-wide-log": Integer(1, 10**9, prior="log-uniform"),
    "categorical": ["a", None, (1, 2), True, 2.5],
    "ordinal": [1e-3, 0.1, 1, 10],
    "uniform": stats.uniform(1, 2),
    "loguniform": stats.loguniform(1e-4, 1),
    "expon": stats.expon(scale=100),
    "norm": stats.norm(5, 2),
    "randint": stats.randint(0, 50),
    "bernoulli": stats.bernoulli(0.3),
    "poisson": stats.poisson(4),
    "empirical-int": FixedChoice([4, 8, 16]),
    "empirical-float": ExpDraws(),
    "empirical-categorical": FixedChoice(["x", "y", None]),
}


@pytest.mark.parametrize("name", list(ROUND_TRIP_CASES))
def test_unit_cube_round_trips(name):
    dim = dim_of(ROUND_TRIP_CASES[name])
    coord = dim.coordinate
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    for u in np.concatenate([rng.random(300), [0.0, 1.0]]):
        value = dim.from_unit(u)
        assert type(value) in (int, float, str, tuple, bool, type(None)), type(value)
        back = dim.to_unit(value)
        assert type(back) is float and 0.0 <= back <= 1.0
        again = dim.from_unit(back)
        if isinstance(value, float) and not coord.is_discrete:
            assert math.isclose(again, value, rel_tol=1e-9, abs_tol=1e-12)
        else:
            assert again == value and type(again) is type(value)
        if coord.is_discrete:
            assert coord.level_of(back) == coord.level_of(u)  # same cell
        elif isinstance(value, float):
            assert back == pytest.approx(u, abs=1e-7)
    if coord.is_discrete:
        for value in dim.values:
            assert dim.from_unit(dim.to_unit(value)) is value


# --------------------------------------------------------------------------------------
# Sampling: the prior's shape, checked with statistical tests at a fixed seed
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [Real(1e-3, 1e3, prior="log-uniform"), stats.loguniform(1e-3, 1e3)],
    ids=["Real", "scipy"],
)
def test_log_uniform_sample_log_is_uniform(value):
    sample = np.log10(draws(value))
    assert sample.min() >= -3 and sample.max() <= 3
    assert stats.kstest(sample, stats.uniform(-3, 6).cdf).pvalue > P_MIN


def test_real_uniform_sample_is_uniform():
    assert stats.kstest(draws(Real(2, 4)), stats.uniform(2, 2).cdf).pvalue > P_MIN


def test_expon_sample_follows_expon_truncated_at_its_999_quantile():
    frozen = stats.expon(scale=100)
    sample = np.array(draws(frozen))
    cut = frozen.ppf(1 - TAIL_QUANTILE)
    assert sample.min() >= 0 and sample.max() <= cut
    truncated = lambda x: frozen.cdf(x) / (1 - TAIL_QUANTILE)  # noqa: E731
    assert stats.kstest(sample, truncated).pvalue > P_MIN


def test_norm_sample_follows_norm_cut_at_both_tails():
    sample = np.array(draws(stats.norm(0, 1)))
    lo, hi = stats.norm.ppf([TAIL_QUANTILE, 1 - TAIL_QUANTILE])
    assert lo <= sample.min() and sample.max() <= hi
    truncated = lambda x: (stats.norm.cdf(x) - TAIL_QUANTILE) / (1 - 2 * TAIL_QUANTILE)  # noqa: E731
    assert stats.kstest(sample, truncated).pvalue > P_MIN


def _chisquare_pvalue(sample, values, probabilities):
    counts = np.array([sum(1 for s in sample if s == v) for v in values])
    assert counts.sum() == len(sample)  # nothing outside the values
    expected = np.asarray(probabilities) / np.sum(probabilities) * len(sample)
    return stats.chisquare(counts, expected).pvalue


def test_randint_levels_are_uniform():
    sample = draws(stats.randint(1, 11))
    assert _chisquare_pvalue(sample, range(1, 11), np.ones(10)) > P_MIN


def test_integer_uniform_levels_are_uniform():
    sample = draws(Integer(0, 7))
    assert _chisquare_pvalue(sample, range(8), np.ones(8)) > P_MIN


def test_integer_log_uniform_frequencies_follow_log1p_weights():
    sample = draws(Integer(1, 16, prior="log-uniform"))
    k = np.arange(1, 17)
    assert _chisquare_pvalue(sample, k, np.log1p(1 / k)) > P_MIN


def test_bernoulli_gives_about_30_percent_ones():
    sample = draws(stats.bernoulli(0.3))
    assert set(sample) == {0, 1}
    assert stats.binomtest(sum(sample), len(sample), 0.3).pvalue > P_MIN


def test_poisson_frequencies_follow_its_pmf():
    frozen = stats.poisson(3)
    sample = draws(frozen)
    values = np.arange(int(frozen.ppf(1 - TAIL_QUANTILE)) + 1)
    # chisquare needs expected counts >= 5: lump the tail into one bin.
    head = values[values <= 7]
    counts_tail = sum(1 for s in sample if s > 7)
    counts = [sum(1 for s in sample if s == v) for v in head] + [counts_tail]
    pmf = frozen.pmf(values)
    probabilities = np.append(pmf[: len(head)], pmf[len(head) :].sum()) / pmf.sum()
    assert stats.chisquare(counts, probabilities * len(sample)).pvalue > P_MIN


def test_categorical_choices_are_equally_likely():
    sample = draws(["a", "b", "c", None])
    assert _chisquare_pvalue(sample, ["a", "b", "c", None], np.ones(4)) > P_MIN


def test_empirical_categorical_follows_the_object_frequencies():
    sample = draws(FixedChoice(["x", "y"], p=[0.8, 0.2]))
    assert stats.binomtest(sample.count("y"), len(sample), 0.2).pvalue > P_MIN


def test_empirical_continuous_follows_the_object_distribution():
    sample = draws(ExpDraws())
    assert stats.kstest(sample, stats.expon(scale=2).cdf).pvalue > P_MIN


# --------------------------------------------------------------------------------------
# Space and SubSpace
# --------------------------------------------------------------------------------------


def test_sample_returns_plain_python_values_and_is_reproducible():
    est = DummyClassifier()
    user = {
        "C": stats.loguniform(1e-3, 1e3),
        "gamma": stats.expon(scale=0.1),
        "degree": stats.randint(1, 6),
        "n": Integer(1, 100, prior="log-uniform"),
        "alpha": Real(0, 1),
        "kernel": ["rbf", "poly"],
        "est": [est, None],
        "layers": [(10,), (10, 10)],
        "tol": [1e-4, 1e-3],
        "class_weight": [None, "balanced"],
        "flag": stats.bernoulli(0.5),
    }
    sub = Space.from_user(user).subspaces[0]
    first = sub.sample(50, np.random.default_rng(3))
    assert first == sub.sample(50, np.random.default_rng(3))
    assert first != sub.sample(50, np.random.default_rng(4))
    assert sub.sample(5, 3) == first[:5]  # an int seed works too
    for params in first:
        assert list(params) == list(user)
        assert type(params["C"]) is float and type(params["gamma"]) is float
        assert type(params["degree"]) is int and type(params["n"]) is int
        assert type(params["alpha"]) is float and type(params["tol"]) is float
        assert type(params["flag"]) is int
        assert params["est"] is est or params["est"] is None
        assert params["layers"] in [(10,), (10, 10)]
        assert not any(isinstance(v, np.generic) for v in params.values())
        np.testing.assert_allclose(sub.from_unit(sub.to_unit(params))["C"], params["C"])


def test_subspace_maps_dicts_to_points_and_back():
    space = Space.from_user(
        {
            "C": stats.loguniform(1e-3, 1e3),
            "degree": Integer(1, 5),
            "kernel": ["rbf", "poly"],
        }
    )
    sub = space.subspaces[0]
    assert (
        isinstance(sub, SubSpace)
        and sub.n_dims == 3
        and sub.names == ["C", "degree", "kernel"]
    )
    assert sub.from_unit([0.5, 0.5, 0.9]) == {"C": 1.0, "degree": 3, "kernel": "poly"}
    point = sub.to_unit({"kernel": "rbf", "C": 10.0, "degree": 1, "ignored": 0})
    assert point.shape == (3,)
    np.testing.assert_allclose(point, [2 / 3, 0.1, 0.25])
    assert sub.coordinates == tuple(d.coordinate for d in sub.dimensions.values())
    assert "'kernel': Categorical(['rbf', 'poly'])" in repr(space)


def test_subspace_from_unit_checks_the_point_length():
    sub = Space.from_user({"a": Real(0, 1), "b": [1, 2]}).subspaces[0]
    with pytest.raises(ValueError, match="2 coordinates, got 1"):
        sub.from_unit([0.5])


def test_list_of_dicts_is_a_union_of_subspaces():
    grid = [
        {"kernel": ["linear"], "C": [1, 10, 100]},
        {"kernel": ["rbf"], "C": [1, 10], "gamma": [1e-3, 1e-4]},
    ]
    space = Space.from_user(grid)
    assert len(space.subspaces) == 2
    assert space.names == ["kernel", "C", "gamma"]
    assert [s.size for s in space.subspaces] == [3, 4] and space.size == 7
    assert Space.from_user(tuple(grid)).size == 7
    for params in space.subspaces[1].sample(10, 0):
        assert set(params) == {"kernel", "C", "gamma"} and params["kernel"] == "rbf"


def test_space_size_is_infinite_with_a_continuous_dimension():
    assert Space.from_user({"a": Real(0, 1), "b": [1, 2]}).size == math.inf
    assert Space.from_user({"a": Integer(1, 10**6), "b": [1, 2]}).size == 2 * 10**6


def test_sklearn_user_guide_svc_distributions():
    space = Space.from_user(
        {
            "C": stats.expon(scale=100),
            "gamma": stats.expon(scale=0.1),
            "kernel": ["rbf"],
            "class_weight": ["balanced", None],
        }
    )
    sub = space.subspaces[0]
    for params in sub.sample(20, 0):
        assert 0 <= params["C"] <= 690.8 and 0 <= params["gamma"] <= 0.6908
        assert params["kernel"] == "rbf" and params["class_weight"] in (
            "balanced",
            None,
        )

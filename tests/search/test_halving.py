"""HalvingBayesSearchCV: HalvingRandomSearchCV's schedule and API, Bayesian candidates."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from scipy.stats import loguniform, uniform
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris, make_classification
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import HalvingRandomSearchCV, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from sktune import HalvingBayesSearchCV, Integer
from sktune._budget import Budget
from sktune.search._schedule import (
    bracket_shape,
    first_rung_batch,
    halving_schedule,
    lpt_utilisation,
    n_new_to_balance,
)

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X, Y = make_classification(n_samples=300, n_features=6, random_state=0)


FIT_LOGS = {}  # log name -> one entry per BudgetProbe.fit in this process


class BudgetProbe(ClassifierMixin, BaseEstimator):
    """A nearest-centroid-like classifier with a budget it records.

    ``fit`` appends ``(type of budget, state directory, it existed)`` to
    ``FIT_LOGS[log]`` (n_jobs=1 only: clones share the name, not a list), and
    scores better with a larger ``budget`` and a ``C`` near 1.
    """

    def __init__(self, budget=10, C=1.0, log=None):
        self.budget = budget
        self.C = C
        self.log = log

    def fit(self, X, y):
        if self.log is not None:
            directory = getattr(self.budget, "directory", None)
            FIT_LOGS.setdefault(self.log, []).append(
                (type(self.budget), directory, directory is not None and os.path.isdir(directory))
            )
        self.classes_ = np.unique(y)
        self.centroids_ = np.array([X[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict(self, X):
        distances = ((X[:, None, :] - self.centroids_[None]) ** 2).sum(axis=2)
        return self.classes_[distances.argmin(axis=1)]

    def score(self, X, y):
        accuracy = float((self.predict(X) == y).mean())
        return accuracy - abs(np.log10(self.C)) * 0.05 - 1.0 / self.budget


# -- the schedule -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        pytest.param({"factor": 2}, marks=pytest.mark.slow),
        {"n_candidates": 20, "min_resources": 3},
        {"n_candidates": 7, "min_resources": "exhaust"},
        pytest.param(
            {"n_candidates": 30, "aggressive_elimination": True, "min_resources": 4},
            marks=pytest.mark.slow,
        ),
        pytest.param({"factor": 4.5, "max_resources": 100}, marks=pytest.mark.slow),
    ],
    ids=repr,
)
def test_schedule_matches_halving_random_search(kwargs):
    kwargs = {"resource": "n_neighbors", "max_resources": 30, "cv": 2, **kwargs}
    distributions = {"p": uniform(1, 2)}
    reference = HalvingRandomSearchCV(
        KNeighborsClassifier(), distributions, random_state=0, **kwargs
    ).fit(X, Y)
    search = HalvingBayesSearchCV(
        KNeighborsClassifier(), distributions, random_state=0, **kwargs
    ).fit(X, Y)
    for name in (
        "n_resources_",
        "n_candidates_",
        "n_iterations_",
        "n_required_iterations_",
        "n_possible_iterations_",
        "n_remaining_candidates_",
        "min_resources_",
        "max_resources_",
    ):
        assert getattr(search, name) == getattr(reference, name), name
    for column in ("iter", "n_resources"):
        np.testing.assert_array_equal(
            np.sort(search.cv_results_[column]), np.sort(reference.cv_results_[column])
        )


def test_schedule_with_n_samples_matches_halving_random_search():
    distributions = {"C": loguniform(1e-2, 1e2)}
    reference = HalvingRandomSearchCV(SVC(), distributions, cv=3, random_state=0).fit(
        X_IRIS, Y_IRIS
    )
    search = HalvingBayesSearchCV(SVC(), distributions, cv=3, random_state=0).fit(
        X_IRIS, Y_IRIS
    )
    assert search.n_resources_ == reference.n_resources_
    assert search.n_candidates_ == reference.n_candidates_
    assert search.min_resources_ == reference.min_resources_ == 2 * 3 * 3


def schedule_up_to_27():
    """The schedule of 1 to 27 units with factor 3, as HalvingRandomSearchCV's defaults give it."""
    return halving_schedule(
        n_candidates="exhaust",
        min_resources=1,
        max_resources=27,
        factor=3,
        aggressive_elimination=False,
        min_resources_exhaust=False,
    )


def test_schedule_arithmetic_on_its_own():
    schedule = schedule_up_to_27()
    assert schedule.n_resources == (1, 3, 9, 27)
    assert schedule.n_candidates == (27, 9, 3, 1)
    # 27 + 27 + 27 + 27 epochs: the work of four full trainings.
    assert schedule.full_budget_equivalents == 4


def test_hyperband_brackets_are_those_of_the_hyperband_paper():
    schedule = schedule_up_to_27()
    # Li et al. (2018), Table 1 for R=27 and eta=3: brackets of 27, 12, 6 and 4
    # candidates starting with 1, 3, 9 and 27 units; then the cycle starts again.
    shapes = [bracket_shape(schedule, i, "hyperband") for i in range(6)]
    assert shapes == [(0, 27), (1, 12), (2, 6), (3, 4), (0, 27), (1, 12)]
    assert {bracket_shape(schedule, i, "repeat") for i in range(6)} == {(0, 27)}
    with pytest.raises(ValueError, match="bracket_schedule must be one of"):
        bracket_shape(schedule, 0, "bohb")


def test_step_balancing_adds_short_tasks_until_workers_are_busy():
    long_tasks = [27.0] * 3  # one candidate promoted to 27 epochs, 3 folds
    assert lpt_utilisation(long_tasks, 2) == pytest.approx(81 / 108)
    n_new = n_new_to_balance(long_tasks, [1.0] * 3, n_workers=2, n_available=100)
    assert lpt_utilisation(long_tasks + [1.0] * 3 * n_new, 2) >= 0.9
    assert lpt_utilisation(long_tasks + [1.0] * 3 * (n_new - 1), 2) < 0.9
    assert n_new_to_balance(long_tasks, [1.0] * 3, n_workers=1, n_available=100) == 0


# -- results --------------------------------------------------------------------------------------
def test_cv_results_hold_plain_resources_and_halving_columns():
    search = HalvingBayesSearchCV(
        BudgetProbe(log="columns"),
        {"C": loguniform(1e-3, 1e3)},
        resource="budget",
        max_resources=27,
        cv=2,
        random_state=0,
    ).fit(X, Y)
    results = search.cv_results_
    assert {"iter", "n_resources", "param_budget"} <= set(results)
    assert "bracket" not in results  # one bracket: the columns of HalvingRandomSearchCV
    assert all(type(p["budget"]) is int for p in results["params"])
    np.testing.assert_array_equal(results["param_budget"], results["n_resources"])
    assert type(search.best_params_["budget"]) is int
    np.testing.assert_array_equal(
        results["n_resources"], [search.n_resources_[i] for i in results["iter"]]
    )
    # Every fit saw a Budget whose state directory existed during the search;
    # the refit (the last fit) gets the plain best parameters.
    log = FIT_LOGS.pop("columns")
    assert len(log) == 2 * len(results["params"]) + 1
    assert all(kind is Budget and existed for kind, _, existed in log[:-1])
    assert log[-1][0] is int
    # The states' directory is removed at the end of fit.
    assert not os.path.exists(log[0][1])


def test_best_candidate_comes_from_the_largest_budget():
    search = HalvingBayesSearchCV(
        BudgetProbe(), {"C": loguniform(1e-3, 1e3)}, resource="budget",
        max_resources=27, cv=2, random_state=0,
    ).fit(X, Y)
    results = search.cv_results_
    assert results["n_resources"][search.best_index_] == 27
    top = results["n_resources"] == 27
    assert search.best_score_ == np.nanmax(results["mean_test_score"][top])
    assert search.best_params_["budget"] == 27


def test_promoted_candidates_are_the_best_of_their_rung():
    search = HalvingBayesSearchCV(
        BudgetProbe(), {"C": loguniform(1e-3, 1e3)}, resource="budget",
        max_resources=9, cv=2, random_state=0,
    ).fit(X, Y)
    results = search.cv_results_
    c_values = np.array([p["C"] for p in results["params"]])
    first = results["iter"] == 0
    promoted = set(c_values[results["iter"] == 1])
    scores = results["mean_test_score"][first]
    best_first = set(c_values[first][np.argsort(-scores)[: len(promoted)]])
    assert promoted == best_first


def test_random_state_makes_the_search_reproducible():
    def run():
        return HalvingBayesSearchCV(
            SVC(), {"C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-3, 1)},
            cv=3, random_state=3,
        ).fit(X, Y).cv_results_["params"]

    assert run() == run()


def test_brackets_repeat_and_later_ones_learn_from_larger_budgets():
    kwargs = {"resource": "budget", "max_resources": 9, "cv": 2, "random_state": 0}
    space = {"C": loguniform(1e-3, 1e3)}
    search = HalvingBayesSearchCV(
        BudgetProbe(), space, n_brackets=4, n_initial_points=2, bracket_schedule="repeat",
        **kwargs,
    ).fit(X, Y)
    one = HalvingBayesSearchCV(BudgetProbe(), space, **kwargs).fit(X, Y)
    assert search.n_brackets_ == 4
    assert search.n_candidates_ == [4 * n for n in one.n_candidates_]
    assert sorted(set(search.cv_results_["bracket"])) == [0, 1, 2, 3]
    # After the initial design, a surrogate of every rung reached proposes.
    rungs = search.optimizers_[0].model_rungs_
    assert rungs[0] is None and rungs[-1] == search.n_iterations_ - 1
    assert search.stop_reason_ == "n_brackets"


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_hyperband_brackets_start_higher_and_keep_halving(n_jobs):
    search = HalvingBayesSearchCV(
        BudgetProbe(), {"C": loguniform(1e-3, 1e3)}, resource="budget", max_resources=9,
        cv=2, n_brackets=4, bracket_schedule="hyperband", random_state=0, n_jobs=n_jobs,
    ).fit(X, Y)
    results = search.cv_results_
    per_bracket = {}
    for bracket, rung, n_resources in zip(
        results["bracket"], results["iter"], results["n_resources"], strict=True
    ):
        assert n_resources == (1, 3, 9)[rung]
        counts = per_bracket.setdefault(int(bracket), {})
        counts[int(rung)] = counts.get(int(rung), 0) + 1
    # Rungs 1, 3 and 9 with 9 candidates at the first: the second bracket
    # starts at 3 with ceil(9 * 3 / (2 * 3)) = 5, the third at 9 with 3, the
    # fourth is the first again; every bracket keeps the best third.
    assert per_bracket == {
        0: {0: 9, 1: 3, 2: 1}, 1: {1: 5, 2: 2}, 2: {2: 3}, 3: {0: 9, 1: 3, 2: 1}
    }
    assert search.n_candidates_ == [18, 11, 7]
    assert search.n_resources_ == [1, 3, 9]
    assert results["n_resources"][search.best_index_] == 9
    # No candidate is evaluated as new twice, whichever rung its bracket starts at.
    first = {}
    for params, bracket in zip(results["params"], results["bracket"], strict=True):
        first.setdefault(params["C"], bracket)
        assert first[params["C"]] == bracket


def test_brackets_repeat_until_a_stopping_rule():
    search = HalvingBayesSearchCV(
        BudgetProbe(), {"C": loguniform(1e-3, 1e3)}, resource="budget",
        max_resources=9, cv=2, n_brackets=None, n_iter_no_change=3, random_state=0,
    ).fit(X, Y)
    assert search.n_brackets_ > 1
    assert search.stop_reason_.startswith("n_iter_no_change")


def test_resource_in_a_pipeline_and_failed_candidates():
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SGDClassifier(random_state=0))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = HalvingBayesSearchCV(
            pipe,
            {"clf__alpha": loguniform(1e-6, 1e-1), "clf__loss": ["hinge", "no-such-loss"]},
            resource="clf__max_iter", max_resources=27, cv=2, random_state=0,
        ).fit(X, Y)
    results = search.cv_results_
    failed = np.isnan(results["mean_test_score"])
    assert failed.any() and not failed.all()
    # A failed candidate is never promoted while a successful one can be.
    assert not failed[results["iter"] == search.n_iterations_ - 1].any()
    assert search.best_params_["clf__loss"] == "hinge"


@pytest.mark.slow
def test_parallel_steps_pipeline_brackets_and_keep_reproducibility():
    def run():
        return HalvingBayesSearchCV(
            BudgetProbe(), {"C": loguniform(1e-3, 1e3)}, resource="budget",
            max_resources=27, cv=2, n_brackets=2, bracket_schedule="repeat", n_jobs=2,
            random_state=0,
        ).fit(X, Y)

    search = run()
    brackets = list(search.cv_results_["bracket"])
    # The second bracket starts before the first one's last rung has run.
    last_of_first = len(brackets) - 1 - brackets[::-1].index(0)
    assert brackets.index(1) < last_of_first
    assert search.n_candidates_ == [2 * n for n in (27, 9, 3, 1)]
    assert run().cv_results_["params"] == search.cv_results_["params"]


@pytest.mark.parametrize(
    "n_workers, n_splits, expected",
    [(1, 3, 1), (2, 3, 4), (2, 5, 2), (4, 5, 4), (3, 3, 4), (8, 3, 16)],
)
def test_first_rung_batches_give_every_worker_as_many_fits(n_workers, n_splits, expected):
    # At least four fits per worker, and the same number for each: 3 candidates
    # on 3 folds would leave one of 2 workers alone with the ninth fit.
    n = first_rung_batch(n_workers, n_splits)
    assert n == expected
    if n_workers > 1:
        assert n * n_splits >= 4 * n_workers and (n * n_splits) % n_workers == 0


def test_search_proposes_first_rung_batches_for_its_workers():
    search = HalvingBayesSearchCV(BudgetProbe(), {"C": loguniform(1e-3, 1e3)}, n_jobs=2)
    search._n_splits = 3
    assert search._batch_size() == 4  # 12 fits: 6 for each of the 2 workers
    assert search.set_params(n_points=3)._batch_size() == 3


# -- bad input fails before any fit ------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"resource": "epochs"}, ValueError, r"resource=epochs which is not supported.*budget"),
        ({"resource": "budget", "min_resources": 30, "max_resources": 10}, ValueError,
         r"min_resources_=30 is greater than max_resources_=10"),
        ({"factor": 1.5}, InvalidParameterError, r"factor"),
        ({"resource": "C", "max_resources": 10}, ValueError, r"part of the searched parameters"),
        ({"min_resources": "exhaust", "n_candidates": "exhaust"}, ValueError, r"both set to 'exhaust'"),
        ({"n_brackets": None}, ValueError, r"max_time, n_iter_no_change and target_score"),
        ({"bracket_schedule": "bohb"}, InvalidParameterError, r"bracket_schedule"),
        ({"cv": KFold(3, shuffle=True)}, ValueError, r"consistent folds"),
    ],
)
def test_bad_input_fails_before_any_fit(kwargs, error, match):
    search = HalvingBayesSearchCV(
        BudgetProbe(log="bad input"), {"C": loguniform(1e-3, 1e3)}, **{"cv": 2, **kwargs}
    )
    with pytest.raises(error, match=match):
        search.fit(X, Y)
    assert "bad input" not in FIT_LOGS


def test_max_resources_auto_needs_an_integer_resource():
    search = HalvingBayesSearchCV(
        BudgetProbe(budget=2.5, log="auto"), {"C": loguniform(1e-3, 1e3)},
        resource="budget", cv=2,
    )
    with pytest.raises(ValueError, match=r"estimator's budget is a positive int.*it is 2.5"):
        search.fit(X, Y)
    assert "auto" not in FIT_LOGS


def test_max_resources_auto_takes_the_estimators_own_value():
    search = HalvingBayesSearchCV(
        BudgetProbe(budget=9), {"C": loguniform(1e-3, 1e3)}, resource="budget",
        cv=2, random_state=0,
    ).fit(X, Y)
    assert search.max_resources_ == 9
    assert search.n_resources_ == [1, 3, 9]


def test_integer_space_smaller_than_the_first_rung():
    search = HalvingBayesSearchCV(
        BudgetProbe(), {"C": [0.1, 1.0, 10.0]}, resource="budget",
        max_resources=27, cv=2, random_state=0,
    ).fit(X, Y)
    assert search.n_candidates_[0] == 3
    assert search.stop_reason_ == "n_brackets"


def test_sub_spaces_share_the_first_rung():
    search = HalvingBayesSearchCV(
        BudgetProbe(),
        [{"C": loguniform(1e-3, 1e-1)}, {"C": Integer(1, 100)}],
        resource="budget", max_resources=9, cv=2, random_state=0,
    ).fit(X, Y)
    subspaces = search.cv_results_["subspace"][search.cv_results_["iter"] == 0]
    assert sorted(np.bincount(subspaces)) == [4, 5]


# -- checkpoints: every budget's evaluations are re-used ------------------------------------
class LoggedBudgetProbe(BudgetProbe):
    """BudgetProbe that appends each fit's budget to the file ``log_path`` and sleeps."""

    def __init__(self, budget=10, C=1.0, log=None, log_path=None, sleep=0.0):
        super().__init__(budget=budget, C=C, log=log)
        self.log_path = log_path
        self.sleep = sleep

    def fit(self, X, y):
        if self.log_path is not None:
            with open(self.log_path, "a") as f:
                f.write(f"{int(self.budget)}\n")
        time.sleep(self.sleep)
        return super().fit(X, y)


def halving_with_checkpoint(path, log_path=None, sleep=0.0, **kwargs):
    settings = {
        "resource": "budget", "max_resources": 9, "cv": 2, "n_brackets": 2,
        "random_state": 0, "checkpoint": path, **kwargs,
    }
    estimator = LoggedBudgetProbe(log_path=log_path, sleep=sleep)
    return HalvingBayesSearchCV(estimator, {"C": loguniform(1e-3, 1e3)}, **settings)


def fits_logged(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [int(line) for line in f if line.strip()]


def same_halving_search(a, b):
    for key in ("params", "mean_test_score", "iter", "n_resources", "bracket"):
        if key == "params":
            assert a.cv_results_[key] == b.cv_results_[key]
        else:
            np.testing.assert_array_equal(a.cv_results_[key], b.cv_results_[key], err_msg=key)
    assert a.best_params_ == b.best_params_ and a.n_candidates_ == b.n_candidates_


@pytest.mark.parametrize("bracket_schedule", ["repeat", "hyperband"])
def test_finished_halving_search_run_again_only_refits(tmp_path, bracket_schedule):
    path, log = tmp_path / "search.jsonl", tmp_path / "fits.txt"
    kwargs = {"bracket_schedule": bracket_schedule, "n_brackets": 3}
    first = halving_with_checkpoint(path, log_path=str(log), **kwargs).fit(X, Y)
    n_fits = len(fits_logged(log))
    again = halving_with_checkpoint(path, log_path=str(log), **kwargs).fit(X, Y)
    assert fits_logged(log)[n_fits:] == [9]  # the refit, with the largest budget
    same_halving_search(again, first)


def test_halving_checkpoint_refuses_other_halving_settings(tmp_path):
    path = tmp_path / "search.jsonl"
    halving_with_checkpoint(path, n_brackets=1).fit(X, Y)
    with pytest.raises(ValueError, match=r"successive-halving settings differ"):
        halving_with_checkpoint(path, n_brackets=1, factor=2).fit(X, Y)
    with pytest.raises(ValueError, match=r"successive-halving settings differ"):
        halving_with_checkpoint(path, n_brackets=1, bracket_schedule="repeat").fit(X, Y)


@pytest.mark.slow
def test_killed_halving_search_resumes_as_if_it_never_stopped(tmp_path):
    path, log = tmp_path / "killed.jsonl", tmp_path / "fits.txt"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {root!r})
        from tests.search.test_halving import X, Y, halving_with_checkpoint
        halving_with_checkpoint({str(path)!r}, log_path={str(log)!r}, sleep=0.05).fit(X, Y)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        # Kill once the first bracket has records at two budgets (9 at the first
        # rung, 3 at the second), while the second bracket is under way.
        deadline = time.monotonic() + 120
        while sum(1 for n in fits_logged(log) if n == 3) < 2 * 3 + 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    with open(path) as f:
        records = [json.loads(line) for line in f][1:]
    budgets = {record["more"]["n_resources"] for record in records}
    assert {1, 3} <= budgets
    fits_before = len(fits_logged(log))

    resumed = halving_with_checkpoint(path, log_path=str(log), sleep=0.05).fit(X, Y)
    reference = halving_with_checkpoint(None).fit(X, Y)
    same_halving_search(resumed, reference)
    # Only what the checkpoint did not hold was fitted (and the refit).
    n_rows = len(resumed.cv_results_["params"])
    assert len(fits_logged(log)) - fits_before == 2 * (n_rows - len(records)) + 1



def test_a_generator_of_splits_works_as_in_halving_random_search():
    splits = list(KFold(3, shuffle=True, random_state=0).split(X_IRIS, Y_IRIS))
    distributions = {"C": loguniform(1e-2, 1e2)}
    searches = [
        HalvingBayesSearchCV(SVC(), distributions, cv=cv, random_state=0).fit(X_IRIS, Y_IRIS)
        for cv in (splits, iter(splits))
    ]
    assert searches[1].cv_results_["params"] == searches[0].cv_results_["params"]
    # (the list of splits: HalvingRandomSearchCV reads a generator twice before 1.9)
    reference = HalvingRandomSearchCV(SVC(), distributions, cv=splits, random_state=0)
    assert searches[1].n_resources_ == reference.fit(X_IRIS, Y_IRIS).n_resources_


@pytest.mark.parametrize("bracket_schedule", ["hyperband", "repeat"])
def test_a_space_exhausted_by_the_first_bracket_says_so(bracket_schedule):
    # Six points: HalvingRandomSearchCV's one bracket (6 and 2 candidates);
    # the brackets asked for beyond it have no new candidate to start with.
    space = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]}
    search = HalvingBayesSearchCV(
        SGDClassifier(random_state=0), space, resource="max_iter", max_resources=27,
        cv=2, n_brackets=5, bracket_schedule=bracket_schedule, random_state=0,
    ).fit(X, Y)
    assert search.stop_reason_ == "space exhausted"
    assert search.n_brackets_ == 1
    assert search.n_candidates_ == [6, 2]
    assert len(search.cv_results_["params"]) == 8

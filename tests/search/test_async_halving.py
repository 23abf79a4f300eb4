"""HalvingBayesSearchCV(bracket_schedule="asynchronous"): ASHA on single fits."""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import loguniform, randint
import sklearn
from sklearn.exceptions import FitFailedWarning
from sklearn.svm import SVC

from sktune import HalvingBayesSearchCV
from sktune.search._async_rungs import AsyncRungs
from sktune.search._brackets import Candidate
from tests.search._estimators import TreeCountingForest, trees_grown
from tests.search.test_contract import SKLEARN_HAS_CALLBACKS, TaskRecorder
from tests.search.test_halving import (
    X_IRIS,
    Y_IRIS,
    BudgetProbe,
    X,
    Y,
    fits_logged,
    halving_with_checkpoint,
)


def candidate(i):
    return Candidate(id=str(i), bracket=0, subspace=0, point=np.zeros(1), params={}, key=(i,))


# -- the rule -----------------------------------------------------------------------------------
def test_a_rung_promotes_its_best_once_factor_times_as_many_finished():
    rungs = AsyncRungs(n_rungs=3, factor=3)
    c = [candidate(i) for i in range(9)]
    rungs.finish(c[0], 0, 0.5)
    rungs.finish(c[1], 0, 0.9)
    assert rungs.promotion() is None  # 2 finished: floor(2 / 3) = 0 may go on
    rungs.finish(c[2], 0, 0.7)
    assert rungs.promotion() == (c[1], 1)
    assert rungs.promotion() is None  # the one place is taken
    for i, score in zip(range(3, 6), (0.95, 0.1, 0.2), strict=True):
        rungs.finish(c[i], 0, score)
    assert rungs.promotion() == (c[3], 1)  # the best not promoted yet
    assert rungs.promotion() is None


def test_higher_rungs_go_first_and_failed_candidates_last():
    rungs = AsyncRungs(n_rungs=3, factor=2)
    c = [candidate(i) for i in range(4)]
    rungs.finish(c[0], 0, math.nan)
    rungs.finish(c[1], 0, 0.1)
    assert rungs.promotion() == (c[1], 1)  # a score beats a failure
    rungs.finish(c[1], 1, 0.3)
    rungs.finish(c[2], 0, 0.5)
    rungs.finish(c[3], 0, 0.6)
    rungs.finish(c[3], 1, 0.8)  # c[3] read back at rung 1: promoted from rung 0
    assert rungs.promotion() == (c[3], 2)  # rung 1 before rung 0
    assert rungs.promotion() is None  # rung 0: 2 promoted of 4 finished


def test_states_go_for_candidates_that_can_never_be_promoted():
    rungs = AsyncRungs(n_rungs=3, factor=3)
    c = [candidate(i) for i in range(9)]
    for i in range(9):
        rungs.finish(c[i], 0, i / 10)  # c[8] is the best
    assert rungs.promotion() == (c[8], 1)
    # With at most 12 first-rung candidates, at most ceil(12 / 3) = 4 go on:
    # ranks 4 to 8 never will, whatever finishes next.
    assert rungs.out_of_reach(0, max_first=12) == [c[4], c[3], c[2], c[1], c[0]]
    # With 27, up to 9 may: none is out of reach yet. At rung 1 (at most 9),
    # nothing has finished.
    assert rungs.out_of_reach(0, max_first=27) == []
    assert rungs.out_of_reach(1, max_first=27) == []


# -- the search ---------------------------------------------------------------------------------
def probe_search(**kwargs):
    settings = {
        "resource": "budget", "max_resources": 27, "cv": 2, "random_state": 0,
        "bracket_schedule": "asynchronous", **kwargs,
    }
    return HalvingBayesSearchCV(BudgetProbe(), {"C": loguniform(1e-3, 1e3)}, **settings)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_rungs_end_with_the_synchronous_schedules_candidates(n_jobs):
    search = probe_search(n_brackets=2, max_resources=9, n_jobs=n_jobs).fit(X, Y)
    steps = probe_search(n_brackets=2, max_resources=9, bracket_schedule="repeat").fit(X, Y)

    assert search.n_candidates_ == steps.n_candidates_ == [18, 6, 2]
    assert search.n_resources_ == steps.n_resources_ == [1, 3, 9]
    assert (search.n_brackets_, search.stop_reason_) == (2, "n_brackets")
    results = search.cv_results_
    assert len(results["params"]) == sum(search.n_candidates_)
    assert "bracket" not in results
    assert results["n_resources"][search.best_index_] == 9
    assert search.best_params_["budget"] == 9
    # Every candidate reached a rung through the rungs below it.
    seen = {}
    for params, rung in zip(results["params"], results["iter"], strict=True):
        key = params["C"]
        assert seen.get(key, -1) == rung - 1
        seen[key] = rung


def test_sequential_asynchronous_search_is_reproducible():
    a = probe_search(n_brackets=1).fit(X, Y)
    b = probe_search(n_brackets=1).fit(X, Y)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    np.testing.assert_array_equal(a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_promoted_forests_continue_on_the_same_fold(tmp_path, n_jobs):
    log = str(tmp_path / "trees.log")
    search = HalvingBayesSearchCV(
        TreeCountingForest(n_estimators=27, random_state=0, log=log),
        {"max_depth": randint(2, 12)}, resource="n_estimators", n_candidates=9, cv=3,
        random_state=0, bracket_schedule="asynchronous", n_jobs=n_jobs,
    ).fit(X, Y)
    assert search.n_candidates_ == [9, 3, 1]
    # 9, 3 and 1 candidates at 1, 3 and 9 trees on 3 folds, each promotion
    # growing only the trees it adds, then the refit with 9.
    assert sum(trees_grown(log)) == 3 * (9 * 1 + 3 * 2 + 1 * 6) + 9
    assert type(search.best_estimator_) is TreeCountingForest


@pytest.mark.slow
def test_continued_forests_match_restarted_ones_in_a_longer_search(tmp_path):
    # Three brackets' worth of candidates, the states of those that can never
    # go on dropped on the way: a forest with an int random_state still scores
    # as one fit would, and none trains again from the start (the trees grown
    # are those of one continued bracket of 27: 27 * 1 + 9 * 2 + 3 * 6 per fold).
    results, grown = {}, {}
    for continued in (False, True):
        log = str(tmp_path / f"{continued}.log")
        search = HalvingBayesSearchCV(
            TreeCountingForest(n_estimators=27, random_state=0, log=log),
            {"max_depth": randint(1, 200)},
            resource="n_estimators", n_candidates=9, n_brackets=3, cv=2, refit=False,
            random_state=0, bracket_schedule="asynchronous", continue_training=continued,
        ).fit(X, Y)
        results[continued], grown[continued] = search.cv_results_, sum(trees_grown(log))
    assert results[True]["params"] == results[False]["params"]
    np.testing.assert_array_equal(
        results[True]["mean_test_score"], results[False]["mean_test_score"]
    )
    assert grown[True] == 2 * (27 * 1 + 9 * 2 + 3 * 6)


def test_resource_n_samples_and_multimetric_scoring():
    search = HalvingBayesSearchCV(
        SVC(), {"C": loguniform(1e-2, 1e2)}, scoring=["accuracy", "f1_macro"],
        refit="f1_macro", cv=3, random_state=0, bracket_schedule="asynchronous",
    ).fit(X_IRIS, Y_IRIS)
    steps = HalvingBayesSearchCV(
        SVC(), {"C": loguniform(1e-2, 1e2)}, cv=3, random_state=0,
    ).fit(X_IRIS, Y_IRIS)
    assert search.n_resources_ == steps.n_resources_
    assert search.n_candidates_ == steps.n_candidates_
    results = search.cv_results_
    assert {"mean_test_accuracy", "mean_test_f1_macro", "mean_train_accuracy"} <= set(results)
    top = results["n_resources"] == max(search.n_resources_)
    assert search.best_score_ == np.nanmax(results["mean_test_f1_macro"][top])


def test_a_killed_search_resumes_from_its_records_without_refitting(tmp_path):
    path, log = tmp_path / "search.jsonl", tmp_path / "fits.txt"
    kwargs = {"bracket_schedule": "asynchronous", "n_brackets": 2}
    first = halving_with_checkpoint(path, log_path=str(log), **kwargs).fit(X, Y)
    n_rows = len(first.cv_results_["params"])
    # Run to the end again: only the refit.
    n_fits = len(fits_logged(log))
    again = halving_with_checkpoint(path, log_path=str(log), **kwargs).fit(X, Y)
    assert fits_logged(log)[n_fits:] == [9]
    assert again.cv_results_["params"] == first.cv_results_["params"]
    assert again.n_candidates_ == first.n_candidates_
    # As if killed after 10 of its records: those 10 are read back, not refitted.
    with open(path) as f:
        lines = f.readlines()
    with open(path, "w") as f:
        f.writelines(lines[:11])  # the header and 10 records
    n_fits = len(fits_logged(log))
    resumed = halving_with_checkpoint(path, log_path=str(log), **kwargs).fit(X, Y)
    rows = resumed.cv_results_["params"]
    assert rows[:10] == first.cv_results_["params"][:10]
    assert len(fits_logged(log)) - n_fits == 2 * (len(rows) - 10) + 1
    assert resumed.n_candidates_ == first.n_candidates_
    assert len(rows) == n_rows


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_stopping_rule_ends_it_and_started_jobs_finish(n_jobs):
    search = probe_search(n_brackets=None, target_score=0.0, n_jobs=n_jobs).fit(X, Y)
    assert search.stop_reason_.startswith("target_score")
    results = search.cv_results_
    # Stopped at the first full-budget score (without a first-rung budget
    # nothing else ends it). Every job started then finishes with all its
    # splits; none starts after. With one worker the first full-budget score
    # is read before the next fit is asked for: it is the last row. With two,
    # joblib asks for the next fits as fits end, before the search has read
    # them, so how many jobs were started first depends on timing (4 here,
    # 6 on a loaded machine): only bounded loosely.
    top = np.flatnonzero(results["n_resources"] == 27)
    n_after = len(results["params"]) - top[0] - 1
    if n_jobs == 1:
        assert n_after == 0
    else:
        assert n_after <= 12
    for split in range(2):
        assert np.isfinite(results[f"split{split}_test_score"]).all()


class FailingProbe(BudgetProbe):
    """Fails with a budget of 3 or more when C > 1."""

    def fit(self, X, y):
        if self.budget >= 3 and self.C > 1:
            raise ValueError("C too large for this budget")
        return super().fit(X, y)


def test_fit_failures_warn_once_and_raise_keeps_the_results():
    space = {"C": loguniform(1e-3, 1e3)}
    kwargs = dict(resource="budget", max_resources=9, cv=2, random_state=0,
                  bracket_schedule="asynchronous")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = HalvingBayesSearchCV(FailingProbe(), space, **kwargs).fit(X, Y)
    failed = [w for w in caught if issubclass(w.category, FitFailedWarning)]
    assert len(failed) == 1
    assert np.isnan(search.cv_results_["mean_test_score"]).any()

    search = HalvingBayesSearchCV(FailingProbe(), space, error_score="raise", **kwargs)
    with pytest.raises(ValueError, match="C too large"):
        search.fit(X, Y)
    results = search.cv_results_  # what finished before the failure is kept
    assert len(results["params"]) >= 1
    assert np.isfinite(results["mean_test_score"]).all()


def test_a_candidate_failing_everywhere_gets_every_metric_of_a_callable_scorer():
    # A job's splits reach cv_results_ on their own: a candidate that failed
    # on all of them takes the metric names of one that did not.
    def scoring(estimator, X, y):
        score = estimator.score(X, y)
        return {"score": score, "half": score / 2}

    search = HalvingBayesSearchCV(
        FailingProbe(), {"C": loguniform(1e-3, 1e3)}, scoring=scoring, refit="score",
        resource="budget", max_resources=9, cv=2, random_state=0,
        bracket_schedule="asynchronous",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.filterwarnings("ignore", "One or more of the", UserWarning)
        search.fit(X, Y)
    results = search.cv_results_
    failed = np.isnan(results["mean_test_score"])
    assert failed.any() and (~failed).any()
    np.testing.assert_array_equal(np.isnan(results["mean_test_half"]), failed)


def test_asynchronous_is_refused_by_name_before_any_fit():
    with pytest.raises(ValueError, match="bracket_schedule"):
        probe_search(bracket_schedule="async").fit(X, Y)


@pytest.mark.skipif(not SKLEARN_HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
def test_callbacks_see_every_job_and_fit():
    recorder = TaskRecorder()  # in this process: n_jobs=1
    search = probe_search(n_brackets=1, max_resources=9)
    search.set_callbacks(recorder)
    search.fit(X, Y)

    n_jobs_run = len(search.cv_results_["params"])
    job = ("fit", "search", "iter")
    fit = job + ("candidate-split-evaluation",)
    # One task per job and split, and the last job once more as it passes,
    # recorded, through evaluate_candidates.
    assert recorder.begun.count(job) == n_jobs_run + 1
    assert recorder.begun.count(fit) == (n_jobs_run + 1) * search.n_splits_
    assert recorder.begun.count(("fit", "refit-with-best-params")) == 1
    assert sorted(recorder.ended) == sorted(recorder.begun)


@pytest.mark.skipif(not SKLEARN_HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
def test_progress_bar_runs_with_worker_processes():
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    search = probe_search(n_brackets=1, max_resources=9, n_jobs=2)
    search.set_callbacks(ProgressBar())
    with warnings.catch_warnings():  # scikit-learn's, as for any search of BudgetProbe
        warnings.filterwarnings("ignore", ".*does not support callbacks", UserWarning)
        search.fit(X, Y)
    assert search.n_candidates_ == [9, 3, 1]


def test_a_backend_that_cannot_return_results_as_they_come_is_refused():
    from joblib import parallel_backend

    search = probe_search(n_brackets=1, max_resources=9, n_jobs=2)
    with parallel_backend("multiprocessing"), pytest.raises(ValueError, match="repeat"):
        search.fit(X, Y)
    assert not hasattr(search, "cv_results_")


class ConfigProbe(BudgetProbe):
    """Scores 1 where scikit-learn's ``assume_finite`` is set in ``fit``, else 0."""

    def fit(self, X, y):
        self.assume_finite_ = sklearn.get_config()["assume_finite"]
        return super().fit(X, y)

    def score(self, X, y):
        return float(self.assume_finite_)


def test_scikit_learns_configuration_reaches_the_worker_processes():
    search = HalvingBayesSearchCV(
        ConfigProbe(), {"C": loguniform(1e-3, 1e3)}, resource="budget", max_resources=9,
        cv=2, random_state=0, n_jobs=2, bracket_schedule="asynchronous", refit=False,
    )
    with sklearn.config_context(assume_finite=True):
        search.fit(X, Y)
    assert (search.cv_results_["mean_test_score"] == 1).all()


def test_an_exhausted_sub_space_leaves_its_turn_to_the_others():
    search = HalvingBayesSearchCV(
        BudgetProbe(), [{"C": [0.5]}, {"C": loguniform(1e-3, 1e3)}], resource="budget",
        max_resources=9, cv=2, random_state=0, bracket_schedule="asynchronous",
    ).fit(X, Y)
    assert search.n_candidates_ == [9, 3, 1]
    assert sorted(set(search.cv_results_["subspace"])) == [0, 1]


def test_a_checkpoint_resumes_with_another_n_jobs(tmp_path):
    path, log = tmp_path / "search.jsonl", tmp_path / "fits.txt"
    kwargs = {"bracket_schedule": "asynchronous", "n_brackets": 1}
    first = halving_with_checkpoint(path, log_path=str(log), **kwargs).fit(X, Y)
    n_fits = len(fits_logged(log))
    again = halving_with_checkpoint(path, log_path=str(log), n_jobs=2, **kwargs).fit(X, Y)
    assert fits_logged(log)[n_fits:] == [9]
    assert again.cv_results_["params"] == first.cv_results_["params"]

"""Resuming from a checkpoint is as if the search had never stopped.

A resumed search replays its checkpoint: it proposes its batches again and
answers them from the records, so its optimisers end up exactly where the
uninterrupted search's were, and it goes on proposing what that search would
have. A finished search, run again, only refits its best candidate.
"""

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
from scipy.stats import loguniform

from sktune import BayesSearchCV, GeneticSearchCV
from tests.search._estimators import LoggingClassifier, data, params_key, read_log

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPACE = {"C": loguniform(1e-3, 1e2), "solver": ["lbfgs", "liblinear"]}
# Settings under which both optimisers leave their quasi-random start early,
# so that a kill lands where the surrogate or the breeding is at work.
SETTINGS = {
    BayesSearchCV: {"n_initial_points": 3, "n_points": 2},
    GeneticSearchCV: {"population_size": 4},
}
REFIT_SLEEP_VARIABLE = "SKTUNE_TEST_REFIT_SLEEP"
FAIL_VARIABLE = "SKTUNE_TEST_FAIL_FITS"


class SlowRefitClassifier(LoggingClassifier):
    """Logs its fits; a fit on all 120 rows (the refit) then sleeps as the environment says.

    With the environment variable ``SKTUNE_TEST_FAIL_FITS`` set, every fit fails.
    """

    def fit(self, X, y):
        if os.environ.get(FAIL_VARIABLE):
            raise RuntimeError("this fit fails")
        super().fit(X, y)
        if len(X) == 120:
            time.sleep(float(os.environ.get(REFIT_SLEEP_VARIABLE, "0")))
        return self


def make_search(cls, checkpoint=None, log_path=None, n_iter=10, sleep=0.0, **kwargs):
    estimator = SlowRefitClassifier(sleep=sleep, log_path=log_path)
    settings = {"cv": 2, "random_state": 0, **SETTINGS[cls], **kwargs}
    return cls(estimator, SPACE, n_iter=n_iter, checkpoint=checkpoint, **settings)


def n_records(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return max(f.read().count(b"\n") - 1, 0)


def run_and_kill(cls, path, log, n_iter, kill_when, env=None):
    """Run a search in a subprocess and SIGKILL it once ``kill_when()`` holds."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {ROOT!r})
        from tests.search.test_resume import make_search
        from tests.search._estimators import data
        from sktune import {cls.__name__}
        make_search({cls.__name__}, {str(path)!r}, log_path={str(log)!r},
                    n_iter={n_iter}, sleep=0.1).fit(*data())
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 120
        while not kill_when():
            assert proc.poll() is None, "the search ended before it could be killed"
            assert time.monotonic() < deadline, "the search never reached the kill point"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def assert_same_search(resumed, reference):
    """Same candidates in the same order, same scores and batch numbers, same best."""
    for key in ("params", "mean_test_score", resumed._iteration_column):
        a, b = resumed.cv_results_[key], reference.cv_results_[key]
        if key == "params":
            assert a == b
        else:
            np.testing.assert_array_equal(a, b, err_msg=key)
    assert resumed.best_params_ == reference.best_params_
    assert resumed.best_score_ == reference.best_score_
    assert resumed.stop_reason_ == reference.stop_reason_
    assert resumed.n_iterations_ == reference.n_iterations_


# -- as if it had never stopped -------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("cls", [BayesSearchCV, GeneticSearchCV])
def test_killed_search_resumes_exactly_as_an_uninterrupted_one(cls, tmp_path):
    path, log = tmp_path / "killed.jsonl", tmp_path / "fits.jsonl"
    n_iter = 14
    # Killed after the quasi-random start: the GP is proposing, or generation 1
    # has been bred from generation 0.
    run_and_kill(cls, path, log, n_iter, kill_when=lambda: n_records(path) >= 5)
    n_finished = n_records(path)
    assert 5 <= n_finished < n_iter
    fits_before = len(read_log(log))

    resumed = make_search(cls, path, log_path=str(log), n_iter=n_iter, sleep=0.1).fit(*data())
    reference = make_search(cls, n_iter=n_iter).fit(*data())

    assert_same_search(resumed, reference)
    new_fits = read_log(log)[fits_before:]
    assert len(new_fits) == (n_iter - n_finished) * 2 + 1  # 2 splits each, and the refit
    finished = {params_key(p) for p in resumed.cv_results_["params"][:n_finished]}
    assert not {params_key(fit) for fit in new_fits[:-1]} & finished


@pytest.mark.parametrize("cls", [BayesSearchCV, GeneticSearchCV])
def test_extended_search_proposes_what_a_longer_search_would(cls, tmp_path):
    path = tmp_path / "extend.jsonl"
    make_search(cls, path, n_iter=5).fit(*data())
    extended = make_search(cls, path, n_iter=9).fit(*data())
    assert_same_search(extended, make_search(cls, n_iter=9).fit(*data()))


def test_batch_cut_short_by_a_crash_is_completed(tmp_path):
    """The file ends inside a batch: its written candidates are kept, the rest fitted."""
    path, log = tmp_path / "cut.jsonl", tmp_path / "fits.jsonl"
    make_search(BayesSearchCV, path, log_path=str(log), n_iter=6, n_points=3).fit(*data())
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][:20])  # 2 of the last 3 written
    fits_before = len(read_log(log))
    with pytest.warns(UserWarning, match="last line is incomplete"):
        resumed = make_search(
            BayesSearchCV, path, log_path=str(log), n_iter=6, n_points=3
        ).fit(*data())
    assert_same_search(resumed, make_search(BayesSearchCV, n_iter=6, n_points=3).fit(*data()))
    assert len(read_log(log)) - fits_before == 2 + 1


def test_random_state_none_resumes_with_the_checkpoints_seed(tmp_path):
    path = tmp_path / "none.jsonl"
    make_search(BayesSearchCV, path, n_iter=5, random_state=None).fit(*data())
    seed = json.loads(path.read_text().splitlines()[0])["seed"]
    assert isinstance(seed, int)
    resumed = make_search(BayesSearchCV, path, n_iter=10, random_state=None).fit(*data())
    assert_same_search(resumed, make_search(BayesSearchCV, n_iter=10, random_state=seed).fit(*data()))


def test_other_batch_size_reuses_every_record_with_a_warning(tmp_path):
    path, log = tmp_path / "other.jsonl", tmp_path / "fits.jsonl"
    first = make_search(BayesSearchCV, path, log_path=str(log), n_iter=6, n_points=2).fit(*data())
    fits_before = len(read_log(log))
    with pytest.warns(UserWarning, match="are not the ones this search proposes"):
        second = make_search(
            BayesSearchCV, path, log_path=str(log), n_iter=9, n_points=3
        ).fit(*data())
    assert second.cv_results_["params"][:6] == first.cv_results_["params"]
    assert len(second.cv_results_["params"]) == 9
    assert len({params_key(p) for p in second.cv_results_["params"]}) == 9
    assert len(read_log(log)) - fits_before == 3 * 2 + 1


def test_failure_after_a_resume_keeps_the_candidates_read_back(tmp_path, monkeypatch):
    path = tmp_path / "fail.jsonl"
    first = make_search(BayesSearchCV, path, n_iter=4).fit(*data())
    monkeypatch.setenv(FAIL_VARIABLE, "1")
    search = make_search(BayesSearchCV, path, n_iter=8, error_score="raise")
    with pytest.raises(RuntimeError, match="this fit fails"):
        search.fit(*data())
    assert search.cv_results_["params"] == first.cv_results_["params"]
    assert n_records(path) == 4


# -- a finished search ------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [BayesSearchCV, GeneticSearchCV])
def test_finished_search_run_again_only_refits(cls, tmp_path):
    path, log = tmp_path / "done.jsonl", tmp_path / "fits.jsonl"
    first = make_search(cls, path, log_path=str(log), n_iter=8).fit(*data())
    fits_before = len(read_log(log))
    again = make_search(cls, path, log_path=str(log), n_iter=8).fit(*data())

    fits = read_log(log)[fits_before:]
    assert len(fits) == 1 and params_key(fits[0]) == params_key(again.best_params_)
    assert_same_search(again, first)
    for key in ("split0_test_score", "mean_fit_time", "rank_test_score"):
        np.testing.assert_array_equal(again.cv_results_[key], first.cv_results_[key])
    assert again.predict(data()[0]).shape == (120,)
    assert n_records(path) == 8  # nothing appended


def test_finished_search_without_refit_fits_nothing(tmp_path):
    path, log = tmp_path / "done.jsonl", tmp_path / "fits.jsonl"
    make_search(BayesSearchCV, path, log_path=str(log), n_iter=4, refit=False).fit(*data())
    fits_before = len(read_log(log))
    again = make_search(
        BayesSearchCV, path, log_path=str(log), n_iter=4, refit=False
    ).fit(*data())
    assert len(read_log(log)) == fits_before
    assert len(again.cv_results_["params"]) == 4


def test_smaller_budget_reads_back_only_its_share(tmp_path):
    path, log = tmp_path / "done.jsonl", tmp_path / "fits.jsonl"
    make_search(BayesSearchCV, path, log_path=str(log), n_iter=8).fit(*data())
    fits_before = len(read_log(log))
    shorter = make_search(BayesSearchCV, path, log_path=str(log), n_iter=5).fit(*data())
    assert_same_search(shorter, make_search(BayesSearchCV, n_iter=5).fit(*data()))
    assert len(read_log(log)) == fits_before + 1


@pytest.mark.slow
def test_search_killed_during_its_refit_only_refits(tmp_path):
    path, log = tmp_path / "refit.jsonl", tmp_path / "fits.jsonl"

    def refit_started():
        return n_records(path) == 6 and len(read_log(log)) > 6 * 2

    run_and_kill(
        BayesSearchCV, path, log, n_iter=6, kill_when=refit_started,
        env={REFIT_SLEEP_VARIABLE: "60"},
    )
    fits_before = len(read_log(log))
    again = make_search(BayesSearchCV, path, log_path=str(log), n_iter=6, sleep=0.1).fit(*data())
    assert len(read_log(log)) == fits_before + 1
    assert_same_search(again, make_search(BayesSearchCV, n_iter=6).fit(*data()))


# -- seeds ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [BayesSearchCV, GeneticSearchCV])
def test_random_state_none_leaves_numpys_global_state_alone(cls, tmp_path):
    X, y = data()
    # lbfgs only: liblinear itself draws from the global state without a random_state.
    space = {"C": loguniform(1e-3, 1e2), "solver": ["lbfgs"]}
    search = cls(LoggingClassifier(), space, n_iter=5, cv=2, random_state=None,
                 checkpoint=tmp_path / "c.jsonl", **SETTINGS[cls])
    before = np.random.get_state()  # noqa: NPY002 - the global state under test
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        search.fit(X, y)
    after = np.random.get_state()  # noqa: NPY002 - the global state under test
    assert before[0] == after[0] and before[2:] == after[2:]
    np.testing.assert_array_equal(before[1], after[1])

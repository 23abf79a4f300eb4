"""Checkpoint and resume: a killed search finishes without refitting its candidates."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from filelock import FileLock
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from sktune import BayesSearchCV, GeneticSearchCV
from tests.search._estimators import LoggingClassifier, data, params_key, read_log

SPACE = {"C": loguniform(1e-3, 1e2), "solver": ["lbfgs", "liblinear"]}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_search(
    cls, checkpoint, log_path=None, n_iter=8, sleep=0.0, estimator=None, **kwargs
):
    extra = {"population_size": 4} if cls is GeneticSearchCV else {}
    if estimator is None:
        estimator = LoggingClassifier(sleep=sleep, log_path=log_path)
    settings = {"cv": 2, "random_state": 0, **extra, **kwargs}
    return cls(estimator, SPACE, n_iter=n_iter, checkpoint=checkpoint, **settings)


def checkpoint_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f.read().splitlines() if line.strip()]


@pytest.mark.parametrize("cls", [BayesSearchCV, GeneticSearchCV])
def test_resume_reuses_finished_candidates(cls, tmp_path):
    X, y = data()
    path, log = tmp_path / "search.jsonl", tmp_path / "fits.jsonl"
    first = make_search(cls, path, log_path=str(log), n_iter=4).fit(X, y)
    n_before = len(read_log(log))
    second = make_search(cls, path, log_path=str(log), n_iter=8).fit(X, y)

    assert len(second.cv_results_["params"]) == 8
    assert second.cv_results_["params"][:4] == first.cv_results_["params"]
    np.testing.assert_allclose(
        second.cv_results_["mean_test_score"][:4], first.cv_results_["mean_test_score"]
    )
    new_fits = read_log(log)[n_before:]
    finished = {params_key(p) for p in first.cv_results_["params"]}
    # 4 new candidates x 2 splits + 1 refit, none of them a finished candidate
    # (the refit may choose one).
    assert len(new_fits) == 4 * 2 + 1
    assert not {params_key(p) for p in new_fits[:-1]} & finished
    assert len(checkpoint_lines(path)) == 1 + 8
    # The optimiser was rebuilt from the finished candidates.
    assert sum(len(opt.y_) for opt in second.optimizers_) == 8


def test_checkpoint_holds_per_split_scores_and_times(tmp_path):
    X, y = data()
    path = tmp_path / "c.jsonl"
    search = make_search(BayesSearchCV, path, n_iter=3, return_train_score=True).fit(X, y)
    header, *records = checkpoint_lines(path)
    assert header["format"] == "sktune-checkpoint" and header["version"] == 2
    assert header["seed"] == 0
    assert header["search"]["data_shape"] == [120, 4]
    assert header["search"]["n_splits"] == 2
    assert len(records) == 3
    for i, record in enumerate(records):
        assert len(record["outputs"]) == 2
        for split, output in enumerate(record["outputs"]):
            assert output["test_scores"] == pytest.approx(
                search.cv_results_[f"split{split}_test_score"][i]
            )
            assert output["fit_time"] >= 0 and output["score_time"] >= 0
            assert "train_scores" in output
        assert record["more"]["iteration"] == search.cv_results_["iteration"][i]


@pytest.mark.slow
def test_killed_search_resumes_without_refitting(tmp_path):
    """SIGKILL a search part-way; fit again with its checkpoint to finish it."""
    path, log = tmp_path / "killed.jsonl", tmp_path / "fits.jsonl"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {ROOT!r})
        from tests.search.test_checkpoint import make_search
        from tests.search._estimators import data
        from sktune import BayesSearchCV
        X, y = data()
        make_search(BayesSearchCV, {str(path)!r}, log_path={str(log)!r}, n_iter=10,
                    sleep=0.15).fit(X, y)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if path.exists() and len(checkpoint_lines(path)) >= 1 + 3:
                break
            if proc.poll() is not None:
                pytest.fail("the search finished before it could be killed")
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    finished = checkpoint_lines(path)[1:]
    n_finished = len(finished)
    assert 3 <= n_finished < 10
    fits_before = len(read_log(log))

    search = make_search(
        BayesSearchCV, path, log_path=str(log), n_iter=10, sleep=0.15
    ).fit(*data())
    new_fits = read_log(log)[fits_before:]
    # Only the missing candidates were fitted (2 splits each), plus the refit.
    assert len(new_fits) == (10 - n_finished) * 2 + 1
    finished_keys = {
        params_key(p) for p in search.cv_results_["params"][:n_finished]
    }
    assert not {params_key(p) for p in new_fits[:-1]} & finished_keys
    assert len(search.cv_results_["params"]) == 10
    assert len({params_key(p) for p in search.cv_results_["params"]}) == 10


def test_truncated_last_line_is_skipped_with_a_warning(tmp_path):
    X, y = data()
    path = tmp_path / "t.jsonl"
    make_search(BayesSearchCV, path, n_iter=3).fit(X, y)
    with open(path, "a") as f:
        f.write('{"point": [0.25, 0.1')  # a write cut short by a crash
    with pytest.warns(UserWarning, match="last line is incomplete"):
        search = make_search(BayesSearchCV, path, n_iter=5).fit(X, y)
    assert len(search.cv_results_["params"]) == 5
    assert len(checkpoint_lines(path)) == 1 + 5  # the partial line was replaced


def test_corrupt_line_is_refused(tmp_path):
    X, y = data()
    path = tmp_path / "c.jsonl"
    make_search(BayesSearchCV, path, n_iter=3).fit(X, y)
    lines = path.read_text().splitlines()
    lines[2] = "not json"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="line 3 is corrupt \\(not valid JSON"):
        make_search(BayesSearchCV, path, n_iter=5).fit(X, y)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"estimator": LogisticRegression()}, "the estimator differs"),
        (
            {"param_distributions": {"C": loguniform(1e-2, 1e1), "solver": ["lbfgs"]}},
            "the search space differs",
        ),
        ({"scoring": "f1"}, "scoring differs"),
        ({"cv": 3}, "the CV splits differ \\(2 splits then, 3 now\\)"),
    ],
)
def test_checkpoint_of_another_search_is_refused(tmp_path, change, match):
    X, y = data()
    path = tmp_path / "m.jsonl"
    make_search(BayesSearchCV, path, n_iter=2).fit(X, y)
    search = make_search(BayesSearchCV, path, n_iter=4).set_params(**change)
    with pytest.raises(ValueError, match=match):
        search.fit(X, y)


def test_checkpoint_for_other_data_shape_is_refused(tmp_path):
    X, y = data()
    path = tmp_path / "d.jsonl"
    make_search(BayesSearchCV, path, n_iter=2).fit(X, y)
    with pytest.raises(ValueError, match=r"the data shape differs \(\[120, 4\] then, \[120, 3\]"):
        make_search(BayesSearchCV, path, n_iter=4).fit(X[:, :3], y)


def _other_values(X, y):
    X_other = X.copy()
    X_other[0, 0] += 1.0
    return X_other, y


def _other_targets(X, y):
    y_other = y.copy()
    y_other[:10] = 1 - y_other[:10]
    return X, y_other


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda X, y: (_other_values(X, y), {}), "X differs"),
        (lambda X, y: (_other_targets(X, y), {}), "y differs"),
        (
            lambda X, y: ((X, y), {"cv": KFold(2, shuffle=True, random_state=1)}),
            "the CV splits differ \\(other train/test indices",
        ),
        (lambda X, y: ((X, y), {"cv": StratifiedKFold(2)}), "the CV splits differ"),
    ],
    ids=["X values", "y", "shuffled KFold", "StratifiedKFold"],
)
def test_checkpoint_of_other_data_or_splits_is_refused(tmp_path, change, match):
    """Same shape, same number of splits: the content decides (a cheap hash)."""
    X, y = data()
    path, log = tmp_path / "data.jsonl", tmp_path / "fits.jsonl"
    make_search(BayesSearchCV, path, log_path=str(log), n_iter=2, cv=KFold(2)).fit(X, y)
    n_fits = len(read_log(log))
    (X_new, y_new), params = change(X, y)
    search = make_search(BayesSearchCV, path, log_path=str(log), n_iter=4, cv=KFold(2))
    with pytest.raises(ValueError, match=f"written by a different search: {match}"):
        search.set_params(**params).fit(X_new, y_new)
    assert len(read_log(log)) == n_fits  # refused before any fit


def test_checkpoint_of_other_groups_or_sample_weight_is_refused(tmp_path):
    X, y = data()
    groups = np.arange(len(y)) % 4
    path = tmp_path / "g.jsonl"
    kwargs = dict(n_iter=2, cv=GroupKFold(2))
    make_search(BayesSearchCV, path, **kwargs).fit(X, y, groups=groups)
    with pytest.raises(ValueError, match="groups differ"):
        make_search(BayesSearchCV, path, **kwargs).fit(X, y, groups=groups % 3)

    path = tmp_path / "w.jsonl"
    weights = np.ones(len(y))
    make_search(BayesSearchCV, path, estimator=LogisticRegression(), n_iter=2).fit(
        X, y, sample_weight=weights
    )
    with pytest.raises(ValueError, match="sample_weight differs"):
        make_search(BayesSearchCV, path, estimator=LogisticRegression(), n_iter=2).fit(
            X, y, sample_weight=2 * weights
        )


def test_version_1_checkpoint_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "old.jsonl"
    header = {"format": "sktune-checkpoint", "version": 1, "data_shape": [120, 4]}
    path.write_text(json.dumps(header) + "\n")
    with pytest.raises(ValueError, match="has format version 1; this sktune reads version 2"):
        make_search(BayesSearchCV, path, n_iter=2).fit(*data())


def test_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not an sktune checkpoint"):
        make_search(BayesSearchCV, path, n_iter=2).fit(*data())


def test_resume_with_subspaces(tmp_path):
    X, y = data()
    path = tmp_path / "s.jsonl"
    grid = [
        {"C": loguniform(1e-3, 1e2), "solver": ["lbfgs"]},
        {"C": [0.1, 1.0, 10.0], "solver": ["liblinear"]},
    ]
    kwargs = dict(cv=2, random_state=0, checkpoint=path)
    first = BayesSearchCV(LoggingClassifier(), grid, n_iter=4, **kwargs).fit(X, y)
    second = BayesSearchCV(LoggingClassifier(), grid, n_iter=7, **kwargs).fit(X, y)
    assert second.cv_results_["params"][:4] == first.cv_results_["params"]
    assert list(second.cv_results_["subspace"][:4]) == list(first.cv_results_["subspace"])
    assert sorted(np.bincount(second.cv_results_["subspace"])) == [3, 4]


# -- one writer ---------------------------------------------------------------------------
def start_search_process(path, log, n_iter, sleep):
    """A search in a process of its own (a second notebook, a job started twice)."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {ROOT!r})
        from tests.search.test_checkpoint import make_search
        from tests.search._estimators import data
        from sktune import BayesSearchCV
        make_search(BayesSearchCV, {str(path)!r}, log_path={str(log)!r}, n_iter={n_iter},
                    sleep={sleep}).fit(*data())
        """
    )
    return subprocess.Popen([sys.executable, "-c", script])


@pytest.mark.slow
def test_second_process_on_one_checkpoint_is_refused_before_fitting(tmp_path):
    path, log = tmp_path / "shared.jsonl", tmp_path / "fits.jsonl"
    first = start_search_process(path, log, n_iter=6, sleep=0.2)
    try:
        deadline = time.monotonic() + 120
        while not (path.exists() and len(checkpoint_lines(path)) >= 2):
            assert first.poll() is None, "the first search ended before the test"
            assert time.monotonic() < deadline, "the first search never wrote a candidate"
            time.sleep(0.02)
        # The first process is mid-search; this one (a second process) is refused
        # at once, before any fit, with a message naming the file.
        second = make_search(BayesSearchCV, path, log_path=str(log), n_iter=6, sleep=0.2)
        started = time.monotonic()
        with pytest.raises(RuntimeError, match=f"Checkpoint '{path}' is in use"):
            second.fit(*data())
        assert time.monotonic() - started < 5
        assert os.getpid() not in {fit["pid"] for fit in read_log(log)}
    finally:
        assert first.wait(timeout=120) == 0
    # The first search's file is whole: it resumes, and holds the budget.
    lines = checkpoint_lines(path)
    assert len(lines) == 1 + 6
    n_fits = len(read_log(log))
    make_search(BayesSearchCV, path, log_path=str(log), n_iter=6, sleep=0.2).fit(*data())
    assert len(read_log(log)) == n_fits + 1  # the refit only


@pytest.mark.parametrize("outcome", ["fit succeeds", "fit fails"])
def test_lock_is_released_when_fit_ends(tmp_path, outcome):
    X, y = data()
    path = tmp_path / "f.jsonl"
    if outcome == "fit fails":
        y = np.full(len(y), 7.5)  # a continuous target: every classifier fit fails
    search = make_search(BayesSearchCV, path, n_iter=2, error_score="raise")
    if outcome == "fit fails":
        with pytest.raises(ValueError, match="Unknown label type"):
            search.fit(X, y)
    else:
        search.fit(X, y)
    lock = FileLock(f"{path}.lock", timeout=0)
    lock.acquire()  # raises filelock.Timeout if the search still held it
    lock.release()


# -- paths and junk -------------------------------------------------------------------------
def test_checkpoint_in_a_missing_folder_creates_it(tmp_path):
    path = tmp_path / "runs" / "today" / "search.jsonl"
    search = make_search(BayesSearchCV, path, n_iter=2).fit(*data())
    assert len(checkpoint_lines(path)) == 1 + 2
    assert search.best_params_ == make_search(BayesSearchCV, None, n_iter=2).fit(*data()).best_params_


@pytest.mark.parametrize("where", ["parent is a file", "path is a folder", "read-only file"])
def test_unwritable_checkpoint_fails_before_fitting(tmp_path, where):
    log = tmp_path / "fits.jsonl"
    if where == "parent is a file":
        (tmp_path / "notes.txt").write_text("")
        path = tmp_path / "notes.txt" / "search.jsonl"
    elif where == "path is a folder":
        path = tmp_path / "folder"
        path.mkdir()
    else:
        if os.geteuid() == 0:
            pytest.skip("root may write a read-only file")
        path = tmp_path / "read-only.jsonl"
        path.write_text("")
        path.chmod(0o444)
    with pytest.raises(OSError, match=f"Checkpoint '{path}'"):
        make_search(BayesSearchCV, path, log_path=str(log), n_iter=2).fit(*data())
    assert read_log(log) == []


@pytest.mark.parametrize("junk", ["{}", "[]", "3", '"text"', '{"point": [0.5, 0.5]}',
                                  '{"point": [2.0, 0.5], "more": {}, "outputs": [{}]}'])
def test_valid_json_junk_line_is_a_corrupt_line(tmp_path, junk):
    X, y = data()
    path = tmp_path / "j.jsonl"
    make_search(BayesSearchCV, path, n_iter=3).fit(X, y)
    lines = path.read_text().splitlines()
    lines[2] = junk
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="line 3 is corrupt"):
        make_search(BayesSearchCV, path, n_iter=5).fit(X, y)


def test_blank_lines_are_accepted(tmp_path):
    """An editor or a shell `echo >>` leaves a trailing newline: nothing is lost."""
    X, y = data()
    path = tmp_path / "b.jsonl"
    first = make_search(BayesSearchCV, path, n_iter=3).fit(X, y)
    with open(path, "a") as f:
        f.write("\n")
    second = make_search(BayesSearchCV, path, n_iter=5).fit(X, y)
    assert second.cv_results_["params"][:3] == first.cv_results_["params"]
    assert len(checkpoint_lines(path)) == 1 + 5

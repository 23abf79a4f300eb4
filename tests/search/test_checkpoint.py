"""Checkpoint and resume: a killed search finishes without refitting its candidates."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.linear_model import LogisticRegression

from sktune import BayesSearchCV, GeneticSearchCV
from tests.search._estimators import LoggingClassifier, data, params_key, read_log

SPACE = {"C": loguniform(1e-3, 1e2), "solver": ["lbfgs", "liblinear"]}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_search(cls, checkpoint, log_path=None, n_iter=8, sleep=0.0, **kwargs):
    extra = {"population_size": 4} if cls is GeneticSearchCV else {}
    return cls(
        LoggingClassifier(sleep=sleep, log_path=log_path),
        SPACE,
        n_iter=n_iter,
        cv=2,
        random_state=0,
        checkpoint=checkpoint,
        **extra,
        **kwargs,
    )


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
    assert header["format"] == "sktune-checkpoint"
    assert header["data_shape"] == [120, 4]
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
    with pytest.raises(ValueError, match="line 3 is not valid JSON"):
        make_search(BayesSearchCV, path, n_iter=5).fit(X, y)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"estimator": LogisticRegression()}, "its estimator is"),
        ({"param_distributions": {"C": loguniform(1e-2, 1e1), "solver": ["lbfgs"]}}, "its space is"),
        ({"scoring": "f1"}, "its scoring is"),
        ({"cv": 3}, "its n_splits is"),
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
    with pytest.raises(ValueError, match="its data_shape is"):
        make_search(BayesSearchCV, path, n_iter=4).fit(X[:, :3], y)


def test_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not an sktune checkpoint"):
        make_search(BayesSearchCV, path, n_iter=2).fit(*data())


def test_complete_checkpoint_says_how_to_continue(tmp_path):
    X, y = data()
    path = tmp_path / "full.jsonl"
    make_search(BayesSearchCV, path, n_iter=3).fit(X, y)
    with pytest.raises(ValueError, match="Raise n_iter to continue"):
        make_search(BayesSearchCV, path, n_iter=3).fit(X, y)


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

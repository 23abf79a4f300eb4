"""sktune searches on a real Dask cluster, through joblib's "dask" backend.

One LocalCluster (two worker processes, one thread each, loopback only) is
shared by the module. The worker-kill test runs last because it restarts a
worker. Estimators and build functions are module-level so workers can
unpickle them (they import this module by name; pytest puts the repository
root on ``sys.path`` and spawned workers inherit it).
"""

import importlib
import json
import os
import signal
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.datasets import load_iris, make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import scale  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sktune import BayesSearchCV, GeneticSearchCV  # noqa: E402

# cv_results_ columns that depend on the machine, not on the search.
TIMING_COLUMNS = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


@pytest.fixture(scope="module")
def client():
    # The context managers close the client and the cluster however the
    # module's tests end.
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    ) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
        yield client


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return scale(X), y


@pytest.fixture(autouse=True)
def single_threaded_blas():
    # Dask workers run with OPENBLAS/OMP_NUM_THREADS=1; the sequential runs in
    # this process do too, or tiny BLAS calls spin on a busy 2-core machine.
    with threadpool_limits(1):
        yield


def assert_same_results(a, b, rtol=1e-7, atol=0.0):
    """Same candidates in the same order, same scores; times excluded."""
    ra, rb = a.cv_results_, b.cv_results_
    assert sorted(ra) == sorted(rb)
    assert ra["params"] == rb["params"]
    for key in ra:
        if key in TIMING_COLUMNS or key == "params":
            continue
        if key.startswith("rank_") and atol > 0:
            continue  # near-ties may swap within the tolerance
        if key.startswith(("mean_test_", "std_test_", "split")):
            np.testing.assert_allclose(ra[key], rb[key], rtol=rtol, atol=atol, err_msg=key)
        else:
            np.testing.assert_array_equal(ra[key], rb[key], err_msg=key)
    if atol == 0:
        assert a.best_params_ == b.best_params_


def fit_on_dask(client, search, *data):
    """Fit ``search`` with joblib's dask backend; return the workers that ran tasks."""
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_backend("dask"):
            search.fit(*data)
    return {task["worker"] for task in stream.data}


# -- an sklearn estimator ---------------------------------------------------------------
def logistic_searches(**search_params):
    estimator = LogisticRegression(max_iter=1000)
    space = {"C": loguniform(1e-3, 1e2), "fit_intercept": [True, False]}
    common = dict(n_iter=8, cv=3, random_state=0, **search_params)
    return [
        BayesSearchCV(estimator, space, n_points=2, **common),
        GeneticSearchCV(estimator, space, population_size=4, **common),
    ]


@pytest.mark.parametrize("index", [0, 1], ids=["bayes", "genetic"])
def test_sklearn_estimator_same_results_as_sequential(client, iris, index):
    on_dask = logistic_searches()[index]
    workers = fit_on_dask(client, on_dask, *iris)
    sequential = logistic_searches(n_jobs=1)[index].fit(*iris)

    assert workers, "no task ran on the Dask cluster"
    assert len(on_dask.cv_results_["params"]) == 8
    assert_same_results(on_dask, sequential)


# -- a Keras estimator ------------------------------------------------------------------
def build_tiny_model(meta):
    import keras

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def keras_search(KerasClassifier, **search_params):
    model = KerasClassifier(
        build_tiny_model,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        epochs=2,
        batch_size=16,
        random_state=0,
        # Eager steps halve the cost of these tiny fits (no tracing); what is
        # tested is where fits run and how they are seeded, not tf.function.
        run_eagerly=True,
    )
    space = {
        "optimizer__learning_rate": loguniform(1e-3, 1e-1),
        "batch_size": [8, 16, 32],
    }
    return BayesSearchCV(
        model, space, n_iter=3, n_points=3, cv=2, refit=False, random_state=0,
        **search_params,
    )


def import_keras():
    import sktune.keras  # noqa: F401


@pytest.mark.slow
def test_keras_estimator_same_results_as_sequential(client):
    try:
        KerasClassifier = importlib.import_module("sktune.keras").KerasClassifier
    except ImportError as exc:
        pytest.skip(f"sktune.keras cannot be imported: {exc}")
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    # Workers import TensorFlow while this process runs the sequential search.
    warm_up = [
        client.submit(import_keras, pure=False, workers=[address])
        for address in client.scheduler_info()["workers"]
    ]
    sequential = keras_search(KerasClassifier, n_jobs=1).fit(X, y)
    distributed.wait(warm_up)
    on_dask = keras_search(KerasClassifier)
    workers = fit_on_dask(client, on_dask, X, y)

    assert workers, "no task ran on the Dask cluster"
    # The candidates are chosen in this process from the search's random_state,
    # whatever the backend: always identical.
    assert on_dask.cv_results_["params"] == sequential.cv_results_["params"]
    for search in (on_dask, sequential):
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # Each fit is seeded by the estimator's random_state, so its weights and
    # shuffles should not depend on the process it runs in. Scores are
    # fractions of 75 test samples; allow one sample to flip in case TF's
    # float32 CPU kernels reduce in another order under another thread pool
    # (workers run with OMP_NUM_THREADS=1). A seeding fault flips many.
    assert_same_results(on_dask, sequential, atol=1 / 75 + 1e-6)


# -- a worker dies mid-search -----------------------------------------------------------
class SleepyClassifier(ClassifierMixin, BaseEstimator):
    """LogisticRegression whose fit takes at least ``sleep`` seconds."""

    def __init__(self, C=1.0, sleep=0.3):
        self.C = C
        self.sleep = sleep

    def fit(self, X, y):
        time.sleep(self.sleep)
        self.model_ = LogisticRegression(C=self.C, max_iter=1000).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


class WorkerKiller(threading.Thread):
    """Kills (SIGKILL) a Dask worker process that is running a task."""

    def __init__(self, client, delay):
        super().__init__(daemon=True)
        self.client, self.delay = client, delay
        self.killed = None  # (address, pid, time)
        self.error = None

    def run(self):
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = [w for w, keys in self.client.processing().items() if keys]
                if busy:
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError("no worker ever started a task")
            time.sleep(self.delay)
            busy = [w for w, keys in self.client.processing().items() if keys] or busy
            address = busy[0]
            pid = self.client.run(os.getpid, workers=[address])[address]
            os.kill(pid, signal.SIGKILL)
            self.killed = (address, pid, time.monotonic())
        except Exception as exc:  # reported by the test
            self.error = exc


def test_search_survives_a_killed_worker(client, iris, tmp_path):
    checkpoint = tmp_path / "search.jsonl"
    space = {"C": loguniform(1e-3, 1e2)}
    search = GeneticSearchCV(
        SleepyClassifier(sleep=0.3), space, n_iter=6, population_size=3, cv=3,
        random_state=0,
    )
    has_checkpoint = "checkpoint" in search.get_params()
    if has_checkpoint:
        search.set_params(checkpoint=checkpoint)

    pids_before = client.run(os.getpid)
    killer = WorkerKiller(client, delay=0.5)
    killer.start()
    fit_on_dask(client, search, *iris)
    finished = time.monotonic()
    killer.join(timeout=30)

    assert killer.error is None, f"could not kill a worker: {killer.error!r}"
    assert killer.killed is not None and killer.killed[2] < finished, (
        "the worker was not killed while the search was running"
    )
    # The nanny restarts the killed worker; the cluster is whole again.
    client.wait_for_workers(2, timeout=60)
    assert killer.killed[1] not in client.run(os.getpid).values()
    assert killer.killed[1] in pids_before.values()

    # Dask re-ran the lost fits elsewhere: every candidate is there, with the
    # scores a sequential run gives (sleep is not searched: same candidates).
    reference = GeneticSearchCV(
        SleepyClassifier(sleep=0.0), space, n_iter=6, population_size=3, cv=3,
        random_state=0, n_jobs=1,
    ).fit(*iris)
    assert len(search.cv_results_["params"]) == 6
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.cv_results_["params"] == reference.cv_results_["params"]
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"]
    )

    if not has_checkpoint:
        return
    # The checkpoint holds every finished candidate: a header line, then one
    # line per candidate with its point and per-split outputs.
    lines = checkpoint.read_text().splitlines()
    header, records = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert header["format"] == "sktune-checkpoint"
    assert len(records) == 6
    subspace = search.space_.subspaces[0]
    for record, params, score in zip(
        records,
        search.cv_results_["params"],
        search.cv_results_["mean_test_score"],
        strict=True,
    ):
        assert subspace.from_unit(record["point"]) == params
        assert len(record["outputs"]) == 3
        split_scores = [out["test_scores"] for out in record["outputs"]]
        np.testing.assert_allclose(np.mean(split_scores), score)

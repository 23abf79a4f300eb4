"""sktune searches on a real Dask cluster, through joblib's "dask" backend.

One LocalCluster (two worker processes, one thread each, loopback only) is
shared by the module; the tests that take a cluster apart start their own.
The worker-kill test runs after the others because it restarts workers.
Estimators and build functions are module-level so workers can unpickle them
(they import this module by name; pytest puts the repository root on
``sys.path`` and spawned workers inherit it).
"""

import importlib
import json
import os
import signal
import threading
import time
import warnings

import pytest

distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import loguniform, randint  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.datasets import load_iris, make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import scale  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sktune import BayesSearchCV, GeneticSearchCV, HalvingBayesSearchCV  # noqa: E402
from sktune.exceptions import ClusterLostError  # noqa: E402
from sktune.search import _retry  # noqa: E402
from tests.search._estimators import TreeCountingForest, trees_grown  # noqa: E402

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


@pytest.mark.parametrize(
    "index", [pytest.param(0, marks=pytest.mark.slow), 1], ids=["bayes", "genetic"]
)
def test_sklearn_estimator_same_results_as_sequential(client, iris, index):
    on_dask = logistic_searches()[index]
    workers = fit_on_dask(client, on_dask, *iris)
    sequential = logistic_searches(n_jobs=1)[index].fit(*iris)

    assert workers, "no task ran on the Dask cluster"
    assert len(on_dask.cv_results_["params"]) == 8
    assert_same_results(on_dask, sequential)


# -- halving, with scikit-learn candidates continued on the workers ----------------------
def test_halving_continues_forests_on_dask_workers(client, iris, tmp_path):
    # The fits run in the worker processes, which reach the search's state
    # directory on this machine: promoted forests grow only their new trees,
    # and the results are the sequential ones.
    searches, grown = [], []
    for name in ("dask", "sequential"):
        log = str(tmp_path / f"{name}.log")
        searches.append(
            HalvingBayesSearchCV(
                TreeCountingForest(n_estimators=27, random_state=0, log=log),
                {"max_depth": randint(2, 12)}, resource="n_estimators",
                n_candidates=9, cv=3, refit=False, random_state=0,
            )
        )
        grown.append(log)
    workers = fit_on_dask(client, searches[0], *iris)
    searches[1].fit(*iris)

    assert workers, "no task ran on the Dask cluster"
    assert_same_results(searches[0], searches[1])
    # 9, 3 and 1 candidates at 1, 3 and 9 trees on 3 folds, each promotion
    # growing only the trees it adds: 3 * (9 + 3 * 2 + 6).
    assert sum(trees_grown(grown[0])) == sum(trees_grown(grown[1])) == 63


def test_asynchronous_halving_hands_single_fits_to_dask_workers(client, iris, tmp_path):
    # The asynchronous schedule sends one (candidate, split) fit at a time
    # through joblib's dask backend; promoted forests still grow only the
    # trees they add, and the rungs end as the synchronous schedule's.
    log = str(tmp_path / "trees.log")
    search = HalvingBayesSearchCV(
        TreeCountingForest(n_estimators=27, random_state=0, log=log),
        {"max_depth": randint(2, 12)}, resource="n_estimators", n_candidates=9,
        cv=3, refit=False, random_state=0, bracket_schedule="asynchronous",
    )
    workers = fit_on_dask(client, search, *iris)

    assert workers, "no task ran on the Dask cluster"
    assert search.n_candidates_ == [9, 3, 1]
    assert sum(trees_grown(log)) == 3 * (9 + 3 * 2 + 6)


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


# -- a worker dies mid-search ------------------------------------------------------------
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


def n_records(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return max(f.read().count(b"\n") - 1, 0)


class AfterFirstBatch(threading.Thread):
    """Once the checkpoint holds the first batch, does ``action`` (kill a worker...)."""

    def __init__(self, checkpoint, action):
        super().__init__(daemon=True)
        self.checkpoint, self.action = checkpoint, action
        self.done_at = None
        self.error = None

    def run(self):
        try:
            deadline = time.monotonic() + 120
            while n_records(self.checkpoint) < 1:
                if time.monotonic() > deadline:
                    raise RuntimeError("the first batch never reached the checkpoint")
                time.sleep(0.01)
            self.action()
            self.done_at = time.monotonic()
        except Exception as exc:  # reported by the test
            self.error = exc


def kill_a_worker(client):
    """SIGKILL, by its pid, the worker that holds the most data (the scattered X, y)."""
    holdings = client.has_what()
    address = max(holdings, key=lambda worker: len(holdings[worker]))
    pid = client.run(os.getpid, workers=[address])[address]
    os.kill(pid, signal.SIGKILL)
    return pid


def fit_within(search, data, client, timeout):
    """Fit on ``client``'s cluster in a thread; fail, not hang, if it does not end."""
    outcome = {}

    def fit():
        try:
            with joblib.parallel_backend("dask", client=client):
                search.fit(*data)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=fit, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"the search hung: no result after {timeout} s")
    return outcome.get("error"), time.monotonic() - started


@pytest.fixture(scope="module")
def scattered_data():
    # Large enough to be scattered to one worker (joblib scatters arguments
    # over 1 kB), so that a killed worker takes the batch's data along.
    X, y = make_classification(n_samples=4000, n_features=20, random_state=0)
    return X, y


def genetic_search(checkpoint=None, sleep=0.3, **kwargs):
    settings = {"n_iter": 6, "population_size": 3, "cv": 3, "random_state": 0, **kwargs}
    return GeneticSearchCV(
        SleepyClassifier(sleep=sleep), {"C": loguniform(1e-3, 1e2)},
        checkpoint=checkpoint, **settings,
    )


def local_cluster():
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        host="127.0.0.1",
    )


def fit_with_a_worker_killed(search, data, checkpoint):
    """Fit on a cluster of its own, one of whose 2 workers is killed after the first record.

    Each fit has a cluster of its own, so that it does not depend on how
    quickly a nanny brings an earlier fit's killed worker back. Returns the
    error the fit raised, or None; fails if no worker was killed.
    """
    with local_cluster() as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
        pids_before = set(client.run(os.getpid).values())
        killer = AfterFirstBatch(checkpoint, lambda: kill_a_worker(client))
        killer.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "the cluster lost ..."
            error, _ = fit_within(search, data, client, timeout=180)
        killer.join(timeout=30)
        pids_after = set(client.run(os.getpid).values())
    assert killer.error is None, f"could not kill a worker: {killer.error!r}"
    assert pids_after != pids_before
    return error


@pytest.mark.slow
def test_killed_worker_after_the_first_batch_loses_nothing(scattered_data, tmp_path):
    """Run several times: the lost batch used to raise or hang at random."""
    reference = genetic_search(sleep=0.0, n_jobs=1).fit(*scattered_data)
    for run in range(4):
        checkpoint = tmp_path / f"search{run}.jsonl"
        search = genetic_search(checkpoint)
        error = fit_with_a_worker_killed(search, scattered_data, checkpoint)
        assert error is None, f"run {run}: the search failed with {error!r}"
        # Every candidate is there, with the scores a sequential run gives.
        assert search.cv_results_["params"] == reference.cv_results_["params"]
        np.testing.assert_allclose(
            search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"]
        )
        lines = checkpoint.read_text().splitlines()
        assert len(lines) == 1 + 6
        records = [json.loads(line) for line in lines[1:]]
        for record, score in zip(records, reference.cv_results_["mean_test_score"], strict=True):
            assert len(record["outputs"]) == 3
            np.testing.assert_allclose(np.mean([o["test_scores"] for o in record["outputs"]]), score)


@pytest.mark.slow
def test_asynchronous_halving_runs_lost_fits_again(scattered_data, tmp_path):
    # A worker killed once the first candidate is recorded takes its fits
    # along; they run again on a fresh Parallel and the rungs fill as usual.
    checkpoint = tmp_path / "search.jsonl"
    search = HalvingBayesSearchCV(
        SleepyClassifier(sleep=0.3), {"C": loguniform(1e-3, 1e2)}, n_candidates=9,
        min_resources=200, cv=3, refit=False, random_state=0, bracket_schedule="asynchronous",
        checkpoint=checkpoint,
    )
    error = fit_with_a_worker_killed(search, scattered_data, checkpoint)
    assert error is None, f"the search failed with {error!r}"
    assert search.n_candidates_ == [9, 3, 1]
    assert n_records(checkpoint) == 9 + 3 + 1
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.fixture
def own_cluster():
    """A cluster that the test may take apart."""
    cluster = local_cluster()
    client = distributed.Client(cluster)
    client.wait_for_workers(2, timeout=120)
    yield cluster, client
    client.close()
    cluster.close()


@pytest.mark.slow
def test_a_closed_cluster_is_lost_when_joblib_counts_its_workers(own_cluster):
    # A cluster closed between two batches leaves the client without a
    # scheduler: joblib's worker count then fails on None.ncores, which must
    # read as a lost cluster, not as an AttributeError from a fit.
    from sktune.search._dask import ResilientDaskBackend

    cluster, client = own_cluster
    backend = ResilientDaskBackend(client=client)
    cluster.close()
    with pytest.raises(ClusterLostError, match="no scheduler"):
        backend.effective_n_jobs(-1)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["cluster closed", "workers retired"])
def test_lost_cluster_fails_in_bounded_time_with_the_checkpoint_whole(
    own_cluster, iris, tmp_path, monkeypatch, how
):
    cluster, client = own_cluster
    monkeypatch.setattr(_retry, "CLUSTER_LOST_AFTER", 5.0)
    checkpoint = tmp_path / "search.jsonl"
    # Four generations after the first: the cluster is gone before they are done.
    settings = {"n_iter": 15, "cv": 2}
    search = genetic_search(checkpoint, **settings)
    if how == "cluster closed":
        action = cluster.close
    else:  # the scheduler lives on, without a worker
        action = lambda: cluster.scale(0)  # noqa: E731
    stopper = AfterFirstBatch(checkpoint, action)
    stopper.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        error, _ = fit_within(search, iris, client, timeout=120)
    stopper.join(timeout=30)
    assert stopper.error is None and stopper.done_at is not None, repr(stopper.error)

    assert isinstance(error, ClusterLostError), repr(error)
    assert f"in the checkpoint '{checkpoint}'" in str(error)
    # Bounded: the cluster counts as gone after CLUSTER_LOST_AFTER, or joblib's
    # wait_for_workers_timeout (10 s) if longer, plus a batch's worth of fits
    # and the scheduler's own timeouts.
    waited = time.monotonic() - stopper.done_at
    assert waited < 10.0 + 30, f"the error came {waited:.1f} s after the cluster was lost"
    n_finished = n_records(checkpoint)
    # Whole generations, and not all of them.
    assert 3 <= n_finished < 15 and n_finished % 3 == 0, (
        f"{n_finished} records in the checkpoint; the error was {error!r}"
    )
    assert len(search.cv_results_["params"]) == n_finished
    # The checkpoint is whole: a sequential fit resumes from it.
    resumed = genetic_search(checkpoint, n_jobs=1, **settings).fit(*iris)
    reference = genetic_search(sleep=0.0, n_jobs=1, **settings).fit(*iris)
    assert resumed.cv_results_["params"] == reference.cv_results_["params"]

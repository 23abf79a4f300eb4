"""Importing sktune stays light: no Keras/TensorFlow, no Dask, no scikit-optimize or Optuna."""

import json
import os
from pathlib import Path
import pickle
import subprocess
import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs in a fresh interpreter: the test process may have imported anything.
PROBE = """
import json, sys
import sktune.space
import sktune
from sktune import Categorical, Integer, Real
from sktune.exceptions import ClusterLostError
for name in ("BayesSearchCV", "GeneticSearchCV"):
    if hasattr(sktune, name):
        getattr(sktune, name)
# Foreign dimensions are read by attribute, without importing their packages.
real = type("Real", (), {"__module__": "skopt.space.space"})()
real.__dict__.update(low=1e-3, high=1.0, prior="log-uniform")
dist = type("CategoricalDistribution", (), {"__module__": "optuna.distributions"})()
dist.choices = ("a", "b")
sktune.space.Space.from_user({"C": real, "k": dist, "n": Integer(1, 3)})
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


@pytest.fixture(scope="module")
def imported_packages():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_import_sktune_does_not_import_keras_or_tensorflow(imported_packages):
    assert "sktune" in imported_packages
    assert not imported_packages & {"tensorflow", "keras", "tf_keras", "scikeras"}


def test_import_sktune_does_not_import_skopt_or_optuna(imported_packages):
    assert not imported_packages & {"skopt", "optuna"}


def test_import_sktune_does_not_import_dask(imported_packages):
    assert not imported_packages & {"dask", "distributed"}


def test_cluster_lost_error_is_public_and_pickles_with_its_message():
    # Raised on a Dask worker's client side, caught by users as RuntimeError
    # or by name, and sent between processes by joblib.
    from sktune.exceptions import ClusterLostError

    error = ClusterLostError("the scheduler has had no worker for 60 s", "run.jsonl")
    assert isinstance(error, RuntimeError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ClusterLostError
    assert str(copy) == str(error)
    assert "in the checkpoint 'run.jsonl'; fit again to resume" in str(copy)
    assert "checkpoint" not in str(ClusterLostError("gone"))

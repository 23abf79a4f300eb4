"""Small real estimators for search tests: they log their fits to a file."""

import json
import os
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


class LoggingClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression whose every ``fit`` appends its parameters to ``log_path``.

    ``sleep`` seconds are spent in each fit, so a test can interrupt a search.
    """

    def __init__(self, C=1.0, solver="lbfgs", sleep=0.0, log_path=None):
        self.C = C
        self.solver = solver
        self.sleep = sleep
        self.log_path = log_path

    def fit(self, X, y):
        if self.log_path is not None:
            with open(self.log_path, "a") as f:
                f.write(json.dumps({"C": self.C, "solver": self.solver, "pid": os.getpid()}) + "\n")
        time.sleep(self.sleep)
        self.model_ = LogisticRegression(C=self.C, solver=self.solver, max_iter=200).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


def read_log(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def params_key(params):
    return (round(float(params["C"]), 12), params["solver"])


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=120) > 0).astype(int)
    return X, y


class TreeCountingForest(RandomForestClassifier):
    """A random forest whose every ``fit`` appends the trees it grew to ``log``."""

    def __init__(self, n_estimators=100, *, max_depth=None, random_state=None,
                 warm_start=False, log=None):
        super().__init__(
            n_estimators=n_estimators, max_depth=max_depth, random_state=random_state,
            warm_start=warm_start,
        )
        self.log = log

    def fit(self, X, y, sample_weight=None):
        before = len(getattr(self, "estimators_", []))
        super().fit(X, y, sample_weight=sample_weight)
        with open(self.log, "a") as f:
            f.write(f"{len(self.estimators_) - before}\n")
        return self


def trees_grown(log):
    """The trees each fit logged by :class:`TreeCountingForest` grew, in order."""
    with open(log) as f:
        return [int(line) for line in f]

"""Tuning problems shared by the benchmarks, and the translation of their spaces for peers.

Each problem is written the way a ``RandomizedSearchCV`` user writes it:
``param_distributions`` made of scipy.stats frozen distributions (``loguniform``,
``randint``, ``uniform``) and lists. sktune takes these unchanged. The peers that
need their own space objects (scikit-optimize, Optuna, sklearn-genetic-opt) get
an equivalent space from ``to_skopt``/``to_optuna``/``to_sklearn_genetic``:

- ``loguniform(a, b)``: skopt ``Real(a, b, prior="log-uniform")``, Optuna
  ``FloatDistribution(a, b, log=True)``, sklearn-genetic-opt
  ``Continuous(a, b, distribution="log-uniform")``;
- ``uniform(loc, scale)``: ``Real``/``FloatDistribution``/``Continuous`` on
  ``[loc, loc + scale]``;
- ``randint(low, high)``: ``Integer``/``IntDistribution``/``Integer`` on
  ``[low, high - 1]``;
- a list: ``Categorical``/``CategoricalDistribution``/``Categorical`` of its values.

(``randint``'s upper bound is exclusive, the peers' integer bounds inclusive.)
Every problem has fixed, shuffled CV splits, so all methods and all seeds see
the same folds; only the optimisers' seeds change between runs.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import loguniform, randint, uniform
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_wine,
    make_classification,
    make_friedman1,
)
from sklearn.ensemble import (
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


@dataclass
class Problem:
    name: str
    estimator: Any
    param_distributions: dict
    scoring: str
    X: np.ndarray
    y: np.ndarray
    cv: Any
    description: str


def _stratified(n_splits=3):
    return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)


def _kfold(n_splits=3):
    return KFold(n_splits=n_splits, shuffle=True, random_state=0)


def _scaled(X):
    # Scaling on the whole set leaks a little between folds; it does so identically
    # for every method, and keeps each fit cheap and the parameter names simple.
    return StandardScaler().fit_transform(X)


def _digits(n_samples):
    X, y = load_digits(return_X_y=True)
    X, _, y, _ = train_test_split(
        X, y, train_size=n_samples, stratify=y, random_state=0
    )
    return X, y


def make_problems():
    """The benchmark suite, in table order."""
    problems = []

    X, y = load_breast_cancer(return_X_y=True)
    problems.append(
        Problem(
            "svc-cancer",
            SVC(),
            {
                "C": loguniform(1e-3, 1e3),
                "gamma": loguniform(1e-5, 1e1),
                "kernel": ["rbf", "sigmoid"],
            },
            "accuracy",
            _scaled(X),
            y,
            _stratified(),
            "SVC on breast_cancer (569 x 30, scaled); log-reals + categorical; accuracy",
        )
    )

    X, y = load_wine(return_X_y=True)
    problems.append(
        Problem(
            "hgb-wine",
            HistGradientBoostingClassifier(
                max_iter=15, early_stopping=False, random_state=0
            ),
            {
                "learning_rate": loguniform(1e-2, 1.0),
                "max_leaf_nodes": randint(2, 32),
                "min_samples_leaf": randint(1, 40),
                "l2_regularization": loguniform(1e-4, 1e1),
            },
            "neg_log_loss",
            X,
            y,
            _stratified(),
            "HistGradientBoosting (15 iter) on wine (178 x 13); reals + integers; log-loss",
        )
    )

    X, y = _digits(600)
    problems.append(
        Problem(
            "knn-digits",
            KNeighborsClassifier(),
            {
                "n_neighbors": randint(1, 50),
                "weights": ["uniform", "distance"],
                "p": [1, 2],
            },
            "accuracy",
            X,
            y,
            _stratified(),
            "KNN on digits (600-sample stratified subset x 64); integer + categoricals; accuracy",
        )
    )

    X, y = make_classification(
        n_samples=400,
        n_features=20,
        n_informative=5,
        n_redundant=5,
        flip_y=0.03,
        random_state=0,
    )
    problems.append(
        Problem(
            "rf-synth",
            RandomForestClassifier(n_estimators=15, random_state=0),
            {
                "max_depth": randint(1, 20),
                "max_features": uniform(0.05, 0.9),
                "min_samples_leaf": randint(1, 30),
                "criterion": ["gini", "entropy"],
                "bootstrap": [True, False],
            },
            "neg_log_loss",
            X,
            y,
            _stratified(),
            "RandomForest (15 trees) on make_classification (400 x 20); real + integers + "
            "categoricals; log-loss",
        )
    )

    X, y = load_diabetes(return_X_y=True)
    problems.append(
        Problem(
            "kridge-diabetes",
            KernelRidge(),
            {
                "alpha": loguniform(1e-4, 1e1),
                "gamma": loguniform(1e-4, 1e1),
                "kernel": ["rbf", "laplacian"],
            },
            "neg_mean_squared_error",
            _scaled(X),
            y,
            _kfold(),
            "KernelRidge on diabetes (442 x 10, scaled); log-reals + categorical; MSE",
        )
    )

    X, y = make_friedman1(n_samples=200, noise=1.0, random_state=0)
    problems.append(
        Problem(
            "gbr-friedman",
            # squared_error only: huber/absolute_error fits are ~4x slower.
            GradientBoostingRegressor(random_state=0),
            {
                "n_estimators": randint(10, 80),
                "learning_rate": loguniform(1e-2, 1.0),
                "max_depth": randint(1, 6),
                "subsample": uniform(0.5, 0.5),
                "max_features": uniform(0.2, 0.8),
            },
            "neg_mean_absolute_error",
            X,
            y,
            _kfold(),
            "GradientBoostingRegressor on make_friedman1 (200 x 10); integers + reals; MAE",
        )
    )
    return problems


# --- translation of a RandomizedSearchCV space into the peers' space objects ----------


def _describe(value):
    kind = _kind(value)
    low, high = _bounds(value) if kind != "categorical" else (None, None)
    return kind, low, high


def _kind(value):
    if isinstance(value, list):
        return "categorical"
    name = getattr(getattr(value, "dist", None), "name", None)
    if name in ("loguniform", "reciprocal"):
        return "log-real"
    if name == "uniform":
        return "real"
    if name == "randint":
        return "integer"
    raise ValueError(
        f"No peer translation for {value!r}; the benchmark translates loguniform, uniform, "
        "randint and lists. Add a rule to benchmarks/_problems.py."
    )


def _bounds(frozen):
    # support() gives closed bounds with loc/scale applied: randint(1, 50) -> (1, 49).
    low, high = frozen.support()
    if _kind(frozen) == "integer":
        return int(low), int(high)
    return float(low), float(high)


def to_skopt(param_distributions):
    from skopt.space import Categorical, Integer, Real

    space = {}
    for name, value in param_distributions.items():
        kind, low, high = _describe(value)
        if kind == "categorical":
            space[name] = Categorical(list(value))
        elif kind == "integer":
            space[name] = Integer(low, high)
        else:
            space[name] = Real(
                low, high, prior="log-uniform" if kind == "log-real" else "uniform"
            )
    return space


def to_optuna(param_distributions):
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    space = {}
    for name, value in param_distributions.items():
        kind, low, high = _describe(value)
        if kind == "categorical":
            space[name] = CategoricalDistribution(list(value))
        elif kind == "integer":
            space[name] = IntDistribution(low, high)
        else:
            space[name] = FloatDistribution(low, high, log=kind == "log-real")
    return space


def to_sklearn_genetic(param_distributions):
    from sklearn_genetic.space import Categorical, Continuous, Integer

    space = {}
    for name, value in param_distributions.items():
        kind, low, high = _describe(value)
        if kind == "categorical":
            space[name] = Categorical(list(value))
        elif kind == "integer":
            space[name] = Integer(low, high)
        else:
            space[name] = Continuous(
                low,
                high,
                distribution="log-uniform" if kind == "log-real" else "uniform",
            )
    return space

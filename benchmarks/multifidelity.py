"""Multi-fidelity search: time to reach a target score, and the score at equal time.

``--part target``, for each problem (the resource is Keras's ``epochs`` or an
estimator's ``max_iter``) and seed, in one process:

1. ``BayesSearchCV`` trains 30 candidates with the full budget. The
   **target** of a problem is the median over seeds of the best score it
   reaches; the **time budget** ``T`` is its median wall time. With an odd
   number of seeds, at least the median seed reaches the target, so its
   median time to the target is finite (with an even number, the median of
   the middle two can be infinite).
2. ``HalvingBayesSearchCV`` (brackets repeated until ``T``),
   ``HalvingRandomSearchCV`` (repeated with fresh seeds until ``T``, the way a
   user would loop it) and, where the estimator has ``partial_fit``, Optuna's
   ``OptunaSearchCV`` with a successive-halving pruner (its default reduction
   factor, 4; ``timeout=T``) run with the same folds (one split per seed) and
   scorer, without train scores. Factor 3 for the two halving searches.

A score counts once its candidate was evaluated with the full budget (the last
rung of a halving search, a trial Optuna did not prune). The time of an
evaluation is when the scorer returned on its last fold (``n_jobs=1``,
measured with a scorer that reads the clock), so proposal costs are included.
Only evaluations within ``T`` count for the searches given ``T``.

``--part continuation`` runs ``HalvingBayesSearchCV`` with and without
continued training, two brackets each, and compares their wall times and
scores: Keras models continue from their saved weights and optimizer state,
HistGradientBoosting through ``warm_start``, the MLP through ``partial_fit``.

``--part cost`` times, for each problem's estimator with its default
parameters, fits at the lowest budget and at nine times it: what a fit costs
beyond its epochs or iterations, and what an evaluation at the lowest budget
costs against one at the full budget.

The worker-utilisation figure runs ``HalvingBayesSearchCV(n_jobs=2)`` on an
MLP problem whose candidates' fit times differ about 5x and measures, from
the start and end of each fit and predict (how the search scores a fit) in
each worker process, the share of the wall time both workers were busy.

Usage::

    python benchmarks/multifidelity.py                   # everything (hours)
    python benchmarks/multifidelity.py --quick           # 2 problems, 2 seeds, small
    python benchmarks/multifidelity.py --problems keras-mlp-digits --seeds 0 1
    python benchmarks/multifidelity.py --part utilisation
    python benchmarks/multifidelity.py --part cost --problems keras-cnn-digits
    python benchmarks/multifidelity.py --part target --save runs.json   # keep raw runs
    python benchmarks/multifidelity.py --report runs.json   # their tables again
    python benchmarks/multifidelity.py --part target --isolate   # a fresh process per search

One problem's seeds can be split across processes (one per core) that share
one target and ``T``: run BayesSearchCV alone first, then the other searches
from its runs, then print the merged tables::

    python benchmarks/multifidelity.py --part target --problems keras-mlp-friedman \
        --bayes-only --seeds 0 1 2 --save bayes-a.json        # core 0
    python benchmarks/multifidelity.py --part target --problems keras-mlp-friedman \
        --bayes-only --seeds 3 4 --save bayes-b.json          # core 1, meanwhile
    python benchmarks/multifidelity.py --part target --problems keras-mlp-friedman \
        --bayes-from bayes-a.json bayes-b.json --seeds 0 1 2 --save halving-a.json
    python benchmarks/multifidelity.py ... --seeds 3 4 --save halving-b.json
    python benchmarks/multifidelity.py --report halving-a.json halving-b.json
"""

import argparse
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# One thread per process: the figures are single-worker wall times, and two
# processes (two sets of problems) can run side by side on two cores.
for _name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.datasets import load_digits, make_classification, make_friedman1  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.metrics import check_scoring  # noqa: E402
from sklearn.model_selection import HalvingRandomSearchCV, KFold, StratifiedKFold  # noqa: E402

from sktune import BayesSearchCV, HalvingBayesSearchCV, Integer, Real  # noqa: E402

N_FULL = 30
CV = 2


# -- problems ------------------------------------------------------------------------------------
@dataclass
class Problem:
    name: str
    make_estimator: object  # () -> estimator with the resource at its full budget
    space: dict  # sktune/scipy space
    optuna_space: object  # () -> dict of optuna distributions, or None
    data: object  # () -> X, y
    resource: str
    min_resources: int
    max_resources: int
    classifier: bool = True
    scoring: str = None
    extra: dict = field(default_factory=dict)


def _keras_mlp(meta, hidden=64, n_layers=2, dropout=0.1):
    import keras

    layers = [keras.Input((meta["n_features_in_"],))]
    for _ in range(n_layers):
        layers += [keras.layers.Dense(hidden, activation="relu"), keras.layers.Dropout(dropout)]
    if meta["target_type_"].startswith("continuous"):
        layers.append(keras.layers.Dense(meta["n_outputs_"]))
    else:
        layers.append(keras.layers.Dense(meta["n_classes_"], activation="softmax"))
    return keras.Sequential(layers)


def _keras_cnn(meta, filters=16, kernel_size=3, dense=64, dropout=0.1):
    import keras

    return keras.Sequential(
        [
            keras.Input(meta["X_shape_"][1:]),
            keras.layers.Conv2D(filters, kernel_size, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(2 * filters, kernel_size, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(dense, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def _digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def _shifted_digits():
    """The digits and two copies shifted by one pixel (right, down): 5,391 images.

    Three times the samples, so that an epoch is not negligible next to
    building a model. It still costs less (about 0.14 s an epoch against 0.3 s
    of fixed cost per fit on one core, ``--part cost``; both twice that on a
    slower machine): benchmarks/README.md.
    """
    X, y = load_digits(return_X_y=True)
    images = (X / 16.0).astype(np.float32).reshape(-1, 8, 8)
    right = np.roll(images, 1, axis=2)
    right[:, :, 0] = 0
    down = np.roll(images, 1, axis=1)
    down[:, 0, :] = 0
    images = np.concatenate([images, right, down])
    order = np.random.default_rng(0).permutation(len(images))
    return images[order, :, :, None], np.concatenate([y, y, y])[order]


def _shifted_digits_flat():
    X, y = _shifted_digits()
    return X.reshape(len(X), -1), y


def _friedman():
    X, y = make_friedman1(n_samples=6000, n_features=10, noise=1.0, random_state=0)
    return X.astype(np.float32), (y - y.mean()) / y.std()


# Small batches, as small data sets are trained: 100-200 steps an epoch, to
# bring an epoch's cost nearer the fixed cost of building and compiling a model.
def _keras_classifier(build, epochs, batch_size=16):
    from sktune.keras import KerasClassifier

    return KerasClassifier(
        build, loss="sparse_categorical_crossentropy", optimizer="adam",
        optimizer__learning_rate=1e-3, epochs=epochs, batch_size=batch_size,
        random_state=0, verbose=0,
    )


def _keras_regressor(build, epochs, batch_size=16):
    from sktune.keras import KerasRegressor

    return KerasRegressor(
        build, loss="mse", optimizer="adam", optimizer__learning_rate=1e-3,
        epochs=epochs, batch_size=batch_size, random_state=0, verbose=0,
    )


_MLP_SPACE = {
    "hidden": Integer(16, 256, prior="log-uniform"),
    "n_layers": Integer(1, 3),
    "dropout": Real(0.0, 0.5),
    "optimizer__learning_rate": Real(1e-4, 3e-2, prior="log-uniform"),
}


def _optuna_mlp_space():
    from optuna.distributions import FloatDistribution, IntDistribution

    return {
        "hidden": IntDistribution(16, 256, log=True),
        "n_layers": IntDistribution(1, 3),
        "dropout": FloatDistribution(0.0, 0.5),
        "optimizer__learning_rate": FloatDistribution(1e-4, 3e-2, log=True),
    }


def _optuna_cnn_space():
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    return {
        "filters": IntDistribution(4, 32, log=True),
        "kernel_size": CategoricalDistribution([2, 3]),
        "dense": IntDistribution(16, 128, log=True),
        "dropout": FloatDistribution(0.0, 0.5),
        "optimizer__learning_rate": FloatDistribution(1e-4, 3e-2, log=True),
    }


def _optuna_sk_mlp_space():
    from optuna.distributions import FloatDistribution, IntDistribution

    return {
        "hidden_layer_sizes": IntDistribution(8, 256, log=True),
        "alpha": FloatDistribution(1e-6, 1e-1, log=True),
        "learning_rate_init": FloatDistribution(1e-4, 1e-1, log=True),
    }


def _hgb(max_iter):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=max_iter, early_stopping=False, random_state=0)


def _sk_mlp(max_iter):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(max_iter=max_iter, batch_size=64, random_state=0)


def _hard_classification():
    return make_classification(
        n_samples=3000, n_features=20, n_informative=10, flip_y=0.05, random_state=0
    )


PROBLEMS = {
    "keras-mlp-digits": Problem(
        "keras-mlp-digits", lambda: _keras_classifier(_keras_mlp, 27), _MLP_SPACE,
        _optuna_mlp_space, _shifted_digits_flat, "epochs", 1, 27,
    ),
    "keras-mlp-friedman": Problem(
        "keras-mlp-friedman", lambda: _keras_regressor(_keras_mlp, 27), _MLP_SPACE,
        _optuna_mlp_space, _friedman, "epochs", 1, 27, classifier=False,
    ),
    "keras-cnn-digits": Problem(
        "keras-cnn-digits", lambda: _keras_classifier(_keras_cnn, 27, batch_size=32),
        {
            "filters": Integer(4, 32, prior="log-uniform"),
            "kernel_size": [2, 3],
            "dense": Integer(16, 128, prior="log-uniform"),
            "dropout": Real(0.0, 0.5),
            "optimizer__learning_rate": Real(1e-4, 3e-2, prior="log-uniform"),
        },
        _optuna_cnn_space, _shifted_digits, "epochs", 1, 27,
    ),
    "hgb-max-iter": Problem(
        "hgb-max-iter", lambda: _hgb(135),
        {
            "learning_rate": loguniform(1e-2, 1.0),
            "max_leaf_nodes": Integer(4, 64, prior="log-uniform"),
            "min_samples_leaf": Integer(2, 100, prior="log-uniform"),
            "l2_regularization": loguniform(1e-6, 10.0),
        },
        None, _hard_classification, "max_iter", 5, 135,
    ),
    "mlp-max-iter": Problem(
        "mlp-max-iter", lambda: _sk_mlp(81),
        {
            "hidden_layer_sizes": Integer(8, 256, prior="log-uniform"),
            "alpha": loguniform(1e-6, 1e-1),
            "learning_rate_init": loguniform(1e-4, 1e-1),
        },
        _optuna_sk_mlp_space, _digits, "max_iter", 3, 81,
    ),
}


# -- timing ------------------------------------------------------------------------------------
class ClockedScorer:
    """A scorer that records when each call returned (``n_jobs=1``)."""

    def __init__(self, scorer):
        self.scorer = scorer
        self.times = []

    def __call__(self, estimator, X, y, **kwargs):
        score = self.scorer(estimator, X, y, **kwargs)
        self.times.append(time.monotonic())
        return score


@dataclass
class Run:
    """Full-budget evaluations of one search: (seconds since start, score)."""

    method: str
    events: list
    seconds: float
    extra: dict = field(default_factory=dict)
    seed: int = None  # set by _call; None in runs saved before seeds were recorded

    def best_by(self, t):
        scores = [s for when, s in self.events if when <= t and np.isfinite(s)]
        return max(scores) if scores else float("nan")

    def time_to(self, target, until=np.inf):
        best = -np.inf
        for when, score in self.events:
            if when > until:
                break
            if np.isfinite(score) and score > best:
                best = score
                if best >= target:
                    return when
        return float("inf")

    def trained_to(self, target, full_fit, until=np.inf):
        """Training spent until the target was first reached, in full-budget fits.

        ``extra["trained"]`` holds, for each event, the resource units trained
        on every fold until then (continued training counted once). Runs saved
        without it have none (None), except BayesSearchCV's, whose every event
        is one full-budget fit more.
        """
        trained = self.extra.get("trained")
        if trained is None and self.method == "BayesSearchCV":
            trained = [(i + 1) * full_fit for i in range(len(self.events))]
        if trained is None:
            return None
        best = -np.inf
        for (when, score), units in zip(self.events, trained, strict=True):
            if when > until:
                break
            if np.isfinite(score) and score > best:
                best = score
                if best >= target:
                    return units / full_fit
        return float("inf")

    def to_json(self):
        return {"method": self.method, "events": self.events, "seconds": self.seconds,
                "extra": self.extra, "seed": self.seed}

    @classmethod
    def from_json(cls, data):
        return cls(data["method"], [tuple(e) for e in data["events"]], data["seconds"],
                   data["extra"], data.get("seed"))


def save_rows(rows, path):
    """Write the raw runs, so tables can be printed again without running."""
    with open(path, "w") as f:
        json.dump(
            [{"problem": name, "target": target, "budget": budget,
              "runs": {m: [r.to_json() for r in rs] for m, rs in runs.items()}}
             for name, target, budget, runs in rows],
            f,
        )


def load_rows(*paths):
    """The rows of one or more files saved with --save, merged by problem.

    The runs of one problem are pooled by method; a run of the same method and
    seed found in two files (BayesSearchCV's, copied by ``--bayes-from`` into
    every file that used it) counts once. The target and ``T`` are computed
    again from the pooled BayesSearchCV runs, and a file whose other searches
    ran with another ``T`` is refused: its runs cannot be compared.
    """
    merged, budgets_used = {}, {}
    for path in paths:
        with open(path) as f:
            for row in json.load(f):
                runs = merged.setdefault(row["problem"], {})
                for method, data in row["runs"].items():
                    pooled = runs.setdefault(method, [])
                    for run in map(Run.from_json, data):
                        if run.seed is None or all(r.seed != run.seed for r in pooled):
                            pooled.append(run)
                if set(row["runs"]) - {"BayesSearchCV"}:
                    budgets_used.setdefault(row["problem"], []).append((row["budget"], path))
    rows = []
    for name, runs in merged.items():
        target, budget = target_and_budget(runs["BayesSearchCV"])
        for used_budget, path in budgets_used.get(name, []):
            if abs(used_budget - budget) > 1e-3:
                raise ValueError(
                    f"{path}: the searches of {name} ran with T = {used_budget:.1f} s, but "
                    f"the BayesSearchCV runs of all the files give T = {budget:.1f} s; "
                    "split seeds must share the BayesSearchCV runs (--bayes-from)"
                )
        rows.append((name, target, budget, runs))
    return rows


def target_and_budget(bayes_runs):
    """The target (median best score) and ``T`` (median seconds) of BayesSearchCV's runs."""
    target = statistics.median(max(s for _, s in r.events) for r in bayes_runs)
    return target, statistics.median(r.seconds for r in bayes_runs)


def _full_budget_events(results, clock, start, n_splits, is_full):
    # One scorer call per fit: the i-th candidate's last fold is call (i+1)*n_splits.
    # A train score (the halving searches' default return_train_score=True) would
    # double the calls and date every event too early.
    n_calls = len(results["mean_test_score"]) * n_splits
    if len(clock.times) != n_calls:
        raise RuntimeError(
            f"the scorer was called {len(clock.times)} times for {n_calls} fits, so "
            "fits cannot be dated by call; run the search with "
            "return_train_score=False and n_jobs=1"
        )
    events = []
    for i, score in enumerate(results["mean_test_score"]):
        when = clock.times[(i + 1) * n_splits - 1] - start
        if is_full(i):
            events.append((when, float(score)))
    return events


def _trained_at_events(results, n_splits, is_full, resource=None, offset=0):
    """The resource units trained on all folds until each full-budget event.

    Rows are in the order they were evaluated (``n_jobs=1``). With ``resource``
    (the parameter HalvingBayesSearchCV continues), a candidate promoted in its
    bracket trains only the units above its previous rung; otherwise every
    evaluation trains its ``n_resources`` from scratch.
    """
    done, total, trained = {}, offset, []
    for i, n in enumerate(results["n_resources"]):
        units = int(n)
        if resource is not None:
            params = {k: v for k, v in results["params"][i].items() if k != resource}
            bracket = results["bracket"][i] if "bracket" in results else 0
            key = (int(bracket), repr(sorted(params.items())))
            units -= done.get(key, 0)
            done[key] = int(n)
        total += units * n_splits
        if is_full(i):
            trained.append(total)
    return trained


def _cv(problem, seed):
    if problem.classifier:
        return StratifiedKFold(CV, shuffle=True, random_state=seed)
    return KFold(CV, shuffle=True, random_state=seed)


def _quiet():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", category=UserWarning)


def run_bayes(problem, seed, X, y, n_iter):
    clock = ClockedScorer(check_scoring(problem.make_estimator(), problem.scoring))
    search = BayesSearchCV(
        problem.make_estimator(), problem.space, n_iter=n_iter, cv=_cv(problem, seed),
        scoring=clock, refit=False, random_state=seed,
    )
    start = time.monotonic()
    search.fit(X, y)
    seconds = time.monotonic() - start
    events = _full_budget_events(search.cv_results_, clock, start, CV, lambda i: True)
    trained = [(i + 1) * problem.max_resources * CV for i in range(len(events))]
    return Run("BayesSearchCV", events, seconds, {"trained": trained})


class PerBudgetHalvingSearchCV(HalvingBayesSearchCV):
    """HalvingBayesSearchCV proposing by BOHB's rule (a surrogate of one budget)."""

    _strategy = "per-budget"
    label = "  per-budget (BOHB) rule"

    def _make_optimizer(self, coordinates, random_state):
        optimizer = super()._make_optimizer(coordinates, random_state)
        optimizer.strategy = self._strategy
        return optimizer


class BudgetInputHalvingSearchCV(PerBudgetHalvingSearchCV):
    """HalvingBayesSearchCV proposing from one surrogate with the budget as an input."""

    _strategy = "budget-input"
    label = "  budget as input"


def run_halving_bayes(
    problem, seed, X, y, max_time, n_brackets=None, continue_training=True, cls=None,
    bracket_schedule="repeat", min_resources=None, label=None,
):
    # "HalvingBayesSearchCV" is repeated brackets, the library's default until
    # Hyperband's brackets ("  hyperband brackets") replaced it: the saved runs
    # keep their names, so new ones merge with them in --report.
    clock = ClockedScorer(check_scoring(problem.make_estimator(), problem.scoring))
    search = (cls or HalvingBayesSearchCV)(
        problem.make_estimator(), problem.space, resource=problem.resource,
        min_resources=min_resources or problem.min_resources,
        max_resources=problem.max_resources, cv=_cv(problem, seed), scoring=clock,
        refit=False, return_train_score=False, random_state=seed, n_brackets=n_brackets,
        max_time=max_time,
        continue_training=continue_training, bracket_schedule=bracket_schedule,
    )
    start = time.monotonic()
    search.fit(X, y)
    seconds = time.monotonic() - start
    results = search.cv_results_
    events = _full_budget_events(
        results, clock, start, CV, lambda i: results["n_resources"][i] == problem.max_resources
    )
    spent = int(np.sum(results["n_resources"]) * CV)
    trained = _trained_at_events(
        results, CV, lambda i: results["n_resources"][i] == problem.max_resources,
        resource=problem.resource if continue_training else None,
    )
    # A variant's label names it; else its strategy's, else its bracket schedule.
    if label is None and cls is not None:
        label = cls.label
    name = label or {
        "hyperband": "  hyperband brackets", "asynchronous": "  asynchronous (ASHA)",
    }.get(bracket_schedule, "HalvingBayesSearchCV")
    return Run(name, events, seconds, {"resources": spent, "trained": trained})


def check_optuna():
    """Fit a one-trial OptunaSearchCV on 20 rows, so that a missing dependency of
    optuna-integration (pandas, say) fails before the first search, not after hours."""
    import optuna
    from optuna.distributions import FloatDistribution
    from optuna_integration import OptunaSearchCV
    from sklearn.linear_model import SGDClassifier

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = make_classification(n_samples=20, random_state=0)
    OptunaSearchCV(
        SGDClassifier(), {"alpha": FloatDistribution(1e-4, 1e-1, log=True)}, cv=2,
        enable_pruning=True, max_iter=2, n_trials=1, random_state=0, verbose=0,
    ).fit(X, y)


def run_halving_random(problem, seed, X, y, max_time):
    events, trained, total, start, k = [], [], 0, time.monotonic(), 0
    while time.monotonic() - start < max_time:
        clock = ClockedScorer(check_scoring(problem.make_estimator(), problem.scoring))
        search = HalvingRandomSearchCV(
            problem.make_estimator(), sklearn_space(problem.space), resource=problem.resource,
            min_resources=problem.min_resources, max_resources=problem.max_resources,
            cv=_cv(problem, seed), scoring=clock, refit=False, return_train_score=False,
            random_state=1000 * seed + k,
        )
        search.fit(X, y)
        results = search.cv_results_

        def is_full(i, r=results):
            return r["n_resources"][i] == problem.max_resources

        events += _full_budget_events(results, clock, start, CV, is_full)
        trained += _trained_at_events(results, CV, is_full, offset=total)
        total += int(np.sum(results["n_resources"])) * CV
        k += 1
    return Run("HalvingRandomSearchCV", events, time.monotonic() - start,
               {"brackets": k, "trained": trained})


def run_optuna(problem, seed, X, y, max_time):
    import optuna
    from optuna_integration import OptunaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    estimator = problem.make_estimator()
    # One partial_fit call is one unit of the resource (an epoch, an iteration).
    estimator.set_params(**{problem.resource: 1})
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(
        direction="maximize", sampler=sampler,
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=problem.min_resources),
    )
    search = OptunaSearchCV(
        estimator, problem.optuna_space(), cv=_cv(problem, seed), enable_pruning=True,
        max_iter=problem.max_resources, n_trials=None, timeout=max_time, study=study,
        scoring=problem.scoring, refit=False, random_state=seed, verbose=0,
    )
    start = time.time()
    search.fit(X, y)
    events = []
    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.COMPLETE:
            events.append((trial.datetime_complete.timestamp() - start, float(trial.value)))
    return Run("OptunaSearchCV+pruner", sorted(events), time.time() - start)


def sklearn_space(sktune_space):
    """HalvingRandomSearchCV takes lists and scipy distributions, not sktune's dimensions."""
    from scipy.stats import randint, uniform

    space = {}
    for name, value in sktune_space.items():
        if isinstance(value, Integer):
            if value.prior == "log-uniform":
                space[name] = _LogInt(value.low, value.high)
            else:
                space[name] = randint(value.low, value.high + 1)
        elif isinstance(value, Real):
            if value.prior == "log-uniform":
                space[name] = loguniform(value.low, value.high)
            else:
                space[name] = uniform(value.low, value.high - value.low)
        else:
            space[name] = value
    return space


class _LogInt:
    """Log-uniform integers for ParameterSampler (an object with ``rvs``)."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def rvs(self, random_state=None):
        u = loguniform(self.low, self.high + 1).rvs(random_state=random_state)
        return int(min(np.floor(u), self.high))


# -- the parts -------------------------------------------------------------------------------------
PEERS = ("halving-random", "optuna")
VARIANTS = ("per-budget", "hyperband", "asynchronous", "budget-input", "raised-min")


def _isolated(runner_name, problem_name, seed, kwargs):
    """Run one search in this (fresh) process: see :func:`_call`."""
    _quiet()
    problem = PROBLEMS[problem_name]
    X, y = problem.data()
    return globals()[runner_name](problem, seed, X, y, **kwargs)


def _call(runner, problem, seed, X, y, isolate, **kwargs):
    """One search, in this process or, with ``isolate``, in a fresh one.

    Either way the clock starts after the estimator is made, so importing
    TensorFlow is not timed.

    A process that builds Keras models grows by a few megabytes per model
    (TensorFlow keeps state per traced function), so all the searches of a
    Keras problem with 5 seeds do not fit in memory in one process.
    """
    if isolate:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            run = pool.submit(_isolated, runner.__name__, problem.name, seed, kwargs).result()
    else:
        run = runner(problem, seed, X, y, **kwargs)
    run.seed = seed
    return run


def part_time_to_target(problems, seeds, variants=(), peers=PEERS, save=None, isolate=False,
                        bayes_only=False, bayes_from=(), with_default=True):
    """BayesSearchCV sets the target and T; the halving searches run against them.

    ``variants`` adds HalvingBayesSearchCV with BOHB's per-budget rule, with
    Hyperband's brackets, with the asynchronous schedule, with a surrogate
    that has the budget as an input and with Hyperband's brackets from three
    times the problem's ``min_resources`` (``"raised-min"``); ``peers`` chooses which of scikit-learn's
    and Optuna's halving searches run beside sktune's. ``save`` is a JSON file the
    raw runs are written to after each seed (see ``--report``); ``isolate`` runs
    every search in a fresh process. ``bayes_only`` stops after BayesSearchCV;
    ``bayes_from`` (files saved with ``save``) takes its runs, and so the target
    and T, from there instead of running it. ``with_default=False`` leaves
    out HalvingBayesSearchCV's default configuration, to add variants to runs
    saved earlier (``--report`` merges the files).
    """
    saved = {name: runs for name, _, _, runs in load_rows(*bayes_from)} if bayes_from else {}
    if "optuna" in peers and not bayes_only and any(
        PROBLEMS[name].optuna_space is not None for name in problems
    ):
        check_optuna()
    rows = []
    for name in problems:
        problem = PROBLEMS[name]
        X, y = problem.data()
        runs = {}
        if bayes_from:
            if name not in saved:
                raise ValueError(f"{name} has no BayesSearchCV runs in {bayes_from}")
            runs["BayesSearchCV"] = saved[name]["BayesSearchCV"]
        else:
            for seed in seeds:
                bayes = _call(run_bayes, problem, seed, X, y, isolate, n_iter=N_FULL)
                runs.setdefault("BayesSearchCV", []).append(bayes)
                print(f"  {name} seed {seed}: BayesSearchCV {bayes.seconds:.0f} s", flush=True)
                if save:
                    save_rows(rows + [(name, *target_and_budget(runs["BayesSearchCV"]), runs)],
                              save)
        target, budget = target_and_budget(runs["BayesSearchCV"])
        for seed in () if bayes_only else seeds:
            if with_default:
                runs.setdefault("HalvingBayesSearchCV", []).append(
                    _call(run_halving_bayes, problem, seed, X, y, isolate, max_time=budget)
                )
            if "per-budget" in variants:
                runs.setdefault("  per-budget (BOHB) rule", []).append(
                    _call(run_halving_bayes, problem, seed, X, y, isolate, max_time=budget,
                          cls=PerBudgetHalvingSearchCV)
                )
            if "hyperband" in variants:
                runs.setdefault("  hyperband brackets", []).append(
                    _call(run_halving_bayes, problem, seed, X, y, isolate, max_time=budget,
                          bracket_schedule="hyperband")
                )
            if "budget-input" in variants:  # with Hyperband's brackets, the default
                runs.setdefault("  budget as input", []).append(
                    _call(run_halving_bayes, problem, seed, X, y, isolate, max_time=budget,
                          bracket_schedule="hyperband", cls=BudgetInputHalvingSearchCV)
                )
            if "raised-min" in variants:  # the halving guide's advice for a large fixed cost
                runs.setdefault("  min_resources x3", []).append(
                    _call(run_halving_bayes, problem, seed, X, y, isolate, max_time=budget,
                          bracket_schedule="hyperband", min_resources=3 * problem.min_resources,
                          label="  min_resources x3")
                )
            if "asynchronous" in variants:
                runs.setdefault("  asynchronous (ASHA)", []).append(
                    _call(run_halving_bayes, problem, seed, X, y, isolate, max_time=budget,
                          bracket_schedule="asynchronous")
                )
            if "halving-random" in peers:
                runs.setdefault("HalvingRandomSearchCV", []).append(
                    _call(run_halving_random, problem, seed, X, y, isolate, max_time=budget)
                )
            if "optuna" in peers and problem.optuna_space is not None:
                runs.setdefault("OptunaSearchCV+pruner", []).append(
                    _call(run_optuna, problem, seed, X, y, isolate, max_time=budget)
                )
            print(f"  {name} seed {seed}: halving searches done", flush=True)
            if save:  # after each seed: a run cut short keeps the seeds it finished
                save_rows(rows + [(name, target, budget, runs)], save)
        rows.append((name, target, budget, runs))
        _print_time_to_target(rows[-1:])
        _print_paired(rows[-1:])
    return rows


def _paired(runs, bayes_runs, budget):
    """(method's best at T, BayesSearchCV's best at T) for each seed both ran.

    Runs saved before seeds were recorded pair by position: the script runs
    every method on the seeds in the same order.
    """
    if all(r.seed is None for r in runs + bayes_runs):
        if len(runs) != len(bayes_runs):
            return []
        pairs = zip(runs, bayes_runs, strict=True)
    else:
        by_seed = {r.seed: r for r in bayes_runs}
        pairs = [(r, by_seed[r.seed]) for r in runs if r.seed in by_seed]
    return [(r.best_by(budget), b.best_by(budget)) for r, b in pairs]


def _print_time_to_target(rows):
    """Time to the target, and the mean best score at a third, half and all of T.

    The best score at T/3 against BayesSearchCV's at T is the 3x question asked
    without the censoring of a median time: seeds that never reach the target
    still count. The searches given T as their budget count only what they
    evaluated within T (HalvingRandomSearchCV's last search, and the last step
    of HalvingBayesSearchCV, can end after it); BayesSearchCV's whole run counts,
    since it defines the target and T. "above Bayes" counts the seeds (same
    folds) on which a method's best at T beats BayesSearchCV's best at T.
    """
    for name, target, budget, runs in rows:
        # Every BayesSearchCV candidate has the full budget: its runs say how many
        # there were (fewer than N_FULL in runs saved with --quick).
        n_full = max(len(r.events) for r in runs["BayesSearchCV"])
        print(f"\n{name}: target {target:.4f} (median best of {n_full} full-budget "
              f"BayesSearchCV candidates), time budget T = {budget:.0f} s")
        base = statistics.median(r.time_to(target) for r in runs["BayesSearchCV"])
        print(f"{'method':24s} {'to target (median s)':>20s} {'reached':>8s} "
              f"{'vs Bayes':>9s} {'best at T/3':>11s} {'at T/2':>7s} "
              f"{'at T (mean ± sd)':>17s} {'above Bayes':>11s}")
        for method, method_runs in runs.items():
            until = np.inf if method == "BayesSearchCV" else budget
            times = [r.time_to(target, until) for r in method_runs]
            median = statistics.median(times)
            reached = sum(np.isfinite(t) for t in times)
            finite = np.isfinite(base) and np.isfinite(median) and median > 0
            ratio = base / median if finite else float("nan")
            at = {k: [r.best_by(budget / k) for r in method_runs] for k in (3, 2, 1)}
            paired = _paired(method_runs, runs["BayesSearchCV"], budget)
            above = (f"{sum(a > b for a, b in paired)}/{len(paired)}"
                     if paired and method != "BayesSearchCV" else "-")
            print(f"{method:24s} {median:20.1f} {reached:>5d}/{len(times)} {ratio:8.2f}x "
                  f"{np.nanmean(at[3]):11.4f} {np.nanmean(at[2]):7.4f} "
                  f"{np.nanmean(at[1]):8.4f} ± {np.nanstd(at[1]):.4f} {above:>11s}")
        _print_training_to_target(name, target, budget, runs)


def _print_training_to_target(name, target, budget, runs):
    """The training each method spent until the target, in full-budget fits.

    Time to the target with the fixed cost of a fit (building a model, tracing
    its training step) taken out: what the same searches would need where an
    epoch costs far more than building the model. "by 10" and "by 15" count
    the seeds that reached the target within a third and half of
    BayesSearchCV's training (the 3x question without the censoring of a
    median). Methods whose saved runs do not record their training (runs saved
    before it was) are left out.
    """
    problem = PROBLEMS[name]
    full_fit = problem.max_resources * CV
    rows = []
    for method, method_runs in runs.items():
        until = np.inf if method == "BayesSearchCV" else budget
        trained = [r.trained_to(target, full_fit, until) for r in method_runs]
        if trained and all(t is not None for t in trained):
            rows.append((method, statistics.median(trained), trained))
    if not rows or rows[0][0] != "BayesSearchCV":
        return
    base = rows[0][1]
    # BayesSearchCV's whole training: as many full-budget fits as it has candidates.
    n_full = max(len(r.events) for r in runs["BayesSearchCV"])
    print(f"training to the target, in full-budget fits ({problem.max_resources} "
          f"{problem.resource} on each fold); BayesSearchCV trains {n_full}")
    per_seed = len(runs["BayesSearchCV"]) <= 10
    header = (f"{'method':24s} {'median':>8s} {'vs Bayes':>9s} {'by ' + str(n_full // 3):>7s} "
              f"{'by ' + str(n_full // 2):>7s}   {'per seed' if per_seed else ''}")
    print(header.rstrip())
    for method, median, trained in rows:
        ratio = base / median if np.isfinite(base) and np.isfinite(median) else float("nan")
        by = [f"{sum(t <= n_full // k for t in trained)}/{len(trained)}" for k in (3, 2)]
        seeds = ", ".join(f"{t:.1f}" for t in trained) if per_seed else ""
        line = f"{method:24s} {median:8.1f} {ratio:8.2f}x {by[0]:>7s} {by[1]:>7s}   {seeds}"
        print(line.rstrip())


def _print_paired(rows, reference="HalvingRandomSearchCV", say_if_missing=False):
    """Each method's best at T against ``reference``'s on the same seed and folds.

    The mean over seeds of the difference, ± its standard error, and the seeds
    on which the method is ahead, level and behind: with scores this close, a
    paired difference separates methods that the spread of their means cannot.
    A problem where ``reference`` ran on fewer than two seeds has no table (and
    a line saying which methods it has, with ``say_if_missing``).
    """
    for name, _, budget, runs in rows:
        # Variants are indented in the tables; match them without the indent.
        ref = next((m for m in runs if m.strip() == reference.strip()), reference)
        if len(runs.get(ref, ())) < 2:
            if say_if_missing:
                print(f"\n{name}: no paired table, {reference!r} ran on fewer than 2 "
                      f"seeds (methods: {', '.join(m.strip() for m in runs)})")
            continue
        print(f"\n{name}, best at T against {ref.strip()} on the same seeds")
        print(f"{'method':24s} {'paired difference':>19s} {'ahead / level / behind':>23s}")
        for method, method_runs in runs.items():
            if method == ref:
                continue
            diff = np.array([a - b for a, b in _paired(method_runs, runs[ref], budget)])
            diff = diff[np.isfinite(diff)]
            if len(diff) < 2:
                continue
            error = diff.std(ddof=1) / np.sqrt(len(diff))
            counts = f"{(diff > 0).sum()} / {(diff == 0).sum()} / {(diff < 0).sum()}"
            print(f"{method:24s} {diff.mean():+10.4f} ± {error:.4f} {counts:>23s}")


def part_cost(problems, repeats=5):
    """The cost of one evaluation at the lowest and the full budget.

    For each problem's estimator with its default parameters, on the first of
    the two folds of seed 0: fits at the lowest budget and at nine times it,
    interleaved, ``repeats`` times each; the fixed cost is what a fit costs
    beyond its epochs or iterations, extrapolated from the two, and "score"
    is the scorer on the other fold. "low / full" is what an evaluation at
    the lowest budget costs against one at the full budget, estimated from
    the same figures: what decides how many low-budget evaluations a halving
    bracket can afford.
    """
    print(f"Cost of one evaluation, median of {repeats} interleaved fits per budget "
          "(estimator defaults, seed 0's first fold)")
    print(f"{'problem':20s} {'low':>4s} {'fit s':>7s} {'9x':>4s} {'fit s':>7s} "
          f"{'per unit s':>10s} {'fixed s':>8s} {'score s':>8s} {'full':>4s} "
          f"{'low / full':>10s}")
    for name in problems:
        problem = PROBLEMS[name]
        X, y = problem.data()
        train, test = next(_cv(problem, 0).split(X, y))
        scorer = check_scoring(problem.make_estimator(), problem.scoring)
        low, full = problem.min_resources, problem.max_resources
        times = {low: [], 9 * low: []}
        scoring = []
        for _ in range(repeats):
            for budget in times:
                estimator = problem.make_estimator().set_params(**{problem.resource: budget})
                began = time.perf_counter()
                estimator.fit(X[train], y[train])
                times[budget].append(time.perf_counter() - began)
                began = time.perf_counter()
                scorer(estimator, X[test], y[test])
                scoring.append(time.perf_counter() - began)
        t_low, t_high = (statistics.median(times[b]) for b in times)
        per_unit = (t_high - t_low) / (8 * low)
        fixed = t_low - low * per_unit
        score = statistics.median(scoring)
        full_cost = fixed + full * per_unit + score
        print(f"{name:20s} {low:4d} {t_low:7.3f} {9 * low:4d} {t_high:7.3f} {per_unit:10.4f} "
              f"{fixed:8.3f} {score:8.3f} {full:4d} {(t_low + score) / full_cost:10.3f}")


def part_continuation(problems, seeds, isolate=False):
    """Two brackets with and without continued training, per problem and seed.

    The two arms run in turn, restarting first on even seeds and continuing
    first on odd ones, so that neither always runs in a warmer process.
    """
    print("\nContinued training vs restarting promoted candidates (2 brackets each)")
    print(f"{'problem':20s} {'seed':>4s} {'restart s':>10s} {'continue s':>11s} "
          f"{'saving':>7s} {'best, restart':>14s} {'best, continue':>15s}")
    for name in problems:
        problem = PROBLEMS[name]
        X, y = problem.data()
        for seed in seeds:
            runs = {}
            for continue_training in (False, True) if seed % 2 == 0 else (True, False):
                runs[continue_training] = _call(
                    run_halving_bayes, problem, seed, X, y, isolate, max_time=None,
                    n_brackets=2, continue_training=continue_training,
                )
            restart, resumed = runs[False], runs[True]
            best = [run.best_by(np.inf) for run in (restart, resumed)]
            print(f"{name:20s} {seed:4d} {restart.seconds:10.1f} {resumed.seconds:11.1f} "
                  f"{1 - resumed.seconds / restart.seconds:6.0%} {best[0]:14.4f} "
                  f"{best[1]:15.4f}", flush=True)


def _logged_mlp_class():
    from sklearn.neural_network import MLPClassifier

    class LoggedMLP(MLPClassifier):
        """MLPClassifier that appends (pid, start, end) of every fit and predict to a file.

        Predicting is how the search scores a fit, so a worker is busy for both.
        """

        def __init__(self, log_path=None, hidden_layer_sizes=100, max_iter=200, alpha=1e-4):
            super().__init__(
                hidden_layer_sizes=hidden_layer_sizes, max_iter=max_iter, alpha=alpha,
                batch_size=64, random_state=0,
            )
            self.log_path = log_path

        def fit(self, X, y):
            start = time.time()
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            super().fit(X, y)
            self._log(start)
            return self

        def predict(self, X):
            start = time.time()
            predictions = super().predict(X)
            self._log(start)
            return predictions

        def _log(self, start):
            with open(self.log_path, "a") as f:
                f.write(json.dumps([os.getpid(), start, time.time()]) + "\n")

    return LoggedMLP


def part_utilisation(schedules=("repeat", "asynchronous")):
    """Both workers' busy share, for each bracket schedule, on the same problem."""
    # Three times the digits, so that a fit (0.2 s on average) is long next to
    # joblib's dispatch of it; with the digits alone (44 ms fits) what lies
    # between the fits is a large share of the time: benchmarks/README.md.
    X, y = _shifted_digits_flat()
    print(f"\nWorker utilisation, HalvingBayesSearchCV(n_jobs=2), MLPClassifier on the "
          f"shifted digits ({X.shape[0]} x {X.shape[1]}), 3 brackets' worth of candidates")
    for schedule in schedules:
        with tempfile.TemporaryDirectory() as directory:
            log_path = os.path.join(directory, "fits.jsonl")
            estimator = _logged_mlp_class()(log_path=log_path)
            search = HalvingBayesSearchCV(
                estimator,
                # 16 to 1024 hidden units: the time of an iteration differs about
                # 5x between candidates.
                {"hidden_layer_sizes": Integer(16, 1024, prior="log-uniform"),
                 "alpha": loguniform(1e-6, 1e-2)},
                resource="max_iter", min_resources=2, max_resources=54, cv=3,
                n_brackets=3, n_jobs=2, refit=False, random_state=0,
                bracket_schedule=schedule,
            )
            start = time.time()
            search.fit(X, y)
            end = time.time()
            with open(log_path) as f:
                fits = [json.loads(line) for line in f]
        _print_utilisation(schedule, search, fits, start, end)


def _print_utilisation(schedule, search, fits, start, end):
    by_worker = {}
    for pid, a, b in fits:
        by_worker.setdefault(pid, []).append((a, b))
    times = np.linspace(start, end, 20001)
    busy = np.zeros((len(by_worker), len(times)), dtype=bool)
    for w, intervals in enumerate(by_worker.values()):
        for a, b in intervals:
            busy[w] |= (times >= a) & (times < b)
    both = busy.sum(axis=0) >= 2 if len(by_worker) >= 2 else np.zeros(len(times), bool)
    results = search.cv_results_
    durations = results["mean_fit_time"] / results["n_resources"]
    print(f"\nbracket_schedule={schedule!r}: candidates per rung {search.n_candidates_}, "
          f"best score {np.nanmax(results['mean_test_score'][results['iter'] == max(results['iter'])]):.4f}")
    print(f"fit time per iteration, slowest / fastest candidate: "
          f"{np.max(durations) / np.min(durations):.1f}x")
    n_fits = len(results["params"]) * search.n_splits_
    print(f"wall time {end - start:.1f} s, {n_fits} fits, workers {len(by_worker)}")
    print(f"share of wall time both workers are fitting or scoring: {both.mean():.1%}")
    print(f"share of worker time spent fitting or scoring: {busy.mean():.1%}")
    # What lies outside the fits: starting the worker processes and validating
    # before the first fit, refit-free wrap-up after the last one.
    first, last = min(a for _, a, _ in fits), max(b for _, _, b in fits)
    window = (times >= first) & (times < last)
    print(f"before the first fit {first - start:.1f} s, after the last {end - last:.1f} s; "
          f"between them both workers are busy {both[window].mean():.1%} of the time")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--part", choices=["all", "target", "continuation", "utilisation",
                                           "cost"], default="all")
    parser.add_argument("--strategies", nargs="*", choices=VARIANTS, default=None,
                        help="also run HalvingBayesSearchCV with BOHB's per-budget rule, "
                             "Hyperband's brackets, the asynchronous schedule and/or "
                             "Hyperband's brackets proposed by a surrogate with the budget as "
                             "an input, and/or Hyperband's brackets from three times the "
                             "problem's min_resources (all if none is named)")
    parser.add_argument("--peers", nargs="*", choices=PEERS, default=list(PEERS),
                        help="the peers' halving searches to run (all by default)")
    parser.add_argument("--save", metavar="FILE",
                        help="write the raw runs of --part target to this JSON file")
    parser.add_argument("--isolate", action="store_true",
                        help="run every search of --part target or continuation in a "
                             "fresh process "
                             "(bounded memory: needed for 5 seeds of a Keras problem)")
    parser.add_argument("--bayes-only", action="store_true",
                        help="--part target: run only BayesSearchCV (the first stage of a "
                             "problem whose seeds are split across processes)")
    parser.add_argument("--without-default", action="store_true",
                        help="--part target: run only the --strategies variants and --peers, "
                             "not HalvingBayesSearchCV's default configuration (to add them "
                             "to runs saved earlier)")
    parser.add_argument("--bayes-from", nargs="+", metavar="FILE", default=(),
                        help="--part target: take BayesSearchCV's runs, the target and T "
                             "from these files (saved with --save) instead of running it")
    parser.add_argument("--paired-with", metavar="METHOD", default="HalvingRandomSearchCV",
                        help="the method every other is paired with, seed by seed, in "
                             "--report's last tables (--part target pairs with "
                             "HalvingRandomSearchCV)")
    parser.add_argument("--report", nargs="+", metavar="FILE",
                        help="print the tables of runs saved with --save, merging the "
                             "files' runs of one problem; runs nothing")
    parser.add_argument("--quick", action="store_true",
                        help="2 problems, 2 seeds: checks that the script runs")
    args = parser.parse_args(argv)
    if args.report:
        rows = load_rows(*args.report)
        _print_time_to_target(rows)
        _print_paired(rows, args.paired_with, say_if_missing=True)
        return
    _quiet()
    if args.quick:
        global N_FULL
        N_FULL = 6
        args.problems, args.seeds = ["keras-mlp-digits", "mlp-max-iter"], [0, 1]
    print("command: python benchmarks/multifidelity.py " + " ".join(sys.argv[1:]))
    if args.part in ("all", "target"):
        variants = () if args.strategies is None else args.strategies or VARIANTS
        part_time_to_target(
            args.problems, args.seeds, variants, args.peers, args.save, args.isolate,
            args.bayes_only, args.bayes_from, not args.without_default,
        )
    if args.part in ("all", "cost"):
        part_cost(args.problems)
    if args.part in ("all", "continuation"):
        part_continuation(args.problems, args.seeds, args.isolate)
    if args.part in ("all", "utilisation"):
        part_utilisation()


if __name__ == "__main__":
    main()

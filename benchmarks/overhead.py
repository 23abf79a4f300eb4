"""Optimiser overhead: seconds to propose the next point, sktune vs scikit-optimize.

Both optimisers are told the same random history of ``n - 1`` evaluations of a
6-dimensional mixed problem (3 reals, a 20-level integer, 3- and 5-way
categoricals) and one point of their own choosing; then each proposes
``N_STEPS`` more points one at a time (each told before the next ask, as in a
sequential search) and the median time per point is printed. For
scikit-optimize the timed step is ``tell`` + ``ask``, because its ``tell``
refits the surrogate and optimises the acquisition; for sktune it is ``ask``,
which refits after new ``tell`` data. BLAS runs on one thread for both.

The second table times whole searches of ``n_iter`` candidates (cv=3,
``n_jobs=1``) on three cheap models, as a ratio to ``RandomizedSearchCV`` with
the same budget: what the model-based choice of candidates costs end to end.
The hardest case is the scaled SVC on breast_cancer (6 mixed parameters, fits
of a few milliseconds), where the proposals are most of what is not fitting.

Run from the repository root::

    python benchmarks/overhead.py            # add --no-skopt-search to skip the slow peer
"""

from pathlib import Path
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

# Run from a checkout without installing: the repository root holds ``sktune``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sktune.optimize._base import (
    CATEGORICAL,
    CONTINUOUS,
    ORDINAL,
    Coordinate,
    levels,
    snap,
)
from sktune.optimize.bayes import GPOptimizer

HISTORY_SIZES = (10, 50, 100, 200)
N_STEPS = 3
SEED = 0
INTEGER_LEVELS = 20
CATEGORIES = (("a", "b", "c"), ("p", "q", "r", "s", "t"))
COORDINATES = (
    Coordinate(CONTINUOUS),
    Coordinate(CONTINUOUS),
    Coordinate(CONTINUOUS),
    Coordinate(ORDINAL, INTEGER_LEVELS),
    Coordinate(CATEGORICAL, len(CATEGORIES[0])),
    Coordinate(CATEGORICAL, len(CATEGORIES[1])),
)


def objective(points):
    """A smooth mixed objective with a category effect; values are minimised."""
    integer = levels(points, 3, COORDINATES)
    cat_a = levels(points, 4, COORDINATES)
    cat_b = levels(points, 5, COORDINATES)
    return (
        ((points[:, :3] - [0.2, 0.7, 0.5]) ** 2).sum(axis=1)
        + 0.01 * (integer - 12) ** 2
        + np.array([0.3, 0.0, 0.6])[cat_a]
        + 0.1 * cat_b
        + 0.2 * np.sin(8 * points[:, 0])
    )


def to_skopt(point):
    """The unit-cube point as a scikit-optimize parameter list."""
    p = point[None, :]
    return [
        float(point[0]),
        float(point[1]),
        float(point[2]),
        int(levels(p, 3, COORDINATES)[0]),
        CATEGORIES[0][levels(p, 4, COORDINATES)[0]],
        CATEGORIES[1][levels(p, 5, COORDINATES)[0]],
    ]


def from_skopt(params):
    point = np.empty(len(COORDINATES))
    point[:3] = params[:3]
    point[3] = (params[3] + 0.5) / INTEGER_LEVELS
    for j, (values, value) in enumerate(
        zip(CATEGORIES, params[4:], strict=True), start=4
    ):
        point[j] = (values.index(value) + 0.5) / len(values)
    return point


def random_history(n, seed):
    points = snap(
        np.random.default_rng(seed).random((n, len(COORDINATES))), COORDINATES
    )
    return points, objective(points)


def time_sktune(points, values, n_steps=N_STEPS, seed=SEED):
    """Median seconds per proposal after telling ``points``."""
    opt = GPOptimizer(COORDINATES, random_state=seed)
    opt.tell(points[:-1], values[:-1])
    # The first fit is a cold start; a running search always warm-starts, so the
    # n-th evaluation is the optimiser's own untimed proposal.
    x = opt.ask()
    opt.tell(x, objective(x))
    times = []
    for _ in range(n_steps):
        start = time.perf_counter()
        x = opt.ask()
        times.append(time.perf_counter() - start)
        opt.tell(x, objective(x))
    return float(np.median(times))


def time_skopt(points, values, n_steps=N_STEPS, seed=SEED):
    """Median seconds per proposal of ``skopt.Optimizer(base_estimator="GP")``."""
    from skopt import Optimizer
    from skopt.space import Categorical, Integer, Real

    dimensions = (
        [Real(0.0, 1.0)] * 3
        + [Integer(0, INTEGER_LEVELS - 1)]
        + [Categorical(list(values_)) for values_ in CATEGORIES]
    )
    opt = Optimizer(dimensions, base_estimator="GP", random_state=seed)
    opt.tell([to_skopt(p) for p in points[:-1]], [float(v) for v in values[:-1]])
    last_x = opt.ask()  # as for sktune, the n-th evaluation is its own proposal
    last_y = float(objective(from_skopt(last_x)[None, :])[0])
    times = []
    for _ in range(n_steps):
        start = time.perf_counter()
        opt.tell(last_x, last_y)
        last_x = opt.ask()
        times.append(time.perf_counter() - start)
        last_y = float(objective(from_skopt(last_x)[None, :])[0])
    return float(np.median(times))


def time_hebo(points, values, n_steps=N_STEPS, seed=SEED):
    """Median seconds per proposal of HEBO (``suggest`` after ``observe``)."""
    from hebo.design_space.design_space import DesignSpace
    from hebo.optimizers.hebo import HEBO
    import pandas as pd
    import torch

    names = ["x0", "x1", "x2", "integer", "cat_a", "cat_b"]
    config = [{"name": n, "type": "num", "lb": 0.0, "ub": 1.0} for n in names[:3]]
    config.append({"name": "integer", "type": "int", "lb": 0, "ub": INTEGER_LEVELS - 1})
    config += [
        {"name": n, "type": "cat", "categories": list(c)}
        for n, c in zip(names[4:], CATEGORIES, strict=True)
    ]

    def frame(batch):
        return pd.DataFrame([to_skopt(p) for p in batch], columns=names)

    def evaluate(suggestion):
        row = suggestion.iloc[0]
        point = from_skopt([row[n] for n in names])
        return objective(point[None, :]).reshape(-1, 1)

    np.random.seed(seed)  # noqa: NPY002 (HEBO draws from the global states)
    torch.manual_seed(seed)
    opt = HEBO(DesignSpace().parse(config), scramble_seed=seed)
    opt.observe(frame(points[:-1]), values[:-1].reshape(-1, 1))
    last = opt.suggest()  # as for sktune, the n-th evaluation is its own proposal
    last_y = evaluate(last)
    times = []
    for _ in range(n_steps):
        start = time.perf_counter()
        opt.observe(last, last_y)
        last = opt.suggest()
        times.append(time.perf_counter() - start)
        last_y = evaluate(last)
    return float(np.median(times))


def _available(module):
    try:
        __import__(module)
    except Exception as exc:  # numpy 2 incompatibilities surface as AttributeError
        print(f"{module} unavailable ({type(exc).__name__}: {exc}); not timed.")
        return False
    return True


def proposal_overhead(history_sizes=HISTORY_SIZES):
    """Rows of (n, sktune, skopt, HEBO seconds; None for a missing peer)."""
    skopt_available = _available("skopt")
    hebo_available = _available("hebo")
    rows = []
    for n in history_sizes:
        points, values = random_history(n, SEED + n)
        ours = time_sktune(points, values)
        skopt = time_skopt(points, values) if skopt_available else None
        hebo = time_hebo(points, values) if hebo_available else None
        rows.append((n, ours, skopt, hebo))
    return rows


def print_overhead(rows):
    print(
        "Seconds to propose one point, 6 mixed dimensions (median of "
        f"{N_STEPS} sequential proposals)"
    )
    print(
        f"{'evaluations':>11}  {'sktune GPOptimizer':>18}  {'skopt Optimizer':>15}  "
        f"{'skopt / sktune':>14}  {'HEBO':>8}  {'HEBO / sktune':>13}"
    )
    for n, ours, skopt, hebo in rows:
        cells = []
        for theirs, width in ((skopt, (15, 14)), (hebo, (8, 13))):
            text = "n/a" if theirs is None else f"{theirs:.3f}"
            ratio = "n/a" if theirs is None else f"{theirs / ours:.1f}x"
            cells.append(f"{text:>{width[0]}}  {ratio:>{width[1]}}")
        print(f"{n:>11}  {ours:>18.3f}  " + "  ".join(cells))


def _search_problems():
    """Cheap models for the whole-search timing: (name, estimator, space, X, y)."""
    from scipy.stats import loguniform, randint
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_breast_cancer(return_X_y=True)
    svc = make_pipeline(StandardScaler(), SVC())
    svc_space = {
        "svc__C": loguniform(1e-3, 1e3),
        "svc__gamma": loguniform(1e-4, 1e0),
        "svc__kernel": ["rbf", "poly", "sigmoid"],
        "svc__degree": randint(2, 5),
        "svc__class_weight": [None, "balanced"],
        "svc__shrinking": [True, False],
    }
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    logistic_space = {
        "logisticregression__C": loguniform(1e-4, 1e3),
        "logisticregression__fit_intercept": [True, False],
        "logisticregression__class_weight": [None, "balanced"],
    }
    tree_space = {
        "max_depth": randint(1, 20),
        "min_samples_leaf": randint(1, 30),
        "criterion": ["gini", "entropy", "log_loss"],
        "max_features": loguniform(0.05, 1.0),
    }
    return [
        ("scaled SVC", svc, svc_space, X, y),
        ("logistic regression", logistic, logistic_space, X, y),
        ("decision tree", DecisionTreeClassifier(random_state=0), tree_space, X, y),
    ]


def _search_methods(include_skopt):
    """(label, class, extra parameters) of the searches timed, the baseline first."""
    from sklearn.model_selection import RandomizedSearchCV

    from sktune import BayesSearchCV, GeneticSearchCV

    methods = [
        ("RandomizedSearchCV", RandomizedSearchCV, {}),
        ("sktune BayesSearchCV", BayesSearchCV, {}),
        ("sktune BayesSearchCV n_points=4", BayesSearchCV, {"n_points": 4}),
        ("sktune GeneticSearchCV", GeneticSearchCV, {}),
    ]
    if include_skopt:
        try:
            from skopt import BayesSearchCV as SkoptBayesSearchCV
        except Exception as exc:  # an incompatible peer is reported, not fatal
            print(f"scikit-optimize unavailable for the search timing: {exc}")
        else:
            methods.append(("skopt BayesSearchCV", SkoptBayesSearchCV, {}))
    return methods


def search_wall_times(n_iter=100, cv=3, repeats=3, include_skopt=True):
    """Whole-search wall time for ``n_iter`` candidates, ``n_jobs=1``.

    The methods are interleaved (every method once, then again, ``repeats``
    times), so that a change in the machine's load touches all of them alike;
    each figure is the median over the repeats. scikit-optimize, whose search
    takes minutes, runs once. Returns rows of (problem, method, seconds).
    """
    from _problems import to_skopt  # the peers' spaces, translated once

    methods = _search_methods(include_skopt)
    rows = []
    for problem, estimator, space, X, y in _search_problems():
        times = {label: [] for label, _, _ in methods}
        for repeat in range(repeats):
            for label, cls, params in methods:
                if label.startswith("skopt") and repeat > 0:
                    continue
                spec = to_skopt(space) if label.startswith("skopt") else space
                search = cls(
                    estimator, spec, n_iter=n_iter, cv=cv, random_state=SEED, **params
                )
                started = time.perf_counter()
                search.fit(X, y)
                times[label].append(time.perf_counter() - started)
        rows += [(problem, label, float(np.median(t))) for label, t in times.items()]
    return rows


def print_wall_times(rows, n_iter, cv, repeats):
    print()
    print(
        f"Whole-search wall time, n_iter={n_iter}, cv={cv}, n_jobs=1 (seconds, "
        f"median of {repeats} interleaved runs)"
    )
    print(f"{'problem':<20}  {'method':<32}  {'seconds':>8}  {'/ Randomized':>12}")
    baseline = {p: t for p, m, t in rows if m == "RandomizedSearchCV"}
    for problem, method, seconds in rows:
        ratio = seconds / baseline[problem]
        print(f"{problem:<20}  {method:<32}  {seconds:>8.2f}  {ratio:>12.2f}")


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=100, help="candidates per search")
    parser.add_argument("--cv", type=int, default=3, help="folds per candidate")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs")
    parser.add_argument("--no-skopt-search", action="store_true",
                        help="skip scikit-optimize's (slow) whole-search timing")
    args = parser.parse_args(argv)
    print("command: python benchmarks/overhead.py " + " ".join(argv or sys.argv[1:]))
    warnings.filterwarnings("ignore", module="skopt")
    warnings.filterwarnings("ignore", module="sklearn")
    # Single-threaded BLAS for both: sktune limits itself anyway, and on a
    # shared machine threaded OpenBLAS makes timings swing by 10x.
    with threadpool_limits(1, user_api="blas"):
        print_overhead(proposal_overhead())
        rows = search_wall_times(
            args.n_iter, args.cv, args.repeats, include_skopt=not args.no_skopt_search
        )
    print_wall_times(rows, args.n_iter, args.cv, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

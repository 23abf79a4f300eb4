"""Search quality: the best CV score each method reaches with the same budget.

sktune's BayesSearchCV and GeneticSearchCV against RandomizedSearchCV,
scikit-optimize's BayesSearchCV, Optuna's OptunaSearchCV (TPE sampler, seeded
through ``random_state``) and sklearn-genetic-opt's GASearchCV, on the problems
of ``_problems.py``, every method with ``n_iter`` candidates, ``n_jobs=1``,
``refit=False`` and the same CV splits. sktune and RandomizedSearchCV get the
problem's ``param_distributions`` unchanged; the peers get the equivalent space
translated into their own objects (see ``_problems.py``).

Score: per problem, 0 is the mean over seeds of random search's best CV score and
100 the best CV score any method reached in any seed; a method's figure is the
mean over seeds of ``100 * (score - random_mean) / (best - random_mean)``.

Peers are run with their defaults except where the budget requires otherwise:

- GASearchCV has no ``n_iter`` and no ``random_state``. Its default algorithm
  (eaMuPlusLambda) evaluates ``population_size`` individuals, then up to
  ``2 * population_size`` offspring per generation; offspring identical to an
  earlier individual come from its cache and are not fitted again, so the number
  of fits per generation is not known in advance. It runs with
  ``population_size=8`` and a ``generations`` cap it never reaches, and a
  callback (its documented ``BaseCallback`` API) stops it after the first
  generation at which it has fitted at least ``n_iter`` distinct candidates. It
  therefore gets at least the budget, often a few candidates more: the
  "candidates/search" column of the time table shows how many. It is seeded
  through the global ``random`` and ``numpy.random`` states (DEAP and its
  dimensions draw from them), set right before ``fit`` and restored after.
- scikit-optimize's BayesSearchCV always calls ``Optimizer.ask(n_points=1)``,
  which goes through its constant-liar path: the optimiser is copied and its
  Gaussian process refitted, so it fits two GPs per candidate. This is its
  default behaviour and is kept; it is why its wall time is high.

BLAS and OpenMP run single-threaded (set below, before NumPy is imported): the
machine is shared, and on an oversubscribed machine multi-threaded BLAS made
scikit-optimize's GP fits about three times slower, which is not a property of
the method.

Run ``python benchmarks/quality.py --quick`` for a smoke run.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402
import random  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
# sktune from this checkout when it is not installed.
sys.path.insert(1, str(_HERE.parent))

from _problems import (  # noqa: E402
    make_problems,
    to_hebo,
    to_optuna,
    to_sklearn_genetic,
    to_skopt,
)

QUICK_PROBLEMS = ["knn-digits", "kridge-diabetes"]
GASEARCH_POPULATION = 8


def _best_of(cv_results):
    scores = np.asarray(cv_results["mean_test_score"], dtype=float)
    return float(np.nanmax(scores)) if np.isfinite(scores).any() else np.nan


def _search_kwargs(problem, n_iter, seed):
    return dict(
        n_iter=n_iter,
        scoring=problem.scoring,
        cv=problem.cv,
        n_jobs=1,
        refit=False,
        random_state=seed,
    )


def _outcome(search, proposal_seconds=None):
    """(best score, candidates evaluated, seconds spent proposing or None)."""
    results = search.cv_results_
    return _best_of(results), len(results["params"]), proposal_seconds


def run_random(problem, seed, n_iter, n_points):
    from sklearn.model_selection import RandomizedSearchCV

    search = RandomizedSearchCV(
        problem.estimator,
        problem.param_distributions,
        **_search_kwargs(problem, n_iter, seed),
    ).fit(problem.X, problem.y)
    return _outcome(search)


class _TimedAsks:
    """Wraps an sktune optimiser's ``ask`` to add up the time spent proposing."""

    def __init__(self):
        self.seconds = 0.0

    def wrap(self, optimizer):
        ask = optimizer.ask

        def timed_ask(*args, **kwargs):
            tic = time.perf_counter()
            try:
                return ask(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - tic

        optimizer.ask = timed_ask
        return optimizer


def _run_sktune(search_class, problem, seed, n_iter, **params):
    timer = _TimedAsks()

    class Timed(search_class):
        def _make_optimizer(self, coordinates, random_state):
            return timer.wrap(super()._make_optimizer(coordinates, random_state))

    Timed.__name__ = search_class.__name__
    search = Timed(
        problem.estimator,
        problem.param_distributions,
        **_search_kwargs(problem, n_iter, seed),
        **params,
    ).fit(problem.X, problem.y)
    return _outcome(search, timer.seconds)


def run_sktune_bayes(problem, seed, n_iter, n_points):
    from sktune import BayesSearchCV

    return _run_sktune(BayesSearchCV, problem, seed, n_iter, n_points=n_points)


def run_sktune_genetic(problem, seed, n_iter, n_points):
    from sktune import GeneticSearchCV

    return _run_sktune(GeneticSearchCV, problem, seed, n_iter)


def run_skopt(problem, seed, n_iter, n_points):
    from skopt import BayesSearchCV

    search = BayesSearchCV(
        problem.estimator,
        to_skopt(problem.param_distributions),
        n_points=n_points,
        **_search_kwargs(problem, n_iter, seed),
    ).fit(problem.X, problem.y)
    return _outcome(search)


def run_optuna(problem, seed, n_iter, n_points):
    import optuna
    from optuna_integration import OptunaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    kwargs = _search_kwargs(problem, n_iter, seed)
    kwargs["n_trials"] = kwargs.pop("n_iter")
    # random_state seeds the TPESampler that OptunaSearchCV creates.
    search = OptunaSearchCV(
        problem.estimator, to_optuna(problem.param_distributions), verbose=0, **kwargs
    ).fit(problem.X, problem.y)
    return float(search.best_score_), search.n_trials_, None


@contextlib.contextmanager
def _global_seeds(seed, torch=None):
    """Seed the global random states a peer draws from; restore them after."""
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    torch_state = None if torch is None else torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (the peer draws from the global state)
    if torch is not None:
        torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002
        if torch is not None:
            torch.set_rng_state(torch_state)


def run_gasearch(problem, seed, n_iter, n_points):
    from sklearn_genetic import GASearchCV
    from sklearn_genetic.callbacks.base import BaseCallback

    class StopAtBudget(BaseCallback):
        """Stop after the generation that brings the distinct fits to the budget."""

        def on_step(self, record=None, logbook=None, estimator=None):
            return len(estimator.fitness_cache) >= n_iter

    # Built before seeding: sklearn_genetic's Categorical calls random.seed(None).
    search = GASearchCV(
        problem.estimator,
        cv=problem.cv,
        param_grid=to_sklearn_genetic(problem.param_distributions),
        scoring=problem.scoring,
        population_size=GASEARCH_POPULATION,
        generations=1000,
        n_jobs=1,
        refit=False,
        verbose=False,
    )
    # It prints "INFO: Stopping the algorithm" when a callback stops it.
    with _global_seeds(seed), contextlib.redirect_stdout(io.StringIO()):
        search.fit(problem.X, problem.y, callbacks=StopAtBudget())
    return _best_of(search.cv_results_), len(search.fitness_cache), None


def _hebo_search_class():
    from sklearn.model_selection._search import BaseSearchCV

    class HEBOSearchCV(BaseSearchCV):
        """HEBO's suggest/observe loop on scikit-learn's ``BaseSearchCV``.

        Each batch of ``n_points`` suggestions is decoded into parameters,
        cross-validated by ``evaluate_candidates`` and observed as negated mean
        test scores (HEBO minimises; it drops NaN observations itself).
        """

        def __init__(
            self, estimator, hebo_space, *, n_iter, n_points, seed, scoring, cv,
            n_jobs, refit,
        ):
            super().__init__(
                estimator, scoring=scoring, n_jobs=n_jobs, refit=refit, cv=cv
            )
            self.hebo_space, self.n_iter, self.n_points = hebo_space, n_iter, n_points
            self.seed = seed

        def _run_search(self, evaluate_candidates, callback_ctx=None):
            from hebo.design_space.design_space import DesignSpace
            from hebo.optimizers.hebo import HEBO

            config, decoders = self.hebo_space
            optimizer = HEBO(DesignSpace().parse(config), scramble_seed=self.seed)
            self.proposal_seconds_, n_done = 0.0, 0
            while n_done < self.n_iter:
                tic = time.perf_counter()
                suggested = optimizer.suggest(
                    n_suggestions=min(self.n_points, self.n_iter - n_done)
                )
                self.proposal_seconds_ += time.perf_counter() - tic
                candidates = [
                    {name: decode(row[name]) for name, decode in decoders.items()}
                    for _, row in suggested.iterrows()
                ]
                results = evaluate_candidates(candidates)
                scores = np.asarray(results["mean_test_score"][-len(candidates):])
                optimizer.observe(suggested, -scores.reshape(-1, 1))
                n_done += len(candidates)

    return HEBOSearchCV


def _hash_pymoo_duplicates():
    """Make pymoo's mixed-variable duplicate check hash-based; same result, faster.

    HEBO's NSGA-II (pymoo 0.6) compares every pair of individuals in pure
    Python (``MixedVariableDuplicateElimination``: equal when every variable is
    equal), and on all-discrete spaces, where offspring are often duplicates,
    that comparison dominated its proposal time. This marks exactly the same
    individuals: with no ``other``, each one equal to a later one; otherwise
    each one equal to any of ``other``. Checked to give identical suggestions.
    """
    from pymoo.core.mixed import MixedVariableDuplicateElimination

    def _do(self, pop, other, is_duplicate):
        def key(individual):
            return tuple(individual.X.items())

        if other is None:
            later = set()
            for i in range(len(pop) - 1, -1, -1):
                is_duplicate[i] |= key(pop[i]) in later
                later.add(key(pop[i]))
        else:
            others = {key(individual) for individual in other}
            for i in range(len(pop)):
                is_duplicate[i] |= key(pop[i]) in others
        return is_duplicate

    MixedVariableDuplicateElimination._do = _do


def run_hebo(problem, seed, n_iter, n_points):
    import torch

    _hash_pymoo_duplicates()

    search = _hebo_search_class()(
        problem.estimator,
        to_hebo(problem.param_distributions),
        n_iter=n_iter,
        n_points=n_points,
        seed=seed,
        scoring=problem.scoring,
        cv=problem.cv,
        n_jobs=1,
        refit=False,
    )
    # HEBO's surrogate and its NSGA-II acquisition search draw from the global
    # NumPy and torch states; its initial design from its own scrambled Sobol.
    with _global_seeds(seed, torch):
        search.fit(problem.X, problem.y)
    return _outcome(search, search.proposal_seconds_)


# Imported before the clock starts: sklearn_genetic imports TensorFlow when it is
# installed (for its TensorBoard callback), which takes seconds.
IMPORTS = {
    "random": ["sklearn.model_selection"],
    "bayes": ["sktune"],
    "genetic": ["sktune"],
    "skopt": ["skopt"],
    "optuna": ["optuna", "optuna_integration"],
    "gasearch": ["sklearn_genetic"],
    "hebo": ["torch", "hebo.optimizers.hebo", "pymoo.core.mixed"],
}

# key: (table label, runner); the first is the baseline.
METHODS = {
    "random": ("RandomizedSearchCV", run_random),
    "bayes": ("sktune BayesSearchCV", run_sktune_bayes),
    "genetic": ("sktune GeneticSearchCV", run_sktune_genetic),
    "hebo": ("HEBO", run_hebo),
    "skopt": ("skopt BayesSearchCV", run_skopt),
    "optuna": ("OptunaSearchCV (TPE)", run_optuna),
    "gasearch": ("GASearchCV", run_gasearch),
}
# Methods whose proposals take a batch: the others ignore --n-points.
BATCHED = {"bayes", "hebo", "skopt"}


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, default=None, help="number of seeds (default 5)"
    )
    parser.add_argument(
        "--n-iter", type=int, default=None, help="candidates per search (default 32)"
    )
    parser.add_argument(
        "--problems", default=None, help="comma-separated problem names"
    )
    parser.add_argument(
        "--methods", default=None, help=f"comma-separated, from {','.join(METHODS)}"
    )
    parser.add_argument(
        "--n-points",
        type=int,
        default=1,
        help="candidates per proposal for " + ", ".join(sorted(BATCHED)) + " (default 1)",
    )
    parser.add_argument(
        "--save", default=None, help="write the raw results to this JSON file"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {','.join(QUICK_PROBLEMS)}, 2 seeds, n_iter 12",
    )
    args = parser.parse_args(argv)
    args.seeds = args.seeds or (2 if args.quick else 5)
    args.n_iter = args.n_iter or (12 if args.quick else 32)
    all_problems = make_problems()
    names = (
        args.problems.split(",")
        if args.problems
        else (QUICK_PROBLEMS if args.quick else [p.name for p in all_problems])
    )
    by_name = {p.name: p for p in all_problems}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        parser.error(f"unknown problems {unknown}; choose from {sorted(by_name)}")
    args.problem_list = [by_name[n] for n in names]
    methods = args.methods.split(",") if args.methods else list(METHODS)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {list(METHODS)}")
    if "random" not in methods:
        methods.insert(0, "random")  # the normalisation needs it
    args.method_list = [m for m in METHODS if m in methods]
    return args


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"python {sys.version.split()[0]}"]
    for dist in (
        "scikit-learn",
        "numpy",
        "scipy",
        "scikit-optimize",
        "optuna",
        "optuna-integration",
        "sklearn-genetic-opt",
        "HEBO",
        "torch",
    ):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} missing")
    return ", ".join(parts)


def _markdown(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        padded = (
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1)) + ("-" if i == 0 else ":") for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def _import_methods(methods):
    """Import each method's modules; a failure makes every run of it an error."""
    unavailable = {}
    for method in methods:
        try:
            # pymoo (under HEBO) prints a notice when its compiled modules are absent.
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                for module in IMPORTS[method]:
                    importlib.import_module(module)
        except Exception as exc:
            unavailable[method] = f"import failed: {type(exc).__name__}: {exc}"
    return unavailable


def run_all(args):
    """Every (problem, seed, method) search; progress goes to stderr."""
    names = [p.name for p in args.problem_list]
    scores = {(m, p): [] for m in args.method_list for p in names}
    errors, candidates = {}, {m: [] for m in args.method_list}
    proposing = {m: [] for m in args.method_list}  # seconds per proposed candidate
    seconds = dict.fromkeys(args.method_list, 0.0)
    unavailable = _import_methods(args.method_list)
    started = time.perf_counter()
    for problem in args.problem_list:
        for seed in range(args.seeds):
            for method in args.method_list:
                label, runner = METHODS[method]
                tic = time.perf_counter()
                # A peer's crash is a result to report, not the end of the run.
                try:
                    if method in unavailable:
                        raise RuntimeError(unavailable[method])
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        score, n_candidates, proposal_seconds = runner(
                            problem, seed, args.n_iter, args.n_points
                        )
                    candidates[method].append(n_candidates)
                    if proposal_seconds is not None:
                        proposing[method].append(proposal_seconds / n_candidates)
                    status = f"{score:.5g} ({n_candidates} candidates)"
                except Exception as exc:
                    score, message = np.nan, f"{type(exc).__name__}: {exc}"
                    errors.setdefault((method, problem.name), message)
                    status = f"error: {message[:200]}"
                elapsed = time.perf_counter() - tic
                seconds[method] += elapsed
                scores[method, problem.name].append(score)
                print(
                    f"[{time.perf_counter() - started:7.1f}s] {problem.name:16s} "
                    f"seed {seed} {label:24s} {elapsed:6.1f}s  {status}",
                    file=sys.stderr,
                    flush=True,
                )
    total = time.perf_counter() - started
    return scores, errors, seconds, candidates, proposing, total


def _finite_mean(values):
    values = np.asarray(values, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else np.nan


def normalise(scores, methods, problems):
    """Per seed: 0 = random search's mean over seeds, 100 = best score of any run."""
    normalised = {}
    for p in problems:
        random_mean = _finite_mean(scores["random", p])
        best = np.nanmax([s for m in methods for s in scores[m, p]] + [-np.inf])
        span = best - random_mean
        for m in methods:
            per_seed = np.asarray(scores[m, p], dtype=float)
            if np.isfinite(span) and span > 1e-12 * max(1.0, abs(best)):
                normalised[m, p] = 100 * (per_seed - random_mean) / span
            else:  # random search already found the best: nothing to normalise by
                normalised[m, p] = np.full_like(per_seed, np.nan)
    return normalised


def _one_decimal(value):
    # Random search's own row is 0 up to rounding error; do not print "-0.0".
    return f"{round(value, 1) + 0.0:.1f}"


def _quality_table(methods, problems, normalised, errors):
    def cell(m, p):
        mean = _finite_mean(normalised[m, p])
        if (m, p) in errors and not np.isfinite(mean):
            return "error: " + errors[m, p][:40]
        text = "n/a" if not np.isfinite(mean) else _one_decimal(mean)
        return text + ("*" if (m, p) in errors else "")

    rows, suite_means = [], {}
    for m in methods:
        suite_means[m] = _finite_mean(
            [_finite_mean(normalised[m, p]) for p in problems]
        )
        # Standard error over seeds of the per-seed suite mean.
        per_seed = np.nanmean(np.array([normalised[m, p] for p in problems]), axis=0)
        finite = per_seed[np.isfinite(per_seed)]
        se = (
            np.std(finite, ddof=1) / np.sqrt(len(finite)) if len(finite) > 1 else np.nan
        )
        rows.append(
            [
                METHODS[m][0],
                *(cell(m, p) for p in problems),
                f"{_one_decimal(suite_means[m])} ± {se:.1f}",
            ]
        )
    return _markdown(["method", *problems, "mean"], rows), suite_means


def _raw_table(methods, problems, scores):
    rows = [
        [METHODS[m][0], *(f"{_finite_mean(scores[m, p]):.4g}" for p in problems)]
        for m in methods
    ]
    return _markdown(["method", *problems], rows)


def _time_table(methods, seconds, candidates, proposing):
    base = seconds["random"]
    rows = [
        [
            METHODS[m][0],
            f"{seconds[m]:.1f}",
            f"{seconds[m] / base:.2f}" if base > 0 else "n/a",
            f"{np.mean(candidates[m]):.1f}" if candidates[m] else "n/a",
            f"{1000 * np.mean(proposing[m]):.1f}" if proposing[m] else "",
        ]
        for m in methods
    ]
    header = ["method", "seconds", "x random", "candidates/search", "ms/proposal"]
    return _markdown(header, rows)


def _save(path, args, results):
    """Write one run's raw results, for ``--merge``."""
    scores, errors, seconds, candidates, proposing, total = results
    record = {
        "command": sys.argv,
        "versions": _versions(),
        "seeds": args.seeds,
        "n_iter": args.n_iter,
        "n_points": args.n_points,
        "methods": args.method_list,
        "problems": [p.name for p in args.problem_list],
        "scores": {f"{m}|{p}": [float(x) for x in v] for (m, p), v in scores.items()},
        "errors": {f"{m}|{p}": e for (m, p), e in errors.items()},
        "seconds": seconds,
        "candidates": candidates,
        "proposing": proposing,
        "total": total,
    }
    Path(path).write_text(json.dumps(record, indent=1))


def _merge(paths):
    """Results of runs over disjoint problems (same methods, seeds and budget).

    A long benchmark can run as a few processes over parts of the problems,
    each with every method, and be reported as one: each problem's methods
    still ran interleaved in one process, so the time ratios hold per problem.
    """
    records = [json.loads(Path(p).read_text()) for p in paths]
    first = records[0]
    for key in ("seeds", "n_iter", "n_points", "methods"):
        if any(r[key] != first[key] for r in records):
            raise SystemExit(f"--merge: the runs differ in {key}; merge like with like.")
    problems = [p for r in records for p in r["problems"]]
    if len(set(problems)) != len(problems):
        raise SystemExit("--merge: a problem appears in two runs.")

    def split(key):
        return tuple(key.split("|", 1))

    scores = {split(k): v for r in records for k, v in r["scores"].items()}
    errors = {split(k): v for r in records for k, v in r["errors"].items()}
    seconds = {m: sum(r["seconds"][m] for r in records) for m in first["methods"]}
    candidates = {m: [c for r in records for c in r["candidates"][m]] for m in first["methods"]}
    proposing = {m: [c for r in records for c in r["proposing"][m]] for m in first["methods"]}
    total = sum(r["total"] for r in records)
    return first, problems, (scores, errors, seconds, candidates, proposing, total)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--merge"]:
        first, problems, results = _merge(argv[1:])
        print("command: python " + shlex.join(["benchmarks/quality.py", *argv]))
        print("merged runs:")
        for path in argv[1:]:
            record = json.loads(Path(path).read_text())
            print("  python " + shlex.join(record["command"]))
        print(first["versions"])
        _report(first["methods"], problems, first["seeds"], results)
        return
    args = _parse_args(argv)
    print("command: python " + shlex.join(["benchmarks/quality.py", *argv]))
    print(_versions())
    print(
        f"seeds 0..{args.seeds - 1}, n_iter={args.n_iter}, n_points={args.n_points} "
        f"(for {', '.join(m for m in args.method_list if m in BATCHED)}), n_jobs=1, "
        "cv=3 fixed splits"
    )
    print()
    for problem in args.problem_list:
        print(f"  {problem.name}: {problem.description}")
    print(flush=True)
    results = run_all(args)
    if args.save:
        _save(args.save, args, results)
    _report(args.method_list, [p.name for p in args.problem_list], args.seeds, results)


def _report(methods, problems, n_seeds, results):
    scores, errors, seconds, candidates, proposing, total = results
    normalised = normalise(scores, methods, problems)
    quality, suite_means = _quality_table(methods, problems, normalised, errors)
    print(
        "\nNormalised best CV score (0 = RandomizedSearchCV's mean, 100 = best of any "
        f"run; mean of {n_seeds} seeds; mean column ± standard error over seeds; "
        "* = some seeds failed)\n"
    )
    print(quality)
    print("\nRaw best CV score (scorer's sign: greater is better), mean over seeds\n")
    print(_raw_table(methods, problems, scores))
    print(f"\nWall time, all problems and seeds ({total:.0f} s in total)\n")
    print(_time_table(methods, seconds, candidates, proposing))
    if errors:
        print("\nErrors (first per method and problem):")
        for (m, p), message in errors.items():
            print(f"  {METHODS[m][0]} on {p}: {message}")
    _print_targets(methods, problems, normalised, suite_means, seconds)


def _print_targets(methods, problems, normalised, suite_means, seconds):
    def verdict(ok):
        return "met" if ok else "MISSED"

    print("\nTargets")
    if "bayes" in methods:
        others = [m for m in methods if m != "bayes"]
        ok = all(suite_means["bayes"] > suite_means[m] for m in others)
        print(f"  sktune BayesSearchCV mean above every other method's: {verdict(ok)}")
        lost = [p for p in problems if not _finite_mean(normalised["bayes", p]) > 0]
        print(
            "  sktune BayesSearchCV above random search on every problem: "
            + verdict(not lost)
            + (f" (not on {', '.join(lost)})" if lost else "")
        )
    if "genetic" in methods:
        rivals = [m for m in ("gasearch", "random") if m in methods]
        ok = all(suite_means["genetic"] > suite_means[m] for m in rivals)
        names = " and ".join(METHODS[m][0] for m in rivals)
        print(f"  sktune GeneticSearchCV mean above {names}: {verdict(ok)}")
        if "gasearch" in methods:
            ok = seconds["genetic"] < seconds["gasearch"]
            print(
                f"  sktune GeneticSearchCV wall time below GASearchCV's: {verdict(ok)}"
            )


if __name__ == "__main__":
    main()

"""Where each search's candidates land, not only its best one.

``quality.py`` scores a search by its best CV score. On a problem whose scores
are rugged (a small forest's log-loss moves by more between neighbouring
parameters than between regions), the best of 32 is decided by isolated lucky
points, and a method that finds the good region can still lose it. This script
runs RandomizedSearchCV and sktune's BayesSearchCV on the same problems, seeds,
folds and budget as ``quality.py`` and prints, per seed, the best score, the mean
of the best ``--top`` candidates and the median candidate: a method that
exploits a good region raises the last two even where the first is noise.

Usage::

    python benchmarks/spread.py                       # rf-synth, 5 seeds
    python benchmarks/spread.py --problems rf-synth,dt-cancer --top 8
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402

from sktune import BayesSearchCV  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _problems import make_problems  # noqa: E402
from quality import _search_kwargs  # noqa: E402

METHODS = {"RandomizedSearchCV": RandomizedSearchCV, "sktune BayesSearchCV": BayesSearchCV}


def spread(problem, cls, seed, n_iter, top):
    """(best, mean of the ``top`` best, median) CV score of one search."""
    # quality.py's settings, so that the searches are the ones its tables score.
    search = cls(
        problem.estimator, problem.param_distributions, **_search_kwargs(problem, n_iter, seed)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(problem.X, problem.y)
    scores = np.sort(search.cv_results_["mean_test_score"])[::-1]
    return scores[0], scores[:top].mean(), float(np.median(scores))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="rf-synth")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-iter", type=int, default=32)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args(argv)
    wanted = args.problems.split(",")
    problems = [p for p in make_problems() if p.name in wanted]
    if len(problems) != len(wanted):
        parser.error(f"unknown problem in {args.problems!r}")
    columns = ("best", f"mean of best {args.top}", "median")
    for problem in problems:
        print(f"\n{problem.name}: n_iter={args.n_iter}, seeds 0..{args.seeds - 1}")
        print(f"{'seed':>4}  {'method':22s}" + "".join(f"{c:>16s}" for c in columns))
        results = {name: [] for name in METHODS}
        for seed in range(args.seeds):
            for name, cls in METHODS.items():
                row = spread(problem, cls, seed, args.n_iter, args.top)
                results[name].append(row)
                print(f"{seed:>4}  {name:22s}" + "".join(f"{v:16.4f}" for v in row))
        print(f"{'mean':>4}")
        for name, rows in results.items():
            means = [statistics.fmean(column) for column in zip(*rows, strict=True)]
            print(f"{'':>4}  {name:22s}" + "".join(f"{v:16.4f}" for v in means))
        random_rows, bayes_rows = results.values()
        for i, column in enumerate(columns):
            wins = sum(b[i] > r[i] for r, b in zip(random_rows, bayes_rows, strict=True))
            print(f"BayesSearchCV higher than random search on {column}: {wins}/{args.seeds} seeds")


if __name__ == "__main__":
    main()

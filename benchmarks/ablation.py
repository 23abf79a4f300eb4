"""Ablation of the Gaussian-process optimiser: BayesSearchCV with one component changed.

Each variant is sktune's BayesSearchCV with some of the private switches of
``sktune.optimize`` set otherwise (see ``VARIANTS``), run on the problems of
``_problems.py`` with the same protocol as ``quality.py`` (``n_iter`` candidates,
``n_jobs=1``, ``refit=False``, the same CV splits) and scored the same way:
per problem, 0 is random search's mean over the seeds and 100 the best score
any variant reached. The switches are private: they exist so that this table
can be reproduced, not as options.

Run from the repository root::

    python benchmarks/ablation.py --seeds 10
    python benchmarks/ablation.py --variants default,no-warp --problems svr-diabetes
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
from pathlib import Path  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

import quality  # noqa: E402

# name: (description, {"module.attribute": value}); "default" changes nothing.
# The variants screened and rejected during development (MACE, a local
# surrogate, coordinate ascent over discrete axes, quasi-random interleaving,
# the former candidate pool, fewer candidates) still have their switches at
# commit 93d3693: check it out to measure them with this script.
_BAYES, _WARPING = "sktune.optimize.bayes", "sktune.optimize._warping"
VARIANTS = {
    "default": ("sktune's defaults", {}),
    "no-input-warp": (
        "no Kumaraswamy input warping",
        {f"{_BAYES}._INPUT_WARPING": False},
    ),
    "mean-prior": (
        "prior mean at the mean of the warped values, not at the worst",
        {f"{_WARPING}._PRIOR_MEAN_AT_WORST": False},
    ),
    "observed-incumbent": (
        "improvement measured against the lowest told value, not the lowest prediction",
        {f"{_BAYES}._PLUGIN_INCUMBENT": False},
    ),
    "refit-always": (
        "hyper-parameters refitted at every tell, not after 10% more data",
        {f"{_BAYES}._REFIT_FRACTION": 0.0},
    ),
}


@contextlib.contextmanager
def _switched(settings):
    """Set module attributes for the duration of a run; restore them after."""
    saved = []
    try:
        for target, value in settings.items():
            module_name, attribute = target.rsplit(".", 1)
            module = importlib.import_module(module_name)
            saved.append((module, attribute, getattr(module, attribute)))
            setattr(module, attribute, value)
        yield
    finally:
        for module, attribute, value in reversed(saved):
            setattr(module, attribute, value)


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--n-iter", type=int, default=32)
    parser.add_argument("--problems", default=None, help="comma-separated names")
    parser.add_argument(
        "--variants", default=None, help=f"comma-separated, from {','.join(VARIANTS)}"
    )
    args = parser.parse_args(argv)
    problems = quality.make_problems()
    if args.problems:
        wanted = args.problems.split(",")
        unknown = sorted(set(wanted) - {p.name for p in problems})
        if unknown:
            parser.error(f"unknown problems {unknown}")
        problems = [p for p in problems if p.name in wanted]
    variants = args.variants.split(",") if args.variants else list(VARIANTS)
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    return args, problems, variants


def main(argv=None):
    args, problems, variants = _parse_args(sys.argv[1:] if argv is None else argv)
    command = sys.argv if argv is None else ["benchmarks/ablation.py", *argv]
    print("command: python " + shlex.join(command))
    print(f"seeds 0..{args.seeds - 1}, n_iter={args.n_iter}, n_jobs=1, cv=3 fixed splits\n")
    methods = ["random", *variants]
    scores = {(m, p.name): [] for m in methods for p in problems}
    proposing = {m: [] for m in methods}
    started = time.perf_counter()
    for problem in problems:
        for seed in range(args.seeds):
            for method in methods:
                settings = {} if method == "random" else VARIANTS[method][1]
                runner = quality.run_random if method == "random" else quality.run_sktune_bayes
                with _switched(settings), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    score, n_candidates, seconds = runner(problem, seed, args.n_iter, 1)
                scores[method, problem.name].append(score)
                if seconds is not None:
                    proposing[method].append(seconds / n_candidates)
            print(
                f"[{time.perf_counter() - started:7.1f}s] {problem.name} seed {seed}",
                file=sys.stderr,
                flush=True,
            )
    names = [p.name for p in problems]
    normalised = quality.normalise(scores, methods, names)
    labels = {"random": "RandomizedSearchCV", **{v: v for v in variants}}
    for variant in variants:
        print(f"  {variant}: {VARIANTS[variant][0]}")
    print()
    with _labels(labels):
        table, _ = quality._quality_table(methods, names, normalised, {})
    print(table)
    print("\nms per proposal (mean over searches):")
    for method in variants:
        print(f"  {method}: {1000 * np.mean(proposing[method]):.1f}")


@contextlib.contextmanager
def _labels(labels):
    """Let quality's table printer name the variants."""
    saved = dict(quality.METHODS)
    quality.METHODS.update({k: (v, None) for k, v in labels.items()})
    try:
        yield
    finally:
        quality.METHODS.clear()
        quality.METHODS.update(saved)


if __name__ == "__main__":
    main()

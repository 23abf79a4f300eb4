# ruff: noqa: E402  (a gallery script imports where each step needs it)
"""
Resuming an interrupted search from its checkpoint
==================================================

A long search can die: a killed job, a reboot, Ctrl-C, an out-of-memory kill.
With ``checkpoint="file.jsonl"`` every evaluated candidate is appended to that
file (and flushed to disk) as soon as its batch returns. Calling ``fit`` again
with the same file re-uses every finished candidate without refitting it,
replays them to the optimiser, and evaluates only the rest of the budget,
exactly as the search would have done had it never stopped.

This example runs a search in a separate process, kills it with ``SIGKILL``
(no chance to clean up) part-way through, resumes it, and compares the result
with a search that was never interrupted.
"""

# %%
# Budget
# ------
# ``SKTUNE_EXAMPLE_QUICK=1`` shrinks the budget so that the example runs in
# seconds (the test suite and the quick documentation build set it).
import os

QUICK = os.environ.get("SKTUNE_EXAMPLE_QUICK") == "1"
N_ITER = 10 if QUICK else 30
KILL_AFTER = 4 if QUICK else 12

# %%
# The search, as a script
# -----------------------
# The job is a small script so that it can run, and be killed, in a process of
# its own. Resuming needs the same search: same estimator, space, scoring, data
# and cross-validation splits (a checkpoint written by another search, or for
# other data, is refused before anything is fitted); ``n_iter`` may differ.
import sys
import tempfile
import textwrap

workdir = tempfile.mkdtemp(prefix="sktune-resume-")
checkpoint = os.path.join(workdir, "search.jsonl")
job = os.path.join(workdir, "job.py")
with open(job, "w") as f:
    f.write(
        textwrap.dedent(
            f"""
            from scipy.stats import loguniform
            from sklearn.datasets import load_breast_cancer
            from sklearn.model_selection import StratifiedKFold
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            from sklearn.svm import SVC

            from sktune import BayesSearchCV

            X, y = load_breast_cancer(return_X_y=True)
            search = BayesSearchCV(
                make_pipeline(StandardScaler(), SVC()),
                {{"svc__C": loguniform(1e-3, 1e3), "svc__gamma": loguniform(1e-5, 1e1)}},
                n_iter={N_ITER},
                cv=StratifiedKFold(5, shuffle=True, random_state=0),
                random_state=0,
                checkpoint={checkpoint!r},
            )
            search.fit(X, y)
            """
        )
    )

# %%
# Start it, then kill it
# ----------------------
# The checkpoint's first line describes the search; every further line is one
# evaluated candidate. Once ``KILL_AFTER`` candidates are on disk, the process
# gets ``SIGKILL``.
import subprocess
import time


def candidates_on_disk():
    if not os.path.exists(checkpoint):
        return 0
    with open(checkpoint, "rb") as f:
        return max(f.read().count(b"\n") - 1, 0)


import sktune

# The job must import the same sktune as this process, installed or not.
sktune_root = os.path.dirname(os.path.dirname(sktune.__file__))
python_path = os.pathsep.join([sktune_root, os.environ.get("PYTHONPATH", "")])
env = {**os.environ, "PYTHONPATH": python_path}
process = subprocess.Popen([sys.executable, job], env=env)
while process.poll() is None and candidates_on_disk() < KILL_AFTER:
    time.sleep(0.05)
process.kill()
process.wait()
n_before = candidates_on_disk()
print(f"killed the search after {n_before} of {N_ITER} candidates")

# %%
# Resume
# ------
# Running the same search again with the same checkpoint picks up where the
# killed one stopped. Here the job's code is run in this process, to look at
# the result. Its ``cv_results_`` holds every candidate, the ones read back
# first, exactly as if the search had never stopped: the same candidates, in
# the same order, as a search that ran without interruption.
import runpy

start = time.perf_counter()
job_globals = runpy.run_path(job)
search = job_globals["search"]
print(f"resumed search: {time.perf_counter() - start:.1f} s, "
      f"{len(search.cv_results_['params'])} candidates in cv_results_, "
      f"{candidates_on_disk() - n_before} of them new")
print(f"best parameters {search.best_params_}, accuracy {search.best_score_:.4f}")

# %%
# The same search, never interrupted (no checkpoint), proposes the same
# candidates in the same order and finds the same best parameters.
from sklearn.base import clone

X, y = job_globals["X"], job_globals["y"]
uninterrupted = clone(search).set_params(checkpoint=None).fit(X, y)
print("same candidates as an uninterrupted search:",
      uninterrupted.cv_results_["params"] == search.cv_results_["params"])
print("same best parameters:", uninterrupted.best_params_ == search.best_params_)

# %%
# The fit times of the candidates read back are those of the killed run; the
# ``iteration`` column continues their numbering.
import pandas as pd

results = pd.DataFrame(search.cv_results_)
results["from checkpoint"] = results.index < n_before
results[["iteration", "param_svc__C", "param_svc__gamma", "mean_test_score",
         "mean_fit_time", "from checkpoint"]].round(4)

# %%
# Convergence across the interruption
# -----------------------------------
import matplotlib.pyplot as plt

from sktune.plots import plot_convergence

ax = plot_convergence(search)
ax.axvline(n_before + 0.5, color="grey", linestyle="--")
ax.annotate("killed, then resumed", (n_before + 0.5, ax.get_ylim()[0]),
            xytext=(4, 8), textcoords="offset points", color="grey")
plt.show()

# %%
# A finished checkpoint can also extend a search: ``fit`` with a larger
# ``n_iter`` evaluates only the extra candidates. Running a finished search
# again (or one killed during its final refit) reads every candidate back and
# only refits the best one.
import shutil

start = time.perf_counter()
again = clone(search).fit(X, y)
print(f"finished search run again: {time.perf_counter() - start:.2f} s, "
      f"same best parameters: {again.best_params_ == search.best_params_}")

shutil.rmtree(workdir)

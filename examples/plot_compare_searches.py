# ruff: noqa: E402  (a gallery script imports where each step needs it)
"""
BayesSearchCV vs GeneticSearchCV vs RandomizedSearchCV
======================================================

The three searches get the same estimator, the same ``param_distributions``
(plain ``scipy.stats`` distributions and a list, which all three accept), the
same cross-validation splits and the same budget of candidates. The
best-score-so-far plot shows how quickly each one finds good parameters.

One run per method on one problem is an anecdote, not a benchmark: the
:doc:`benchmark page </benchmarks>` repeats such comparisons over problems and
seeds.
"""

# %%
# Budget
# ------
# ``SKTUNE_EXAMPLE_QUICK=1`` shrinks the budget so that the example runs in
# seconds (the test suite and the quick documentation build set it).
import os

QUICK = os.environ.get("SKTUNE_EXAMPLE_QUICK") == "1"
N_ITER = 8 if QUICK else 40

# %%
# The problem
# -----------
# An RBF support vector machine on the handwritten digits: its accuracy depends
# strongly on ``C`` and ``gamma`` together, over several decades, and a good
# region is narrow: a useful test of a search.
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sktune import BayesSearchCV, GeneticSearchCV

X, y = load_digits(return_X_y=True)
if QUICK:  # a third of the digits: faster fits
    X, y = X[:600], y[:600]
estimator = make_pipeline(StandardScaler(), SVC())
param_distributions = {
    "svc__C": loguniform(1e-3, 1e3),
    "svc__gamma": loguniform(1e-6, 1e1),
    "svc__class_weight": [None, "balanced"],
}
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)

# %%
# Three searches, one budget
# --------------------------
# Only the class name changes (and each search's own options: the genetic
# search breeds generations of ``population_size`` candidates).
import time

searches = {
    "BayesSearchCV": BayesSearchCV(
        estimator, param_distributions, n_iter=N_ITER, cv=cv, random_state=0
    ),
    "GeneticSearchCV": GeneticSearchCV(
        estimator,
        param_distributions,
        n_iter=N_ITER,
        cv=cv,
        population_size=4 if QUICK else 8,
        random_state=0,
    ),
    "RandomizedSearchCV": RandomizedSearchCV(
        estimator, param_distributions, n_iter=N_ITER, cv=cv, random_state=0
    ),
}
for name, search in searches.items():
    start = time.perf_counter()
    search.fit(X, y)
    elapsed = time.perf_counter() - start
    print(
        f"{name:<20} best accuracy {search.best_score_:.4f} after "
        f"{len(search.cv_results_['params'])} candidates, {elapsed:.1f} s"
    )

# %%
# Best score so far
# -----------------
# Each line is the best mean cross-validated accuracy found after *n*
# candidates; the dots are the candidates' own scores.
# :func:`~sktune.plots.plot_convergence` reads ``cv_results_``, so it plots
# scikit-learn's own searches as well.
import matplotlib.pyplot as plt

from sktune.plots import plot_convergence

ax = plot_convergence(*searches.values(), labels=list(searches))
ax.set_title(f"SVC on digits, {N_ITER} candidates each")
plt.show()

# %%
# Where each search looked
# ------------------------
# :func:`~sktune.plots.plot_parameters` draws every candidate's score against
# each parameter, coloured by evaluation order. The Bayesian search spends its
# later candidates (bright points) near the good region of ``C`` and
# ``gamma``; the random search spreads them evenly.
from sktune.plots import plot_parameters

for name in ("BayesSearchCV", "RandomizedSearchCV"):
    axes = plot_parameters(searches[name], params=["svc__C", "svc__gamma"])
    axes[0].figure.suptitle(name)
plt.show()

# %%
# The best parameters of each search:
for name, search in searches.items():
    best = search.best_params_
    print(
        f"{name:<20} C={best['svc__C']:.3g} gamma={best['svc__gamma']:.3g} "
        f"class_weight={best['svc__class_weight']}"
    )

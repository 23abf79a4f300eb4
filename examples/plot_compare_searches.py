# ruff: noqa: E402  (a gallery script imports where each step needs it)
"""
BayesSearchCV vs GeneticSearchCV vs RandomizedSearchCV
======================================================

The three searches get the same estimator, the same ``param_distributions``
(plain ``scipy.stats`` distributions and a list, which all three accept), the
same cross-validation splits and the same budget of 50 candidates. The
best-score-so-far plot shows how quickly each one finds good parameters, and
the parameter plots show where each one looked.

One run per method on one problem is an anecdote, not a benchmark: the
:doc:`benchmark page </benchmarks>` repeats such comparisons over six problems
and five seeds.
"""

# %%
# Budget
# ------
# ``SKTUNE_EXAMPLE_QUICK=1`` shrinks the budget so that the example runs in
# seconds (the test suite and the quick documentation build set it).
import os

QUICK = os.environ.get("SKTUNE_EXAMPLE_QUICK") == "1"
N_ITER = 16 if QUICK else 50

# %%
# The problem
# -----------
# Gradient boosting on the wine data, scored by log-loss (``neg_log_loss``:
# greater is better). Five parameters interact (the learning rate with the
# depth, the subsampling with the leaf size), and the log-loss rewards every
# small improvement, so the searches separate. Each fit takes a few tens of
# milliseconds, so the example can afford a real budget.
from scipy.stats import loguniform, randint, uniform
from sklearn.datasets import load_wine
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold

from sktune import BayesSearchCV, GeneticSearchCV

X, y = load_wine(return_X_y=True)
estimator = GradientBoostingClassifier(n_estimators=20, random_state=0)
param_distributions = {
    "learning_rate": loguniform(1e-2, 1.0),
    "max_depth": randint(1, 6),
    "min_samples_leaf": randint(1, 40),
    "subsample": uniform(0.3, 0.7),
    "max_features": uniform(0.1, 0.9),
}
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
scoring = "neg_log_loss"

# %%
# Three searches, one budget
# --------------------------
# Only the class name changes (and each search's own options: the genetic
# search breeds generations of ``population_size`` candidates).
import time

searches = {
    "BayesSearchCV": BayesSearchCV(
        estimator, param_distributions, n_iter=N_ITER, cv=cv, scoring=scoring,
        random_state=0,
    ),
    "GeneticSearchCV": GeneticSearchCV(
        estimator, param_distributions, n_iter=N_ITER, cv=cv, scoring=scoring,
        population_size=4 if QUICK else 10, random_state=0,
    ),
    "RandomizedSearchCV": RandomizedSearchCV(
        estimator, param_distributions, n_iter=N_ITER, cv=cv, scoring=scoring,
        random_state=0,
    ),
}
for name, search in searches.items():
    start = time.perf_counter()
    search.fit(X, y)
    elapsed = time.perf_counter() - start
    print(
        f"{name:<20} best log-loss {-search.best_score_:.4f} after "
        f"{len(search.cv_results_['params'])} candidates, {elapsed:.1f} s"
    )

# %%
# Best score so far
# -----------------
# Each line is the best mean cross-validated ``neg_log_loss`` found after *n*
# candidates; a marker shows where it improved, and the dots are the
# candidates' own scores. The y axis follows the lines: candidates far below
# them sit as triangles on the bottom edge. The Bayesian and genetic searches
# share their first, quasi-random candidates (same ``random_state``), so their
# lines start together. Then the Gaussian process models the scores and
# improves in steps; the genetic algorithm breeds from the best candidates,
# one generation of 10 at a time; the random search improves only when a draw
# happens to land somewhere good.
# :func:`~sktune.plots.plot_convergence` reads ``cv_results_``, so it plots
# scikit-learn's own searches as well.
import matplotlib.pyplot as plt

from sktune.plots import plot_convergence

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_convergence(*searches.values(), labels=list(searches), ax=ax)
ax.set_title(f"Gradient boosting on wine, {N_ITER} candidates each")
plt.show()

# %%
# Where each search looked
# ------------------------
# :func:`~sktune.plots.plot_parameters` draws every candidate's score against
# each parameter, coloured by evaluation order; here one row per search, on
# shared axes. The Bayesian search spends its later candidates (bright points)
# near the values that work; the random search spreads them evenly.
from sktune.plots import plot_parameters

params = ["learning_rate", "max_depth", "subsample"]
fig, grid = plt.subplots(
    2, 3, figsize=(10, 6), sharex="col", sharey=True, layout="constrained"
)
for row, name in enumerate(["BayesSearchCV", "RandomizedSearchCV"]):
    plot_parameters(searches[name], params=params, axes=grid[row])
    grid[row, 1].set_title(name)
grid[0, 0].set_ylim(-0.6, 0)  # leave the worst candidates out of view
plt.show()

# %%
# The best parameters of each search:
print(f"{'parameter':<18}" + "".join(f"{name:>20}" for name in searches))
for key in param_distributions:
    values = [search.best_params_[key] for search in searches.values()]
    print(f"{key:<18}" + "".join(f"{value:>20.3g}" for value in values))

# ruff: noqa: E402  (a gallery script imports where each step needs it)
"""
Multi-metric search: optimise ROC AUC, record F1
================================================

``scoring`` can name several metrics, exactly as in scikit-learn's searches:
every candidate is scored on all of them and ``cv_results_`` gets a
``mean_test_<name>`` column for each. A model-based search optimises one metric,
the one that ``refit`` names; the others are recorded.

Here a logistic regression on an imbalanced problem is tuned for ROC AUC
(``refit="auc"``) while F1 is recorded. The decision threshold is one of the
searched parameters: it changes F1 but not AUC, which ranks samples by their
probability whatever the threshold, so the two metrics disagree on which
candidate is best.
"""

# %%
# Budget
# ------
# ``SKTUNE_EXAMPLE_QUICK=1`` shrinks the budget so that the example runs in
# seconds (the test suite and the quick documentation build set it).
import os

QUICK = os.environ.get("SKTUNE_EXAMPLE_QUICK") == "1"
N_ITER = 8 if QUICK else 30

# %%
# An imbalanced problem
# ---------------------
# One sample in ten is positive. ``FixedThresholdClassifier`` predicts the
# positive class when its probability exceeds ``threshold``.
from scipy.stats import loguniform, uniform
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import FixedThresholdClassifier, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktune import BayesSearchCV

X, y = make_classification(
    n_samples=1000, n_features=20, n_informative=5, weights=[0.9], flip_y=0.03,
    random_state=0,
)
model = FixedThresholdClassifier(
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
)

# %%
# The search
# ----------
# ``scoring`` is a dict of scikit-learn scorer names; ``refit="auc"`` both picks
# the metric that the Gaussian process optimises and the candidate refitted at
# the end. (``refit`` must name a metric when ``scoring`` has several: a
# model-based search needs one number per candidate to learn from.)
search = BayesSearchCV(
    model,
    {
        "estimator__logisticregression__C": loguniform(1e-4, 1e2),
        "estimator__logisticregression__class_weight": [None, "balanced"],
        "threshold": uniform(0.05, 0.9),
    },
    scoring={"auc": "roc_auc", "f1": "f1"},
    refit="auc",
    n_iter=N_ITER,
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
    random_state=0,
)
search.fit(X, y)
print(f"best AUC {search.best_score_:.4f} with {search.best_params_}")

# %%
# Both metrics, for every candidate
# ---------------------------------
# ``best_index_``, ``best_score_`` and ``best_params_`` refer to the refit
# metric. The F1 column tells another story: the best-AUC candidate need not
# have a good threshold.
import pandas as pd

results = pd.DataFrame(search.cv_results_).rename(
    columns=lambda c: c.replace("param_estimator__logisticregression__", "param_")
)
table = results[
    ["iteration", "param_C", "param_class_weight", "param_threshold",
     "mean_test_auc", "rank_test_auc", "mean_test_f1", "rank_test_f1"]
]
table.sort_values("rank_test_auc").round(4)

# %%
best_f1 = results["mean_test_f1"].idxmax()
print(f"refitted candidate (best AUC): #{search.best_index_}, "
      f"AUC {results.loc[search.best_index_, 'mean_test_auc']:.4f}, "
      f"F1 {results.loc[search.best_index_, 'mean_test_f1']:.4f}")
print(f"best F1 candidate:             #{best_f1}, "
      f"AUC {results.loc[best_f1, 'mean_test_auc']:.4f}, "
      f"F1 {results.loc[best_f1, 'mean_test_f1']:.4f}")

# %%
# Convergence of each metric
# --------------------------
# :func:`~sktune.plots.plot_convergence` plots the refit metric by default;
# ``metric=`` picks another column. AUC improves steadily, since it is what
# the search optimises; F1 only improves when a candidate happens to have a
# good threshold.
import matplotlib.pyplot as plt

from sktune.plots import plot_convergence

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
plot_convergence(search, ax=left)
left.set_title("ROC AUC (optimised)")
plot_convergence(search, metric="f1", ax=right)
right.set_title("F1 (recorded)")
fig.tight_layout()
plt.show()

# %%
# To optimise F1 instead, set ``refit="f1"``; to optimise AUC and then choose
# the threshold, tune the classifier for AUC first and wrap the result in
# :class:`~sklearn.model_selection.TunedThresholdClassifierCV`.

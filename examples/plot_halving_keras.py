# ruff: noqa: E402  (a gallery script imports where each step needs it)
"""
Tuning a Keras network with successive halving
==============================================

Most candidates of a neural-network search show within an epoch or three that
they are not worth training to the end. :class:`~sktune.HalvingBayesSearchCV`
trains many candidates for one epoch, keeps the best third, trains those for
three, and so on up to the full number of epochs. The candidates are proposed by
a Gaussian process that learns from every rung, and a promoted network continues
from the weights and optimizer state it reached instead of starting again.

This example tunes a small network on the handwritten digits that ship with
scikit-learn, compares the resources it spends with a full-budget
:class:`~sktune.BayesSearchCV`, and plots how the budget was spent.
"""

# %%
# Budget
# ------
# ``SKTUNE_EXAMPLE_QUICK=1`` shrinks every budget so that the example runs in
# seconds (the test suite and the quick documentation build set it).
import os

QUICK = os.environ.get("SKTUNE_EXAMPLE_QUICK") == "1"
MAX_EPOCHS = 9 if QUICK else 27
N_BRACKETS = 1 if QUICK else 3
N_ITER = 4 if QUICK else 20

# %%
# The network and the data
# ------------------------
# A build function receives ``meta`` (the number of features and classes the
# wrapper found in the data) and the arguments being tuned: the width, depth
# and dropout of the network. The learning rate is routed to the optimizer.
# ``epochs`` is the resource: the search sets it, up to the wrapper's own value.
import keras
from sklearn.datasets import load_digits

from sktune.keras import KerasClassifier


def build(meta, hidden=64, n_layers=2, dropout=0.1):
    layers = [keras.Input((meta["n_features_in_"],))]
    for _ in range(n_layers):
        layers += [keras.layers.Dense(hidden, activation="relu"), keras.layers.Dropout(dropout)]
    layers.append(keras.layers.Dense(meta["n_classes_"], activation="softmax"))
    return keras.Sequential(layers)


X, y = load_digits(return_X_y=True)
X = X / 16.0
network = KerasClassifier(
    build,
    loss="sparse_categorical_crossentropy",
    optimizer="adam",
    epochs=MAX_EPOCHS,
    batch_size=64,
    random_state=0,
    verbose=0,
)

# %%
# The search
# ----------
# The space is what a ``RandomizedSearchCV`` user would write (sktune's
# dimensions or scipy distributions). ``resource="epochs"`` with the default
# ``min_resources="smallest"`` starts at one epoch; ``factor=3`` keeps a third
# of the candidates at each rung and triples their epochs.
from scipy.stats import loguniform, uniform

from sktune import HalvingBayesSearchCV, Integer

space = {
    "hidden": Integer(16, 256, prior="log-uniform"),
    "n_layers": Integer(1, 3),
    "dropout": uniform(0.0, 0.5),
    "optimizer__learning_rate": loguniform(1e-4, 3e-2),
}
halving = HalvingBayesSearchCV(
    network, space, resource="epochs", factor=3, cv=3, n_brackets=N_BRACKETS,
    random_state=0,
)
halving.fit(X, y)
print("epochs per rung:", halving.n_resources_)
print("candidates per rung:", halving.n_candidates_)
print(f"best: {halving.best_score_:.4f} with {halving.best_params_}")
print(f"one bracket costs as much training as {halving.schedule_cost_:.1f} "
      "candidates trained for every epoch")

# %%
# What the candidates cost
# ------------------------
# ``cv_results_`` has one row per candidate and rung. A promoted candidate
# continued its training, so its fit time at a rung is the time of the epochs
# that rung added.
import pandas as pd

results = pd.DataFrame(halving.cv_results_)
summary = results.groupby("n_resources").agg(
    evaluations=("mean_test_score", "size"),
    best_score=("mean_test_score", "max"),
    mean_fit_seconds=("mean_fit_time", "mean"),
)
print(summary)

# %%
# Against a full-budget search
# ----------------------------
# :class:`~sktune.BayesSearchCV` trains every candidate for all its epochs.
# :func:`~sktune.plots.plot_convergence` with ``x="resources"`` puts both on one
# axis: the epochs spent per fold (each full-budget candidate counts as
# ``MAX_EPOCHS``). Only candidates trained for every epoch count towards the
# halving search's best score.
import matplotlib.pyplot as plt

from sktune import BayesSearchCV
from sktune.plots import plot_budget, plot_convergence

bayes = BayesSearchCV(network, space, n_iter=N_ITER, cv=3, random_state=0).fit(X, y)
fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
plot_budget(halving, ax=axes[0])
axes[0].set_title("How HalvingBayesSearchCV spent its epochs")
plot_convergence(halving, bayes, x="resources", ax=axes[1])
axes[1].set_title("Best full-budget score against epochs spent")
plt.show()

# %%
# On the left, every point is one candidate at one rung, placed at the epochs
# spent when it finished; grey lines join a candidate's rungs, so each
# promotion is a line going right. Most points sit at one epoch, which costs
# little; the legend says which share of the epochs each rung took. On the
# right, the halving search reaches a good full-budget score after far fewer
# epochs than the search that trains every candidate to the end.
#
# Epochs are not seconds: every fit also pays a fixed cost (building and
# tracing the model, predicting for the scorer), and the halving search makes
# many more fits than the full-budget one. On a network this small that cost
# is a few epochs' worth, so in wall time the two searches are much closer
# than in epochs; :ref:`halving-pays-off` shows how to measure both costs for
# your own model before choosing.

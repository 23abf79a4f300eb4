# ruff: noqa: E402  (a gallery script imports where each step needs it)
"""
Tuning a Keras network on the Palmer penguins, Kaggle style
============================================================

A complete tabular workflow: hold out a test set, preprocess mixed columns with a
``ColumnTransformer`` (impute, scale, one-hot), put a
:class:`~sktune.keras.KerasClassifier` at the end of the ``Pipeline``, and tune
the learning rate, layer width, dropout, batch size and number of epochs with
:class:`~sktune.BayesSearchCV`. Training stops early on a validation split, the
holdout score is reported once at the end, and the convergence plot shows how
the search went.

The data set ships with the ``palmerpenguins`` package (no download).
"""

# %%
# Budget
# ------
# ``SKTUNE_EXAMPLE_QUICK=1`` shrinks every budget so that the example runs in
# seconds (the test suite and the quick documentation build set it).
import os

QUICK = os.environ.get("SKTUNE_EXAMPLE_QUICK") == "1"
N_ITER = 4 if QUICK else 20
CV = 2 if QUICK else 3
MAX_EPOCHS = (3, 6) if QUICK else (20, 120)

# %%
# The data and a holdout set
# --------------------------
# Predict the species from the measurements, the island and the sex. Some rows
# have missing values; the pipeline imputes them, so no row is dropped. The
# holdout set is put aside before anything is fitted and used once, at the end.
import numpy as np
from palmerpenguins import load_penguins
from sklearn.model_selection import train_test_split

penguins = load_penguins()
X = penguins.drop(columns=["species", "year"])
y = penguins["species"]
X_train, X_holdout, y_train, y_holdout = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(X_train.shape, X_holdout.shape)
print(y_train.value_counts().to_dict())
X_train.head()

# %%
# Preprocessing
# -------------
# Numbers: median imputation then standard scaling (networks train badly on
# raw grams and millimetres). Categories: most-frequent imputation then one-hot
# encoding. The output is a float array, what Keras wants.
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
categorical = ["island", "sex"]
preprocess = ColumnTransformer(
    [
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        (
            "categorical",
            make_pipeline(
                SimpleImputer(strategy="most_frequent"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            ),
            categorical,
        ),
    ]
)

# %%
# The network
# -----------
# A build function receives ``meta`` (what the wrapper learned from the data:
# number of features after preprocessing, number of classes...) and any argument
# it declares. ``hidden_units`` and ``dropout`` are given straight to the
# :class:`~sktune.keras.KerasClassifier` constructor, so they are ordinary
# parameters that a search can tune by name. The learning rate goes to the
# optimizer through the ``optimizer__`` prefix.
#
# ``EarlyStopping`` watches the loss on the last 20 % of each training fold
# (``validation_split=0.2``) and restores the best weights, so ``epochs`` is
# the maximum number of epochs. The callback instance is copied for every fit.
import logging

import keras
from sklearn.pipeline import Pipeline

from sktune.keras import KerasClassifier


def build_model(meta, hidden_units=32, dropout=0.2):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


classifier = KerasClassifier(
    build_model,
    hidden_units=32,
    dropout=0.2,
    loss="sparse_categorical_crossentropy",
    optimizer="adam",
    optimizer__learning_rate=1e-3,
    epochs=MAX_EPOCHS[1],
    batch_size=32,
    validation_split=0.2,
    callbacks=[keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)],
    random_state=0,
)
pipeline = Pipeline([("preprocess", preprocess), ("net", classifier)])

# Every candidate builds a new network, which TensorFlow reports as "retracing"
# of its predict function: expected in a search, so the warning is silenced.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

# %%
# The search
# ----------
# Pipeline parameters are named ``<step>__<parameter>``. ``Real`` and
# ``Integer`` with ``prior="log-uniform"`` search scales; the batch size is a
# list of numbers (an ordered dimension). ``random_state`` makes the whole
# search, including every network's initial weights, reproducible.
from sktune import BayesSearchCV, Integer, Real

search = BayesSearchCV(
    pipeline,
    {
        "net__optimizer__learning_rate": Real(1e-4, 3e-2, prior="log-uniform"),
        "net__hidden_units": Integer(4, 128, prior="log-uniform"),
        "net__dropout": Real(0.0, 0.5),
        "net__batch_size": [16, 32, 64],
        "net__epochs": Integer(*MAX_EPOCHS),
    },
    n_iter=N_ITER,
    cv=CV,
    scoring="accuracy",
    random_state=0,
)
search.fit(X_train, y_train)

print("best parameters:")
for name, value in search.best_params_.items():
    print(f"  {name} = {value:.4g}" if isinstance(value, float) else f"  {name} = {value}")
print(f"best cross-validated accuracy: {search.best_score_:.3f}")

# %%
# Every candidate, in evaluation order (``cv_results_`` is scikit-learn's,
# plus the ``iteration`` column):
import pandas as pd

results = pd.DataFrame(search.cv_results_)
columns = ["iteration", "mean_test_score", "std_test_score", "mean_fit_time"]
results[[c for c in results if c.startswith("param_")] + columns].round(4)

# %%
# Holdout score
# -------------
# ``refit=True`` (the default) retrained the best pipeline on the whole
# training set; it is scored once on the untouched holdout set.
from sklearn.metrics import classification_report

holdout_predictions = search.predict(X_holdout)
print(f"holdout accuracy: {search.score(X_holdout, y_holdout):.3f}")
print(classification_report(y_holdout, holdout_predictions, digits=3))

# %%
# The refitted network's training curve (the loss on its validation split):
history = search.best_estimator_.named_steps["net"].history_
print(f"trained for {len(history['loss'])} epochs, "
      f"best validation loss {np.min(history['val_loss']):.4f}")

# %%
# Convergence
# -----------
# The best cross-validated accuracy found after each candidate; the dots are
# the candidates' own scores.
import matplotlib.pyplot as plt

from sktune.plots import plot_convergence

ax = plot_convergence(search)
ax.set_title("BayesSearchCV on the Palmer penguins")
plt.show()

"""
Quickstart: BayesSearchCV in place of RandomizedSearchCV
========================================================

The same ``param_distributions`` a ``RandomizedSearchCV`` user already has,
searched by a Gaussian process instead of at random. The data set ships with
scikit-learn.
"""

from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sktune import BayesSearchCV

X, y = load_breast_cancer(return_X_y=True)
pipeline = make_pipeline(StandardScaler(), SVC())

search = BayesSearchCV(
    pipeline,
    {
        "svc__C": loguniform(1e-2, 1e3),
        "svc__gamma": loguniform(1e-4, 1e0),
        "svc__kernel": ["rbf", "sigmoid"],
    },
    n_iter=20,
    cv=5,
    random_state=0,
)
search.fit(X, y)

print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.4f}")

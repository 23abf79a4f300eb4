"""sktune: Bayesian and genetic hyperparameter search, and Keras estimators, for scikit-learn.

Importing :mod:`sktune` never imports Keras or TensorFlow; the Keras estimators
live in :mod:`sktune.keras`.
"""

from sktune.search.bayes import BayesSearchCV
from sktune.search.genetic import GeneticSearchCV
from sktune.search.halving import HalvingBayesSearchCV
from sktune.space._dimensions import Categorical, Integer, Real

__version__ = "0.1.0"

__all__ = [
    "BayesSearchCV",
    "GeneticSearchCV",
    "HalvingBayesSearchCV",
    "Real",
    "Integer",
    "Categorical",
]

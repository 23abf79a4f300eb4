"""Convergence and parameter plots of fitted searches.

Works with any fitted :class:`~sklearn.model_selection.BaseSearchCV` (sktune's
searches, ``RandomizedSearchCV``, ``GridSearchCV``, ...): everything is read
from ``cv_results_``. matplotlib is an optional extra, imported only when a
function is called, so ``import sktune`` never imports it.
"""

from sktune.plots._budget import plot_budget
from sktune.plots._common import best_so_far  # noqa: F401  (imported from here by users)
from sktune.plots._convergence import plot_convergence
from sktune.plots._parameters import plot_parameters

__all__ = ["plot_budget", "plot_convergence", "plot_parameters"]

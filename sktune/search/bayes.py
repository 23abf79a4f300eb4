"""BayesSearchCV: its parameters, and the Gaussian-process optimiser it builds."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from sktune.optimize.bayes import GPOptimizer
from sktune.search._base import OptimizerSearchCV
from sktune.search._docs import fill_shared_docs


@fill_shared_docs
class BayesSearchCV(OptimizerSearchCV):
    """Bayesian optimisation of hyper-parameters with a Gaussian process.

    A drop-in replacement for
    :class:`~sklearn.model_selection.RandomizedSearchCV`: the same leading
    arguments, the same ``cv_results_`` and ``best_*_`` attributes. Instead of
    sampling ``n_iter`` candidates blindly, it evaluates a quasi-random
    initial design, then fits a Gaussian process (Matérn 5/2, one
    length-scale per dimension, learned noise) to the scores so far and
    evaluates the candidates with the highest expected improvement.

    Parameters
    ----------
    {shared_parameters}

    n_iter : int, default=50
        Total number of distinct candidates evaluated. A candidate is never
        fitted twice; a space with fewer points stops when it is exhausted.

    {shared_search_parameters}

    n_points : int, default=1
        Candidates proposed per iteration and evaluated together (a constant
        liar spreads them out). With ``n_jobs > 1`` a value near ``n_jobs``
        keeps every worker busy; results depend on ``n_points`` but not on
        ``n_jobs``.

    n_initial_points : int, default=None
        Quasi-random (scrambled Sobol) candidates before the surrogate is
        used; None means ``max(5, min(2 * n_dims + 1, 10))``.

    acquisition : {"ei", "lcb", "pi", "hedge"}, default="ei"
        Expected improvement, lower confidence bound, probability of
        improvement, or a GP-Hedge portfolio of the three.

    xi : float, default=0.01
        Exploration margin of "ei" and "pi".

    kappa : float, default=1.96
        Exploration weight of "lcb".

    Attributes
    ----------
    {shared_attributes}

    See Also
    --------
    GeneticSearchCV : Evolutionary search over the same spaces.
    sklearn.model_selection.RandomizedSearchCV : Random search.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from sktune import BayesSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(SVC(), {"C": loguniform(1e-2, 1e2),
    ...                                "kernel": ["linear", "rbf"]},
    ...                        n_iter=12, random_state=0).fit(X, y)
    >>> sorted(search.best_params_)
    ['C', 'kernel']
    >>> len(search.cv_results_["params"])
    12
    """

    _parameter_constraints: dict = {
        **OptimizerSearchCV._parameter_constraints,
        "n_points": [Interval(Integral, 1, None, closed="left")],
        "n_initial_points": [Interval(Integral, 1, None, closed="left"), None],
        "acquisition": [StrOptions({"ei", "lcb", "pi", "hedge"})],
        "xi": [Interval(Real, 0, None, closed="left")],
        "kappa": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=50,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        max_time=None,
        n_iter_no_change=None,
        min_delta=0.0,
        target_score=None,
        checkpoint=None,
        n_points=1,
        n_initial_points=None,
        acquisition="ei",
        xi=0.01,
        kappa=1.96,
    ):
        super().__init__(
            estimator,
            param_distributions,
            n_iter=n_iter,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
            max_time=max_time,
            n_iter_no_change=n_iter_no_change,
            min_delta=min_delta,
            target_score=target_score,
            checkpoint=checkpoint,
        )
        self.n_points = n_points
        self.n_initial_points = n_initial_points
        self.acquisition = acquisition
        self.xi = xi
        self.kappa = kappa

    def _make_optimizer(self, coordinates, random_state):
        return GPOptimizer(
            coordinates,
            random_state,
            n_initial_points=self.n_initial_points,
            acquisition=self.acquisition,
            xi=self.xi,
            kappa=self.kappa,
        )

    def _batch_size(self):
        return self.n_points

"""GeneticSearchCV: its parameters, and the genetic optimiser it builds."""

from numbers import Integral, Real
import warnings

import numpy as np
from sklearn.utils._param_validation import Interval

from sktune.optimize.genetic import GeneticOptimizer
from sktune.search._base import OptimizerSearchCV, split_budget
from sktune.search._docs import fill_shared_docs


@fill_shared_docs
class GeneticSearchCV(OptimizerSearchCV):
    """Hyper-parameter search with a genetic algorithm.

    A drop-in replacement for
    :class:`~sklearn.model_selection.RandomizedSearchCV`. A quasi-random first
    generation of ``population_size`` candidates is evolved by tournament
    selection, crossover (simulated-binary on numbers, swaps on categories)
    and mutation (polynomial steps on numbers, resampling of categories); the
    ``elitism`` best candidates always stay among the parents. Each generation
    is evaluated in one batch, so ``n_jobs`` runs its candidates x splits in
    parallel, and a candidate seen before is never fitted again.

    Parameters
    ----------
    {shared_parameters}

    n_iter : int, default=50
        Total number of distinct candidates evaluated, over all generations
        (the last generation is cut short to fit the budget). With no more
        than ``population_size``, only the quasi-random first generation is
        evaluated: that is a random search, and ``fit`` warns.

    {shared_search_parameters}

    population_size : int, default=10
        Candidates per generation. Must be >= 2.

    elitism : int, default=2
        Best candidates kept among the parents whatever their generation.

    tournament_size : int, default=3
        Parents are the best of this many candidates drawn at random.

    crossover_probability : float, default=0.9
        Probability that two parents are crossed rather than copied.

    mutation_probability : float, default=None
        Per-gene mutation probability; None means ``1 / n_dims``. It rises
        automatically when the population loses its diversity.

    Attributes
    ----------
    {shared_attributes}

    history_ : list of dict
        One entry per generation (and sub-space): ``generation``,
        ``subspace``, ``n_new`` candidates, ``n_failed``, ``best`` and
        ``mean`` score (greater is better, NaN if all failed), ``diversity``
        of the parents it was bred from and the ``mutation_probability`` used
        (NaN for the quasi-random first generation).

    See Also
    --------
    BayesSearchCV : Gaussian-process search over the same spaces.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from sktune import GeneticSearchCV, Integer
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0),
    ...     {"max_depth": Integer(1, 8), "criterion": ["gini", "entropy"],
    ...      "min_samples_leaf": Integer(1, 20)},
    ...     n_iter=16, population_size=8, random_state=0).fit(X, y)
    >>> search.cv_results_["generation"].tolist()
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    """

    _iteration_column = "generation"

    _parameter_constraints: dict = {
        **OptimizerSearchCV._parameter_constraints,
        "population_size": [Interval(Integral, 2, None, closed="left")],
        "elitism": [Interval(Integral, 0, None, closed="left")],
        "tournament_size": [Interval(Integral, 1, None, closed="left")],
        "crossover_probability": [Interval(Real, 0, 1, closed="both")],
        "mutation_probability": [Interval(Real, 0, 1, closed="both"), None],
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
        population_size=10,
        elitism=2,
        tournament_size=3,
        crossover_probability=0.9,
        mutation_probability=None,
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
        self.population_size = population_size
        self.elitism = elitism
        self.tournament_size = tournament_size
        self.crossover_probability = crossover_probability
        self.mutation_probability = mutation_probability

    def _make_optimizer(self, coordinates, random_state):
        return GeneticOptimizer(
            coordinates,
            random_state,
            population_size=self.population_size,
            elitism=self.elitism,
            tournament_size=self.tournament_size,
            crossover_probability=self.crossover_probability,
            mutation_probability=self.mutation_probability,
        )

    def _batch_size(self):
        return self.population_size

    def _check_settings(self):
        sizes = [sub.size for sub in self.space_.subspaces]
        budgets = split_budget(self.n_iter, sizes)
        bred = [b > self.population_size for b in budgets]
        exhausted = [b >= size for b, size in zip(budgets, sizes, strict=True)]
        if not any(bred) and not all(exhausted):
            warnings.warn(
                f"GeneticSearchCV with n_iter={self.n_iter} and population_size="
                f"{self.population_size} evaluates only its first generation, which "
                "is quasi-random: this is a random search. Give n_iter several "
                f"generations (e.g. n_iter={5 * self.population_size}) or a smaller "
                "population_size.",
                UserWarning,
                stacklevel=3,
            )

    def _after_search(self):
        # The optimiser minimises negated scores; report scores.
        self.history_ = [
            {
                **entry,
                "subspace": k,
                "best": -entry["best"],
                "mean": -entry["mean"],
            }
            for k, optimizer in enumerate(self.optimizers_)
            for entry in optimizer.history_
        ]

"""HalvingBayesSearchCV: successive halving whose candidates the Bayesian optimiser proposes."""

import contextlib
import functools
from numbers import Integral, Real

from joblib import effective_n_jobs
import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples

from sktune._budget import plain
from sktune.optimize.bayes import GPOptimizer
from sktune.optimize.multifidelity import MultiFidelityOptimizer
from sktune.search._base import OptimizerSearchCV
from sktune.search._continuation import continuing_estimator, restore_class
from sktune.search._docs import fill_shared_docs
from sktune.search._halving_checks import resolve_schedule
from sktune.search._halving_loop import HalvingLoopMixin
from sktune.search._schedule import BRACKET_SCHEDULES, first_rung_batch


@fill_shared_docs
class HalvingBayesSearchCV(HalvingLoopMixin, OptimizerSearchCV):
    """Successive halving with candidates proposed by Bayesian optimisation.

    A drop-in replacement for
    :class:`~sklearn.model_selection.HalvingRandomSearchCV`: the same
    arguments, the same schedule (candidates and resources per iteration),
    ``cv_results_`` with its ``iter`` and ``n_resources`` columns and its
    ``n_resources_``, ``n_candidates_`` and ``n_iterations_`` attributes.
    Every candidate starts with ``min_resources`` (samples, epochs, trees,
    iterations...); the best ``1 / factor`` of each rung are evaluated again
    with ``factor`` times more, up to ``max_resources``. Instead of sampling
    the candidates at random, the search proposes them from a Gaussian
    process fitted to the evaluations made so far at every budget (each
    candidate valued by the rung it reached and its rank there), and
    brackets can repeat, each learning from the ones before, or start at
    higher budgets as Hyperband's do (``bracket_schedule``).

    Keras estimators continue training when promoted: a candidate evaluated
    with 3 epochs and promoted to 9 on the same fold resumes from its 3-epoch
    weights and optimizer state; scikit-learn ensembles and MLPs continue
    too, through ``warm_start`` and ``partial_fit`` (see :ref:`halving`).

    Parameters
    ----------
    estimator : estimator object
        An object implementing ``fit``; cloned for every candidate, rung and
        split. Either it provides ``score``, or ``scoring`` must be given.

    param_distributions : dict or list of dicts
        What to search, in every form :class:`BayesSearchCV` accepts
        (sktune dimensions, scipy.stats distributions, lists, lists of dicts
        for sub-spaces). It must not contain the ``resource`` parameter.

    n_candidates : int or "exhaust", default="exhaust"
        Candidates of the first rung of each bracket. "exhaust" makes the
        last rung use ``max_resources``: ``max_resources // min_resources``
        candidates.

    factor : float, default=3
        Each rung keeps the best ``1 / factor`` of its candidates and gives
        them ``factor`` times more resources. Must be >= 2.

    resource : "n_samples" or str, default="n_samples"
        What the budget is: the number of training samples, or the name of
        an estimator parameter that sets the training effort, such as
        ``"epochs"`` (:class:`~sktune.keras.KerasClassifier`), ``"max_iter"``
        or ``"n_estimators"`` (``"clf__epochs"`` in a Pipeline).

    max_resources : int or "auto", default="auto"
        Largest budget. "auto" is the number of samples for
        ``resource="n_samples"``, and the estimator's own value of the
        resource parameter otherwise (its ``epochs``, say).

    min_resources : int, "smallest" or "exhaust", default="smallest"
        Budget of the first rung. "smallest" is 1 for a parameter resource,
        and ``2 * n_splits`` (times the number of classes for a classifier)
        samples for ``n_samples``; "exhaust" is the largest value that lets
        the last rung use ``max_resources``.

    aggressive_elimination : bool, default=False
        Keep eliminating at ``min_resources`` until the last rung has fewer
        than ``factor`` candidates, as in scikit-learn.

    cv : int, cross-validation generator or iterable, default=5
        As in ``HalvingRandomSearchCV``; the splits must be the same at every
        call (no unseeded shuffling).

    {shared_search_parameters}

    n_brackets : int or None, default=1
        Successive-halving brackets to run. The first bracket evaluates
        ``n_candidates`` new candidates at ``min_resources`` (later ones start
        as ``bracket_schedule`` says) and halves them up to ``max_resources``,
        costing as much training as about ``schedule_cost_`` candidates trained with
        ``max_resources`` (4 with the defaults for 27 candidates). With the
        default 1 the search does the work of ``HalvingRandomSearchCV``. None
        repeats brackets until ``max_time``, ``n_iter_no_change`` or
        ``target_score`` stops the search (one of them is then required).

    bracket_schedule : {"hyperband", "repeat", "asynchronous"}, default="hyperband"
        Where brackets start. "hyperband" hedges against low budgets that
        rank candidates differently from the full budget, as Hyperband does:
        bracket ``i`` starts at rung ``i % n_iterations_`` with fewer
        candidates, so that each bracket costs about the same (27, 12, 6 and
        4 candidates starting with 1, 3, 9 and 27 epochs for factor 3 and 27
        epochs). "repeat" starts every bracket at ``min_resources`` with
        ``n_candidates`` candidates (the default in sktune 0.1). The
        first bracket is the same either way. "asynchronous" runs ASHA for
        parallel workers: no rung waits for its slowest fit; each free worker
        promotes a candidate among the best ``1 / factor`` finished at its
        rung, or starts a new one, one split at a time, up to ``n_brackets``
        times ``n_candidates`` first-rung candidates (see
        :ref:`halving-asynchronous`).

    continue_training : bool, default=True
        Whether a promoted candidate continues from its state at the lower
        budget on the same fold, where the estimator can: sktune's Keras
        wrappers with ``resource="epochs"`` (weights, optimizer state and
        history), scikit-learn's forests, bagging and gradient boosting
        (``n_estimators``) and ``HistGradientBoosting*`` (``max_iter``)
        through ``warm_start``, and ``MLP*`` (``max_iter``, stochastic
        solvers) through ``partial_fit``. States are kept in a temporary
        directory, removed at the end of ``fit``. Other estimators, and
        workers that cannot reach the directory, train promoted candidates
        from scratch. False always trains from scratch.

    n_points : int or None, default=None
        New first-rung candidates proposed together. None: one at a time with
        one worker, else enough to give every worker at least four fits a
        step and the same number of fits (4 candidates for 2 workers and 3
        folds).
        With several workers, steps that promote few candidates are also
        topped up with new first-rung candidates so that no worker idles;
        the candidates proposed then depend on ``n_jobs``. No effect with
        ``bracket_schedule="asynchronous"``, which proposes one at a time.

    n_initial_points : int, default=None
        Quasi-random first-rung candidates before the surrogate is used;
        None means ``max(5, min(2 * n_dims + 1, 10))``.

    acquisition : {"ei", "lcb", "pi", "hedge"}, default="ei"
        The acquisition function, as in :class:`BayesSearchCV`.

    xi : float, default=0.01
        Exploration margin of "ei" and "pi".

    kappa : float, default=1.96
        Exploration weight of "lcb".

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        The keys of ``HalvingRandomSearchCV.cv_results_``: one row per
        evaluation of a candidate at a rung, in evaluation order, with
        ``iter`` (the rung) and ``n_resources``, plus ``bracket`` (unless
        ``n_brackets=1`` or the schedule is asynchronous) and, with
        sub-spaces, ``subspace``. With a parameter resource, ``params`` holds
        it too (``param_epochs``, say).

    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_
        As in ``HalvingRandomSearchCV``: the best candidate among those
        evaluated with the largest budget reached.

    space_ : sktune.space.Space
        The search space read from ``param_distributions``.

    stop_reason_ : str
        ``"n_brackets"``, ``"space exhausted"``, or the stopping rule that
        fired.

    n_resources_ : list of int
        Resources of each rung (iteration) reached.

    n_candidates_ : list of int
        Candidates evaluated at each rung reached, over all brackets.

    n_iterations_ : int
        Rungs of a bracket.

    n_possible_iterations_, n_required_iterations_, n_remaining_candidates_ : int
        As in ``HalvingRandomSearchCV`` (for one bracket).

    min_resources_, max_resources_ : int
        The resolved budgets.

    n_brackets_ : int
        Brackets started; with ``bracket_schedule="asynchronous"``, the
        first-rung candidates started, in brackets' worth (rounded up).

    schedule_cost_ : float
        Training of the first bracket, in candidates trained with
        ``max_resources`` (of every bracket with ``bracket_schedule="repeat"``,
        and about that of every bracket with "hyperband").

    optimizers_ : list of MultiFidelityOptimizer
        The ask/tell optimiser of each sub-space, with the points and negated
        scores of every rung.

    See Also
    --------
    BayesSearchCV : Every candidate with the full budget.
    sklearn.model_selection.HalvingRandomSearchCV : Random candidates.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.svm import SVC
    >>> from sktune import HalvingBayesSearchCV
    >>> X, y = load_digits(return_X_y=True)
    >>> search = HalvingBayesSearchCV(
    ...     SVC(), {"C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-4, 1e-1)},
    ...     cv=3, random_state=0).fit(X, y)
    >>> search.n_resources_, search.n_candidates_
    ([60, 180, 540, 1620], [29, 10, 4, 2])
    >>> int(search.cv_results_["n_resources"][search.best_index_])
    1620
    """

    _iteration_column = "iter"

    _parameter_constraints: dict = {
        **{
            k: v
            for k, v in OptimizerSearchCV._parameter_constraints.items()
            if k not in ("n_iter", "pre_dispatch")
        },
        "n_candidates": [Interval(Integral, 0, None, closed="neither"), StrOptions({"exhaust"})],
        "factor": [Interval(Real, 2, None, closed="left")],
        "resource": [str],
        "max_resources": [Interval(Integral, 0, None, closed="neither"), StrOptions({"auto"})],
        "min_resources": [
            Interval(Integral, 0, None, closed="neither"),
            StrOptions({"exhaust", "smallest"}),
        ],
        "aggressive_elimination": ["boolean"],
        "n_brackets": [Interval(Integral, 1, None, closed="left"), None],
        "bracket_schedule": [StrOptions(set(BRACKET_SCHEDULES))],
        "continue_training": ["boolean"],
        "n_points": [Interval(Integral, 1, None, closed="left"), None],
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
        n_candidates="exhaust",
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="smallest",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
        n_brackets=1,
        bracket_schedule="hyperband",
        continue_training=True,
        n_points=None,
        max_time=None,
        n_iter_no_change=None,
        min_delta=0.0,
        target_score=None,
        checkpoint=None,
        n_initial_points=None,
        acquisition="ei",
        xi=0.01,
        kappa=1.96,
    ):
        super(OptimizerSearchCV, self).__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.aggressive_elimination = aggressive_elimination
        self.random_state = random_state
        self.n_brackets = n_brackets
        self.bracket_schedule = bracket_schedule
        self.continue_training = continue_training
        self.n_points = n_points
        self.max_time = max_time
        self.n_iter_no_change = n_iter_no_change
        self.min_delta = min_delta
        self.target_score = target_score
        self.checkpoint = checkpoint
        self.n_initial_points = n_initial_points
        self.acquisition = acquisition
        self.xi = xi
        self.kappa = kappa

    # -- what OptimizerSearchCV asks of a subclass ------------------------------------
    def _make_optimizer(self, coordinates, random_state):
        return MultiFidelityOptimizer(
            coordinates,
            n_rungs=self._schedule.n_iterations,
            make_optimizer=functools.partial(
                GPOptimizer,
                n_initial_points=self.n_initial_points,
                acquisition=self.acquisition,
                xi=self.xi,
                kappa=self.kappa,
            ),
            random_state=random_state,
        )

    def _batch_size(self):
        if self.n_points is not None:
            return self.n_points
        return first_rung_batch(self._n_workers(), self._n_splits)

    def _n_workers(self):
        return max(1, effective_n_jobs(self.n_jobs))

    # -- validation before any fit --------------------------------------------------------
    def fit(self, X, y=None, **params):
        """Run the search: validate, then run successive-halving brackets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Target.
        **params : dict
            Passed to the estimator's ``fit``, the scorer and the CV splitter.

        Returns
        -------
        self : object
            The fitted search.
        """
        if self.n_brackets is None and not any(
            v is not None for v in (self.max_time, self.n_iter_no_change, self.target_score)
        ):
            raise ValueError(
                "n_brackets=None repeats brackets until a stopping rule ends the "
                "search, but max_time, n_iter_no_change and target_score are all None. "
                "Set one of them, or give n_brackets a number."
            )
        self._n_samples_orig = _num_samples(X)
        self._fit_inputs = (X, y, params)  # the asynchronous schedule fits one split at a time
        try:
            return super().fit(X, y, **params)
        finally:
            self.__dict__.pop("_n_samples_orig", None)

    def _check_data(self, X, y, params, cv):
        # Called by ``fit`` before the checkpoint or any fit, once ``space_``
        # is known (the schedule needs its size). scikit-learn's own
        # ``_check_input_parameters`` hook exists only from version 1.9 on.
        self._base_cv = cv  # n_samples rungs subsample its folds
        self.min_resources_, self.max_resources_, self._schedule = resolve_schedule(
            self, X, y, params, cv
        )

    @contextlib.contextmanager
    def _estimator_for_fits(self):
        """While the search fits, a resource owner that can train further continues.

        See :mod:`sktune.search._continuation`. The user's estimator is back
        when ``fit`` ends, and ``best_estimator_`` is of the user's class.
        """
        continuing = None
        if self._continues_training():
            continuing = continuing_estimator(self.estimator, self.resource)
        if continuing is None:
            yield
            return
        estimator, self.estimator = self.estimator, continuing
        try:
            yield
        finally:
            self.estimator = estimator
            if hasattr(self, "best_estimator_"):
                restore_class(self.best_estimator_, self.resource)

    @staticmethod
    def _select_best_index(refit, refit_metric, results):
        """The best candidate among those evaluated with the largest budget."""
        if callable(refit):
            return OptimizerSearchCV._select_best_index(refit, refit_metric, results)
        budget = np.asarray(results["n_resources" if "n_resources" in results else "iter"])
        top = np.flatnonzero(budget == budget.max())
        metric = refit_metric or "score"
        scores = np.asarray(results[f"mean_test_{metric}"], dtype=float)[top]
        if np.isnan(scores).all():
            return int(top[0])
        return int(top[np.nanargmax(scores)])

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        candidate_params = [
            {name: plain(value) for name, value in params.items()}
            for params in candidate_params
        ]
        return super()._format_results(candidate_params, n_splits, out, more_results)

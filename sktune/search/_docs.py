"""Parameter documentation shared by the search classes, written once."""

import inspect
import re

SHARED_PARAMETERS = """\
estimator : estimator object
        An object implementing ``fit``; cloned for every candidate and split.
        Either it provides ``score``, or ``scoring`` must be given.

    param_distributions : dict or list of dicts
        Parameter names (``step__param`` for Pipelines) to what to search: an
        sktune dimension (:class:`~sktune.Real`, :class:`~sktune.Integer`,
        :class:`~sktune.Categorical`), a scipy.stats distribution (searched
        through its quantile function), any object with ``rvs``, a list
        (numbers: ordered values; anything else: choices), or scikit-optimize's
        and Optuna's dimension objects. A list of dicts is a union of
        sub-spaces; ``n_iter`` is shared equally among them, a sub-space with
        fewer points than its share giving the rest to the others. Everything
        :class:`~sklearn.model_selection.RandomizedSearchCV` and
        :class:`~sklearn.model_selection.GridSearchCV` accept works unchanged."""

SHARED_SEARCH_PARAMETERS = """\
scoring : str, callable, list, tuple or dict, default=None
        As in :class:`~sklearn.model_selection.RandomizedSearchCV`. With
        several metrics, the optimiser follows the one named by ``refit``
        when ``refit`` is a string, otherwise (``refit=False`` or a callable)
        the first one: the first key of a dict (also of the dict a scoring
        callable returns), the first name of a list or tuple.

    n_jobs : int, default=None
        Number of jobs to run in parallel over candidates x splits of a batch.
        ``None`` means 1 unless in a :func:`joblib.parallel_backend` context.

    refit : bool, str, or callable, default=True
        Refit a clone of the estimator with the best parameters on the whole
        data, as in :class:`~sklearn.model_selection.RandomizedSearchCV`. With
        multi-metric scoring it is a scorer name (the metric then optimised),
        a callable or False, as scikit-learn requires.

    cv : int, cross-validation generator or iterable, default=None
        The splitting strategy, as in ``RandomizedSearchCV``. Randomised
        splitters should have a fixed ``random_state`` so that every batch is
        scored on the same splits.

    verbose : int, default=0
        ``>= 1`` prints scikit-learn's "Fitting N folds for each of M
        candidates" line: :class:`~sktune.BayesSearchCV` and
        :class:`~sktune.GeneticSearchCV` once for the whole search (their
        batches are an implementation detail), and the stopping rule that
        ended the search early, if one did;
        :class:`~sktune.HalvingBayesSearchCV` prints its schedule, as
        ``HalvingRandomSearchCV`` does, and a line per step (its candidates,
        their resources, the best score at ``max_resources``, the elapsed
        time) instead. ``>= 2`` adds a line per iteration of the first two
        (candidates done, best score, elapsed time), a line per finished
        candidate of the asynchronous schedule, and scikit-learn's per-fit
        messages.

    pre_dispatch : int or str, default="2*n_jobs"
        Controls the number of jobs dispatched during parallel execution.

    random_state : int, RandomState instance or None, default=None
        Seeds the optimiser (and the sampling of distributions that only have
        ``rvs``). An int makes the whole search reproducible. The candidates
        of :class:`~sktune.BayesSearchCV` and :class:`~sktune.GeneticSearchCV`
        are the same for any ``n_jobs``; those of
        :class:`~sktune.HalvingBayesSearchCV` for the same ``n_jobs`` only (it
        proposes as many at a time as keep the workers busy).

    error_score : "raise" or numeric, default=np.nan
        Score given to a candidate whose fit fails. ``np.nan`` marks the
        candidate as failed: the optimiser steers away from it. As in
        scikit-learn, failures give one ``FitFailedWarning`` per search, with
        the totals, and a search whose every fit failed raises. A failure
        that follows every candidate ends the search early with that error:
        once 3 candidates that differ in every searched parameter have failed
        on every split with the same exception, and no fit has succeeded.

    return_train_score : bool, default={return_train_score}
        Include training scores in ``cv_results_``.

    max_time : float, default=None
        Wall-clock budget in seconds, checked between batches: no batch starts
        after it is spent (a running batch finishes).

    n_iter_no_change : int, default=None
        Stop when the best score has not improved by more than ``min_delta``
        over the last ``n_iter_no_change`` candidates proposed by the
        optimiser (for :class:`~sktune.HalvingBayesSearchCV`, candidates
        evaluated with ``max_resources``). The initial design (the
        quasi-random points of :class:`~sktune.BayesSearchCV`, the first
        generation of :class:`~sktune.GeneticSearchCV`) explores on purpose
        and is not counted.

    min_delta : float, default=0.0
        Minimum improvement that counts for ``n_iter_no_change``.

    target_score : float, default=None
        Stop as soon as a candidate's score reaches this value.

    checkpoint : str or path-like, default=None
        A JSON-lines file where every evaluated candidate (its point, per-split
        scores and times) is appended and flushed as soon as its batch
        returns. Calling ``fit`` again with the same file after a crash,
        Ctrl-C or ``kill -9`` re-uses every finished candidate without
        refitting it and continues exactly as the uninterrupted search would
        have; a finished search only refits its best candidate. A file
        written for another estimator, space, scoring, data or CV splits is
        refused before any fit, and so is a file that another search is
        using; loading never executes code."""

SHARED_ATTRIBUTES = """\
cv_results_ : dict of numpy (masked) ndarrays
        Exactly the keys of ``RandomizedSearchCV.cv_results_``, one row per
        distinct candidate in evaluation order, plus ``{iteration}`` (the
        batch a candidate was evaluated in) and, with sub-spaces,
        ``subspace`` (the index of its dict).

    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_
        As in :class:`~sklearn.model_selection.RandomizedSearchCV`.

    space_ : sktune.space.Space
        The search space read from ``param_distributions``.

    optimizers_ : list of optimiser objects
        The fitted ask/tell optimiser of each sub-space (one for a dict), for
        inspection. Its ``X_`` and ``y_`` are the points in the unit cube and
        their negated scores.

    n_iterations_ : int
        Number of batches evaluated.

    stop_reason_ : str
        Why the search stopped: ``"n_iter"``, ``"space exhausted"``, or the
        stopping rule that fired (``max_time``, ``n_iter_no_change``,
        ``target_score``)."""


def fill_shared_docs(cls):
    """Put the shared parameter and attribute text into a class docstring.

    Only the parameters the class's ``__init__`` takes and does not document
    itself are put in, with its own default of ``return_train_score``.
    """
    if cls.__doc__:
        signature = inspect.signature(cls.__init__).parameters
        own = set(re.findall(r"^    (\w+) :", cls.__doc__, flags=re.MULTILINE))
        blocks = SHARED_SEARCH_PARAMETERS.split("\n\n    ")
        shared = "\n\n    ".join(
            block
            for block in blocks
            if block.split(" :")[0] in signature and block.split(" :")[0] not in own
        )
        default = signature["return_train_score"].default
        cls.__doc__ = (
            cls.__doc__.replace("{shared_parameters}", SHARED_PARAMETERS)
            .replace("{shared_search_parameters}", shared)
            .replace("{shared_attributes}", SHARED_ATTRIBUTES)
            .replace("{iteration}", cls._iteration_column)
            .replace("{return_train_score}", str(default))
        )
    return cls

"""One (candidate, split) fit at a time, as ``evaluate_candidates`` makes them.

``BaseSearchCV.fit``'s ``evaluate_candidates`` fits every split of a batch of
candidates and returns when the last fit does. The asynchronous schedule
(:mod:`sktune.search._async_loop`) needs single fits it can start whenever a
worker is free. :class:`FoldFits` builds them the way ``BaseSearchCV.fit``
does: the same scorers, routed fit and score metadata, splits, clone of the
estimator and scikit-learn ``_fit_and_score`` arguments, through
scikit-learn's ``delayed`` (its configuration and warning filters reach the
workers), so each output is what ``evaluate_candidates`` would have
produced for the same fit. The
outputs then reach ``cv_results_`` as recorded outputs do
(:mod:`sktune.search._resume`).
"""

import time

from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.model_selection._validation import _fit_and_score, _insert_error_scores
from sklearn.utils.parallel import delayed
from sklearn.utils.validation import _check_method_params, indexable

#: Seconds an idle task waits on its worker before that worker asks for work again.
IDLE_SECONDS = 0.01


class FoldFits:
    """The fits of a search, one candidate and split at a time.

    Parameters
    ----------
    search : BaseSearchCV
        The search being fitted (its ``estimator``, ``cv``, ``scoring``,
        ``error_score``, ``return_train_score`` and ``verbose``).
    X, y, params
        What the search's ``fit`` was called with.
    splitter_of : callable
        ``splitter_of(rung)`` is the CV splitter of a rung, or None for the
        search's own ``cv``.
    """

    def __init__(self, search, X, y, params, splitter_of):
        scorers, _ = search._get_scorers()
        self._X, self._y = indexable(X, y)
        params = _check_method_params(self._X, params=params)
        routed = search._get_routed_params_for_fit(params)
        self._split_params = routed.splitter.split
        self._cv = check_cv(search.cv, self._y, classifier=is_classifier(search.estimator))
        self._splitter_of = splitter_of
        self._splits = {}
        self._base = clone(search.estimator)
        self._callable_scoring = callable(search.scoring)
        self._error_score = search.error_score
        self._succeeded = []  # one earlier successful output: the metric names
        self._kwargs = dict(
            scorer=scorers,
            fit_params=routed.estimator.fit,
            score_params=routed.scorer.score,
            return_train_score=search.return_train_score,
            return_n_test_samples=True,
            return_times=True,
            return_parameters=False,
            error_score=search.error_score,
            verbose=search.verbose,
        )

    def splits(self, rung):
        """The (train, test) index pairs of a rung, computed once."""
        if rung not in self._splits:
            cv = self._splitter_of(rung) or self._cv
            self._splits[rung] = list(cv.split(self._X, self._y, **self._split_params))
        return self._splits[rung]

    def task(self, tag, params, rung, split):
        """A joblib task fitting ``params`` on one split; it returns ``(tag, output)``."""
        splits = self.splits(rung)
        train, test = splits[split]
        return delayed(_tagged_fit_and_score)(
            tag,
            clone(self._base),
            self._X,
            self._y,
            train=train,
            test=test,
            parameters=params,
            split_progress=(split, len(splits)),
            **self._kwargs,
        )

    @staticmethod
    def idle_task():
        """A task that only waits a little; it returns ``(None, None)``.

        It keeps a worker asking for work while the fit that will decide its
        next job is still being read (see :mod:`sktune.search._async_loop`).
        """
        return delayed(_idle)()

    def finish(self, outputs):
        """What ``evaluate_candidates`` does to the outputs of a candidate's splits."""
        if self._callable_scoring:
            # A candidate that failed on every split learns the metric names of
            # a candidate that did not, as it would in a batch of both.
            _insert_error_scores(self._succeeded + outputs, self._error_score)
            if not self._succeeded:
                self._succeeded = [o for o in outputs if o["fit_error"] is None][:1]
        return outputs


def _tagged_fit_and_score(tag, estimator, X, y, **kwargs):
    return tag, _fit_and_score(estimator, X, y, **kwargs)


def _idle():
    time.sleep(IDLE_SECONDS)
    return None, None

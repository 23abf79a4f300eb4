"""Continuing promoted scikit-learn candidates: ``warm_start`` and ``partial_fit``.

:class:`~sktune.HalvingBayesSearchCV` gives the resource parameter a
:class:`~sktune._budget.Budget` (see :mod:`sktune._budget`). sktune's Keras
wrappers read it in their own ``fit``; a scikit-learn estimator cannot, and
``evaluate_candidates`` clones the search's estimator for every fit. So while
a halving search fits, the estimator that owns the resource (the estimator
itself, or a Pipeline step for ``"clf__max_iter"``) is replaced by an
instance of a subclass of its class whose only addition is ``fit``: with the
same parameters, ``get_params``, ``repr`` and fit signature (metadata
routing reads it). Its ``fit``, given a Budget,

1. keys the training fold by a digest of ``X``, ``y`` and ``sample_weight``;
2. looks up the candidate's fitted state on that fold (its attributes,
   pickled, trained with a lower budget); if there is one, takes it back and
   trains on from it:

   - ensembles (forests, bagging, gradient boosting: ``n_estimators``;
     ``HistGradientBoosting*``: ``max_iter``) fit again with
     ``warm_start=True``, which adds trees up to the new budget. With an int
     ``random_state`` this is exactly the uninterrupted fit: scikit-learn
     draws the new trees' seeds after the old ones'. A model that early
     stopping ended before its budget is not grown: one fit stops there too.
     Gradient boosting with ``n_iter_no_change`` (a warm start restarts its
     early-stopping history) and bagging with ``oob_score`` (refused with
     ``warm_start``) train from scratch.
   - MLPs (``max_iter`` of the ``"adam"`` and ``"sgd"`` solvers) train one
     ``partial_fit`` epoch at a time, which keeps the optimiser (Adam's
     moments and step count, the learning-rate schedule), the random stream
     and the stopping counter, and stop where one fit would have stopped for
     lack of improvement. It is close to one uninterrupted fit, not equal:
     scikit-learn's ``fit`` shuffles each epoch's order from the previous
     epoch's, ``partial_fit`` from the original order. (A warm-started
     ``fit`` would restart the optimiser, which measurably changes which
     candidates look good.) ``early_stopping=True`` and ``"lbfgs"`` cannot
     continue this way and train from scratch;
3. stores the state it ends with, for the next promotion.

The search puts the user's estimator back when ``fit`` ends, and the refitted
``best_estimator_`` is an instance of the user's class. Estimators not listed
in :func:`continuation_kind` train promoted candidates from scratch.
"""

import functools
import inspect

import numpy as np
from sklearn.base import clone

from sktune._budget import Budget, data_key
from sktune.search._fingerprint import data_fingerprint

# How an estimator continues: grown to the new size with ``warm_start``
# (ensembles), or trained epoch by epoch with ``partial_fit`` (MLPs).
GROW, EPOCHS = "grow", "epochs"
_KINDS = (
    # (a class in the estimator's MRO, the resource parameter, how it continues)
    ("BaseEnsemble", "n_estimators", GROW),  # forests, bagging, gradient boosting
    ("BaseHistGradientBoosting", "max_iter", GROW),
    ("BaseMultilayerPerceptron", "max_iter", EPOCHS),
)
_STOCHASTIC_SOLVERS = ("adam", "sgd")
_CLASSES = {}


def _names(klass):
    return {base.__name__ for base in klass.__mro__}


def _class_kind(klass, parameter):
    bases = _names(klass)
    return next(
        (kind for base, name, kind in _KINDS if base in bases and name == parameter), None
    )


def continuation_kind(estimator, parameter):
    """How ``estimator``, with its parameters, continues when ``parameter`` grows; or None."""
    kind = _class_kind(type(estimator), parameter)
    params = estimator.get_params(deep=False)
    names = _names(type(estimator))
    if kind == GROW and (
        "warm_start" not in params
        # Bagging refuses oob_score with warm_start; gradient boosting restarts
        # its early-stopping history on a warm start.
        or (params.get("oob_score") and "BaseBagging" in names)
        or ("BaseGradientBoosting" in names and params.get("n_iter_no_change") is not None)
    ):
        return None
    if kind == EPOCHS and (
        params.get("solver") not in _STOCHASTIC_SOLVERS or params.get("early_stopping")
    ):
        return None
    return kind


def _owner(estimator, resource):
    """``(step, parameter, owner)``: the estimator itself, or a Pipeline step; else None."""
    step, _, parameter = resource.rpartition("__")
    if not step:
        return "", parameter, estimator
    # Only a Pipeline's own step: a meta-estimator (CalibratedClassifierCV,
    # TransformedTargetRegressor...) would clone it into fitted attributes the
    # search does not know of.
    if "__" in step or not hasattr(estimator, "named_steps"):
        return None
    owner = estimator.named_steps.get(step)
    return None if owner is None else (step, parameter, owner)


def continuing_estimator(estimator, resource):
    """A clone of ``estimator`` whose resource owner continues promoted fits, or None.

    The owner is the estimator itself or a step of a Pipeline
    (``"clf__max_iter"``). None when it is neither, or its class cannot
    continue with this resource. Whether a given candidate continues is
    decided at each fit, from its parameters (an MLP whose searched
    ``solver`` is ``"lbfgs"`` trains from scratch).
    """
    found = _owner(estimator, resource)
    if found is None:
        return None
    step, parameter, owner = found
    if isinstance(owner, _Continuing) or _class_kind(type(owner), parameter) is None:
        return None
    continuing = clone(owner)
    continuing.__class__ = _continuing_class(type(owner), parameter)
    if not step:
        return continuing
    estimator = clone(estimator)
    estimator.set_params(**{step: continuing})
    return estimator


def restore_class(estimator, resource):
    """Give the resource owner in ``estimator`` its user's class back, in place."""
    found = _owner(estimator, resource)
    if found is not None and isinstance(found[2], _Continuing):
        found[2].__class__ = found[2]._sktune_base


class _Continuing:
    """Marks the classes :func:`_continuing_class` makes."""

    _sktune_base = None
    _sktune_parameter = None

    def __reduce__(self):
        # The class is made at run time under its base's name: pickle by way
        # of the base, so that plain pickle (not only cloudpickle) can do it.
        return (_rebuild, (self._sktune_base, self._sktune_parameter, self.__getstate__()))


def _rebuild(base, parameter, state):
    klass = _continuing_class(base, parameter)
    estimator = klass.__new__(klass)
    estimator.__setstate__(state)
    return estimator


def _continuing_class(base, parameter):
    """The subclass of ``base`` whose ``fit`` continues a Budget's candidate."""
    found = _CLASSES.get((base, parameter))
    if found is not None:
        return found
    signature = inspect.signature(base.fit)

    def fit(self, *args, **kwargs):
        return _fit(self, base, parameter, signature, args, kwargs)

    functools.update_wrapper(fit, base.fit)  # its signature: metadata routing reads it
    klass = type(
        base.__name__,
        (_Continuing, base),
        {
            "fit": fit,
            "_sktune_base": base,
            "_sktune_parameter": parameter,
            "__module__": base.__module__,
            "__qualname__": base.__qualname__,
            "__doc__": base.__doc__,
        },
    )
    _CLASSES[(base, parameter)] = klass
    return klass


def _fit(estimator, base, parameter, signature, args, kwargs):
    budget = getattr(estimator, parameter)
    kind = continuation_kind(estimator, parameter)
    if not isinstance(budget, Budget) or budget.directory is None or kind is None:
        return base.fit(estimator, *args, **kwargs)
    bound = signature.bind_partial(estimator, *args, **kwargs).arguments
    if "X" not in bound:  # no way to tell the folds apart: never continue
        return base.fit(estimator, *args, **kwargs)
    key = data_key(
        np.asarray(
            [
                str(data_fingerprint(bound.get(name)))
                for name in ("X", "y", "sample_weight")
            ]
        )
    )
    found = budget.take_live(key) or budget.load_object(key)
    if found is None:
        base.fit(estimator, *args, **kwargs)
    else:
        n_done, state = found
        estimator.__dict__.update(state)
        setattr(estimator, parameter, budget)
        if kind == GROW:
            if not _stopped_early(estimator, n_done):
                _grow(estimator, base, args, kwargs)
        else:
            _train_epochs(estimator, int(budget) - n_done, bound)
    state = dict(estimator.__dict__)
    state[parameter] = int(budget)
    if budget.save_object(key, int(budget), state):
        budget.keep_live(key, int(budget), state)
    return estimator


def _stopped_early(estimator, n_done):
    """Whether early stopping ended the model before ``n_done``: one fit stops there too."""
    reached = getattr(estimator, "n_iter_", getattr(estimator, "n_estimators_", n_done))
    return reached < n_done


def _grow(estimator, base, args, kwargs):
    """Fit again with ``warm_start``: the ensemble grows to the new budget."""
    warm_start, estimator.warm_start = estimator.warm_start, True
    try:
        base.fit(estimator, *args, **kwargs)
    finally:
        estimator.warm_start = warm_start


def _train_epochs(estimator, n_epochs, bound):
    """``n_epochs`` more epochs of an MLP, each a ``partial_fit``.

    Each epoch draws its shuffling from the random stream the earlier ones
    left (``random_state`` stands for it during the call, as an int would
    restart it), and training stops where ``fit`` would have: once the loss
    has not improved for ``n_iter_no_change`` epochs.
    """
    data = {name: bound[name] for name in ("X", "y") if name in bound}
    if bound.get("sample_weight") is not None:
        data["sample_weight"] = bound["sample_weight"]
    random_state = estimator.random_state
    for _ in range(n_epochs):
        if getattr(estimator, "_no_improvement_count", 0) > estimator.n_iter_no_change:
            break
        estimator.random_state = getattr(estimator, "_random_state", random_state)
        try:
            estimator.partial_fit(**data)
        finally:
            estimator.random_state = random_state
    estimator.n_iter_ = len(estimator.loss_curve_)

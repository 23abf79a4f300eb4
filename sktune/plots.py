"""Convergence and parameter plots of fitted searches.

Works with any fitted :class:`~sklearn.model_selection.BaseSearchCV` (sktune's
searches, ``RandomizedSearchCV``, ``GridSearchCV``, ...): everything is read
from ``cv_results_``. matplotlib is an optional extra, imported only when a
function is called, so ``import sktune`` never imports it.
"""

import math
import warnings

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.exceptions import NotFittedError

from sktune.search._validation import metric_names_of, metric_to_optimize
from sktune.space import Space

__all__ = ["plot_budget", "plot_convergence", "plot_parameters"]

_INSTALL_HINT = (
    "sktune.plots needs matplotlib, which is not installed. Install sktune's plots "
    'extra (python -m pip install ".[plots]" in the sktune clone) or matplotlib itself '
    "(python -m pip install matplotlib)."
)
# Numbers spanning this many decades are drawn on a log axis when the search
# does not say how it sampled them (e.g. RandomizedSearchCV with a list).
_LOG_DECADES = 2
# Categories are drawn at 0, 1, 2...; points are spread by up to this much so
# that candidates sharing a category do not hide one another.
_CATEGORY_JITTER = 0.15
# The convergence plot's y axis spans the best-so-far lines after this fraction
# of each search's candidates: the poor first candidates of a search would
# otherwise squash every line into the top of the axes.
_LINES_FROM = 0.1
# Line styles and improvement markers, so that searches whose lines overlap
# (the same first candidates, the same best) stay distinguishable.
_LINESTYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "P", "X")


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return plt


def _results(search, caller):
    results = getattr(search, "cv_results_", None)
    if results is None:
        raise NotFittedError(
            f"{caller} needs a fitted search, but this {type(search).__name__} has no "
            "cv_results_: call fit(X, y) first."
        )
    return results


def _metric(search, results, metric):
    """The metric name whose ``mean_test_<name>`` column is plotted."""
    available = metric_names_of(results)
    if metric is None:
        # The metric sktune's searches optimise: refit's, else the first one.
        return metric_to_optimize(getattr(search, "refit", None), available)
    if f"mean_test_{metric}" not in results:
        raise ValueError(
            f"metric={metric!r} is not in the cv_results_ of this "
            f"{type(search).__name__}; it has {available}."
        )
    return metric


def _scores(search, metric, caller):
    results = _results(search, caller)
    metric = _metric(search, results, metric)
    return metric, np.asarray(results[f"mean_test_{metric}"], dtype=float)


def _metric_label(search, metric):
    """What the plotted column measures: the scorer's name where it is known."""
    if metric != "score":
        return metric
    scoring = getattr(search, "scoring", None)
    if isinstance(scoring, str):
        return scoring
    estimator = getattr(search, "estimator", None)
    if scoring is None and estimator is not None:
        # An estimator's own score method: accuracy for classifiers, R² for regressors.
        if is_classifier(estimator):
            return "accuracy"
        if is_regressor(estimator):
            return "R²"
    return "score"


def _y_range(lines):
    """Limits that hold every best-so-far line after its first ``_LINES_FROM``."""
    tails = []
    for best in lines:
        start = int(len(best) * _LINES_FROM)
        tail = best[start:][np.isfinite(best[start:])]
        tails.append(tail if len(tail) else best[np.isfinite(best)])
    values = np.concatenate(tails) if tails else np.empty(0)
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    margin = 0.08 * (high - low) if high > low else 0.05 * max(abs(high), 1e-3)
    return low - margin, high + margin


def best_so_far(scores):
    """Running maximum of ``scores`` ignoring NaN (failed fits).

    Entries before the first finite score stay NaN.

    Examples
    --------
    >>> from sktune.plots import best_so_far
    >>> best_so_far([float("nan"), 0.5, 0.4, float("nan"), 0.7]).tolist()
    [nan, 0.5, 0.5, 0.5, 0.7]
    """
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        return scores
    return np.fmax.accumulate(scores)


_X_AXES = {
    "candidates": "Candidates evaluated",
    "resources": "Resources spent ({resource})",
    "time": "Fit and score time spent (s)",
}


def _is_halving(search):
    return "n_resources" in getattr(search, "cv_results_", {})


def _resource_name(searches):
    names = {getattr(s, "resource", None) for s in searches if _is_halving(s)}
    names.discard(None)
    return " / ".join(sorted(names)) or "candidates at full budget"


def _n_splits(results):
    return sum(1 for key in results if key.startswith("split") and key.endswith("_test_score")) or 1


def _positions_and_eligible(search, metric_scores, x, full_budget):
    """x position of each evaluation, and its scores with non-full budgets as NaN.

    An evaluation that counts for nothing on this axis keeps a NaN position.
    """
    metric, scores = metric_scores
    results = search.cv_results_
    scores = scores.copy()
    if _is_halving(search):
        budget = np.asarray(results["n_resources"], dtype=float)
        scores[budget < budget.max()] = np.nan
    if x == "candidates":
        cost = np.ones(len(scores))
    elif x == "resources":
        cost = (
            np.asarray(results["n_resources"], dtype=float)
            if _is_halving(search)
            else np.full(len(scores), float(full_budget))
        )
    else:
        times = np.asarray(results["mean_fit_time"], dtype=float) + np.asarray(
            results["mean_score_time"], dtype=float
        )
        cost = times * _n_splits(results)
    where = np.cumsum(cost)
    if _is_halving(search):
        # Low-budget evaluations cost resources but show no point of their own.
        where = np.where(np.isnan(scores) & ~np.isnan(metric_scores[1]), np.nan, where)
    return where, (metric, scores)


def _default_labels(searches):
    names = [type(s).__name__ for s in searches]
    labels, seen = [], {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        duplicated = names.count(name) > 1
        labels.append(f"{name} #{seen[name]}" if duplicated else name)
    return labels


def plot_convergence(*searches, ax=None, labels=None, metric=None, x="candidates"):
    """Plot the best score found so far against the candidates evaluated or the budget spent.

    One step line per search, so several searches (sktune's, or any fitted
    scikit-learn search such as ``RandomizedSearchCV``) can be compared on
    the same axes; each candidate's own score is drawn as a faint dot. The
    x axis counts candidates in ``cv_results_`` order (evaluation order for
    sktune's searches). Scores are greater-is-better, as in scikit-learn.
    Failed fits (NaN scores under ``error_score=np.nan``) do not count as
    improvements; the line starts at the first candidate that did not fail.

    The y axis spans the best-so-far lines after each search's first 10% of
    candidates, so that a few poor early candidates do not squash the lines
    into the top of the plot: candidates below it are drawn as triangles on
    the bottom edge (``ax.set_ylim`` changes the range). Each search has its
    own colour, line style and marker (placed where its best score
    improved), so searches whose lines coincide, such as two searches that
    share their first candidates, stay distinguishable.

    Parameters
    ----------
    *searches : fitted BaseSearchCV
        One or more fitted searches.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a new figure.
    labels : list of str, default=None
        Legend labels, one per search; None uses the class names (numbered
        when a class appears more than once).
    metric : str, default=None
        Which ``mean_test_<metric>`` column to plot. None uses the metric
        sktune's searches optimise: ``"score"`` with a single metric; with
        several, the one named by ``refit``, or the first one when ``refit``
        is False or a callable. The y label names it (the scorer's name, or
        accuracy/R² for an estimator's own ``score``).
    x : {"candidates", "resources", "time"}, default="candidates"
        What the x axis counts. ``"candidates"``: evaluations, in
        ``cv_results_`` order. ``"resources"``: the budget spent, for
        successive-halving searches (:class:`~sktune.HalvingBayesSearchCV`,
        ``HalvingRandomSearchCV``) the running sum of ``n_resources``; a
        search without ``n_resources`` (``BayesSearchCV``, say) counts each
        candidate as the largest budget of the halving searches plotted, so
        that both kinds compare on one axis. ``"time"``: fitting and scoring
        seconds spent (``mean_fit_time + mean_score_time`` times the number
        of splits: the wall time of a search with ``n_jobs=1``). For a
        successive-halving search, on any axis, only evaluations with its
        largest budget count towards its best score (lower budgets score
        lower by design).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on. ``ax.lines[i]`` is the best-so-far line of
        ``searches[i]``.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    sklearn.exceptions.NotFittedError
        If a search has not been fitted.

    See Also
    --------
    plot_parameters : Score against each searched parameter.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import RandomizedSearchCV
    >>> from sklearn.svm import SVC
    >>> from sktune import BayesSearchCV
    >>> from sktune.plots import plot_convergence
    >>> X, y = load_iris(return_X_y=True)
    >>> space = {"C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-3, 1e1)}
    >>> bayes = BayesSearchCV(SVC(), space, n_iter=8, cv=3, random_state=0).fit(X, y)
    >>> random = RandomizedSearchCV(SVC(), space, n_iter=8, cv=3,
    ...                             random_state=0).fit(X, y)
    >>> ax = plot_convergence(bayes, random)
    >>> [text.get_text() for text in ax.get_legend().get_texts()][:3]
    ['BayesSearchCV', 'RandomizedSearchCV', "one candidate's score"]
    >>> ax.get_ylabel()
    'Best mean CV accuracy so far'
    >>> plt.close(ax.figure)
    """
    if not searches:
        raise TypeError("plot_convergence needs at least one fitted search.")
    if labels is None:
        labels = _default_labels(searches)
    else:
        labels = [str(label) for label in labels]
        if len(labels) != len(searches):
            raise ValueError(
                f"labels has {len(labels)} entries for {len(searches)} searches: "
                "give one label per search."
            )
    if x not in _X_AXES:
        raise ValueError(f"x must be one of {list(_X_AXES)}, got {x!r}.")
    series = [_scores(s, metric, "plot_convergence") for s in searches]
    full_budget = max(
        (int(np.max(s.cv_results_["n_resources"])) for s in searches if _is_halving(s)),
        default=1,
    )
    positions, series = zip(
        *[
            _positions_and_eligible(search, metric_scores, x, full_budget)
            for search, metric_scores in zip(searches, series, strict=True)
        ],
        strict=True,
    )
    plt = _pyplot()
    from matplotlib.lines import Line2D

    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    lines = [best_so_far(scores) for _, scores in series]
    y_range = _y_range(lines)
    below_axis = False
    for i, ((_, scores), best, label, where) in enumerate(
        zip(series, lines, labels, positions, strict=True)
    ):
        keep = np.isfinite(where)
        where, scores, best = where[keep], scores[keep], best[keep]
        before = np.concatenate([[-np.inf], best[:-1]])
        improved = np.flatnonzero(np.isfinite(best) & (best > np.nan_to_num(before, nan=-np.inf)))
        (line,) = ax.plot(
            where, best, drawstyle="steps-post", label=label,
            linestyle=_LINESTYLES[i % len(_LINESTYLES)], linewidth=2.0,
            marker=_MARKERS[i % len(_MARKERS)], markevery=improved.tolist(), markersize=5,
            zorder=3 + len(series) - i,
        )
        colour = line.get_color()
        low = -np.inf if y_range is None else y_range[0]
        shown = scores >= low
        ax.scatter(where[shown], scores[shown], s=14, alpha=0.4, color=colour, linewidths=0)
        hidden = np.isfinite(scores) & ~shown
        if hidden.any():
            below_axis = True
            ax.scatter(
                where[hidden], np.full(hidden.sum(), 0.0), s=22, marker="v", alpha=0.6,
                color=colour, linewidths=0, transform=ax.get_xaxis_transform(),
                clip_on=False,
            )
    if y_range is not None:
        ax.set_ylim(*y_range)
    names = [_metric_label(s, m) for s, (m, _) in zip(searches, series, strict=True)]
    names = list(dict.fromkeys(names))
    ax.set_xlabel(_X_AXES[x].format(resource=_resource_name(searches)))
    ax.set_ylabel(f"Best mean CV {' / '.join(names)} so far")
    if x != "time":
        ax.xaxis.get_major_locator().set_params(integer=True)
    handles, texts = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], linestyle="none", marker="o", color="grey", alpha=0.5))
    texts.append("one candidate's score")
    if below_axis:
        handles.append(Line2D([], [], linestyle="none", marker="v", color="grey", alpha=0.6))
        texts.append("a candidate below the axis")
    ax.legend(handles, texts, loc="best")
    ax.grid(True, alpha=0.3)
    return ax


# -- plot_parameters ----------------------------------------------------------------------
def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _search_space(search):
    """The search's space: sktune's ``space_``, or one read from a scikit-learn
    search's ``param_distributions``/``param_grid`` as sktune would read it."""
    space = getattr(search, "space_", None)
    if space is not None:
        return space
    given = getattr(search, "param_distributions", None)
    if given is None:
        given = getattr(search, "param_grid", None)
    if given is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return Space.from_user(given, random_state=0)
        except (TypeError, ValueError):
            return None  # what sktune would refuse is drawn from the values alone


def _space_dimensions(search, name):
    """The sktune dimensions named ``name`` in the search's space, if it has one."""
    subspaces = getattr(_search_space(search), "subspaces", None) or []
    return [sub.dimensions[name] for sub in subspaces if name in sub.dimensions]


def _axis_kind(search, name, values):
    """``("log" | "linear" | "category", category values or None)`` for one parameter."""
    dims = _space_dimensions(search, name)
    scales = {getattr(d, "scale", "linear") for d in dims}
    numeric = bool(values) and all(_is_number(v) for v in values)
    if dims and len(scales) == 1:
        scale = scales.pop()
        if scale is None:
            known = list(getattr(dims[0], "values", None) or [])
            return "category", known
        if numeric:
            return scale, None
    if not numeric:
        return "category", []
    low, high = min(values), max(values)
    if low > 0 and math.log10(high / low) >= _LOG_DECADES:
        return "log", None
    return "linear", None


def _category_positions(values, known):
    """Map each value to the index of its category; return positions and labels."""
    keys = [repr(v) for v in known]
    labels = [str(v) for v in known]
    positions = []
    for value in values:
        key = repr(value)
        if key not in keys:
            keys.append(key)
            labels.append(str(value))
        positions.append(keys.index(key))
    return np.asarray(positions, dtype=float), labels


def _parameter_names(results, params):
    seen = dict.fromkeys(name for p in results["params"] for name in p)
    if params is None:
        return list(seen)
    params = [params] if isinstance(params, str) else list(params)
    unknown = [p for p in params if p not in seen]
    if unknown:
        raise ValueError(
            f"params {unknown} were not searched; the searched parameters are {list(seen)}."
        )
    return params


def _grid_axes(plt, n_panels):
    n_cols = min(n_panels, 3)
    n_rows = math.ceil(n_panels / n_cols)
    fig, grid = plt.subplots(
        n_rows,
        n_cols,
        figsize=(4.0 * n_cols + 1.0, 3.2 * n_rows),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    grid = grid.ravel()
    for extra in grid[n_panels:]:
        fig.delaxes(extra)
    return grid[:n_panels]


def plot_parameters(search, params=None, metric=None, axes=None):
    """Plot the score of every candidate against each searched parameter.

    One panel per parameter, sharing the score axis; points are coloured by
    evaluation order (a shared colour bar), so a search that homes in shows
    late, bright points gathering near the best values. Numeric parameters
    sampled on a log scale get a log x axis, as the search space says
    (``loguniform``, ``Real(..., prior="log-uniform")``, a list of numbers
    spanning >= 2 decades): sktune's ``search.space_``, or the
    ``param_distributions``/``param_grid`` of a scikit-learn search read
    the same way; without a space, positive numbers spanning >= 2 decades
    are drawn on a log axis. Categorical parameters (strings, None, estimators...) are
    drawn as categories, labelled by ``str`` of each value, with a small
    horizontal spread so that candidates sharing a value stay visible.
    Failed fits (NaN scores) are marked with red crosses along the bottom
    of each panel. With sub-spaces (a list of dicts), each panel shows the
    candidates that have that parameter.

    Parameters
    ----------
    search : fitted BaseSearchCV
        A fitted sktune search, or any fitted scikit-learn search.
    params : str or list of str, default=None
        The parameters to plot, in panel order; None plots every searched
        parameter in the order first seen in ``cv_results_["params"]``.
    metric : str, default=None
        Which ``mean_test_<metric>`` column to plot; None chooses as
        :func:`plot_convergence` does.
    axes : array-like of matplotlib.axes.Axes, default=None
        At least one axes per parameter; None creates a figure with up to
        three panels per row.

    Returns
    -------
    axes : numpy.ndarray of matplotlib.axes.Axes
        One-dimensional, one axes per plotted parameter, in ``params`` order.
        ``axes[0].figure`` is the figure (to save or close it).

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    sklearn.exceptions.NotFittedError
        If the search has not been fitted.

    See Also
    --------
    plot_convergence : Best score so far against candidates evaluated.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from sktune import BayesSearchCV
    >>> from sktune.plots import plot_parameters
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(SVC(), {"C": loguniform(1e-2, 1e2),
    ...                                "kernel": ["linear", "rbf"]},
    ...                        n_iter=8, cv=3, random_state=0).fit(X, y)
    >>> axes = plot_parameters(search)
    >>> [ax.get_xlabel() for ax in axes]
    ['C', 'kernel']
    >>> axes[0].get_xscale()
    'log'
    >>> [tick.get_text() for tick in axes[1].get_xticklabels()]
    ['linear', 'rbf']
    >>> plt.close(axes[0].figure)
    """
    results = _results(search, "plot_parameters")
    metric = _metric(search, results, metric)
    scores = np.asarray(results[f"mean_test_{metric}"], dtype=float)
    names = _parameter_names(results, params)
    plt = _pyplot()
    if axes is None:
        axes = _grid_axes(plt, len(names))
    else:
        axes = np.asarray(axes, dtype=object).ravel()
        if len(axes) < len(names):
            raise ValueError(
                f"axes has {len(axes)} axes for {len(names)} parameters {names}: give "
                "one per parameter, or pass params= to choose fewer."
            )
        axes = axes[: len(names)]

    order = np.arange(1, len(scores) + 1)
    norm = plt.Normalize(vmin=1, vmax=max(len(scores), 2))
    jitter = np.random.default_rng(0).uniform(
        -_CATEGORY_JITTER, _CATEGORY_JITTER, len(scores)
    )
    points = None
    for ax, name in zip(axes, names, strict=True):
        rows = [i for i, p in enumerate(results["params"]) if name in p]
        values = [results["params"][i][name] for i in rows]
        kind, known = _axis_kind(search, name, values)
        if kind == "category":
            x, labels = _category_positions(values, known)
            x = x + jitter[rows]
            ax.set_xticks(range(len(labels)), labels)
            ax.set_xlim(-0.5, len(labels) - 0.5)
            if max(map(len, labels), default=0) > 8:
                ax.tick_params(axis="x", labelrotation=30)
        else:
            x = np.asarray(values, dtype=float)
            if kind == "log":
                ax.set_xscale("log")
            elif all(isinstance(v, (int, np.integer)) for v in values):
                ax.xaxis.get_major_locator().set_params(integer=True)
        y = scores[rows]
        failed = np.isnan(y)
        points = ax.scatter(
            x[~failed], y[~failed], c=order[rows][~failed], cmap="viridis", norm=norm,
            s=28, edgecolors="black", linewidths=0.3,
        )
        if failed.any():
            ax.plot(
                x[failed], np.full(failed.sum(), 0.02), linestyle="none", marker="x",
                color="tab:red", transform=ax.get_xaxis_transform(), label="failed fit",
            )
        ax.set_xlabel(name)
        ax.set_ylabel(f"Mean CV {_metric_label(search, metric)}")
        ax.grid(True, alpha=0.3)
    colorbar = axes[0].figure.colorbar(points, ax=list(axes))
    colorbar.set_label("Evaluation order")
    return axes


# -- plot_budget --------------------------------------------------------------------------
def plot_budget(search, ax=None, metric=None):
    """Plot how a successive-halving search spent its budget.

    Every evaluation is a point at the resources spent when it finished (x,
    the running sum of ``n_resources``) and its mean CV score (y), coloured by
    its budget (rung). A line joins the evaluations of one candidate, so each
    promotion shows as a line going right and, usually, up; the step line is
    the best score so far among evaluations with the largest budget. The
    legend says how many evaluations each budget had and what share of the
    resources they took.

    Parameters
    ----------
    search : fitted HalvingBayesSearchCV or HalvingRandomSearchCV
        Any fitted search whose ``cv_results_`` has ``n_resources``.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a new figure.
    metric : str, default=None
        Which ``mean_test_<metric>`` column to plot; None chooses as
        :func:`plot_convergence` does.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If the search's ``cv_results_`` has no ``n_resources`` column.

    See Also
    --------
    plot_convergence : With ``x="resources"``, compares several searches.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.svm import SVC
    >>> from sktune import HalvingBayesSearchCV
    >>> from sktune.plots import plot_budget
    >>> X, y = load_digits(return_X_y=True)
    >>> search = HalvingBayesSearchCV(SVC(), {"gamma": loguniform(1e-4, 1e-1)},
    ...                               cv=3, random_state=0).fit(X, y)
    >>> ax = plot_budget(search)
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['60 n_samples: 29 evaluations, 19% of resources', '180 n_samples: 10 evaluations, 20% of resources']
    >>> plt.close(ax.figure)
    """
    results = _results(search, "plot_budget")
    if "n_resources" not in results:
        raise ValueError(
            f"plot_budget needs a successive-halving search (cv_results_ with "
            f"n_resources); this {type(search).__name__} has none. Use "
            "plot_convergence for other searches."
        )
    metric, scores = _scores(search, metric, "plot_budget")
    budget = np.asarray(results["n_resources"], dtype=float)
    spent = np.cumsum(budget)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    levels = sorted(set(budget.tolist()))
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(levels)))
    resource = getattr(search, "resource", "resources")
    for rows in _candidate_rows(search, results).values():
        if len(rows) > 1:
            ax.plot(spent[rows], scores[rows], color="grey", linewidth=0.6, alpha=0.5, zorder=1)
    total = budget.sum()
    for level, colour in zip(levels, colours, strict=True):
        rows = budget == level
        ax.scatter(
            spent[rows], scores[rows], s=22, color=colour, edgecolors="black",
            linewidths=0.3, zorder=2,
            label=f"{level:g} {resource}: {rows.sum()} evaluations, "
            f"{budget[rows].sum() / total:.0%} of resources",
        )
    top = np.where(budget == budget.max(), scores, np.nan)
    best = best_so_far(top)
    shown = np.isfinite(best)
    if shown.any():
        ax.plot(
            np.append(spent[shown], spent[-1]), np.append(best[shown], best[shown][-1]),
            drawstyle="steps-post", color="black", linewidth=1.5, zorder=3,
            label=f"best at {budget.max():g} {resource}",
        )
    ax.set_xlabel(f"Resources spent ({resource})")
    ax.set_ylabel(f"Mean CV {_metric_label(search, metric)}")
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax


def _candidate_rows(search, results):
    """Rows of each candidate: same bracket and parameters but the resource."""
    resource = getattr(search, "resource", None)
    brackets = results.get("bracket", np.zeros(len(results["params"]), dtype=int))
    rows = {}
    for i, params in enumerate(results["params"]):
        key = (int(brackets[i]), repr(sorted((k, v) for k, v in params.items() if k != resource)))
        rows.setdefault(key, []).append(i)
    return rows

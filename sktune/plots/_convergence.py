"""plot_convergence: the best score so far against candidates, resources or time."""

import numpy as np

from sktune.plots._common import (
    _is_halving,
    _metric_label,
    _pyplot,
    _scores,
    best_so_far,
)

# The convergence plot's y axis spans the best-so-far lines after this fraction
# of each search's candidates: the poor first candidates of a search would
# otherwise squash every line into the top of the axes.
_LINES_FROM = 0.1
# Line styles and improvement markers, so that searches whose lines overlap
# (the same first candidates, the same best) stay distinguishable.
_LINESTYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "P", "X")


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


_X_AXES = {
    "candidates": "Candidates evaluated",
    "resources": "Resources spent ({resource})",
    "time": "Fit and score time spent (s)",
}


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

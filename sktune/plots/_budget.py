"""plot_budget: how a successive-halving search spent its budget."""

import numpy as np

from sktune.plots._common import _metric_label, _pyplot, _results, _scores, best_so_far


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

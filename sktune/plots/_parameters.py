"""plot_parameters: every candidate's score against each searched parameter."""

import math
import warnings

import numpy as np

from sktune.plots._common import _metric, _metric_label, _pyplot, _results
from sktune.space import Space

# Numbers spanning this many decades are drawn on a log axis when the search
# does not say how it sampled them (e.g. RandomizedSearchCV with a list).
_LOG_DECADES = 2
# Categories are drawn at 0, 1, 2...; points are spread by up to this much so
# that candidates sharing a category do not hide one another.
_CATEGORY_JITTER = 0.15


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

"""What a search prints with ``verbose``, as scikit-learn's searches do.

- ``verbose >= 1``: scikit-learn's "Fitting N folds for each of M candidates,
  totalling K fits" line, once for the whole search (``evaluate_candidates``
  would print it for every batch), and why the search stopped, if it stopped
  before its budget;
- ``verbose >= 2``: one line per iteration (candidates done, best score,
  elapsed time), with scikit-learn's per-fit messages.
"""

from contextlib import contextmanager


def print_plan(search, n_candidates, n_splits):
    if search.verbose > 0:
        print(
            f"Fitting {n_splits} folds for each of {n_candidates} candidates,"
            f" totalling {n_candidates * n_splits} fits"
        )


@contextmanager
def batch_announcement_silenced(search):
    """``evaluate_candidates`` without its per-call "Fitting..." line.

    It prints that line when ``search.verbose > 0`` at the time of the call;
    the per-fit messages use the ``verbose`` value ``BaseSearchCV.fit`` read
    before the search started, so they are unchanged.
    """
    verbose = search.verbose
    search.verbose = 0
    try:
        yield
    finally:
        search.verbose = verbose


def print_iteration(search, iteration, state):
    if search.verbose > 1:
        print(
            f"[{type(search).__name__}] {search._iteration_column} {iteration}: "
            f"{len(state.scores)}/{search.n_iter} candidates, best score "
            f"{state.best_score:.5g}, {state.elapsed:.1f} s elapsed"
        )


def print_stop(search, reason):
    if search.verbose > 0:
        print(f"[{type(search).__name__}] stopped early, {reason}")

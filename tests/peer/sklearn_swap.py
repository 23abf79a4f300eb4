"""A pytest plugin that runs scikit-learn's own search tests on an sktune class.

It rebinds a scikit-learn search class (``RandomizedSearchCV`` by default, or
``HalvingRandomSearchCV`` for a ``Halving*`` class) to an sktune class in
``sklearn.model_selection`` before pytest imports the test module, so that
scikit-learn's ``from sklearn.model_selection import RandomizedSearchCV``
picks up the sktune class. The tests themselves are run from the installed
scikit-learn and never copied::

    python -m pytest -p tests.peer.sklearn_swap --sktune-swap=BayesSearchCV \
        -p no:cacheprovider -q -rf --pyargs sklearn.model_selection.tests.test_search

Options (or environment variables):

``--sktune-swap`` (``SKTUNE_SWAP``)
    The sktune class: a name in ``sktune`` (``BayesSearchCV``) or a dotted path
    (``sktune.search.genetic.GeneticSearchCV``).
``--sktune-replace`` (``SKTUNE_REPLACE``)
    The scikit-learn class it stands in for; default ``HalvingRandomSearchCV``
    when the sktune class name starts with ``Halving``, else
    ``RandomizedSearchCV``.
"""

import importlib
import os

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("sktune-swap")
    group.addoption(
        "--sktune-swap",
        default=os.environ.get("SKTUNE_SWAP"),
        help="sktune search class that replaces a scikit-learn one (env SKTUNE_SWAP)",
    )
    group.addoption(
        "--sktune-replace",
        default=os.environ.get("SKTUNE_REPLACE"),
        help="scikit-learn class to replace (env SKTUNE_REPLACE)",
    )


def _load(name):
    module_name, _, attr = name.rpartition(".")
    module = importlib.import_module(module_name or "sktune")
    try:
        return getattr(module, attr)
    except AttributeError:
        raise pytest.UsageError(
            f"--sktune-swap={name!r}: {module.__name__} has no {attr!r}."
        ) from None


def pytest_configure(config):
    swap = config.getoption("--sktune-swap")
    if not swap:
        raise pytest.UsageError(
            "The sklearn_swap plugin needs the sktune class: --sktune-swap=BayesSearchCV "
            "or SKTUNE_SWAP=BayesSearchCV."
        )
    replacement = _load(swap)
    target = config.getoption("--sktune-replace") or (
        "HalvingRandomSearchCV"
        if replacement.__name__.startswith("Halving")
        else "RandomizedSearchCV"
    )
    # Importing the experimental flag sets the Halving* names on
    # sklearn.model_selection; it must run before they are rebound, not after.
    importlib.import_module("sklearn.experimental.enable_halving_search_cv")
    import sklearn.model_selection as model_selection

    if not hasattr(model_selection, target):
        raise pytest.UsageError(f"sklearn.model_selection has no {target!r} to replace.")
    setattr(model_selection, target, replacement)
    config._sktune_swap = (target, replacement)


def pytest_report_header(config):
    target, replacement = config._sktune_swap
    return f"sktune swap: sklearn.model_selection.{target} -> {replacement.__module__}.{replacement.__qualname__}"

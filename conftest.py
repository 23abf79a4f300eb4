"""Doctests of optional parts run only where their extra is installed; xdist workers."""

import importlib.util
import os

import pytest

collect_ignore = []
if importlib.util.find_spec("keras") is None:
    collect_ignore.append("sktune/keras")
if importlib.util.find_spec("matplotlib") is None:
    collect_ignore.append("sktune/plots")
if importlib.util.find_spec("distributed") is None:
    # Imported only while a dask backend is active, which needs distributed.
    collect_ignore.append("sktune/search/_dask.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pytest-xdist): a worker per core the process may use, at most 4.

    Each worker imports TensorFlow and builds its own models (600 MB of memory
    or more each), and with ``--dist loadfile`` the largest test files, not the
    core count, bound the run beyond a few workers.
    """
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))

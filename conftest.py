"""Doctests of optional parts run only where their extra is installed."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("keras") is None:
    collect_ignore.append("sktune/keras")
if importlib.util.find_spec("matplotlib") is None:
    collect_ignore.append("sktune/plots")
if importlib.util.find_spec("distributed") is None:
    # Imported only while a dask backend is active, which needs distributed.
    collect_ignore.append("sktune/search/_dask.py")

"""Doctests of optional parts run only where their extra is installed."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("keras") is None:
    collect_ignore.append("sktune/keras")
if importlib.util.find_spec("matplotlib") is None:
    collect_ignore.append("sktune/plots.py")

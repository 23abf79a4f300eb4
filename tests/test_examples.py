"""Every script in examples/ runs to the end with the quick budgets.

Each example reads ``SKTUNE_EXAMPLE_QUICK``; with ``1`` its searches are tiny, which
is what this test (and the quick documentation build) uses. Scripts run in a
subprocess, in a temporary directory, as a user would run them.
"""

import os
from pathlib import Path
import subprocess
import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

# What each example needs beyond sktune's own dependencies.
NEEDS = {
    "plot_penguins_keras.py": ("keras", "palmerpenguins", "pandas", "matplotlib"),
    "plot_compare_searches.py": ("matplotlib",),
    "plot_multimetric.py": ("pandas", "matplotlib"),
    "plot_resume_checkpoint.py": ("pandas", "matplotlib"),
    "plot_halving_keras.py": ("keras", "pandas", "matplotlib"),
}
# Keras examples get the keras marker; all but quickstart.py are "slow".
MARKS = {
    "plot_penguins_keras.py": (pytest.mark.keras, pytest.mark.slow),
    "plot_halving_keras.py": (pytest.mark.keras, pytest.mark.slow),
    "plot_compare_searches.py": (pytest.mark.slow,),
    "plot_resume_checkpoint.py": (pytest.mark.slow,),
    "plot_multimetric.py": (pytest.mark.slow,),  # the fast tier runs quickstart.py
}


def quick_env():
    """The environment of an example run: quick budgets, sktune importable, no GUI."""
    env = dict(os.environ)
    env["SKTUNE_EXAMPLE_QUICK"] = "1"
    env["MPLBACKEND"] = "Agg"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    return env


def run_script(path, cwd, timeout=900):
    """Run ``path`` with the quick environment; fail with its output if it fails."""
    result = subprocess.run(
        [sys.executable, str(path)],
        cwd=cwd,
        env=quick_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"{path.name} exited with {result.returncode}\n"
        f"--- stdout (end) ---\n{result.stdout[-3000:]}\n"
        f"--- stderr (end) ---\n{result.stderr[-5000:]}"
    )
    return result.stdout


def test_every_example_is_listed():
    # A new example must say what it needs (and get its markers) here.
    listed = set(NEEDS) | {"quickstart.py"}
    assert {p.name for p in EXAMPLES} == listed


@pytest.mark.parametrize(
    "script",
    [pytest.param(p, id=p.stem, marks=MARKS.get(p.name, ())) for p in EXAMPLES],
)
def test_example_runs(script, tmp_path):
    for module in NEEDS.get(script.name, ()):
        pytest.importorskip(module)
    stdout = run_script(script, tmp_path)
    assert stdout.strip(), f"{script.name} printed nothing"
    # Examples clean up after themselves: nothing left in the working directory.
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("script", [p for p in EXAMPLES if p.name != "quickstart.py"],
                         ids=lambda p: p.stem)
def test_example_has_a_quick_mode(script):
    source = script.read_text(encoding="utf-8")
    assert 'os.environ.get("SKTUNE_EXAMPLE_QUICK") == "1"' in source

"""The documentation: its build, the code on its pages and the migration snippets.

- Every script in docs/snippets/ (the before/after code of the migration guides) runs,
  and every one is shown on a page.
- Every ``>>>`` example on the user-guide pages runs and prints what the page says.
- The Sphinx build succeeds with warnings as errors, the gallery run with quick
  budgets, and the HTML has every page and the API entry of every public class and
  function.
"""

import doctest
import os
from pathlib import Path
import re
import subprocess
import sys

import pytest

from tests.test_examples import quick_env, run_script

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SNIPPETS = sorted((DOCS / "snippets").glob("*.py"))

# The libraries a snippet imports besides sktune's dependencies.
SNIPPET_NEEDS = {
    "tf_keras_after.py": ("keras",),
    "scikeras_before.py": ("keras", "scikeras"),
    "scikeras_after.py": ("keras",),
    "skopt_before.py": ("skopt",),
    "skopt_after.py": (),
    "gasearchcv_before.py": ("sklearn_genetic",),
    "gasearchcv_after.py": (),
}

PAGES = [
    "index",
    "install",
    "quickstart",
    "user_guide/index",
    "user_guide/spaces",
    "user_guide/bayes",
    "user_guide/genetic",
    "user_guide/halving",
    "user_guide/keras",
    "user_guide/dask",
    "migration/index",
    "migration/tf_keras",
    "migration/scikeras",
    "migration/skopt",
    "migration/sklearn_genetic_opt",
    "api",
    "benchmarks",
    "auto_examples/index",
    "auto_examples/quickstart",
    "auto_examples/plot_penguins_keras",
    "auto_examples/plot_compare_searches",
    "auto_examples/plot_multimetric",
    "auto_examples/plot_resume_checkpoint",
    "auto_examples/plot_halving_keras",
]

API_ENTRIES = [
    "sktune.BayesSearchCV",
    "sktune.GeneticSearchCV",
    "sktune.HalvingBayesSearchCV",
    "sktune.Real",
    "sktune.Integer",
    "sktune.Categorical",
    "sktune.space.Space",
    "sktune.keras.KerasClassifier",
    "sktune.keras.KerasRegressor",
    "sktune.plots.plot_convergence",
    "sktune.plots.plot_parameters",
    "sktune.plots.plot_budget",
    "sktune.exceptions.ClusterLostError",
]

# User-guide pages with ``>>>`` examples, and what they import.
DOCTEST_PAGES = {
    "quickstart.rst": (),
    "user_guide/spaces.rst": ("skopt",),
    "user_guide/bayes.rst": (),
    "user_guide/genetic.rst": ("pandas",),
    "user_guide/halving.rst": (),
    "user_guide/keras.rst": ("keras",),
}


def _keras_marks(needs):
    # A Keras snippet or page imports TensorFlow in its own process or builds
    # several models: several seconds each, so the fast tier leaves them out.
    return (pytest.mark.keras, pytest.mark.slow) if "keras" in needs else ()


# Pages and snippets that take more than a few seconds without Keras, and the
# snippets run in a fresh Python process (about 3 s each).
SLOW = {
    "gasearchcv_before.py", "gasearchcv_after.py", "skopt_before.py", "skopt_after.py",
    "user_guide/halving.rst",
}


def _marks(name, needs):
    return _keras_marks(needs) + ((pytest.mark.slow,) if name in SLOW else ())


# -- migration snippets ---------------------------------------------------------------
def test_every_snippet_is_listed_and_shown():
    assert {p.name for p in SNIPPETS} == set(SNIPPET_NEEDS)
    shown = set()
    for page in (DOCS / "migration").glob("*.rst"):
        shown.update(re.findall(r"literalinclude:: \.\./snippets/(\S+\.py)", page.read_text()))
    assert shown == set(SNIPPET_NEEDS)


@pytest.mark.parametrize(
    "snippet",
    [
        pytest.param(DOCS / "snippets" / name, id=name[:-3], marks=_marks(name, needs))
        for name, needs in SNIPPET_NEEDS.items()
    ],
)
def test_migration_snippet_runs(snippet, tmp_path):
    for module in SNIPPET_NEEDS[snippet.name]:
        pytest.importorskip(module)
    assert run_script(snippet, tmp_path).strip()


# -- code on the pages ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "page",
    [
        pytest.param(page, id=page[:-4], marks=_marks(page, needs))
        for page, needs in DOCTEST_PAGES.items()
    ],
)
def test_page_examples_run(page, monkeypatch):
    for module in DOCTEST_PAGES[page]:
        pytest.importorskip(module)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    path = DOCS / page
    assert ">>>" in path.read_text(encoding="utf-8")
    result = doctest.testfile(
        str(path),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
        report=True,
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {page} failed"


# -- the Sphinx build -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("keras")  # the API reference documents sktune.keras
    for module in ("matplotlib", "pandas", "palmerpenguins"):  # run by the gallery
        pytest.importorskip(module)
    out = tmp_path_factory.mktemp("html")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
               str(DOCS), str(out)]
    result = subprocess.run(
        command, cwd=ROOT, env=quick_env(), capture_output=True, text=True, timeout=1500
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed\n--- stdout ---\n{result.stdout[-5000:]}\n"
        f"--- stderr ---\n{result.stderr[-10000:]}"
    )
    return out


@pytest.mark.slow
@pytest.mark.keras
def test_every_page_is_built(built_docs):
    missing = [page for page in PAGES if not (built_docs / f"{page}.html").is_file()]
    assert not missing


@pytest.mark.slow
@pytest.mark.keras
def test_api_reference_has_every_public_name(built_docs):
    api = (built_docs / "api.html").read_text(encoding="utf-8")
    for name in API_ENTRIES:
        page = built_docs / "gen_modules" / f"{name}.html"
        assert page.is_file(), name
        # The object's own description (its anchor), with its parameters documented.
        html = page.read_text(encoding="utf-8")
        assert f'id="{name}"' in html, name
        assert "Parameters" in html, name
        assert f"gen_modules/{name}.html" in api, name


@pytest.mark.slow
@pytest.mark.keras
def test_examples_are_rendered_with_output(built_docs):
    for page in [p for p in PAGES if p.startswith("auto_examples/plot_")]:
        html = (built_docs / f"{page}.html").read_text(encoding="utf-8")
        assert "sphx-glr-script-out" in html, f"{page} has no captured output"
        assert "sphx-glr-single-img" in html or "sphx-glr-multi-img" in html, (
            f"{page} has no figure"
        )


@pytest.mark.slow
@pytest.mark.keras
def test_markdown_pages_are_converted(built_docs):
    # docs/dask.md is shown on the Dask page; benchmarks/README.md, when it exists,
    # on the benchmark page (a note otherwise).
    dask = (built_docs / "user_guide" / "dask.html").read_text(encoding="utf-8")
    assert "parallel_backend" in dask
    benchmarks = (built_docs / "benchmarks.html").read_text(encoding="utf-8")
    if (ROOT / "benchmarks" / "README.md").is_file():
        assert "have not been run" not in benchmarks
        assert "<table" in benchmarks
    else:
        assert "have not been run" in benchmarks

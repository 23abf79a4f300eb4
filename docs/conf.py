"""Sphinx configuration of the sktune documentation.

Build (offline, warnings are errors), after installing the ``docs`` extra::

    python -m pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

``SKTUNE_EXAMPLE_QUICK=1`` runs the example gallery with tiny budgets (what CI
and ``tests/test_docs.py`` do). Nothing here downloads anything: there is no
intersphinx mapping, so references to scikit-learn, Keras or SciPy objects are
rendered as plain code.
"""

import os
from pathlib import Path
import shutil
import sys

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Example scripts draw figures; never open a window while building.
os.environ.setdefault("MPLBACKEND", "Agg")

import sktune  # noqa: E402

project = "sktune"
author = "the sktune developers"
copyright = "the sktune developers"
release = version = sktune.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sktune_docs",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "snippets", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
root_doc = "index"
default_role = "code"
pygments_style = "sphinx"

# -- API reference ------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# The Examples sections of the docstrings are doctests, run by pytest; Sphinx only
# renders them.

# -- HTML --------------------------------------------------------------------------------
# scikit-learn's theme: wide code blocks scroll instead of being cut off. It is in
# the ``docs`` extra, like every other package this build needs.
try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError as exc:
    raise ImportError(
        "The sktune documentation uses pydata-sphinx-theme, which is not installed: "
        'python -m pip install -e ".[docs]" installs it with everything else the '
        "build needs."
    ) from exc
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": [], "install": [], "quickstart": [], "benchmarks": []}
html_title = f"sktune {version}"
html_static_path = ["_static"]
html_css_files = ["sktune.css"]
html_show_sourcelink = True
html_last_updated_fmt = None

# -- Example gallery ---------------------------------------------------------------------
# sphinx-gallery wants a GALLERY_HEADER.rst beside the scripts; examples/ holds only
# scripts, so the gallery is read from a copy with the header added.
GALLERY_SOURCE = DOCS / "_build" / "gallery_source"


def _stage_gallery():
    GALLERY_SOURCE.mkdir(parents=True, exist_ok=True)
    wanted = {p.name for p in (ROOT / "examples").glob("*.py")}
    for stale in GALLERY_SOURCE.glob("*.py"):
        if stale.name not in wanted:
            stale.unlink()
    for script in sorted((ROOT / "examples").glob("*.py")):
        target = GALLERY_SOURCE / script.name
        if not target.exists() or target.read_bytes() != script.read_bytes():
            shutil.copyfile(script, target)
    header = (DOCS / "gallery_header.txt").read_text(encoding="utf-8")
    target = GALLERY_SOURCE / "GALLERY_HEADER.rst"
    if not target.exists() or target.read_text(encoding="utf-8") != header:
        target.write_text(header, encoding="utf-8")


_stage_gallery()

sphinx_gallery_conf = {
    "examples_dirs": [str(GALLERY_SOURCE)],
    "gallery_dirs": ["auto_examples"],
    # Every example is executed; examples/quickstart.py too (it takes seconds).
    "filename_pattern": r".*\.py$",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "show_memory": False,
    "plot_gallery": "True",
    "reset_modules": ("matplotlib",),
    "capture_repr": ("_repr_html_", "__repr__"),
    "min_reported_time": 0,
    # "Examples using X" at the end of each API page.
    "doc_module": ("sktune",),
    "backreferences_dir": "gen_modules/backreferences",
}


# -- Hooks -------------------------------------------------------------------------------
def _skip_metadata_routing(app, what, name, obj, skip, options):
    # scikit-learn's generated set_*_request methods document its own user guide,
    # which these docs cannot link to offline; they are scikit-learn's API anyway.
    if name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_routing)

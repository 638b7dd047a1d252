"""Sphinx configuration: numpydoc docstrings, markdown pages via MyST."""

import hardclust

project = "hardclust"
author = "the hardclust developers"
release = hardclust.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "data"]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Cross-references to these libraries resolve offline: no inventories are
# downloaded (the docs build in CI without network access).
intersphinx_mapping = {}
nitpicky = False
html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {"description": "Deep online clustering that does not collapse"}
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

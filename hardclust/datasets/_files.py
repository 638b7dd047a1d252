"""Locating data files that other packages ship, and the shared scaling."""

import importlib.util
from pathlib import Path

import numpy as np


def _package_data(package, *parts, install):
    """Path to a data folder inside an installed package, without importing it.

    Raises FileNotFoundError naming the install command when the package is
    absent or does not hold that folder.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the Python package {package!r} is not installed; it ships this data "
            f"set: `{install}` (or pass path= to a copy of its files)."
        )
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: this version of {package!r} does not ship the "
            f"data set; `{install}` installs one that does (or pass path=)."
        )
    return path


def _standardize(X):
    """Columns to mean 0 and variance 1 (constant columns stay 0), float32."""
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    std[std == 0] = 1.0
    return ((X - X.mean(axis=0)) / std).astype(np.float32)

"""Shared by the tests and the doctests: draw off-screen, close figures."""

import pytest

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # plotting is optional
    plt = None


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if plt is not None:
        plt.close("all")


# A deprecated alias: importing it warns, which is what it is for.
collect_ignore = ["hardclust/scaling.py"]

"""The plots: what they draw, and what they refuse to draw."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from hardclust import OnlineHardClustering

pytest.importorskip("matplotlib")
from hardclust.plotting import plot_embedding, plot_history  # noqa: E402


@pytest.fixture(scope="module")
def fitted():
    import pandas as pd

    X, y = make_blobs(300, n_features=5, centers=4, random_state=0)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{i}" for i in range(5)])
    return OnlineHardClustering(4, max_epochs=3, random_state=0).fit(frame), frame, y


def test_embedding_of_a_frame_colours_clusters_as_categories(fitted):
    model, frame, _ = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warning: the frame stays one
        ax = plot_embedding(model, frame)
    assert len(ax.figure.axes) == 1  # no colour bar: cluster ids are no scale
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "cluster"
    names = [text.get_text() for text in legend.get_texts()]
    assert names == [str(k) for k in np.unique(model.predict(frame))] + ["centroids"]
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections[:-1]}
    assert len(colours) == len(names) - 1  # one colour a cluster


def test_embedding_coloured_by_given_labels_names_them(fitted):
    model, frame, y = fitted
    ax = plot_embedding(model, frame, labels=y, method="pca", max_points=100)
    assert ax.get_legend().get_title().get_text() == "label"
    assert sum(len(c.get_offsets()) for c in ax.collections[:-1]) == 100


def test_history_of_a_fitted_model_is_drawn(fitted):
    model, _, _ = fitted
    axes = plot_history(model)
    assert len(axes[0].lines[0].get_xdata()) == 3

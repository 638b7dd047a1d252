"""The graph start's sample, graph and k-means labels, for the label screens.

The screens that score the start's labels without training
(``graph_layout/``, ``layout_*/``, ``start_mixture/``, ``start_repair/``)
rebuild the start from the package's own functions (``hardclust._graph``,
``balanced_kmeans``), with the draws ``init="graph"`` makes for a
``RandomState(seed)``; this module is that shared rebuilding, so each
script holds only what it varies. :func:`watch_start` instead reads the
start a real fit makes (its labels, and how much of them the fitted model
predicts), for the screens of training from the start (``adam_warmup/``,
``start_fit/``). Like ``_common``, not part of the package.
"""

from types import SimpleNamespace

import numpy as np
import torch

from hardclust import _graph, _initialization
from hardclust._initialization import balanced_kmeans
from hardclust._net import eval_mode
from hardclust._neighbors import search_space


def start_graph(X, seed):
    """The start's sample of ``X`` and its neighbour graph for ``seed``.

    Returns a namespace: ``rng`` (the ``RandomState(seed)`` after the
    sample was drawn, for the draws that follow), ``rows`` (the sample's
    indices into X), ``sample`` (those rows, a float32 Tensor),
    ``distinct`` (the sample's distinct rows in the search space),
    ``inverse`` (each sample row's index into ``distinct``) and ``graph``.
    """
    rng = np.random.RandomState(seed)
    rows = _graph.sample_rows(len(X), rng)
    sample = torch.as_tensor(np.asarray(X, dtype=np.float32))[rows]
    distinct, inverse = np.unique(search_space(sample), axis=0, return_inverse=True)
    return SimpleNamespace(rng=rng, rows=rows, sample=sample, distinct=distinct,
                           inverse=inverse.ravel(),
                           graph=_graph.knn_graph(distinct, _graph._GRAPH_NEIGHBORS))


def kmeans_labels(coordinates, n_clusters, rng):
    """The start's balanced k-means of ``coordinates`` (``GRAPH_KMEANS_RUNS``
    runs, uniform prior): each row's nearest centre."""
    centers = balanced_kmeans(coordinates, n_clusters, np.full(n_clusters, -np.log(n_clusters)),
                              rng, runs=_graph.GRAPH_KMEANS_RUNS)
    return ((coordinates[:, None] - centers[None]) ** 2).sum(-1).argmin(1)


def watch_start(seen):
    """Wrap the graph start's labelling and fit so that ``seen`` gets the
    start's labels and the share of them the fitted model predicts."""
    labels_of, fit = _initialization.graph_labels, _initialization.fit_to_labels

    def labelled(*args, **kwargs):
        seen["labels"] = labels_of(*args, **kwargs)
        return seen["labels"]

    def fitted(module, X, labels, **kwargs):
        loss = fit(module, X, labels, **kwargs)
        with eval_mode(module):
            seen["agreement"] = float(np.mean(module.head(module.encoder(X), "labels").numpy()
                                              == labels))
        return loss

    _initialization.graph_labels, _initialization.fit_to_labels = labelled, fitted

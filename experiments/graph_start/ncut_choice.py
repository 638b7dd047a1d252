"""Can the normalised cut choose the spectral step's tau per data set, without labels?

For each data set and seed, the package's graph labels (``hardclust._graph``)
at each ``tau`` are scored by their normalised cut on the graph (label-free:
the objective spectral clustering relaxes) and by ACC + NMI; the rule "keep
the labels of lowest cut" is compared with the fixed default (3%)::

    python experiments/graph_start/ncut_choice.py digits mnist-5k basic-motions circles-10d \
        italy-power osuleaf acsf1 arrowhead glass iris wine breast-cancer blobs-aniso \
        penguins crabs biopsy
"""

import sys

import numpy as np
import torch
from sklearn.metrics import normalized_mutual_info_score

from hardclust import _graph
from hardclust._initialization import balanced_kmeans
from hardclust._neighbors import search_space
from hardclust.benchmark import DATASETS
from hardclust.metrics import cluster_accuracy

TAUS = (0.01, 0.03, 0.1, 0.3)


def normalised_cut(graph, labels, n_clusters):
    """Sum over clusters of the weight leaving the cluster over its volume."""
    degrees = np.asarray(graph.sum(axis=1)).ravel()
    total = 0.0
    for k in range(n_clusters):
        inside = labels == k
        if not inside.any():
            return np.inf
        volume = degrees[inside].sum()
        total += (volume - graph[inside][:, inside].sum()) / volume
    return total


def main(names):
    fixed, chosen = [], []
    for name in names:
        _, X_flat, y = DATASETS[name]()
        n_clusters = len(np.unique(y))
        rows = _graph.sample_rows(len(X_flat), np.random.RandomState(0))
        features = search_space(torch.as_tensor(np.asarray(X_flat, dtype=np.float32))[rows])
        truth = y[rows]
        distinct, inverse = np.unique(features, axis=0, return_inverse=True)
        graph = _graph.knn_graph(distinct, _graph._GRAPH_NEIGHBORS)
        prior = np.full(n_clusters, -np.log(n_clusters))
        kept = _graph._REGULARIZATION
        for seed in range(2):
            scores = []
            for tau in TAUS:
                _graph._REGULARIZATION = tau
                try:
                    labels = _graph.graph_labels(
                        features, n_clusters,
                        lambda points, rng: balanced_kmeans(points, n_clusters, prior, rng),
                        np.random.RandomState(seed))
                finally:
                    _graph._REGULARIZATION = kept
                on_distinct = np.zeros(len(distinct), dtype=int)
                on_distinct[inverse.ravel()] = labels
                quality = (cluster_accuracy(truth, labels)
                           + normalized_mutual_info_score(truth, labels))
                scores.append((normalised_cut(graph, on_distinct, n_clusters), quality, tau))
            fixed.append(next(q for _, q, tau in scores if tau == 0.03))
            chosen.append(min(scores)[1])
            print(f"{name:14s} seed {seed}: " + "  ".join(
                f"tau {tau}: cut {cut:.3f}, ACC+NMI {q:.3f}" for cut, q, tau in scores),
                flush=True)
    print(f"mean ACC+NMI: fixed 3% {np.mean(fixed):.3f}, lowest cut {np.mean(chosen):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Can a merge-and-split step move the graph start's labels towards the prior's sizes? (no training)

MNIST-5k's 50-pass start merges the 4s and 9s into one cluster and splits
the 1s in two (``experiments/graph_layout/``). A classic repair of such a
partition (ISODATA's) merges the two clusters that belong together and
splits the largest: here, the pair most joined by the graph (the weight
between them over the smaller one's volume) is merged, the largest cluster
is split by 2-means in the laid-out coordinates, and the step is kept only
if it brings the sizes closer to the uniform prior (KL), up to three
steps. The start's sample, graph, coordinates and balanced k-means are
``init="graph"``'s own (``hardclust._graph``)::

    python experiments/start_repair/repair.py mnist-5k fashion-mnist digits
"""

import sys

import numpy as np
import torch
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

from hardclust import _graph
from hardclust._initialization import balanced_kmeans
from hardclust._neighbors import search_space
from hardclust.benchmark import DATASETS
from hardclust.metrics import cluster_accuracy


def divergence(labels, n_clusters):
    """KL of the labels' sizes from the uniform prior."""
    p = np.bincount(labels, minlength=n_clusters) / len(labels)
    return float(np.sum(np.where(p > 0, p * np.log(np.maximum(p, 1e-12) * n_clusters), 0)))


def joined(graph, labels, n_clusters):
    """The weight between each pair of clusters over the smaller one's volume."""
    onehot = sparse.csr_matrix((np.ones(len(labels)), (np.arange(len(labels)), labels)),
                               shape=(len(labels), n_clusters))
    between = (onehot.T @ graph @ onehot).toarray()
    volume = between.sum(axis=1)
    out = between / np.minimum(volume[:, None], volume[None])
    np.fill_diagonal(out, -1)
    return out


def repair(graph, coordinates, labels, n_clusters, rng, steps=3):
    for _ in range(steps):
        a, b = np.unravel_index(joined(graph, labels, n_clusters).argmax(), (n_clusters,) * 2)
        new = np.where(labels == b, a, labels)  # b merged into a, its index free
        sizes = np.bincount(new, minlength=n_clusters)
        sizes[b] = -1
        rows = np.flatnonzero(new == sizes.argmax())
        split = KMeans(2, n_init=10, random_state=rng.randint(2**31 - 1)).fit_predict(
            coordinates[rows])
        new[rows[split == 1]] = b
        if divergence(new, n_clusters) >= divergence(labels, n_clusters) - 1e-9:
            break
        labels = new
    return labels


def main(names, seeds=3):
    for name in names:
        X, _, y = DATASETS[name]()
        n_clusters = len(np.unique(y))
        runs = []
        for seed in range(seeds):
            rng = np.random.RandomState(seed)
            rows = _graph.sample_rows(len(X), rng)
            X_rows = torch.as_tensor(np.asarray(X, dtype=np.float32))[rows]
            distinct, inverse = np.unique(search_space(X_rows), axis=0, return_inverse=True)
            inverse = inverse.ravel()
            graph = _graph.knn_graph(distinct, _graph._GRAPH_NEIGHBORS)
            coordinates = _graph.spectral_coordinates(graph, n_clusters, rng)
            passes = _graph.layout_passes("auto", X_rows.shape[1:])
            if passes:
                coordinates = _graph.layout_coordinates(graph, coordinates, rng, n_epochs=passes)
            centers = balanced_kmeans(coordinates, n_clusters, np.full(n_clusters, -np.log(n_clusters)),
                                      rng, runs=_graph.GRAPH_KMEANS_RUNS)
            labels = ((coordinates[:, None] - centers[None]) ** 2).sum(-1).argmin(1)
            fixed = repair(graph, coordinates, labels, n_clusters, np.random.RandomState(seed))
            truth = y[rows]
            runs.append([cluster_accuracy(truth, labels[inverse]),
                         normalized_mutual_info_score(truth, labels[inverse]),
                         cluster_accuracy(truth, fixed[inverse]),
                         normalized_mutual_info_score(truth, fixed[inverse]),
                         divergence(labels, n_clusters), divergence(fixed, n_clusters)])
        v = np.mean(runs, axis=0)
        print(f"{name:14s} start {v[0]:.3f} / {v[1]:.3f}  repaired {v[2]:.3f} / {v[3]:.3f}  "
              f"KL {v[4]:.3f} -> {v[5]:.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

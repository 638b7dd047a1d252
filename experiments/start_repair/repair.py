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

import pathlib
import sys

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _start import kmeans_labels, start_graph  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402


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
            start = start_graph(X, seed)
            rng, graph, inverse = start.rng, start.graph, start.inverse
            coordinates = _graph.spectral_coordinates(graph, n_clusters, rng)
            passes = _graph.layout_passes("auto", start.sample.shape[1:], len(start.distinct),
                                          n_clusters)
            if passes:
                coordinates = _graph.layout_coordinates(graph, coordinates, rng, n_epochs=passes)
            labels = kmeans_labels(coordinates, n_clusters, rng)
            fixed = repair(graph, coordinates, labels, n_clusters, np.random.RandomState(seed))
            truth = y[start.rows]
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

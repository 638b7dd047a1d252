"""How good are the neighbour graph's labels, by graph variant? (no training)

The start of ``init="graph"`` fits the model to these labels, and a fit
ends near them, so their quality is a cheap proxy for the fit's. Each
variant builds a graph over (a sample of) each data set's rows in the
space neighbours are searched in, and scores the labels of
``hardclust._graph``'s spectral step and the start's balanced k-means.

    python experiments/graph_start/graph_labels.py --datasets digits mnist-5k ... \
        --json experiments/graph_start/graph_labels.json
"""

import contextlib
import pathlib
import sys
import time

import numpy as np
import torch
from scipy import sparse
from sklearn.metrics import normalized_mutual_info_score
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust._initialization import balanced_kmeans  # noqa: E402
from hardclust._neighbors import search_space  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402


def weighted_graph(features, k, weights):
    """Symmetric k-NN graph: ``binary`` (0/1), ``self-tuning``
    (Zelnik-Manor and Perona: exp(-d^2 / (s_i s_j)), s the distance to the
    7th neighbour) or ``mutual`` (kept only where both are neighbours)."""
    n = len(features)
    distances, neighbors = NearestNeighbors(n_neighbors=k).fit(features).kneighbors()
    rows = np.repeat(np.arange(n), k)
    if weights == "binary":  # the package's graph when this screen ran
        graph = sparse.csr_matrix((np.ones(n * k), (rows, neighbors.ravel())), shape=(n, n))
        return graph.maximum(graph.T)
    if weights == "mutual":
        graph = sparse.csr_matrix((np.ones(n * k), (rows, neighbors.ravel())), shape=(n, n))
        mutual = graph.minimum(graph.T)
        # keep each row's nearest neighbour, so that no row is isolated
        nearest = sparse.csr_matrix((np.ones(n), (np.arange(n), neighbors[:, 0])), shape=(n, n))
        return mutual.maximum(nearest).maximum(nearest.T)
    scale = distances[:, min(6, k - 1)] + 1e-12
    values = np.exp(-distances.ravel() ** 2 / (scale[rows] * scale[neighbors.ravel()]))
    graph = sparse.csr_matrix((values, (rows, neighbors.ravel())), shape=(n, n))
    return graph.maximum(graph.T)


@contextlib.contextmanager
def regularization(tau):
    """The spectral step's ``_REGULARIZATION`` set to ``tau`` (None: as is)."""
    kept = _graph._REGULARIZATION
    _graph._REGULARIZATION = kept if tau is None else tau
    try:
        yield
    finally:
        _graph._REGULARIZATION = kept


def labels_of_default(features, n_clusters, seed):
    """The package's own labels (``hardclust._graph.graph_labels``: distinct
    rows, self-tuning weights, ``n_clusters`` eigenvectors)."""
    prior = np.full(n_clusters, -np.log(n_clusters))
    return _graph.graph_labels(features, n_clusters,
                               lambda points, rng: balanced_kmeans(points, n_clusters, prior, rng),
                               np.random.RandomState(seed))


def labels_of(graph, n_clusters, seed, n_components):
    rng = np.random.RandomState(seed)
    coordinates = _graph.spectral_coordinates(graph, n_components, rng)
    prior = np.full(n_clusters, -np.log(n_clusters))
    centers = balanced_kmeans(coordinates, n_clusters, prior, rng)
    return ((coordinates[:, None] - centers[None]) ** 2).sum(-1).argmin(1)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--neighbors", nargs="+", type=int, default=[5, 10, 15, 30])
    p.add_argument("--weights", nargs="+", default=["binary", "self-tuning", "mutual"],
                   help="binary, self-tuning, mutual, or default: the package's own graph "
                        "(its neighbours; --neighbors and --components ignored)")
    p.add_argument("--components", nargs="+", default=["k"],
                   help="spectral dimensions: k (n_clusters) or 2k")
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--regularization", nargs="+", type=float, default=[None],
                   help="tau of the spectral step, as a fraction of the mean degree "
                        "(default: the package's)")
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        _, X_flat, y = DATASETS[name]()
        n_clusters = len(np.unique(y))
        rows = _graph.sample_rows(len(X_flat), np.random.RandomState(0))
        features = search_space(torch.as_tensor(np.asarray(X_flat, dtype=np.float32))[rows])
        truth = y[rows]
        for weights in args.weights:
            for k in args.neighbors:
                start = time.perf_counter()
                graph = None if weights == "default" else weighted_graph(features, k, weights)
                for comp in args.components:
                    dims = n_clusters * (2 if comp == "2k" else 1)
                    for tau in args.regularization:
                        sel = []
                        for seed in range(args.seeds):
                            with regularization(tau):
                                labels = (labels_of_default(features, n_clusters, seed)
                                          if graph is None else
                                          labels_of(graph, n_clusters, seed, dims))
                            sel.append({"dataset": name, "weights": weights, "n_neighbors": k,
                                        "components": comp, "regularization": tau,
                                        "seed": seed, "ACC": cluster_accuracy(truth, labels),
                                        "NMI": normalized_mutual_info_score(truth, labels),
                                        "seconds": time.perf_counter() - start})
                        runs += sel
                        print(f"{name:14s} {weights:12s} k={k:3d} {comp:3s} tau={tau} ACC "
                              f"{np.mean([r['ACC'] for r in sel]):.3f} NMI "
                              f"{np.mean([r['NMI'] for r in sel]):.3f}", flush=True)
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

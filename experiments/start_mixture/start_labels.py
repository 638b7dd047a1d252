"""Which clusterer of the graph start's coordinates gives the best labels? (no training)

For each data set and seed, the start's sample, graph and coordinates as
``init="graph"`` builds them (``hardclust._graph``: spectral coordinates,
laid out for samples of more than 50 values), clustered four ways:

- ``kmeans``: the start's balanced k-means (the default);
- ``gmm``: a Gaussian mixture with full covariances started from those
  k-means centres (what UMAP + GMM does after UMAP, from the same start);
- ``gmm10``: the best-likelihood of ten Gaussian mixtures from
  k-means++ starts (scikit-learn's ``n_init=10``);
- ``vote``: the k-means labels, then three rounds of each row taking the
  label that weighs most among its graph neighbours and itself;
- ``ward``: Ward's agglomerative clustering of the coordinates, merging
  only along the graph's edges; ``ward_free``: the same without the graph.

Each partition is scored against the labels::

    python experiments/start_mixture/start_labels.py --datasets digits mnist-5k \
        --json experiments/start_mixture/start_labels.json
"""

import pathlib
import sys
import warnings

import numpy as np
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import normalized_mutual_info_score
from sklearn.mixture import GaussianMixture

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, table  # noqa: E402
from _start import start_graph  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust._initialization import balanced_kmeans  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402

WAYS = ("kmeans", "gmm", "gmm10", "vote", "ward", "ward_free")


def vote(graph, labels, n_clusters, rounds=3):
    """Each row takes the label of most weight among its neighbours and itself."""
    weights = graph + sparse.identity(graph.shape[0], format="csr")
    for _ in range(rounds):
        onehot = sparse.csr_matrix((np.ones(len(labels)), (np.arange(len(labels)), labels)),
                                   shape=(len(labels), n_clusters))
        labels = np.asarray((weights @ onehot).argmax(axis=1)).ravel()
    return labels


def start_partitions(name, seed, passes):
    X, _, y = DATASETS[name]()
    n_clusters = len(np.unique(y))
    start = start_graph(X, seed)
    rng, graph, inverse = start.rng, start.graph, start.inverse
    coordinates = _graph.spectral_coordinates(graph, n_clusters, rng)
    layout = _graph.layout_passes(passes, start.sample.shape[1:], len(start.distinct), n_clusters)
    if layout:
        coordinates = _graph.layout_coordinates(graph, coordinates, rng, n_epochs=layout)
    prior = np.full(n_clusters, -np.log(n_clusters))
    centers = balanced_kmeans(coordinates, n_clusters, prior, rng, runs=_graph.GRAPH_KMEANS_RUNS)
    km = ((coordinates[:, None] - centers[None]) ** 2).sum(-1).argmin(1)
    partitions = {"kmeans": km}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        partitions["gmm"] = GaussianMixture(n_clusters, means_init=centers, reg_covar=1e-4,
                                            random_state=seed).fit_predict(coordinates)
        partitions["gmm10"] = GaussianMixture(n_clusters, n_init=10, reg_covar=1e-4,
                                              random_state=seed).fit_predict(coordinates)
    partitions["vote"] = vote(graph, km, n_clusters)
    partitions["ward"] = AgglomerativeClustering(n_clusters, connectivity=graph).fit_predict(
        coordinates)
    partitions["ward_free"] = AgglomerativeClustering(n_clusters).fit_predict(coordinates)
    truth = y[start.rows]
    return [{"dataset": name, "seed": seed, "way": way,
             "ACC": cluster_accuracy(truth, labels[inverse]),
             "NMI": normalized_mutual_info_score(truth, labels[inverse])}
            for way, labels in partitions.items()]


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--passes", default="auto", help="layout_passes: 'auto' or an int")
    args = p.parse_args(argv)
    passes = args.passes if args.passes == "auto" else int(args.passes)
    runs = []
    for name in args.datasets:
        for seed in range(args.seeds):
            runs += start_partitions(name, seed, passes)
            print(" | ".join(f"{r['way']}: {r['ACC']:.3f} / {r['NMI']:.3f}"
                             for r in runs[-len(WAYS):]), f"<- {name} seed {seed}", flush=True)
    table(means(runs, ("dataset", "way"), ("ACC", "NMI")), ["dataset", "way", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

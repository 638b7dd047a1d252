"""How many of the graph's eigenvectors should the layout run on? (no training)

The graph start's spectral coordinates had one dimension per cluster, and
its layout ran in those: three dimensions for ArrowHead, two for GunPoint.
UMAP lays out in as many dimensions as asked (the peers: 10) whatever the
classes. For each data set and seed, the start's sample and graph as
``init="graph"`` builds them (``hardclust._graph``), the leading
``max(n_clusters, dims)`` eigenvectors for each of ``--dims`` (0: one per
cluster, the former start), laid out for 50 passes (``--dims -1``: one
per cluster and no layout, the narrow samples' start) and clustered by the
start's balanced k-means; each partition is scored against the labels::

    python experiments/layout_dims/start_labels.py --datasets digits mnist-5k \
        --dims 0 12 16 24 32 --json experiments/layout_dims/start_labels.json
"""

import pathlib
import sys

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, table  # noqa: E402
from _start import kmeans_labels, start_graph  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402


def partitions(name, seed, dims, passes):
    X, _, y = DATASETS[name]()
    n_clusters = len(np.unique(y))
    start = start_graph(X, seed)
    graph, inverse = start.graph, start.inverse
    truth = y[start.rows]
    out = []
    for d in dims:
        # each candidate from the same draws (common random numbers); d < 0:
        # no layout, one eigenvector per cluster (the narrow samples' start)
        r = np.random.RandomState(seed)
        coordinates = _graph.spectral_coordinates(graph, max(n_clusters, d), r)
        laid = (coordinates if d < 0 else
                _graph.layout_coordinates(graph, coordinates, r, n_epochs=passes))
        labels = kmeans_labels(laid, n_clusters, r)[inverse]
        out.append({"dataset": name, "seed": seed, "dims": d, "n_clusters": n_clusters,
                    "ACC": cluster_accuracy(truth, labels),
                    "NMI": normalized_mutual_info_score(truth, labels)})
    return out


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--dims", type=int, nargs="+", default=[0, 12, 16, 24, 32])
    p.add_argument("--passes", type=int, default=50)
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        for seed in range(args.seeds):
            runs += partitions(name, seed, args.dims, args.passes)
            print(" | ".join(f"{r['dims']}: {r['ACC']:.3f} / {r['NMI']:.3f}"
                             for r in runs[-len(args.dims):]), f"<- {name} seed {seed}", flush=True)
    table(means(runs, ("dataset", "dims"), ("ACC", "NMI")), ["dataset", "dims", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

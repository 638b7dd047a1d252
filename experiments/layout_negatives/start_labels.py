"""Which negative samples and curve should the layout use? (no training)

The layout copies UMAP's defaults: five negative samples per edge sample
and the curve of ``min_dist=0``. For each data set and seed, the start's
sample, graph and coordinates as ``init="graph"`` builds them
(``hardclust._graph``, ``layout_dims`` eigenvectors), laid out for 50
passes under each variant (the module's constants patched for the run,
each from the same draws) and clustered by the start's balanced k-means;
each partition is scored against the labels::

    python experiments/layout_negatives/start_labels.py --datasets digits mnist-5k \
        --json experiments/layout_negatives/start_labels.json
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

# name: (the curve's a and b, negative samples per edge sample)
VARIANTS = {"default": ((1.929, 0.7915), 5), "min_dist=0.1": ((1.577, 0.8951), 5),
            "negatives=2": ((1.929, 0.7915), 2), "negatives=10": ((1.929, 0.7915), 10),
            "negatives=20": ((1.929, 0.7915), 20)}


def partitions(name, seed, variants):
    X, _, y = DATASETS[name]()
    n_clusters = len(np.unique(y))
    start = start_graph(X, seed)
    graph, inverse, truth = start.graph, start.inverse, y[start.rows]
    kept = _graph._LAYOUT_CURVE, _graph._LAYOUT_NEGATIVES
    out = []
    try:
        for variant in variants:
            _graph._LAYOUT_CURVE, _graph._LAYOUT_NEGATIVES = VARIANTS[variant]
            r = np.random.RandomState(seed)
            coordinates = _graph.spectral_coordinates(graph, _graph.layout_dims(n_clusters), r)
            laid = _graph.layout_coordinates(graph, coordinates, r, n_epochs=50)
            labels = kmeans_labels(laid, n_clusters, r)[inverse]
            out.append({"dataset": name, "seed": seed, "variant": variant,
                        "ACC": cluster_accuracy(truth, labels),
                        "NMI": normalized_mutual_info_score(truth, labels)})
    finally:
        _graph._LAYOUT_CURVE, _graph._LAYOUT_NEGATIVES = kept
    return out


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        for seed in range(args.seeds):
            runs += partitions(name, seed, args.variants)
            print(" | ".join(f"{r['variant']}: {r['ACC']:.3f} / {r['NMI']:.3f}"
                             for r in runs[-len(args.variants):]), f"<- {name} seed {seed}",
                  flush=True)
    table(means(runs, ("dataset", "variant"), ("ACC", "NMI")),
          ["dataset", "variant", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

"""Can the input-space silhouette choose the layout's passes for each fit? (no training)

The layout's passes are set-specific: MNIST-5k's fits want 200, the other
wide sets 50, and on tables some sets gain from a layout the default does
not give them (``experiments/graph_layout/``). The silhouette of a
partition in the input space (the space the graph is searched in) is the
label-free score ``OnlineHardClustering.score`` already uses to choose
``n_clusters``; unlike the layout's own coordinates, that space is the same
for every candidate, so the scores compare. For each data set and seed,
the start's sample, graph and spectral coordinates as ``init="graph"``
builds them (``hardclust._graph``), laid out for each of ``--passes`` and
clustered by the start's balanced k-means; each partition is scored
against the labels, by its silhouette and by the divergence of its sizes
from the uniform prior (``balance``, the criterion of the start's k-means
runs); ``chosen`` is the partition of the best silhouette, ``balanced``
the one of the smallest divergence::

    python experiments/layout_choice/start_labels.py --datasets digits mnist-5k \
        --passes 0 50 200 --json experiments/layout_choice/start_labels.json
"""

import pathlib
import sys

import numpy as np
from sklearn.metrics import normalized_mutual_info_score, silhouette_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, table  # noqa: E402
from _start import kmeans_labels, start_graph  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402


def partitions(name, seed, passes):
    X, _, y = DATASETS[name]()
    n_clusters = len(np.unique(y))
    start = start_graph(X, seed)
    graph, distinct, inverse = start.graph, start.distinct, start.inverse
    coordinates = _graph.spectral_coordinates(graph, n_clusters, start.rng)
    prior = np.full(n_clusters, -np.log(n_clusters))
    truth = y[start.rows]
    out = []
    for n in passes:
        r = np.random.RandomState(seed)
        laid = _graph.layout_coordinates(graph, coordinates, r, n_epochs=n) if n else coordinates
        labels = kmeans_labels(laid, n_clusters, r)
        silhouette = (silhouette_score(distinct, labels) if len(np.unique(labels)) > 1
                      else -1.0)
        sizes = np.bincount(labels[inverse], minlength=n_clusters) / len(inverse)
        balance = float(np.sum(sizes * (np.log(np.maximum(sizes, 1e-12)) - prior)))
        out.append({"dataset": name, "seed": seed, "passes": n, "silhouette": silhouette,
                    "balance": balance,
                    "ACC": cluster_accuracy(truth, labels[inverse]),
                    "NMI": normalized_mutual_info_score(truth, labels[inverse])})
    best = max(out, key=lambda r: r["silhouette"])
    out.append({**best, "passes": "chosen", "chose": best["passes"]})
    best = min(out[:len(passes)], key=lambda r: r["balance"])
    out.append({**best, "passes": "balanced", "chose": best["passes"]})
    return out


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--passes", type=int, nargs="+", default=[0, 50, 200])
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        for seed in range(args.seeds):
            runs += partitions(name, seed, args.passes)
            print(" | ".join(f"{r['passes']}: {r['ACC']:.3f} / {r['NMI']:.3f} sil "
                             f"{r['silhouette']:.4f} KL {r['balance']:.4f}"
                             for r in runs[-len(args.passes) - 2:]),
                  f"<- {name} seed {seed}", flush=True)
    table(means(runs, ("dataset", "passes"), ("silhouette", "balance", "ACC", "NMI")),
          ["dataset", "passes", "silhouette", "balance", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

"""How good are the graph start's labels with the layout, by its passes? (no training)

For each data set and seed, the start's sample, its graph and spectral
coordinates as ``init="graph"`` builds them (``hardclust._graph``), then
the coordinates laid out for 0 (the spectral step alone), 50, 100 and 200
passes (``layout_coordinates``), clustered by the start's balanced
k-means; each partition is scored against the labels and by its
normalised cut per cluster on the graph (a label-free signal, to see
whether it could choose the passes)::

    python experiments/graph_layout/start_labels.py --datasets digits mnist-5k \
        basic-motions arrowhead acsf1 osuleaf gunpoint fashion-mnist \
        --json experiments/graph_layout/start_labels.json
"""

import pathlib
import sys

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "graph_start"))
from _common import dump, parser, table  # noqa: E402
from _start import kmeans_labels, start_graph  # noqa: E402
from ncut_choice import normalised_cut  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402

PASSES = (0, 50, 100, 200)


def start_partitions(name, seed):
    """One record per number of passes for data set ``name``, seed ``seed``."""
    X, _, y = DATASETS[name]()
    n_clusters = len(np.unique(y))
    start = start_graph(X, seed)
    graph, inverse = start.graph, start.inverse
    coordinates = _graph.spectral_coordinates(graph, n_clusters, start.rng)
    out = []
    for passes in PASSES:
        laid = coordinates if passes == 0 else _graph.layout_coordinates(
            graph, coordinates, np.random.RandomState(seed), n_epochs=passes)
        labels = kmeans_labels(laid, n_clusters, np.random.RandomState(seed))
        truth = y[start.rows]
        out.append({"dataset": name, "seed": seed, "passes": passes,
                    "cut": normalised_cut(graph, labels, n_clusters) / n_clusters,
                    "ACC": cluster_accuracy(truth, labels[inverse]),
                    "NMI": normalized_mutual_info_score(truth, labels[inverse])})
    return out


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        for seed in range(args.seeds):
            runs += start_partitions(name, seed)
            print(" | ".join(f"{r['passes']}: {r['ACC']:.3f} / {r['NMI']:.3f} cut "
                             f"{r['cut']:.4f}" for r in runs[-len(PASSES):]),
                  f"<- {name} seed {seed}", flush=True)
    means = []
    for name in args.datasets:
        for passes in PASSES:
            mine = [r for r in runs if r["dataset"] == name and r["passes"] == passes]
            means.append({"dataset": name, "passes": passes,
                          "ACC": np.mean([r["ACC"] for r in mine]),
                          "NMI": np.mean([r["NMI"] for r in mine]),
                          "cut": np.mean([r["cut"] for r in mine])})
    table(means, ["dataset", "passes", "ACC", "NMI", "cut"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

"""Can the stability of the start's labels choose the layout's passes? (no training)

MNIST-5k's fits want 200 layout passes where every other wide set wants
50 (``experiments/graph_layout/``). A classic label-free criterion for a
clustering's settings is its stability: the same procedure, run twice
with other random draws, should find the same partition where the
structure it finds is real. For each data set, seed and number of passes,
the start's coordinates (``hardclust._graph``, as ``init="graph"`` builds
them) are laid out twice from two RandomStates and each layout is
clustered by the start's balanced k-means; the stability is the adjusted
Rand index between the two partitions, the quality their mean ACC / NMI
against the labels::

    python experiments/layout_stability/stability.py --datasets digits mnist-5k \
        --json experiments/layout_stability/stability.json
"""

import pathlib
import sys

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, table  # noqa: E402
from _start import kmeans_labels, start_graph  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402

PASSES = (50, 200)


def stability(name, seed, draws=2):
    X, _, y = DATASETS[name]()
    n_clusters = len(np.unique(y))
    start = start_graph(X, seed)
    graph, inverse = start.graph, start.inverse
    coordinates = _graph.spectral_coordinates(graph, n_clusters, start.rng)
    truth = y[start.rows]
    out = []
    for passes in PASSES:
        partitions = []
        for draw in range(draws):
            r = np.random.RandomState([seed, draw])
            laid = _graph.layout_coordinates(graph, coordinates, r, n_epochs=passes)
            partitions.append(kmeans_labels(laid, n_clusters, r))
        aris = [adjusted_rand_score(a, b) for i, a in enumerate(partitions)
                for b in partitions[i + 1:]]
        out.append({"dataset": name, "seed": seed, "passes": passes,
                    "stability": float(np.mean(aris)),
                    "ACC": np.mean([cluster_accuracy(truth, p[inverse]) for p in partitions]),
                    "NMI": np.mean([normalized_mutual_info_score(truth, p[inverse])
                                    for p in partitions])})
    return out


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--draws", type=int, default=2)
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        for seed in range(args.seeds):
            runs += stability(name, seed, args.draws)
            print(" | ".join(f"{r['passes']}: ARI {r['stability']:.3f} {r['ACC']:.3f} / "
                             f"{r['NMI']:.3f}" for r in runs[-len(PASSES):]),
                  f"<- {name} seed {seed}", flush=True)
    table(means(runs, ("dataset", "passes"), ("stability", "ACC", "NMI")),
          ["dataset", "passes", "stability", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

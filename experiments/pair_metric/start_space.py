"""In which space should neighbours be searched: by distance or by angle, for the pairs and for the graph start?

For each data set and each space, on the sample of at most 10,000 rows the
graph start uses (seeds 0-2): the purity of the 10 nearest neighbours (the
share with the sample's class, what a training pair is right about) and
the ACC / NMI of the graph start's labels alone (the package's graph,
spectral step and balanced k-means on that space). The spaces, all then
projected on 50 principal components as the package does
(``hardclust._neighbors.search_space``):

- ``distance``: the rows as they are (the graph start's space);
- ``angle``: each row scaled to unit length first
  (``hardclust._neighbors.pair_space``, the pairs' space of wide samples);
- ``centred-angle``: each row centred, then scaled to unit length
  (correlation);
- ``angle-after-pca``: the principal components scaled to unit length.

Labels are read only to score::

    python experiments/pair_metric/start_space.py --datasets mnist-5k digits basic-motions \\
        arrowhead italy-power osuleaf acsf1 gunpoint fashion-mnist \\
        --json experiments/pair_metric/start_space.json
"""

import pathlib
import sys

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser, table  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust._initialization import GRAPH_KMEANS_RUNS, balanced_kmeans  # noqa: E402
from hardclust._neighbors import pair_space, search_space  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402

SPACES = ("distance", "angle", "centred-angle", "angle-after-pca")


def features(X, space):
    """The rows of the tensor X in ``space``, as the search sees them."""
    flat = X.reshape(len(X), -1)
    if space == "angle":
        flat = pair_space(flat) if flat.shape[1] > 50 else torch.nn.functional.normalize(flat)
    elif space == "centred-angle":
        flat = torch.nn.functional.normalize(flat - flat.mean(dim=1, keepdim=True))
    projected = search_space(flat)
    if space == "angle-after-pca":
        projected = projected / np.maximum(np.linalg.norm(projected, axis=1, keepdims=True),
                                           1e-12)
    return projected


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        X, _, y = DATASETS[name]()
        X = torch.as_tensor(np.asarray(X, dtype=np.float32))
        k = len(np.unique(y))
        prior = np.full(k, -np.log(k))

        def cluster(points, rng):
            return balanced_kmeans(points, k, prior, rng, runs=GRAPH_KMEANS_RUNS)

        for space in SPACES:
            for seed in range(args.seeds):
                rng = np.random.RandomState(seed)
                rows = _graph.sample_rows(len(X), rng)
                f = features(X[rows], space)
                lists = NearestNeighbors(n_neighbors=10).fit(f).kneighbors(
                    return_distance=False)
                labels = _graph.graph_labels(f, k, cluster, rng)
                report = clustering_report(y[rows], labels)
                runs.append({"dataset": name, "space": space, "seed": seed,
                             "purity": float((y[rows][lists] == y[rows][:, None]).mean()),
                             "ACC": float(report["ACC"]), "NMI": float(report["NMI"])})
    rows = []
    for name in args.datasets:
        for space in SPACES:
            mine = [r for r in runs if r["dataset"] == name and r["space"] == space]
            rows.append({"dataset": name, "space": space,
                         **{key: round(float(np.mean([r[key] for r in mine])), 3)
                            for key in ("purity", "ACC", "NMI")}})
    table(rows, ["dataset", "space", "purity", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)
    return runs


if __name__ == "__main__":
    main()

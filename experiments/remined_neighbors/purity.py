"""Would neighbours re-mined in the learned embedding be purer pairs?

For each data set (the benchmark's loaders), the share of each sample's 10
nearest neighbours that share its class, searched where training searches
them (``hardclust._neighbors.search_space``: the input, in its first 50
principal components when wider) and in the embedding of a default model
(``transform``) after 1, 3 and all of its passes (``max_epochs="auto"``)::

    python experiments/remined_neighbors/purity.py digits mnist-5k basic-motions arrowhead \
        --json experiments/remined_neighbors/purity.json
    python experiments/remined_neighbors/purity.py fashion-mnist --n 10000 \
        --json experiments/remined_neighbors/purity_fashion.json
"""

import pathlib
import sys

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser, quietly, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust._neighbors import search_space  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402

PASSES = (1, 3, "auto")


def purity(features, y, k=10):
    """Share of the k nearest other rows of each row that share its class."""
    neighbors = NearestNeighbors(n_neighbors=k).fit(features).kneighbors(return_distance=False)
    return float((y[neighbors] == y[:, None]).mean())


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("datasets", nargs="+")
    p.add_argument("--n", type=int, default=None, help="first n rows only")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        X, _, y = DATASETS[name]()  # (samples as the suite fits them, flat, labels)
        X, y = np.asarray(X, dtype=np.float32)[:args.n], np.asarray(y)[:args.n]
        n_clusters = len(np.unique(y))
        runs.append({"data": name, "space": "input", "passes": 0, "ACC": None,
                     "purity": purity(search_space(torch.from_numpy(X)), y)})
        for passes in PASSES:
            model = OnlineHardClustering(n_clusters=n_clusters, max_epochs=passes,
                                         random_state=args.seed)
            quietly(model.fit, X)
            runs.append({"data": name, "space": "embedding", "passes": model.n_iter_,
                         "ACC": cluster_accuracy(y, model.labels_),
                         "purity": purity(model.transform(X), y)})
            print(runs[-1], flush=True)
    table(runs, ["data", "space", "passes", "ACC", "purity"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

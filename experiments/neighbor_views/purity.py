"""How often does a sample's neighbour, as n_neighbors finds it, share its class?

The search ``n_neighbors`` documents (Euclidean; on the first 50 principal
components when a sample has more than 50 values), redone with
scikit-learn, on the suite's data as hardclust is given it; the share of
the ten nearest other samples that have the sample's class (labels read
only for that)::

    python experiments/neighbor_views/purity.py --json purity.json
"""

import pathlib
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser, table  # noqa: E402

from hardclust.benchmark import DATASETS, SUITES  # noqa: E402


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", default=list(SUITES["all"]))
    p.add_argument("--n-neighbors", type=int, default=10)
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        X, _, y = DATASETS[name]()
        flat = X.reshape(len(X), -1).astype(np.float32)
        if flat.shape[1] > 50:
            flat = PCA(50, svd_solver="covariance_eigh").fit_transform(flat)
        neighbors = NearestNeighbors(n_neighbors=args.n_neighbors).fit(flat).kneighbors(
            return_distance=False)
        runs.append({"dataset": name, "values": int(np.prod(X.shape[1:])),
                     "same_class": float((y[neighbors] == y[:, None]).mean())})
    table(runs, ["dataset", "values", "same_class"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

"""Question: how many rows must the first partial_fit chunk hold?

The first ``partial_fit`` call places the centroids by k-means on that chunk
alone. 8 Gaussian blobs in 32 dimensions (``make_blobs``, ``cluster_std``
given), a first chunk of M rows, then chunks of 5,000 until 30,050 rows;
ACC of the final model on all rows, per seed.

Run: ``python experiments/first_chunk/first_chunk.py --std 4 --first 50 200 800 --json out.json``.
"""

import pathlib
import sys
import warnings

import numpy as np
import torch
from sklearn.datasets import make_blobs

from hardclust import OnlineHardClustering
from hardclust.metrics import cluster_accuracy

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser  # noqa: E402


def main():
    p = parser(__doc__)
    p.add_argument("--std", type=float, default=4.0)
    p.add_argument("--first", type=int, nargs="+", default=[50, 200, 800])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = p.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    runs = []
    for first in args.first:
        for seed in args.seeds:
            X, y = make_blobs(30050, n_features=32, centers=8, cluster_std=args.std,
                              random_state=seed)
            X = X.astype(np.float32)
            model = OnlineHardClustering(8, random_state=seed).partial_fit(X[:first])
            for start in range(first, len(X), 5000):
                model.partial_fit(X[start:start + 5000])
            runs.append({"first": first, "seed": seed,
                         "acc": float(cluster_accuracy(y, model.predict(X)))})
        print(first, [round(r["acc"], 3) for r in runs if r["first"] == first], flush=True)
    dump(args, __doc__, __file__, None, runs)


if __name__ == "__main__":
    main()

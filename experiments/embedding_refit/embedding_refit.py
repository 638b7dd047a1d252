"""Can k-means on the trained embedding beat the model's own clusters?

Fits the default model on Fashion-MNIST for ``--epochs`` epochs per seed,
then clusters its embeddings (``transform``) again with scikit-learn's
k-means, once started from the learned centroids (Lloyd's refinement of
the model's partition) and once from k-means++ (3 starts, best inertia),
and scores all three partitions (labels read only to score). The ``agree``
columns give the ARI between the model's labels and each refit's::

    python experiments/embedding_refit/embedding_refit.py [--seeds 3] [--epochs 10] \\
        [--json out.json]

If the refits matched the model, the trained embedding holds nothing the
centroids miss: any gain has to come from training, not from a post-hoc
clustering step.
"""

import pathlib
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser, quietly, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.datasets import load_fashion_mnist  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args(argv)
    X, y = load_fashion_mnist()
    rows = []
    for seed in range(args.seeds):
        start = time.perf_counter()
        model = OnlineHardClustering(n_clusters=10, max_epochs=args.epochs, random_state=seed)
        quietly(model.fit, X)
        # float64: k-means on float32 embeddings of large norm loses precision
        Z = model.transform(X).astype(np.float64)
        seconds = time.perf_counter() - start
        refits = {
            "lloyd": KMeans(10, init=model.cluster_centers_.astype(np.float64), n_init=1),
            "kmeans++": KMeans(10, n_init=3, random_state=seed),
        }
        row = {"seed": seed, "fit_and_transform_s": seconds}
        partitions = {"model": model.labels_}
        for name, km in refits.items():
            partitions[name] = km.fit(Z).labels_
        for name, labels in partitions.items():
            report = clustering_report(y, labels)
            row.update({f"{name} {k}": float(report[k]) for k in ("ACC", "NMI", "ARI")})
            if name != "model":
                row[f"{name} agree"] = float(adjusted_rand_score(model.labels_, labels))
        rows.append(row)
        print(row, flush=True)
    table(rows, list(rows[0]))
    dump(args, __doc__, __file__, argv, rows)
    return rows


if __name__ == "__main__":
    main()

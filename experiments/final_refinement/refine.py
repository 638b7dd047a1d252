"""Would a last clustering step on the learned embedding sharpen the labels?

For each data set and seed, a default model is fitted; its labels are
compared with two refinements of the final partition on the training data's
embedding (``transform``), both started at the model's centroids: Lloyd's
k-means iterations (scikit-learn's ``KMeans(init=centroids, n_init=1)``)
and a diagonal Gaussian mixture (``GaussianMixture(means_init=centroids)``),
which, unlike the balanced training, lets clusters differ in size and
spread, as UMAP + GMM does::

    python experiments/final_refinement/refine.py digits mnist-5k arrowhead basic-motions \
        osuleaf acsf1 --json experiments/final_refinement/refine.json
"""

import pathlib
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score
from sklearn.mixture import GaussianMixture

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, quietly, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("datasets", nargs="+")
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        X, _, y = DATASETS[name]()
        k = len(np.unique(y))
        for seed in range(args.seeds):
            model = OnlineHardClustering(n_clusters=k, random_state=seed)
            quietly(model.fit, X)
            Z, centers = model.transform(X), model.cluster_centers_
            labels = {
                "model": model.labels_,
                "lloyd": KMeans(k, init=centers, n_init=1, random_state=seed).fit_predict(Z),
                "gmm-diag": GaussianMixture(k, covariance_type="diag", means_init=centers,
                                            random_state=seed).fit_predict(Z),
            }
            for labelling, found in labels.items():
                runs.append({"case": f"{name} {labelling}", "dataset": name, "seed": seed,
                             "labels": labelling,
                             "ACC": cluster_accuracy(y, found),
                             "NMI": normalized_mutual_info_score(y, found)})
            print(runs[-3:], flush=True)
    table(means(runs, "case", keys=("ACC", "NMI")), ["case", "seeds", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

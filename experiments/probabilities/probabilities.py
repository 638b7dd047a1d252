"""Question: do predict_proba's probabilities tell doubtful labels from sure ones?

For each data set and seed, hardclust's defaults are fitted (only
``n_clusters`` and ``random_state`` set) and three posteriors of the fitted
model are compared on the training data, all from the public API:

- ``embedding``: ``softmax_k(-||z - mu_k||^2 / sigma_)`` from ``transform``
  and ``cluster_centers_`` (hardclust 0.2's ``predict_proba``; the prior is
  uniform);
- ``input``: an isotropic Gaussian per cluster in the input's own space,
  around the mean of the samples predicted into it, with their shared
  variance;
- ``predict_proba``: hardclust 0.3's, the product of the two.

Reported: the AUROC of the probability of the predicted cluster for "this
label is right" (labels matched to classes by the Hungarian method), the
mean of that probability next to the accuracy (calibration), and how often
the argmax of the posterior equals ``predict``.

Run: ``python experiments/probabilities/probabilities.py --json probabilities.json``.
"""

import pathlib
import sys
import warnings

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from scipy.special import log_softmax, softmax
from sklearn.metrics import roc_auc_score

from hardclust import OnlineHardClustering
from hardclust.benchmark import DATASETS

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser  # noqa: E402


def right_labels(y, labels):
    table = np.zeros((labels.max() + 1, y.max() + 1))
    np.add.at(table, (labels, y), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = dict(zip(rows, cols))
    return np.array([mapping.get(label, -1) for label in labels]) == y


def posteriors(model, X):
    labels = model.predict(X)
    z, mu = model.transform(X), model.cluster_centers_
    d2 = ((z[:, None].astype(np.float64) - mu[None]) ** 2).sum(-1)
    log_emb = log_softmax(-d2 / model.sigma_, axis=1)
    flat = X.reshape(len(X), -1).astype(np.float64)
    k = model.n_clusters
    means = np.stack([flat[labels == j].mean(0) if (labels == j).any() else flat.mean(0)
                      for j in range(k)])
    dx = ((flat[:, None] - means[None]) ** 2).sum(-1)
    variance = dx[np.arange(len(X)), labels].mean() / flat.shape[1]
    log_in = log_softmax(-dx / (2 * variance), axis=1)
    return labels, {"embedding": softmax(log_emb, axis=1), "input": softmax(log_in, axis=1),
                    "predict_proba": model.predict_proba(X)}


def main():
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+",
                        default=["iris", "wine", "breast-cancer", "digits", "gunpoint",
                                 "blobs-aniso", "moons-10d", "mnist-5k"])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = p.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    runs = []
    for name in args.datasets:
        X, _, y = DATASETS[name]()
        for seed in args.seeds:
            model = OnlineHardClustering(len(np.unique(y)), random_state=seed).fit(X)
            labels, posts = posteriors(model, X)
            right = right_labels(y, labels)
            run = {"dataset": name, "seed": seed, "acc": float(right.mean())}
            for key, p in posts.items():
                top = p[np.arange(len(X)), labels]
                run[key] = {"auroc": float(roc_auc_score(right, top)) if 0 < right.mean() < 1
                            else None,
                            "mean_top": float(top.mean()),
                            "argmax_is_predict": float((p.argmax(1) == labels).mean())}
            runs.append(run)
            print(f"{name:<14} seed {seed}: ACC {run['acc']:.3f}  " + "  ".join(
                f"{key} AUROC {run[key]['auroc']:.3f} mean p {run[key]['mean_top']:.3f}"
                for key in posts), flush=True)
    dump(args, __doc__, __file__, None, runs)


if __name__ == "__main__":
    main()

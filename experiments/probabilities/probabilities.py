"""Question: do predict_proba's probabilities tell doubtful labels from sure ones?

For each data set and seed, hardclust's defaults are fitted (only
``n_clusters`` and ``random_state`` set) and three posteriors of the fitted
model are compared on the training data, all from the public API:

- ``embedding``: ``softmax_k(-||z - mu_k||^2 / sigma_)`` from ``transform``
  and ``cluster_centers_`` (hardclust 0.2's ``predict_proba``; the prior is
  uniform);
- ``input``: a Gaussian per cluster in the input's own space, around the
  mean of the samples predicted into it, with one covariance shared by all
  clusters, shrunk by Ledoit-Wolf's estimate (recomputed here with
  scikit-learn's ``LedoitWolf``);
- ``product``: the product of the two (normalised), which was the first
  0.3 development version's ``predict_proba`` (with an isotropic input view);
- ``predict_proba``: hardclust 0.3's, the average of the two;
- and, screened but not kept: other input views (one isotropic variance,
  the first 0.3 development version's; a spherical Gaussian mixture with a
  variance and a share per cluster; a diagonal covariance), the embedding
  times the spherical mixture tempered by ``sqrt(n_features)``, and the
  embedding averaged with the input view under Oracle-Approximating
  shrinkage or with the share of each sample's 10 nearest neighbours in
  each cluster.

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
from sklearn.covariance import OAS, LedoitWolf
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

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


def _means(flat, labels, k):
    return np.stack([flat[labels == j].mean(0) if (labels == j).any() else flat.mean(0)
                     for j in range(k)])


def _gaussian(flat, means, covariance):
    """log N(x; m_k, C) up to a constant, for one shared covariance."""
    whiten = np.linalg.cholesky(np.linalg.inv(covariance))
    return -(((flat @ whiten)[:, None] - (means @ whiten)[None]) ** 2).sum(-1) / 2


def _per_cluster_isotropic(flat, means, labels):
    """Spherical Gaussian mixture: a variance and a share per cluster."""
    k, p = means.shape
    d2 = ((flat[:, None] - means[None]) ** 2).sum(-1)
    own = d2[np.arange(len(flat)), labels]
    var = np.array([max(own[labels == j].mean() / p, 1e-12) if (labels == j).sum() > 1
                    else own.mean() / p for j in range(k)])
    share = np.maximum(np.bincount(labels, minlength=k) / len(flat), 1e-12)
    return -d2 / (2 * var) - p / 2 * np.log(var) + np.log(share)


def _neighbours(flat, labels, k, n=10):
    """Share of each sample's n nearest neighbours in each cluster."""
    rows = NearestNeighbors(n_neighbors=n + 1).fit(flat).kneighbors(flat, return_distance=False)
    counts = np.zeros((len(flat), k))
    for column in rows[:, 1:].T:
        counts[np.arange(len(flat)), labels[column]] += 1
    return (counts + 0.5) / (n + 0.5 * k)


def posteriors(model, X):
    """The posteriors compared, from the public API; ``predict_proba`` last."""
    labels = model.predict(X)
    z, mu = model.transform(X), model.cluster_centers_
    d2 = ((z[:, None].astype(np.float64) - mu[None]) ** 2).sum(-1)
    log_emb = log_softmax(-d2 / model.sigma_, axis=1)
    flat = X.reshape(len(X), -1).astype(np.float64)
    k, p = model.n_clusters, flat.shape[1]
    means = _means(flat, labels, k)
    residuals = flat - means[labels]
    log_in = _gaussian(flat, means, LedoitWolf(assume_centered=True).fit(residuals).covariance_)
    log_oas = _gaussian(flat, means, OAS(assume_centered=True).fit(residuals).covariance_)
    log_iso = _gaussian(flat, means, np.eye(p) * (residuals ** 2).sum(1).mean() / p)
    log_diag = _gaussian(flat, means, np.diag(residuals.var(0) + 1e-3 * residuals.var(0).mean()))
    log_sph = _per_cluster_isotropic(flat, means, labels)
    emb = softmax(log_emb, axis=1)
    return labels, {
        "embedding": emb,
        "input": softmax(log_in, axis=1),
        "product": softmax(log_emb + log_in, axis=1),
        "input-isotropic": softmax(log_iso, axis=1),
        "product-isotropic": softmax(log_emb + log_iso, axis=1),
        "input-spherical-mixture": softmax(log_sph, axis=1),
        "input-diagonal": softmax(log_diag, axis=1),
        "product-spherical-over-sqrt-p": softmax(log_emb + log_sph / np.sqrt(p), axis=1),
        "average-oas": (emb + softmax(log_oas, axis=1)) / 2,
        "average-neighbours": (emb + _neighbours(flat, labels, k)) / 2,
        "predict_proba": model.predict_proba(X),
    }


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
            print(f"{name:<14} seed {seed}: ACC {run['acc']:.3f}  AUROC " + "  ".join(
                f"{key} {run[key]['auroc'] or float('nan'):.3f}" for key in posts), flush=True)
    dump(args, __doc__, __file__, None, runs)


if __name__ == "__main__":
    main()

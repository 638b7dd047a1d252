"""Which label-free criterion picks a good k-means start?

``init="k-means"`` runs k-means several times on the untrained encoder's
embeddings and must keep one run without looking at labels. For each seed
this script embeds up to 2,048 samples with a fresh default encoder
(``hardclust.encoders.make_encoder("auto", ...)``, its weights drawn from
``torch.manual_seed(seed)`` inside ``torch.random.fork_rng``), runs k-means
(one k-means++ start each) ``--runs`` times, and scores every run by
label-free criteria. It reports, per criterion, the mean over seeds of the
within-seed Spearman correlation between the criterion (oriented so that
higher means "pick me") and the ACC of the run's partition, and the mean
ACC of the run each criterion picks. Labels are read only to score::

    python experiments/init_criteria/init_criteria.py [--seeds 6] [--runs 10] \\
        [--latent-dim 128] [--json out.json]
"""

import pathlib
import sys
import warnings

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.benchmark.harness import embed  # noqa: E402
from hardclust.datasets import load_digits, load_fashion_mnist  # noqa: E402
from hardclust.encoders import make_encoder  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402

# name -> score of a fitted KMeans on embeddings z; higher = preferred
CRITERIA = {
    "balance (-KL to uniform)": lambda km, z: -_kl_to_uniform(km.labels_, km.n_clusters),
    "inertia (-)": lambda km, z: -km.inertia_,
    "silhouette": lambda km, z: silhouette_score(z, km.labels_),
    "calinski-harabasz": lambda km, z: calinski_harabasz_score(z, km.labels_),
}


def _kl_to_uniform(labels, n_clusters):
    q = np.bincount(labels, minlength=n_clusters) / len(labels)
    q = q[q > 0]
    return float(np.sum(q * np.log(q * n_clusters)))


def _data():
    yield "digits", *load_digits()
    try:
        yield "fashion-mnist", *load_fashion_mnist()
    except FileNotFoundError as exc:
        print(f"skipping Fashion-MNIST: {exc}")


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=6)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--latent-dim", type=int, default=OnlineHardClustering().latent_dim)
    args = p.parse_args(argv)
    rows = []
    for name, X, y in _data():
        n_clusters = len(np.unique(y))
        scores = {c: [] for c in CRITERIA}
        accs = []
        for seed in range(args.seeds):
            rng = np.random.RandomState(seed)
            # the script's own draws: the global torch RNG is left as it was
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                encoder = make_encoder("auto", X.shape[1:], args.latent_dim)
            sample = np.sort(rng.choice(len(X), min(len(X), 2048), replace=False))
            z = embed(encoder, X[sample])
            fits = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(args.runs):
                    fits.append(KMeans(n_clusters, n_init=1,
                                       random_state=rng.randint(2**31 - 1)).fit(z))
            accs.append([cluster_accuracy(y[sample], km.labels_) for km in fits])
            for c, f in CRITERIA.items():
                scores[c].append([f(km, z) for km in fits])
        accs = np.array(accs)
        for c in CRITERIA:
            s = np.array(scores[c])
            rho = [spearmanr(s[i], accs[i])[0] for i in range(len(s))]
            picked = accs[np.arange(len(s)), s.argmax(axis=1)]
            # nanmean: a seed whose runs all score the same ACC has no ranking
            rows.append({"data": name, "criterion": c, "spearman": float(np.nanmean(rho)),
                         "picked_acc": float(picked.mean()),
                         "mean_acc": float(accs.mean()), "best_acc": float(accs.max(1).mean())})
    table(rows, ["data", "criterion", "spearman", "picked_acc", "mean_acc", "best_acc"])
    dump(args, __doc__, __file__, argv, rows)
    return rows


if __name__ == "__main__":
    main()

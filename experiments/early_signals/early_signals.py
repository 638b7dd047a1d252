"""How early is a Fashion-MNIST run decided, and can a label-free signal tell?

For each seed, one 10-epoch fit of the default model on all 70,000 images,
driven one mini-batch at a time (``partial_fit`` on each shuffled batch of
256) so that the model can be scored after a few early optimisation steps:
the silhouette of its labels in its embedding (label-free, on a fixed subset
of 2,000 images) and its ACC (on a fixed subset of 10,000 images; labels read
only to score). The model starts as ``init="k-means"`` does: the untrained
default CNN embeds 2,048 images, and of ten k-means runs the most balanced
gives the centroids (``init=centers``). The script prints, for each step,
the Spearman correlation across seeds of each early value with the final
ACC::

    python experiments/early_signals/early_signals.py [--seeds 9] [--epochs 10] \\
        [--latent-dim 128] [--sigma auto] [--json out.json]

If the early silhouette ranked the final ACC, several candidate starts could
be trained for a short stretch and the best continued, without labels.
"""

import pathlib
import sys

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.metrics import silhouette_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import default_lr, dump, parser, quietly, shuffled_batches, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.benchmark.harness import balanced_kmeans, embed  # noqa: E402
from hardclust.datasets import load_fashion_mnist  # noqa: E402
from hardclust.encoders import make_encoder  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402

STEPS = (20, 40, 90, 180, 274)
START_SAMPLE = 2048  # rows the k-means start embeds, as init="k-means"


def probe(model, X_silhouette, X_score, y_score):
    """Label-free silhouette and ACC of the model as it is now."""
    labels = model.predict(X_silhouette)
    silhouette = (float(silhouette_score(model.transform(X_silhouette), labels))
                  if len(np.unique(labels)) > 1 else -1.0)
    return {"silhouette": silhouette,
            "ACC": float(clustering_report(y_score, model.predict(X_score))["ACC"])}


def run(X, y, seed, args, lr, probe_rows):
    rng = np.random.RandomState(seed)
    # the script's own draws: the global torch RNG is left as it was
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        encoder = make_encoder("conv2d", X.shape[1:], args.latent_dim)  # the CNN of 0.2
    start = np.sort(rng.choice(len(X), min(START_SAMPLE, len(X)), replace=False))
    centers = balanced_kmeans(embed(encoder, X[start]), 10, rng)
    # the instance is deep-copied at the first partial_fit; lr as the default CNN's
    model = OnlineHardClustering(n_clusters=10, encoder=encoder, init=centers,
                                 latent_dim=args.latent_dim, sigma=args.sigma, lr=lr,
                                 compute_labels=False, random_state=seed)
    silhouette_rows, score_rows = probe_rows
    early, step = {}, 0
    for _ in range(args.epochs):
        for batch in shuffled_batches(len(X), model.batch_size, rng):
            quietly(model.partial_fit, X[batch])
            step += 1
            if step in STEPS:
                early[str(step)] = probe(model, X[silhouette_rows], X[score_rows], y[score_rows])
    final = clustering_report(y, model.predict(X))
    return {"seed": seed, "final_ACC": float(final["ACC"]), "final_NMI": float(final["NMI"]),
            "early": early}


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=9)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--latent-dim", type=int, default=OnlineHardClustering().latent_dim)
    p.add_argument("--sigma", type=lambda v: v if v == "auto" else float(v),
                   default=OnlineHardClustering().sigma)
    args = p.parse_args(argv)
    X, y = load_fashion_mnist()
    rs = np.random.RandomState(0)
    probe_rows = (np.sort(rs.choice(len(X), 2000, replace=False)),
                  np.sort(rs.choice(len(X), 10000, replace=False)))
    lr = default_lr(X, encoder="conv2d")
    runs = []
    for seed in range(args.seeds):
        runs.append(run(X, y, seed, args, lr, probe_rows))
        print(f"seed {seed}: final ACC {runs[-1]['final_ACC']:.3f}", flush=True)
    final_acc = [r["final_ACC"] for r in runs]
    rows = [{"step": step,
             "silhouette_vs_final_acc": float(spearmanr(
                 [r["early"][str(step)]["silhouette"] for r in runs], final_acc)[0]),
             "early_acc_vs_final_acc": float(spearmanr(
                 [r["early"][str(step)]["ACC"] for r in runs], final_acc)[0])}
            for step in STEPS]
    table(rows, ["step", "silhouette_vs_final_acc", "early_acc_vs_final_acc"])
    dump(args, __doc__, __file__, argv, runs)
    return rows


if __name__ == "__main__":
    main()

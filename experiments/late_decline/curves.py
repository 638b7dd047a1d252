"""Why does Fashion-MNIST's quality fall after about ten epochs?

Fits the model one epoch at a time (``fit`` for the first, then
``partial_fit`` over all 70,000 images per call) and after each epoch
records ACC / NMI (labels read only to score), the share of images whose
predicted cluster changed since the last epoch, the gaps between the
centroids relative to ``sigma`` (the smallest and the mean squared distance
between two centroids, divided by ``sigma_``), and the spread (the mean
squared distance of 2,000 fixed images' embeddings to their nearest
centroid, over ``sigma_``): a pair closer than the spread has merged, by
the rule of ``fit``'s ``ClusterCollapseWarning``::

    python experiments/late_decline/curves.py --seed 0 --epochs 16 \\
        [--encoder default|scale_norm] --json out.json

``--encoder scale_norm`` uses :func:`scale_norm.scale_norm_mlp` (the
default MLP with its output's overall scale held fixed). Public API only.
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import dump, parser, quietly  # noqa: E402
from scale_norm import scale_norm_mlp  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.datasets import load_fashion_mnist  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402

ENCODERS = {"default": "auto", "scale_norm": scale_norm_mlp}


def centroid_gaps(centers, sigma):
    """Smallest and mean squared distance between two centroids, over sigma."""
    gaps = ((centers[:, None] - centers[None]) ** 2).sum(-1) / sigma
    pairs = gaps[np.triu_indices(len(centers), 1)]
    return float(pairs.min()), float(pairs.mean())


def spread(model, X):
    """Mean squared distance of X's embeddings to their nearest centroid, over sigma."""
    z, centers = model.transform(X), model.cluster_centers_
    return float(((z[:, None] - centers[None]) ** 2).sum(-1).min(1).mean() / model.sigma_)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=16)
    p.add_argument("--encoder", choices=sorted(ENCODERS), default="default")
    args = p.parse_args(argv)
    X, y = load_fashion_mnist()
    model = OnlineHardClustering(n_clusters=10, encoder=ENCODERS[args.encoder], max_epochs=1,
                                 compute_labels=False, random_state=args.seed)
    sample = X[np.sort(np.random.RandomState(0).choice(len(X), 2000, replace=False))]
    runs, previous = [], None
    for epoch in range(1, args.epochs + 1):
        quietly(model.fit if epoch == 1 else model.partial_fit, X)
        labels = model.predict(X)
        report = clustering_report(y, labels)
        smallest, mean = centroid_gaps(model.cluster_centers_, model.sigma_)
        runs.append({"encoder": args.encoder, "seed": args.seed, "epoch": epoch,
                     "ACC": float(report["ACC"]), "NMI": float(report["NMI"]),
                     "changed": None if previous is None else float(np.mean(labels != previous)),
                     "smallest_gap": smallest, "mean_gap": mean,
                     "spread": spread(model, sample)})
        previous = labels
        row = runs[-1]
        changed = "" if row["changed"] is None else f"{row['changed']:.3f}"
        print(f"epoch {epoch:2d}  ACC {row['ACC']:.3f}  NMI {row['NMI']:.3f}  "
              f"changed {changed:>5}  gaps/sigma: smallest {smallest:.3f} mean {mean:.2f}  "
              f"spread/sigma {row['spread']:.3f}",
              flush=True)
    dump(args, __doc__, __file__, argv, runs)
    return runs


if __name__ == "__main__":
    main()

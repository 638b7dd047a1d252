"""How do quality and cluster sizes change over the epochs of one Fashion-MNIST fit?

The default model is fitted for one epoch, then continued one epoch at a
time with ``partial_fit`` (one pass over all 70,000 images per call); after
each epoch its ACC and NMI are scored with ``predict`` (labels are read only
to draw the curves; training never sees them), and its loss and cluster
sizes are read from ``history_``. Writes the plot to ``--out``::

    python experiments/epoch_curves/epoch_curves.py [--epochs 10] [--seed 0] \\
        [--encoder auto] [--out PNG] [--json out.json]

``--encoder conv2d`` runs the CNN, the image default until 0.3 (the recorded
``fashion_epochs.json`` and ``fashion-mnist_epochs.png``); the default is
the current one, the MLP (``fashion_epochs_mlp.json``,
``fashion-mnist_epochs_mlp.png``).
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser, quietly  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.datasets import load_fashion_mnist  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--encoder", default="auto", help="encoder= of the model")
    p.add_argument("--out", default=None, help="the plot (default: fashion-mnist_epochs_mlp.png "
                   "here, or fashion-mnist_epochs.png with --encoder conv2d)")
    args = p.parse_args(argv)
    X, y = load_fashion_mnist()
    if args.out is None:
        suffix = "" if args.encoder == "conv2d" else "_mlp"
        args.out = f"experiments/epoch_curves/fashion-mnist_epochs{suffix}.png"
    model = OnlineHardClustering(n_clusters=10, encoder=args.encoder, max_epochs=1,
                                 compute_labels=False,
                                 random_state=args.seed)
    runs = []
    for epoch in range(1, args.epochs + 1):
        quietly(model.fit if epoch == 1 else model.partial_fit, X)
        report = clustering_report(y, model.predict(X))
        last = model.history_[-1]
        runs.append({"seed": args.seed, "epoch": epoch, "ACC": float(report["ACC"]),
                     "NMI": float(report["NMI"]), "loss": float(last["train_loss"]),
                     "cluster_sizes": [int(s) for s in last["cluster_sizes"]]})
        row = runs[-1]
        print(f"epoch {epoch:2d}  ACC {row['ACC']:.3f}  NMI {row['NMI']:.3f}  "
              f"loss {row['loss']:.4f}  smallest cluster {min(row['cluster_sizes'])}", flush=True)

    epochs = np.arange(1, len(runs) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    axes[0].plot(epochs, [r["ACC"] for r in runs], marker="o", label="ACC")
    axes[0].plot(epochs, [r["NMI"] for r in runs], marker="s", label="NMI")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylim(0, 1)
    axes[0].legend()
    axes[0].set_title(f"Fashion-MNIST 70k, seed {args.seed}: quality per epoch")
    axes[1].stackplot(epochs, np.array([r["cluster_sizes"] for r in runs]).T)
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("points per cluster (nearest centroid)")
    axes[1].set_title("Cluster sizes per epoch")
    fig.savefig(args.out, dpi=110)
    print("wrote", args.out)
    dump(args, __doc__, __file__, argv, runs)
    return runs


if __name__ == "__main__":
    main()

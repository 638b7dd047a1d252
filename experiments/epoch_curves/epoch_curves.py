"""Per-epoch ACC/NMI and cluster sizes of one Fashion-MNIST fit, as a plot.

Labels are only read to draw the curves (a skorch callback scores the model
at each epoch's end); training never sees them::

    python benchmarks/epoch_curves.py [--epochs 10] [--seed 0] \\
        [--out docs/_static/fashion-mnist_epochs.png] [--json out.json]
"""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

from _common import dump, parser  # noqa: E402
from hardclust import OnlineHardClustering  # noqa: E402
from hardclust._net import eval_mode  # noqa: E402
from hardclust.datasets import load_fashion_mnist  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402


class ScoreEachEpoch(Callback):
    """Records ACC and NMI of nearest-centroid labels after each epoch.

    ``score`` is a closure over the data: callbacks are deep-copied at fit,
    and a function is copied by reference, so the data is not duplicated.
    """

    def __init__(self, score):
        self.score = score

    def on_epoch_end(self, net, **kwargs):
        for name, value in self.score(net.module_).items():
            net.history.record(name, value)


def scorer(X, y):
    X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))

    def score(module):
        with eval_mode(module):
            labels = torch.cat([module.costs(module(chunk)).argmin(1)
                                for chunk in X.split(1024)])
        report = clustering_report(y, labels.numpy())
        return {"ACC": report["ACC"], "NMI": report["NMI"]}

    return score


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="docs/_static/fashion-mnist_epochs.png")
    args = p.parse_args(argv)
    X, y = load_fashion_mnist()
    model = OnlineHardClustering(n_clusters=10, max_epochs=args.epochs, random_state=args.seed,
                                 callbacks=[ScoreEachEpoch(scorer(X, y))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    history = model.history_
    epochs = np.arange(1, len(history) + 1)
    rows = [{"epoch": int(e), "ACC": h["ACC"], "NMI": h["NMI"], "loss": h["train_loss"],
             "cluster_sizes": h["cluster_sizes"]} for e, h in zip(epochs, history)]
    for row in rows:
        print(f"epoch {row['epoch']:2d}  ACC {row['ACC']:.3f}  NMI {row['NMI']:.3f}  "
              f"loss {row['loss']:.4f}  smallest cluster {min(row['cluster_sizes'])}")

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    axes[0].plot(epochs, history[:, "ACC"], marker="o", label="ACC")
    axes[0].plot(epochs, history[:, "NMI"], marker="s", label="NMI")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylim(0, 1)
    axes[0].legend()
    axes[0].set_title(f"Fashion-MNIST 70k, seed {args.seed}: quality per epoch")
    sizes = np.array(history[:, "cluster_sizes"])
    axes[1].stackplot(epochs, sizes.T)
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("points per cluster (nearest centroid)")
    axes[1].set_title("Cluster sizes per epoch")
    fig.savefig(args.out, dpi=110)
    print("wrote", args.out)
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

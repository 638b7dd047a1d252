"""How early is a Fashion-MNIST run decided, and can a label-free signal tell?

For each seed, one default 10-epoch fit on all 70,000 images; a skorch
callback scores the model after a few early optimisation steps: the
silhouette of its nearest-centroid labels in its embedding (label-free, on a
fixed subset of 2,000 images) and its ACC (on a fixed subset of 10,000
images; labels read only to score). The script prints, for each step, the
Spearman correlation across seeds of each early value with the final ACC::

    python benchmarks/early_signals.py [--seeds 9] [--epochs 10] \\
        [--latent-dim 128] [--sigma auto] [--json out.json]

If the early silhouette ranked the final ACC, several candidate starts could
be trained for a short stretch and the best continued, without labels.
"""

import warnings

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.metrics import silhouette_score
from skorch.callbacks import Callback

from _common import dump, parser, table
from hardclust import OnlineHardClustering
from hardclust._net import eval_mode
from hardclust.datasets import load_fashion_mnist
from hardclust.metrics import clustering_report

STEPS = (20, 40, 90, 180, 274)


class EarlyProbe(Callback):
    """Silhouette and ACC of the model after each step in ``STEPS``."""

    def __init__(self, silhouette_X, score_X, score_y):
        self.silhouette_X = silhouette_X
        self.score_X = score_X
        self.score_y = score_y

    def initialize(self):
        self.steps_, self.records_ = 0, {}
        return self

    def _labels(self, module, X):
        device = module.centroids.device
        # the module's forward is the scaled embedding, as transform gives it
        z = torch.cat([module(chunk.to(device)) for chunk in X.split(512)])
        return z.cpu(), module.nearest(z).cpu().numpy()

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        self.steps_ += 1
        if self.steps_ not in STEPS:
            return
        with eval_mode(net.module_) as module:
            z, labels = self._labels(module, self.silhouette_X)
            _, score_labels = self._labels(module, self.score_X)
        silhouette = (float(silhouette_score(z.numpy(), labels))
                      if len(np.unique(labels)) > 1 else -1.0)
        self.records_[self.steps_] = {
            "silhouette": silhouette,
            "ACC": clustering_report(self.score_y, score_labels)["ACC"],
        }


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
    silhouette_rows = np.sort(rs.choice(len(X), 2000, replace=False))
    score_rows = np.sort(rs.choice(len(X), 10000, replace=False))
    probe = EarlyProbe(torch.from_numpy(X[silhouette_rows]),
                       torch.from_numpy(X[score_rows]), y[score_rows])
    runs = []
    for seed in range(args.seeds):
        model = OnlineHardClustering(n_clusters=10, max_epochs=args.epochs,
                                     latent_dim=args.latent_dim, sigma=args.sigma,
                                     random_state=seed, callbacks=[("probe", probe)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X)
        fitted_probe = dict(model._net.callbacks_)["probe"]
        final = clustering_report(y, model.labels_)
        runs.append({"seed": seed, "final_ACC": final["ACC"], "final_NMI": final["NMI"],
                     "early": fitted_probe.records_})
        print(f"seed {seed}: final ACC {final['ACC']:.3f}", flush=True)
    final_acc = [r["final_ACC"] for r in runs]
    rows = [{"step": step,
             "silhouette_vs_final_acc": float(spearmanr(
                 [r["early"][step]["silhouette"] for r in runs], final_acc)[0]),
             "early_acc_vs_final_acc": float(spearmanr(
                 [r["early"][step]["ACC"] for r in runs], final_acc)[0])}
            for step in STEPS]
    table(rows, ["step", "silhouette_vs_final_acc", "early_acc_vs_final_acc"])
    dump(args.json, {"runs": runs, "rows": rows})
    return rows


if __name__ == "__main__":
    main()

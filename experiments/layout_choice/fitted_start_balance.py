"""Does the fitted start's balance over all rows tell a good layout from a bad one?

The scores of the start's labels (silhouette, sizes) could not see that
Fashion-MNIST's 200-pass starts train badly (README). The model fitted to
the start's labels predicts every row, also the 60,000 Fashion-MNIST rows
outside the graph's sample: does the divergence of those predictions'
sizes from the uniform prior (KL) pick the better start? For each seed,
the default fit with 50 and with 200 layout passes is stopped right after
``fit_to_labels`` (the package's own function, wrapped), and the fitted
model's labels of all rows are scored::

    python experiments/layout_choice/fitted_start_balance.py fashion-mnist
"""

import sys

import numpy as np
import torch
from sklearn.metrics import normalized_mutual_info_score

import hardclust._initialization as initialization
from hardclust import OnlineHardClustering
from hardclust.benchmark import DATASETS
from hardclust.metrics import cluster_accuracy


class _Started(Exception):
    """Raised to stop a fit once its start is fitted."""


def main(name, seeds=3):
    X, _, y = DATASETS[name]()
    n_clusters = len(np.unique(y))
    rows = torch.as_tensor(np.asarray(X, dtype=np.float32))
    fit, seen = initialization.fit_to_labels, {}

    def fit_then_stop(module, X_sample, labels, **kwargs):
        fit(module, X_sample, labels, **kwargs)
        module.eval()
        with torch.no_grad():
            seen["labels"] = torch.cat([
                module.head(module.encoder(rows[i:i + 4096]), output="costs").argmin(1)
                for i in range(0, len(rows), 4096)]).numpy()
        raise _Started

    initialization.fit_to_labels = fit_then_stop
    for seed in range(seeds):
        out = []
        for passes in (50, 200):
            try:
                OnlineHardClustering(n_clusters=n_clusters, layout_passes=passes,
                                     random_state=seed).fit(X)
            except _Started:
                pass
            labels = seen["labels"]
            p = np.bincount(labels, minlength=n_clusters) / len(labels)
            kl = float(np.sum(np.where(p > 0, p * np.log(np.maximum(p, 1e-12) * n_clusters), 0)))
            out.append(f"p{passes}: KL {kl:.4f} acc {cluster_accuracy(y, labels):.3f} "
                       f"nmi {normalized_mutual_info_score(y, labels):.3f}")
        print(name, seed, " | ".join(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

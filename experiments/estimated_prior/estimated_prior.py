"""Question: does a prior estimated without labels keep imbalanced clusters?

Hard regularisation prefers batches spread evenly over the clusters unless
``prior`` says otherwise; on imbalanced data (the suite's anisotropic blobs,
sizes 10:1) the defaults split the largest cluster. Here the prior is the
cluster proportions of ``KMeans(n_init=10)`` on the same input (no label
read), passed as ``prior=``, against the defaults, over the suite's quick
data sets (seeds 0-1). Writes the runs in the benchmark's JSON layout, so
``experiments/representation/lodo.py`` can compare it with the defaults.

Run: ``python experiments/estimated_prior/estimated_prior.py --json runs.json``.
"""

import argparse
import json
import sys
import warnings

import numpy as np
import torch
from sklearn.cluster import KMeans

from hardclust import OnlineHardClustering
from hardclust import __version__ as hardclust_version
from hardclust.benchmark import DATASETS
from hardclust.metrics import clustering_report

SETS = ["iris", "wine", "breast-cancer", "digits", "digits-images", "blobs-aniso",
        "moons-10d", "basic-motions"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    runs = []
    for name in SETS:
        X, X_flat, y = DATASETS[name]()
        k = len(np.unique(y))
        for seed in args.seeds:
            sizes = np.bincount(KMeans(k, n_init=10, random_state=seed).fit(X_flat).labels_,
                                minlength=k)
            prior = np.maximum(sizes, 1) / max(sizes.sum(), 1)
            model = OnlineHardClustering(k, prior=prior, random_state=seed).fit(X)
            report = clustering_report(y, model.labels_)
            runs.append({"dataset": name, "method": "hard", "seed": seed,
                         "prior": prior.round(4).tolist(), **report})
            print(name, seed, {key: round(float(v), 3) for key, v in report.items()
                               if key in ("ACC", "NMI")}, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"question": __doc__.splitlines()[0], "command": " ".join(sys.argv),
                       "arguments": vars(args),
                       "environment": {"torch": torch.__version__, "hardclust": hardclust_version},
                       "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()

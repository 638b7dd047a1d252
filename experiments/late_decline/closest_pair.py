"""How close do two centroids come at the end of a default fit, per suite set?

Fits the defaults (only ``n_clusters`` and ``random_state`` set) on each
data set of the development suite and reads the smallest and the mean
squared distance between two centroids, over ``sigma_``, from
``cluster_centers_``; also whether ``fit`` raised the merged-centroids
``ClusterCollapseWarning``::

    python experiments/late_decline/closest_pair.py --seeds 3 \\
        [--datasets iris wine ...] --json out.json
"""

import pathlib
import sys
import warnings

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import dump, suite_fits, suite_parser  # noqa: E402
from curves import centroid_gaps  # noqa: E402

from hardclust import ClusterCollapseWarning, OnlineHardClustering  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402


def main(argv=None):
    p = suite_parser(__doc__, seeds=3)
    args = p.parse_args(argv)
    runs = []
    for name, X, y, k, seed in suite_fits(args.datasets, args.seeds):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = OnlineHardClustering(k, random_state=seed).fit(X)
        smallest, mean = centroid_gaps(model.cluster_centers_, model.sigma_)
        merged = any(issubclass(w.category, ClusterCollapseWarning)
                     and "merged" in str(w.message) for w in caught)
        report = clustering_report(y, model.labels_)
        runs.append({"dataset": name, "seed": seed, "ACC": float(report["ACC"]),
                     "NMI": float(report["NMI"]), "smallest_gap": smallest,
                     "mean_gap": mean, "merge_warning": merged})
        print(f"{name:15s} seed {seed}  ACC {report['ACC']:.3f}  gaps/sigma: smallest "
              f"{smallest:.3f} mean {mean:.2f}  warned {merged}", flush=True)
    dump(args, __doc__, __file__, argv, runs)
    return runs


if __name__ == "__main__":
    main()

"""Quick start: cluster scikit-learn's digits, compare with k-means.

Run with ``make demo`` (or ``python examples/quickstart.py``). Prints ACC,
NMI and ARI of OnlineHardClustering and of k-means on the same pixels.
"""

import argparse
import time

from sklearn.cluster import KMeans

from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits
from hardclust.metrics import clustering_report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="random_state of both models")
    parser.add_argument("--smoke", action="store_true",
                        help="a few epochs only (for the test suite)")
    args = parser.parse_args(argv)

    X, y = load_digits()  # (1797, 64), pixels scaled to [0, 1]
    rows = []

    model = OnlineHardClustering(n_clusters=10, random_state=args.seed)
    if args.smoke:
        model.set_params(max_epochs=2)
    start = time.perf_counter()
    labels = model.fit_predict(X)
    rows.append(("hardclust", clustering_report(y, labels), time.perf_counter() - start))

    start = time.perf_counter()
    labels = KMeans(n_clusters=10, n_init=10, random_state=args.seed).fit_predict(X)
    rows.append(("k-means", clustering_report(y, labels), time.perf_counter() - start))

    print(f"digits: {len(X)} samples, {X.shape[1]} features, 10 classes\n")
    print(f"{'method':<10} {'ACC':>6} {'NMI':>6} {'ARI':>6} {'fit s':>6}")
    for name, report, seconds in rows:
        print(f"{name:<10} {report['ACC']:6.3f} {report['NMI']:6.3f} "
              f"{report['ARI']:6.3f} {seconds:6.1f}")
    return rows


if __name__ == "__main__":
    main()

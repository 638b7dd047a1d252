"""Streaming: train with partial_fit on chunks, watch quality per chunk.

Data arrives in chunks (here: digits, shuffled, 10 chunks per pass); each
``partial_fit`` call makes one pass over its chunk. After every chunk the
model is scored on all the data seen so far (labels are used only to print
the metrics, never to train)::

    python examples/streaming.py [--passes 8] [--smoke]
"""

import argparse

import numpy as np

from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits
from hardclust.metrics import clustering_report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=8, help="passes over the stream")
    parser.add_argument("--smoke", action="store_true", help="one pass (for the tests)")
    args = parser.parse_args(argv)
    passes = 1 if args.smoke else args.passes

    X, y = load_digits()
    rng = np.random.RandomState(0)
    model = OnlineHardClustering(n_clusters=10, random_state=0)
    print(f"{'pass':>4} {'chunk':>5} {'seen':>5} {'ACC':>6} {'NMI':>6}")
    report = None
    for p in range(passes):
        order = rng.permutation(len(X))
        for c, rows in enumerate(np.array_split(order, 10)):
            model.partial_fit(X[rows])
            if c % 5 == 4:
                report = clustering_report(y, model.predict(X))
                print(f"{p + 1:4d} {c + 1:5d} {model.n_iter_:5d} "
                      f"{report['ACC']:6.3f} {report['NMI']:6.3f}")
    return report


if __name__ == "__main__":
    main()

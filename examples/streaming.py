"""Streaming: train with partial_fit on chunks, change settings between them,
and follow a stream whose clusters move.

1. Digits arrive in shuffled chunks; each ``partial_fit`` call makes one pass
   over its chunk, and quality on all the data is printed as the stream goes
   (labels are read only to print the metrics, never to train). After the
   first pass the learning rate is lowered with ``set_params``: ``partial_fit``
   reads it at the next call.
2. A parameter fixed when the model started (here ``n_clusters``) cannot
   change between calls: ``partial_fit`` refuses it with a ``ValueError``
   that names the fix, and the model is left as it was.
3. Eight Gaussian blobs jump to new places halfway through a stream.
   ``drift_threshold=4`` notices the jump in the first chunk after it and
   places the centroids anew; without it the model catches up more slowly::

    python examples/streaming.py [--passes 3] [--smoke]

A few passes over the digits stay below ``fit`` (63 passes on digits); more
passes close the gap.
"""

import argparse
import warnings

import numpy as np
from sklearn.metrics import adjusted_rand_score

from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits
from hardclust.metrics import clustering_report


def digits_stream(passes):
    """Chunks of digits, with the learning rate lowered after the first pass."""
    X, y = load_digits()
    rng = np.random.RandomState(0)
    model = OnlineHardClustering(n_clusters=10, random_state=0)
    print(f"{'pass':>4} {'chunk':>5} {'lr':>7} {'ACC':>6} {'NMI':>6}")
    report = None
    for p in range(passes):
        if p == 1:
            # read at the next call: Adam keeps its moments, only the rate changes
            model.set_params(lr=model.lr_ / 3)
        order = rng.permutation(len(X))
        for c, rows in enumerate(np.array_split(order, 5)):  # chunks of about 360
            model.partial_fit(X[rows])
            if c % 5 == 4:
                report = clustering_report(y, model.predict(X))
                print(f"{p + 1:4d} {c + 1:5d} {model.lr_:7.1e} "
                      f"{report['ACC']:6.3f} {report['NMI']:6.3f}")

    # A parameter the model was built with cannot change between calls.
    model.set_params(n_clusters=12)
    try:
        model.partial_fit(X[:200])
    except ValueError as exc:
        print(f"\nrefused: {exc}")
    model.set_params(n_clusters=10)  # set it back, and the stream goes on
    return model, report


def blobs(centers, n, rng):
    labels = rng.randint(len(centers), size=n)
    return centers[labels] + rng.normal(size=(n, centers.shape[1])), labels


def jumping_blobs(before, after, chunk=1000):
    """ARI on the new blobs after each chunk that follows the jump."""
    rng = np.random.RandomState(0)
    old, new = rng.uniform(-10, 10, (2, 8, 16))  # 8 blob centres in 16 dimensions
    plan = [old] * before + [new] * after
    chunks = [blobs(centers, chunk, rng)[0] for centers in plan]
    X_eval, y_eval = blobs(new, 2000, rng)
    curves = {}
    for threshold in (None, 4):
        model = OnlineHardClustering(n_clusters=8, drift_threshold=threshold, random_state=0)
        curve = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a cluster left empty by the jump warns
            for i, X in enumerate(chunks):
                model.partial_fit(X)
                if i >= before:
                    curve.append(adjusted_rand_score(y_eval, model.predict(X_eval)))
        curves[threshold] = curve
        print(f"drift_threshold={threshold!s:>4}: ARI "
              + " ".join(f"{a:.2f}" for a in curve)
              + f"  (drift resets {model.n_drift_resets_}, "
              f"centroids reassigned {model.n_reassigned_})")
    return curves


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3, help="passes over the digits")
    parser.add_argument("--smoke", action="store_true", help="a short run (for the tests)")
    args = parser.parse_args(argv)
    passes = 2 if args.smoke else args.passes

    print("Digits in chunks:")
    _, report = digits_stream(passes)

    before, after = (2, 1) if args.smoke else (6, 4)
    print(f"\nBlobs that jump after {before} chunks; ARI on the new blobs after "
          f"each of the {after} chunks that follow:")
    jumping_blobs(before, after)
    return report


if __name__ == "__main__":
    main()

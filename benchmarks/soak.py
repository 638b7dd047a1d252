"""Soak: a long partial_fit stream with interleaved predict and reloads.

Feeds ``--chunks`` chunks of blob data to two models with the same seed: one
uninterrupted, one that also calls ``predict`` after every chunk and is
pickled and reloaded every ``--reload-every`` chunks. Prints whether both end
bit-identical, and peak memory::

    python benchmarks/soak.py [--chunks 2000] [--chunk 512] [--json out.json]

The test suite runs the same scenario in a reduced form
(tests/test_persistence.py::test_soak_stream_with_predict_and_reload_...).
"""

import pickle
import resource
import time
import warnings

import numpy as np

from _common import dump, parser, table
from hardclust import OnlineHardClustering


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--chunks", type=int, default=2000)
    p.add_argument("--chunk", type=int, default=512)
    p.add_argument("--reload-every", type=int, default=50)
    args = p.parse_args(argv)

    rng = np.random.default_rng(0)
    centers = rng.normal(0, 3, size=(8, 32)).astype(np.float32)
    straight = OnlineHardClustering(n_clusters=8, random_state=0)
    soaked = OnlineHardClustering(n_clusters=8, random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(args.chunks):
            X = centers[rng.integers(0, 8, args.chunk)] + rng.normal(
                size=(args.chunk, 32)).astype(np.float32)
            straight.partial_fit(X)
            soaked.partial_fit(X)
            soaked.predict(X)
            if (i + 1) % args.reload_every == 0:
                soaked = pickle.loads(pickle.dumps(soaked))
    seconds = time.perf_counter() - start
    identical = bool(
        np.array_equal(straight.cluster_centers_, soaked.cluster_centers_)
        and np.array_equal(straight.transform(X), soaked.transform(X))
        and straight.n_iter_ == soaked.n_iter_
    )
    rows = [{"chunks": args.chunks, "chunk": args.chunk, "reloads": args.chunks // args.reload_every,
             "seconds": seconds, "identical": identical,
             "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}]
    table(rows, list(rows[0]))
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

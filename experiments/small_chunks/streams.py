"""Question: in a stream of small chunks, do neighbour pairs help, and how long does a cluster stay empty by chance?

Each run streams a data set through ``partial_fit`` in shuffled chunks
(``--passes`` passes, a new order each pass; the first chunk may be
larger, ``--first``) with hardclust's defaults plus the given parameters,
and records, per call, the nearest-centroid counts of the call's training
pass (``history_[-1]["cluster_sizes"]``), which clusters the chunk's
``labels_`` use, and the ``ClusterCollapseWarning`` messages; at the end,
ACC/NMI of ``predict`` on the whole set and the seconds spent in
``partial_fit``. Data: digits standardised (``load_digits()``), digits
divided by 16 (``digits16``), MNIST-5k flat (``mnist-5k``).

Run (the records of the README)::

    python experiments/small_chunks/streams.py --chunks 50 100 200 500 \\
        --configs n_neighbors=10 n_neighbors=0 --json experiments/small_chunks/digits_pairs.json
    python experiments/small_chunks/streams.py --chunks 50 --data digits16 --first 500 \\
        --configs auto objective=none objective=none,reassignment_ratio=0 \\
        --json experiments/small_chunks/digits16_collapse.json
"""

import pathlib
import sys
import time
import warnings

import numpy as np
import torch

from hardclust import ClusterCollapseWarning, OnlineHardClustering
from hardclust.datasets import load_digits, load_mnist_5k
from hardclust.metrics import clustering_report

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser  # noqa: E402


def data(name):
    if name == "digits":
        return load_digits()
    if name == "digits16":
        from sklearn.datasets import load_digits as raw

        X, y = raw(return_X_y=True)
        return (X / 16).astype(np.float32), y
    X, y = load_mnist_5k()
    return X.reshape(len(X), -1), y


def parse(config):
    """'auto' -> {}; 'a=1,b=x' -> {"a": 1, "b": "x"}."""
    params = {}
    for item in ([] if config == "auto" else config.split(",")):
        key, value = item.split("=")
        try:
            params[key] = int(value)
        except ValueError:
            params[key] = value
    return params


def stream(X, y, seed, chunk, first, passes, params):
    rng = np.random.RandomState(seed)
    model = OnlineHardClustering(len(np.unique(y)), random_state=seed, **params)
    calls, seconds = [], 0.0
    for _ in range(passes):
        order = rng.permutation(len(X))
        head = (first or chunk) if not calls else chunk  # the first chunk of the stream
        bounds = [0, *range(head, len(X), chunk), len(X)]
        for start, stop in zip(bounds[:-1], bounds[1:]):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                began = time.perf_counter()
                model.partial_fit(X[order[start:stop]])
                seconds += time.perf_counter() - began
            calls.append({
                "rows": int(stop - start),
                "pass_sizes": [int(s) for s in model.history_[-1]["cluster_sizes"]],
                "labels_used": np.unique(model.labels_).tolist(),
                "collapse_warnings": [str(w.message) for w in caught
                                      if issubclass(w.category, ClusterCollapseWarning)],
            })
    report = clustering_report(y, model.predict(X))
    return {"acc": report["ACC"], "nmi": report["NMI"], "seconds": seconds,
            "n_neighbors_": model.n_neighbors_, "calls": calls}


def main():
    p = parser(__doc__)
    p.add_argument("--data", default="digits", choices=["digits", "digits16", "mnist-5k"])
    p.add_argument("--chunks", type=int, nargs="+", default=[50])
    p.add_argument("--first", type=int, default=None, help="rows of the first chunk")
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--configs", nargs="+", default=["auto"],
                   help="'auto' (the defaults) or name=value[,name=value]")
    args = p.parse_args()
    torch.set_num_threads(1)
    X, y = data(args.data)
    runs = []
    for chunk in args.chunks:
        for config in args.configs:
            for seed in args.seeds:
                run = {"data": args.data, "chunk": chunk, "first": args.first, "config": config,
                       "seed": seed, **stream(X, y, seed, chunk, args.first, args.passes,
                                              parse(config))}
                runs.append(run)
                print(f"{args.data} chunk {chunk} {config:<16} seed {seed}: ACC {run['acc']:.3f} "
                      f"NMI {run['nmi']:.3f} {run['seconds']:.1f} s, "
                      f"{sum(bool(c['collapse_warnings']) for c in run['calls'])} of "
                      f"{len(run['calls'])} calls warned", flush=True)
    dump(args, __doc__, __file__, None, runs)


if __name__ == "__main__":
    main()

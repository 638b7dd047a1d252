"""Latency of predict_proba on a few rows, first call and later calls.

``predict_proba`` averages the model's posterior with an input-space view
(a Gaussian per cluster with one shared, Ledoit-Wolf-shrunk covariance).
Whitening by that covariance is derived from sums kept at fit time; the
first call derives it and later calls of the same fitted state reuse it.
A model is fitted on ``--n`` Fashion-MNIST images (784 values) or on the
digits (64 values); then, per repeat, a fresh unpickled copy answers
``predict_proba`` on 10 rows once (the first call), then 20 more times,
and ``predict`` 20 times (the median of each 20). Medians over the
repeats::

    python benchmarks/bench_proba_latency.py [--repeats 7] [--n 5000] [--json out.json]
"""

import pickle
import time
import warnings

import numpy as np

from _common import datasets, dump, parser, table
from hardclust import OnlineHardClustering


def _ms(call, *args):
    start = time.perf_counter()
    call(*args)
    return 1e3 * (time.perf_counter() - start)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--n", type=int, default=5000)
    args = p.parse_args(argv)
    rows = []
    for name, X, encoder in datasets(args.n):
        if encoder != "auto":
            continue  # the view does not depend on the encoder
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = OnlineHardClustering(10, max_epochs=1, random_state=0).fit(X)
        saved, few = pickle.dumps(model), X[:10]
        times = {"predict_proba, first call": [], "predict_proba, later calls": [],
                 "predict": []}
        for _ in range(args.repeats):
            fresh = pickle.loads(saved)  # as a model loaded in a new session
            times["predict_proba, first call"].append(_ms(fresh.predict_proba, few))
            times["predict_proba, later calls"].append(
                np.median([_ms(fresh.predict_proba, few) for _ in range(20)]))
            times["predict"].append(np.median([_ms(fresh.predict, few) for _ in range(20)]))
        for call, values in times.items():
            rows.append({"data": name, "call": call, "ms": float(np.median(values))})
    table(rows, ["data", "call", "ms"])
    dump(args.json, rows)


if __name__ == "__main__":
    main()

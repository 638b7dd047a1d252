"""What one ``partial_fit`` call spends besides its training pass.

A model is started on the digits (1,797 rows, 64 values, the default MLP;
single samples, ``n_neighbors=0``) and then fed chunks of ``--chunk`` rows.
Per call, medians over ``--calls`` calls, in ms:

- ``partial_fit``: the whole call;
- ``training pass``: the call's one epoch alone (``ClusterNet.train_epochs``);
- ``snapshot``: the copy taken for rollback (``ClusterNet.snapshot``), and
  the deep copy of the module's and optimizer's state dicts it replaced;
- ``labels``: the nearest centroid of the chunk (``labels_``);
- ``input view``: the per-cluster sums kept for ``predict_proba``.

::

    python benchmarks/bench_partial_fit.py --chunk 1000 --calls 20 --json partial_fit.json
"""

import copy
import time
import warnings

import numpy as np
import torch

from _common import dump, parser, table
from hardclust import OnlineHardClustering
from hardclust._inference import input_view_sums
from hardclust.datasets import load_digits


def ms(fn, calls):
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--chunk", type=int, default=1000)
    p.add_argument("--calls", type=int, default=20)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    X = load_digits()[0]
    chunk = X[:args.chunk]
    model = OnlineHardClustering(n_clusters=10, n_neighbors=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.partial_fit(chunk)
        net = model._net
        tensor = model._validate_X(chunk, reset=False)
        labels = model._infer(tensor, "labels").numpy()
        rows = [
            ("partial_fit", ms(lambda: model.partial_fit(chunk), args.calls)),
            ("training pass", ms(lambda: net.train_epochs(tensor, 1, 0), args.calls)),
            ("snapshot", ms(net.snapshot, args.calls)),
            ("snapshot by deep copy (before)",
             ms(lambda: (copy.deepcopy(net.module_.state_dict()),
                         copy.deepcopy(net.optimizer_.state_dict())), args.calls)),
            ("labels", ms(lambda: model._infer(tensor, "labels"), args.calls)),
            ("input view", ms(lambda: input_view_sums(tensor.reshape(len(tensor), -1), labels,
                                                      10, None), args.calls)),
        ]
    rows = [{"chunk": args.chunk, "part": part, "ms": value} for part, value in rows]
    table(rows, ["chunk", "part", "ms"])
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

"""Inference throughput: predict and transform against a bare forward pass.

The bare pass runs the fitted encoder over the same data under
``torch.no_grad()``, in the chunk size that is fastest for that encoder on
this machine (powers of two from 64 to 4096 rows, found in a first round):
the encoder's own best, not hardclust's choice of chunks.
``predict``/``transform`` add input validation, their own chunking, the
(n, K) distances and the argmin. Rounds alternate the three calls; each
one's best round is kept::

    python benchmarks/bench_inference.py [--json out.json]
"""

import timeit
import warnings

import numpy as np
import torch

from _common import datasets, dump, parser, table
from hardclust import OnlineHardClustering


CHUNKS = [64, 128, 256, 512, 1024, 2048, 4096]


def our_chunk(model, X):
    """The rows per encoder call hardclust uses for inference:
    ``batch_size``, or ``min(V // values_per_sample, 4096)`` when that is
    more, with ``V = 2**22`` for the MLP and ``2**17`` for other encoders."""
    values = int(np.prod(np.shape(X)[1:]))
    budget = 2**22 if type(model.encoder_).__name__ == "MLPEncoder" else 2**17
    return max(model.batch_size, min(budget // values, 4096))


def bare_forward(model, X, chunk):
    X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    encoder = model.encoder_.eval()
    with torch.no_grad():
        # on the CPU, as predict/transform return their results
        return torch.cat([encoder(part.to(model.device_)) for part in X.split(chunk)]).cpu()


def fastest_chunk(model, X):
    """The chunk size at which the bare pass runs fastest (best of 3 calls)."""
    times = {c: min(timeit.repeat(lambda: bare_forward(model, X, c), number=1, repeat=3))
             for c in CHUNKS}
    return min(times, key=times.get)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    rows = []
    for name, X, encoder in datasets():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = OnlineHardClustering(n_clusters=10, encoder=encoder, max_epochs=1,
                                         random_state=0).fit(X)
        chunk = fastest_chunk(model, X)
        calls = {"bare": lambda: bare_forward(model, X, chunk),
                 "transform": lambda: model.transform(X),
                 "predict": lambda: model.predict(X)}
        # Alternate the three calls round by round, so that all see the same
        # machine state; keep each one's best round.
        # Each round repeats a call for about 0.2 s, so millisecond-scale
        # calls are not timed one by one.
        number = max(1, int(0.2 / timeit.timeit(calls["bare"], number=1)))
        best = {k: float("inf") for k in calls}
        for _ in range(args.repeats):
            for k, f in calls.items():
                best[k] = min(best[k], timeit.timeit(f, number=number) / number)
        for method in ("transform", "predict"):
            rows.append({"data": name, "method": method, "bare_chunk": chunk,
                         "our_chunk": our_chunk(model, X),
                         "bare_per_s": len(X) / best["bare"],
                         "method_per_s": len(X) / best[method],
                         "relative": best["bare"] / best[method]})
    table(rows, ["data", "method", "bare_chunk", "our_chunk", "bare_per_s", "method_per_s",
                 "relative"])
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

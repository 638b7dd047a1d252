"""How fast ``partial_fit`` follows a stream whose clusters move.

Two streams of chunks of 2,000 points in 16 dimensions, 8 Gaussian blobs
(unit variance, centres drawn uniformly in [-10, 10]^16):

- **jump**: 20 chunks from one set of blobs, then chunks from 8 *other*
  blobs (new centres); ARI on a fresh sample of the new distribution
  after each of the 10 chunks that follow the move.
- **gradual**: the centres glide in a straight line to the new centres
  over 20 chunks; ARI on a fresh sample of each chunk's distribution.
- **stationary**: 30 chunks from one set of blobs (the control: an option
  for drift must not lose anything here).
- **digits** and **fashion-mnist**: real stationary streams, shuffled
  once (digits: 5 passes in chunks of 256; Fashion-MNIST: one pass over
  70,000 images in chunks of 2,000); ACC of the final model on all of it,
  and how often the drift options acted.

Run: ``python benchmarks/bench_drift.py --seeds 0 1 2 [--param name=value]``
(``--json PATH`` writes the per-seed curves).
"""

import argparse
import ast
import json
import time
import warnings

import numpy as np
import torch
from sklearn.metrics import adjusted_rand_score

from hardclust import OnlineHardClustering

N_CLUSTERS, N_FEATURES, CHUNK = 8, 16, 2000


def _sample(centers, n, rng):
    labels = rng.randint(len(centers), size=n)
    return (centers[labels] + rng.normal(size=(n, centers.shape[1]))).astype(np.float32), labels


def run(stream, seed, params):
    rng = np.random.RandomState(seed)
    old = rng.uniform(-10, 10, (N_CLUSTERS, N_FEATURES))
    new = rng.uniform(-10, 10, (N_CLUSTERS, N_FEATURES))
    model = OnlineHardClustering(N_CLUSTERS, random_state=seed, **params)
    if stream == "stationary":
        plan = [old] * 30
    elif stream == "jump":
        plan = [old] * 20 + [new] * 10
    else:
        plan = [old] * 10 + [old + (new - old) * t / 20 for t in range(1, 21)]
    curve = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, centers in enumerate(plan):
            model.partial_fit(_sample(centers, CHUNK, rng)[0])
            if stream != "jump" or i >= 20:
                X_eval, y_eval = _sample(centers, 4000, rng)
                curve.append(adjusted_rand_score(y_eval, model.predict(X_eval)))
    return curve


def run_real(name, seed, params):
    from hardclust.datasets import load_digits, load_fashion_mnist
    from hardclust.metrics import cluster_accuracy

    X, y = load_digits() if name == "digits" else load_fashion_mnist()
    order = np.random.RandomState(seed).permutation(len(X))
    passes, chunk = (5, 256) if name == "digits" else (1, 2000)
    model = OnlineHardClustering(10, random_state=seed, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(passes):
            for start in range(0, len(X), chunk):
                model.partial_fit(X[order[start:start + chunk]])
    return [cluster_accuracy(y, model.predict(X)), model.n_reassigned_, model.n_drift_resets_]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--streams", nargs="+", default=["jump", "gradual", "stationary"])
    parser.add_argument("--param", action="append", default=[],
                        help="estimator parameter NAME=VALUE (Python literal)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    params = {}
    for item in args.param:
        name, value = item.split("=", 1)
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value
    record = {"params": params, "seeds": args.seeds, "streams": {}}
    for stream in args.streams:
        start = time.perf_counter()
        if stream in ("digits", "fashion-mnist"):
            runs = [run_real(stream, seed, params) for seed in args.seeds]
            record["streams"][stream] = {"acc_reassigned_resets": runs,
                                         "seconds": time.perf_counter() - start}
            print(f"{stream:>10}: ACC " + " ".join(f"{r[0]:.3f}" for r in runs)
                  + f"; centroids reassigned {sum(r[1] for r in runs)}, drift "
                  f"resets {sum(r[2] for r in runs)} over {len(runs)} seeds", flush=True)
            continue
        curves = [run(stream, seed, params) for seed in args.seeds]
        final = [c[-1] for c in curves]
        record["streams"][stream] = {"curves": curves, "final_ari": final,
                                     "seconds": time.perf_counter() - start}
        after = "after 10 chunks of the new blobs" if stream == "jump" else "at the end"
        mean_curve = np.mean(curves, axis=0)
        print(f"{stream:>10}: ARI {after}: mean {np.mean(final):.3f}, worst "
              f"{np.min(final):.3f}; mean curve "
              + " ".join(f"{a:.2f}" for a in mean_curve[:: max(1, len(mean_curve) // 10)]),
              flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)


if __name__ == "__main__":
    main()

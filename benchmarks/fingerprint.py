"""Fixed-seed fingerprint of the estimator's outputs, to check that a change
which only moves code leaves every number as it was.

Fits a handful of configurations that together cover the start, the
neighbour pairs, the objectives, resets, reconstruction, the warm start,
``n_init``, a ``partial_fit`` stream, a prior and images, and prints one
SHA-256 per configuration of its labels, centroids, embedding,
probabilities and step count::

    python benchmarks/fingerprint.py --json before.json
    # ... move code ...
    python benchmarks/fingerprint.py --compare before.json

``--compare`` exits 1 and names the configurations that differ. Runs on one
thread so that the figures do not depend on the machine's load.
"""

import argparse
import hashlib
import json
import sys
import warnings

import numpy as np
import torch

from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits


def _configs():
    X, _ = load_digits()
    X = X[:600]
    rng = np.random.RandomState(0)
    blobs = np.vstack([rng.normal(c, 1.0, (80, 6)) for c in (-4, 0, 4)]).astype(np.float32)
    return {
        "digits-defaults": (X, dict(n_clusters=10)),
        "digits-single": (X, dict(n_clusters=10, n_neighbors=0)),
        "digits-n_init": (X, dict(n_clusters=10, n_init=2, max_epochs=3)),
        "digits-sinkhorn-random": (X, dict(n_clusters=10, objective="sinkhorn", init="random",
                                           max_epochs=3)),
        "digits-resets": (X, dict(n_clusters=10, reset_interval=2, max_epochs=5)),
        "digits-reconstruction": (X, dict(n_clusters=10, reconstruction=0.5, max_epochs=3)),
        "digits-pretrain": (X, dict(n_clusters=10, pretrain_epochs=2, max_epochs=3)),
        "digits-images-conv2d": (X.reshape(-1, 1, 8, 8), dict(n_clusters=10, encoder="conv2d",
                                                              max_epochs=2)),
        "blobs-prior": (blobs, dict(n_clusters=3, prior=[0.5, 0.3, 0.2])),
        "blobs-entropy": (blobs, dict(n_clusters=3, objective="entropy", max_epochs=5)),
        "digits-stream": (X, dict(n_clusters=10, drift_threshold=4.0)),
    }


def _digest(model, X):
    h = hashlib.sha256()
    for array in (model.predict(X), model.cluster_centers_, model.transform(X),
                  model.predict_proba(X)):
        h.update(np.ascontiguousarray(array).tobytes())
    h.update(str(model.n_steps_).encode())
    return h.hexdigest()[:16]


def fingerprints():
    out = {}
    for name, (X, params) in _configs().items():
        model = OnlineHardClustering(random_state=0, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if name.endswith("stream"):
                for chunk in np.array_split(X, 4):
                    model.partial_fit(chunk)
            else:
                model.fit(X)
        out[name] = _digest(model, X)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the fingerprints to this file")
    p.add_argument("--compare", help="compare with fingerprints written by --json")
    args = p.parse_args()
    torch.set_num_threads(1)
    prints = fingerprints()
    for name, digest in prints.items():
        print(f"{name:<24} {digest}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(prints, f, indent=1)
    if args.compare:
        with open(args.compare) as f:
            before = json.load(f)
        differ = [n for n in before if before[n] != prints.get(n)]
        print("identical" if not differ else f"DIFFERENT: {', '.join(differ)}")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()

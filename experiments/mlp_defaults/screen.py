"""Screen candidate defaults of the MLP path across the development suite.

Now that ``encoder="auto"`` is the MLP for every input, its settings (chosen
on flat digits in 0.1 and on Fashion-MNIST's CNN in 0.2) decide every data
set of the suite. Each candidate is the defaults with one change; the runs
are written in the benchmark's JSON format, one file per candidate, for
``experiments/representation/lodo.py``.

Run (from the repository root)::

    python experiments/mlp_defaults/screen.py --candidate steps2x --seeds 3 \
        --json experiments/mlp_defaults/steps2x.json

Public API only; labels are read only to score.
"""

import functools
import json
import pathlib
import sys
import time
import warnings

import numpy as np
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from hardclust import OnlineHardClustering
from hardclust.benchmark.harness import auto_epochs
from hardclust.encoders import MLPEncoder
from hardclust.metrics import clustering_report

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "late_decline")]
from _common import suite_fits, suite_parser  # noqa: E402
from scale_norm import scale_norm_mlp  # noqa: E402


def _cosine(n, **steps):
    """Cosine annealing to zero over the fit's own steps (a skorch
    ``LRScheduler`` through ``callbacks``, as a user would pass it)."""
    epochs = auto_epochs(n, **steps)
    total = epochs * -(-n // 256)
    return {"max_epochs": epochs, "callbacks": [("lr_schedule", LRScheduler(
        policy=CosineAnnealingLR, T_max=total, step_every="batch"))]}


#: name -> (n_samples -> extra parameters)
CANDIDATES = {
    "default": lambda n: {},
    "latent256": lambda n: {"latent_dim": 256},
    "latent64": lambda n: {"latent_dim": 64},
    "steps2x": lambda n: {"max_epochs": auto_epochs(n, min_epochs=20, min_steps=1000)},
    "steps_half": lambda n: {"max_epochs": auto_epochs(n, min_epochs=5, min_steps=250)},
    "wide": lambda n: {"encoder": functools.partial(MLPEncoder, hidden=(512, 512))},
    "batch512": lambda n: {"batch_size": 512},
    "lr3e-4": lambda n: {"lr": 3e-4},
    "cosine": lambda n: _cosine(n),
    "cosine_steps2x": lambda n: _cosine(n, min_epochs=20, min_steps=1000),
    # ../late_decline/: the MLP with its output's overall scale fixed
    "scale_norm": lambda n: {"encoder": scale_norm_mlp},
}


def main(argv):
    p = suite_parser(__doc__, seeds=3)
    p.add_argument("--candidate", choices=sorted(CANDIDATES), required=True)
    args = p.parse_args(argv)
    runs = []
    for name, X, y, k, seed in suite_fits(args.datasets, args.seeds):
        params = CANDIDATES[args.candidate](len(X))
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = OnlineHardClustering(k, random_state=seed, **params).fit(X).labels_
        report = {key: float(v) for key, v in clustering_report(y, labels).items()}
        runs.append({"dataset": name, "method": "hardclust", "candidate": args.candidate,
                     "seed": seed, **report, "empty": int(k - len(np.unique(labels))),
                     "fit_s": time.perf_counter() - start})
        print(json.dumps(runs[-1]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"argv": sys.argv, "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])

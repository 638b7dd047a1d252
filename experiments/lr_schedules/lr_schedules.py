"""Learning-rate schedules: the same seeds with and without.

Each schedule is a skorch ``LRScheduler`` callback passed through the
estimator's ``callbacks`` (so a user can do the same); everything else is
the default fit of all 70,000 Fashion-MNIST images (10 epochs) or of
digits (``--data digits``, the default number of epochs). Labels are read
only to score the final model::

    python benchmarks/lr_schedules.py [--data fashion-mnist] \\
        [--schedules constant cosine warmup] [--seeds 6] [--epochs 10] [--json out.json]

``constant`` is the default (no schedule). ``cosine`` anneals the rate to
zero over all training steps (``CosineAnnealingLR``, stepped per batch);
``warmup`` raises it linearly from a tenth over the first 100 steps
(``LinearLR``), then keeps it, in case the first steps, which decide much
of the partition (docs/results.md), undo the k-means start.
"""

import time
import warnings

import numpy as np
import torch
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR

from _common import dump, parser, table
from hardclust import OnlineHardClustering
from hardclust._net import ShuffledBatches, TensorDataset
from hardclust.datasets import load_digits, load_fashion_mnist
from hardclust.metrics import clustering_report


def schedule(name, steps):
    """The callbacks for schedule ``name`` over ``steps`` training steps."""
    if name == "constant":
        return None
    if name == "cosine":
        policy = dict(policy=CosineAnnealingLR, T_max=steps)
    elif name == "warmup":
        policy = dict(policy=LinearLR, start_factor=0.1, total_iters=100)
    else:
        raise ValueError(f"unknown schedule {name!r}")
    return [("lr_schedule", LRScheduler(step_every="batch", **policy))]


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--schedules", nargs="+", default=["constant", "cosine", "warmup"],
                   choices=["constant", "cosine", "warmup"])
    p.add_argument("--data", choices=["fashion-mnist", "digits"], default="fashion-mnist")
    p.add_argument("--seeds", type=int, default=6)
    p.add_argument("--epochs", type=int, default=None,
                   help="default: 10 on Fashion-MNIST, the estimator's default on digits")
    args = p.parse_args(argv)
    X, y = load_fashion_mnist() if args.data == "fashion-mnist" else load_digits()
    epochs = args.epochs or (10 if args.data == "fashion-mnist"
                             else OnlineHardClustering()._resolve_max_epochs(len(X)))
    # the estimator's batches (a last batch of one sample joins the one before)
    batches = ShuffledBatches(TensorDataset(torch.from_numpy(X)), OnlineHardClustering().batch_size)
    steps = epochs * len(batches)
    rows = []
    for name in args.schedules:
        for seed in range(args.seeds):
            start = time.perf_counter()
            model = OnlineHardClustering(n_clusters=10, max_epochs=epochs,
                                         callbacks=schedule(name, steps), random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X)
            rows.append({"schedule": name, "seed": seed, **clustering_report(y, model.labels_),
                         "fit_s": time.perf_counter() - start})
            print(rows[-1], flush=True)
    summary = [{"data": args.data, "schedule": name, "seeds": args.seeds,
                **{k: float(np.mean([r[k] for r in rows if r["schedule"] == name]))
                   for k in ("ACC", "NMI", "ARI")}}
               for name in args.schedules]
    table(summary, ["data", "schedule", "seeds", "ACC", "NMI", "ARI"])
    dump(args.json, {"summary": summary, "per_seed": rows})
    return summary


if __name__ == "__main__":
    main()

"""Does a learning-rate schedule beat the constant rate?

The same seeds with and without a schedule. Each schedule is a skorch
``LRScheduler`` callback passed through the estimator's ``callbacks`` (so a
user can do the same); everything else is the default fit of all 70,000
Fashion-MNIST images (10 epochs) or of digits (``--data digits``, the
default number of epochs, read from a default fit's ``max_epochs_``).
Labels are read only to score the final model::

    python experiments/lr_schedules/lr_schedules.py [--data fashion-mnist] \\
        [--schedules constant cosine warmup] [--seeds 6] [--epochs 10] [--json out.json]

``constant`` is the default (no schedule). ``cosine`` anneals the rate to
zero over all training steps (``CosineAnnealingLR``, stepped per batch);
``warmup`` raises it linearly from a tenth over the first 100 steps
(``LinearLR``), then keeps it, in case the first steps, which decide much
of the partition (experiments/early_signals), undo the k-means start.
"""

import pathlib
import sys
import time

from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, n_batches, parser, quietly, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.datasets import load_digits, load_fashion_mnist  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402


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
    epochs = args.epochs
    if epochs is None and args.data == "fashion-mnist":
        epochs = 10
    elif epochs is None:
        # what max_epochs="auto" resolves to on this data (one extra default fit)
        epochs = quietly(OnlineHardClustering(n_clusters=10, random_state=0).fit, X).max_epochs_
    batch_size = OnlineHardClustering().batch_size
    steps = epochs * n_batches(len(X), batch_size)
    runs = []
    for name in args.schedules:
        for seed in range(args.seeds):
            start = time.perf_counter()
            model = OnlineHardClustering(n_clusters=10, max_epochs=epochs,
                                         callbacks=schedule(name, steps), random_state=seed)
            quietly(model.fit, X)
            report = clustering_report(y, model.labels_)
            runs.append({"data": args.data, "schedule": name, "seed": seed,
                         **{k: float(v) for k, v in report.items()},
                         "fit_s": time.perf_counter() - start})
            print(runs[-1], flush=True)
    table(means(runs, "schedule"), ["schedule", "seeds", "ACC", "NMI", "ARI"])
    dump(args, __doc__, __file__, argv, runs)
    return runs


if __name__ == "__main__":
    main()

"""Does training's first optimisation step throw away the graph start, and does a warm-up of the rate keep it?

The graph start fits the model to its labels (``fit_to_labels``, its own
Adam), then training builds a fresh Adam. Adam's first steps, bias
corrected, move every weight by about ``lr`` whatever its gradient. For
each data set and seed this fits the default model for ``--epochs`` passes
(1: one step on the small sets), with and without a linear warm-up of the
rate over ``--warmup`` steps (skorch's ``LRScheduler`` through the public
``callbacks``), and records the start's labels (read from the graph start
as it runs), the share of the sample's rows the fitted start gave its label
(the model in evaluation mode), and the labels after the passes: their
ACC / NMI and their agreement with the start::

    python experiments/adam_warmup/first_step.py --datasets arrowhead acsf1 osuleaf \
        basic-motions digits mnist-5k penguins circles-10d --epochs 1 \
        --json experiments/adam_warmup/first_step.json
"""

import pathlib
import sys

import numpy as np
import torch
from skorch.callbacks import LRScheduler
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, quietly, suite_parser, suite_fits, table  # noqa: E402
from _start import watch_start  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402


class Warmup:
    """The rate's factor at step ``s``: linear from ``1 / steps`` to 1."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, step):
        return min(1.0, (step + 1) / self.steps)


def main(argv=None):
    p = suite_parser(__doc__, 3)
    p.add_argument("--epochs", default="1", help='passes of each fit (or "auto")')
    p.add_argument("--warmup", type=int, default=50, help="steps of the warm-up")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    epochs = args.epochs if args.epochs == "auto" else int(args.epochs)
    seen = {}
    watch_start(seen)
    runs = []
    for name, X, y, n_clusters, seed in suite_fits(args.datasets, args.seeds):
        for warm in (0, args.warmup):
            callbacks = [LRScheduler(policy=torch.optim.lr_scheduler.LambdaLR,
                                     lr_lambda=Warmup(warm), step_every="batch")] if warm else None
            model = OnlineHardClustering(n_clusters, max_epochs=epochs, callbacks=callbacks,
                                         random_state=seed)
            quietly(model.fit, X)
            start = seen["labels"]  # the sample is all of X up to 10,000 rows
            whole = len(start) == len(y)
            runs.append({
                "dataset": name, "seed": seed, "warmup": warm,
                "start_ACC": cluster_accuracy(y, start) if whole else None,
                "start_NMI": normalized_mutual_info_score(y, start) if whole else None,
                "fitted_agreement": seen["agreement"],
                "ACC": cluster_accuracy(y, model.labels_),
                "NMI": normalized_mutual_info_score(y, model.labels_),
                "agreement": float(np.mean(model.labels_ == start)) if whole else None})
            print(runs[-1], flush=True)
    table(means(runs, ("dataset", "warmup"),
                ("start_ACC", "fitted_agreement", "ACC", "NMI", "agreement")),
          ["dataset", "warmup", "seeds", "start_ACC", "fitted_agreement", "ACC", "NMI",
           "agreement"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

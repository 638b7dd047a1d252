"""Can the model learn the cluster proportions as it trains?

The batch assignment holds each batch to the ``prior`` proportions
(uniform by default), which splits big clusters of imbalanced data. In EM
for a mixture the proportions are re-estimated from the assignments; here,
after each epoch the prior moves a step of ``--rate`` towards the
proportions of the model's own ``predict`` on the data, never below
``--floor / n_clusters`` for any cluster. One ``fit`` epoch, then the rest
of the epochs of ``max_epochs="auto"`` as ``partial_fit`` passes over all
the data, the prior set between calls with ``set_params`` (the public API).

Run: ``python experiments/learned_prior/learned_prior.py --rate 0.1 --floor 0.5
--datasets penguins digits blobs-aniso --json runs.json``.
"""

import pathlib
import sys
import time

import numpy as np

from hardclust import OnlineHardClustering
from hardclust.metrics import clustering_report

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, quietly, suite_fits, suite_parser, table  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "sigma_schedule"))
from sigma_schedule import auto_epochs  # noqa: E402


def main(argv=None):
    p = suite_parser(__doc__, seeds=3)
    p.add_argument("--rate", type=float, default=0.1)
    p.add_argument("--floor", type=float, default=0.5)
    args = p.parse_args(argv)
    runs = []
    for name, X, y, k, seed in suite_fits(args.datasets, args.seeds):
        start = time.perf_counter()
        model = OnlineHardClustering(k, max_epochs=1, compute_labels=False,
                                     random_state=seed)
        quietly(model.fit, X)
        prior = np.full(k, 1 / k)
        for _ in range(1, auto_epochs(len(X))):
            found = np.bincount(model.predict(X), minlength=k) / len(X)
            prior = np.maximum((1 - args.rate) * prior + args.rate * found, args.floor / k)
            prior /= prior.sum()
            model.set_params(prior=prior)
            quietly(model.partial_fit, X)
        report = clustering_report(y, model.predict(X))
        runs.append({"dataset": name, "method": "hardclust", "seed": seed,
                     "rate": args.rate, "floor": args.floor, "prior": prior.round(4),
                     **{key: float(report[key]) for key in ("ACC", "NMI", "ARI")},
                     "fit_s": time.perf_counter() - start})
        print(name, seed, round(runs[-1]["ACC"], 3), round(runs[-1]["NMI"], 3), flush=True)
    table(means(runs, "dataset", ("ACC", "NMI")), ["dataset", "seeds", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

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

import numpy as np

from hardclust import OnlineHardClustering

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, fit_by_passes, means, suite_fits, suite_parser, table  # noqa: E402


def main(argv=None):
    p = suite_parser(__doc__, seeds=3)
    p.add_argument("--rate", type=float, default=0.1)
    p.add_argument("--floor", type=float, default=0.5)
    args = p.parse_args(argv)
    runs = []
    for name, X, y, k, seed in suite_fits(args.datasets, args.seeds):

        def learn_prior(model, epoch):
            found = np.bincount(model.predict(X), minlength=k) / len(X)
            prior = model.get_params()["prior"]
            prior = np.full(k, 1 / k) if prior is None else prior  # the default: uniform
            prior = (1 - args.rate) * prior + args.rate * found
            prior = np.maximum(prior, args.floor / k)
            model.set_params(prior=prior / prior.sum())

        model = OnlineHardClustering(k, max_epochs=1, compute_labels=False,
                                     random_state=seed)
        run = fit_by_passes(model, X, y, learn_prior, dataset=name, method="hardclust",
                            seed=seed, rate=args.rate, floor=args.floor)
        runs.append({**run, "prior": np.round(model.get_params()["prior"], 4)})
        print(name, seed, round(runs[-1]["ACC"], 3), round(runs[-1]["NMI"], 3), flush=True)
    table(means(runs, "dataset", ("ACC", "NMI")), ["dataset", "seeds", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

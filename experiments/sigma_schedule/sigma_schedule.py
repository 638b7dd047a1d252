"""Does moving sigma during training beat a constant one?

``sigma`` sets how much the batch assignment's count penalty weighs
against distances: a smaller one lets clusters keep unequal sizes (it lifts
the imbalanced penguins and Fashion-MNIST) and a larger one holds them to
the prior. A schedule could weigh the counts heavily while the partition
forms and let distances decide later, or the reverse. Each run fits one
epoch at ``--start``, then makes the rest of the epochs that
``max_epochs="auto"`` would make (at least 10 and 500 steps of 256) as
``partial_fit`` passes over all the data, with ``sigma`` moved linearly to
``--end`` by the last one (``set_params`` between calls: the public API).
``--start 200 --end 200`` is the constant default through the same loop.

Run: ``python experiments/sigma_schedule/sigma_schedule.py --start 200 --end 100
--datasets digits penguins --json runs.json``.
"""

import pathlib
import sys

from hardclust import OnlineHardClustering
from hardclust.benchmark.harness import auto_epochs

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, fit_by_passes, means, suite_fits, suite_parser, table  # noqa: E402


def main(argv=None):
    p = suite_parser(__doc__, seeds=3)
    p.add_argument("--start", type=float, default=200.0)
    p.add_argument("--end", type=float, default=100.0)
    args = p.parse_args(argv)
    runs = []
    for name, X, y, k, seed in suite_fits(args.datasets, args.seeds):
        last = auto_epochs(len(X)) - 1

        def move_sigma(model, epoch):
            model.set_params(sigma=args.start + (args.end - args.start) * epoch / last)

        model = OnlineHardClustering(k, sigma=args.start, max_epochs=1, compute_labels=False,
                                     random_state=seed)
        runs.append(fit_by_passes(model, X, y, move_sigma, dataset=name, method="hardclust",
                                  seed=seed, start=args.start, end=args.end))
        print(name, seed, round(runs[-1]["ACC"], 3), round(runs[-1]["NMI"], 3), flush=True)
    table(means(runs, "dataset", ("ACC", "NMI")), ["dataset", "seeds", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

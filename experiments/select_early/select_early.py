"""What would keeping the best of a few short starts gain?

A simulation. Reads the per-seed runs of ``experiments/early_signals``
(each a default 10-epoch Fashion-MNIST fit, with the label-free silhouette
recorded after a few early steps) and asks: had ``k`` of these runs been
trained for ``step`` steps, and only the one with the highest silhouette
then been trained to the end, what final ACC / NMI would that give on
average over every group of ``k`` runs? Labels are read only to score. The
estimate is in-sample (the same few runs both rank and score) and so
optimistic::

    python experiments/select_early/select_early.py \\
        [--runs experiments/early_signals/early_signals.json] [--json out.json]
"""

import itertools
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, load_runs, parser, table  # noqa: E402


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--runs", default="experiments/early_signals/early_signals.json")
    p.add_argument("--steps-per-fit", type=int, default=2740,
                   help="steps of one full fit (10 epochs of 274 batches)")
    args = p.parse_args(argv)
    runs = load_runs(args.runs)
    acc = np.array([r["final_ACC"] for r in runs])
    nmi = np.array([r["final_NMI"] for r in runs])
    rows = [{"step": "-", "k": 1, "ACC": float(acc.mean()), "NMI": float(nmi.mean()),
             "extra_time": 0.0}]
    for step in runs[0]["early"]:
        silhouette = np.array([r["early"][step]["silhouette"] for r in runs])
        for k in (2, 3):
            picks = [max(group, key=lambda i: silhouette[i])
                     for group in itertools.combinations(range(len(runs)), k)]
            rows.append({"step": step, "k": k, "ACC": float(acc[picks].mean()),
                         "NMI": float(nmi[picks].mean()),
                         "extra_time": (k - 1) * int(step) / args.steps_per_fit})
    table(rows, ["step", "k", "ACC", "NMI", "extra_time"])
    dump(args, __doc__, __file__, argv, rows)
    return rows


if __name__ == "__main__":
    main()

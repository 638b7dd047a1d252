"""What keeping the best of a few short starts could gain: a simulation.

Reads the per-seed runs of ``benchmarks/early_signals.py`` (each a default
10-epoch Fashion-MNIST fit, with the label-free silhouette recorded after a
few early steps) and asks: had ``k`` of these runs been trained for ``step``
steps, and only the one with the highest silhouette then been trained to
the end, what final ACC / NMI would that give on average over every group
of ``k`` runs? Labels are read only to score. The estimate is in-sample
(the same few runs both rank and score) and so optimistic::

    python benchmarks/select_early.py [--runs docs/data/early_signals.json]
"""

import itertools
import json

import numpy as np

from _common import dump, parser, table


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--runs", default="docs/data/early_signals.json")
    p.add_argument("--steps-per-fit", type=int, default=2740,
                   help="steps of one full fit (10 epochs of 274 batches)")
    args = p.parse_args(argv)
    with open(args.runs) as f:
        runs = json.load(f)["rows"]["runs"]
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
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

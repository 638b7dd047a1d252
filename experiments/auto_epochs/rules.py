"""Replay stopping rules on the curves of ``curves.py``: for each data set,
the mean passes made and the mean ACC / ARI at the stop against the full
``"auto"`` run (the same fit: the check changes no training)::

    python experiments/auto_epochs/rules.py experiments/auto_epochs/curves.json
    python experiments/auto_epochs/rules.py experiments/auto_epochs/curves.json --shipped
"""

import json
import sys
from collections import defaultdict

import numpy as np

MIN_EPOCHS = 10
# Data sets whose samples have more than 50 values: they train on pairs
# (n_neighbors="auto"), where the shipped rule never stops early.
PAIRS = {"gunpoint", "basic-motions", "digits", "arrowhead", "osuleaf", "acsf1",
         "mnist-5k", "fashion-mnist", "digits-images"}


def stop_epoch(epochs, tol, patience):
    """1-based pass after which LabelsSettled stops (the last if never)."""
    for e in range(MIN_EPOCHS, len(epochs)):  # e passes made, checked after pass e
        recent = [epochs[i]["changed"] for i in range(e - patience, e)]
        if all(c is not None and c <= tol for c in recent):
            return e
    return len(epochs)


def main(path, rules=((0.0, 2), (1e-3, 2), (3e-3, 2), (1e-2, 2), (1e-3, 3)), shipped=False):
    """``shipped``: the rule as shipped, 1e-3 twice in a row and never on pairs."""
    runs = json.load(open(path))
    if shipped:
        rules = ((1e-3, 2),)
    print(f"{'data':>14} {'n':>5} {'rule':>12} {'passes':>7} {'of':>5} "
          f"{'ACC stop':>8} {'ACC end':>8} {'ARI stop':>8} {'ARI end':>8}")
    for tol, patience in rules:
        by = defaultdict(list)
        for run in runs:
            e = stop_epoch(run["epochs"], tol, patience)
            if shipped and run["data"] in PAIRS:
                e = len(run["epochs"])
            by[(run["data"], run["n"])].append(
                (e, len(run["epochs"]), run["epochs"][e - 1]["acc"], run["epochs"][-1]["acc"],
                 run["epochs"][e - 1]["ari"], run["epochs"][-1]["ari"]))
        for (data, n), rows in by.items():
            m = np.mean(rows, axis=0)
            print(f"{data:>14} {n:>5} {f'{tol:g}/{patience}':>12} {m[0]:7.1f} {m[1]:5.0f} "
                  f"{m[2]:8.3f} {m[3]:8.3f} {m[4]:8.3f} {m[5]:8.3f}")
        print()


if __name__ == "__main__":
    main(sys.argv[1], shipped="--shipped" in sys.argv)

"""Replay stopping rules on the curves of ``curves.py``: for each data set,
the mean passes made and the mean ACC / ARI at the stop against the full
``"auto"`` run (the same fit: the check changes no training)::

    python experiments/auto_epochs/rules.py experiments/auto_epochs/curves.json
    python experiments/auto_epochs/rules.py experiments/auto_epochs/curves.json --shipped
    python experiments/auto_epochs/rules.py experiments/auto_epochs/curves_pairs_s5.json --window

``--window`` replays rules on a window instead: stop once the label
changes of the last ``W`` passes add up to at most ``tol`` (for pairs on
small data, where a pass is one or two steps and moves a row or none).
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


def stop_window(epochs, tol, window):
    """1-based pass after which the changes of the last ``window`` passes
    add up to at most ``tol`` (the last pass if never)."""
    changed = [e["changed"] or 0.0 for e in epochs]
    for e in range(max(MIN_EPOCHS, window), len(epochs)):
        if sum(changed[e - window:e]) <= tol:
            return e
    return len(epochs)


WINDOW_RULES = ((0.01, 5), (0.01, 10), (0.02, 10), (0.02, 20), (0.05, 20), (0.05, 50))


def main(path, rules=((0.0, 2), (1e-3, 2), (3e-3, 2), (1e-2, 2), (1e-3, 3)), shipped=False,
         window=False):
    """``shipped``: the rule as shipped, 1e-3 twice in a row and never on
    pairs; ``window``: the window rules (``tol``, ``W``) of ``WINDOW_RULES``."""
    runs = json.load(open(path))
    if shipped:
        rules = ((1e-3, 2),)
    if window:
        rules = WINDOW_RULES
    print(f"{'data':>14} {'n':>5} {'rule':>12} {'passes':>7} {'of':>5} "
          f"{'ACC stop':>8} {'ACC end':>8} {'ARI stop':>8} {'ARI end':>8}")
    for tol, patience in rules:
        by = defaultdict(list)
        for run in runs:
            e = (stop_window if window else stop_epoch)(run["epochs"], tol, patience)
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
    main(sys.argv[1], shipped="--shipped" in sys.argv, window="--window" in sys.argv)

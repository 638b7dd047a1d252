"""Leave-one-dataset-out choice among candidate defaults, from benchmark JSON.

Each candidate is a JSON written by ``python -m hardclust.benchmark`` (its
runs: dataset, seed, ACC, NMI). For each data set left out, the candidate
with the best mean ACC + NMI over the *other* data sets is chosen and
reported on the left-out one; a default changes only if that beats the
current default there.

Run: ``python experiments/representation/lodo.py default=docs/data/suite_dev.json
reconstruction=1.0=experiments/representation/screen_reconstruction_1_0.json ...``

A candidate can join files with ``+``: later files replace the data sets
they hold (``path@name,name`` keeps only those data sets of a file), so a
rule that changes only some data sets is the default plus its screens.
``--seeds 0 1 2`` sets the seeds averaged (default 0 1).
"""

import itertools
import json
import sys
from collections import defaultdict

import numpy as np

from hardclust.objectives import OBJECTIVES


def load(path, seeds):
    path, _, keep = path.partition("@")
    runs = json.load(open(path))["runs"]
    table = defaultdict(list)
    for run in runs:
        # a file holds one hardclust method: the default or one objective
        if run["method"] in ("hardclust", *OBJECTIVES) and run["seed"] in seeds and (
                not keep or run["dataset"] in keep.split(",")):
            table[run["dataset"]].append((run["ACC"], run["NMI"]))
    return {name: np.mean(values, axis=0) for name, values in table.items()}


def load_joined(paths, seeds):
    table = {}
    for path in paths.split("+"):
        table.update(load(path, seeds))
    return table


def load_candidates(argv):
    """``{name: {data set: mean (ACC, NMI)}}`` from the command line's
    ``name=file+file`` items, over the seeds of ``--seeds`` (default 0 1)."""
    seeds = {0, 1}
    if "--seeds" in argv:
        at = argv.index("--seeds")
        rest = list(itertools.takewhile(str.isdigit, argv[at + 1:]))
        seeds = {int(a) for a in rest}
        argv = argv[:at] + argv[at + 1 + len(rest):]
    candidates = {}
    for item in argv:
        name, path = item.rsplit("=", 1)
        candidates[name] = load_joined(path, seeds)
    return candidates


def main(argv):
    candidates = load_candidates(argv)
    datasets = sorted(set.intersection(*(set(c) for c in candidates.values())))
    print("| data set | " + " | ".join(candidates) + " | chosen without it | ACC / NMI there |")
    print("|---" * (len(candidates) + 3) + "|")
    for left_out in datasets:
        others = [d for d in datasets if d != left_out]
        chosen = max(candidates, key=lambda c: np.mean([candidates[c][d].sum() for d in others]))
        cells = [f"{candidates[c][left_out][0]:.3f} / {candidates[c][left_out][1]:.3f}"
                 for c in candidates]
        acc, nmi = candidates[chosen][left_out]
        print(f"| {left_out} | " + " | ".join(cells) + f" | {chosen} | {acc:.3f} / {nmi:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1:])

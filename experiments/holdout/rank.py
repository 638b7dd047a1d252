"""Would a default chosen on the development suite hold on the held-out one?

Takes the same ``name=file+file`` candidates as
``experiments/representation/lodo.py`` and prints, per candidate, the mean
ACC + NMI over the development suite's sets, over the held-out suite's
sets, and over all of them, with each candidate's rank in each group::

    python experiments/holdout/rank.py --seeds 0 1 2 \\
        default=docs/data/suite_dev_5seeds_single.json+experiments/holdout/single_5seeds.json \\
        sigma100=experiments/mlp_defaults/sigma100.json+experiments/holdout/sigma100.json

A candidate is scored only on the data sets every candidate has.
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "representation"))
from lodo import load_candidates  # noqa: E402

from hardclust.benchmark import SUITES  # noqa: E402


def main(argv):
    candidates = load_candidates(argv)
    shared = set.intersection(*(set(c) for c in candidates.values()))
    groups = {"development": [d for d in SUITES["dev"] if d in shared],
              "held out": [d for d in SUITES["holdout"] if d in shared]}
    groups["all"] = groups["development"] + groups["held out"]
    score = {g: {c: float(np.mean([table[d].sum() for d in names]))
                 for c, table in candidates.items()} for g, names in groups.items()}
    rank = {g: {c: 1 + sorted(s.values(), reverse=True).index(s[c]) for c in s}
            for g, s in score.items()}
    print("| candidate | " + " | ".join(f"{g} ({len(groups[g])} sets)" for g in groups) + " |")
    print("|---" * (len(groups) + 1) + "|")
    for c in candidates:
        print(f"| {c} | " + " | ".join(f"{score[g][c]:.3f} ({rank[g][c]})" for g in groups)
              + " |")


if __name__ == "__main__":
    main(sys.argv[1:])

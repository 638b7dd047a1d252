"""Which cut should take the layout's room away? Candidate thresholds, per fit.

Each fit of the rule "lay out one eigenvector per cluster where the start's
cut exceeds ``t``, at least 16 otherwise" is one of two recorded fits with
the same seed: the suite run with one eigenvector per cluster (the sixth
session's default, ``docs/data/suite_all_s6.json``) or with at least 16
(``docs/data/suite_all_s7.json``), chosen by that seed's cut
(``cuts.json``). Both runs are the library's: with the rule built, OSULeaf
and ACSF1 (cut above 0.15) gave the s6 fits and every other set the s7
fits to the last digit (``shipped_check.json``). Sets without a cut (the
narrow ones: no layout) keep their default runs; digits as images is
given digits' cut (the same data, measured as a flat table). Writes one benchmark-like
JSON per threshold for ``experiments/representation/lodo.py``::

    python experiments/layout_room/rule.py --thresholds 0.05 0.075 0.125 0.15 0.2 0.25 \
        --out experiments/layout_room
"""

import argparse
import json
import pathlib


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--thresholds", type=float, nargs="+", required=True)
    p.add_argument("--cuts", default="experiments/layout_room/cuts.json")
    p.add_argument("--room", default="docs/data/suite_all_s7.json")
    p.add_argument("--leading", default="docs/data/suite_all_s6.json")
    p.add_argument("--out", default="experiments/layout_room")
    args = p.parse_args(argv)
    cuts = {(r["dataset"], r["seed"]): r["cut"] for r in json.load(open(args.cuts))["runs"]}
    cuts.update({("digits-images", seed): cut for (name, seed), cut in list(cuts.items())
                 if name == "digits"})  # the same data as images
    room, leading = (
        {(r["dataset"], r["seed"]): r for r in json.load(open(path))["runs"]
         if r["method"] == "hardclust"} for path in (args.room, args.leading))
    for t in args.thresholds:
        runs = [leading[key] if cuts.get(key) is not None and cuts[key] > t else run
                for key, run in room.items()]
        moved = sorted({key[0] for key, run in room.items()
                        if cuts.get(key) is not None and cuts[key] > t})
        path = pathlib.Path(args.out) / f"rule_{t:g}.json"
        with open(path, "w") as f:
            json.dump({"note": f"cut threshold {t:g}: per fit, {args.leading} where the "
                               f"cut ({args.cuts}) exceeds it, else {args.room}",
                       "runs": runs}, f, indent=1)
        print(path, "one eigenvector per cluster on:", ", ".join(moved) or "none")


if __name__ == "__main__":
    main()

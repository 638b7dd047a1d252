"""How much of the graph does the start's one-dimension-per-cluster partition cut, per data set?

The graph start of wide samples lays out at least 16 of the graph's
eigenvectors (``hardclust._graph.layout_dims``), unless the balanced
k-means labels of its leading ``n_clusters`` eigenvectors cut more than
``_ROOM_MAX_CUT`` of the graph (``layout_room``). For each data set and
seed this runs the default start (a one-pass fit) and records the cut the
start computed (``hardclust._graph.normalised_cut``, read as it runs) and
whether the room was kept::

    python experiments/layout_room/cuts.py --datasets osuleaf acsf1 mnist-5k arrowhead \
        fashion-mnist basic-motions digits gunpoint --json experiments/layout_room/cuts.json
"""

import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, quietly, suite_fits, suite_parser, table  # noqa: E402

from hardclust import OnlineHardClustering, _graph  # noqa: E402


def main(argv=None):
    args = suite_parser(__doc__, 3).parse_args(argv)
    torch.set_num_threads(1)
    cuts = []
    measure = _graph.normalised_cut
    _graph.normalised_cut = lambda *a: cuts.append(measure(*a)) or cuts[-1]
    runs = []
    for name, X, y, n_clusters, seed in suite_fits(args.datasets, args.seeds):
        cuts.clear()
        quietly(OnlineHardClustering(n_clusters, max_epochs=1, random_state=seed).fit, X)
        cut = cuts[0] if cuts else None  # none: not laid out, or as many clusters as dimensions
        runs.append({"dataset": name, "seed": seed, "cut": cut,
                     "room": cut is not None and cut <= _graph._ROOM_MAX_CUT})
        print(runs[-1], flush=True)
    table(means([r for r in runs if r["cut"] is not None], "dataset", ("cut", "room")),
          ["dataset", "seeds", "cut", "room"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

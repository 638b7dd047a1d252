"""Does the layout's 16 dimensions travel to series no default was chosen on?

Two UEA/UCR classification sets that sktime ships and neither suite uses,
both of variable length (so ``hardclust.datasets.load_ucr`` refuses them):
JapaneseVowels (640 utterances, 12 cepstrum channels of 7-29 frames, 9
speakers) and PLAID (1,074 current waveforms of 100-1,344 values, 11
appliance types). Each series is resampled by linear interpolation to a
fixed length (29 frames; 256 values), and the flattened values are
standardised column by column, the input k-means would get; every method
gets the same input. Fitted with the benchmark's own runs
(``hardclust.benchmark.methods``): the default (``max(n_clusters, 16)``
eigenvectors), the default with one eigenvector per cluster (the sixth
session's start: ``hardclust._graph.layout_dims`` patched), k-means and the
two UMAP recipes::

    python experiments/layout_dims/travel.py --seeds 3 --json experiments/layout_dims/travel.json
"""

import pathlib
import sys

import numpy as np
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, table  # noqa: E402

from hardclust import _graph  # noqa: E402
from hardclust.benchmark.methods import _fit_and_score  # noqa: E402
from hardclust.datasets._files import _package_data  # noqa: E402

SETS = {"JapaneseVowels": 29, "PLAID": 256}


def _read(name, length):
    """Both files of ``name``: (n, channels, length) float32 and int labels."""
    series, labels = [], []
    folder = _package_data("sktime", "datasets", "data", name, install="pip install --no-deps sktime")
    for part in ("TRAIN", "TEST"):
        in_data = False
        for line in (pathlib.Path(folder) / f"{name}_{part}.ts").read_text().splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "%")):
                continue
            if line.lower().startswith("@data"):
                in_data = True
                continue
            if line.startswith("@") or not in_data:
                continue
            *channels, label = line.split(":")
            grid = np.linspace(0, 1, length)
            series.append([np.interp(grid, np.linspace(0, 1, len(v)), v)
                           for v in (np.array(c.split(","), dtype=float) for c in channels)])
            labels.append(label.strip())
    classes = sorted(set(labels))
    X = np.array(series)
    flat = StandardScaler().fit_transform(X.reshape(len(X), -1)).astype(np.float32)
    return flat.reshape(X.shape), flat, np.array([classes.index(c) for c in labels])


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    runs = []
    default_dims = _graph.layout_dims
    for name, length in SETS.items():
        X_deep, X_flat, y = _read(name, length)
        for seed in range(args.seeds):
            for method in ("hardclust", "one-per-cluster", "kmeans", "umap-kmeans", "umap-gmm"):
                _graph.layout_dims = (lambda k: k) if method == "one-per-cluster" else default_dims
                report = _fit_and_score("hardclust" if method == "one-per-cluster" else method,
                                        X_deep, X_flat, y, seed, None, {})
                runs.append({"dataset": name, "method": method, "seed": seed,
                             **{k: float(v) for k, v in report.items()}})
                print(name, seed, method, f"{report['ACC']:.3f} / {report['NMI']:.3f}", flush=True)
    _graph.layout_dims = default_dims
    table(means(runs, ("dataset", "method"), ("ACC", "NMI", "fit_s")),
          ["dataset", "method", "ACC", "NMI", "fit_s"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

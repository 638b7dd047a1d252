"""Can any setting of the graph start lift Fashion-MNIST's start labels past UMAP + GMM's NMI? (no training)

Since training goes on from the start's optimizer state
(``experiments/start_optimizer/``), a default Fashion-MNIST fit ends at
its start's labels (0.640 / 0.641 against 0.644 / 0.641), so what it lacks
against UMAP + GMM (NMI 0.663) is in the start. Each candidate rebuilds the
start's labels from the package's functions (``hardclust._graph``, as
``init="graph"`` builds them: a sample of at most 10,000 rows, its
neighbour graph on the first 50 principal components, the spectral step,
the layout, the balanced k-means) with one setting changed, from the same
draws for every candidate of a seed::

    python experiments/fashion_start/start_knobs.py --datasets fashion-mnist \\
        --candidates k=15 k=20 neg=10 k=15,neg=10 pca=20 pca=100 pca=0 dims=24 passes=100 \\
        --json experiments/fashion_start/start_knobs.json

A candidate sets ``k`` (graph neighbours, default 10), ``neg`` (the
layout's negative samples, 5), ``passes`` (50), ``dims`` (the layout's
least eigenvectors, 16), ``pca`` (principal components of the space the
graph is built in, 50; 0 for the raw values) and ``rows`` (the sample,
10,000; 70,000 is the whole set); several at once are joined by commas.
"""

import pathlib
import sys

import numpy as np
import torch
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, table  # noqa: E402

from hardclust import _graph, _neighbors  # noqa: E402
from hardclust._initialization import balanced_kmeans  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402

DEFAULTS = {"k": _graph._GRAPH_NEIGHBORS, "neg": _graph._LAYOUT_NEGATIVES, "passes": 50,
            "dims": _graph._LAYOUT_DIMS, "pca": _neighbors._SEARCH_DIM,
            "rows": _graph._GRAPH_SAMPLE}
# the package's constants a candidate sets, by setting name
_CONSTANTS = {"k": (_graph, "_GRAPH_NEIGHBORS"), "neg": (_graph, "_LAYOUT_NEGATIVES"),
              "dims": (_graph, "_LAYOUT_DIMS"), "pca": (_neighbors, "_SEARCH_DIM")}


def _settings(candidate):
    settings = dict(DEFAULTS)
    if candidate != "default":
        for item in candidate.split(","):
            name, value = item.split("=")
            if name not in settings:
                raise SystemExit(f"unknown setting {name!r}; known: {sorted(settings)}")
            settings[name] = int(value)
    return settings


def start_labels(X, n_clusters, seed, settings):
    """The start's labels of its sample for ``seed`` under ``settings``, and
    the sample's rows."""
    rng = np.random.RandomState(seed)
    rows = _graph.sample_rows(len(X), rng, settings["rows"])
    flat = np.asarray(X, dtype=np.float32).reshape(len(X), -1)[rows]
    prior = np.full(n_clusters, -np.log(n_clusters))
    saved = {name: getattr(*where) for name, where in _CONSTANTS.items()}
    for name, (module, attribute) in _CONSTANTS.items():
        setattr(module, attribute, settings[name])
    if settings["pca"] == 0:  # the raw values: search_space keeps samples this narrow
        _neighbors._SEARCH_DIM = flat.shape[1]
    try:
        features = _neighbors.search_space(torch.from_numpy(flat))
        labels = _graph.graph_labels(
            features, n_clusters,
            lambda points, r: balanced_kmeans(points, n_clusters, prior, r,
                                              runs=_graph.GRAPH_KMEANS_RUNS),
            rng, layout=settings["passes"])
    finally:
        for name, (module, attribute) in _CONSTANTS.items():
            setattr(module, attribute, saved[name])
    return labels, rows


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", default=["fashion-mnist"])
    p.add_argument("--candidates", nargs="+", default=[])
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    runs = []
    for name in args.datasets:
        X, _, y = DATASETS[name]()
        n_clusters = len(np.unique(y))
        for seed in range(args.seeds):
            for candidate in ["default", *args.candidates]:
                labels, rows = start_labels(X, n_clusters, seed, _settings(candidate))
                runs.append({"dataset": name, "candidate": candidate, "seed": seed,
                             "ACC": cluster_accuracy(y[rows], labels),
                             "NMI": normalized_mutual_info_score(y[rows], labels)})
                print(name, seed, candidate, f"{runs[-1]['ACC']:.3f} / {runs[-1]['NMI']:.3f}",
                      flush=True)
    table(means(runs, ("dataset", "candidate"), ("ACC", "NMI")),
          ["dataset", "candidate", "ACC", "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()

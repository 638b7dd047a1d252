"""The graph start's layout of wide samples' spectral coordinates: its time.

For each data set, the start's sample, graph and spectral coordinates as
``init="graph"`` builds them (``hardclust._graph``: for a layout, at least
``_LAYOUT_DIMS`` eigenvectors, one per cluster beyond that), then
``layout_coordinates`` (50 passes) timed alone, median of ``--repeats``
runs in one process (the first run included). ``blobs-64`` is the first
10,000-row chunk of ``bench_streaming.py``'s stream (ten Gaussian blobs in
64 dimensions): a graph of even weights, where every edge is sampled at
every pass, the layout's dearest case::

    python benchmarks/bench_layout.py [--repeats 3] [--json out.json]
"""

import statistics
import time

import numpy as np
import torch

from _common import dump, parser, table
from hardclust import _graph
from hardclust._neighbors import search_space
from hardclust.benchmark import DATASETS


def _blobs():
    rng = np.random.default_rng(0)  # as bench_streaming.py draws its stream
    centers = rng.normal(0, 3, size=(10, 64)).astype(np.float32)
    X = centers[rng.integers(0, 10, 10_000)]
    return X + rng.normal(size=(10_000, 64)).astype(np.float32), 10


def _start_graph(X, n_clusters):
    rng = np.random.RandomState(0)
    rows = _graph.sample_rows(len(X), rng)
    features = search_space(torch.as_tensor(np.asarray(X, dtype=np.float32))[rows])
    graph = _graph.knn_graph(np.unique(features, axis=0), _graph._GRAPH_NEIGHBORS)
    dims = _graph.layout_dims(n_clusters)  # as graph_labels lays out
    return graph, _graph.spectral_coordinates(graph, dims, rng)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--data", nargs="+", default=["digits", "mnist-5k", "fashion-mnist", "blobs-64"])
    args = p.parse_args(argv)
    rows = []
    for name in args.data:
        if name == "blobs-64":
            X, n_clusters = _blobs()
        else:
            X, _, y = DATASETS[name]()
            n_clusters = len(np.unique(y))
        graph, coordinates = _start_graph(X, n_clusters)
        runs = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            _graph.layout_coordinates(graph, coordinates, np.random.RandomState(0))
            runs.append(time.perf_counter() - start)
        weights = graph.data
        rows.append({"data": name, "rows": graph.shape[0], "dims": coordinates.shape[1],
                     "edges": graph.nnz,
                     "edge_samples_per_pass": float(weights.sum() / weights.max()),
                     "median_s": statistics.median(runs), "runs_s": [round(r, 3) for r in runs]})
    table(rows, list(rows[0]))
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

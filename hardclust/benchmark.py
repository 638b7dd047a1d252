"""Reproducible clustering benchmark: ``python -m hardclust.benchmark``.

Runs named methods on named data sets over several seeds and prints a table
of ACC, NMI, ARI, KL*, empty clusters and fit seconds (mean and standard
deviation over seeds). Examples::

    python -m hardclust.benchmark --datasets digits --seeds 5
    python -m hardclust.benchmark --datasets fashion-mnist --max-epochs 10 \\
        --methods hard kmeans --seeds 3 --json results.json
    python -m hardclust.benchmark --methods hard --param sigma=300 --param lr=3e-4

Methods: ``hard``, ``none``, ``sinkhorn``, ``entropy``, ``variance`` are
:class:`~hardclust.OnlineHardClustering` with that ``regularization`` and
otherwise default parameters (except ``n_clusters``, the number of classes,
and ``max_epochs`` and any ``--param NAME=VALUE`` when given); ``kmeans``
and ``minibatch-kmeans`` are scikit-learn's on the raw features. Labels are
used only to score the final model, never to select epochs or parameters.
"""

import argparse
import ast
import json
import sys
import time
import warnings

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans

from .datasets import load_digits, load_fashion_mnist
from .estimator import OnlineHardClustering
from .metrics import clustering_report
from .regularization import REGULARIZATIONS

__all__ = ["run_benchmark", "format_table"]

DATASETS = {
    # name -> loader returning (X for hardclust, X flat for k-means, y)
    "digits": lambda: (lambda X, y: (X, X, y))(*load_digits()),
    "fashion-mnist": lambda: (lambda X, y: (X, X.reshape(len(X), -1), y))(
        *load_fashion_mnist()
    ),
}
METHODS = (*REGULARIZATIONS, "kmeans", "minibatch-kmeans")
METRICS = ("ACC", "NMI", "ARI", "KL*", "empty", "fit_s")


# Set per run by the benchmark itself (or needed by it: labels_ is scored),
# so not accepted in ``params``.
_RESERVED = ("n_clusters", "regularization", "random_state", "compute_labels")


def _make(method, n_clusters, seed, max_epochs, params):
    if method == "kmeans":
        return KMeans(n_clusters, n_init=10, random_state=seed)
    if method == "minibatch-kmeans":
        return MiniBatchKMeans(n_clusters, n_init=10, random_state=seed)
    params = {**params, "n_clusters": n_clusters, "regularization": method,
              "random_state": seed}
    if max_epochs is not None:
        params["max_epochs"] = max_epochs
    return OnlineHardClustering(**params)


def _check_params(params, max_epochs):
    """``params`` as a dict, or a ValueError naming the bad keys."""
    params = dict(params or {})
    if max_epochs is not None and "max_epochs" in params:
        raise ValueError("max_epochs is given twice (as max_epochs and in params); "
                         "give it once.")
    known = OnlineHardClustering().get_params()
    unknown = sorted(set(params) - set(known))
    reserved = sorted(set(params) & set(_RESERVED))
    if unknown or reserved:
        raise ValueError(
            f"params {unknown + reserved} cannot be set here: the benchmark sets "
            f"{list(_RESERVED)} per run, and OnlineHardClustering's parameters "
            f"are {sorted(set(known) - set(_RESERVED))}."
        )
    return params


def _parse_param(text):
    """``"NAME=VALUE"`` -> (NAME, VALUE); VALUE is a Python literal or a string."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        value = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError):
        pass  # a bare word such as k-means stays a string
    return name, value


def run_benchmark(datasets, methods, seeds, max_epochs=None, limit=None, log=None,
                  params=None):
    """Fit every (data set, method, seed) and score the final model.

    Parameters
    ----------
    datasets : list of str
        Keys of ``DATASETS``.
    methods : list of str
        Members of ``METHODS``.
    seeds : list of int
        ``random_state`` of each run.
    max_epochs : int, default=None
        Passed to hardclust models; ``None`` keeps their default.
    limit : int, default=None
        Use only the first ``limit`` samples of each data set (quick runs).
    log : file, default=None
        Where to print one progress line per run (``None``: silent).
    params : dict, default=None
        Further parameters of the hardclust models (for example
        ``{"sigma": 300}``); everything but ``n_clusters``,
        ``regularization`` and ``random_state``.

    Returns
    -------
    runs : list of dict
        One per run: ``dataset``, ``method``, ``seed`` and the metrics.

    Examples
    --------
    >>> from hardclust.benchmark import run_benchmark
    >>> runs = run_benchmark(["digits"], ["kmeans"], seeds=[0], limit=300)
    >>> sorted(runs[0])
    ['ACC', 'ARI', 'KL*', 'NMI', 'dataset', 'empty', 'fit_s', 'method', 'seed']
    """
    params = _check_params(params, max_epochs)
    runs = []
    total = len(datasets) * len(methods) * len(seeds)
    for dataset in datasets:
        X_deep, X_flat, y = DATASETS[dataset]()
        if limit is not None:
            X_deep, X_flat, y = X_deep[:limit], X_flat[:limit], y[:limit]
        n_clusters = len(np.unique(y))
        for method in methods:
            for seed in seeds:
                model = _make(method, n_clusters, seed, max_epochs, params)
                X = X_flat if method in ("kmeans", "minibatch-kmeans") else X_deep
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    labels = model.fit(X).labels_
                seconds = time.perf_counter() - start
                report = clustering_report(y, labels)
                report["empty"] = int(n_clusters - len(np.unique(labels)))
                report["fit_s"] = seconds
                runs.append({"dataset": dataset, "method": method, "seed": seed, **report})
                if log is not None:
                    print(f"[{len(runs)}/{total}] {dataset} {method} seed={seed}: "
                          f"ACC {report['ACC']:.3f} NMI {report['NMI']:.3f} "
                          f"({seconds:.1f} s)", file=log, flush=True)
    return runs


def format_table(runs):
    """Markdown table of mean +- std over seeds per (data set, method).

    Parameters
    ----------
    runs : list of dict
        As returned by :func:`run_benchmark`.

    Returns
    -------
    table : str
        One row per (data set, method), in the order first seen.

    Examples
    --------
    >>> from hardclust.benchmark import format_table
    >>> runs = [{"dataset": "d", "method": "m", "seed": s, "ACC": a, "NMI": 0.5,
    ...          "ARI": 0.4, "KL*": 0.0, "empty": 0, "fit_s": 1.0}
    ...         for s, a in enumerate([0.8, 0.9])]
    >>> print(format_table(runs).splitlines()[2])
    | d | m | 2 | 0.850 ± 0.050 | 0.500 ± 0.000 | 0.400 ± 0.000 | 0.000 ± 0.000 | 0.000 ± 0.000 | 1.0 ± 0.0 |
    """
    lines = ["| data set | method | seeds | " + " | ".join(METRICS) + " |",
             "|---|---|---|" + "---|" * len(METRICS)]
    keys = dict.fromkeys((r["dataset"], r["method"]) for r in runs)
    for dataset, method in keys:
        group = [r for r in runs if r["dataset"] == dataset and r["method"] == method]
        cells = []
        for metric in METRICS:
            values = np.array([r[metric] for r in group], dtype=float)
            digits = 1 if metric == "fit_s" else 3
            cells.append(f"{values.mean():.{digits}f} ± {values.std():.{digits}f}")
        lines.append(f"| {dataset} | {method} | {len(group)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m hardclust.benchmark", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--datasets", nargs="+", default=["digits"], choices=sorted(DATASETS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (0..N-1)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="max_epochs of hardclust models (default: theirs)")
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first N samples of each data set")
    parser.add_argument("--param", action="append", type=_parse_param, default=[],
                        metavar="NAME=VALUE",
                        help="a parameter of the hardclust models, e.g. sigma=300 "
                             "(repeatable)")
    parser.add_argument("--json", help="also write every run to this JSON file")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    try:
        params = _check_params(args.param, args.max_epochs)
    except ValueError as exc:
        parser.error(str(exc))

    runs = run_benchmark(args.datasets, args.methods, list(range(args.seeds)),
                         args.max_epochs, args.limit,
                         log=None if args.quiet else sys.stderr, params=params)
    print(format_table(runs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"argv": sys.argv[1:] if argv is None else argv, "runs": runs}, f,
                      indent=2)
    return runs


if __name__ == "__main__":
    main()

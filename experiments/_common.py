"""Helpers shared by the experiment scripts (not part of the package).

Only hardclust's public API is used here and in the scripts. With ``--json``
every script writes one format::

    {"question": str, "command": str, "arguments": {...},
     "environment": {...}, "runs": [{...}, ...]}

The environment, the embeddings of a bare encoder, the balanced k-means
start and the epochs of ``max_epochs="auto"`` come from the package
(:mod:`hardclust.benchmark.harness`), the same functions the benchmark
command and ``benchmarks/`` use. JSON files written before that record
``cores`` where newer ones record ``cpu_count`` and more.

A script imports this module after putting ``experiments/`` on ``sys.path``
(``python experiments/<question>/<script>.py`` from the repository root).
"""

import argparse
import json
import pathlib
import shlex
import sys
import time
import warnings

import numpy as np

from hardclust import OnlineHardClustering
from hardclust.benchmark import format_columns
from hardclust.benchmark.harness import auto_epochs, environment

ROOT = pathlib.Path(__file__).resolve().parents[1]


def parser(doc):
    """An argument parser described by a script's docstring, with ``--json``."""
    p = argparse.ArgumentParser(description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", help="also write the results to this file")
    return p


def command(script, argv):
    """The command line that ran ``script`` with ``argv``, without ``--json``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--json":
            skip = True
        elif not arg.startswith("--json="):
            kept.append(arg)
    path = pathlib.Path(script).resolve()
    try:
        path = path.relative_to(ROOT)
    except ValueError:
        pass
    return shlex.join(["python", str(path), *kept])


def dump(args, doc, script, argv, runs):
    """Write ``runs`` to ``args.json`` (if set) in the experiments' format.

    The question is the first line of the script's docstring ``doc``.
    """
    if not args.json:
        return
    record = {
        "question": doc.strip().splitlines()[0],
        "command": command(script, argv),
        "arguments": {k: v for k, v in vars(args).items() if k != "json"},
        "environment": environment(),
        "runs": runs,
    }
    with open(args.json, "w") as f:
        json.dump(record, f, indent=1, default=_plain)
        f.write("\n")


def load_runs(path):
    """The ``runs`` of a JSON file written by :func:`dump`."""
    with open(path) as f:
        return json.load(f)["runs"]


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def table(rows, columns):
    """Print rows (dicts) as a fixed-width table with the given columns."""
    print(format_columns(rows, columns))


def quietly(fit, *args, **kwargs):
    """Call ``fit(*args, **kwargs)`` with warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args, **kwargs)


def fit_by_passes(model, X, y, before_pass, **record):
    """Train ``model`` (``max_epochs=1``) for the epochs of ``max_epochs="auto"``
    one at a time: a quiet ``fit`` epoch, then ``partial_fit`` passes over all
    of X, each after ``before_pass(model, epoch)`` (epochs 1, 2, ...) may
    change the model's parameters. Returns a run as :func:`screen_seeds`
    does (scored on ``predict(X)``), with ``record`` and the epochs."""
    from hardclust.metrics import clustering_report

    start = time.perf_counter()
    epochs = auto_epochs(len(X))
    quietly(model.fit, X)
    for epoch in range(1, epochs):
        before_pass(model, epoch)
        quietly(model.partial_fit, X)
    report = clustering_report(y, model.predict(X))
    return {**record, "epochs": epochs,
            **{key: float(report[key]) for key in ("ACC", "NMI", "ARI")},
            "fit_s": time.perf_counter() - start}


def screen_seeds(make_model, X, y, seeds, **record):
    """Fit ``make_model(seed)`` on X quietly for each seed in ``range(seeds)``.

    Returns one run per seed: ``record``, the seed, ACC / NMI / ARI of
    ``labels_`` (labels read only to score) and the seconds of the fit.
    """
    from hardclust.metrics import clustering_report

    runs = []
    for seed in range(seeds):
        start = time.perf_counter()
        model = quietly(make_model(seed).fit, X)
        seconds = time.perf_counter() - start
        report = clustering_report(y, model.labels_)
        runs.append({**record, "seed": seed, **{k: float(report[k]) for k in ("ACC", "NMI", "ARI")},
                     "fit_s": seconds})
    return runs


def suite_parser(doc, seeds):
    """:func:`parser` with ``--seeds`` (default ``seeds``) and ``--datasets``
    (default: the development suite), the arguments of :func:`suite_fits`."""
    from hardclust.benchmark import SUITES

    p = parser(doc)
    p.add_argument("--seeds", type=int, default=seeds)
    p.add_argument("--datasets", nargs="+", default=list(SUITES["dev"]))
    return p


def suite_fits(datasets, seeds):
    """``(name, X, y, n_clusters, seed)`` for each suite data set named and
    each seed in ``range(seeds)``: X as hardclust is given it (images and
    series keep their shape), ``n_clusters`` the number of classes."""
    from hardclust.benchmark import DATASETS

    for name in datasets:
        X, _, y = DATASETS[name]()
        n_clusters = len(np.unique(y))
        for seed in range(seeds):
            yield name, X, y, n_clusters, seed


def means(runs, by, keys=("ACC", "NMI", "ARI")):
    """One row per value of ``by`` (a key, or a tuple of keys such as
    ``("dataset", "method")``), in the order the runs first show it, with
    the number of runs and the mean of ``keys``."""
    by = (by,) if isinstance(by, str) else tuple(by)
    rows = []
    for value in dict.fromkeys(tuple(r[b] for b in by) for r in runs):
        group = [r for r in runs if tuple(r[b] for b in by) == value]
        rows.append({**dict(zip(by, value)), "seeds": len(group),
                     **{k: float(np.mean([r[k] for r in group])) for k in keys}})
    return rows


def default_lr(X, n_clusters=10, encoder="auto"):
    """The rate ``lr="auto"`` picks for the named ``encoder`` on data shaped like X.

    Read from the fitted attribute ``lr_`` of a one-epoch fit on a slice, so
    that a script giving its own encoder (for which ``"auto"`` may choose
    differently) can keep a named encoder's rate. The Fashion-MNIST screens
    of 0.1-0.2 pass ``"conv2d"``, the image default of their time.
    """
    model = OnlineHardClustering(n_clusters=n_clusters, encoder=encoder, max_epochs=1,
                                 random_state=0)
    return float(quietly(model.fit, X[:1024]).lr_)


def n_batches(n_samples, batch_size):
    """Training batches per epoch: a last batch of one sample joins the one before."""
    return max(1, -(-n_samples // batch_size) - (n_samples % batch_size == 1 and n_samples > 1))


def shuffled_batches(n_samples, batch_size, rng):
    """Row indices of one shuffled epoch, in ``n_batches`` batches."""
    order = rng.permutation(n_samples)
    cuts = [batch_size * (i + 1) for i in range(n_batches(n_samples, batch_size) - 1)]
    return np.array_split(order, cuts)

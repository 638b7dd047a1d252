"""Running the benchmark: every (data set, method, seed), and suites."""

import sys

import numpy as np

from .data import DATASET_INFO, DATASETS, SUITES, _subsample
from .methods import SUITE_METHODS, _check_methods, _check_params, _fit_and_score


def run_benchmark(datasets, methods, seeds, max_epochs=None, limit=None, log=None,
                  params=None):
    """Fit every (data set, method, seed) and score the final model.

    Parameters
    ----------
    datasets : list of str
        Keys of ``DATASETS``.
    methods : list of str
        Members of ``METHODS`` or ``PEERS`` (the UMAP recipes), or
        ``"hardclust"`` (the defaults).
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
    _check_methods(methods)
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
        ``"minibatch-kmeans"``, ``"umap-kmeans"``, ``"umap-gmm"`` or an
        objective's name.
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
    _check_methods(methods)
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

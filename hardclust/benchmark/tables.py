"""The benchmark's tables: per-run means, suite summaries, fixed-width columns."""

import numpy as np

METRICS = ("ACC", "NMI", "ARI", "KL*", "empty", "fit_s")


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

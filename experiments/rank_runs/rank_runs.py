"""Do label-free signals rank training runs by their quality?

``n_init`` must keep one of several runs without labels. For each seed this
script trains one default model and records, against the final ACC/NMI, the
final training loss and silhouette (:meth:`score`), and on Fashion-MNIST the
same two after the first epoch (the model is fitted for one epoch and then
continued with ``partial_fit`` passes up to ``--epochs``). It prints the
Spearman correlation of each signal (oriented so that higher should mean
better) with ACC and NMI across seeds; labels are read only to score::

    python experiments/rank_runs/rank_runs.py [--seeds 6] [--digits-seeds 10] [--epochs 10] \\
        [--json out.json]
"""

import pathlib
import sys
import warnings

from scipy.stats import spearmanr

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.datasets import load_digits, load_fashion_mnist  # noqa: E402
from hardclust.metrics import clustering_report  # noqa: E402


def _runs_fashion(seeds, epochs):
    X, y = load_fashion_mnist()
    runs = []
    for seed in range(seeds):
        model = OnlineHardClustering(n_clusters=10, max_epochs=1, random_state=seed).fit(X)
        early = {"loss after epoch 1": -model.history_[-1, "train_loss"],
                 "silhouette after epoch 1": model.score(X)}
        for _ in range(epochs - 1):
            model.partial_fit(X)
        runs.append(_record("fashion-mnist", seed, model, X, y, early))
    return runs


def _runs_digits(seeds):
    X, y = load_digits()
    return [_record("digits", seed, OnlineHardClustering(n_clusters=10, random_state=seed).fit(X),
                    X, y, {})
            for seed in range(seeds)]


def _record(data, seed, model, X, y, early):
    report = clustering_report(y, model.labels_)
    return {"data": data, "seed": seed, "ACC": float(report["ACC"]), "NMI": float(report["NMI"]),
            "final loss": -float(model.history_[-1, "train_loss"]),
            "final silhouette": float(model.score(X)),
            **{k: float(v) for k, v in early.items()}}


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=6, help="Fashion-MNIST seeds")
    p.add_argument("--digits-seeds", type=int, default=10)
    p.add_argument("--epochs", type=int, default=10, help="Fashion-MNIST epochs")
    args = p.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = _runs_digits(args.digits_seeds)
        try:
            runs += _runs_fashion(args.seeds, args.epochs)
        except FileNotFoundError as exc:
            print(f"skipping Fashion-MNIST: {exc}")
    rows = []
    for data in dict.fromkeys(r["data"] for r in runs):
        group = [r for r in runs if r["data"] == data]
        for signal in [k for k in group[0] if k not in ("data", "seed", "ACC", "NMI")]:
            values = [r[signal] for r in group]
            rows.append({"data": data, "signal": signal, "runs": len(group),
                         "spearman_acc": float(spearmanr(values, [r["ACC"] for r in group])[0]),
                         "spearman_nmi": float(spearmanr(values, [r["NMI"] for r in group])[0])})
    table(rows, ["data", "signal", "runs", "spearman_acc", "spearman_nmi"])
    dump(args, __doc__, __file__, argv, runs)
    return rows


if __name__ == "__main__":
    main()

"""Do label-free signals rank training runs by their quality?

``n_init`` must keep one of several runs without labels. For each seed this
script trains one default model and records, against the final ACC/NMI, the
final training loss and silhouette (:meth:`score`), and on Fashion-MNIST the
same two after the first epoch (the model is fitted for one epoch and then
continued with ``partial_fit`` passes up to ``--epochs``). It prints the
Spearman correlation of each signal (oriented so that higher should mean
better) with ACC and NMI across seeds; labels are read only to score::

    python benchmarks/rank_runs.py [--seeds 6] [--digits-seeds 10] [--epochs 10] [--json out.json]
"""

import warnings

from scipy.stats import spearmanr

from _common import dump, parser, table
from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits, load_fashion_mnist
from hardclust.metrics import clustering_report


def _runs_fashion(seeds, epochs):
    X, y = load_fashion_mnist()
    runs = []
    for seed in range(seeds):
        model = OnlineHardClustering(n_clusters=10, max_epochs=1, random_state=seed).fit(X)
        early = {"loss after epoch 1": -model.history_[-1, "train_loss"],
                 "silhouette after epoch 1": model.score(X)}
        for _ in range(epochs - 1):
            model.partial_fit(X)
        runs.append(_record(model, X, y, early))
    return runs


def _runs_digits(seeds):
    X, y = load_digits()
    return [_record(OnlineHardClustering(n_clusters=10, random_state=seed).fit(X), X, y, {})
            for seed in range(seeds)]


def _record(model, X, y, early):
    report = clustering_report(y, model.labels_)
    return {"ACC": report["ACC"], "NMI": report["NMI"],
            "final loss": -model.history_[-1, "train_loss"],
            "final silhouette": model.score(X), **early}


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=6, help="Fashion-MNIST seeds")
    p.add_argument("--digits-seeds", type=int, default=10)
    p.add_argument("--epochs", type=int, default=10, help="Fashion-MNIST epochs")
    args = p.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = {"digits": _runs_digits(args.digits_seeds)}
        try:
            data["fashion-mnist"] = _runs_fashion(args.seeds, args.epochs)
        except FileNotFoundError as exc:
            print(f"skipping Fashion-MNIST: {exc}")
    rows = []
    for name, runs in data.items():
        for signal in [k for k in runs[0] if k not in ("ACC", "NMI")]:
            values = [r[signal] for r in runs]
            rows.append({"data": name, "signal": signal, "runs": len(runs),
                         "spearman_acc": float(spearmanr(values, [r["ACC"] for r in runs])[0]),
                         "spearman_nmi": float(spearmanr(values, [r["NMI"] for r in runs])[0])})
    table(rows, ["data", "signal", "runs", "spearman_acc", "spearman_nmi"])
    dump(args.json, {"rows": rows, "runs": data})
    return rows


if __name__ == "__main__":
    main()

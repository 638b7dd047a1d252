"""Does the model learn the graph start's labels, and does the fit keep what it learns?

The graph start clusters a sample by its neighbour graph and fits the
model to those labels (at most 200 steps, until 99% agree) before
training refines them. For each data set and seed this runs the default
fit and records: the start's labels (read as the start makes them,
``_start.watch_start``) and their ACC / NMI; the share of them the fitted
start predicts (evaluation mode); how linearly the input separates them
(the training accuracy of scikit-learn's ``LogisticRegression`` on the
flattened input, predicting the start's labels: the MLP encoder begins
near a linear map); and the final fit's ACC / NMI. Suite sets by name;
``PLAID`` and ``JapaneseVowels`` as ``experiments/layout_dims/travel.py``
reads them, ``PigCVP`` and ``Coffee`` as ``experiments/tiny_layout/travel.py``
does::

    python experiments/start_fit/fit.py --datasets PLAID JapaneseVowels PigCVP Coffee \
        acsf1 osuleaf arrowhead basic-motions mnist-5k digits \
        --json experiments/start_fit/fit.json
"""

import importlib.util
import pathlib
import sys
import warnings

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import ROOT, dump, means, parser, quietly, table  # noqa: E402
from _start import watch_start  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.benchmark import DATASETS  # noqa: E402
from hardclust.metrics import cluster_accuracy  # noqa: E402


def _script(folder):
    spec = importlib.util.spec_from_file_location(
        f"{folder}_travel", ROOT / "experiments" / folder / "travel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(name):
    """(X as the model is given it, X flattened, labels) of ``name``."""
    if name in ("PLAID", "JapaneseVowels"):
        travel = _script("layout_dims")
        return travel._read(name, travel.SETS[name])
    if name in ("PigCVP", "Coffee"):
        return _script("tiny_layout")._read(name)
    X, X_flat, y = DATASETS[name]()
    return X, X_flat, y


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    seen = {}
    watch_start(seen)
    runs = []
    for name in args.datasets:
        X, X_flat, y = load(name)
        n_clusters = len(np.unique(y))
        for seed in range(args.seeds):
            model = quietly(OnlineHardClustering(n_clusters, random_state=seed).fit, X)
            start = seen["labels"]
            whole = len(start) == len(y)  # the sample is all rows up to 10,000
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                linear = (LogisticRegression(max_iter=2000).fit(X_flat, start).score(X_flat, start)
                          if whole else None)
            runs.append({
                "dataset": name, "seed": seed,
                "start_ACC": cluster_accuracy(y, start) if whole else None,
                "start_NMI": normalized_mutual_info_score(y, start) if whole else None,
                "fitted_agreement": seen["agreement"], "linear": linear,
                "ACC": cluster_accuracy(y, model.labels_),
                "NMI": normalized_mutual_info_score(y, model.labels_)})
            print(runs[-1], flush=True)
    table(means(runs, "dataset", ("start_ACC", "start_NMI", "fitted_agreement", "linear", "ACC",
                                  "NMI")),
          ["dataset", "seeds", "start_ACC", "start_NMI", "fitted_agreement", "linear", "ACC",
           "NMI"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

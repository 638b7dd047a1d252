"""Where is a fit from a given layout won or lost: in its start or in training?

One default fit (only ``n_clusters`` and ``layout_passes`` set) of data set
NAME with seed SEED, its start watched through the package's own
functions (wrapped, not copied): the rows the graph is built on, the
graph's labels and the model's labels after it was fitted to them. The
fit is then made twice from the same seed, one epoch and the default's
epochs, and the data's labels score each stage. Prints one JSON line::

    python experiments/layout_choice/start_and_fit.py fashion-mnist 200 1
"""

import json
import sys

import numpy as np
import torch
from sklearn.metrics import normalized_mutual_info_score

import hardclust._initialization as initialization
from hardclust import OnlineHardClustering
from hardclust.benchmark import DATASETS
from hardclust.metrics import cluster_accuracy

seen = {}
_rows, _labels, _fit = (initialization.sample_rows, initialization.graph_labels,
                        initialization.fit_to_labels)


def sample_rows(*args, **kwargs):
    seen["rows"] = _rows(*args, **kwargs)
    return seen["rows"]


def graph_labels(*args, **kwargs):
    seen["labels"] = _labels(*args, **kwargs)
    return seen["labels"]


def fit_to_labels(module, X, labels, **kwargs):
    out = _fit(module, X, labels, **kwargs)
    module.eval()
    with torch.no_grad():
        seen["fitted"] = torch.cat([module.head(module.encoder(X[i:i + 2048]), output="costs")
                                    .argmin(1) for i in range(0, len(X), 2048)]).numpy()
    module.train()
    return out


def scores(truth, labels):
    return (round(cluster_accuracy(truth, labels), 3),
            round(normalized_mutual_info_score(truth, labels), 3))


def main(name, passes, seed):
    initialization.sample_rows = sample_rows
    initialization.graph_labels = graph_labels
    initialization.fit_to_labels = fit_to_labels
    X, _, y = DATASETS[name]()
    n_clusters = len(np.unique(y))
    out = {"dataset": name, "passes": passes, "seed": seed}
    for epochs in (1, "auto"):
        model = OnlineHardClustering(n_clusters=n_clusters, layout_passes=passes,
                                     random_state=seed, max_epochs=epochs).fit(X)
        out[f"fit_{epochs}"] = [*scores(y, model.predict(X)), model.n_iter_]
    truth = y[seen["rows"]]
    out["labels"] = scores(truth, seen["labels"])
    out["fitted_on_sample"] = scores(truth, seen["fitted"])
    out["agree"] = round(float((seen["fitted"] == seen["labels"]).mean()), 3)
    out["sizes"] = np.bincount(seen["labels"], minlength=n_clusters).tolist()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))

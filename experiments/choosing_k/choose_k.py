"""Question: which label-free score lets a grid search find the number of clusters?

For each case, every candidate ``n_clusters`` is fitted on one half of the
data and scored on the other (2 shuffled folds, as
``GridSearchCV(..., cv=KFold(2, shuffle=True, random_state=0))`` does), with
hardclust's defaults after a ``StandardScaler``. Scores compared, all computed
from the public API on the held-out fold X (as the pipeline's last step sees it):

- ``embedding``: silhouette of ``predict(X)`` in ``transform(X)`` (the
  model's own space; hardclust 0.2's ``score``);
- ``input``: silhouette of ``predict(X)`` in X itself (one space shared by
  every candidate);
- ``kmeans``: the reference, silhouette in X of KMeans(n_init=10) labels.

A case counts as found when the candidate with the best mean score is the
true k. Run: ``python experiments/choosing_k/choose_k.py --json results.json``.
"""

import pathlib
import sys
import time
import warnings

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import load_breast_cancer, load_iris, load_wine, make_blobs
from sklearn.metrics import silhouette_score
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from hardclust import OnlineHardClustering

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, parser  # noqa: E402


def cases():
    # the four: blobs with k = 4, 6, 3 and wine
    yield "blobs k=4 (issue)", *make_blobs(600, n_features=8, centers=4, random_state=0)
    yield "blobs k=6 (issue)", *make_blobs(600, n_features=8, centers=6, random_state=1)
    yield "blobs k=3 (issue)", *make_blobs(600, n_features=8, centers=3, random_state=2)
    data = load_wine()
    yield "wine", data.data, data.target
    data = load_iris()
    yield "iris", data.data, data.target
    data = load_breast_cancer()
    yield "breast cancer", data.data, data.target
    # a synthetic benchmark: k = 2..10, several dimensions and spreads
    rng = np.random.RandomState(0)
    for k in range(2, 11):
        for dims, std in [(2, 1.0), (10, 2.0), (30, 3.0)]:
            X, y = make_blobs(100 * k, n_features=dims, centers=k, cluster_std=std,
                              random_state=int(rng.randint(1000)))
            yield f"blobs k={k} d={dims} std={std}", X, y


def silhouette(X, labels):
    if len(np.unique(labels)) < 2:
        return -1.0
    return float(silhouette_score(X, labels))


def main():
    p = parser(__doc__)
    p.add_argument("--limit", type=int, default=None, help="first N cases only")
    args = p.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    runs = []
    for i, (name, X, y) in enumerate(cases()):
        if args.limit is not None and i >= args.limit:
            break
        k_true = len(np.unique(y))
        candidates = list(range(2, 8)) if k_true <= 6 else list(range(max(2, k_true - 3), k_true + 4))
        scores = {"embedding": {}, "input": {}, "kmeans": {}}
        start = time.perf_counter()
        for k in candidates:
            per = {key: [] for key in scores}
            for train, test in KFold(2, shuffle=True, random_state=0).split(X):
                scaler = StandardScaler().fit(X[train])
                Xtr, Xte = scaler.transform(X[train]), scaler.transform(X[test])
                model = OnlineHardClustering(k, random_state=0).fit(Xtr)
                labels = model.predict(Xte)
                per["embedding"].append(silhouette(model.transform(Xte), labels))
                per["input"].append(silhouette(Xte, labels))
                km = KMeans(k, n_init=10, random_state=0).fit(Xtr)
                per["kmeans"].append(silhouette(Xte, km.predict(Xte)))
            for key in scores:
                scores[key][k] = float(np.mean(per[key]))
        found = {key: max(s, key=s.get) for key, s in scores.items()}
        runs.append({"case": name, "true_k": k_true, "scores": scores, "chosen": found,
                     "seconds": time.perf_counter() - start})
        print(f"{name:<28} true {k_true}: " + "  ".join(
            f"{key} {found[key]}{'*' if found[key] == k_true else ' '}" for key in scores),
            flush=True)
    for key in ("embedding", "input", "kmeans"):
        hits = sum(r["chosen"][key] == r["true_k"] for r in runs)
        print(f"{key:>10}: true k found in {hits} of {len(runs)} cases")
    dump(args, __doc__, __file__, None, runs)


if __name__ == "__main__":
    main()

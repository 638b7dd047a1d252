"""The label-free ``n_clusters`` grid search of the user guide, timed.

``GridSearchCV`` over ``n_clusters`` 2-7 on wine (178 samples, standardised
in the pipeline), two shuffled folds, scored by ``OnlineHardClustering.score``,
with the final refit: 13 fits of 89 or 178 rows. The variants, interleaved,
medians reported:

- ``defaults``: ``OnlineHardClustering(random_state=0)``;
- ``500 passes``: ``max_epochs=500``, what ``"auto"`` made on these data
  (500 steps of one batch) before its early stop, on the default threads;
- ``before``: what the defaults did before the thread policy and the early
  stop: ``max_epochs=500`` and ``n_threads=None`` (torch's own threads).

::

    python benchmarks/bench_grid_search.py --repeats 3 --json grid_search.json
    python benchmarks/bench_grid_search.py --variants defaults "500 passes"
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_wine
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _common import dump, parser, table
from hardclust import OnlineHardClustering

VARIANTS = {"defaults": {}, "500 passes": {"max_epochs": 500},
            "before": {"max_epochs": 500, "n_threads": None}}


def search_seconds(X, params):
    search = GridSearchCV(
        make_pipeline(StandardScaler(), OnlineHardClustering(random_state=0, **params)),
        {"onlinehardclustering__n_clusters": range(2, 8)},
        cv=KFold(2, shuffle=True, random_state=0),
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X)
    return time.perf_counter() - start, search.best_params_["onlinehardclustering__n_clusters"]


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = p.parse_args(argv)
    X = load_wine().data
    search_seconds(X[:40], {"max_epochs": 1})  # compile the assignment kernel
    times = {variant: [] for variant in args.variants}
    best = {}
    for r in range(args.repeats):
        for variant in (args.variants if r % 2 == 0 else args.variants[::-1]):
            seconds, best[variant] = search_seconds(X, VARIANTS[variant])
            times[variant].append(seconds)
            print(f"repeat {r} {variant}: {seconds:.2f} s, best n_clusters {best[variant]}",
                  flush=True)
    rows = [{"variant": variant, "median_s": float(np.median(t)), "best_n_clusters": best[variant],
             "runs_s": [round(x, 2) for x in t]} for variant, t in times.items()]
    table(rows, ["variant", "median_s", "best_n_clusters", "runs_s"])
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

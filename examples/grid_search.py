"""Grid search: choose n_clusters without labels, and tune with labels.

Without labels, ``GridSearchCV`` ranks candidates by
``OnlineHardClustering.score``: the silhouette of the predicted clusters in
the space of the data the model receives (here the standardised features),
the same space for every candidate. The recipe for ``n_clusters``::

    search = GridSearchCV(
        make_pipeline(StandardScaler(), OnlineHardClustering(random_state=0)),
        {"onlinehardclustering__n_clusters": range(2, 8)},
        cv=KFold(2, shuffle=True, random_state=0),
    )
    search.fit(X)

Shuffle the folds: scikit-learn does not shuffle them for a clusterer, and
on data sorted by class each half then misses whole clusters. With labels,
pass a scorer (``hardclust.metrics.accuracy_scorer``,
``"adjusted_rand_score"``) and ``y`` to ``fit``; labels are then read to
score the held-out fold, never to train::

    python examples/grid_search.py [--smoke]
"""

import argparse
import warnings

from sklearn.datasets import load_wine
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hardclust import OnlineHardClustering
from hardclust.metrics import accuracy_scorer


def show(name, search):
    print(f"{name}: best {search.best_params_}, score {search.best_score_:.3f}")
    for params, score in zip(search.cv_results_["params"],
                             search.cv_results_["mean_test_score"]):
        print(f"    {params}: {score:.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="short fits (for the tests)")
    args = parser.parse_args(argv)

    X, y = load_wine(return_X_y=True)  # 178 wines, 13 features, 3 cultivars
    model = OnlineHardClustering(random_state=0)
    candidates = range(2, 8)
    if args.smoke:
        model.set_params(max_epochs=20)
        candidates = range(2, 5)
    pipeline = make_pipeline(StandardScaler(), model)
    folds = KFold(2, shuffle=True, random_state=0)
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collapse warnings of poor candidates
        # 1. How many clusters? No labels: y is not passed.
        search = GridSearchCV(pipeline, {"onlinehardclustering__n_clusters": candidates},
                              cv=folds)
        results["n_clusters, without labels"] = search.fit(X)
        show("n_clusters, without labels (silhouette)", search)

        # 2. With labels: tune sigma at the chosen number of clusters.
        k = search.best_params_["onlinehardclustering__n_clusters"]
        pipeline.set_params(onlinehardclustering__n_clusters=k)
        search = GridSearchCV(pipeline, {"onlinehardclustering__sigma": [100.0, 200.0, 400.0]},
                              scoring=accuracy_scorer, cv=folds)
        results["sigma, with labels"] = search.fit(X, y)
        show(f"\nsigma at n_clusters={k}, with labels (cluster accuracy)", search)
    return results


if __name__ == "__main__":
    main()

"""Grid search: choose sigma and latent_dim with and without labels.

Without labels, ``GridSearchCV`` uses ``OnlineHardClustering.score`` (the
silhouette of the predicted clusters in the embedding). With labels, pass a
scorer such as ``hardclust.metrics.accuracy_scorer``::

    python examples/grid_search.py [--smoke]
"""

import argparse
import warnings

from sklearn.model_selection import GridSearchCV

from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits
from hardclust.metrics import accuracy_scorer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny grid (for the tests)")
    args = parser.parse_args(argv)

    X, y = load_digits()
    grid = {"sigma": [10.0, 100.0, 1000.0], "latent_dim": [32, 64]}
    model = OnlineHardClustering(n_clusters=10, random_state=0)
    if args.smoke:
        grid = {"sigma": [10.0, 100.0]}
        model.set_params(max_epochs=3)
    results = {}
    for name, scoring in [("without labels (silhouette)", None),
                          ("with labels (cluster accuracy)", accuracy_scorer)]:
        search = GridSearchCV(model, grid, scoring=scoring, cv=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # collapse warnings of poor candidates
            search.fit(X, y)
        results[name] = search
        print(f"{name}: best {search.best_params_}, score {search.best_score_:.3f}")
        for params, score in zip(search.cv_results_["params"],
                                 search.cv_results_["mean_test_score"]):
            print(f"    {params}: {score:.3f}")
    return results


if __name__ == "__main__":
    main()

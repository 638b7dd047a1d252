"""What a fitted model answers: a score that finds n_clusters, probabilities
that tell doubtful labels from sure ones."""

import numpy as np
import pytest
from sklearn.datasets import load_wine, make_blobs
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hardclust import OnlineHardClustering
from hardclust.metrics import cluster_accuracy


@pytest.mark.parametrize("k, seed", [(4, 0), (6, 1)])
def test_grid_search_on_score_finds_the_number_of_clusters(k, seed):
    X, _ = make_blobs(600, n_features=8, centers=k, random_state=seed)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), OnlineHardClustering(random_state=0, max_epochs=20)),
        {"onlinehardclustering__n_clusters": [2, 3, 4, 5, 6, 7]},
        cv=KFold(2, shuffle=True, random_state=0),
    ).fit(X)
    assert search.best_params_["onlinehardclustering__n_clusters"] == k


def test_score_is_the_silhouette_in_the_input_space():
    from sklearn.metrics import silhouette_score

    X, _ = make_blobs(300, n_features=5, centers=3, random_state=0)
    model = OnlineHardClustering(3, max_epochs=5, random_state=0).fit(X)
    assert model.score(X) == pytest.approx(silhouette_score(X, model.predict(X)), abs=1e-6)


def _right(y, labels):
    from scipy.optimize import linear_sum_assignment

    table = np.zeros((labels.max() + 1, y.max() + 1))
    np.add.at(table, (labels, y), 1)
    rows, cols = linear_sum_assignment(-table)
    return np.vectorize(dict(zip(rows, cols)).get)(labels) == y


def test_top_probability_ranks_wrong_labels_below_right_ones():
    # the embedding alone ranked them the wrong way round on wine (AUROC 0.34-0.42)
    data = load_wine()
    X = StandardScaler().fit_transform(data.data).astype(np.float32)
    model = OnlineHardClustering(3, random_state=0).fit(X)
    proba = model.predict_proba(X)
    labels = model.predict(X)
    right = _right(data.target, labels)
    assert cluster_accuracy(data.target, labels) == right.mean() > 0.9
    assert roc_auc_score(right, proba[np.arange(len(X)), labels]) > 0.75
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)

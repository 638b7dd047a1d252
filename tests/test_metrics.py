"""Metrics against hand-computed cases."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from hardclust import OnlineHardClustering
from hardclust.metrics import (
    accuracy_scorer,
    cluster_accuracy,
    clustering_report,
    kl_star,
)


def test_cluster_accuracy_uses_best_matching():
    # clusters 2->0, 0->1 (3 of 4 right for class 1), 1->2
    y_true = [0, 0, 1, 1, 1, 1, 2]
    y_pred = [2, 2, 0, 0, 0, 1, 1]
    assert cluster_accuracy(y_true, y_pred) == pytest.approx(6 / 7)
    assert cluster_accuracy([0, 1, 2], [5, 7, 9]) == 1.0
    # more clusters than classes: unmatched clusters count as errors
    assert cluster_accuracy([0, 0, 0, 0], [0, 1, 2, 3]) == 0.25


def test_kl_star_hand_computed():
    assert kl_star([0, 0, 1, 1], [3, 3, 5, 5]) == 0.0
    assert kl_star([0, 0, 1, 1], [0, 0, 0, 0]) == pytest.approx(np.log(2))
    # truth 3:1, prediction 1:1 -> 0.5 log(0.5/0.75) + 0.5 log(0.5/0.25)
    expected = 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(0.5 / 0.25)
    assert kl_star([0, 0, 0, 1], [0, 0, 1, 1]) == pytest.approx(expected)
    assert kl_star([0, 0, 0, 0], [0, 1, 0, 1]) == np.inf


def test_report_and_input_checks():
    report = clustering_report([0, 1, 1], [1, 0, 0])
    assert report == {"ACC": 1.0, "NMI": 1.0, "ARI": 1.0, "KL*": 0.0}
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cluster_accuracy([0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match="empty"):
        kl_star([], [])


def test_accuracy_scorer_in_grid_search(blobs):
    X, y = blobs
    search = GridSearchCV(
        OnlineHardClustering(n_clusters=4, max_epochs=5, random_state=0),
        {"n_clusters": [2, 4]}, scoring=accuracy_scorer, cv=2,
    ).fit(X, y)
    assert search.best_params_ == {"n_clusters": 4}
    assert search.best_score_ > 0.9

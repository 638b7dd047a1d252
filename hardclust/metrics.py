"""Clustering metrics used in this field, and scorers for model selection.

Cluster indices are arbitrary, so accuracy needs the best one-to-one matching
of clusters to classes (Hungarian algorithm, :func:`cluster_accuracy`).
:func:`kl_star` measures how far the predicted cluster sizes are from the
true class sizes. NMI and ARI come from scikit-learn.
"""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import (
    adjusted_rand_score,
    make_scorer,
    normalized_mutual_info_score,
)
from sklearn.metrics.cluster import contingency_matrix
from sklearn.utils.validation import check_consistent_length, column_or_1d

__all__ = [
    "cluster_accuracy",
    "kl_star",
    "clustering_report",
    "accuracy_scorer",
    "kl_star_scorer",
]


def _check_labels(labels_true, labels_pred):
    labels_true = column_or_1d(labels_true)
    labels_pred = column_or_1d(labels_pred)
    check_consistent_length(labels_true, labels_pred)
    if len(labels_true) == 0:
        raise ValueError("labels are empty; pass at least one sample.")
    return labels_true, labels_pred


def cluster_accuracy(labels_true, labels_pred):
    """Accuracy under the best one-to-one matching of clusters to classes.

    The matching maximises the number of samples whose cluster is mapped to
    their class (Hungarian algorithm, ``scipy.optimize.linear_sum_assignment``).
    With more clusters than classes, unmatched clusters count as errors.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground-truth classes.
    labels_pred : array-like of shape (n_samples,)
        Cluster labels.

    Returns
    -------
    accuracy : float
        In [0, 1]; 1 means the clustering equals the classes up to renaming.

    Examples
    --------
    >>> from hardclust.metrics import cluster_accuracy
    >>> cluster_accuracy([0, 0, 1, 1, 2], [2, 2, 0, 0, 0])
    0.8
    """
    labels_true, labels_pred = _check_labels(labels_true, labels_pred)
    counts = contingency_matrix(labels_true, labels_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / len(labels_true))


def kl_star(labels_true, labels_pred):
    """KL divergence of the predicted cluster sizes from the true class sizes.

    ``KL(q || p)`` where ``p`` is the distribution of true class proportions
    and ``q`` the distribution of predicted cluster proportions, both sorted
    in decreasing order (cluster indices carry no meaning) and padded with
    zeros to the same length. 0 means the clusters are exactly as balanced
    as the truth; a collapse into one cluster gives ``log(K)`` on balanced
    data.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground-truth classes.
    labels_pred : array-like of shape (n_samples,)
        Cluster labels.

    Returns
    -------
    kl : float
        Non-negative; ``inf`` when the clustering has more non-empty
        clusters than there are classes.

    Examples
    --------
    >>> from hardclust.metrics import kl_star
    >>> kl_star([0, 0, 1, 1], [1, 1, 0, 0])
    0.0
    >>> round(kl_star([0, 0, 1, 1], [0, 0, 0, 0]), 4)  # log 2
    0.6931
    """
    labels_true, labels_pred = _check_labels(labels_true, labels_pred)
    p = np.sort(np.unique(labels_true, return_counts=True)[1])[::-1] / len(labels_true)
    q = np.sort(np.unique(labels_pred, return_counts=True)[1])[::-1] / len(labels_pred)
    size = max(len(p), len(q))
    p = np.pad(p, (0, size - len(p)))
    q = np.pad(q, (0, size - len(q)))
    support = q > 0
    with np.errstate(divide="ignore"):
        return float(np.sum(q[support] * np.log(q[support] / p[support])))


def clustering_report(labels_true, labels_pred):
    """ACC, NMI, ARI and KL* of one clustering, as a dict.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground-truth classes.
    labels_pred : array-like of shape (n_samples,)
        Cluster labels.

    Returns
    -------
    report : dict
        Keys ``"ACC"``, ``"NMI"``, ``"ARI"``, ``"KL*"``; float values.

    Examples
    --------
    >>> from hardclust.metrics import clustering_report
    >>> clustering_report([0, 0, 1, 1], [1, 1, 0, 0])
    {'ACC': 1.0, 'NMI': 1.0, 'ARI': 1.0, 'KL*': 0.0}
    """
    return {
        "ACC": cluster_accuracy(labels_true, labels_pred),
        "NMI": float(normalized_mutual_info_score(labels_true, labels_pred)),
        "ARI": float(adjusted_rand_score(labels_true, labels_pred)),
        "KL*": kl_star(labels_true, labels_pred),
    }


#: Scorer for ``GridSearchCV(..., scoring=accuracy_scorer)`` with labels:
#: calls ``predict`` and :func:`cluster_accuracy`.
accuracy_scorer = make_scorer(cluster_accuracy)

#: Scorer that prefers cluster sizes matching the class sizes (negated KL*).
kl_star_scorer = make_scorer(kl_star, greater_is_better=False)

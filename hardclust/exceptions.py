"""Warnings hardclust raises, in one place (as ``sklearn.exceptions`` and
``skorch.exceptions`` keep theirs)."""

__all__ = ["ClusterCollapseWarning", "HardclustVersionWarning", "SmallFirstChunkWarning"]


class ClusterCollapseWarning(UserWarning):
    """Some clusters received no points at the end of training.

    Raised by ``fit``/``partial_fit`` when, over the last training pass or
    in the final ``labels_`` (at least five points per cluster), some
    clusters were nobody's nearest centroid; the message names the usual
    causes and fixes (``sigma``, ``lr``, ``n_clusters``, unscaled features).

    Examples
    --------
    >>> import warnings, numpy as np
    >>> from hardclust import ClusterCollapseWarning, OnlineHardClustering
    >>> X = np.ones((60, 3))  # identical points: nothing to separate
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(X)
    >>> any(issubclass(w.category, ClusterCollapseWarning) for w in caught)
    True
    """


class SmallFirstChunkWarning(UserWarning):
    """The first ``partial_fit`` chunk is too small to place the centroids well.

    The first call starts the model (k-means on the untrained embeddings of
    that chunk); later chunks refine it but rarely undo a poor start. The
    message gives the number of rows to pass first.

    Examples
    --------
    >>> import warnings, numpy as np
    >>> from hardclust import OnlineHardClustering, SmallFirstChunkWarning
    >>> X = np.random.RandomState(0).normal(size=(20, 3))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = OnlineHardClustering(n_clusters=4, random_state=0).partial_fit(X)
    >>> any(issubclass(w.category, SmallFirstChunkWarning) for w in caught)
    True
    """


class HardclustVersionWarning(UserWarning):
    """A model is loaded by a different hardclust release than saved it.

    The model loads; the warning names both versions and the fix (refit, or
    load with the release that saved it).

    Examples
    --------
    To refuse models from other releases instead of loading them:

    >>> import warnings
    >>> from hardclust import HardclustVersionWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", HardclustVersionWarning)
    ...     # pickle.load(f) here raises instead of warning
    """

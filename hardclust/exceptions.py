"""Warnings hardclust raises, in one place (as ``sklearn.exceptions`` and
``skorch.exceptions`` keep theirs)."""

import warnings

import numpy as np

from ._utils import user_stacklevel

# A stream warns when a cluster has been nobody's nearest centroid over this
# many streamed rows per cluster: a cluster holding 1/K of the data misses
# that many rows by chance with probability (1 - 1/K)^(20 K), about e^-20.
_STREAM_ROWS_PER_CLUSTER = 20

__all__ = ["ClusterCollapseWarning", "HardclustVersionWarning", "InputScaleWarning",
           "SmallFirstChunkWarning"]


class ClusterCollapseWarning(UserWarning):
    """Some clusters received no points, or two merged, by the end of training.

    Raised by ``fit`` when, over its last training pass or in the final
    ``labels_`` (at least five points per cluster), some clusters were
    nobody's nearest centroid; by ``partial_fit`` when a cluster has been
    nobody's nearest centroid in the training passes of the last
    ``20 * n_clusters`` streamed samples or more (a cluster holding
    ``1 / n_clusters`` of the data is missed that long by chance with
    probability about ``e^-20``; a few missing rows in a small chunk are
    chance, not collapse), once each time that happens. The message names
    the usual causes and fixes (``sigma``, ``lr``, ``n_clusters``,
    unscaled features).
    Also when two centroids have merged (closer together than points lie,
    on average, from their own centroid, and than 1% of the distance a
    k-means start puts between centroids): both keep points, but the pair
    splits one group rather than separating two, so the model separates
    fewer groups than ``n_clusters``; the message names the pair and the
    fixes (fewer ``n_clusters``, fewer epochs, an annealed learning rate).

    .. versionchanged:: 0.3.0
       Also raised for merged centroids. ``partial_fit`` looks at the
       samples streamed since each cluster was last used, not at one chunk.

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

    The first call starts the model (k-means on the starting encoder's
    embeddings of that chunk); later chunks refine it but rarely undo a poor start. The
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


class InputScaleWarning(UserWarning):
    """X is far larger than the training data of a model that scales its inputs up.

    A model whose training data were tiny (largest magnitude below 0.1)
    multiplies every input by the power of two that brought them near 1
    (``fit``, or a stream's first chunk). An X that this scale carries to
    about 1,000 times the training data's largest magnitude or beyond
    (700 to 1,400 times, as the scale is a power of two; for centred data
    the distance from the training data's mean counts) lies far outside
    anything the model learned from: its labels and embeddings are
    extrapolations. Raised by ``predict``,
    ``predict_proba``, ``transform``, ``score`` and ``partial_fit``; the
    message gives the scale and the fix (fit on data of X's magnitude, or
    pass X on the training data's).

    .. versionadded:: 0.3.0

    Examples
    --------
    >>> import warnings, numpy as np
    >>> from hardclust import InputScaleWarning, OnlineHardClustering
    >>> X = np.random.RandomState(0).normal(size=(60, 3))
    >>> model = OnlineHardClustering(n_clusters=2, max_epochs=2, random_state=0)
    >>> model = model.fit(X * 1e-4)  # tiny: scaled up by 2**12
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = model.predict(X)  # 10,000 times the training data
    >>> any(issubclass(w.category, InputScaleWarning) for w in caught)
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


def rows_since_used(previous, sizes):
    """Rows streamed since each cluster was last anyone's nearest centroid.

    Parameters
    ----------
    previous : ndarray of shape (n_clusters,) or None
        The counts before this training pass; None starts afresh.
    sizes : sequence of int, of length n_clusters
        Nearest-centroid counts of the pass (a history row's ``cluster_sizes``).

    Returns
    -------
    rows : ndarray of shape (n_clusters,), int64
        A new array: 0 for the clusters the pass used, the earlier count
        plus the pass's rows for the others.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    before = np.zeros_like(sizes) if previous is None else previous
    return np.where(sizes > 0, 0, before + sizes.sum())


def idle_window(n_clusters):
    """Streamed rows a cluster may go without being anyone's nearest centroid
    before it counts as lost (``20 * n_clusters``): one holding ``1 / K`` of
    the data is missed that long by chance with probability about e^-20.
    The collapse warning and the reassignment of starved centroids wait for
    it."""
    return _STREAM_ROWS_PER_CLUSTER * n_clusters


def warn_if_stream_collapsed(previous, rows, *, sigma, lr):
    """Raise :class:`ClusterCollapseWarning` when a cluster's count of
    :func:`rows_since_used` reaches ``20 * n_clusters`` with this pass
    (``previous`` below it, ``rows`` at or above it): once per such run of
    empty passes, however long it lasts."""
    n_clusters = len(rows)
    window = idle_window(n_clusters)
    before = np.zeros_like(rows) if previous is None else previous
    crossed = (rows >= window) & (before < window)
    if n_clusters < 2 or not crossed.any():
        return
    n_empty = int((rows >= window).sum())
    chance = (1 - 1 / n_clusters) ** window
    warnings.warn(
        f"{n_empty} of {n_clusters} clusters were nobody's nearest centroid over the "
        f"last {int(rows[crossed].min())} or more streamed samples ({window} or more, 20 "
        f"per cluster: a cluster holding 1/{n_clusters} of the data is missed that "
        f"long by chance with probability about {chance:.0e}): the model is collapsing "
        f"or has too many clusters. Likely causes: sigma too small (now {sigma:g}; "
        f"try 2-3x larger), lr too large (now {lr:g}; try 3x smaller), more clusters "
        "than the data holds (fewer n_clusters), or unscaled features (StandardScaler).",
        ClusterCollapseWarning,
        stacklevel=user_stacklevel(),
    )


# A merged pair of centroids is closer than this fraction of the mean
# squared distance a k-means start gives them, besides closer than the
# data's own spread: in many dimensions a start's centroids are often closer
# together than its points lie from them.
_MERGED_FRACTION = 0.01


def warn_if_collapsed(last_epoch, labels, *, sigma, lr):
    """Raise :class:`ClusterCollapseWarning` if clusters were empty over the
    last training pass (``last_epoch``, a history row) or in ``labels``.

    The pass counts nearest centroids while the model moves; the final
    labels are what the fitted model says, and can lose a cluster the pass
    still saw. The message names the values in use.
    """
    n_clusters = len(last_epoch["cluster_sizes"])
    n_empty, n_seen = last_epoch["n_empty"], sum(last_epoch["cluster_sizes"])
    where = f"over the last pass of {n_seen} samples"
    n_missing = n_clusters - len(np.unique(labels))
    if n_missing > n_empty:
        n_empty, n_seen = n_missing, len(labels)
        where = f"for the {n_seen} training samples after training"
    # A pass shorter than a few points per cluster leaves clusters empty by
    # chance, not by collapse.
    if n_empty and n_seen >= 5 * n_clusters:
        warnings.warn(
            f"{n_empty} of {n_clusters} clusters were nobody's nearest centroid "
            f"{where}: the model is collapsing or has too many clusters. Likely "
            f"causes: sigma too small (now {sigma:g}; try 2-3x larger), lr too "
            f"large (now {lr:g}; try 3x smaller), more clusters than the data "
            "holds (fewer n_clusters), or unscaled features (StandardScaler).",
            ClusterCollapseWarning,
            stacklevel=user_stacklevel(),
        )


def warn_if_merged(centers, *, spread, start_spread, n_epochs, lr):
    """Raise :class:`ClusterCollapseWarning` if two centroids have merged.

    A pair has merged when its squared distance is below both ``limit`` (a
    small fraction of the distance a k-means start puts between centroids)
    and ``spread`` (how far points lie, on average, from their own nearest
    centroid): the pair then sits inside its clusters' own spread and
    splits one group between them rather than separating two, so the model
    separates fewer groups than it has clusters, though none is empty.
    Training puts them there after many steps at a constant learning rate,
    or when ``n_clusters`` is more than the data holds. Either test alone misfires: in many dimensions, clusters of
    a good start lie closer together than their points lie from their
    centroid, and some well-separated clusters sit much closer together
    than others.

    Parameters
    ----------
    centers : ndarray of shape (n_clusters, latent_dim)
    spread : callable () -> float
        Mean squared distance of (a sample of) the training points'
        embeddings to their nearest centroid; called only when some pair
        is within ``limit`` (it embeds data, and most fits have no such
        pair).
    start_spread : float
        The mean squared distance a k-means start puts between centroids;
        the limit is ``_MERGED_FRACTION`` of it.
    n_epochs : int
        Passes trained so far (named in the message).
    lr : float
    """
    n_clusters = len(centers)
    if n_clusters < 2:
        return
    limit = _MERGED_FRACTION * start_spread
    first, second = np.triu_indices(n_clusters, 1)
    gaps = ((centers[first] - centers[second]) ** 2).sum(-1)  # one per pair
    if not (gaps < limit).any():
        return
    spread = spread()
    merged = (gaps < spread) & (gaps < limit)
    if merged.any():
        closest = np.argmin(gaps)
        pairs = "1 pair" if merged.sum() == 1 else f"{merged.sum()} pairs"
        passes = "1 pass" if n_epochs == 1 else f"{n_epochs} passes"
        warnings.warn(
            f"{pairs} of centroids merged (closest: clusters {first[closest]} and "
            f"{second[closest]}, squared distance {gaps[closest]:.3g}, "
            f"less than the {spread:.3g} at which points lie from their own centroid on "
            f"average, and than {limit:.3g}, 1% of the mean squared distance a k-means start "
            "puts between centroids): such a pair splits one group between its two clusters rather "
            f"than separating two, so the model separates fewer than {n_clusters} "
            "groups. Likely causes: more clusters than the data holds (fewer "
            f"n_clusters), or long training at a constant rate ({passes} at lr "
            f"{lr:g}; fewer max_epochs, or anneal lr as the user guide shows under "
            "max_epochs).",
            ClusterCollapseWarning,
            stacklevel=user_stacklevel(),
        )

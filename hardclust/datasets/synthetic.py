"""Seeded synthetic data: anisotropic blobs, moons and circles in more dimensions."""

import numpy as np
import sklearn.datasets
from sklearn.utils import check_random_state

from ._files import _standardize


def make_anisotropic_blobs(n_samples=3000, *, n_features=10, n_clusters=5, imbalance=10.0,
                           anisotropy=5.0, separation=3.0, random_state=0):
    """Gaussian clusters of unequal sizes, each stretched along its own axes.

    Cluster ``k`` holds a share of the samples proportional to
    ``imbalance ** (-k / (n_clusters - 1))`` (the largest ``imbalance``
    times the smallest). Its covariance is a random rotation of a diagonal
    whose standard deviations run from 1 to ``anisotropy`` (geometrically),
    so k-means' spherical clusters do not fit it. Centres are drawn from
    ``N(0, separation**2 I)``. The result is standardised.

    Parameters
    ----------
    n_samples : int, default=3000
    n_features : int, default=10
    n_clusters : int, default=5
    imbalance : float, default=10.0
        Ratio of the largest cluster's size to the smallest's.
    anisotropy : float, default=5.0
        Ratio of each cluster's largest standard deviation to its smallest.
    separation : float, default=3.0
        Standard deviation of the centres, in units of the smallest
        within-cluster standard deviation.
    random_state : int, RandomState instance or None, default=0
        Seeds the data (a fixed default: the same data every call).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float32
    y : ndarray of shape (n_samples,), dtype int64
        Cluster 0 is the largest.

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust.datasets import make_anisotropic_blobs
    >>> X, y = make_anisotropic_blobs(1000, n_clusters=3, imbalance=4)
    >>> X.shape, np.bincount(y).tolist()
    ((1000, 10), [573, 285, 142])
    """
    rng = check_random_state(random_state)
    weights = imbalance ** (-np.arange(n_clusters) / max(n_clusters - 1, 1))
    sizes = np.floor(n_samples * weights / weights.sum()).astype(int)
    sizes[0] += n_samples - sizes.sum()
    centres = rng.normal(scale=separation, size=(n_clusters, n_features))
    scales = anisotropy ** np.linspace(0, 1, n_features)
    parts = []
    for k, size in enumerate(sizes):
        rotation = np.linalg.qr(rng.normal(size=(n_features, n_features)))[0]
        parts.append(centres[k] + (rng.normal(size=(size, n_features)) * scales) @ rotation)
    y = np.repeat(np.arange(n_clusters), sizes)
    order = rng.permutation(n_samples)
    return _standardize(np.concatenate(parts)[order]), y[order].astype(np.int64)


def make_nonconvex(shape="moons", n_samples=2000, *, n_features=10, noise=0.05,
                   random_state=0):
    """Two non-convex clusters (moons or circles) embedded in more dimensions.

    scikit-learn's 2-D :func:`~sklearn.datasets.make_moons` or
    :func:`~sklearn.datasets.make_circles` (``factor=0.5``), mapped into
    ``n_features`` dimensions by a random orthonormal 2-D basis, plus
    isotropic Gaussian noise of standard deviation ``noise`` in every
    dimension; then standardised.

    Parameters
    ----------
    shape : {"moons", "circles"}, default="moons"
    n_samples : int, default=2000
    n_features : int, default=10
        At least 2.
    noise : float, default=0.05
    random_state : int, RandomState instance or None, default=0
        Seeds the data (a fixed default: the same data every call).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float32
    y : ndarray of shape (n_samples,), dtype int64

    Examples
    --------
    >>> from hardclust.datasets import make_nonconvex
    >>> X, y = make_nonconvex("circles", 500)
    >>> X.shape, int(y.sum())
    ((500, 10), 250)
    """
    makers = {"moons": sklearn.datasets.make_moons,
              "circles": lambda **kw: sklearn.datasets.make_circles(factor=0.5, **kw)}
    if shape not in makers:
        raise ValueError(f"shape must be 'moons' or 'circles', got {shape!r}.")
    if n_features < 2:
        raise ValueError(f"n_features must be at least 2, got {n_features}.")
    rng = check_random_state(random_state)
    X2, y = makers[shape](n_samples=n_samples, shuffle=True, random_state=rng)
    basis = np.linalg.qr(rng.normal(size=(n_features, 2)))[0]
    X = X2 @ basis.T + rng.normal(scale=noise, size=(n_samples, n_features))
    return _standardize(X), y.astype(np.int64)

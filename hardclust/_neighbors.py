"""Nearest neighbours in the input: the second view of a training point.

The method trains without augmentation, so a point has no second view of
itself; one of its nearest neighbours in the input is the view the data
already hold (most of a point's nearest neighbours share its class; the
user guide gives the figures). Training assigns each point and a neighbour
drawn afresh at every pass to one cluster together (``n_neighbors`` and
``neighbor_weight`` of the estimator). This module owns the rule of
``n_neighbors="auto"`` (:func:`resolve_n_neighbors`), the space searched
(:func:`pair_space`: by angle for wide samples) and the search
(:func:`input_neighbors`).
"""

import math


import numpy as np
import torch
from sklearn import get_config
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from ._threads import search_limits

__all__ = ["input_neighbors", "pair_space", "resolve_n_neighbors", "search_space",
           "training_neighbors"]

# n_neighbors="auto": this many neighbours in fit for samples of more than
# _AUTO_MIN_VALUES values, whatever their layout (digits' 64 flat pixels
# gained as images did), none for narrower ones nor in a stream.
_AUTO_NEIGHBORS = 10
_AUTO_MIN_VALUES = 50

# Wider inputs are searched in their first principal components, so that
# the search costs the same whatever the width (784 pixels: 50 values).
_SEARCH_DIM = 50
# Rows whose largest magnitude is below this are scaled by it before their
# norm is taken (pair_space): float32 squares of values under about 1e-19
# underflow.
_FAINT = 1e-15
# Larger calls are searched in random blocks of at most this many rows, so
# that the cost grows linearly beyond it rather than quadratically
# (Fashion-MNIST's 70,000 images are one block).
_MAX_BLOCK = 100_000


def pair_space(X):
    """X as its samples' neighbours for training pairs are searched: a
    sample of more than ``_AUTO_MIN_VALUES`` values (an image, a signal)
    scaled to unit length, so that its neighbours are the samples at the
    smallest angle from it (the same shape whatever the brightness or
    amplitude); narrower rows (the columns of a table) as they are.

    Chosen under leave-one-dataset-out over both suites
    (``experiments/pair_metric/``). The graph start searches the rows as
    they are (:func:`hardclust._graph.graph_labels`): its spectral labels
    lost there when searched by angle.
    """
    flat = X.reshape(len(X), -1)
    if flat.shape[1] <= _AUTO_MIN_VALUES:
        return flat
    tiny = torch.finfo(flat.dtype).tiny
    unit = flat / flat.norm(dim=1, keepdim=True).clamp_min(tiny)
    # the squares of a row of tiny values underflow (its norm is wrong or
    # zero): such rows are first divided by their largest magnitude;
    # all-zero samples stay at the origin
    faint = flat.abs().amax(dim=1) < _FAINT
    if faint.any():
        rows = flat[faint] / flat[faint].abs().amax(dim=1, keepdim=True).clamp_min(tiny)
        unit[faint] = rows / rows.norm(dim=1, keepdim=True).clamp_min(tiny)
    return unit


def search_space(X):
    """X flattened to (n, d) float32, projected on its first ``_SEARCH_DIM``
    principal components when wider; the covariance solver is exact and
    deterministic, and cheap when n is much larger than d (it forms
    ``X^T X`` and corrects for the mean: X is never centred or copied)."""
    flat = X.reshape(len(X), -1).numpy()
    if flat.shape[1] <= _SEARCH_DIM or len(flat) <= _SEARCH_DIM or not flat.var(axis=0).any():
        return flat  # (constant samples have no components; PCA would warn)
    return PCA(_SEARCH_DIM, svd_solver="covariance_eigh").fit_transform(flat)


def _block_neighbors(features, n_neighbors, threads=None):
    """Indices (n, n_neighbors) of each row's nearest other rows, searched
    on ``threads`` OpenMP threads (None: the pool as it is)."""
    search = NearestNeighbors(n_neighbors=n_neighbors).fit(features)
    with search_limits(_parallel_threads(len(features), threads)):
        # without a query, scikit-learn leaves each point out of its own list
        return search.kneighbors(return_distance=False)


def _parallel_threads(n_samples, threads):
    """``threads`` where scikit-learn's search runs parallel over the query
    rows on that many (more than four chunks of rows a thread), else one.

    Over the query rows, each row's candidates are scanned in the same
    chunks in the same order whatever the count, so the result does not
    depend on it; on fewer rows scikit-learn splits the candidates between
    threads and merges their heaps, which can order ties otherwise (and
    such searches take milliseconds).
    """
    if threads is None or threads <= 1:
        return threads
    return threads if n_samples > 4 * get_config()["pairwise_dist_chunk_size"] * threads else 1


def input_neighbors(X, n_neighbors, rng, max_block=None, threads=None):
    """Each sample's ``n_neighbors`` nearest other samples of X: Euclidean
    in the :func:`search_space` of :func:`pair_space` (by angle for wide
    samples).

    Parameters
    ----------
    X : Tensor of shape (n_samples, \\*sample_shape)
        The training data of one call, on the CPU.
    n_neighbors : int
        Neighbours per sample; fewer when X has fewer other samples.
    rng : numpy.random.RandomState
        Splits X into random blocks when it has more than ``max_block``
        rows (not drawn from otherwise).
    max_block : int, default=None
        The most rows searched together; None is ``_MAX_BLOCK`` (100,000).
    threads : int, default=None
        OpenMP threads of the search (:func:`hardclust._threads.search_threads`);
        the result is the same for any count. None leaves the pool as it
        is, and then the tie order of a search of few rows may follow it.

    Returns
    -------
    neighbors : Tensor of shape (n_samples, k) or None
        Row indices into X, ``k = min(n_neighbors, rows per block - 1)``;
        None when there is no other sample to pair with.
    """
    n = len(X)
    n_blocks = -(-n // (max_block or _MAX_BLOCK))
    k = min(n_neighbors, n // n_blocks - 1)
    if k < 1:
        return None
    features = search_space(pair_space(X))
    if n_blocks == 1:
        return torch.from_numpy(_block_neighbors(features, k, threads))
    neighbors = np.empty((n, k), dtype=np.int64)
    for block in np.array_split(rng.permutation(n), n_blocks):
        neighbors[block] = block[_block_neighbors(features[block], k, threads)]
    return torch.from_numpy(neighbors)


def resolve_n_neighbors(n_neighbors, sample_shape, stream=False):
    """``n_neighbors`` with ``"auto"`` resolved: ``_AUTO_NEIGHBORS`` in
    ``fit`` for samples of more than ``_AUTO_MIN_VALUES`` values (flat
    columns or images), else 0.

    A stream (``stream=True``: ``partial_fit``) trains on single samples:
    neighbours would be searched within each chunk, and a small chunk holds
    few samples of each cluster to pair with.
    """
    if n_neighbors != "auto":
        return n_neighbors
    wide = math.prod(sample_shape) > _AUTO_MIN_VALUES
    return _AUTO_NEIGHBORS if wide and not stream else 0


def training_neighbors(X, n_neighbors, neighbor_weight, rng, threads=None):
    """The neighbours training pairs X's samples with (:func:`input_neighbors`,
    on ``threads``), or None when it trains on single samples (either
    parameter 0)."""
    if n_neighbors == 0 or neighbor_weight == 0:
        return None
    return input_neighbors(X, n_neighbors, rng, threads=threads)

"""Combination assignment: the hard-regularised labelling of one batch.

Within a batch, labels are chosen jointly. The batch's label vector ``y`` is
scored as ``sum_i D[i, y_i] + sum_k log(n_k!)`` where ``n_k`` counts the points
given to cluster ``k``; the score is minimised greedily, one point at a time
(Mahon & Lukasiewicz, AAAI 2024)::

    counts n_k = 0 for all k; all points unassigned
    repeat B times:
        among all (unassigned i, any k) pick the pair with the smallest
            D[i, k] + log(n_k + 1)
        ties: the smallest i, then the smallest k
        assign y_i = k; n_k += 1

:func:`combination_assign` produces exactly these labels, ties included, far
below the literal ``O(B^2 K)``: counts only grow, so each unassigned point's
best score only grows, and a heap of those scores, refreshed lazily when a
point's best cluster has filled since, always yields the literal's next pick.
:func:`combination_assign_literal` is the literal procedure, kept as the
reference the fast one is tested and benchmarked against.

Both promote the costs to float64 and add the penalty ``log(n_k + 1)`` taken
from the same table (:func:`_log_penalties`), so "exact" means bit-for-bit the
same comparisons, not merely the same up to rounding.
"""

import functools

import numpy as np
import torch
from numba import njit

__all__ = ["combination_assign", "combination_assign_literal"]


@functools.lru_cache(maxsize=16)
def _log_penalties(n):
    """``log(m + 1)`` for ``m = 0 .. n`` (float64, read-only), the penalty."""
    table = np.log(np.arange(1, n + 2, dtype=np.float64))
    table.flags.writeable = False
    return table


def _validate_costs(costs, log_prior):
    """Return ``(costs_f64, kind, device)`` after checking shape and values.

    ``kind`` is ``"torch"`` or ``"numpy"``; the prior, if any, is folded into
    the costs as ``costs - log_prior``.
    """
    if isinstance(costs, torch.Tensor):
        kind, device = "torch", costs.device
        if costs.is_complex():
            raise TypeError("costs must be real, got a complex tensor.")
        array = costs.detach().to(device="cpu", dtype=torch.float64).numpy()
    else:
        kind, device = "numpy", None
        array = np.asarray(costs)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"costs must be a real numeric array, got dtype {array.dtype}."
            )
        array = array.astype(np.float64, copy=False)
    if array.ndim != 2:
        raise ValueError(
            f"costs must be 2-D of shape (n_points, n_clusters), got shape "
            f"{array.shape}."
        )
    if array.shape[1] == 0:
        raise ValueError("costs must have at least one column (cluster).")
    if np.isnan(array).any():
        raise ValueError("costs contain NaN; every cost must be a number.")
    if log_prior is not None:
        if isinstance(log_prior, torch.Tensor):
            log_prior = log_prior.detach().to("cpu", torch.float64).numpy()
        log_prior = np.asarray(log_prior, dtype=np.float64)
        if log_prior.shape != (array.shape[1],):
            raise ValueError(
                f"log_prior must have shape (n_clusters,) = ({array.shape[1]},), "
                f"got {log_prior.shape}."
            )
        if np.isnan(log_prior).any() or (log_prior == np.inf).any():
            raise ValueError("log_prior must be finite or -inf, not NaN or +inf.")
        array = array - log_prior
    return np.ascontiguousarray(array), kind, device


def _wrap_labels(labels, kind, device):
    if kind == "torch":
        return torch.from_numpy(labels).to(device)
    return labels


@njit(cache=True, nogil=True, inline="always")
def _before(score_a, point_a, score_b, point_b):
    return score_a < score_b or (score_a == score_b and point_a < point_b)


@njit(cache=True, nogil=True)
def _sift_down(scores, points, size, pos):
    """Restore the min-heap of (score, point) keys below ``pos``."""
    score, point = scores[pos], points[pos]
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and _before(
            scores[child + 1], points[child + 1], scores[child], points[child]
        ):
            child += 1
        if not _before(scores[child], points[child], score, point):
            break
        scores[pos], points[pos] = scores[child], points[child]
        pos = child
    scores[pos], points[pos] = score, point


@njit(cache=True, nogil=True)
def _best_cluster(row, penalty):
    """Cheapest cluster for one point under the current count penalties.

    Strict ``<`` keeps the smallest cluster index among equal scores.
    """
    best, best_score = 0, row[0] + penalty[0]
    for k in range(1, row.shape[0]):
        score = row[k] + penalty[k]
        if score < best_score:
            best, best_score = k, score
    return best_score, best


@njit(cache=True, nogil=True)
def _greedy_kernel(costs, penalties):
    """Greedy combination assignment on float64 ``costs`` of shape (B, K).

    A heap over points holds each unassigned point's best (score, point)
    key. Counts only grow, so keys only grow: a key is a lower bound, and
    it is exact while the count of the point's best cluster is unchanged
    since it was computed (``stamp``). A fresh key on top is therefore the
    global minimum of (score, point, cluster), which is what the literal
    procedure picks; a stale one is recomputed in O(K) and sifted down.
    """
    n_points = costs.shape[0]
    n_clusters = costs.shape[1]
    labels = np.empty(n_points, dtype=np.int64)
    counts = np.zeros(n_clusters, dtype=np.int64)
    penalty = np.zeros(n_clusters, dtype=np.float64)
    best = np.empty(n_points, dtype=np.int64)
    stamp = np.zeros(n_points, dtype=np.int64)
    heap_scores = np.empty(n_points, dtype=np.float64)
    heap_points = np.arange(n_points)
    for i in range(n_points):
        heap_scores[i], best[i] = _best_cluster(costs[i], penalty)
    size = n_points
    for pos in range(n_points // 2 - 1, -1, -1):
        _sift_down(heap_scores, heap_points, size, pos)
    while size > 0:
        i = heap_points[0]
        k = best[i]
        if stamp[i] == counts[k]:
            labels[i] = k
            counts[k] += 1
            penalty[k] = penalties[counts[k]]
            size -= 1
            heap_scores[0], heap_points[0] = heap_scores[size], heap_points[size]
        else:
            heap_scores[0], k = _best_cluster(costs[i], penalty)
            best[i] = k
            stamp[i] = counts[k]
        _sift_down(heap_scores, heap_points, size, 0)
    return labels


def combination_assign(costs, log_prior=None):
    """Label a batch by combination assignment (hard regularisation).

    Greedily minimises ``sum_i D[i, y_i] + sum_k log(n_k!)`` over the batch's
    label vector, where ``D = costs - log_prior`` and ``n_k`` is the number of
    points labelled ``k``. The result is exactly the one of the literal
    procedure (see :func:`combination_assign_literal`), ties included: the
    smallest point index, then the smallest cluster index, wins a tie.

    Parameters
    ----------
    costs : ndarray or torch.Tensor of shape (n_points, n_clusters)
        Cost of putting each point in each cluster, for example
        ``||z_i - mu_k||^2 / sigma``. Any real dtype; tensors may live on any
        device. Values are promoted to float64. ``+inf`` is allowed (a
        forbidden pair), NaN is not.
    log_prior : array-like of shape (n_clusters,), default=None
        Log prior probability of each cluster, subtracted from the costs.
        ``None`` means a uniform prior (which does not change the labels).

    Returns
    -------
    labels : ndarray or torch.Tensor of shape (n_points,), dtype int64
        The cluster of each point; a tensor on the input's device when
        ``costs`` is a tensor, else a numpy array.

    See Also
    --------
    combination_assign_literal : The O(B^2 K) reference procedure.

    Notes
    -----
    Work is ``O(B K)`` for every point's first choice plus
    ``O((B + R) (K + log B))``, where ``R`` counts the points whose first
    choice went stale (their best cluster filled up) by the time they
    reached the top of the heap: a few per point in practice. The kernel is compiled by numba on
    first use and cached on disk.

    Examples
    --------
    Three points all nearest to cluster 0: the second one to join it would
    pay ``log 2 = 0.69``, so the point that loses least by moving (0.6)
    goes to cluster 1 instead; the third would pay ``log 2`` in either.

    >>> import numpy as np
    >>> from hardclust import combination_assign
    >>> costs = np.array([[0.0, 0.5], [0.0, 0.6], [0.0, 0.7]])
    >>> costs.argmin(axis=1)
    array([0, 0, 0])
    >>> combination_assign(costs)
    array([0, 1, 0])
    """
    array, kind, device = _validate_costs(costs, log_prior)
    n_points = array.shape[0]
    labels = _greedy_kernel(array, _log_penalties(n_points))
    return _wrap_labels(labels, kind, device)


def combination_assign_literal(costs, log_prior=None):
    """The literal ``O(B^2 K)`` combination assignment, as a reference.

    Scans every (unassigned point, cluster) pair before each of the ``B``
    assignments, exactly as the procedure is written (module docstring).
    Each scan is vectorised with numpy; only the outer loop is Python.
    Use :func:`combination_assign`, which returns the same labels far
    faster; this one exists to test and benchmark it against.

    Parameters
    ----------
    costs : ndarray or torch.Tensor of shape (n_points, n_clusters)
        As in :func:`combination_assign`.
    log_prior : array-like of shape (n_clusters,), default=None
        As in :func:`combination_assign`.

    Returns
    -------
    labels : ndarray or torch.Tensor of shape (n_points,), dtype int64
        As in :func:`combination_assign`.

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust.assignment import combination_assign_literal
    >>> combination_assign_literal(np.array([[0.0, 0.5], [0.0, 0.6], [0.0, 0.7]]))
    array([0, 1, 0])
    """
    array, kind, device = _validate_costs(costs, log_prior)
    n_points, n_clusters = array.shape
    penalties = _log_penalties(n_points)
    counts = np.zeros(n_clusters, dtype=np.int64)
    labels = np.empty(n_points, dtype=np.int64)
    unassigned = np.arange(n_points)
    scores = array + penalties[0]
    for _ in range(n_points):
        # argmin over the row-major flattening: first minimum is the
        # smallest point index, then the smallest cluster index.
        flat = int(np.argmin(scores[unassigned]))
        row, k = divmod(flat, n_clusters)
        labels[unassigned[row]] = k
        unassigned = np.delete(unassigned, row)
        counts[k] += 1
        scores[:, k] = array[:, k] + penalties[counts[k]]
    return _wrap_labels(labels, kind, device)


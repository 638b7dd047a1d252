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
below the literal ``O(B^2 K)``. Counts only grow, so scores only grow, and a
lazily refreshed heap always yields the literal's next pick. Two kernels do
this: for few clusters, a heap of points per cluster (each cluster's next
pick is its cheapest unassigned point) under a heap of clusters; for many
clusters, one heap of points keyed by each point's best cluster.
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


_NAN_MESSAGE = (
    "costs contain NaN (or a -inf cost meets a -inf log_prior); every cost "
    "must be a number."
)


def _validate_costs(costs, log_prior):
    """Return ``(array, kind, device)`` after checking type and shape.

    ``array`` is C-contiguous float32 or float64 (other dtypes become
    float64; either way the kernels add the penalties in float64, so the
    input dtype never changes a comparison). ``kind`` is ``"torch"`` or
    ``"numpy"``; the prior, if any, is folded in as ``costs - log_prior``.
    NaN is rejected by the kernels, which read every cost anyway.
    """
    if isinstance(costs, torch.Tensor):
        kind, device = "torch", costs.device
        if costs.is_complex():
            raise TypeError("costs must be real, got a complex tensor.")
        costs = costs.detach()
        if costs.dtype not in (torch.float32, torch.float64):
            costs = costs.double()
        array = costs.cpu().numpy()
    else:
        kind, device = "numpy", None
        array = np.asarray(costs)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"costs must be a real numeric array, got dtype {array.dtype}."
            )
        if array.dtype not in (np.float32, np.float64):
            array = array.astype(np.float64)
    if array.ndim != 2:
        raise ValueError(
            f"costs must be 2-D of shape (n_points, n_clusters), got shape "
            f"{array.shape}."
        )
    if array.shape[1] == 0:
        raise ValueError("costs must have at least one column (cluster).")
    if log_prior is not None:
        if isinstance(log_prior, torch.Tensor):
            if log_prior.is_complex():
                raise TypeError("log_prior must be real, got a complex tensor.")
            log_prior = log_prior.detach().to("cpu", torch.float64).numpy()
        if np.iscomplexobj(log_prior):
            raise TypeError("log_prior must be real, got complex values.")
        log_prior = np.asarray(log_prior, dtype=np.float64)
        if log_prior.shape != (array.shape[1],):
            raise ValueError(
                f"log_prior must have shape (n_clusters,) = ({array.shape[1]},), "
                f"got {log_prior.shape}."
            )
        if np.isnan(log_prior).any() or (log_prior == np.inf).any():
            raise ValueError("log_prior must be finite or -inf, not NaN or +inf.")
        array = array.astype(np.float64) - log_prior
    return np.ascontiguousarray(array), kind, device


def _wrap_labels(labels, kind, device):
    if kind != "torch":
        return labels
    labels = torch.from_numpy(labels)
    if device.type == "cuda":  # from pinned memory the copy does not block the host
        return labels.pin_memory().to(device, non_blocking=True)
    return labels.to(device)


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

    Used for more than ``_CLUSTER_KERNEL_MAX_K`` clusters. A heap over
    points holds each unassigned point's best (score, point) key. Counts only grow, so keys only grow: a key is a lower bound, and
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
    has_nan = False  # accumulated without a branch, checked once
    for i in range(n_points):
        for k in range(n_clusters):
            has_nan |= np.isnan(costs[i, k])
        heap_scores[i], best[i] = _best_cluster(costs[i], penalty)
    if has_nan:
        raise ValueError(_NAN_MESSAGE)
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


@njit(cache=True, nogil=True)
def _cluster_before(scores, points, a, b):
    """Order of clusters in the outer heap: by score, point, then cluster."""
    if scores[a] != scores[b]:
        return scores[a] < scores[b]
    if points[a] != points[b]:
        return points[a] < points[b]
    return a < b


@njit(cache=True, nogil=True)
def _sift_clusters(order, scores, points):
    """Restore the outer heap of clusters after its top key grew."""
    n, pos = order.shape[0], 0
    while True:
        child = 2 * pos + 1
        if child >= n:
            return
        if child + 1 < n and _cluster_before(scores, points, order[child + 1], order[child]):
            child += 1
        if not _cluster_before(scores, points, order[child], order[pos]):
            return
        order[pos], order[child] = order[child], order[pos]
        pos = child


@njit(cache=True, nogil=True)
def _cluster_candidate(heap_costs, heap_points, size, assigned, penalty, stack):
    """Best unassigned point of one cluster: ``(new_size, point, score)``.

    Points taken by other clusters are popped off the top of the cluster's
    (cost, point) heap. Distinct costs can still round to the same float64
    score once the penalty is added, and the literal procedure then prefers
    the smaller index, so the heap is searched from the top for other
    points with an equal score (a larger score prunes a subtree: its
    descendants cost at least as much).
    """
    while assigned[heap_points[0]]:
        size -= 1
        heap_costs[0], heap_points[0] = heap_costs[size], heap_points[size]
        _sift_down(heap_costs, heap_points, size, 0)
    best = heap_points[0]
    score = heap_costs[0] + penalty
    top = 0
    for child in (1, 2):
        # Usually no child ties, and the search ends here.
        if child < size and heap_costs[child] + penalty == score:
            stack[top] = child
            top += 1
    while top > 0:
        top -= 1
        pos = stack[top]
        if heap_costs[pos] + penalty != score:
            continue
        point = heap_points[pos]
        if point < best and not assigned[point]:
            best = point
        for child in (2 * pos + 1, 2 * pos + 2):
            if child < size:
                stack[top] = child
                top += 1
    return size, best, score


@njit(cache=True, nogil=True)
def _greedy_kernel_by_cluster(costs, penalties):
    """Greedy combination assignment on ``costs`` of shape (B, K).

    The cluster-side twin of :func:`_greedy_kernel`, used for few clusters:
    each cluster keeps a heap of all points by cost, consumed lazily, and an
    outer heap orders the clusters by their best candidate's score. A count
    increase moves one cluster's key only, so tables where most points
    prefer the same cluster (the collapse this method fights) stay cheap,
    where the point heap refreshes every point after every assignment
    (7 times slower on such a batch from digits).
    """
    n_points, n_clusters = costs.shape
    labels = np.empty(n_points, dtype=np.int64)
    if n_points == 0:
        return labels
    assigned = np.zeros(n_points, dtype=np.bool_)
    counts = np.zeros(n_clusters, dtype=np.int64)
    stack = np.empty(n_points, dtype=np.int64)
    heap_costs = np.empty((n_clusters, n_points), dtype=np.float64)
    has_nan = False
    for i in range(n_points):
        for k in range(n_clusters):
            has_nan |= np.isnan(costs[i, k])
            heap_costs[k, i] = costs[i, k]
    if has_nan:
        raise ValueError(_NAN_MESSAGE)
    heap_points = np.empty((n_clusters, n_points), dtype=np.int64)
    sizes = np.full(n_clusters, n_points, dtype=np.int64)
    points = np.empty(n_clusters, dtype=np.int64)
    scores = np.empty(n_clusters, dtype=np.float64)
    for k in range(n_clusters):
        for i in range(n_points):
            heap_points[k, i] = i
        for pos in range(n_points // 2 - 1, -1, -1):
            _sift_down(heap_costs[k], heap_points[k], n_points, pos)
        sizes[k], points[k], scores[k] = _cluster_candidate(
            heap_costs[k], heap_points[k], n_points, assigned, penalties[0], stack
        )
    order = np.arange(n_clusters)
    for start in range(n_clusters // 2 - 1, -1, -1):
        pos = start
        while True:  # sift down from ``start`` (heapify)
            child = 2 * pos + 1
            if child >= n_clusters:
                break
            if child + 1 < n_clusters and _cluster_before(
                scores, points, order[child + 1], order[child]
            ):
                child += 1
            if not _cluster_before(scores, points, order[child], order[pos]):
                break
            order[pos], order[child] = order[child], order[pos]
            pos = child
    n_done = 0
    while True:
        k = order[0]
        i = points[k]
        if not assigned[i]:
            assigned[i] = True
            labels[i] = k
            counts[k] += 1
            n_done += 1
            if n_done == n_points:
                return labels
        # k took its candidate, or another cluster took it first: either way
        # only k's key grew, so refresh it and sift it down.
        sizes[k], points[k], scores[k] = _cluster_candidate(
            heap_costs[k], heap_points[k], sizes[k], assigned, penalties[counts[k]], stack
        )
        _sift_clusters(order, scores, points)


# Up to this many clusters the per-cluster heaps are the faster kernel
# (benchmarks/bench_assignment.py; above it their O(B K log B) build cost
# loses to the point heap). Both kernels return the same labels.
_CLUSTER_KERNEL_MAX_K = 12


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
    For up to 12 clusters, work is ``O(B K)`` to build one heap of points
    per cluster plus ``O((B + S) log B)`` to consume them, ``S <= B K``
    counting candidates another cluster took first. For more clusters it is
    ``O(B K)`` for every point's first choice plus ``O((B + R) (K + log
    B))``, ``R`` counting points whose best cluster filled up before their
    turn (a few per point on balanced tables). The kernels are compiled by
    numba on first use and cached on disk.

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
    penalties = _log_penalties(n_points)
    if array.shape[1] <= _CLUSTER_KERNEL_MAX_K:
        labels = _greedy_kernel_by_cluster(array, penalties)
    else:
        labels = _greedy_kernel(array, penalties)
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
    array = array.astype(np.float64)
    if np.isnan(array).any():
        raise ValueError(_NAN_MESSAGE)
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


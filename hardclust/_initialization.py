"""Where training starts: k-means on the untrained encoder's embeddings.

``init="k-means"`` embeds a sample of the first data seen
(:func:`embed_sample`), runs k-means on it several times
(:func:`kmeans_plusplus` starts, scikit-learn's Lloyd iterations) and keeps
the run whose cluster sizes best match the prior (:func:`balanced_kmeans`,
:func:`match_prior`). The estimator rescales the result; see
``OnlineHardClustering._kmeans_init``.
"""

import warnings

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits
from torch.optim.swa_utils import update_bn

from ._net import embed, eval_mode

# Embeddings k-means sees at initialisation: enough to find every mode,
# few enough that this costs a fraction of an epoch.
_INIT_SAMPLE = 2048
# k-means runs at initialisation; the one whose cluster sizes best match
# the prior is kept (10 measured better than 3 on digits, docs/results.md).
_INIT_KMEANS_RESTARTS = 10

def match_prior(sizes, log_prior):
    """Pair clusters with prior entries, largest with largest.

    Parameters
    ----------
    sizes : ndarray of shape (n_clusters,)
        Points in each cluster of a partition.
    log_prior : ndarray of shape (n_clusters,)
        Log prior probability of each cluster index.

    Returns
    -------
    order : ndarray of shape (n_clusters,)
        ``order[k]`` is the cluster to place at index ``k``. Sorted pairing
        minimises the divergence below (rearrangement inequality).
    divergence : float
        ``KL(q || prior)`` of the paired proportions ``q = sizes / sum``.
    """
    q = sizes / sizes.sum()
    order = np.empty(len(q), dtype=np.intp)
    order[np.argsort(-log_prior, kind="stable")] = np.argsort(-q, kind="stable")
    q = q[order]
    support = q > 0
    divergence = np.sum(q[support] * (np.log(q[support]) - log_prior[support]))
    return order, float(divergence)


def embed_sample(module, X, batch_size, device, rng):
    """Embeddings of up to ``_INIT_SAMPLE`` rows of X drawn without
    replacement (kept in their order), as a float32 ndarray on the CPU.

    BatchNorm layers first take their running statistics from the sample
    (:func:`torch.optim.swa_utils.update_bn`; nothing happens without
    BatchNorm): in evaluation mode an untrained network's BatchNorm would
    otherwise apply its initial statistics (mean 0, variance 1), and the
    embedding k-means sees would not be the one training sees, which
    normalises each batch by its own statistics.

    float32 as the encoder gives it: KMeans keeps the dtype, and in float64
    it took 92 ms instead of 14 ms on 2,048 CNN embeddings.
    """
    n = min(len(X), _INIT_SAMPLE)
    rows = X[np.sort(rng.choice(len(X), n, replace=False))]
    if n > 1:
        # chunks of at least 2 rows: BatchNorm in training mode needs them
        chunks = rows.tensor_split(max(1, n // max(batch_size, 2)))
        update_bn(chunks, module, device=device)
    with eval_mode(module):
        return embed(module, rows, batch_size, device).cpu().numpy()


def kmeans_plusplus(z, n_clusters, n_runs, rng):
    """Greedy k-means++ starts for ``n_runs`` k-means runs, drawn together.

    The seeding of :func:`sklearn.cluster.kmeans_plusplus` (first centre
    uniform; each next one the best, by potential, of ``2 + ln(n_clusters)``
    candidates drawn with probability proportional to the squared distance
    to the nearest centre so far), with every run advanced in the same
    array operations. Ten scikit-learn calls cost about 40 ms on 2,048
    points of 128 dimensions, mostly per-call overhead; this takes a few
    (docs/performance.md).

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_features)
        Points to seed from.
    n_clusters : int
        Centres per run.
    n_runs : int
        Independent runs.
    rng : numpy.random.RandomState
        Source of the draws.

    Returns
    -------
    starts : ndarray of shape (n_runs, n_clusters, n_features)
        Rows of ``z``; dtype of ``z``.
    """
    n = len(z)
    trials = 2 + int(np.log(n_clusters))
    # Centred, in float64: an untrained encoder's embeddings share a large
    # common part (on Fashion-MNIST a squared norm 60,000 times their
    # spread), and the expansion below cancels it; in float32 the rounding
    # error was as large as the smaller distances, which then drew
    # candidates almost at random (and the trained clusters were worse).
    # scikit-learn centres too, and computes float32 distances in float64.
    centred = z.astype(np.float64)
    centred -= centred.mean(axis=0)
    norms = np.einsum("ij,ij->i", centred, centred)

    def squared_distances(rows):  # (len(rows), n)
        return np.maximum(norms[rows, None] + norms[None] - 2 * (centred[rows] @ centred.T), 0)

    chosen = np.empty((n_runs, n_clusters), dtype=np.intp)
    chosen[:, 0] = rng.randint(n, size=n_runs)
    nearest = squared_distances(chosen[:, 0])
    runs = np.arange(n_runs)
    for k in range(1, n_clusters):
        cumulative = np.cumsum(nearest, axis=1)
        targets = rng.uniform(size=(n_runs, trials)) * cumulative[:, -1:]
        # per run, np.searchsorted(cumulative, targets) (left side)
        candidates = np.minimum((cumulative[:, :, None] < targets[:, None]).sum(axis=1), n - 1)
        reached = np.minimum(nearest[:, None],
                             squared_distances(candidates.ravel()).reshape(n_runs, trials, n))
        best = reached.sum(axis=2).argmin(axis=1)
        nearest = reached[runs, best]
        chosen[:, k] = candidates[runs, best]
    return z[chosen]


def balanced_kmeans(z, n_clusters, log_prior, rng):
    """Centroids of the k-means run whose cluster sizes best match the prior.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_features)
        Points to cluster.
    n_clusters : int
        Number of clusters.
    log_prior : ndarray of shape (n_clusters,)
        Log prior probability of each cluster index.
    rng : numpy.random.RandomState
        Draws the ``_INIT_KMEANS_RESTARTS`` runs' k-means++ starts
        (:func:`kmeans_plusplus`); scikit-learn's Lloyd iterations take it
        from there.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features), float64
        Of the runs, the one with the smallest ``KL(sizes || prior)``,
        its clusters ordered by :func:`match_prior`. Never the lowest
        inertia: the model expects clusters of the prior's sizes, and
        balance ranked the starts' ACC better (docs/results.md).
    """
    best = None
    # One thread for k-means: scikit-learn's OpenMP pool otherwise
    # competes with torch's for the cores (on digits' embeddings ten runs
    # took 110-140 ms once torch had run, 93 ms on one thread).
    with warnings.catch_warnings(), threadpool_limits(1):
        # Fewer distinct points than clusters (e.g. duplicated rows) is
        # allowed: coinciding centroids are separated by training.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for start in kmeans_plusplus(z, n_clusters, _INIT_KMEANS_RESTARTS, rng):
            kmeans = KMeans(n_clusters, init=start, n_init=1).fit(z)
            sizes = np.bincount(kmeans.labels_, minlength=n_clusters)
            order, divergence = match_prior(sizes, log_prior)
            if best is None or divergence < best[0]:
                best = (divergence, kmeans.cluster_centers_[order])
    return best[1].astype(np.float64)

"""What the benchmark command and the repository's benchmark and experiment scripts share.

One record of the environment for every JSON file they write, and the
package's own rules for scripts that rebuild a piece of a fit by hand
(an encoder's embeddings, the balanced k-means start, the epochs of
``max_epochs="auto"``), so that no script carries a copy that can drift.
"""

import os
import platform
import sys
import warnings

import numpy as np
import torch
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from .._initialization import match_prior
from .._schedule import _AUTO_MIN_EPOCHS, _AUTO_MIN_STEPS, auto_max_epochs
from .._utils import check_random_state, draw_seed, eval_mode
from .._utils import embed as _embed

__all__ = ["environment", "embed", "balanced_kmeans", "auto_epochs"]


def environment():
    """Versions, cores and torch's threads and device, for a JSON record.

    Returns
    -------
    environment : dict
        ``python``, ``hardclust``, ``torch``, ``scikit-learn``, ``numpy``,
        ``cpu_count``, ``torch_threads``, ``device`` (the CUDA device's
        name, or ``"cpu"``) and ``machine``.

    Examples
    --------
    >>> from hardclust.benchmark.harness import environment
    >>> sorted(environment())[:3]
    ['cpu_count', 'device', 'hardclust']
    """
    import sklearn

    from .. import __version__

    return {
        "python": sys.version.split()[0],
        "hardclust": __version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "machine": platform.machine(),
    }


def embed(encoder, X, batch_size=256):
    """Embeddings of X by an ``nn.Module``, in evaluation mode, without gradients.

    Parameters
    ----------
    encoder : torch.nn.Module
        On the CPU; its own and its submodules' modes are restored after.
    X : array-like of shape (n_samples, \\*sample_shape)
    batch_size : int, default=256
        Rows per forward pass.

    Returns
    -------
    Z : ndarray of shape (n_samples, latent_dim), float32
    """
    X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    with eval_mode(encoder):
        return _embed(encoder, X, batch_size, torch.device("cpu")).numpy()


def balanced_kmeans(Z, n_clusters, random_state, runs=10):
    """Centres of the most balanced of ``runs`` k-means runs on Z.

    The start's rule under a uniform prior: each run is scikit-learn's
    k-means from one k-means++ start; the run whose cluster sizes are
    closest to uniform (``KL(sizes || uniform)``, as the start's
    :func:`~hardclust._initialization.match_prior` measures it) is kept.
    Unlike the start, the centres keep k-means' order and ``runs`` can be
    changed. Usable as ``init=lambda Z, k, rs: balanced_kmeans(Z, k, rs)``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
    n_clusters : int
    random_state : int, RandomState or None
        Seeds the runs (one draw per run).
    runs : int, default=10

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
        In Z's dtype.
    """
    rng = check_random_state(random_state)
    uniform = np.full(n_clusters, -np.log(n_clusters))
    best, best_kl = None, np.inf
    # one thread: scikit-learn's OpenMP pool competes with torch's for the cores
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(runs):
            km = KMeans(n_clusters, n_init=1, random_state=draw_seed(rng)).fit(Z)
            kl = match_prior(np.bincount(km.labels_, minlength=n_clusters), uniform)[1]
            if kl < best_kl:
                best, best_kl = km.cluster_centers_, kl
    return best


def auto_epochs(n_samples, batch_size=256, min_epochs=_AUTO_MIN_EPOCHS,
                min_steps=_AUTO_MIN_STEPS):
    """The epochs of ``max_epochs="auto"`` on ``n_samples``, or, with other
    minimums, a longer or shorter schedule built by the same rule.

    Parameters
    ----------
    n_samples : int
    batch_size : int, default=256
    min_epochs, min_steps : int, default=the estimator's
        At least this many epochs, and enough epochs for this many steps.

    Returns
    -------
    epochs : int

    Examples
    --------
    >>> from hardclust.benchmark.harness import auto_epochs
    >>> auto_epochs(1797), auto_epochs(70000)
    (63, 10)
    """
    batches = -(-n_samples // batch_size)
    if (min_epochs, min_steps) == (_AUTO_MIN_EPOCHS, _AUTO_MIN_STEPS):
        return auto_max_epochs("auto", batches)  # the estimator's own rule
    return max(min_epochs, -(-min_steps // batches))

"""The benchmark's methods: hardclust's objectives, k-means and the UMAP peers.

``umap-kmeans`` and ``umap-gmm`` are the manifold recipe a user would try
instead of hardclust: umap-learn's UMAP (``n_components=10``,
``n_neighbors=15``, ``min_dist=0``) on the flat input, then scikit-learn's
``KMeans(n_init=10)`` or ``GaussianMixture(covariance_type="full")`` on the
reduction, all seeded by the run's seed and timed together. umap-learn is
in the ``bench`` extra only (``pip install "hardclust[bench]"``).
"""

import functools
import importlib
import time
import warnings

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline

from ..estimator import OnlineHardClustering
from ..metrics import clustering_report
from ..objectives import OBJECTIVES

#: The methods run by default: hardclust's objectives and k-means.
METHODS = (*OBJECTIVES, "kmeans", "minibatch-kmeans")
#: The UMAP recipes, run when named (they need umap-learn).
PEERS = ("umap-kmeans", "umap-gmm")
#: Methods fitted on the flat input (the matrix k-means gets).
FLAT_METHODS = ("kmeans", "minibatch-kmeans", *PEERS)
SUITE_METHODS = ("hardclust", "kmeans", "minibatch-kmeans")
#: The UMAP recipe's settings (those of issue 25's comparison).
UMAP_PARAMS = {"n_components": 10, "n_neighbors": 15, "min_dist": 0.0}
_UMAP_INSTALL = 'pip install "hardclust[bench]"'

# Set per run by the benchmark itself (or needed by it: labels_ is scored),
# so not accepted in ``params``.
_RESERVED = ("n_clusters", "objective", "regularization", "random_state", "compute_labels")


def _umap():
    """umap-learn's module, or an ImportError naming the install command."""
    try:
        return importlib.import_module("umap")
    except ImportError as exc:
        raise ImportError(
            f"the methods umap-kmeans and umap-gmm need umap-learn ({exc}); "
            f"`{_UMAP_INSTALL}` installs it."
        ) from None


@functools.lru_cache(maxsize=1)
def _compile_umap():
    """Run UMAP on a few points, so that numba's one-off compilation (tens
    of seconds to minutes per process) is not charged to the first timed fit.

    numba compiles per input dtype, and UMAP takes another code path (an
    approximate neighbour search) from 4,096 samples on: each is run once.
    """
    points = np.random.RandomState(0).rand(60, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in (np.float32, np.float64):
            for approximate in (False, True):
                _umap().UMAP(**UMAP_PARAMS, random_state=0,
                             force_approximation_algorithm=approximate
                             ).fit_transform(points.astype(dtype))


def _check_methods(methods):
    """Fail before any fit when a method's package is missing."""
    if set(PEERS) & set(methods):
        _compile_umap()


def _make(method, n_clusters, seed, max_epochs, params):
    if method == "kmeans":
        return KMeans(n_clusters, n_init=10, random_state=seed)
    if method == "minibatch-kmeans":
        return MiniBatchKMeans(n_clusters, n_init=10, random_state=seed)
    if method in PEERS:
        clusterer = (KMeans(n_clusters, n_init=10, random_state=seed)
                     if method == "umap-kmeans" else
                     GaussianMixture(n_clusters, covariance_type="full", random_state=seed))
        return make_pipeline(_umap().UMAP(**UMAP_PARAMS, random_state=seed), clusterer)
    params = {**params, "n_clusters": n_clusters, "random_state": seed}
    if method != "hardclust":
        params["objective"] = method
    if max_epochs is not None:
        params["max_epochs"] = max_epochs
    return OnlineHardClustering(**params)


def _fit_and_score(method, X_deep, X_flat, y, seed, max_epochs, params):
    """One run: the metrics of ``method`` fitted with ``seed``."""
    n_clusters = len(np.unique(y))
    model = _make(method, n_clusters, seed, max_epochs, params)
    X = X_flat if method in FLAT_METHODS else X_deep
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # a pipeline (the UMAP recipes) has no labels_: its last step's labels
        labels = (model.fit_predict(X) if method in PEERS
                  else model.fit(X).labels_)
    seconds = time.perf_counter() - start
    report = clustering_report(y, labels)
    report["empty"] = int(n_clusters - len(np.unique(labels)))
    report["fit_s"] = seconds
    return report


def _check_params(params, max_epochs):
    """``params`` as a dict, or a ValueError naming the bad keys."""
    params = dict(params or {})
    if max_epochs is not None and "max_epochs" in params:
        raise ValueError("max_epochs is given twice (as max_epochs and in params); "
                         "give it once.")
    known = OnlineHardClustering().get_params()
    unknown = sorted(set(params) - set(known))
    reserved = sorted(set(params) & set(_RESERVED))
    if unknown or reserved:
        raise ValueError(
            f"params {unknown + reserved} cannot be set here: the benchmark sets "
            f"{list(_RESERVED)} per run, and OnlineHardClustering's parameters "
            f"are {sorted(set(known) - set(_RESERVED))}."
        )
    return params

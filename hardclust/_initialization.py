"""Where training starts: centroids on the untrained embedding.

``init="graph"`` (the default) clusters a sample of the first data by its
neighbour graph and fits the model to those labels (:func:`graph_start`,
the graph's rules in :mod:`hardclust._graph`). ``init="k-means"`` embeds a
sample of the first data seen (:func:`embed_sample`), runs scikit-learn's
k-means on it several times and keeps the run whose cluster sizes best
match the prior (:func:`balanced_kmeans`, :func:`match_prior`); a callable
``init`` replaces the k-means step and an array gives the centroids
directly. Either way
:func:`scale_start` then fixes the embedding's scale so that the centroids
start well apart relative to ``sigma``. :func:`start` runs the whole chain,
and :func:`initial_module` builds the model it starts (with the warm start
of ``pretrain_epochs`` before it). The "auto" rules of ``sigma`` and
``pretrain_epochs`` are here, beside the start they are tied to.
"""

import warnings

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from torch.nn.modules.batchnorm import _BatchNorm

from ._batches import ShuffledBatches, TensorDataset
from ._graph import GRAPH_KMEANS_RUNS, fit_to_labels, graph_labels, layout_passes, sample_rows
from ._neighbors import search_space
from ._model import ClusterModule
from ._params import optimizer_options
from ._priors import is_graph_prior, label_log_prior
from ._optimizers import build_optimizer
from ._utils import (draw_seed, embed, eval_mode, explain_batchnorm_failure, finite_loss,
                     seeded)
from ._threads import blas_limits
from .encoders import check_encoder_output, make_decoder, make_encoder

# Embeddings k-means sees at initialisation: enough to find every mode,
# few enough that this costs a fraction of an epoch.
_INIT_SAMPLE = 2048
# k-means runs at initialisation; the one whose cluster sizes best match
# the prior is kept (the user guide's start section).
_INIT_KMEANS_RESTARTS = 10
# Mean squared distance between initial centroids, per latent dimension
# (N(0, I) centroids have 2; the user guide says why 8).
_INIT_SPREAD = 8.0
# sigma="auto": this much per latent dimension, a fixed ratio to _INIT_SPREAD.
_AUTO_SIGMA_PER_DIM = 25 / 16
# Optimisation steps of the warm start of pretrain_epochs="auto" (image CNN).
_AUTO_PRETRAIN_STEPS = 500


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


def calibrate_batchnorm(module, chunks, device):
    """Set every BatchNorm layer's running statistics from ``chunks``.

    What :func:`torch.optim.swa_utils.update_bn` does, except that only the
    BatchNorm layers run in training mode: Dropout and the like stay in
    evaluation mode, so the pass draws no random numbers (the start stays
    reproducible and the process-global RNG untouched), and the statistics
    are those of the activations evaluation mode will see. Each
    submodule's mode and each BatchNorm's momentum are restored, also when
    a forward pass raises. Any statistics the layers had (a pretrained
    encoder's) are replaced. Nothing happens without BatchNorm.

    Parameters
    ----------
    module : nn.Module
        Network whose BatchNorm layers are set.
    chunks : iterable of Tensor
        Batches of inputs, each of at least 2 samples (BatchNorm in training
        mode needs 2 values per channel).
    device : torch.device
        Where the module lives; each chunk is moved there.
    """
    norms = [m for m in module.modules() if isinstance(m, _BatchNorm)]
    if not norms:
        return
    modes = [(m, m.training) for m in module.modules()]
    momenta = [m.momentum for m in norms]
    try:
        module.eval()
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # a cumulative average over the chunks
            norm.train()
        with torch.no_grad():
            for chunk in chunks:
                module(chunk.to(device))
    finally:
        for norm, momentum in zip(norms, momenta):
            norm.momentum = momentum
        for m, training in modes:
            m.training = training


def embed_sample(module, X, batch_size, device, rng):
    """Embeddings of a random sample of X, as the start's k-means sees them.

    BatchNorm layers first take their running statistics from the sample
    (:func:`calibrate_batchnorm`): in evaluation mode an untrained network's
    BatchNorm would otherwise apply its initial statistics (mean 0,
    variance 1), and k-means would cluster an embedding unlike the one
    training sees, which normalises each batch by its own statistics.

    Parameters
    ----------
    module : nn.Module
        The encoder (or any network mapping X's rows to embeddings).
    X : Tensor of shape (n_samples, \\*sample_shape)
        Data on the CPU.
    batch_size : int
        Rows per forward pass.
    device : torch.device
        Where the module lives.
    rng : numpy.random.RandomState
        Draws the sample: up to ``_INIT_SAMPLE`` rows without replacement,
        kept in their order.

    Returns
    -------
    z : ndarray of shape (min(n_samples, _INIT_SAMPLE), latent_dim), float32
        float32 as the encoder gives it: KMeans keeps the dtype, and in
        float64 it took 92 ms instead of 14 ms on 2,048 CNN embeddings.
    """
    n = min(len(X), _INIT_SAMPLE)
    return embed_rows(module, X[np.sort(rng.choice(len(X), n, replace=False))], batch_size,
                      device)


def embed_rows(module, rows, batch_size, device):
    """Embeddings of ``rows`` (a Tensor), BatchNorm calibrated on them
    (:func:`embed_sample`), as a float32 ndarray."""
    n = len(rows)
    if n > 1:
        # chunks of at least 2 rows: BatchNorm in training mode needs them
        calibrate_batchnorm(module, rows.tensor_split(max(1, n // max(batch_size, 2))), device)
    with eval_mode(module):
        return embed(module, rows, batch_size, device).cpu().numpy()


def check_embeddings(z):
    """A ``FloatingPointError`` saying what to fix when the starting
    encoder's embeddings ``z`` (an ndarray) are not all finite."""
    if not np.all(np.isfinite(z)):
        raise FloatingPointError(
            "the starting encoder produced non-finite embeddings; scale "
            "the input (for example with StandardScaler)."
        )


def balanced_kmeans(z, n_clusters, log_prior, rng, runs=None):
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
        Seeds the runs.
    runs : int, default=None
        k-means runs; None is ``_INIT_KMEANS_RESTARTS``.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features), float64
        Of the runs, the one with the smallest ``KL(sizes || prior)``,
        its clusters ordered by :func:`match_prior`. Never the lowest
        inertia: the model expects clusters of the prior's sizes.
    """
    best = None
    # One thread for k-means: scikit-learn's OpenMP pool otherwise
    # competes with torch's for the cores (on digits' embeddings ten runs
    # took 110-140 ms once torch had run, 93 ms on one thread). Through a
    # controller made once: making one costs 15-45 ms a call.
    with warnings.catch_warnings(), blas_limits(1):
        # Fewer distinct points than clusters (e.g. duplicated rows) is
        # allowed: coinciding centroids are separated by training.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(runs or _INIT_KMEANS_RESTARTS):
            kmeans = KMeans(n_clusters, n_init=1, random_state=draw_seed(rng)).fit(z)
            sizes = np.bincount(kmeans.labels_, minlength=n_clusters)
            order, divergence = match_prior(sizes, log_prior)
            if best is None or divergence < best[0]:
                best = (divergence, kmeans.cluster_centers_[order])
    return best[1].astype(np.float64)


def scale_start(centers, z=None):
    """Initial centroids and the embedding scale that spreads them.

    The scale makes the mean squared distance between centroids
    ``_INIT_SPREAD * latent_dim``: relative to ``sigma`` the clusters then
    start well apart. Unscaled, an untrained encoder's embeddings are tiny
    next to ``sigma``, the count penalty alone decides the first labels,
    and training collapses. Coinciding centers
    fall back on the spread of the embeddings ``z``, when given.

    Parameters
    ----------
    centers : ndarray of shape (n_clusters, latent_dim), float64
    z : ndarray of shape (n_samples, latent_dim), default=None

    Returns
    -------
    centroids : Tensor of shape (n_clusters, latent_dim), float32
        ``centers * scale``.
    scale : float
    """
    n_clusters, latent_dim = centers.shape
    gaps = ((centers[:, None] - centers[None]) ** 2).sum(-1)
    spread = gaps[np.triu_indices(n_clusters, 1)].mean() if n_clusters > 1 else 0
    if not spread > 0 and z is not None:
        spread = 2 * z.var(axis=0, dtype=np.float64).sum()
    scale = np.sqrt(_INIT_SPREAD * latent_dim / spread) if spread > 0 else 1.0
    return torch.from_numpy(centers * scale).float(), float(scale)


def pretrain_autoencoder(encoder, decoder, X, *, epochs, optimizer, options, lr, batch_size,
                         device, rng):
    """Train ``decoder(encoder(x))`` to reconstruct X: the warm start of DEC and IDEC.

    Parameters
    ----------
    encoder, decoder : nn.Module
        On ``device``; trained in place.
    X : Tensor of shape (n_samples, \\*sample_shape)
        The first data, on the CPU.
    epochs : int
        Shuffled passes over X.
    optimizer : type
        A ``torch.optim.Optimizer`` class, built over both modules' parameters.
    options : dict
        Its keyword arguments (without the ``optimizer__`` prefix).
    lr : float
    batch_size : int
    device : torch.device
    rng : numpy.random.RandomState
        Draws the permutations and the seed of torch's RNG for the passes
        (random layers such as dropout), which is restored afterwards.

    Returns
    -------
    loss : float
        The mean squared error of the last batch.
    """
    # an optimizer__lr option wins over lr, as it does for the clustering
    named = [*((f"encoder.{name}", p) for name, p in encoder.named_parameters()),
             *((f"decoder.{name}", p) for name, p in decoder.named_parameters())]
    optimizer = build_optimizer(optimizer, named, lr,
                                options)
    batches = ShuffledBatches(TensorDataset(X), batch_size, shuffle=True, random_state=rng)
    encoder.train()
    decoder.train()
    loss = torch.tensor(float("nan"))
    with seeded(draw_seed(rng), device), explain_batchnorm_failure():
        for _ in range(epochs):
            for batch, _ in batches:
                batch = batch["samples"].to(device, non_blocking=True)
                loss = torch.nn.functional.mse_loss(decoder(encoder(batch)), batch)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
    return finite_loss(loss, "the autoencoder warm start")


def start(encoder, X, *, init, log_prior, batch_size, device, rng, normalize=False):
    """Initial centroids and embedding scale for ``init`` other than "random".

    Parameters
    ----------
    encoder : nn.Module
        The starting encoder (untrained, or after the warm start), on ``device``.
    X : Tensor of shape (n_samples, \\*sample_shape)
        The first data, on the CPU.
    init : "k-means", callable or ndarray of shape (n_clusters, latent_dim)
        ``"k-means"``: :func:`balanced_kmeans` on :func:`embed_sample`; a
        callable is called as ``init(Z, n_clusters, random_state)`` on the
        same embeddings; an array gives the centers in the encoder's
        output units.
    log_prior : Tensor of shape (n_clusters,)
    batch_size : int
    device : torch.device
    rng : numpy.random.RandomState
    normalize : bool, default=False
        The model clusters unit embeddings (``objective="secu"``): k-means
        and a callable ``init`` get the embeddings scaled to unit length.

    Returns
    -------
    centroids : Tensor of shape (n_clusters, latent_dim)
    scale : float
    """
    n_clusters = len(log_prior)
    if not callable(init) and not isinstance(init, str):
        return scale_start(np.asarray(init, dtype=np.float64))
    z = embed_sample(encoder, X, batch_size, device, rng)
    check_embeddings(z)
    if normalize:
        z = unit_rows(z)
    if callable(init):
        centers = np.asarray(init(z, n_clusters, rng), dtype=np.float64)
        if centers.shape != (n_clusters, z.shape[1]) or not np.all(np.isfinite(centers)):
            raise ValueError(
                f"init returned centers of shape {centers.shape}; it must "
                f"return finite values of shape (n_clusters, latent_dim) = "
                f"({n_clusters}, {z.shape[1]})."
            )
    else:
        centers = balanced_kmeans(z, n_clusters, log_prior.double().numpy(), rng)
    return scale_start(centers, z)


def reseed_starved(z, costs, ratio, rng, eligible=None):
    """Centroids for clusters that are almost nobody's nearest, moved to the data.

    What ``MiniBatchKMeans``'s ``reassignment_ratio`` does, in the latent
    space: a cluster that is the nearest of fewer than ``ratio * n / K`` of
    the ``n`` points gets a new centroid at one of the points, drawn with
    probability proportional to its cost to its own nearest centroid (the
    k-means++ weighting: far points are the likeliest to be another
    cluster's); distinct points for distinct clusters.

    Parameters
    ----------
    z : Tensor of shape (n_samples, latent_dim)
        Embeddings (with the model's scale).
    costs : Tensor of shape (n_samples, n_clusters)
        ``D`` of those embeddings.
    ratio : float
        Fraction of a fair share (``n / K``) below which a cluster is starved.
    rng : numpy.random.RandomState
    eligible : ndarray of bool of shape (n_clusters,), default=None
        The clusters that may be reseeded (None: all).

    Returns
    -------
    starved : ndarray of int
        Indices of the reseeded clusters (possibly empty).
    centers : Tensor of shape (len(starved), latent_dim)
        Their new centroids.
    """
    n_samples, n_clusters = costs.shape
    counts = np.bincount(costs.argmin(dim=1).numpy(), minlength=n_clusters)
    starved = counts < ratio * n_samples / n_clusters
    starved = np.flatnonzero(starved if eligible is None else starved & eligible)
    if len(starved) == 0 or len(starved) >= n_samples:
        return starved[:0], z[:0]
    weights = (costs.min(dim=1).values - costs.min()).double().clamp_min(0).numpy() + 1e-12
    rows = rng.choice(n_samples, len(starved), replace=False, p=weights / weights.sum())
    return starved, z[np.sort(rows)]


def start_spread(latent_dim, normalize=False):
    """The mean squared distance a k-means start puts between centroids; on
    the unit sphere (``normalize``) 2, that between random unit vectors."""
    return 2.0 if normalize else _INIT_SPREAD * latent_dim


def unit_rows(z):
    """The rows of ndarray z scaled to unit length (zero rows left as they are)."""
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return z / np.where(norms > 0, norms, 1.0)


def auto_sigma(latent_dim):
    """``sigma="auto"``: a fixed ratio to the start's centroid spread (25/16
    per latent dimension against the spread's 8), 200 at ``latent_dim=128``."""
    return _AUTO_SIGMA_PER_DIM * latent_dim


def auto_pretrain_epochs(pretrain_epochs, *, image_cnn, max_epochs, n_batches):
    """``pretrain_epochs="auto"``: for the image CNN, epochs enough for
    ``_AUTO_PRETRAIN_STEPS`` optimisation steps but no more than
    ``max_epochs``; none for any other encoder. An int is kept."""
    if pretrain_epochs != "auto":
        return pretrain_epochs
    return min(max_epochs, -(-_AUTO_PRETRAIN_STEPS // n_batches)) if image_cnn else 0


def initial_module(params, X, rng, *, sample_shape, device, sigma, lr, log_prior,
                   pretrain_epochs, scale=None, normalize=False):
    """The :class:`~hardclust._model.ClusterModule` a model starts from.

    Builds the encoder, centroids from ``N(0, I)`` and, when needed, the
    decoder, all drawn from ``rng``; then runs the warm start
    (:func:`pretrain_autoencoder`, ``pretrain_epochs`` passes) and the
    start (:func:`start`) unless ``init="random"``.

    Parameters
    ----------
    params : dict
        The estimator's ``get_params(deep=False)``.
    X : Tensor of shape (n_samples, \\*sample_shape)
        The first data, on the CPU.
    rng : numpy.random.RandomState
    sample_shape : tuple of int
    device : torch.device
    sigma, lr : float
        Resolved ``sigma`` and learning rate.
    log_prior : Tensor of shape (n_clusters,)
    pretrain_epochs : int
        Resolved ``pretrain_epochs``.
    scale : float, default=None
        A loaded model's embedding scale: no warm start and no start are
        run (its weights are loaded afterwards).
    normalize : bool, default=False
        Unit embeddings and centroids (``objective="secu"``).

    Returns
    -------
    module : ClusterModule
        On ``device``.
    """
    latent_dim, reconstruction = params["latent_dim"], params["reconstruction"]
    with seeded(draw_seed(rng), torch.device("cpu")):
        encoder = make_encoder(params["encoder"], sample_shape, latent_dim)
        centroids = torch.randn(params["n_clusters"], latent_dim)
        decoder = None
        # a loaded model (scale given) has no warm start to run
        if reconstruction > 0 or (scale is None and pretrain_epochs > 0):
            decoder = make_decoder(params["decoder"], sample_shape, latent_dim,
                                   encoder=params["encoder"]).to(device)
    encoder = encoder.to(device)
    check_encoder_output(encoder, X[:2].to(device), latent_dim)
    if scale is None:
        scale = 1.0
        if pretrain_epochs > 0:
            pretrain_autoencoder(encoder, decoder, X, epochs=pretrain_epochs,
                                 optimizer=params["optimizer"],
                                 options=optimizer_options(params, strip=True), lr=lr,
                                 batch_size=params["batch_size"], device=device, rng=rng)
        init = params["init"]
        if isinstance(init, str) and init == "graph":
            return graph_start(params, X, rng, encoder=encoder, decoder=decoder, device=device,
                               sigma=sigma, lr=lr, log_prior=log_prior, normalize=normalize)
        if not (isinstance(init, str) and init == "random"):
            centroids, scale = start(encoder, X, init=init, log_prior=log_prior,
                                     batch_size=params["batch_size"], device=device, rng=rng,
                                     normalize=normalize)
    return ClusterModule(encoder, centroids, sigma, log_prior, scale,
                         decoder=decoder if reconstruction > 0 else None,
                         reconstruction=reconstruction, normalize=normalize)


def graph_start(params, X, rng, *, encoder, decoder, device, sigma, lr, log_prior,
                normalize=False):
    """The module of ``init="graph"``: centroids at the means of the
    neighbour graph's clusters (:func:`hardclust._graph.graph_labels`) in
    the starting embedding, then the model fitted to those labels
    (:func:`hardclust._graph.fit_to_labels`). Where the graph's
    coordinates were laid out, the fit's optimizer state is left on the
    module for training to go on from
    (:func:`hardclust._optimizers.carry_state`)."""
    n_clusters, reconstruction = params["n_clusters"], params["reconstruction"]
    rows = X[sample_rows(len(X), rng)]
    prior = log_prior.double().numpy()
    z = embed_rows(encoder, rows, params["batch_size"], device)
    check_embeddings(z)
    laid_out = []

    def passes(n_distinct):
        laid_out.append(layout_passes(params["layout_passes"], rows.shape[1:], n_distinct,
                                      n_clusters))
        return laid_out[-1]

    labels = graph_labels(search_space(rows), n_clusters,
                          lambda points, r: balanced_kmeans(points, n_clusters, prior, r,
                                                            runs=GRAPH_KMEANS_RUNS), rng,
                          layout=passes)
    centers = np.stack([z[labels == k].mean(axis=0, dtype=np.float64) if np.any(labels == k)
                        else z[rng.randint(len(z))].astype(np.float64)
                        for k in range(n_clusters)])
    centroids, scale = scale_start(centers, z)
    if is_graph_prior(params["prior"]):  # the labels' sizes
        log_prior = label_log_prior(labels, n_clusters)
    module = ClusterModule(encoder, centroids, sigma, log_prior, scale,
                           decoder=decoder if reconstruction > 0 else None,
                           reconstruction=reconstruction, normalize=normalize).to(device)
    # training goes on from the fit's optimizer state where the start was
    # laid out: a fresh Adam's first steps undo much of such a start, while
    # the spectral start of narrow samples can be poor, and those first
    # steps are what repairs it (the circles; experiments/start_optimizer/)
    fit_to_labels(module, rows, labels, optimizer=params["optimizer"],
                  options=optimizer_options(params, strip=True), lr=lr,
                  batch_size=params["batch_size"], device=device, rng=rng,
                  keep_state=any(laid_out))
    return module

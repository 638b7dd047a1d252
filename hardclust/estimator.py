"""``OnlineHardClustering``: deep online clustering with hard regularisation.

The estimator orchestrates: validate -> resolve -> start -> train -> finish.
The math lives elsewhere: the batch labelling in :mod:`hardclust.assignment`,
the training objectives in :mod:`hardclust.objectives`, the encoders in
:mod:`hardclust.encoders`, the start in :mod:`hardclust._initialization`, and
the training loop in a skorch net (:mod:`hardclust._net`).
"""

import contextlib
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from . import __version__
from ._initialization import _INIT_SPREAD, log_prior, pretrain_autoencoder, soft_reset, start
from ._neighbors import input_neighbors
from ._net import ClusterModule, ClusterNet, check_random_state, draw_seed, resolve_device, \
    seeded
from ._params import OPTIMIZER_PREFIX, Callbacks, Centers, Device, Prior, Shape, \
    check_cross_params, check_frozen
from ._inference import InferenceMixin, input_view_sums
from ._persistence import PersistenceMixin
from ._stopping import LabelsSettled
from ._streaming import StreamingMixin
from ._threads import auto_threads, encoder_flops, forward_flops, limit_threads
from .encoders import DECODERS, ENCODERS, check_encoder_output, make_decoder, make_encoder
from .exceptions import warn_if_collapsed, warn_if_merged
from .objectives import OBJECTIVES, make_objective

__all__ = ["OnlineHardClustering"]

# sigma="auto": this much per latent dimension, a fixed ratio to the initial
# centroid spread (8 per dimension); 200 at latent_dim=128.
_AUTO_SIGMA_PER_DIM = 25 / 16
# lr="auto": the paper's rate, and a lower one measured better for the CNN.
_AUTO_LR = 1e-3
_AUTO_LR_CNN = 3e-4
# max_epochs="auto": at least this many epochs and optimisation steps.
_AUTO_MIN_EPOCHS = 10
_AUTO_MIN_STEPS = 500
# A merged pair of centroids (ClusterCollapseWarning) is closer than this
# fraction of the mean squared distance a k-means start gives them
# (_INIT_SPREAD * latent_dim), besides closer than the data's own spread:
# in many dimensions a start's centroids are often closer together than
# its points lie from them (experiments/late_decline/).
_MERGED_FRACTION = 0.01
# n_neighbors="auto": this many neighbours for samples of more than this
# many values (experiments/neighbor_views/).
_AUTO_NEIGHBORS = 10
_AUTO_NEIGHBORS_MIN_VALUES = 50
# Steps of the autoencoder warm start of pretrain_epochs="auto" (image CNN).
_AUTO_PRETRAIN_STEPS = 500


class OnlineHardClustering(
    StreamingMixin, InferenceMixin, PersistenceMixin,
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator,
):
    """Deep online clustering with hard regularisation (combination assignment).

    An encoder network maps each sample to a latent vector ``z``; each of
    ``n_clusters`` clusters is an isotropic Gaussian around a learnable
    centroid ``mu_k``, and the cost of putting sample ``i`` in cluster ``k``
    is ``D[i, k] = ||z_i - mu_k||^2 / sigma - log pi_k``. Encoder and
    centroids are trained together, one mini-batch at a time. Within a
    batch, labels are chosen by combination assignment
    (:func:`hardclust.combination_assign`), which adds ``log(n_k!)`` for the
    ``n_k`` points a batch puts in cluster ``k``: piling a batch into one
    cluster grows ever more expensive, which keeps training from collapsing
    without any data augmentation (Mahon & Lukasiewicz, AAAI 2024). The loss
    is the mean cost of the assigned pairs. ``predict`` returns
    ``argmin_k D[i, k]``. The user guide explains how to choose each
    parameter, with the measurements behind the defaults.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    encoder : {"auto", "mlp", "conv2d", "conv1d"}, nn.Module subclass, \
            callable or nn.Module, default="auto"
        The network. ``"auto"`` is ``"mlp"`` for any input: images
        ((n, H, W) or (n, C, H, W)) and sequences are flattened. The
        named CNNs are ``"conv2d"`` for images and ``"conv1d"`` for
        sequences (n, channels, length). A class or callable is called
        as ``encoder(input_shape, latent_dim)``; an instance is
        deep-copied at ``fit``.

        .. versionchanged:: 0.3.0
           ``"auto"`` is the MLP for images too (it was ``"conv2d"``): on
           the development suite it clustered digits as images, MNIST-5k
           and Fashion-MNIST better, in a third of the time. A model
           fitted with the old ``"auto"`` keeps its CNN when unpickled or
           loaded (its ``encoder`` reads ``"conv2d"``).
    latent_dim : int, default=128
        Size of the embedding (``transform`` output).
    reconstruction : float, default=0.0
        Weight of a reconstruction term: a decoder maps the embedding back
        to the input and the loss adds ``reconstruction * MSE`` (IDEC-style;
        keeps training one-stage and online). 0 builds no decoder.

        .. versionadded:: 0.3.0
    decoder : {"auto", "mlp", "conv2d", "conv1d"}, nn.Module subclass, \
            callable or nn.Module, default="auto"
        The decoder when ``reconstruction > 0``: ``"auto"`` mirrors a named
        encoder; a custom encoder needs its decoder, called as
        ``decoder(input_shape, latent_dim)`` (an instance is deep-copied).
        Also the decoder of the warm start when ``pretrain_epochs > 0``.

        .. versionadded:: 0.3.0
    pretrain_epochs : int or "auto", default=0
        Epochs of an autoencoder warm start before the k-means start: the
        encoder and ``decoder`` are trained to reconstruct the first data
        (mean squared error; the optimizer, ``lr`` and ``batch_size`` of
        the clustering), then the decoder is dropped unless
        ``reconstruction > 0`` (DEC's and IDEC's two-stage recipe). 0
        (default) skips it. ``"auto"``: for the image CNN
        (``encoder="conv2d"``) enough epochs for 500 optimisation steps
        but no more than ``max_epochs_`` (so one epoch on the first chunk
        of ``partial_fit``); 0 for every other encoder. The value used is
        ``pretrain_epochs_``. With the CNN on the development suite
        ``"auto"`` lifted digits as 8x8 images and MNIST-5k and lowered
        Fashion-MNIST, so it is not the default (``docs/results.md``).

        .. versionadded:: 0.3.0
    n_neighbors : int or "auto", default="auto"
        Train on pairs: each sample is assigned together with one of its
        ``n_neighbors`` nearest neighbours in the input (Euclidean, on the
        first 50 principal components of wider inputs), drawn afresh at
        every pass, and both are pulled to the pair's cluster. A neighbour
        is the second view of a sample that the data already hold, where
        other methods augment. Neighbours are searched within the data of
        each training call (a ``partial_fit`` chunk; ``fit`` data in random
        blocks of at most 100,000 rows). With pairs each step encodes twice
        the samples (a reconstruction term covers both), and the search
        costs about 10 s on 70,000 images on 2 cores. 0 trains on single
        samples (the paper's method). ``"auto"``:
        10 for samples of more than 50 values (images, series, signals),
        where pairs lifted the development suite, 0 for narrower (tabular)
        ones, where they did not. The value used is ``n_neighbors_``. With
        clusters of few samples (tens), fewer neighbours suit better.

        .. versionadded:: 0.3.0
    neighbor_weight : float, default=0.5
        Weight of the neighbour in a pair's cost,
        ``(D[i] + neighbor_weight * D[j]) / (1 + neighbor_weight)``; 0
        trains on single samples, as ``n_neighbors=0`` does.

        .. versionadded:: 0.3.0
    sigma : float or "auto", default="auto"
        Cluster variance, in squared latent units: too small collapses,
        too large blurs. ``"auto"`` is ``25 / 16 * latent_dim`` (200 at
        the default), a fixed ratio to the start's centroid spread.
        The value used is ``sigma_``.

        .. versionchanged:: 0.2.0
           ``"auto"`` replaced a fixed 200.
    prior : array-like of shape (n_clusters,), default=None
        Prior probability of each cluster (normalised to sum to 1); ``None``
        is uniform. A non-uniform prior lets imbalanced clusters stay so.
    objective : {"hard", "none", "sinkhorn", "entropy", "variance"}, \
            default="hard"
        How a batch's labels and loss are formed. ``"hard"`` is combination
        assignment (the method); the others are the paper's baselines.

        .. versionadded:: 0.3.0
           Replaces ``regularization``.
    reg_strength : float, default=1.0
        Weight of the ``"entropy"`` and ``"variance"`` penalties.
    init : {"k-means", "random"}, callable or array-like of shape \
            (n_clusters, latent_dim), default="k-means"
        The start. ``"k-means"`` clusters the starting encoder's
        embeddings (untrained, or after the warm start of
        ``pretrain_epochs``) of up to 2048 of the first samples (10 runs,
        the one whose sizes best match ``prior`` kept), then rescales the
        embedding so the centroids start well apart relative to
        ``sigma``. A callable ``init(Z, n_clusters, random_state)``
        replaces the k-means step; an array gives centroids in the
        starting encoder's output units (rescaled alike). ``"random"``
        draws centroids from ``N(0, I)`` (the paper's).

        .. versionchanged:: 0.3.0
           Arrays and callables are accepted.
    reset_interval : int or None, default=None
        Every ``reset_interval`` epochs of ``fit`` (not in its last
        interval), soft-reset the encoder toward a fresh initialisation
        (``reset_shrink``) and re-cluster the centroids by k-means on the
        current embedding, with a fresh optimizer state (Miklautz et al.,
        2024). ``None`` never resets; ``partial_fit`` never does.

        .. versionadded:: 0.3.0
    reset_shrink : float, default=0.8
        Part of its weights the encoder keeps at a reset.

        .. versionadded:: 0.3.0
    n_init : int, default=1
        Trainings ``fit`` runs; the one whose predictions use the most
        clusters, then with the highest silhouette in its own embedding,
        is kept. No label is looked at. ``partial_fit`` trains one model.
    input_shape : tuple of int, default=None
        Shape of one sample when ``X`` is given flat (e.g. ``(1, 28, 28)``),
        so a pipeline can feed an image encoder. ``None`` uses ``X.shape[1:]``.
    reassignment_ratio : float, default=0.01
        After each ``partial_fit`` pass, a cluster that is the nearest of
        fewer than ``reassignment_ratio * n / n_clusters`` of the chunk's
        ``n`` points gets a new centroid at one of the chunk's points
        (drawn with probability proportional to its distance to its own
        centroid), as in :class:`~sklearn.cluster.MiniBatchKMeans`: clusters
        left behind by a drifting stream move to where data now is. 0
        disables it; ``fit`` never reassigns.

        .. versionadded:: 0.3.0
    drift_threshold : float or None, default=None
        When the mean ``min_k ||z_i - mu_k||^2`` of a new ``partial_fit`` chunk
        exceeds ``drift_threshold`` times that of the chunks before it (a
        running mean), the stream has moved: the centroids are placed anew
        by k-means on the chunk's embeddings (the encoder keeps its
        weights) before training on it. ``None`` never does; 4 follows
        moving blobs within a chunk. Keep it off for streams that are not
        shuffled (chunks sorted by class would look like drift).

        .. versionadded:: 0.3.0
    batch_size : int, default=256
        Mini-batch size for training, and the smallest inference chunk.
    max_epochs : int or "auto", default="auto"
        Passes over the data made by ``fit``. ``"auto"`` makes 10 passes,
        or more on data of fewer than 50 batches, up to 500 optimisation
        steps; training on single samples (``n_neighbors_ == 0``), it
        stops early there once the samples' nearest centroids have settled
        (see ``tol``). The value used is ``max_epochs_`` (the most it
        makes); ``n_iter_`` counts the passes made.

        .. versionchanged:: 0.3.0
           ``"auto"`` stops early on small tables (it always made 500 steps).
    tol : float, default=1e-3
        With ``max_epochs="auto"``: from the 10th pass on, ``fit`` stops
        once two passes in a row have each changed the nearest centroid of
        at most this fraction of the training samples (on fewer than 1,000
        samples: of none). Ignored with an int ``max_epochs``, on pairs
        (``n_neighbors_ > 0``), with ``reset_interval`` and by
        ``partial_fit``.

        .. versionadded:: 0.3.0
    lr : float or "auto", default="auto"
        Learning rate of the encoder and centroids. ``"auto"`` is 3e-4 for
        the ``"conv2d"`` encoder and 1e-3 (the paper's) otherwise. The value
        used is ``lr_``.
    optimizer : torch.optim.Optimizer subclass, default=torch.optim.Adam
        The optimizer. Its options are given as ``optimizer__<name>=value``
        keyword arguments, as in skorch: ``optimizer=torch.optim.AdamW,
        optimizer__weight_decay=0.01``; grid searches can tune them.
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    n_threads : int, "auto" or None, default="auto"
        torch's intra-op threads during ``fit``, ``partial_fit`` and
        inference (training also limits numpy's BLAS and scikit-learn's
        OpenMP to as many). The caller's settings are restored after each
        call. ``"auto"`` is 1 for encoders whose training step is small
        (up to 2e9 floating-point operations in the forward pass: at the
        default ``batch_size``, the MLP on samples of up to about 4,000
        values, the image CNN up to 32x32 RGB images), where more threads
        gain little and, on cores that other work keeps busy, cost many
        times over; larger encoders get torch's own setting. ``None``
        leaves torch's setting as it is.
        The value used is ``n_threads_``.

        .. versionadded:: 0.3.0
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (instances, classes or ``(name, callback)``
        tuples), e.g. ``skorch.callbacks.LRScheduler``; copied at ``fit``.
    compute_labels : bool, default=True
        Whether ``fit`` and ``partial_fit`` set ``labels_``.
    verbose : int, default=0
        ``0`` prints nothing; ``1`` a progress bar (on a terminal) and about
        ten summary lines per call; ``2`` a table row per epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the encoder, the start and the shuffling; an int gives
        bit-identical results on CPU. The process-global RNGs of numpy,
        ``random`` and torch are never touched.
    regularization : str, default="deprecated"
        Former name of ``objective``.

        .. deprecated:: 0.3.0
           Use ``objective``; ``regularization`` will be removed in 0.5.
    **optimizer_params : ``optimizer__<name>`` keyword arguments
        Options of ``optimizer``.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        ``predict`` of the data last given to ``fit`` or ``partial_fit``
        (if ``compute_labels``).
    cluster_centers_ : ndarray of shape (n_clusters, latent_dim)
        Centroids, in the latent space.
    encoder_ : nn.Module
        The trained encoder. ``transform(X)`` is ``encoder_(X) * embedding_scale_``.
    embedding_scale_ : float
        Fixed factor on the encoder's output set by the start (1.0 for
        ``init="random"``).
    sigma_, lr_ : float
        The ``sigma`` and learning rate used ("auto" resolved).
    max_epochs_ : int
        Passes over the data per training call, at most (1 for
        ``partial_fit``).
    n_threads_ : int or None
        The torch threads this model's calls use (``n_threads`` resolved;
        None: torch's setting of the moment).
    pretrain_epochs_ : int
        Epochs of the autoencoder warm start at the start ("auto" resolved).
    n_neighbors_ : int
        Neighbours each sample is paired from ("auto" resolved; 0: none).
    device_ : torch.device
        The device the model lives on.
    history_ : skorch.History
        One entry per epoch: ``train_loss``, ``cluster_sizes`` (nearest-
        centroid counts over the epoch), ``n_empty``, ``dur`` (seconds).
    n_iter_ : int
        Passes over data made so far (epochs of ``fit``, calls of
        ``partial_fit``).
    n_steps_ : int
        Optimisation steps (mini-batches) made so far.
    n_resets_ : int
        Soft resets made by ``reset_interval``.
    n_reassigned_, n_drift_resets_ : int
        Centroids moved by ``reassignment_ratio``, and re-placements by
        ``drift_threshold``, so far (``partial_fit`` only).
    n_features_in_ : int
        Number of features seen during ``fit`` (``X.shape[1]``).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    See Also
    --------
    hardclust.combination_assign : The batch labelling used in training.
    sklearn.cluster.MiniBatchKMeans : Online k-means on the raw features.

    Notes
    -----
    Cost per batch is the encoder's forward and backward pass, one (B, K)
    distance matmul and the combination assignment, which runs on the CPU
    (one device-to-host copy of the (B, K) costs per batch).

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust import OnlineHardClustering
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-4, 1, (100, 5)), rng.normal(4, 1, (100, 5))])
    >>> model = OnlineHardClustering(n_clusters=2, max_epochs=5, random_state=0)
    >>> labels = model.fit_predict(X)
    >>> bool((labels[:100] == labels[0]).all() and (labels[100:] != labels[0]).all())
    True
    >>> model.transform(X).shape
    (200, 128)
    >>> model.predict_proba(X[:2]).sum(axis=1).round(6)
    array([1., 1.])
    """

    # Set when the model starts; partial_fit refuses to change them afterwards.
    _FROZEN = ("n_clusters", "encoder", "latent_dim", "input_shape", "init", "device",
               "reconstruction", "decoder", "pretrain_epochs")

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "encoder": [StrOptions({"auto", *ENCODERS}), callable],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "reconstruction": [Interval(Real, 0, None, closed="left")],
        "decoder": [StrOptions({"auto", *DECODERS}), callable],
        "pretrain_epochs": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "n_neighbors": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "neighbor_weight": [Interval(Real, 0, None, closed="left")],
        "sigma": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "prior": [Prior(), None],
        "objective": [StrOptions(set(OBJECTIVES))],
        "reg_strength": [Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"k-means", "random"}), callable, Centers()],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "reset_interval": [Interval(Integral, 1, None, closed="left"), None],
        "reset_shrink": [Interval(Real, 0, 1, closed="right")],
        "input_shape": [Shape(), None],
        "reassignment_ratio": [Interval(Real, 0, 1, closed="both")],
        "drift_threshold": [Interval(Real, 1, None, closed="neither"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "tol": [Interval(Real, 0, 1, closed="both")],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "optimizer": [type],
        "device": [Device()],
        "n_threads": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "callbacks": [Callbacks(), None],
        "compute_labels": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "regularization": [StrOptions({*OBJECTIVES, "deprecated"}, deprecated=set(OBJECTIVES))],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        encoder="auto",
        latent_dim=128,
        reconstruction=0.0,
        decoder="auto",
        pretrain_epochs=0,
        n_neighbors="auto",
        neighbor_weight=0.5,
        sigma="auto",
        prior=None,
        objective="hard",
        reg_strength=1.0,
        init="k-means",
        n_init=1,
        reset_interval=None,
        reset_shrink=0.8,
        input_shape=None,
        reassignment_ratio=0.01,
        drift_threshold=None,
        batch_size=256,
        max_epochs="auto",
        tol=1e-3,
        lr="auto",
        optimizer=torch.optim.Adam,
        device="auto",
        n_threads="auto",
        callbacks=None,
        compute_labels=True,
        verbose=0,
        random_state=None,
        regularization="deprecated",
        **optimizer_params,
    ):
        self.n_clusters = n_clusters
        self.encoder = encoder
        self.latent_dim = latent_dim
        self.reconstruction = reconstruction
        self.decoder = decoder
        self.pretrain_epochs = pretrain_epochs
        self.n_neighbors = n_neighbors
        self.neighbor_weight = neighbor_weight
        self.sigma = sigma
        self.prior = prior
        self.objective = objective
        self.reg_strength = reg_strength
        self.init = init
        self.n_init = n_init
        self.reset_interval = reset_interval
        self.reset_shrink = reset_shrink
        self.input_shape = input_shape
        self.reassignment_ratio = reassignment_ratio
        self.drift_threshold = drift_threshold
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.tol = tol
        self.lr = lr
        self.optimizer = optimizer
        self.device = device
        self.n_threads = n_threads
        self.callbacks = callbacks
        self.compute_labels = compute_labels
        self.verbose = verbose
        self.random_state = random_state
        self.regularization = regularization
        for key, value in optimizer_params.items():
            if not key.startswith(OPTIMIZER_PREFIX):
                raise TypeError(
                    f"{type(self).__name__}.__init__() got an unexpected keyword "
                    f"argument {key!r}; options of the optimizer are named "
                    f"'optimizer__<name>'."
                )
            setattr(self, key, value)

    # ------------------------------------------------------------------
    # Parameters: optimizer__* as in skorch, and checks across parameters
    # ------------------------------------------------------------------
    def _optimizer_params(self):
        return {k: v for k, v in vars(self).items() if k.startswith(OPTIMIZER_PREFIX)}

    def get_params(self, deep=True):
        return {**super().get_params(deep=deep), **self._optimizer_params()}

    def set_params(self, **params):
        for key in [k for k in params if k.startswith(OPTIMIZER_PREFIX)]:
            setattr(self, key, params.pop(key))
        return super().set_params(**params)

    def _validate_params(self, frozen=None):
        super()._validate_params()
        if frozen is not None:  # a changed frozen parameter is the cause to name
            check_frozen(self, frozen)
        check_cross_params(self)

    # ------------------------------------------------------------------
    # Validate and resolve
    # ------------------------------------------------------------------
    def _validate_X(self, X, reset):
        """Validated float32 CPU tensor of shape (n, *sample_shape)."""
        if isinstance(X, torch.Tensor):
            X = X.detach().cpu().numpy()
        X = validate_data(self, X, reset=reset, dtype=[np.float32, np.float64],
                          allow_nd=True, ensure_min_features=1)
        if reset:
            self._input_layout = X.shape[1:]
            self._sample_shape = self._resolve_sample_shape(X)
        elif X.shape[1:] != self._input_layout:
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but this model was "
                f"fitted on samples of shape {self._input_layout}; pass data "
                "shaped like the training data."
            )
        with np.errstate(over="ignore"):  # reported just below, as a ValueError
            X32 = np.ascontiguousarray(X, dtype=np.float32)
        if X32.dtype != X.dtype and not np.isfinite(X32).all():
            raise ValueError(
                "X has values beyond the float32 range (about 3.4e38), which "
                "the model computes in; rescale X (for example with "
                "StandardScaler)."
            )
        return torch.from_numpy(X32).reshape(len(X32), *self._sample_shape)

    def _resolve_sample_shape(self, X):
        if self.input_shape is None:
            return tuple(X.shape[1:])
        shape = tuple(self.input_shape)
        if math.prod(shape) != math.prod(X.shape[1:]):
            raise ValueError(
                f"input_shape={shape} holds {math.prod(shape)} values but "
                f"each sample of X has {math.prod(X.shape[1:])}; make "
                "input_shape match the features of X."
            )
        return shape

    def _check_params_vs_input(self, X, passes=None):
        """Resolve everything that depends on the data, once per start;
        ``passes=1`` for ``partial_fit``, which makes one pass per call."""
        if len(X) < self.n_clusters:
            raise ValueError(
                f"n_samples={len(X)} should be >= n_clusters={self.n_clusters}: "
                "the first training call needs at least one sample per cluster."
            )
        self.device_ = resolve_device(self.device)
        batches = -(-len(X) // self.batch_size)
        if passes is not None:
            self.max_epochs_ = passes
        elif self.max_epochs != "auto":
            self.max_epochs_ = self.max_epochs
        else:
            self.max_epochs_ = max(_AUTO_MIN_EPOCHS, -(-_AUTO_MIN_STEPS // batches))
        self.pretrain_epochs_ = self.pretrain_epochs
        if self.pretrain_epochs == "auto":
            self.pretrain_epochs_ = (min(self.max_epochs_, -(-_AUTO_PRETRAIN_STEPS // batches))
                                     if self._image_cnn() else 0)
        self.__dict__.pop("_sample_flops", None)  # a new encoder is counted afresh
        self._resolve_settings()

    def _image_cnn(self):
        """Whether the encoder is the image CNN (``encoder="conv2d"``)."""
        return isinstance(self.encoder, str) and self.encoder == "conv2d"

    def _resolve_settings(self):
        """Resolve the parameters ``partial_fit`` reads at every call."""
        self.sigma_ = (_AUTO_SIGMA_PER_DIM * self.latent_dim if self.sigma == "auto"
                       else float(self.sigma))
        self.lr_ = ((_AUTO_LR_CNN if self._image_cnn() else _AUTO_LR) if self.lr == "auto"
                    else self.lr)
        self._objective = self.objective
        if self.regularization != "deprecated":
            warnings.warn("'regularization' was renamed 'objective' in 0.3.0 and will be "
                          "removed in 0.5; pass objective=... instead.", FutureWarning,
                          stacklevel=4)
            self._objective = self.regularization
        self._log_prior = log_prior(self.prior, self.n_clusters)
        self.n_neighbors_ = self.n_neighbors
        if self.n_neighbors == "auto":
            wide = math.prod(self._sample_shape) > _AUTO_NEIGHBORS_MIN_VALUES
            self.n_neighbors_ = _AUTO_NEIGHBORS if wide else 0
        self.n_threads_ = auto_threads(self.n_threads, self._step_flops())

    def _step_flops(self):
        """Forward floating-point operations of one training step (counted
        on the model's encoder once per start, or on a throwaway copy
        before there is one)."""
        if "_sample_flops" not in self.__dict__:
            net = self.__dict__.get("_net")
            self._sample_flops = (
                encoder_flops(self.encoder, self._sample_shape, self.latent_dim) if net is None
                else forward_flops(net.module_.encoder,
                                   torch.zeros(1, *self._sample_shape, device=self.device_)))
        pairs = self.n_neighbors_ > 0 and self.neighbor_weight > 0
        return self._sample_flops * self.batch_size * (2 if pairs else 1)

    # ------------------------------------------------------------------
    # Start
    # ------------------------------------------------------------------
    def _build(self, X, rng, scale=None):
        """Build encoder, centroids and the skorch net from the first data X.

        With ``scale`` (a loaded model's), no start is run: the weights are
        loaded into the net afterwards.
        """
        with seeded(draw_seed(rng), torch.device("cpu")):
            encoder = make_encoder(self.encoder, self._sample_shape, self.latent_dim)
            centroids = torch.randn(self.n_clusters, self.latent_dim)
            decoder = None
            # a loaded model (scale given) has no warm start to run
            if self.reconstruction > 0 or (scale is None and self.pretrain_epochs_ > 0):
                decoder = make_decoder(self.decoder, self._sample_shape, self.latent_dim,
                                       encoder=self.encoder).to(self.device_)
        encoder = encoder.to(self.device_)
        check_encoder_output(encoder, X[:2].to(self.device_), self.latent_dim)
        if scale is None:
            scale = 1.0
            if self.pretrain_epochs_ > 0:
                options = {key[len(OPTIMIZER_PREFIX):]: value
                           for key, value in self._optimizer_params().items()}
                pretrain_autoencoder(encoder, decoder, X, epochs=self.pretrain_epochs_,
                                     optimizer=self.optimizer, options=options, lr=self.lr_,
                                     batch_size=self.batch_size, device=self.device_,
                                     rng=rng)
            if not (isinstance(self.init, str) and self.init == "random"):
                centroids, scale = start(encoder, X, init=self.init,
                                         log_prior=self._log_prior,
                                         batch_size=self.batch_size,
                                         device=self.device_, rng=rng)
        self._net = ClusterNet.build(
            ClusterModule(encoder, centroids, self.sigma_, self._log_prior, scale,
                          decoder=decoder if self.reconstruction > 0 else None,
                          reconstruction=self.reconstruction),
            make_objective(self._objective, self._log_prior, self.reg_strength),
            optimizer=self.optimizer, optimizer_params=self._optimizer_params(),
            lr=self.lr_, batch_size=self.batch_size, callbacks=self.callbacks,
            verbose=self.verbose, device=self.device_, rng=rng,
        )
        self._rng = rng
        self.__dict__.pop("_cost_level", None)  # a new model: no drift reference yet
        self._applied = self._live_params()
        self._frozen = {name: getattr(self, name) for name in self._FROZEN}
        self.n_iter_ = 0
        self.n_steps_ = 0
        self.n_reassigned_ = 0
        self.n_drift_resets_ = 0
        self.n_resets_ = 0
        self._hardclust_version = __version__

    # ------------------------------------------------------------------
    # Train and finish
    # ------------------------------------------------------------------
    def _input_neighbors(self, X, rng):
        """Each sample's nearest neighbours in X, whose views training pairs
        it with; None when training on single samples."""
        if self.n_neighbors_ == 0 or self.neighbor_weight == 0:
            return None
        return input_neighbors(X, self.n_neighbors_, rng)

    def _train(self, X, epochs, planned=None, resume=False, neighbors=None, stop=None):
        """``epochs`` shuffled passes over the tensor X (fewer if ``stop()``
        says so after one)."""
        epochs, steps = self._net.train_epochs(X, epochs, draw_seed(self._rng),
                                               planned=planned, resume=resume,
                                               neighbors=neighbors,
                                               neighbor_weight=self.neighbor_weight, stop=stop)
        self.n_steps_ += steps
        self.n_iter_ += epochs

    def _stopping_rule(self, X):
        """The early stop of ``max_epochs="auto"`` (:class:`LabelsSettled`),
        or None: with an int ``max_epochs``, with resets (they keep their
        schedule), when ``"auto"`` makes its 10 passes only, and on pairs,
        whose labels pause and move again (it cost the wide series sets
        accuracy, docs/performance.md)."""
        pairs = self.n_neighbors_ > 0 and self.neighbor_weight > 0
        if (self.max_epochs != "auto" or self.reset_interval is not None
                or self.max_epochs_ <= _AUTO_MIN_EPOCHS or pairs):
            return None
        return LabelsSettled(lambda: self._infer(X, "labels").numpy(),
                             min_epochs=_AUTO_MIN_EPOCHS, tol=self.tol)

    def _train_with_resets(self, X, epochs, neighbors=None):
        """``epochs`` passes, with a soft reset every ``reset_interval`` of them."""
        interval = self.reset_interval or epochs
        done = 0
        while done < epochs:
            self._train(X, min(interval, epochs - done), planned=epochs, resume=done > 0,
                        neighbors=neighbors, stop=self._stopping_rule(X))
            done = min(done + interval, epochs)
            if epochs - done >= interval:  # the last interval trains undisturbed
                self._soft_reset(X)

    def _soft_reset(self, X):
        """Shrink the encoder toward a fresh one, re-cluster, restart the optimizer."""
        with seeded(draw_seed(self._rng), torch.device("cpu")):
            fresh = make_encoder(self.encoder, self._sample_shape, self.latent_dim)
        soft_reset(self._net.module_, fresh, X, shrink=self.reset_shrink,
                   log_prior=self._log_prior, batch_size=self.batch_size,
                   device=self.device_, rng=self._rng)
        self._net.initialize_optimizer()
        self.n_resets_ += 1

    def _finish(self, X, reset):
        """Labels, the input view of ``predict_proba``, and the collapse check."""
        labels = self._infer(X, "labels").numpy()
        if self.compute_labels:
            self.labels_ = labels
        previous = None if reset else self._input_view  # a stream adds up its chunks
        self._input_view = input_view_sums(X.reshape(len(X), -1), labels, self.n_clusters,
                                           previous)
        warn_if_collapsed(self._net.history[-1], labels, sigma=self.sigma_, lr=self.lr_)
        warn_if_merged(self.cluster_centers_, spread=lambda: self._within_spread(X),
                       limit=_MERGED_FRACTION * _INIT_SPREAD * self.latent_dim,
                       n_epochs=len(self._net.history), lr=self.lr_)

    @contextlib.contextmanager
    def _transaction(self, in_place):
        """Restore the fitted state exactly if the body raises (even Ctrl+C).

        ``fit`` builds a fresh net (``in_place=False``), so restoring the
        attribute dict suffices; ``partial_fit`` trains the existing net in
        place, so the net is snapshotted too.
        """
        attributes = dict(self.__dict__)
        net = attributes.get("_net") if in_place else None
        # The RNG may be the caller's RandomState, which a refit draws from
        # too, so its position is restored in both cases.
        rng = attributes.get("_rng")
        rng_state = None if rng is None else rng.get_state()
        snapshot = None if net is None else net.snapshot()
        try:
            yield
        except BaseException:
            if snapshot is not None:
                net.restore(snapshot)
            if rng is not None:
                rng.set_state(rng_state)
            self.__dict__.clear()
            self.__dict__.update(attributes)
            raise

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train from scratch: ``max_epochs`` shuffled passes over X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*sample_shape)
            Training data. ``n_samples`` must be at least ``n_clusters``.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : OnlineHardClustering
            Fitted estimator. If training raises, a previously fitted model is
            left exactly as it was.
        """
        with self._transaction(in_place=False), contextlib.ExitStack() as threads:
            X = self._validate_X(X, reset=True)
            self._check_params_vs_input(X)
            threads.enter_context(limit_threads(self.n_threads_, blas=True))
            rng = check_random_state(self.random_state)
            neighbors = self._input_neighbors(X, rng)
            best_score, best = None, None
            for _ in range(self.n_init):
                self._build(X, rng)
                self._train_with_resets(X, self.max_epochs_, neighbors)
                # Fewer used clusters lose first: merged clusters can be
                # well separated, so a collapsing run may have a good silhouette.
                score = self._own_silhouette(X)[::-1] if self.n_init > 1 else 0
                if best is None or score > best_score:
                    best_score, best = score, (self._net, self.n_iter_, self.n_steps_)
            self._net, self.n_iter_, self.n_steps_ = best
            self._finish(X, reset=True)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the model with one shuffled pass over a chunk of data.

        The first call starts the model. Every call reads the current
        ``lr``, optimizer and its options, ``batch_size``, ``sigma``,
        ``objective``, ``reg_strength``, ``prior``, ``callbacks``,
        ``verbose``, ``compute_labels``, ``reassignment_ratio``,
        ``drift_threshold``, ``n_neighbors`` and ``neighbor_weight`` (the
        neighbours are the chunk's own). Changing ``n_clusters``, ``encoder``,
        ``latent_dim``, ``input_shape``, ``init``, ``device``,
        ``reconstruction``, ``decoder`` or ``pretrain_epochs`` after the
        first call raises, naming the parameter (``fit`` starts over). ``random_state`` seeds the
        stream at the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*sample_shape)
            A chunk of data, shaped like the first one.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : OnlineHardClustering
            Updated estimator. If the call raises, the model is left exactly
            as it was before it.
        """
        first_call = not hasattr(self, "_net")
        with self._transaction(in_place=True), contextlib.ExitStack() as threads:
            if not first_call:
                # scikit-learn validates parameters only at a first partial_fit
                self._validate_params(frozen=self._frozen)
            X = self._validate_X(X, reset=first_call)
            if first_call:
                self._check_params_vs_input(X, passes=1)
                threads.enter_context(limit_threads(self.n_threads_, blas=True))
                self._warn_if_small_first_chunk(len(X))
                self._build(X, check_random_state(self.random_state))
            else:
                self._apply_live_params()
                threads.enter_context(limit_threads(self.n_threads_, blas=True))
            self._follow_drift(X, first_call)
            self.max_epochs_ = 1
            self._train(X, 1, neighbors=self._input_neighbors(X, self._rng))
            if self.reassignment_ratio > 0:
                self._reassign_starved(X)
            self._finish(X, reset=first_call)
        return self

    # ------------------------------------------------------------------
    # Plumbing
    # ------------------------------------------------------------------
    @property
    def _n_features_out(self):
        return self.latent_dim

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

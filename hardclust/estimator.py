"""``OnlineHardClustering``: deep online clustering with hard regularisation.

The estimator orchestrates: validate -> resolve -> start -> train -> finish.
The math lives elsewhere: the batch labelling in :mod:`hardclust.assignment`,
the training objectives in :mod:`hardclust.objectives`, the encoders in
:mod:`hardclust.encoders`, the start in :mod:`hardclust._initialization`, and
the training loop in a skorch net (:mod:`hardclust._net`).
"""

import contextlib
import copy
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
from sklearn.metrics import silhouette_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import __version__
from ._initialization import balanced_kmeans, log_prior, reseed_starved, start
from ._net import ClusterModule, ClusterNet, ShuffledBatches, draw_seed, eval_mode, \
    resolve_device, seeded
from ._params import Callbacks, Centers, Device, Prior, Shape, check_cross_params
from ._persistence import load_model, save_model, warn_if_other_release
from .encoders import ENCODERS, make_encoder
from .exceptions import ClusterCollapseWarning, SmallFirstChunkWarning
from .objectives import OBJECTIVES, make_objective

__all__ = ["OnlineHardClustering"]

# Chunks embedded before their distances are computed in one call.
_COSTS_GROUP = 16
# Inference chunks of samples with few values (flat features) hold up to
# _INFER_VALUES input values and _INFER_MAX_ROWS rows, when that is more
# than batch_size: per-call overhead dominates small chunks of them.
# Images keep batch_size (larger chunks measured slower for the CNN on CPU).
_INFER_VALUES = 2**17
_INFER_MAX_ROWS = 4096
# sigma="auto": this much per latent dimension, a fixed ratio to the initial
# centroid spread (8 per dimension); 200 at latent_dim=128.
_AUTO_SIGMA_PER_DIM = 25 / 16
# lr="auto": the paper's rate, and a lower one measured better for the CNN.
_AUTO_LR = 1e-3
_AUTO_LR_CNN = 3e-4
# max_epochs="auto": at least this many epochs and optimisation steps.
_AUTO_MIN_EPOCHS = 10
_AUTO_MIN_STEPS = 500
# Points on which the silhouette is computed (its cost is quadratic).
_SCORE_SAMPLE = 2000
# A first partial_fit chunk below this many rows per cluster warns: on 8
# blobs (32 dims, std 4) 50 first rows gave ACC 0.64-1.0 by seed, 200 gave
# 1.0 on every seed (experiments/first_chunk). Capped at the start's sample.
_FIRST_CHUNK_PER_CLUSTER = 25
_FIRST_CHUNK_MAX = 2048
# Rows of a partial_fit chunk on which starved clusters are looked for.
_REASSIGN_ROWS = 4096
# Set when the model starts; partial_fit refuses to change them afterwards.
_FROZEN = ("n_clusters", "encoder", "latent_dim", "input_shape", "init", "device")
_OPTIMIZER_PREFIX = "optimizer__"


def _check_random_state(random_state):
    """``check_random_state``, except that None gives a private generator.

    scikit-learn maps None to numpy's global RandomState; drawing from it
    would move the caller's global RNG, which hardclust promises not to do.
    """
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    return check_random_state(random_state)


def _same(a, b):
    """Whether two parameter values are the same: arrays and shapes by value,
    strings and numbers by ``==``, anything else (modules, callables) by identity."""
    if a is b:
        return True
    if isinstance(a, (np.ndarray, list, tuple)) or isinstance(b, (np.ndarray, list, tuple)):
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except (TypeError, ValueError):
            return False
    if isinstance(a, (str, Real, torch.device)) and isinstance(b, (str, Real, torch.device)):
        return type(a) is type(b) and a == b
    return False


class OnlineHardClustering(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator
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
        The network. ``"auto"`` is ``"mlp"`` for flat rows and ``"conv2d"``
        for images ((n, H, W) or (n, C, H, W), or flat rows with
        ``input_shape``); ``"conv1d"`` takes sequences (n, channels,
        length). A class or callable is called as ``encoder(input_shape,
        latent_dim)``; an instance is deep-copied at ``fit``.
    latent_dim : int, default=128
        Size of the embedding (``transform`` output).
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
        The start. ``"k-means"`` clusters the untrained encoder's
        embeddings of up to 2048 of the first samples (10 runs, the one
        whose sizes best match ``prior`` kept), then rescales the
        embedding so the centroids start well apart relative to
        ``sigma``. A callable ``init(Z, n_clusters, random_state)``
        replaces the k-means step; an array gives centroids in the
        untrained encoder's output units (rescaled alike). ``"random"``
        draws centroids from ``N(0, I)`` (the paper's).

        .. versionchanged:: 0.3.0
           Arrays and callables are accepted.
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
        When the mean ``min_k ||z_i - mu_k||^2 / sigma`` of a new ``partial_fit`` chunk
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
        Passes over the data made by ``fit``. ``"auto"`` makes at least 10
        passes and 500 optimisation steps. The value used is ``max_epochs_``.
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
        Passes over the data per training call (1 for ``partial_fit``).
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

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "encoder": [StrOptions({"auto", *ENCODERS}), callable],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "sigma": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "prior": [Prior(), None],
        "objective": [StrOptions(set(OBJECTIVES))],
        "reg_strength": [Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"k-means", "random"}), callable, Centers()],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "input_shape": [Shape(), None],
        "reassignment_ratio": [Interval(Real, 0, 1, closed="both")],
        "drift_threshold": [Interval(Real, 1, None, closed="neither"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "optimizer": [type],
        "device": [Device()],
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
        sigma="auto",
        prior=None,
        objective="hard",
        reg_strength=1.0,
        init="k-means",
        n_init=1,
        input_shape=None,
        reassignment_ratio=0.01,
        drift_threshold=None,
        batch_size=256,
        max_epochs="auto",
        lr="auto",
        optimizer=torch.optim.Adam,
        device="auto",
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
        self.sigma = sigma
        self.prior = prior
        self.objective = objective
        self.reg_strength = reg_strength
        self.init = init
        self.n_init = n_init
        self.input_shape = input_shape
        self.reassignment_ratio = reassignment_ratio
        self.drift_threshold = drift_threshold
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr = lr
        self.optimizer = optimizer
        self.device = device
        self.callbacks = callbacks
        self.compute_labels = compute_labels
        self.verbose = verbose
        self.random_state = random_state
        self.regularization = regularization
        for key, value in optimizer_params.items():
            if not key.startswith(_OPTIMIZER_PREFIX):
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
        return {k: v for k, v in vars(self).items() if k.startswith(_OPTIMIZER_PREFIX)}

    def get_params(self, deep=True):
        return {**super().get_params(deep=deep), **self._optimizer_params()}

    def set_params(self, **params):
        for key in [k for k in params if k.startswith(_OPTIMIZER_PREFIX)]:
            setattr(self, key, params.pop(key))
        return super().set_params(**params)

    def _validate_params(self):
        super()._validate_params()
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

    def _check_params_vs_input(self, X):
        """Resolve everything that depends on the data, once per start."""
        if len(X) < self.n_clusters:
            raise ValueError(
                f"n_samples={len(X)} should be >= n_clusters={self.n_clusters}: "
                "the first training call needs at least one sample per cluster."
            )
        self.device_ = resolve_device(self.device)
        if self.max_epochs != "auto":
            self.max_epochs_ = self.max_epochs
        else:
            batches = -(-len(X) // self.batch_size)
            self.max_epochs_ = max(_AUTO_MIN_EPOCHS, -(-_AUTO_MIN_STEPS // batches))
        self._resolve_settings()

    def _resolve_settings(self):
        """Resolve the parameters ``partial_fit`` reads at every call."""
        self.sigma_ = (_AUTO_SIGMA_PER_DIM * self.latent_dim if self.sigma == "auto"
                       else float(self.sigma))
        conv2d = self.encoder == "conv2d" or (
            isinstance(self.encoder, str) and self.encoder == "auto"
            and len(self._sample_shape) > 1)
        self.lr_ = (_AUTO_LR_CNN if conv2d else _AUTO_LR) if self.lr == "auto" else self.lr
        self._objective = self.objective
        if self.regularization != "deprecated":
            warnings.warn("'regularization' was renamed 'objective' in 0.3.0 and will be "
                          "removed in 0.5; pass objective=... instead.", FutureWarning,
                          stacklevel=4)
            self._objective = self.regularization
        self._log_prior = log_prior(self.prior, self.n_clusters)

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
        encoder = encoder.to(self.device_)
        self._check_encoder_output(encoder, X[:2])
        if scale is None:
            scale = 1.0
            if not (isinstance(self.init, str) and self.init == "random"):
                centroids, scale = start(encoder, X, init=self.init,
                                         log_prior=self._log_prior,
                                         batch_size=self.batch_size,
                                         device=self.device_, rng=rng)
        self._net = ClusterNet(
            module=ClusterModule(encoder, centroids, self.sigma_, self._log_prior, scale),
            criterion=make_objective(self._objective, self._log_prior, self.reg_strength),
            optimizer=self.optimizer,
            lr=self.lr_,
            batch_size=self.batch_size,
            train_split=None,
            iterator_train=ShuffledBatches,
            iterator_train__shuffle=True,
            iterator_train__random_state=rng,
            callbacks=copy.deepcopy(self.callbacks),
            verbose=self.verbose,
            device=str(self.device_),
            **self._optimizer_params(),
        )
        try:
            self._net.initialize()
        except TypeError as exc:  # the optimizer refused an option
            raise TypeError(
                f"{self.optimizer.__name__} could not be built with the options "
                f"{self._optimizer_params()} ({exc}); check the optimizer__<name> "
                "keyword arguments against its signature."
            ) from exc
        self._rng = rng
        self._applied = self._live_params()
        self._frozen = {name: getattr(self, name) for name in _FROZEN}
        self.n_iter_ = 0
        self.n_steps_ = 0
        self.n_reassigned_ = 0
        self.n_drift_resets_ = 0
        self._hardclust_version = __version__

    def _check_encoder_output(self, encoder, X):
        """Fail early, with a fix, if the encoder cannot take X or returns
        something other than (batch, latent_dim)."""
        try:
            with eval_mode(encoder):
                z = encoder(X.to(self.device_))
        except Exception as exc:
            raise ValueError(
                f"the encoder failed on input of shape (batch, *{self._sample_shape}): "
                f"{type(exc).__name__}: {exc}. Check that it accepts samples of "
                "that shape (or set input_shape)."
            ) from exc
        if not isinstance(z, torch.Tensor) or z.shape != (len(X), self.latent_dim):
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(
                f"the encoder must return a tensor of shape (batch, latent_dim) = "
                f"({len(X)}, {self.latent_dim}), got {shape}; make its output size "
                "equal latent_dim."
            )

    def _warn_if_small_first_chunk(self, n_rows):
        needed = min(_FIRST_CHUNK_PER_CLUSTER * self.n_clusters, _FIRST_CHUNK_MAX)
        if n_rows < needed and isinstance(self.init, str) and self.init == "k-means":
            warnings.warn(
                f"the first partial_fit chunk has {n_rows} rows; the model places "
                f"its {self.n_clusters} centroids by k-means on this chunk alone, "
                f"and later chunks rarely undo a poor start. Pass at least {needed} "
                "rows in the first call (later chunks may be of any size).",
                SmallFirstChunkWarning,
                stacklevel=4,
            )

    # ------------------------------------------------------------------
    # Parameters between partial_fit calls
    # ------------------------------------------------------------------
    def _live_params(self):
        """The parameters read at every ``partial_fit`` call, as last applied."""
        return {"lr": self.lr_, "optimizer": self.optimizer, "callbacks": self.callbacks,
                "objective": (self._objective, self.reg_strength, self.prior),
                **self._optimizer_params()}

    def _check_frozen(self):
        for name, fitted in self._frozen.items():
            if not _same(getattr(self, name), fitted):
                raise ValueError(
                    f"{name} was {fitted!r} when this model started and is now "
                    f"{getattr(self, name)!r}; partial_fit cannot change it. Set it "
                    f"back with set_params({name}=...), or call fit to start a new "
                    "model with the new value."
                )

    def _apply_live_params(self):
        """Push parameters changed since the last call into the net.

        Learning rate and optimizer options change in place (Adam keeps its
        moments); a new optimizer class or new callbacks start fresh.
        """
        self._resolve_settings()
        net, applied, now = self._net, self._applied, self._live_params()
        net.batch_size, net.verbose = self.batch_size, self.verbose
        net.module_.sigma = self.sigma_
        if not all(map(_same, now["objective"], applied["objective"])):
            net.module_.log_prior.copy_(self._log_prior)
            net.criterion = make_objective(self._objective, self._log_prior, self.reg_strength)
            net.initialize_criterion()
        if now["callbacks"] is not applied["callbacks"]:
            net.callbacks = copy.deepcopy(self.callbacks)
            net.initialize_callbacks()
        options = {k: v for k, v in now.items() if k == "lr" or k.startswith(_OPTIMIZER_PREFIX)}
        if now["optimizer"] is not applied["optimizer"]:
            net.optimizer = self.optimizer
            net.set_params(**options)
            net.initialize_optimizer()
        else:
            changed = {k: v for k, v in options.items() if not _same(v, applied.get(k))}
            if changed:
                net.set_params(**changed)
        self._applied = now

    # ------------------------------------------------------------------
    # Train and finish
    # ------------------------------------------------------------------
    def _train(self, X, epochs):
        """``epochs`` shuffled passes over the tensor X."""
        self.n_steps_ += self._net.train_epochs(X, epochs, draw_seed(self._rng))
        self.n_iter_ += epochs

    def _chunk_costs(self, X):
        """Embeddings and costs of an evenly strided sample of the chunk X."""
        z = self._infer(X[::-(-len(X) // _REASSIGN_ROWS)], "embedding")
        with torch.no_grad():
            return z, self._net.module_.costs(z.to(self.device_)).cpu()

    def _follow_drift(self, X, first_call):
        """Re-place the centroids when a chunk costs far more than the stream so far."""
        if self.drift_threshold is None or len(X) < 5 * self.n_clusters:
            return
        z, costs = self._chunk_costs(X)
        # the distance part of D: the prior's constant would hide a change
        distances = costs + self._log_prior
        level = float(distances.min(dim=1).values.mean())
        previous = None if first_call else getattr(self, "_cost_level", None)
        if previous is not None and level > self.drift_threshold * previous:
            centers = balanced_kmeans(z.numpy(), self.n_clusters,
                                      self._log_prior.double().numpy(), self._rng)
            with torch.no_grad():
                self._net.module_.centroids.copy_(torch.from_numpy(centers).float())
            self.n_drift_resets_ += 1
            with torch.no_grad():
                distances = self._net.module_.costs(z.to(self.device_)).cpu() + self._log_prior
            previous = None
        level = float(distances.min(dim=1).values.mean())
        # a running mean, so that a slow drift moves the reference along
        self._cost_level = level if previous is None else 0.8 * previous + 0.2 * level

    def _reassign_starved(self, X):
        """Move the centroids of clusters nearly nobody's nearest to the data."""
        if len(X) < 5 * self.n_clusters:
            return  # too few points to call a cluster starved
        z, costs = self._chunk_costs(X)
        starved, centers = reseed_starved(z, costs, self.reassignment_ratio, self._rng)
        if len(starved):
            with torch.no_grad():
                self._net.module_.centroids[torch.from_numpy(starved)] = centers.to(self.device_)
            self.n_reassigned_ += len(starved)

    def _finish(self, X):
        labels = None
        if self.compute_labels:
            self.labels_ = labels = self._infer(X, "labels").numpy()
        self._warn_if_collapsed(labels)

    def _warn_if_collapsed(self, labels):
        """Warn if clusters were empty over the last pass or in ``labels``.

        The pass counts nearest centroids while the model moves; the final
        labels are what the fitted model says, and can lose a cluster the
        pass still saw.
        """
        last = self._net.history[-1]
        n_empty, n_seen = last["n_empty"], sum(last["cluster_sizes"])
        where = f"over the last pass of {n_seen} samples"
        if labels is not None:
            n_missing = self.n_clusters - len(np.unique(labels))
            if n_missing > n_empty:
                n_empty, n_seen = n_missing, len(labels)
                where = f"for the {n_seen} training samples after training"
        # A pass shorter than a few points per cluster leaves clusters empty
        # by chance, not by collapse.
        if n_empty and n_seen >= 5 * self.n_clusters:
            warnings.warn(
                f"{n_empty} of {self.n_clusters} clusters were nobody's "
                f"nearest centroid {where}: the model is collapsing or has too "
                f"many clusters. Likely causes: sigma too small (now {self.sigma_:g}; "
                f"try 2-3x larger), lr too large (now {self.lr_:g}; try 3x "
                "smaller), more clusters than the data holds (fewer n_clusters), "
                "or unscaled features (StandardScaler).",
                ClusterCollapseWarning,
                stacklevel=4,  # the caller of fit / partial_fit
            )

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
        with self._transaction(in_place=False):
            X = self._validate_X(X, reset=True)
            self._check_params_vs_input(X)
            rng = _check_random_state(self.random_state)
            best_score, best = None, None
            for _ in range(self.n_init):
                self._build(X, rng)
                self._train(X, self.max_epochs_)
                # Fewer used clusters lose first: merged clusters can be
                # well separated, so a collapsing run may have a good silhouette.
                score = self._own_silhouette(X)[::-1] if self.n_init > 1 else 0
                if best is None or score > best_score:
                    best_score, best = score, (self._net, self.n_iter_, self.n_steps_)
            self._net, self.n_iter_, self.n_steps_ = best
            self._finish(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the model with one shuffled pass over a chunk of data.

        The first call starts the model. Later calls read the current
        ``lr``, optimizer and its options, ``batch_size``, ``sigma``,
        ``objective``, ``reg_strength``, ``prior``, ``callbacks``,
        ``verbose``, ``compute_labels`` and ``reassignment_ratio``; changing ``n_clusters``,
        ``encoder``, ``latent_dim``, ``input_shape``, ``init`` or ``device``
        after the first call raises (``fit`` starts over).

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
        with self._transaction(in_place=True):
            if not first_call:
                # scikit-learn validates parameters only at a first partial_fit
                self._validate_params()
                self._check_frozen()
            X = self._validate_X(X, reset=first_call)
            if first_call:
                self._check_params_vs_input(X)
                self._warn_if_small_first_chunk(len(X))
                self._build(X, _check_random_state(self.random_state))
            else:
                self._apply_live_params()
            self._follow_drift(X, first_call)
            self.max_epochs_ = 1
            self._train(X, 1)
            if self.reassignment_ratio > 0:
                self._reassign_starved(X)
            self._finish(X)
        return self

    # ------------------------------------------------------------------
    # Inference
    # ------------------------------------------------------------------
    def _inference_rows(self):
        """Rows per encoder call at inference: ``batch_size``, or more (up to
        ``_INFER_MAX_ROWS``) for samples of few values."""
        many = min(_INFER_VALUES // math.prod(self._sample_shape), _INFER_MAX_ROWS)
        return max(self.batch_size, many)

    def _infer(self, X, output):
        """``"embedding"``, ``"costs"`` or ``"labels"`` of tensor X, on the CPU."""
        return self._net.infer_all(X, output, self._inference_rows(),
                                   self.batch_size * _COSTS_GROUP)

    def _check_predict_input(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def predict(self, X):
        """Nearest cluster of each sample: ``argmin_k D[i, k]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*sample_shape)
            New data, shaped like the training data.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
            Cluster index of each sample.
        """
        return self._infer(self._check_predict_input(X), "labels").numpy()

    def predict_proba(self, X):
        """Posterior cluster probabilities ``softmax_k(-D[i, k])``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*sample_shape)
            New data, shaped like the training data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters), dtype float64
            Rows sum to 1.
        """
        costs = self._infer(self._check_predict_input(X), "costs")
        return torch.softmax(-costs.double(), dim=1).numpy()

    def transform(self, X):
        """Embed X in the latent space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*sample_shape)
            New data, shaped like the training data.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim), dtype float32
            The encoder's output, times ``embedding_scale_``.
        """
        return self._infer(self._check_predict_input(X), "embedding").numpy()

    def score(self, X, y=None):
        """Silhouette of the predicted clusters in the embedding (higher is better).

        The mean silhouette of ``predict(X)`` on ``transform(X)``, on a
        fixed subset of 2000 samples when X is larger; -1 when everything
        falls into one cluster.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*sample_shape)
            Data to score.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        score : float
            In [-1, 1].
        """
        return self._own_silhouette(self._check_predict_input(X))[0]

    def _own_silhouette(self, X):
        """Silhouette of tensor X's labels in the model's own embedding, and
        the number of clusters the scored subset falls into."""
        if len(X) > _SCORE_SAMPLE:  # a fixed subset: the score is deterministic
            rows = np.random.RandomState(0).choice(len(X), _SCORE_SAMPLE, replace=False)
            X = X[np.sort(rows)]
        z = self._infer(X, "embedding")
        with torch.no_grad():
            labels = self._net.module_.nearest(z.to(self.device_)).cpu().numpy()
        n_labels = len(np.unique(labels))
        if n_labels < 2 or n_labels >= len(labels):
            return -1.0, n_labels
        return float(silhouette_score(z.numpy(), labels)), n_labels

    # ------------------------------------------------------------------
    # Weights-only persistence
    # ------------------------------------------------------------------
    def save(self, path):
        """Save parameters and weights to a file that is safe to load.

        The file holds only tensors, numbers and strings, and :meth:`load`
        reads it with ``torch.load(weights_only=True)``, so a file from an
        untrusted source cannot run code. It keeps what prediction needs,
        not the optimizer state, history, callbacks or ``labels_``: a
        loaded model predicts identically, and further ``partial_fit`` calls
        start a fresh optimizer state.

        Parameters
        ----------
        path : str or path-like
            File to write.

        Examples
        --------
        >>> import os, tempfile, numpy as np
        >>> from hardclust import OnlineHardClustering
        >>> X = np.random.RandomState(0).normal(size=(60, 3))
        >>> model = OnlineHardClustering(n_clusters=2, max_epochs=2, random_state=0).fit(X)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> model.save(path)
        >>> loaded = OnlineHardClustering.load(path)
        >>> bool((loaded.predict(X) == model.predict(X)).all())
        True
        """
        check_is_fitted(self)
        save_model(self, path)

    @classmethod
    def load(cls, path, *, encoder=None, device="auto"):
        """Load a model written by :meth:`save` (weights only, no pickle).

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        encoder : nn.Module subclass, callable or nn.Module, default=None
            The architecture, needed when the model was saved with a custom
            encoder (its weights are in the file, its code is not).
        device : str or torch.device, default="auto"
            Where to put the model.

        Returns
        -------
        model : OnlineHardClustering
            Fitted, ready to ``predict``.

        Raises
        ------
        ValueError
            If the file is not a hardclust weights file, or the encoder
            does not match the saved weights.
        """
        return load_model(cls, path, encoder, device)

    def _restore(self, saved):
        """Rebuild the net of a :meth:`load`-ed model from the saved dict."""
        self._validate_params()
        self.device_ = resolve_device(self.device)
        self._resolve_settings()
        self.sigma_ = saved.get("sigma", self.sigma_)
        self.lr_ = saved.get("lr", self.lr_)
        self.max_epochs_ = saved.get("max_epochs", 1)
        self._build(torch.zeros(2, *self._sample_shape), _check_random_state(self.random_state),
                    scale=saved["scale"])
        self._net.module_.load_state_dict(saved["module"])
        self._net.module_.eval()  # as a fitted model rests
        self.n_iter_ = saved["n_iter"]
        self.n_steps_ = saved["n_steps"]

    # ------------------------------------------------------------------
    # Fitted attributes and plumbing
    # ------------------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "_net")

    def _fitted_net(self, name):
        if not hasattr(self, "_net"):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r} before fit.")
        return self._net

    @property
    def cluster_centers_(self):
        net = self._fitted_net("cluster_centers_")
        return net.module_.centroids.detach().cpu().numpy().copy()

    @property
    def encoder_(self):
        return self._fitted_net("encoder_").module_.encoder

    @property
    def embedding_scale_(self):
        return self._fitted_net("embedding_scale_").module_.scale

    @property
    def history_(self):
        return self._fitted_net("history_").history

    @property
    def _n_features_out(self):
        return self.latent_dim

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def __setstate__(self, state):
        if state.get("_hardclust_version") is not None:
            warn_if_other_release(state["_hardclust_version"], what="This model")
        super().__setstate__(state)
        # skorch maps a model pickled on CUDA to the CPU when CUDA is absent.
        if "_net" in self.__dict__:
            self.device_ = torch.device(self._net.device)

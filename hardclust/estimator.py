"""``OnlineHardClustering``: deep online clustering with hard regularisation.

The estimator orchestrates; the math lives elsewhere: the batch labelling in
:mod:`hardclust.assignment`, the objectives in :mod:`hardclust.regularization`,
the encoders in :mod:`hardclust.encoders` and the training loop in skorch
(:mod:`hardclust._net`).
"""

import contextlib
import copy
import inspect
import math
import pickle
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
from skorch.callbacks import Callback

from . import __version__
from ._initialization import balanced_kmeans, embed_sample
from ._net import (
    ClusterModule,
    ClusterNet,
    ShuffledBatches,
    TensorDataset,
    draw_seed,
    embed,
    eval_mode,
    resolve_device,
    seeded,
)
from .encoders import make_encoder
from .regularization import REGULARIZATIONS, make_objective

__all__ = ["OnlineHardClustering", "ClusterCollapseWarning", "HardclustVersionWarning"]


class ClusterCollapseWarning(UserWarning):
    """Some clusters received no points at the end of training.

    Raised by ``fit``/``partial_fit`` when, over the last training pass or
    in the final ``labels_`` (at least five points per cluster), some
    clusters were nobody's nearest centroid; the message names the usual
    fixes (larger ``sigma``, fewer clusters, standardised features).

    Examples
    --------
    >>> import warnings, numpy as np
    >>> from hardclust import ClusterCollapseWarning, OnlineHardClustering
    >>> X = np.ones((60, 3))  # identical points: nothing to separate
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(X)
    >>> any(issubclass(w.category, ClusterCollapseWarning) for w in caught)
    True
    """


class HardclustVersionWarning(UserWarning):
    """A model is loaded by a different hardclust release than saved it.

    The model loads; the warning names both versions and the fix (refit, or
    load with the release that saved it).

    Examples
    --------
    To refuse models from other releases instead of loading them:

    >>> import warnings
    >>> from hardclust import HardclustVersionWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", HardclustVersionWarning)
    ...     # pickle.load(f) here raises instead of warning
    """


# Marks files written by OnlineHardClustering.save.
_SAVE_FORMAT = "hardclust-weights-1"
# Mean squared distance between initial centroids, per latent dimension
# (N(0, I) centroids have 2; 8 measured better on digits, docs/results.md).
_INIT_SPREAD = 8.0
# Chunks embedded before their distances are computed in one call.
_COSTS_GROUP = 16
# Inference chunks of samples with few values (flat features) hold up to
# _INFER_VALUES input values and _INFER_MAX_ROWS rows, when that is more
# than batch_size: per-call overhead dominates small chunks of them
# (digits' MLP took 2.0 ms over chunks of 2,048 rows and 2.5 ms over chunks
# of 256). Images keep batch_size; larger chunks measured slower for the
# CNN on CPU (docs/performance.md).
_INFER_VALUES = 2**17
_INFER_MAX_ROWS = 4096
# sigma="auto": this much per latent dimension, a fixed ratio to the initial
# centroid spread (_INIT_SPREAD per dimension); 200 at latent_dim=128.
_AUTO_SIGMA_PER_DIM = 25 / 16
# Start of torch's error for BatchNorm in training on one value per channel.
_BATCHNORM_ONE_SAMPLE = "Expected more than 1 value per channel when training"
# lr="auto": the paper's rate, and a lower one measured better for the CNN.
_AUTO_LR = 1e-3
_AUTO_LR_CNN = 3e-4
# max_epochs="auto": at least this many epochs and optimisation steps.
_AUTO_MIN_EPOCHS = 10
_AUTO_MIN_STEPS = 500
# Points on which ``score`` computes the silhouette (its cost is quadratic).
_SCORE_SAMPLE = 2000


def _warn_if_other_release(saved_version, what):
    """Warn when a model saved by another major.minor release is loaded."""
    if saved_version.split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(
            f"{what} was saved with hardclust {saved_version} and is loaded with "
            f"{__version__}; it may behave differently. Refit it, or load it "
            f"with hardclust=={saved_version}.",
            HardclustVersionWarning,
            stacklevel=3,
        )


def _check_random_state(random_state):
    """``check_random_state``, except that None gives a private generator.

    scikit-learn maps None to numpy's global RandomState; drawing from it
    would move the caller's global RNG, which hardclust promises not to do.
    The private generator is seeded from OS entropy instead.
    """
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    return check_random_state(random_state)


class OnlineHardClustering(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator
):
    """Deep online clustering with hard regularisation (combination assignment).

    An encoder network maps each sample to a latent vector ``z``; each of
    ``n_clusters`` clusters is an isotropic Gaussian around a learnable
    centroid ``mu_k``, and the cost of putting sample ``i`` in cluster ``k``
    is ``D[i, k] = ||z_i - mu_k||^2 / sigma - log pi_k``. Encoder and
    centroids are trained together by Adam, one mini-batch at a time. Within
    a batch, labels are chosen by combination assignment
    (:func:`hardclust.combination_assign`), which adds ``log(n_k!)`` for the
    ``n_k`` points a batch puts in cluster ``k``: piling a batch into one
    cluster grows ever more expensive, which keeps training from collapsing
    without any data augmentation (Mahon & Lukasiewicz, AAAI 2024). The loss
    is the mean cost of the assigned pairs. Inference is pointwise:
    ``predict`` returns ``argmin_k D[i, k]``.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    encoder : "auto", nn.Module subclass, callable or nn.Module, default="auto"
        ``"auto"``: :class:`~hardclust.encoders.MLPEncoder` for 2-D ``X``,
        :class:`~hardclust.encoders.ConvEncoder` for images (``X`` of shape
        (n, H, W) or (n, C, H, W), or 2-D with ``input_shape``). A class or
        callable is called as ``encoder(input_shape, latent_dim)`` and must
        return an ``nn.Module`` mapping (batch, \\*input_shape) to
        (batch, latent_dim). An ``nn.Module`` instance is deep-copied at
        ``fit``; the instance you pass is never trained. With
        ``init="k-means"``, the copy's BatchNorm layers get running
        statistics from the first data (a pretrained encoder's are
        replaced in the copy; see ``init``).
    latent_dim : int, default=128
        Size of the embedding (``transform`` output). 128 (the paper's)
        measured better than 64 on Fashion-MNIST and level on digits, with
        ``sigma`` scaled alongside (docs/results.md); 192 and 256 measured
        worse.
    sigma : float or "auto", default="auto"
        Cluster variance parameter, in squared latent units. Too small and
        every point lands in one cluster at inference; too large and clusters
        blur together, and a non-uniform ``prior`` outweighs the distances.
        With ``init="k-means"`` the centroids start at a mean squared
        distance of ``8 * latent_dim`` (1024 by default), so what matters is
        that ratio. ``"auto"`` keeps it fixed: ``sigma = 25 / 16 *
        latent_dim``, which is 200 at the default ``latent_dim=128`` and 100
        at 64 (the previous defaults). With ``latent_dim=128``, sigma from
        200 to 500 gave the same one-epoch Fashion-MNIST ACC (0.622-0.625)
        and 70 began to lose clusters; at 300 the imbalanced example
        (``examples/imbalanced.py``) lost its smallest cluster even with the
        true prior. Scaled with ``latent_dim``, it was level (within seed
        noise) with or better than a fixed 200 at 32, 64 and 256
        dimensions (at 256: Fashion-MNIST one-epoch ACC 0.579 against
        0.557, digits 0.893 against 0.880; docs/results.md). With
        ``init="random"`` the embedding is not rescaled, so there "auto" is
        just proportional to ``latent_dim``. Before 0.2.0 the default was a
        fixed 200, so results at other latent sizes differ from 0.1.0's.
        The value used is ``sigma_``. See the user guide for how to choose
        it.
    prior : array-like of shape (n_clusters,), default=None
        Prior probability of each cluster (normalised to sum to 1); ``None``
        is uniform. A non-uniform prior lets imbalanced clusters stay
        imbalanced.
    regularization : {"hard", "none", "sinkhorn", "entropy", "variance"}, \
            default="hard"
        How a batch's labels and loss are formed. ``"hard"`` is combination
        assignment (the method); the others are the baselines of the paper:
        nearest centroid with no regularisation, SwAV-style Sinkhorn
        balancing, and nearest centroid plus an entropy or variance penalty
        on the batch-mean posterior.
    reg_strength : float, default=1.0
        Weight of the penalty for ``"entropy"`` and ``"variance"``; ignored
        otherwise.
    init : {"k-means", "random"}, default="k-means"
        Centroid initialisation. ``"k-means"`` runs k-means 10 times on the
        untrained encoder's embeddings of (up to 2048 of) the first samples
        seen, keeps the run whose cluster sizes best match ``prior`` (uniform
        by default; never labels), and rescales the embedding so that the
        centroids start well apart relative to ``sigma``: training starts
        from the input's own cluster structure. BatchNorm layers in the
        encoder first take their running statistics from those samples
        (replacing any they had), so that k-means sees the embedding
        training sees. ``"random"`` draws centroids from ``N(0, I)`` (the
        paper's choice).
    n_init : int, default=1
        Number of independent trainings ``fit`` runs (different encoder and
        centroid initialisations); the one whose predictions use the most
        clusters, then the highest :meth:`score` (silhouette in its own
        embedding), is kept, as ``n_init`` keeps the lowest inertia in
        :class:`~sklearn.cluster.KMeans`. No label is ever looked at. The
        training loss is not used: a lower final loss went with a higher ACC
        only weakly (Spearman 0.14 over 6 Fashion-MNIST runs, where the
        silhouette gave 0.66; neither ranks digits runs,
        ``benchmarks/rank_runs.py``, run with the previous defaults
        ``latent_dim=64, sigma=100``). Costs ``n_init`` times the training
        time; ``partial_fit`` always trains one model.
    input_shape : tuple of int, default=None
        Shape of one sample when ``X`` is given flat, e.g. ``(1, 28, 28)`` for
        flattened 28x28 images; ``X`` rows are reshaped to it (so a
        scikit-learn pipeline can feed an image encoder). ``None`` uses
        ``X.shape[1:]``.
    batch_size : int, default=256
        Mini-batch size for training, and the chunk size for inference.
        Samples of few values (flat features) are inferred in chunks of
        ``min(131072 // values_per_sample, 4096)`` rows when that is more,
        since per-call overhead dominates small chunks of them; images keep
        ``batch_size`` (larger chunks measured slower for the CNN on CPU).
    max_epochs : int or "auto", default="auto"
        Passes over the data made by ``fit`` (``partial_fit`` always makes
        one). ``"auto"`` makes at least 10 passes and at least 500
        optimisation steps: 10 epochs on Fashion-MNIST (274 batches each),
        63 on digits (8 batches each), so small data sets are not left
        under-trained.
    lr : float or "auto", default="auto"
        Adam learning rate, for the encoder and the centroids. ``"auto"`` is
        3e-4 for the default CNN (image input with ``encoder="auto"``) and
        1e-3 (the paper's) otherwise: on Fashion-MNIST, 3e-4 raised the mean
        ACC over 3 seeds from 0.534 to 0.632 after 10 epochs, while on
        digits the MLP did better with 1e-3 (ACC 0.836 against 0.821; both
        measured with the previous release's k-means start).
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when ``torch.cuda.is_available()``, else the CPU;
        ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a ``torch.device`` choose one.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (instances, classes, or ``(name, callback)``
        tuples), for example ``skorch.callbacks.LRScheduler``. They are
        copied at ``fit``.
    compute_labels : bool, default=True
        Whether ``fit`` and ``partial_fit`` set ``labels_`` (one extra
        inference pass over the data given).
    verbose : int, default=0
        ``0`` prints nothing; ``1`` shows a progress bar per epoch and a
        table of loss, empty clusters and time per epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds encoder initialisation, centroid initialisation and shuffling.
        An int gives bit-identical results on CPU. hardclust never touches
        the process-global RNGs of numpy, ``random`` or torch.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        ``predict`` of the data last given to ``fit`` or ``partial_fit``
        (if ``compute_labels``).
    cluster_centers_ : ndarray of shape (n_clusters, latent_dim)
        Centroids, in the latent space.
    encoder_ : nn.Module
        The trained encoder (on ``device_``). ``transform(X)`` is
        ``encoder_(X) * embedding_scale_``.
    sigma_ : float
        The ``sigma`` used (``sigma="auto"`` resolved).
    embedding_scale_ : float
        Fixed factor on the encoder's output, set by ``init="k-means"`` (1.0
        for ``init="random"``).
    device_ : torch.device
        The device the model lives on.
    history_ : skorch.History
        One entry per epoch: ``train_loss``, ``cluster_sizes`` (nearest-
        centroid counts over the epoch), ``n_empty``, ``dur`` (seconds), plus
        per-batch entries.
    n_iter_ : int
        Passes over data made so far (epochs of ``fit``, calls of
        ``partial_fit``).
    n_steps_ : int
        Optimisation steps (mini-batches) made so far.
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
        "encoder": [StrOptions({"auto"}), callable],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "sigma": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "prior": ["array-like", None],
        "regularization": [StrOptions(set(REGULARIZATIONS))],
        "reg_strength": [Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"k-means", "random"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "input_shape": [tuple, list, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "device": [str, torch.device],
        "callbacks": [list, None],
        "compute_labels": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        encoder="auto",
        latent_dim=128,
        sigma="auto",
        prior=None,
        regularization="hard",
        reg_strength=1.0,
        init="k-means",
        n_init=1,
        input_shape=None,
        batch_size=256,
        max_epochs="auto",
        lr="auto",
        device="auto",
        callbacks=None,
        compute_labels=True,
        verbose=0,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.encoder = encoder
        self.latent_dim = latent_dim
        self.sigma = sigma
        self.prior = prior
        self.regularization = regularization
        self.reg_strength = reg_strength
        self.init = init
        self.n_init = n_init
        self.input_shape = input_shape
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr = lr
        self.device = device
        self.callbacks = callbacks
        self.compute_labels = compute_labels
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------
    def _validate_X(self, X, reset):
        """Validated float32 CPU tensor of shape (n, *sample_shape)."""
        if isinstance(X, torch.Tensor):
            X = X.detach().cpu().numpy()
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float32, np.float64],
            allow_nd=True,
            ensure_min_features=1,
        )
        if reset:
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
        self._input_layout = X.shape[1:]
        if self.input_shape is None:
            return tuple(X.shape[1:])
        shape = tuple(self.input_shape)
        if not all(isinstance(s, Integral) and s > 0 for s in shape):
            raise ValueError(
                f"input_shape must be a tuple of positive ints, got {self.input_shape!r}."
            )
        if int(np.prod(shape)) != int(np.prod(X.shape[1:])):
            raise ValueError(
                f"input_shape={shape} holds {int(np.prod(shape))} values but "
                f"each sample of X has {int(np.prod(X.shape[1:]))}; make "
                "input_shape match the features of X."
            )
        return shape

    def _inference_rows(self):
        """Rows per encoder call at inference: ``batch_size``, or more (up to
        ``_INFER_MAX_ROWS``) for samples of few values."""
        many = min(_INFER_VALUES // math.prod(self._sample_shape), _INFER_MAX_ROWS)
        return max(self.batch_size, many)

    def _check_n_samples(self, X):
        if len(X) < self.n_clusters:
            raise ValueError(
                f"n_samples={len(X)} should be >= n_clusters={self.n_clusters}: "
                "the first training call needs at least one sample per cluster."
            )

    def _resolve_max_epochs(self, n_samples):
        if self.max_epochs != "auto":
            return self.max_epochs
        batches = -(-n_samples // self.batch_size)
        return max(_AUTO_MIN_EPOCHS, -(-_AUTO_MIN_STEPS // batches))

    def _resolve_lr(self):
        if self.lr != "auto":
            return self.lr
        images = isinstance(self.encoder, str) and len(self._sample_shape) > 1
        return _AUTO_LR_CNN if images else _AUTO_LR

    def _resolve_sigma(self):
        if self.sigma != "auto":
            return float(self.sigma)
        return _AUTO_SIGMA_PER_DIM * self.latent_dim

    def _log_prior(self):
        if self.prior is None:
            return torch.full((self.n_clusters,), -np.log(self.n_clusters))
        prior = np.asarray(self.prior, dtype=np.float64)
        if prior.shape != (self.n_clusters,):
            raise ValueError(
                f"prior must have one entry per cluster, shape ({self.n_clusters},); "
                f"got shape {prior.shape}."
            )
        if not np.all(np.isfinite(prior)) or np.any(prior <= 0):
            raise ValueError("prior entries must be positive and finite.")
        return torch.from_numpy(np.log(prior / prior.sum())).float()

    # ------------------------------------------------------------------
    # Initialisation and training
    # ------------------------------------------------------------------
    def _check_callbacks(self):
        for item in self.callbacks or []:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                item = item[1]
            if not (isinstance(item, Callback)
                    or (inspect.isclass(item) and issubclass(item, Callback))):
                raise TypeError(
                    "callbacks must be skorch callbacks: instances or subclasses "
                    "of skorch.callbacks.Callback, or (name, callback) tuples; "
                    f"got {item!r}."
                )

    def _initialize(self, X, rng, saved=None):
        """Build encoder, centroids and the skorch net from the first data.

        With ``saved`` (the dict written by :meth:`save`), the weights and
        the embedding scale come from it instead, and ``X`` is not needed.
        """
        self._check_callbacks()
        log_prior = self._log_prior()
        device = resolve_device(self.device)
        with seeded(draw_seed(rng), torch.device("cpu")):
            encoder = make_encoder(self.encoder, self._sample_shape, self.latent_dim)
            centroids = torch.randn(self.n_clusters, self.latent_dim)
        encoder = encoder.to(device)
        if X is None:
            X = torch.zeros(2, *self._sample_shape)
        self._check_encoder_output(encoder, X[:2], device)
        scale = 1.0
        if saved is not None:
            scale = saved["scale"]
        elif self.init == "k-means":
            centroids, scale = self._kmeans_init(encoder, X, device, rng, log_prior)
        net = ClusterNet(
            module=ClusterModule(encoder, centroids, self._resolve_sigma(), log_prior, scale),
            criterion=make_objective(self.regularization, log_prior, self.reg_strength),
            optimizer=torch.optim.Adam,
            lr=self._resolve_lr(),
            batch_size=self.batch_size,
            train_split=None,
            iterator_train=ShuffledBatches,
            iterator_train__shuffle=True,
            iterator_train__random_state=rng,
            callbacks=copy.deepcopy(self.callbacks),
            verbose=self.verbose,
            device=str(device),
        )
        net.initialize()
        if saved is not None:
            net.module_.load_state_dict(saved["module"])
        self._net = net
        self._rng = rng
        self.device_ = device
        self.n_iter_ = 0
        self.n_steps_ = 0
        self._hardclust_version = __version__

    def _check_encoder_output(self, encoder, X, device):
        """Fail early, with a fix, if the encoder cannot take X or returns
        something other than (batch, latent_dim)."""
        try:
            with eval_mode(encoder):
                z = encoder(X.to(device))
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

    def _kmeans_init(self, encoder, X, device, rng, log_prior):
        """Centroids by k-means on initial embeddings, and the output scale.

        The centroids come from ``balanced_kmeans``: kept by balance
        rather than inertia, which on digits raised the mean ACC over 10
        seeds from 0.823 to 0.888 (docs/results.md).

        The scale makes the mean squared distance between centroids
        ``_INIT_SPREAD * latent_dim``: relative to ``sigma`` the clusters
        then start well apart. Unscaled, the untrained encoder's embeddings
        are tiny next to ``sigma``, the count penalty alone decides the
        first labels, and training collapsed (centroids seeded on the
        embeddings without rescaling: ACC 0.16 to 0.34 on digits).
        """
        z = embed_sample(encoder, X, self.batch_size, device, rng)
        if not np.all(np.isfinite(z)):
            raise FloatingPointError(
                "the untrained encoder produced non-finite embeddings; scale "
                "the input (for example with StandardScaler)."
            )
        centers = balanced_kmeans(z, self.n_clusters, log_prior.double().numpy(), rng)
        gaps = ((centers[:, None] - centers[None]) ** 2).sum(-1)
        spread = gaps[np.triu_indices(self.n_clusters, 1)].mean() if self.n_clusters > 1 else 0
        if not spread > 0:
            spread = 2 * z.var(axis=0, dtype=np.float64).sum()
        scale = np.sqrt(_INIT_SPREAD * self.latent_dim / spread) if spread > 0 else 1.0
        return torch.from_numpy(centers * scale).float(), float(scale)

    def _train(self, X, epochs):
        """``epochs`` shuffled passes over the tensor X."""
        net = self._net
        dataset = TensorDataset(X)
        with seeded(draw_seed(self._rng), self.device_):
            net.notify("on_train_begin", X=dataset, y=None)
            try:
                net.fit_loop(dataset, epochs=epochs)
            except ValueError as exc:
                # torch's BatchNorm on a batch of one sample: say what to change
                if not str(exc).startswith(_BATCHNORM_ONE_SAMPLE):
                    raise
                raise ValueError(
                    f"the encoder failed on a training batch of one sample ({exc}): "
                    "BatchNorm layers need at least 2 values per channel in "
                    "training. Pass at least 2 samples (to partial_fit, chunks "
                    "of 2 or more) and use batch_size >= 2."
                ) from exc
            net.notify("on_train_end", X=dataset, y=None)
        # A fitted model rests in evaluation mode, so that inference need not
        # switch it (skorch switches back to training mode at each step).
        net.module_.eval()
        self.n_iter_ += epochs
        # skorch records each epoch's batch count: the steps actually taken
        self.n_steps_ += sum(net.history[-epochs:, "train_batch_count"])

    def _finish(self, X):
        labels = None
        if self.compute_labels:
            self.labels_ = labels = self._infer(X, "labels").numpy()
        self._warn_if_collapsed(labels)

    def _warn_if_collapsed(self, labels):
        """Warn if clusters were empty over the last pass or in ``labels``.

        The pass counts nearest centroids while the model moves; the final
        labels are what the fitted model says, and can lose a cluster the
        pass still saw (measured on blobs scaled by 1e-3).
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
                "many clusters. Try a larger sigma, fewer clusters, more data "
                "or standardised features.",
                ClusterCollapseWarning,
                stacklevel=5,  # the caller of fit / partial_fit
            )

    @contextlib.contextmanager
    def _rollback_on_error(self, in_place):
        """Restore the fitted state exactly if the body raises (even Ctrl+C).

        ``fit`` builds a fresh net (``in_place=False``), so restoring the
        attribute dict suffices; ``partial_fit`` trains the existing net in
        place, so its parameters, optimizer state, history and RNG are
        snapshotted too.
        """
        attributes = dict(self.__dict__)
        net = attributes.get("_net") if in_place else None
        # The RNG may be the caller's RandomState, which a refit draws from
        # too, so its position is restored in both cases.
        rng = attributes.get("_rng")
        rng_state = None if rng is None else rng.get_state()
        saved = None
        if net is not None:
            saved = (
                copy.deepcopy(net.module_.state_dict()),
                copy.deepcopy(net.optimizer_.state_dict()),
                len(net.history),
                [m.training for m in net.module_.modules()],
            )
        try:
            yield
        except BaseException:
            if saved is not None:
                module_state, optimizer_state, n_epochs, modes = saved
                net.module_.load_state_dict(module_state)
                net.optimizer_.load_state_dict(optimizer_state)
                del net.history[n_epochs:]
                for m, mode in zip(net.module_.modules(), modes):
                    m.training = mode
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
        with self._rollback_on_error(in_place=False):
            X = self._validate_X(X, reset=True)
            self._check_n_samples(X)
            rng = _check_random_state(self.random_state)
            epochs = self._resolve_max_epochs(len(X))
            best_score, best = None, None
            for _ in range(self.n_init):
                self._initialize(X, rng)
                self._train(X, epochs)
                # One run needs no ranking, and the silhouette is not free.
                # Fewer used clusters lose first: merged clusters can be
                # well separated, so a collapsing run may have a good silhouette.
                score = self._silhouette(X, return_n_used=True)[::-1] if self.n_init > 1 else 0
                if best is None or score > best_score:
                    best_score, best = score, (self._net, self.n_iter_, self.n_steps_)
            self._net, self.n_iter_, self.n_steps_ = best
            self._finish(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the model with one shuffled pass over a chunk of data.

        The first call initialises the model (and needs at least
        ``n_clusters`` samples); later calls continue training, with the
        parameters read at the first call.

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
        with self._rollback_on_error(in_place=True):
            X = self._validate_X(X, reset=first_call)
            if first_call:
                self._check_n_samples(X)
                self._initialize(X, _check_random_state(self.random_state))
            self._train(X, 1)
            self._finish(X)
        return self

    # ------------------------------------------------------------------
    # Inference
    # ------------------------------------------------------------------
    def _infer(self, X, output):
        """Embeddings, costs or labels of tensor X, on the CPU.

        ``output`` is ``"embedding"`` (n, latent_dim), ``"costs"`` (n, K) or
        ``"labels"`` (n,). The encoder sees :meth:`_inference_rows` samples at
        a time; the output scale, distances and argmin are applied once per
        group of ``_COSTS_GROUP`` batches (or per chunk, when chunks are
        larger), where one call per batch would cost more than the MLP's
        forward pass itself.
        """
        module = self._net.module_
        heads = {
            "embedding": lambda z: z * module.scale,
            "costs": lambda z: module.costs(z * module.scale),
            # the scale folded into the distances: no multiplication at all
            "labels": lambda z: module.nearest(z, z_scale=module.scale),
        }
        outputs = []
        with eval_mode(module):
            rows = self._inference_rows()
            # chunks of many rows need no grouping: memory stays bounded
            for group in X.split(max(rows, self.batch_size * _COSTS_GROUP)):
                z = embed(module.encoder, group, rows, self.device_)
                outputs.append(heads[output](z))
        if not outputs:
            shape = {"embedding": (0, self.latent_dim), "costs": (0, self.n_clusters),
                     "labels": (0,)}[output]
            return torch.empty(shape, dtype=torch.int64 if output == "labels" else None)
        return (outputs[0] if len(outputs) == 1 else torch.cat(outputs)).cpu()

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
        X = self._check_predict_input(X)
        return self._infer(X, "labels").numpy()

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
        X = self._check_predict_input(X)
        return torch.softmax(-self._infer(X, "costs").double(), dim=1).numpy()

    def transform(self, X):
        """Embed X in the latent space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*sample_shape)
            New data, shaped like the training data.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim), dtype float32
            The encoder's output.
        """
        X = self._check_predict_input(X)
        return self._infer(X, "embedding").numpy()

    def score(self, X, y=None):
        """Silhouette of the predicted clusters in the embedding (higher is better).

        The mean silhouette coefficient of ``predict(X)`` computed on
        ``transform(X)`` (on a fixed random subset of 2000 samples when X is
        larger): close to 1 when clusters are tight and far apart in the
        latent space, -1 when everything falls into a single cluster. It is
        scale-free, so ``GridSearchCV`` can compare models with different
        ``sigma`` or ``latent_dim`` without labels.

        Limits: it measures separation in each model's *own* latent space,
        not agreement with any ground truth; an encoder can make clusters
        tight without making them meaningful. When labels exist, score with
        :func:`hardclust.metrics.cluster_accuracy` or NMI instead.

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
        return self._silhouette(self._check_predict_input(X))

    def _silhouette(self, X, return_n_used=False):
        """:meth:`score` of the validated tensor X, and with ``return_n_used``
        the number of clusters the scored subset falls into."""
        if len(X) > _SCORE_SAMPLE:  # a fixed subset: the score is deterministic
            rows = np.random.RandomState(0).choice(len(X), _SCORE_SAMPLE, replace=False)
            X = X[np.sort(rows)]
        z = self._infer(X, "embedding")
        with torch.no_grad():
            labels = self._net.module_.nearest(z.to(self.device_)).cpu().numpy()
        n_labels = len(np.unique(labels))
        if n_labels < 2 or n_labels >= len(labels):
            score = -1.0
        else:
            score = float(silhouette_score(z.numpy(), labels))
        return (score, n_labels) if return_n_used else score

    # ------------------------------------------------------------------
    # Weights-only persistence
    # ------------------------------------------------------------------
    def save(self, path):
        """Save parameters and weights to a file that is safe to load.

        Unlike a pickle, the file holds only tensors, numbers and strings,
        and :meth:`load` reads it with ``torch.load(weights_only=True)``, so
        a file from an untrusted source cannot run code. It keeps what
        prediction needs (encoder and centroid weights, parameters, input
        shape, feature names) but not the optimizer state, history,
        callbacks or ``labels_``: a loaded model predicts identically, and
        further ``partial_fit`` calls start a fresh Adam state.

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
        params = self.get_params()
        encoder = params.pop("encoder")
        params.pop("callbacks")
        params.pop("device")
        if not isinstance(params["random_state"], (Integral, type(None))):
            params["random_state"] = None  # a RandomState object is not data
        for key in ("prior", "input_shape"):
            if params[key] is not None:
                params[key] = np.asarray(params[key]).tolist()
        # numpy scalars (from np.arange grids, say) are not plain data to
        # torch's weights-only loader: store Python numbers
        params = {k: v.item() if isinstance(v, np.generic) else v
                  for k, v in params.items()}
        names = getattr(self, "feature_names_in_", None)
        torch.save(
            {
                "format": _SAVE_FORMAT,
                "version": __version__,
                "params": params,
                "encoder_auto": isinstance(encoder, str) and encoder == "auto",
                "encoder_name": type(self.encoder_).__name__,
                "sample_shape": list(self._sample_shape),
                "input_layout": list(self._input_layout),
                "n_features_in": int(self.n_features_in_),
                "feature_names_in": None if names is None else [str(n) for n in names],
                "scale": float(self._net.module_.scale),
                "n_iter": int(self.n_iter_),
                "n_steps": int(self.n_steps_),
                "module": {k: v.detach().cpu() for k, v in
                           self._net.module_.state_dict().items()},
            },
            path,
        )

    @classmethod
    def load(cls, path, *, encoder=None, device="auto"):
        """Load a model written by :meth:`save` (weights only, no pickle).

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        encoder : nn.Module subclass, callable or nn.Module, default=None
            The encoder architecture, needed when the model was saved with a
            custom encoder (its weights are in the file, its code is not).
            ``None`` rebuilds the default ``"auto"`` encoder.
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
        try:
            saved = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            raise ValueError(
                f"{path} holds more than weights (or is not a hardclust file): "
                "it was refused, since only OnlineHardClustering.save files "
                "are safe to load. Load trusted pickles with pickle/joblib."
            ) from exc
        if not isinstance(saved, dict) or saved.get("format") != _SAVE_FORMAT:
            raise ValueError(f"{path} is not a file written by OnlineHardClustering.save.")
        _warn_if_other_release(saved["version"], what=str(path))
        if encoder is None and not saved["encoder_auto"]:
            raise ValueError(
                f"{path} was saved with a custom encoder ({saved['encoder_name']}); "
                "pass its architecture: OnlineHardClustering.load(path, encoder=...)."
            )
        params = dict(saved["params"])
        if params["input_shape"] is not None:
            params["input_shape"] = tuple(params["input_shape"])
        model = cls(**params, encoder="auto" if encoder is None else encoder, device=device)
        model._sample_shape = tuple(saved["sample_shape"])
        model._input_layout = tuple(saved["input_layout"])
        model.n_features_in_ = saved["n_features_in"]
        if saved["feature_names_in"] is not None:
            model.feature_names_in_ = np.asarray(saved["feature_names_in"], dtype=object)
        try:
            model._initialize(None, _check_random_state(model.random_state), saved=saved)
            model._net.module_.eval()  # as a fitted model rests
        except RuntimeError as exc:  # load_state_dict: missing/unexpected keys, shapes
            raise ValueError(
                f"the encoder does not match the weights in {path}: {exc}"
            ) from exc
        model.n_iter_ = saved["n_iter"]
        model.n_steps_ = saved["n_steps"]
        return model

    # ------------------------------------------------------------------
    # Fitted attributes and plumbing
    # ------------------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "_net")

    def _fitted_net(self, name):
        if not hasattr(self, "_net"):
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r} before fit."
            )
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
    def sigma_(self):
        return self._fitted_net("sigma_").module_.sigma

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
            _warn_if_other_release(state["_hardclust_version"], what="This model")
        super().__setstate__(state)
        # skorch maps a model pickled on CUDA to the CPU when CUDA is absent.
        if "_net" in self.__dict__:
            self.device_ = torch.device(self._net.device)

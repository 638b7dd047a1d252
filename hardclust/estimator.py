"""``OnlineHardClustering``: deep online clustering with hard regularisation.

The estimator orchestrates: validate -> resolve -> start -> train -> finish.
Each feature owns its rule and glue in its own module: the batch labelling
in :mod:`hardclust.assignment`, the objectives in :mod:`hardclust.objectives`,
the encoders (and ``lr="auto"``) in :mod:`hardclust.encoders`, the start, the
warm start and ``sigma="auto"`` in :mod:`hardclust._initialization`, the
neighbour pairs in :mod:`hardclust._neighbors`, resets in
:mod:`hardclust._resets`, ``max_epochs="auto"`` in :mod:`hardclust._schedule`,
what happens between ``partial_fit`` calls in :mod:`hardclust._streaming`,
the training loop in a skorch net (:mod:`hardclust._net`), inference and
validation in :mod:`hardclust._inference`, the file format in
:mod:`hardclust._persistence` and older releases in :mod:`hardclust._compat`.
"""

from contextlib import ExitStack

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.validation import check_is_fitted

from . import __version__, _compat, _persistence, _streaming
from ._inference import BaseClustering, input_view_sums
from ._initialization import initial_module, start_spread
from ._priors import is_graph_prior, log_prior, start_log_prior, stream_log_prior
from ._neighbors import training_neighbors
from ._net import ClusterNet
from ._params import PARAMETER_CONSTRAINTS, OptimizerParams, check_cross_params, check_frozen
from ._state import transaction
from ._stopping import stopping_rule
from ._settings import call_settings, start_settings
from ._threads import limit_threads, sample_flops
from ._resets import reset_encoder, reset_segments
from ._utils import check_random_state, draw_seed, resolve_device
from .exceptions import rows_since_used, warn_if_collapsed, warn_if_merged, \
    warn_if_stream_collapsed
from .objectives import make_objective

__all__ = ["OnlineHardClustering"]

class OnlineHardClustering(
    OptimizerParams, BaseClustering, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
    ClusterMixin, BaseEstimator,
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
    parameter, and gives the measurements behind the defaults.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    encoder : {"auto", "mlp", "conv2d", "conv1d"}, nn.Module subclass, \
            callable or nn.Module, default="auto"
        The network. ``"auto"`` is ``"mlp"`` for any input (flattened);
        ``"conv2d"`` is a CNN for images, ``"conv1d"`` for sequences (n,
        channels, length). A class or callable is called as
        ``encoder(input_shape, latent_dim)``; an instance is copied.
    latent_dim : int, default=128
        Size of the embedding (``transform``'s output).
    reconstruction : float, default=0.0
        Weight of a reconstruction term (IDEC-style): the loss adds
        ``reconstruction * MSE`` of ``decoder``'s output. 0 builds no decoder.
    decoder : {"auto", "mlp", "conv2d", "conv1d"}, nn.Module subclass, \
            callable or nn.Module, default="auto"
        The decoder of ``reconstruction`` and of the warm start; ``"auto"``
        mirrors a named encoder.
    pretrain_epochs : int or "auto", default=0
        Epochs of an autoencoder warm start before the k-means start
        (DEC's first stage), with the clustering's optimizer, ``lr`` and
        ``batch_size``; 0 skips it. ``"auto"`` warm-starts the image CNN
        only, for 500 steps and at most ``max_epochs_`` epochs. The value
        used is ``pretrain_epochs_``.
    n_neighbors : int or "auto", default="auto"
        Train on pairs: each sample is assigned together with one of its
        ``n_neighbors`` nearest neighbours in the data of the training
        call, drawn afresh at every pass. 0 trains on single samples (the
        paper's method). ``"auto"`` is 10 in ``fit`` for samples of more
        than 50 values, else 0 (and 0 in ``partial_fit``, whose chunks hold
        few neighbours); the value used is ``n_neighbors_``.
    neighbor_weight : float, default=0.5
        Weight of the neighbour in a pair's cost, ``(D[i] + w D[j]) / (1 + w)``
        (with ``objective="secu"``, in the pair's label only: its losses
        weigh both views alike).
    sigma : float or "auto", default="auto"
        Cluster variance, in squared latent units: too small collapses,
        too large blurs. ``"auto"`` is ``25 / 16 * latent_dim``, a fixed
        ratio to the start's centroid spread (0.1 with ``objective="secu"``,
        on the unit sphere). The value used is ``sigma_``.
    prior : array-like of shape (n_clusters,), "graph" or None, default=None
        Prior probability of each cluster (normalised); ``None``: uniform.
        ``"graph"``: the cluster sizes the graph start found (needs
        ``init="graph"``), for data expected to be imbalanced; the user
        guide compares it with the uniform prior and with k-means'
        proportions.
    objective : {"hard", "none", "sinkhorn", "entropy", "variance", "secu"}, \
            default="hard"
        How a batch's labels and loss are formed. ``"hard"`` is combination
        assignment (the method); ``"none"`` to ``"variance"`` the paper's
        baselines; ``"secu"`` SeCu's stable cluster discrimination on a
        sample and its neighbour, on unit embeddings and centroids
        (``sigma="auto"``: 0.1), an option measured in the docs' results.
    reg_strength : float, default=1.0
        Weight of the ``"entropy"`` and ``"variance"`` penalties.
    init : {"graph", "k-means", "random"}, callable or array-like of shape \
            (n_clusters, latent_dim), default="graph"
        The start. ``"graph"`` clusters up to 10,000 first samples by their
        neighbour graph and fits the model to those labels; ``"k-means"``
        clusters the starting encoder's embeddings of up to 2048 of them.
        A callable ``init(Z, n_clusters, random_state)`` replaces that
        k-means; an array gives the centroids. ``"random"``: ``N(0, I)``.
    layout_passes : int or "auto", default="auto"
        Passes of UMAP's layout of the graph start's spectral coordinates
        (at least 16 eigenvectors where the graph has clear clusters, else
        one per cluster) before they are clustered
        (``init="graph"`` only; 0: none, and one eigenvector per cluster).
        ``"auto"`` is 50 for samples of more than 50 values (images,
        signals, wide tables) and 0 for narrower ones (most tables) or
        fewer than 10 distinct first samples per cluster.
    n_init : int, default=1
        Trainings ``fit`` runs; the one using the most clusters, then with
        the highest silhouette in its own embedding, is kept (no labels).
    reset_interval : int or None, default=None
        Every ``reset_interval`` epochs of ``fit`` (not in its last),
        soft-reset the encoder and re-cluster the centroids (Miklautz et
        al., 2024). ``None``: never.
    reset_shrink : float, default=0.8
        Part of its weights the encoder keeps at a reset.
    input_shape : tuple of int, default=None
        Shape of one sample when ``X`` is given flat (e.g. ``(1, 28, 28)``),
        so a pipeline can feed an image encoder. ``None`` uses ``X.shape[1:]``.
    reassignment_ratio : float, default=0.01
        After each ``partial_fit`` pass, a cluster that is the nearest of
        fewer than ``reassignment_ratio * n / n_clusters`` of the chunk's
        ``n`` points, and nobody's nearest in the training passes of the last
        ``20 * n_clusters`` streamed rows (counted afresh after a drift
        reset or ``load``), gets a new centroid at one of them, as in
        :class:`~sklearn.cluster.MiniBatchKMeans`; chunks of fewer than
        ``5 * n_clusters`` rows move none. 0 disables it.
    drift_threshold : float or None, default=None
        When a new ``partial_fit`` chunk lies ``drift_threshold`` times
        further from the centroids than the chunks before it, the
        centroids are placed anew by k-means on the chunk's embeddings.
        ``None`` never does. Keep it off for unshuffled streams.
    batch_size : int, default=256
        Mini-batch size for training, and the smallest inference chunk.
    max_epochs : int or "auto", default="auto"
        Passes over the data made by ``fit``. ``"auto"`` makes 10 passes,
        or more on small data, up to 500 optimisation steps; on single
        samples it stops there once the nearest centroids settle (``tol``).
        ``max_epochs_`` is the most it makes, ``n_iter_`` counts the passes.
    tol : float, default=1e-3
        With ``max_epochs="auto"`` on single samples, ``fit`` stops once two
        passes in a row each changed the nearest centroid of at most this
        fraction of the samples.
    lr : float or "auto", default="auto"
        Learning rate of the encoder and centroids. ``"auto"`` is 3e-4 for
        the ``"conv2d"`` encoder and 1e-3 (the paper's) otherwise. The value
        used is ``lr_``.
    optimizer : torch.optim.Optimizer subclass, default=torch.optim.Adam
        The optimizer. Its options are given as ``optimizer__<name>=value``,
        as in skorch (``optimizer__weight_decay=0.01``).
    n_threads : int, "auto" or None, default="auto"
        torch's threads during every call (training also limits BLAS and
        OpenMP pools), the caller's restored after. ``"auto"``: 1 for small
        encoders, torch's setting for larger, and the caller's torch count
        for the neighbour search (coarse-grained, same result on any
        count); ``None`` leaves torch's.
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU. A new value set
        between ``partial_fit`` calls moves the model at the next call.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (instances, classes or ``(name, callback)``
        tuples), e.g. ``skorch.callbacks.LRScheduler``; copied at ``fit``.
    compute_labels : bool, default=True
        Whether training sets ``labels_``.
    verbose : int, default=0
        ``0`` prints nothing; ``1`` a progress bar (on a terminal) and about
        ten summary lines per call (a stream: at its passes 1, 2, 5, 10,
        20, 50, ...); ``2`` a table row per epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the encoder, the start and the shuffling (an int: bit-identical
        results on CPU); the process-global RNGs are never touched.
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
        (if ``compute_labels``); a loaded model has none until it trains.
    cluster_centers_ : ndarray of shape (n_clusters, latent_dim)
        Centroids, in the latent space.
    prior_ : ndarray of shape (n_clusters,)
        The prior in effect: ``prior`` normalised, uniform for ``None``, the
        graph start's cluster sizes for ``"graph"``.
    encoder_ : nn.Module
        The trained encoder. ``transform(X)`` is ``encoder_(X) * embedding_scale_``
        (scaled to unit length with ``objective="secu"``), X first centred
        or scaled up where the training data sat far from the origin or
        were tiny (the user guide's note on scaling).
    embedding_scale_ : float
        Fixed factor on the encoder's output set by the start (1.0 for
        ``init="random"``).
    sigma_, lr_, max_epochs_, pretrain_epochs_, n_neighbors_, n_threads_ : float or int
        The values used ("auto" resolved); ``max_epochs_`` is 1 after
        ``partial_fit``; ``n_threads_`` None is torch's setting.
    device_ : torch.device
        The device the model lives on.
    history_ : skorch.History
        One entry per epoch: ``train_loss``, ``cluster_sizes`` (nearest-
        centroid counts over the epoch), ``n_empty``, ``dur`` (seconds);
        a loaded model has none until it trains.
    n_iter_, n_steps_ : int
        Passes over data (epochs of ``fit``, calls of ``partial_fit``) and
        optimisation steps made so far.
    n_resets_, n_reassigned_, n_drift_resets_ : int
        Soft resets (``reset_interval``), centroids moved
        (``reassignment_ratio``) and re-placements (``drift_threshold``).
    n_features_in_ : int
        Number of features seen during ``fit`` (``X.shape[1]``).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    See Also
    --------
    hardclust.combination_assign : The batch labelling used in training.
    sklearn.cluster.MiniBatchKMeans : Online k-means on the raw features.

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
    _FROZEN = ("n_clusters", "encoder", "latent_dim", "input_shape", "init",
               "layout_passes", "reconstruction", "decoder", "pretrain_epochs")

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS

    def __init__(
        self, n_clusters=8, *, encoder="auto", latent_dim=128, reconstruction=0.0,
        decoder="auto", pretrain_epochs=0, n_neighbors="auto", neighbor_weight=0.5,
        sigma="auto", prior=None, objective="hard", reg_strength=1.0, init="graph",
        layout_passes="auto", n_init=1,
        reset_interval=None, reset_shrink=0.8, input_shape=None, reassignment_ratio=0.01,
        drift_threshold=None, batch_size=256, max_epochs="auto", tol=1e-3, lr="auto",
        optimizer=torch.optim.Adam, device="auto", n_threads="auto", callbacks=None,
        compute_labels=True,
        verbose=0, random_state=None, regularization="deprecated", **optimizer_params,
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
        self.layout_passes = layout_passes
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
        self._set_optimizer_params(optimizer_params)

    def _validate_params(self, frozen=None):
        super()._validate_params()
        if frozen is not None:  # a changed frozen parameter is the cause to name
            check_frozen(self, frozen)
        check_cross_params(self)

    def _check_params_vs_input(self, X, passes=None):
        """Resolve what depends on the data, once per start (``passes=1``: partial_fit)."""
        self.__dict__.update(start_settings(self.get_params(deep=False), len(X), passes))
        self._sample_flops = sample_flops(self.encoder, self._sample_shape, self.latent_dim)
        self._resolve_settings(stream=passes is not None)

    def _resolve_settings(self, stream=False):
        """Resolve the parameters ``partial_fit`` (``stream=True``) reads at every call."""
        if "_sample_flops" not in self.__dict__:  # a loaded or unpickled model
            net = self.__dict__.get("_net")
            self._sample_flops = sample_flops(self.encoder, self._sample_shape, self.latent_dim,
                                              built=net and net.module_.encoder,
                                              device=self.device_)
        self.__dict__.update(call_settings(self.get_params(deep=False), self._sample_shape,
                                           stream=stream, sample_flops=self._sample_flops))

    def _live_params(self):  # the parameters partial_fit pushes into the net
        return _streaming.live_params(self.get_params(deep=False), self.lr_, self._objective)

    def _build(self, X, rng, scale=None):
        """Build the model from the first data X and the state that goes with it.

        With ``scale`` (a loaded model's), no start is run: the weights are
        loaded into the net afterwards.
        """
        if is_graph_prior(self.prior):
            # the start picks its labels by the uniform sizes, also
            # in a second run of n_init or a refit (the first set the sizes)
            self._log_prior = log_prior(self.prior, self.n_clusters)
        module = initial_module(
            self.get_params(deep=False), X, rng, sample_shape=self._sample_shape,
            device=self.device_, sigma=self.sigma_, lr=self.lr_, log_prior=self._log_prior,
            pretrain_epochs=self.pretrain_epochs_, scale=scale,
            normalize=self._objective == "secu")
        if scale is None:  # a loaded model takes its prior with its weights (_restore)
            self._adopt_start_prior(module)
        self._net = ClusterNet.build(
            module, make_objective(self._objective, self._log_prior, self.reg_strength),
            optimizer=self.optimizer, optimizer_params=self._optimizer_params(),
            lr=self.lr_, batch_size=self.batch_size, callbacks=self.callbacks,
            verbose=self.verbose, device=self.device_, rng=rng,
        )
        self._rng = rng
        self._start_state()

    def _adopt_start_prior(self, module):
        """``prior="graph"``: the model's prior is the sizes its start gave
        ``module`` (:func:`hardclust._priors.start_log_prior`), kept as
        ``_start_log_prior`` for the calls after the first."""
        self.__dict__.pop("_start_log_prior", None)
        sizes = start_log_prior(self.prior, module)
        if sizes is not None:
            self._start_log_prior, self._log_prior = sizes, sizes.clone()

    def _start_state(self):
        """The fitted state every new model starts with: one list, also
        given to models unpickled from releases that lacked some of it."""
        self.__dict__.pop("_cost_level", None)  # a new model: no drift reference yet
        self._applied = self._live_params()
        self._frozen = {name: getattr(self, name) for name in self._FROZEN}
        self.n_iter_ = self.n_steps_ = 0
        self.n_reassigned_ = self.n_drift_resets_ = self.n_resets_ = 0
        self._hardclust_version = __version__

    def _train(self, X, epochs, planned=None, resume=False, neighbors=None, stop=None):
        """``epochs`` shuffled passes over the tensor X (fewer if ``stop()`` says so)."""
        epochs, steps = self._net.train_epochs(
            X, epochs, draw_seed(self._rng), planned=planned, resume=resume,
            neighbors=neighbors, neighbor_weight=self.neighbor_weight, stop=stop)
        self.n_steps_ += steps
        self.n_iter_ += epochs

    def _train_with_resets(self, X, epochs, neighbors=None):
        """``epochs`` passes, with a soft reset every ``reset_interval`` of them."""
        stop = stopping_rule(lambda: self._infer(X, "labels").numpy(), tol=self.tol,
                             max_epochs=self.max_epochs, planned_epochs=epochs,
                             resets=self.reset_interval is not None,
                             pairs=neighbors is not None)
        for done, n_epochs, reset_after in reset_segments(epochs, self.reset_interval):
            self._train(X, n_epochs, planned=epochs, resume=done > 0, neighbors=neighbors,
                        stop=stop)
            if reset_after:
                reset_encoder(self._net.module_, X, encoder=self.encoder,
                              sample_shape=self._sample_shape, latent_dim=self.latent_dim,
                              shrink=self.reset_shrink, log_prior=self._log_prior,
                              batch_size=self.batch_size, device=self.device_, rng=self._rng)
                self._net.initialize_optimizer()
                self.n_resets_ += 1

    def _finish(self, X, reset, stream=False):
        """Labels, the input view of ``predict_proba``, and the collapse check
        (of ``fit``'s last pass, or of the stream since each cluster was used)."""
        labels = self._infer(X, "labels").numpy()
        self.__dict__.pop("labels_", None)  # a refit's data, or none
        if self.compute_labels:
            self.labels_ = labels
        previous = None if reset else self._input_view  # a stream adds up its chunks
        self._input_view = input_view_sums(X.reshape(len(X), -1), labels, self.n_clusters,
                                           previous)
        unused = None if reset else self.__dict__.get("_rows_unused")
        self._rows_unused = rows_since_used(unused, self._net.history[-1]["cluster_sizes"])
        if stream:
            warn_if_stream_collapsed(unused, self._rows_unused, sigma=self.sigma_, lr=self.lr_)
        else:
            warn_if_collapsed(self._net.history[-1], labels, sigma=self.sigma_, lr=self.lr_)
        warn_if_merged(self.cluster_centers_, spread=lambda: self._within_spread(X),
                       start_spread=start_spread(self.latent_dim, self._net.module_.normalize),
                       n_epochs=len(self._net.history), lr=self.lr_)

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
        # a refit builds a new net: the old one needs no snapshot
        with transaction(self, rng=self.__dict__.get("_rng")), ExitStack() as threads:
            X = self._validate_X(X, reset=True)
            self._check_params_vs_input(X)
            threads.enter_context(limit_threads(self.n_threads_, blas=True))
            rng = check_random_state(self.random_state)
            neighbors = training_neighbors(X, self.n_neighbors_, self.neighbor_weight, rng,
                                           threads=self._search_threads)
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
            self._adopt_start_prior(self._net.module_)  # of the run kept
            self._finish(X, reset=True)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the model with one shuffled pass over a chunk of data.

        The first call starts the model (at least ``n_clusters`` rows) and
        fixes the parameters it is built on (``_FROZEN``: changing one
        later raises, naming it); every other parameter is read at every
        call. ``random_state`` seeds the stream at the first call.

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
        with transaction(self, net=self.__dict__.get("_net"), rng=self.__dict__.get("_rng")), \
                ExitStack() as threads:
            if not first_call:
                # scikit-learn validates parameters only at a first partial_fit
                self._validate_params(frozen=self._frozen)
            X = self._validate_X(X, reset=first_call)
            if first_call:
                self._check_params_vs_input(X, passes=1)
                threads.enter_context(limit_threads(self.n_threads_, blas=True))
                _streaming.warn_if_small_first_chunk(len(X), self.n_clusters, self.init)
                self._build(X, check_random_state(self.random_state))
            else:
                self._resolve_settings(stream=True)
                self._log_prior = stream_log_prior(
                    self.prior, self._log_prior, self.__dict__.get("_start_log_prior"))
                self.device_ = resolve_device(self.device)  # the model moves to a new one
                self._applied = _streaming.apply_live_params(
                    self._net, self._applied, self._live_params(), batch_size=self.batch_size,
                    verbose=self.verbose, sigma=self.sigma_, log_prior=self._log_prior,
                    device=self.device_)
                threads.enter_context(limit_threads(self.n_threads_, blas=True))
            self._follow_stream(X, first_call)
            self.max_epochs_ = 1
            self._train(X, 1, neighbors=training_neighbors(
                X, self.n_neighbors_, self.neighbor_weight, self._rng,
                threads=self._search_threads))
            if self.reassignment_ratio > 0 and len(X) >= 5 * self.n_clusters:
                idle = rows_since_used(None if first_call else self.__dict__.get("_rows_unused"),
                                       self._net.history[-1]["cluster_sizes"])
                moved = _streaming.reassign_starved(
                    self._net.module_, self._infer(_streaming.chunk_sample(X), "embedding"),
                    self.reassignment_ratio, self._rng, idle_rows=idle)
                self.n_reassigned_ += len(moved)
            self._finish(X, reset=first_call, stream=True)
        return self

    def _follow_stream(self, X, first_call):
        """Re-place the centroids when the chunk X has drifted (``drift_threshold``)."""
        if self.drift_threshold is not None and len(X) >= 5 * self.n_clusters:
            self._cost_level, moved = _streaming.follow_drift(
                self._net.module_, self._infer(_streaming.chunk_sample(X), "embedding"),
                threshold=self.drift_threshold, log_prior=self._log_prior, rng=self._rng,
                level=None if first_call else self.__dict__.get("_cost_level"))
            self.n_drift_resets_ += moved
            if moved:  # new centroids: the idle counts were the old ones'
                self.__dict__.pop("_rows_unused", None)

    def save(self, path):
        """Save parameters and weights to a file that is safe to load.

        The file holds only tensors, numbers and strings, read back with
        ``torch.load(weights_only=True)``: a file from an untrusted source
        cannot run code. It keeps what prediction needs, not the optimizer
        state, history, callbacks or ``labels_`` (pickle for those).

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
        _persistence.save_model(
            path, self.get_params(), module=self._net.module_, fitted={
                "sample_shape": self._sample_shape, "input_layout": self._input_layout,
                "n_features_in": self.n_features_in_, "lr": self.lr_,
                "feature_names_in": getattr(self, "feature_names_in_", None),
                "max_epochs": self.max_epochs_, "pretrain_epochs": self.pretrain_epochs_,
                "n_iter": self.n_iter_, "n_steps": self.n_steps_,
                "start_log_prior": self.__dict__.get("_start_log_prior"),
                "input_scale": self.__dict__.get("_input_scale", 1.0),
                "input_shift": self.__dict__.get("_input_shift"),
                "input_view": self._input_view, "encoder_class": type(self.encoder_).__name__})

    @classmethod
    def load(cls, path, *, encoder=None, decoder=None, device="auto"):
        """Load a model written by :meth:`save` (weights only, no pickle).

        A file that is not one, or whose weights do not fit the encoder,
        raises ``ValueError``.

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        encoder : nn.Module subclass, callable or nn.Module, default=None
            The architecture, needed when the model was saved with a custom
            encoder (its weights are in the file, its code is not).
        decoder : nn.Module subclass, callable or nn.Module, default=None
            Likewise for a custom decoder (``reconstruction > 0``).
        device : str or torch.device, default="auto"
            Where to put the model.

        Returns
        -------
        model : OnlineHardClustering
            Fitted, ready to ``predict``.
        """
        params, saved = _persistence.read_model_file(path, encoder=encoder, decoder=decoder)
        model = cls(**params, device=device)
        try:
            model._restore(saved)
        except RuntimeError as exc:  # load_state_dict: missing/unexpected keys, shapes
            raise ValueError(f"the encoder does not match the weights in {path}: {exc}") from exc
        return model

    def _restore(self, saved):
        """Rebuild a loaded model from the dict of :meth:`save`'s file."""
        self._validate_params()
        self._sample_shape = tuple(saved["sample_shape"])
        self._input_layout = tuple(saved["input_layout"])
        self.n_features_in_ = saved["n_features_in"]
        self._input_scale = float(saved.get("input_scale", 1.0))  # older files: none
        shift = saved.get("input_shift")
        self._input_shift = None if shift is None else shift.double().numpy()
        if saved["feature_names_in"] is not None:
            self.feature_names_in_ = np.asarray(saved["feature_names_in"], dtype=object)
        self.device_ = resolve_device(self.device)
        self._resolve_settings()
        self.sigma_, self.lr_ = saved.get("sigma", self.sigma_), saved.get("lr", self.lr_)
        self.max_epochs_ = saved.get("max_epochs", 1)
        self.pretrain_epochs_ = saved.get("pretrain_epochs", 0)
        self._build(torch.zeros(2, *self._sample_shape), check_random_state(self.random_state),
                    scale=saved["scale"])
        self._net.module_.load_state_dict(saved["module"])
        if saved.get("start_log_prior") is not None:
            self._start_log_prior = saved["start_log_prior"].float().clone()
        sizes = start_log_prior(self.prior, self._net.module_)  # "graph": the saved module's
        if sizes is not None:
            self._log_prior = sizes
            self._net.update(batch_size=self.batch_size, verbose=self.verbose, sigma=self.sigma_,
                             criterion=make_objective(self._objective, self._log_prior,
                                                      self.reg_strength),
                             log_prior=self._log_prior)
        # which prior the saved module holds, the file does not say (one set
        # just before saving was not yet applied): the next partial_fit applies
        # the objective and prior of the parameters, as the saved model's would
        self._applied = {**self._applied, "objective": (None, None, None)}
        # the geometry the weights were trained in (older files: the objective's)
        self._net.module_.normalize = saved.get("normalize", self._net.module_.normalize)
        self._net.module_.eval()  # as a fitted model rests
        self.n_iter_, self.n_steps_ = saved["n_iter"], saved["n_steps"]
        self._input_view = _persistence.saved_input_view(saved)

    def __setstate__(self, state):
        super().__setstate__(_compat.upgrade_pickle_state(state, type(self)))
        if "_net" not in self.__dict__:
            return
        # skorch maps a model pickled on CUDA to the CPU when CUDA is absent.
        self.device_ = torch.device(self._net.device)
        _compat.pin_encoder_name(self)
        # pickled when the device could not change between calls
        self.__dict__.get("_frozen", {}).pop("device", None)
        if "_frozen" not in self.__dict__:  # pickled by 0.2: give it what partial_fit reads
            kept = {k: v for k, v in self.__dict__.items()
                    if k in ("n_iter_", "n_steps_", "_hardclust_version")}
            self._resolve_settings()
            self.sigma_, self.max_epochs_, self.pretrain_epochs_ = self._net.module_.sigma, 1, 0
            self._start_state()
            self.__dict__.pop("_hardclust_version")
            self.__dict__.update(kept, _input_view=None)

    @property
    def _n_features_out(self):
        return self.latent_dim

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

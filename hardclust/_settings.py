"""Every "auto" parameter resolved, in one place: what the estimator's
trailing-underscore attributes say it used.

Each rule lives with its feature (``sigma`` and the warm start in
:mod:`hardclust._initialization`, ``lr`` in :mod:`hardclust.encoders`,
``max_epochs`` in :mod:`hardclust._schedule`, ``n_neighbors`` in
:mod:`hardclust._neighbors`, ``n_threads`` in :mod:`hardclust._threads`);
these two functions only gather them. :func:`start_settings` runs once when
a model starts, :func:`call_settings` at every training call (``partial_fit``
reads its parameters at every call) and when a model is loaded.
"""

import warnings

from ._initialization import auto_pretrain_epochs, auto_sigma
from ._priors import log_prior
from ._neighbors import resolve_n_neighbors
from ._schedule import auto_max_epochs
from ._threads import auto_threads, search_threads
from ._utils import resolve_device, user_stacklevel
from .encoders import auto_lr, is_image_cnn
from .objectives import SECU_SIGMA

__all__ = ["call_settings", "start_settings"]


def start_settings(params, n_samples, passes=None):
    """The settings fixed when a model starts on ``n_samples`` rows.

    Parameters
    ----------
    params : dict
        The estimator's ``get_params(deep=False)``.
    n_samples : int
        Rows of the first training call; at least ``n_clusters``.
    passes : int, default=None
        Passes of each training call when fixed (1 for ``partial_fit``);
        None resolves ``max_epochs``.

    Returns
    -------
    settings : dict
        ``device_``, ``max_epochs_`` and ``pretrain_epochs_``.
    """
    if n_samples < params["n_clusters"]:
        raise ValueError(
            f"n_samples={n_samples} should be >= n_clusters={params['n_clusters']}: "
            "the first training call needs at least one sample per cluster."
        )
    n_batches = -(-n_samples // params["batch_size"])
    max_epochs = passes or auto_max_epochs(params["max_epochs"], n_batches)
    return {
        "device_": resolve_device(params["device"]),
        "max_epochs_": max_epochs,
        "pretrain_epochs_": auto_pretrain_epochs(
            params["pretrain_epochs"], image_cnn=is_image_cnn(params["encoder"]),
            max_epochs=max_epochs, n_batches=n_batches),
    }


def call_settings(params, sample_shape, *, stream, sample_flops):
    """The settings a training call reads.

    Parameters
    ----------
    params : dict
        The estimator's ``get_params(deep=False)``.
    sample_shape : tuple of int
    stream : bool
        Whether the call is ``partial_fit``'s.
    sample_flops : int
        Forward floating-point operations of the encoder on one sample.

    Returns
    -------
    settings : dict
        ``sigma_``, ``lr_``, ``n_neighbors_``, ``n_threads_``, and the
        private ``_search_threads``, ``_objective`` and ``_log_prior``.
    """
    objective = params["objective"]
    if params["regularization"] != "deprecated":
        warnings.warn("'regularization' was renamed 'objective' in 0.3.0 and will be "
                      "removed in 0.5; pass objective=... instead.", FutureWarning,
                      stacklevel=user_stacklevel())
        objective = params["regularization"]
    n_neighbors = resolve_n_neighbors(params["n_neighbors"], sample_shape, stream)
    pairs = 2 if n_neighbors > 0 and params["neighbor_weight"] > 0 else 1
    sigma, lr = params["sigma"], params["lr"]
    return {
        "sigma_": (float(sigma) if sigma != "auto" else SECU_SIGMA if objective == "secu"
                   else auto_sigma(params["latent_dim"])),
        "lr_": auto_lr(params["encoder"]) if lr == "auto" else lr,
        "n_neighbors_": n_neighbors,
        "n_threads_": auto_threads(params["n_threads"],
                                   sample_flops * params["batch_size"] * pairs),
        "_search_threads": search_threads(params["n_threads"]),
        "_objective": objective,
        "_log_prior": log_prior(params["prior"], params["n_clusters"]),
    }

"""Between ``partial_fit`` calls: new parameters, a moving stream.

Plain functions, each with its inputs as arguments, called by the
estimator's ``partial_fit``: the warning for a small first chunk, the
parameters read at every call and pushed into the net when they changed
(the ones a started model is built on are refused by
:func:`hardclust._params.check_frozen`), re-placing the centroids when the
stream jumps (``drift_threshold``) and moving starved centroids to the data
(``reassignment_ratio``).
"""

import inspect
import warnings

import torch

from ._initialization import balanced_kmeans, reseed_starved
from ._model import squared_distances
from ._params import OPTIMIZER_PREFIX, optimizer_options, same_value
from ._utils import user_stacklevel
from .exceptions import SmallFirstChunkWarning, idle_window
from .objectives import make_objective

__all__ = ["apply_live_params", "chunk_sample", "follow_drift", "live_params",
           "reassign_starved", "warn_if_small_first_chunk"]

# A first partial_fit chunk below this many rows per cluster warns (a start
# from fewer rows varied widely by seed), capped at the start's sample.
_FIRST_CHUNK_PER_CLUSTER = 25
_FIRST_CHUNK_MAX = 2048
# Rows of a partial_fit chunk on which starved clusters and drift are looked for.
_CHUNK_SAMPLE = 4096
# Weight of earlier chunks in the running mean distance of drift_threshold.
_DRIFT_MEMORY = 0.8


def warn_if_small_first_chunk(n_rows, n_clusters, init):
    """Warn (:class:`SmallFirstChunkWarning`) when a first chunk of ``n_rows``
    is too small for the start that ``init`` makes from it."""
    needed = min(_FIRST_CHUNK_PER_CLUSTER * n_clusters, _FIRST_CHUNK_MAX)
    # "graph", "k-means" and a callable init start from this chunk alone;
    # an array or "random" does not look at it
    from_chunk = callable(init) or (isinstance(init, str) and init != "random")
    if n_rows < needed and from_chunk:
        start = "its neighbour graph" if isinstance(init, str) and init == "graph" else "k-means"
        warnings.warn(
            f"the first partial_fit chunk has {n_rows} rows; the model places "
            f"its {n_clusters} centroids by {start} on this chunk alone, "
            f"and later chunks rarely undo a poor start. Pass at least {needed} "
            "rows in the first call (later chunks may be of any size).",
            SmallFirstChunkWarning,
            stacklevel=user_stacklevel(),
        )


def live_params(params, lr, objective):
    """The parameters read at every ``partial_fit`` call.

    ``params`` is the estimator's ``get_params(deep=False)``; ``lr`` and
    ``objective`` are the resolved learning rate and objective name.
    """
    return {"lr": lr, "optimizer": params["optimizer"], "callbacks": params["callbacks"],
            "objective": (objective, params["reg_strength"], params["prior"]),
            **optimizer_options(params)}


def apply_live_params(net, applied, now, *, batch_size, verbose, sigma, log_prior, device):
    """Push the parameters changed since the last call into the net.

    ``applied`` and ``now`` are :func:`live_params` of the last call and of
    this one; ``device`` is where the model is to be (it moves). Returns
    ``now``, the parameters applied.
    """
    optimizer = now["optimizer"]
    accepted = inspect.signature(optimizer).parameters
    # skorch's own options: the parameter groups, and one group's option
    # (optimizer__param_groups__<i>__<option>)
    unknown = {k: v for k, v in now.items() if k.startswith(OPTIMIZER_PREFIX)
               and k[len(OPTIMIZER_PREFIX):] not in accepted
               and k[len(OPTIMIZER_PREFIX):].partition("__")[0] != "param_groups"}
    if unknown and not any(p.kind == p.VAR_KEYWORD for p in accepted.values()):
        raise TypeError(
            f"{optimizer.__name__} takes no option {sorted(unknown)}; check the "
            "optimizer__<name> keyword arguments against its signature (an option "
            "set for an earlier optimizer stays set: `del model.optimizer__<name>`)."
        )
    changed = {k for k in now if k != "objective" and not same_value(now[k], applied.get(k))}
    # options deleted since the last call (`del model.optimizer__<name>`)
    removed = {k for k in applied if k.startswith(OPTIMIZER_PREFIX) and k not in now}
    # new parameter groups or a deleted option make a new optimizer (fresh
    # state), as a new class does: an option cannot be unset in place
    rebuild = bool(changed & {"optimizer", OPTIMIZER_PREFIX + "param_groups"} or removed)
    new_objective = not all(map(same_value, now["objective"], applied["objective"]))
    objective, strength, _ = now["objective"]
    net.update(
        device=device, batch_size=batch_size, verbose=verbose, sigma=sigma,
        criterion=make_objective(objective, log_prior, strength) if new_objective else None,
        log_prior=log_prior,
        callbacks=(now["callbacks"],) if "callbacks" in changed else None,
        optimizer=optimizer if rebuild else None,
        optimizer_options={k: now[k] for k in now if (k == "lr" or k.startswith(
            OPTIMIZER_PREFIX)) and (rebuild or k in changed)},
        removed_options=removed,
    )
    return now


def chunk_sample(X):
    """An evenly strided sample of at most ``_CHUNK_SAMPLE`` rows of the chunk X,
    whose embeddings the drift and starvation checks look at."""
    return X[::-(-len(X) // _CHUNK_SAMPLE)]


def _nearest_distance(module, z):
    """Mean squared distance of the embeddings z to their nearest centroid.

    Squared distances, not costs: the prior's constant would hide a
    change, and a new ``sigma`` is no drift.
    """
    with torch.no_grad():
        d2 = squared_distances(z.to(module.centroids.device), module.unit_centroids())
    return float(d2.min(dim=1).values.mean())


def follow_drift(module, z, *, threshold, level, log_prior, rng):
    """Re-place the centroids when a chunk lies far further from them than
    the stream so far.

    Parameters
    ----------
    module : ClusterModule
    z : Tensor of shape (n, latent_dim)
        Embeddings of :func:`chunk_sample` of the chunk, on the CPU.
    threshold : float
        ``drift_threshold``.
    level : float or None
        The running mean distance of the chunks before (None: no reference).
    log_prior : Tensor of shape (n_clusters,)
    rng : numpy.random.RandomState

    Returns
    -------
    level : float
        The new running mean distance.
    moved : bool
        Whether the centroids were re-placed.
    """
    new = _nearest_distance(module, z)
    moved = level is not None and new > threshold * level
    if moved:
        centers = balanced_kmeans(z.numpy(), len(module.centroids),
                                  log_prior.double().numpy(), rng)
        with torch.no_grad():
            module.centroids.copy_(torch.from_numpy(centers).float())
        new, level = _nearest_distance(module, z), None
    # a running mean, so that a slow drift moves the reference along
    return (new if level is None else _DRIFT_MEMORY * level + (1 - _DRIFT_MEMORY) * new), moved


def reassign_starved(module, z, ratio, rng, idle_rows=None):
    """Move the centroids of clusters nearly nobody's nearest to the data.

    ``z``: embeddings of :func:`chunk_sample` of the chunk, on the CPU.
    ``idle_rows`` (n_clusters,): rows streamed since each cluster was last
    anyone's nearest centroid, this pass included
    (:func:`hardclust.exceptions.rows_since_used`); only the clusters idle
    for the collapse warning's window (:func:`hardclust.exceptions.idle_window`)
    can move: a small chunk misses a fair cluster by chance, and moving it
    then cost ACC (``experiments/small_chunks/`` has the figures).
    Returns the indices of the clusters whose centroid moved. A moved
    cluster that catches no row keeps its idle count, and so moves again at
    the next chunk and still counts towards the collapse warning, which a
    cluster the data has left should raise.
    """
    device = module.centroids.device
    with torch.no_grad():
        costs = module.costs(z.to(device)).cpu()
    eligible = None if idle_rows is None else idle_rows >= idle_window(len(idle_rows))
    starved, centers = reseed_starved(z, costs, ratio, rng, eligible=eligible)
    if len(starved):
        with torch.no_grad():
            module.centroids[torch.from_numpy(starved)] = centers.to(device)
    return starved

"""The cluster prior in effect: the ``prior`` parameter's rule and glue.

The prior ``pi`` enters every cost (``D[i, k] = ||z_i - mu_k||^2 / sigma -
log pi_k``) and the sizes the start and the assignment aim for. It is
resolved from the parameter at every call (:func:`log_prior`: an array
normalised, ``None`` uniform). ``prior="graph"`` is uniform while the graph
start picks its labels, then the sizes of those labels
(:func:`label_log_prior`): :func:`start_log_prior` reads them from the
started module, and :func:`stream_log_prior` gives them back to each later
``partial_fit`` call. A saved model is read back with the prior its module
holds (:func:`start_log_prior` again): its start's sizes, unless another
prior was in effect when it was saved. ``experiments/graph_prior/`` and
the user guide's section on imbalanced data say when to use which.
"""

import numpy as np
import torch

__all__ = ["is_graph_prior", "label_log_prior", "log_prior", "start_log_prior",
           "stream_log_prior"]


def is_graph_prior(prior):
    """Whether ``prior`` is ``"graph"`` (the only string the parameter takes)."""
    return isinstance(prior, str)


def log_prior(prior, n_clusters):
    """Log prior of shape (n_clusters,) as a float32 tensor; ``None`` is uniform.

    ``prior`` was validated (positive, finite, one entry per cluster) with
    the other parameters; it is normalised here. ``"graph"`` is uniform
    until the graph start gives the model its sizes (:func:`label_log_prior`).
    """
    if prior is None or is_graph_prior(prior):
        return torch.full((n_clusters,), -np.log(n_clusters))
    prior = np.asarray(prior, dtype=np.float64)
    return torch.from_numpy(np.log(prior / prior.sum())).float()


def label_log_prior(labels, n_clusters):
    """``prior="graph"``: the log of the graph labels' cluster proportions.

    Each cluster counts at least one row, so that a cluster the graph left
    empty keeps a finite cost. On imbalanced data these sizes are close to
    the classes' (the start keeps, of 30 k-means runs on the spectral
    coordinates, the one nearest the uniform sizes, yet finds 10:1 blobs
    at 0.005 KL from their sizes); on balanced data they hold the graph's
    errors, which is why this is an option (``experiments/graph_prior/``).

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
    n_clusters : int

    Returns
    -------
    log_prior : Tensor of shape (n_clusters,), float32
    """
    sizes = np.maximum(np.bincount(labels, minlength=n_clusters), 1).astype(np.float64)
    return torch.from_numpy(np.log(sizes / sizes.sum())).float()


def _module_log_prior(module):
    """A copy, on the CPU, of the log prior a model's costs use."""
    return module.log_prior.detach().cpu().float().clone()


def start_log_prior(prior, module):
    """With ``prior="graph"``, a copy of the log prior ``module`` holds, else
    None: after a start, the sizes of its graph labels; in a loaded model,
    the prior in effect when it was saved."""
    return _module_log_prior(module) if is_graph_prior(prior) else None


def stream_log_prior(prior, log_prior, start_log_prior):
    """The log prior of a ``partial_fit`` call after the first: ``prior="graph"``
    is the graph start's sizes (``start_log_prior``), which only a model that
    started with it has; any other ``prior`` is ``log_prior`` as resolved."""
    if not is_graph_prior(prior):
        return log_prior
    if start_log_prior is None:
        raise ValueError(
            "prior='graph' takes the cluster sizes of the graph start, and this model "
            "did not start with it; give the proportions as an array, or call fit (or "
            "start a new model) with prior='graph'."
        )
    return start_log_prior.clone()

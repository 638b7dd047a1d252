"""Training objectives: how one batch's costs become labels and a loss.

Each objective is a small ``nn.Module`` whose ``forward(costs)`` takes the
batch's cost matrix ``D`` of shape (B, K) (``D[i, k] = ||z_i - mu_k||^2 /
sigma - log pi_k``, with gradient) and returns ``(loss, labels)``. The
skorch net uses it as its criterion. ``"hard"`` is the method this library
exists for; ``"none"`` to ``"variance"`` are the baselines of Mahon &
Lukasiewicz (AAAI 2024), kept so that the paper's comparison can be rerun.
``"secu"`` is SeCu's stable cluster discrimination (Qian, ICCV 2023) on a
sample and its neighbour (:class:`SecuObjective`): it reads the batch's
embeddings too (``uses_embeddings``), and the model puts embeddings and
centroids on the unit sphere for it.
"""

import torch
from torch import nn

from .assignment import combination_assign

__all__ = ["OBJECTIVES", "SECU_SIGMA", "SecuObjective", "make_objective"]


def _assigned_cost(costs, labels):
    """Mean of ``costs[i, labels[i]]``: the loss every objective shares."""
    return costs.gather(1, labels[:, None]).mean()


def _batch_entropy(costs):
    """Entropy of the batch-mean posterior ``mean_i softmax(-D_i)``."""
    mean_posterior = torch.softmax(-costs, dim=1).mean(dim=0)
    return -(mean_posterior * torch.log(mean_posterior.clamp_min(1e-12))).sum()


def _sinkhorn(costs, n_iter, log_marginal):
    """Balanced soft assignment by Sinkhorn-Knopp in the log domain.

    Starts from the model posterior ``exp(-D)`` and alternately rescales
    columns to the cluster marginal (``exp(log_marginal)``) and rows to
    ``1 / B``. Returns the (B, K) plan, without gradient.
    """
    log_q = -costs.detach().double()
    n_points = costs.shape[0]
    for _ in range(n_iter):
        log_q = log_q - torch.logsumexp(log_q, dim=0, keepdim=True) + log_marginal
        log_q = log_q - torch.logsumexp(log_q, dim=1, keepdim=True)
    return torch.exp(log_q) / n_points


class HardObjective(nn.Module):
    """Combination assignment labels; loss is their mean cost (the method)."""

    def forward(self, costs):
        labels = combination_assign(costs.detach())
        return _assigned_cost(costs, labels), labels


class NoneObjective(nn.Module):
    """Nearest-centroid labels, no regularisation (collapses easily)."""

    def forward(self, costs):
        labels = costs.detach().argmin(dim=1)
        return _assigned_cost(costs, labels), labels


class SinkhornObjective(nn.Module):
    """SwAV-style: labels are the argmax of a balanced Sinkhorn plan.

    Parameters
    ----------
    log_prior : Tensor of shape (n_clusters,)
        Log of the target cluster proportions.
    n_iter : int, default=3
        Sinkhorn-Knopp iterations per batch.
    """

    def __init__(self, log_prior, n_iter=3):
        super().__init__()
        self.register_buffer("log_prior", log_prior.double())
        self.n_iter = n_iter

    def forward(self, costs):
        plan = _sinkhorn(costs, self.n_iter, self.log_prior)
        labels = plan.argmax(dim=1)
        return _assigned_cost(costs, labels), labels


class EntropyObjective(nn.Module):
    """Nearest-centroid labels; loss minus ``strength`` times the entropy of
    the batch-mean posterior, which pushes the soft assignments apart."""

    def __init__(self, strength=1.0):
        super().__init__()
        self.strength = strength

    def forward(self, costs):
        labels = costs.detach().argmin(dim=1)
        loss = _assigned_cost(costs, labels) - self.strength * _batch_entropy(costs)
        return loss, labels


class VarianceObjective(nn.Module):
    """Nearest-centroid labels; loss plus ``strength`` times the variance over
    clusters of the batch-mean posterior (zero when perfectly balanced).

    The variance is multiplied by ``K^2``, which makes it the variance of
    ``K`` times the proportions: of order 1 whatever the number of clusters,
    so one ``strength`` suits any ``K``.
    """

    def __init__(self, strength=1.0):
        super().__init__()
        self.strength = strength

    def forward(self, costs):
        labels = costs.detach().argmin(dim=1)
        mean_posterior = torch.softmax(-costs, dim=1).mean(dim=0)
        penalty = mean_posterior.var(unbiased=False) * costs.shape[1] ** 2
        return _assigned_cost(costs, labels) + self.strength * penalty, labels


class SecuObjective(nn.Module):
    """SeCu's stable cluster discrimination on (sample, view) pairs.

    Qian, "Stable Cluster Discrimination for Deep Clustering" (ICCV 2023),
    as ``../shared/SPEC.md`` restates the authors' code, with the
    neighbour as the second view (a sample is its own view when it has
    none) and combination assignment as the per-batch size constraint.
    Embeddings ``z`` and centroids ``w`` are unit vectors
    (:class:`~hardclust._model.ClusterModule` with ``normalize``), so
    ``-D = 2 cos(z, w) / sigma + log pi`` up to a constant: ``sigma`` is
    twice SeCu's temperature (``SECU_SIGMA``, 0.1, is its 0.05).

    - Labels: combination assignment on the pair's cost (the only place
      ``neighbor_weight`` enters; the losses weigh both views alike).
    - Centre loss: the cross-entropy of ``softmax(-D)`` against the label,
      with the embeddings detached and only the assigned centroid's cost
      carrying a gradient: no centroid is pushed away by samples that are
      not its own, so one without samples in the batch gets no gradient
      (an optimizer with momentum may still move it).
    - Representation loss (the encoder's): each view's ``softmax(-Dbar)``
      against centroids frozen at the start of the pass, pulled towards
      ``(1 - target_weight)`` times the other view's (no gradient) plus
      ``target_weight`` times the label's one-hot.

    Parameters
    ----------
    target_weight : float, default=0.2
        The one-hot's share of the representation target (SeCu's 0.2).
    """

    uses_embeddings = True

    def __init__(self, target_weight=0.2):
        super().__init__()
        self.target_weight = target_weight
        self.frozen = None

    def freeze(self, centroids):
        """Fix the centroids the representation loss reads (each pass)."""
        self.frozen = centroids.detach().clone()

    def forward(self, costs, *, module, z, n_points):
        """Loss and labels of a batch.

        Parameters
        ----------
        costs : Tensor of shape (B, K)
            The pairs' costs (:func:`hardclust._model.pair_costs`), or the
            samples' without views.
        module : ClusterModule
        z : Tensor of shape (B, d) or (2B, d)
            Unit embeddings of the samples, then of their views if any.
        n_points : int
            B.
        """
        labels = combination_assign(costs.detach())
        views = [z[:n_points], z[n_points:] if len(z) > n_points else z[:n_points]]
        # the centroids learn from their own samples only
        centre = 0.0
        for zv in views:
            own = module.costs(zv.detach())
            logits = -(own.detach() + (own - own.detach()) * _one_hot(labels, own))
            centre = centre + nn.functional.cross_entropy(logits, labels)
        frozen = self.frozen if self.frozen is not None else module.centroids.detach()
        log_p = [torch.log_softmax(-module.costs(zv, frozen), dim=1) for zv in views]
        one_hot = _one_hot(labels, log_p[0])
        representation = 0.0
        for mine, other in ((0, 1), (1, 0)):
            target = ((1 - self.target_weight) * log_p[other].detach().exp()
                      + self.target_weight * one_hot)
            representation = representation - (target * log_p[mine]).sum(dim=1).mean()
        return (centre + representation) / 2, labels


def _one_hot(labels, like):
    return nn.functional.one_hot(labels, like.shape[1]).to(like.dtype)


# sigma="auto" with objective="secu": twice SeCu's temperature 0.05, since
# on the unit sphere ||z - w||^2 = 2 - 2 cos(z, w)
SECU_SIGMA = 0.1

OBJECTIVES = ("hard", "none", "sinkhorn", "entropy", "variance", "secu")


def make_objective(objective, log_prior, strength):
    """The objective module named ``objective`` (one of OBJECTIVES)."""
    if objective == "hard":
        return HardObjective()
    if objective == "none":
        return NoneObjective()
    if objective == "sinkhorn":
        return SinkhornObjective(log_prior)
    if objective == "entropy":
        return EntropyObjective(strength)
    if objective == "variance":
        return VarianceObjective(strength)
    if objective == "secu":
        return SecuObjective()
    raise ValueError(
        f"objective must be one of {OBJECTIVES}, got {objective!r}."
    )

"""Training objectives: how one batch's costs become labels and a loss.

Each objective is a small ``nn.Module`` whose ``forward(costs)`` takes the
batch's cost matrix ``D`` of shape (B, K) (``D[i, k] = ||z_i - mu_k||^2 /
sigma - log pi_k``, with gradient) and returns ``(loss, labels)``. The
skorch net uses it as its criterion. ``"hard"`` is the method this library
exists for; the others are the baselines of Mahon & Lukasiewicz (AAAI 2024),
kept so that the paper's comparison can be rerun.
"""

import torch
from torch import nn

from .assignment import combination_assign

__all__ = ["OBJECTIVES", "make_objective"]


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


OBJECTIVES = ("hard", "none", "sinkhorn", "entropy", "variance")


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
    raise ValueError(
        f"objective must be one of {OBJECTIVES}, got {objective!r}."
    )

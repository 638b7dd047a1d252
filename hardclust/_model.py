"""The model: an encoder and learnable centroids, and the costs between them.

``D[i, k] = ||z_i - mu_k||^2 / sigma - log pi_k`` is computed here and
nowhere else; the training engine (:mod:`hardclust._net`) and inference
read it through :class:`ClusterModule`.
"""

import torch
from torch import nn

__all__ = ["ClusterModule", "pair_costs", "squared_distances"]


def squared_distances(z, centroids):
    """``||z_i - mu_k||^2`` of shape (B, K), by the expanded form.

    One matmul instead of a (B, K, d) difference tensor; clamped at zero
    because rounding can make the expansion slightly negative.
    """
    z_sq = (z * z).sum(dim=1, keepdim=True)
    c_sq = (centroids * centroids).sum(dim=1)
    return torch.addmm(z_sq + c_sq, z, centroids.T, alpha=-2.0).clamp_min(0.0)


class ClusterModule(nn.Module):
    """Encoder plus learnable centroids; ``costs`` gives ``D``.

    Parameters
    ----------
    encoder : nn.Module
        Maps ``(B, *input_shape)`` to ``(B, latent_dim)``.
    centroids : Tensor of shape (n_clusters, latent_dim)
        Initial centroids.
    sigma : float
        Cluster variance parameter: ``D = ||z - mu||^2 / sigma - log pi``.
    log_prior : Tensor of shape (n_clusters,)
        Log prior probability of each cluster.
    scale : float, default=1.0
        Fixed factor applied to the encoder's output, set at initialisation
        so that the initial centroids start well apart relative to
        ``sigma`` (a mean squared distance of ``8 * latent_dim`` with
        ``init="k-means"``), whatever the scale of the input.
    decoder : nn.Module, default=None
        Maps the encoder's raw output back to ``(B, *input_shape)``.
    reconstruction : float, default=0.0
        Weight of the decoder's mean squared error in the training loss.
    normalize : bool, default=False
        Put embeddings and centroids on the unit sphere before the costs
        (``objective="secu"``): ``D = ||z/|z| - mu/|mu|||^2 / sigma - log pi
        = (2 - 2 cos(z, mu)) / sigma - log pi``.
    """

    def __init__(self, encoder, centroids, sigma, log_prior, scale=1.0, decoder=None,
                 reconstruction=0.0, normalize=False):
        super().__init__()
        self.encoder = encoder
        if decoder is not None:  # only then: a default model's state_dict is unchanged
            self.decoder = decoder
        self.reconstruction = float(reconstruction)
        self.centroids = nn.Parameter(centroids.clone())
        self.register_buffer("log_prior", log_prior.clone())
        self.sigma = float(sigma)
        self.scale = float(scale)
        self.normalize = bool(normalize)

    def forward(self, x):
        return self.head(self.encoder(x))

    def head(self, z, output="embedding"):
        """The encoder's raw output ``z`` as ``output``; the only place the
        fixed ``scale`` is applied.

        ``output`` is ``"embedding"`` (B, latent_dim), ``"costs"`` (B, K) or
        ``"labels"`` (B,); labels fold the scale into the distances, with no
        multiplication of ``z`` at all.
        """
        if output == "labels" and not self.normalize:
            return self.nearest(z, z_scale=self.scale)
        z = z * self.scale
        if self.normalize:
            z = nn.functional.normalize(z, dim=1)
            if output == "labels":
                return self.nearest(z)
        return z if output == "embedding" else self.costs(z)

    def __setstate__(self, state):
        state.setdefault("normalize", False)  # modules pickled before "secu" lack it
        super().__setstate__(state)

    def unit_centroids(self, centroids=None):
        """``centroids`` (default: the module's), on the unit sphere when
        ``normalize``, as they enter the costs."""
        centroids = self.centroids if centroids is None else centroids
        return nn.functional.normalize(centroids, dim=1) if self.normalize else centroids

    def costs(self, z, centroids=None):
        """``D[i, k] = ||z_i - mu_k||^2 / sigma - log pi_k`` of shape (B, K),
        against ``centroids`` (default: the module's)."""
        centroids = self.unit_centroids(centroids).to(z.dtype)
        return squared_distances(z, centroids) / self.sigma - self.log_prior.to(z.dtype)

    def nearest(self, z, z_scale=1.0):
        """``argmin_k D[i, k]`` of shape (B,), without forming ``D``.

        ``||z_i||^2`` is the same for every k, so it is left out: one
        ``addmm`` of ``||mu_k||^2 / sigma - log pi_k - 2 z_i . mu_k / sigma``.
        With ``z_scale``, ``z`` is taken as ``z * z_scale`` without the
        multiplication (pass the encoder's raw output and ``self.scale``).
        """
        centroids = self.unit_centroids().to(z.dtype)
        offsets = (centroids * centroids).sum(dim=1) / self.sigma - self.log_prior.to(z.dtype)
        scores = torch.addmm(offsets, z, centroids.T, alpha=-2.0 * z_scale / self.sigma)
        return scores.argmin(dim=1)


def pair_costs(costs, view_costs, weight):
    """The cost of putting a sample and its view in each cluster together.

    ``(D + weight * D_view) / (1 + weight)``, both of shape (B, K): the
    objective labels the pairs as it would single samples, and the loss
    (their assigned cost) pulls both members towards the one centroid.
    """
    return (costs + weight * view_costs) / (1.0 + weight)

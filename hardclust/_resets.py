"""Resets (Miklautz et al., "Breaking the Reclustering Barrier", 2024): the
rule for when ``reset_interval`` resets, and the soft reset itself.

Centroid-based deep clustering over-commits to its first partition. Every
``reset_interval`` epochs of ``fit`` (not in its last interval), the
encoder moves part of the way toward a freshly initialised copy ("shrink
and perturb") and the centroids are re-clustered on the new embedding; the
estimator then restarts the optimizer.
"""

import torch

from ._initialization import balanced_kmeans, embed_sample, unit_rows
from ._utils import draw_seed, seeded
from .encoders import make_encoder

__all__ = ["reset_segments", "shrink_toward", "soft_reset"]


def reset_segments(epochs, interval):
    """The training segments of a ``fit`` of ``epochs`` passes.

    Yields ``(done, n_epochs, reset_after)``: ``done`` passes made before
    the segment, ``n_epochs`` in it, and whether a reset follows it. With
    ``interval=None`` the whole fit is one segment; the last interval
    trains undisturbed.
    """
    interval = interval or epochs
    done = 0
    while done < epochs:
        n = min(interval, epochs - done)
        yield done, n, epochs - (done + n) >= interval
        done += n


def shrink_toward(module, fresh, shrink):
    """Soft reset: every parameter becomes ``shrink * own + (1 - shrink) * fresh``.

    "Shrink and perturb" (Miklautz et al., "Breaking the Reclustering
    Barrier", 2024): the network keeps most of what it learned and moves
    part of the way toward a freshly initialised copy, which undoes early
    over-commitment to the first partition. ``fresh`` has the same
    architecture (its parameters are read, never trained).
    """
    with torch.no_grad():
        for own, new in zip(module.parameters(), fresh.parameters()):
            own.mul_(shrink).add_(new.to(own.device), alpha=1.0 - shrink)


def soft_reset(module, fresh, X, *, shrink, log_prior, batch_size, device, rng):
    """Shrink ``module``'s encoder toward ``fresh`` and re-cluster its centroids.

    :func:`shrink_toward`, then the centroids become :func:`balanced_kmeans`
    of the (scaled) embeddings of a sample of X, in place. BatchNorm
    statistics are re-set from the sample, as at the start.
    """
    shrink_toward(module.encoder, fresh, shrink)
    z = embed_sample(module.encoder, X, batch_size, device, rng) * module.scale
    if module.normalize:  # the model clusters unit embeddings ("secu")
        z = unit_rows(z)
    centers = balanced_kmeans(z, len(log_prior), log_prior.double().numpy(), rng)
    with torch.no_grad():
        module.centroids.copy_(torch.from_numpy(centers).float())
    module.eval()  # the fitted model's resting mode


def reset_encoder(module, X, *, encoder, sample_shape, latent_dim, shrink, log_prior,
                  batch_size, device, rng):
    """One soft reset of ``module`` (a :class:`~hardclust._model.ClusterModule`):
    a fresh ``encoder`` (the parameter) drawn from ``rng``, then
    :func:`soft_reset` toward it."""
    with seeded(draw_seed(rng), torch.device("cpu")):
        fresh = make_encoder(encoder, sample_shape, latent_dim)
    soft_reset(module, fresh, X, shrink=shrink, log_prior=log_prior, batch_size=batch_size,
               device=device, rng=rng)

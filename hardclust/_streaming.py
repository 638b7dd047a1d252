"""Between ``partial_fit`` calls: new parameters, a moving stream.

:class:`StreamingMixin` holds what only a stream needs: the warning for a
small first chunk, pushing the parameters changed since the last call into
the net (and refusing the ones a started model is built on, in
:func:`hardclust._params.check_frozen`), re-placing the centroids when the
stream jumps (``drift_threshold``) and moving starved centroids to the data
(``reassignment_ratio``). The estimator calls these from ``partial_fit``.
"""

import inspect
import warnings

import torch

from ._initialization import balanced_kmeans, reseed_starved
from ._net import resolve_device, squared_distances
from ._params import OPTIMIZER_PREFIX, same_value
from .exceptions import SmallFirstChunkWarning
from .objectives import make_objective

# A first partial_fit chunk below this many rows per cluster warns: on 8
# blobs (32 dims, std 4) 50 first rows gave ACC 0.64-1.0 by seed, 200 gave
# 1.0 on every seed (experiments/first_chunk). Capped at the start's sample.
_FIRST_CHUNK_PER_CLUSTER = 25
_FIRST_CHUNK_MAX = 2048
# Rows of a partial_fit chunk on which starved clusters and drift are looked for.
_CHUNK_SAMPLE = 4096
# Weight of earlier chunks in the running mean distance of drift_threshold.
_DRIFT_MEMORY = 0.8


class StreamingMixin:
    """What ``partial_fit`` does between calls; mixed into ``OnlineHardClustering``."""

    def _warn_if_small_first_chunk(self, n_rows):
        needed = min(_FIRST_CHUNK_PER_CLUSTER * self.n_clusters, _FIRST_CHUNK_MAX)
        # "k-means" and a callable init start from this chunk alone; an array
        # or "random" does not look at it
        from_chunk = callable(self.init) or (isinstance(self.init, str) and self.init == "k-means")
        if n_rows < needed and from_chunk:
            warnings.warn(
                f"the first partial_fit chunk has {n_rows} rows; the model places "
                f"its {self.n_clusters} centroids by k-means on this chunk alone, "
                f"and later chunks rarely undo a poor start. Pass at least {needed} "
                "rows in the first call (later chunks may be of any size).",
                SmallFirstChunkWarning,
                stacklevel=4,
            )

    def _live_params(self):
        """The parameters read at every ``partial_fit`` call, as last applied."""
        return {"lr": self.lr_, "optimizer": self.optimizer, "callbacks": self.callbacks,
                "objective": (self._objective, self.reg_strength, self.prior),
                **self._optimizer_params()}

    def _apply_live_params(self):
        """Push the parameters changed since the last call into the net."""
        self._resolve_settings()
        applied, now = self._applied, self._live_params()
        accepted = inspect.signature(self.optimizer).parameters
        unknown = {k: v for k, v in now.items() if k.startswith(OPTIMIZER_PREFIX)
                   and k[len(OPTIMIZER_PREFIX):] not in accepted}
        if unknown and not any(p.kind == p.VAR_KEYWORD for p in accepted.values()):
            raise TypeError(
                f"{self.optimizer.__name__} takes no option {sorted(unknown)}; check the "
                "optimizer__<name> keyword arguments against its signature (an option "
                "set for an earlier optimizer stays set: `del model.optimizer__<name>`)."
            )
        changed = {k for k in now if k != "objective" and not same_value(now[k], applied.get(k))}
        new_objective = not all(map(same_value, now["objective"], applied["objective"]))
        self.device_ = resolve_device(self.device)
        self._net.update(
            device=self.device_,
            batch_size=self.batch_size, verbose=self.verbose, sigma=self.sigma_,
            criterion=make_objective(self._objective, self._log_prior, self.reg_strength)
            if new_objective else None,
            log_prior=self._log_prior,
            callbacks=(self.callbacks,) if "callbacks" in changed else None,
            optimizer=self.optimizer if "optimizer" in changed else None,
            optimizer_options={k: now[k] for k in now if (k == "lr" or k.startswith(
                OPTIMIZER_PREFIX)) and ("optimizer" in changed or k in changed)},
        )
        self._applied = now

    def _chunk_embedding(self, X):
        """Embeddings of an evenly strided sample of the chunk X (on the CPU)."""
        return self._infer(X[::-(-len(X) // _CHUNK_SAMPLE)], "embedding")

    def _nearest_distance(self, z):
        """Mean squared distance of the embeddings z to their nearest centroid.

        Squared distances, not costs: the prior's constant would hide a
        change, and a new ``sigma`` is no drift.
        """
        with torch.no_grad():
            d2 = squared_distances(z.to(self.device_), self._net.module_.centroids)
        return float(d2.min(dim=1).values.mean())

    def _follow_drift(self, X, first_call):
        """Re-place the centroids when a chunk lies far further from them than
        the stream so far."""
        if self.drift_threshold is None or len(X) < 5 * self.n_clusters:
            return
        z = self._chunk_embedding(X)
        level = self._nearest_distance(z)
        previous = None if first_call else getattr(self, "_cost_level", None)
        if previous is not None and level > self.drift_threshold * previous:
            centers = balanced_kmeans(z.numpy(), self.n_clusters,
                                      self._log_prior.double().numpy(), self._rng)
            with torch.no_grad():
                self._net.module_.centroids.copy_(torch.from_numpy(centers).float())
            self.n_drift_resets_ += 1
            level, previous = self._nearest_distance(z), None
        # a running mean, so that a slow drift moves the reference along
        self._cost_level = level if previous is None else (
            _DRIFT_MEMORY * previous + (1 - _DRIFT_MEMORY) * level)

    def _reassign_starved(self, X):
        """Move the centroids of clusters nearly nobody's nearest to the data."""
        if len(X) < 5 * self.n_clusters:
            return  # too few points to call a cluster starved
        z = self._chunk_embedding(X)
        with torch.no_grad():
            costs = self._net.module_.costs(z.to(self.device_)).cpu()
        starved, centers = reseed_starved(z, costs, self.reassignment_ratio, self._rng)
        if len(starved):
            with torch.no_grad():
                self._net.module_.centroids[torch.from_numpy(starved)] = centers.to(self.device_)
            self.n_reassigned_ += len(starved)

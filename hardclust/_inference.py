"""What a fitted model answers: labels, probabilities, embeddings, a score.

:class:`InferenceMixin` holds the public methods that read a fitted
``OnlineHardClustering`` and never train it, as scikit-learn's
``_BaseKMeans`` holds ``predict``/``transform``/``score`` for its k-means
estimators. Small array functions below keep the *input view* used by
``predict_proba``: each cluster's mean and the shared variance of the
training samples in the input's own space.
"""

import math

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.metrics import silhouette_score
from sklearn.utils.validation import check_is_fitted

# Chunks embedded before their distances are computed in one call.
_COSTS_GROUP = 16
# Inference chunks of samples with few values (flat features) hold up to
# _INFER_VALUES input values and _INFER_MAX_ROWS rows, when that is more
# than batch_size: per-call overhead dominates small chunks of them.
# Images keep batch_size (larger chunks measured slower for the CNN on CPU).
_INFER_VALUES = 2**17
_INFER_MAX_ROWS = 4096
# Points on which the silhouette is computed (its cost is quadratic).
_SCORE_SAMPLE = 2000
# Rows per chunk of the input view's float64 distances.
_VIEW_ROWS = 8192


def _score_subset(X):
    """A fixed subset of at most ``_SCORE_SAMPLE`` rows: scores are deterministic."""
    if len(X) <= _SCORE_SAMPLE:
        return X
    rows = np.random.RandomState(0).choice(len(X), _SCORE_SAMPLE, replace=False)
    return X[np.sort(rows)]


def _silhouette(points, labels):
    """scikit-learn's silhouette of ``labels`` on ``points``, -1 where it is
    undefined (one cluster, or one sample per cluster), and the number of
    clusters used."""
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= len(labels):
        return -1.0, n_labels
    return float(silhouette_score(points, labels)), n_labels


def input_view_sums(X, labels, n_clusters):
    """Per-cluster row counts, sums and summed squared norms of flat X.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_values)
    labels : ndarray of shape (n_samples,)
    n_clusters : int

    Returns
    -------
    sums : dict
        ``counts`` (K,), ``sums`` (K, n_values) and ``sqnorms`` (K,),
        float64 ndarrays that add up over chunks of a stream.
    """
    X = X.double().numpy()
    onehot = np.zeros((len(X), n_clusters))
    onehot[np.arange(len(X)), labels] = 1.0
    return {"counts": onehot.sum(0), "sums": onehot.T @ X,
            "sqnorms": onehot.T @ np.einsum("ij,ij->i", X, X)}


def input_view_log_likelihood(X, view):
    """``-||x - m_k||^2 / (2 s^2)`` of shape (n, K): each cluster an isotropic
    Gaussian around its training mean ``m_k`` with the shared variance ``s^2``.

    A cluster that never received a sample takes the overall mean.
    """
    counts, sums = view["counts"], view["sums"]
    overall = sums.sum(0) / max(counts.sum(), 1.0)
    means = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1.0)[:, None], overall)
    within = view["sqnorms"].sum() - (counts * (means ** 2).sum(1)).sum()
    variance = max(within / max(counts.sum() * sums.shape[1], 1.0), 1e-12)
    means_t = torch.from_numpy(means)
    out = []
    for chunk in X.double().split(_VIEW_ROWS):
        d2 = (chunk * chunk).sum(1, keepdim=True) - 2 * chunk @ means_t.T \
            + (means_t * means_t).sum(1)
        out.append(-d2.clamp_min(0) / (2 * variance))
    return torch.cat(out) if out else torch.empty(0, len(counts), dtype=torch.float64)


class InferenceMixin(TransformerMixin):
    """``predict``, ``predict_proba``, ``transform``, ``score`` and the fitted
    attributes read from the net; mixed into ``OnlineHardClustering``.

    A ``TransformerMixin`` itself, so that scikit-learn wraps the
    ``transform`` defined here for ``set_output``."""

    def _inference_rows(self):
        """Rows per encoder call at inference: ``batch_size``, or more (up to
        ``_INFER_MAX_ROWS``) for samples of few values."""
        many = min(_INFER_VALUES // math.prod(self._sample_shape), _INFER_MAX_ROWS)
        return max(self.batch_size, many)

    def _infer(self, X, output):
        """``"embedding"``, ``"costs"`` or ``"labels"`` of tensor X, on the CPU."""
        return self._net.infer_all(X, output, self._inference_rows(),
                                   self.batch_size * _COSTS_GROUP)

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
        return self._infer(self._check_predict_input(X), "labels").numpy()

    def predict_proba(self, X):
        """Posterior cluster probabilities from two views of each sample.

        ``p(k | x)`` is proportional to ``exp(-D[i, k])`` (the embedding's
        Gaussian, as trained) times ``exp(-||x - m_k||^2 / (2 s^2))``: an
        isotropic Gaussian in the input's own space around ``m_k``, the
        mean of the training samples predicted into cluster ``k``, with
        their shared variance ``s^2``. The trained embedding pulls each
        cluster's points together, wrongly clustered ones included, so on
        its own it says little about which labels are doubtful; the input
        view does. The argmax can differ from :meth:`predict` for samples
        near a boundary.

        .. versionchanged:: 0.3.0
           Was ``softmax_k(-D[i, k])`` alone.

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
        log_p = -self._infer(X, "costs").double()
        if getattr(self, "_input_view", None) is not None:  # files of 0.2 lack it
            log_p += input_view_log_likelihood(X.reshape(len(X), -1), self._input_view)
        return torch.softmax(log_p, dim=1).numpy()

    def transform(self, X):
        """Embed X in the latent space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*sample_shape)
            New data, shaped like the training data.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim), dtype float32
            The encoder's output, times ``embedding_scale_``.
        """
        return self._infer(self._check_predict_input(X), "embedding").numpy()

    def score(self, X, y=None):
        """Silhouette of ``predict(X)`` in the space of X itself (higher is better).

        The mean silhouette coefficient of the predicted clusters on the
        input features (flattened), on a fixed subset of 2000 samples when
        X is larger; -1 when everything falls into one cluster. Every
        candidate of a grid search is scored in the same space, which makes
        this the label-free criterion for ``n_clusters`` and the other
        parameters (the user guide shows the recipe).

        .. versionchanged:: 0.3.0
           Was the silhouette in each model's own embedding, which a model
           with fewer clusters won by squeezing them (it found the true
           ``n_clusters`` in 0 of 4 grid searches, against 3 of 4 now).

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
        X = _score_subset(self._check_predict_input(X))
        return _silhouette(X.reshape(len(X), -1).numpy(), self._infer(X, "labels").numpy())[0]

    def _own_silhouette(self, X):
        """Silhouette of tensor X's labels in the model's own embedding, and
        the number of clusters the scored subset falls into (ranks ``n_init``
        runs)."""
        z = self._infer(_score_subset(X), "embedding")
        with torch.no_grad():
            labels = self._net.module_.nearest(z.to(self.device_)).cpu().numpy()
        return _silhouette(z.numpy(), labels)

    # fitted attributes that live in the net
    def __sklearn_is_fitted__(self):
        return hasattr(self, "_net")

    def _fitted_net(self, name):
        if not hasattr(self, "_net"):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r} before fit.")
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
    def history_(self):
        return self._fitted_net("history_").history

"""What a fitted model answers: labels, probabilities, embeddings, a score.

:class:`InferenceMixin` holds the public methods that read a fitted
``OnlineHardClustering`` and never train it, as scikit-learn's
``_BaseKMeans`` holds ``predict``/``transform``/``score`` for its k-means
estimators. Small array functions below keep the *input view* used by
``predict_proba``: each cluster's mean and the shared (shrunk)
covariance of the training samples in the input's own space.
"""

import math

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.metrics import silhouette_score
from sklearn.utils.validation import check_is_fitted

from ._net import squared_distances
from ._threads import uses_threads
from .encoders import MLPEncoder

# Chunks embedded before their distances are computed in one call.
_COSTS_GROUP = 16
# Inference chunks hold up to _INFER_VALUES input values and _INFER_MAX_ROWS
# rows, when that is more than batch_size: per-call overhead dominates small
# chunks. The MLP (a few matrix products) gets _INFER_VALUES_MLP: on 28x28
# images its bare pass was fastest at 4,096 rows, and 256-row chunks ran at
# 0.68x of it. Other encoders (the CNNs, a user's) keep _INFER_VALUES, so
# samples of many values keep batch_size: larger chunks measured slower for
# the CNN on CPU.
_INFER_VALUES = 2**17
_INFER_VALUES_MLP = 2**22
_INFER_MAX_ROWS = 4096
# Points on which the silhouette is computed (its cost is quadratic).
_SCORE_SAMPLE = 2000
# Rows per chunk of the input view's float64 distances.
_VIEW_ROWS = 8192
# Samples of up to this many values get the input view's full covariance.
_VIEW_MAX_VALUES = 1024


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


def _view_means(view):
    """Each cluster's mean; a cluster that never received a sample takes the overall mean."""
    counts, sums = view["counts"], view["sums"]
    overall = sums.sum(0) / max(counts.sum(), 1.0)
    return np.where(counts[:, None] > 0, sums / np.maximum(counts, 1.0)[:, None], overall)


class InputView(dict):
    """The sums of :func:`input_view_sums` (a dict of float64 arrays), with
    the whitening that ``predict_proba`` derives from them kept once made.

    Deriving it (Ledoit-Wolf and a Cholesky factor of ``n_values^2``) took
    46 of the 56 ms of ``predict_proba`` on 10 Fashion-MNIST images when
    every call redid it. It is made at the first call that needs it, not in
    ``fit``, so a stream of ``partial_fit`` calls never pays for it; every
    ``fit`` and ``partial_fit`` makes a new view, so a kept whitening never
    outlives its sums. It lives in a slot, outside the estimator's
    ``__dict__`` (which predict methods leave as they found it), and a
    pickle holds the sums alone.
    """

    __slots__ = ("_derived",)

    def derived(self):
        """``(whiten, centers)``: see :func:`input_view_log_likelihood`."""
        try:
            return self._derived
        except AttributeError:
            means = _view_means(self)
            whiten = _whitening(self, means)
            apply = torch.mul if whiten.ndim == 0 else torch.matmul
            self._derived = whiten, apply(torch.from_numpy(means), whiten)
            return self._derived

    def __reduce__(self):
        return type(self), (dict(self),)


def input_view_sums(X, labels, n_clusters, previous=None):
    """The statistics of the input view, added up over the chunks of a stream.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_values)
        Flat samples of one call of ``fit`` or ``partial_fit``.
    labels : ndarray of shape (n_samples,)
    n_clusters : int
    previous : dict or None, default=None
        The statistics of the earlier chunks of a stream.

    Returns
    -------
    view : InputView (a dict of float64 ndarrays)
        ``origin`` (n_values,), the mean of the first chunk (rounded to
        X's precision, so that X minus it is exact nearby): every other
        sum is of ``x - origin``, so that an offset in the data cannot
        swamp the within-cluster spread by cancellation. ``counts`` (K,)
        and ``sums`` (K, n_values); ``outer``, the sum of ``x x^T``
        (n_values, n_values), when there are at most ``_VIEW_MAX_VALUES``
        values, else ``sqnorms``, the sum of ``||x||^2`` (a scalar);
        ``fourth``, the sum of ``||x - m_k||^4`` (which Ledoit-Wolf's
        shrinkage needs), with ``m_k`` the means after this chunk (exact
        for ``fit``; chunks of a stream keep the means of their time).
    """
    # Products in X's own precision (float32 from the estimator: about half
    # the time of float64 on 784-value images), one chunk at a time, each
    # chunk's result added up in float64.
    X = X if X.dtype in (torch.float32, torch.float64) else X.double()
    chunks = X.split(_VIEW_ROWS)
    labels = torch.as_tensor(labels, dtype=torch.long)
    label_chunks = labels.split(_VIEW_ROWS)
    if previous is None:
        origin = sum((c.sum(0, dtype=torch.float64) for c in chunks)) / len(X)
        origin = origin.to(X.dtype).double()  # one X can subtract exactly
    else:
        origin = torch.from_numpy(previous["origin"])
    shift = origin.to(X.dtype)
    p = X.shape[1]
    sums = torch.zeros(n_clusters, p, dtype=torch.float64)
    outer = torch.zeros(p, p, dtype=torch.float64) if p <= _VIEW_MAX_VALUES else None
    sqnorms = 0.0
    for chunk, chunk_labels in zip(chunks, label_chunks):
        centred = chunk - shift
        sums += torch.zeros(n_clusters, p, dtype=X.dtype).index_add_(
            0, chunk_labels, centred).double()
        if outer is not None:
            outer += (centred.T @ centred).double()
        else:
            sqnorms += float((centred * centred).sum(dtype=torch.float64))
    counts = torch.bincount(labels, minlength=n_clusters).double()
    view = {"counts": counts.numpy(), "sums": sums.numpy()}
    if outer is not None:
        view["outer"] = outer.numpy()
    else:
        view["sqnorms"] = np.asarray(sqnorms)
    if previous is not None:
        view = {key: value + previous[key] for key, value in view.items()}
    view["origin"] = origin.numpy()
    means = torch.from_numpy(_view_means(view)).to(X.dtype)
    fourth = 0.0 if previous is None else float(previous["fourth"])
    for chunk, chunk_labels in zip(chunks, label_chunks):
        residuals = chunk - shift - means[chunk_labels]
        fourth += float(((residuals ** 2).sum(1) ** 2).sum(dtype=torch.float64))
    view["fourth"] = np.asarray(fourth)
    return InputView(view)


def ledoit_wolf_shrinkage(scatter, fourth, n_samples):
    """Ledoit-Wolf's shrinkage of the covariance ``S`` toward ``mu I``.

    The same estimate as :func:`sklearn.covariance.ledoit_wolf_shrinkage`,
    from sums that add up over a stream instead of the samples themselves.

    Parameters
    ----------
    scatter : ndarray of shape (p, p)
        ``S``, the covariance of the residuals ``r_i`` (divided by n).
    fourth : float
        ``sum_i ||r_i||^4``.
    n_samples : int

    Returns
    -------
    shrinkage : float in [0, 1]
    """
    p = len(scatter)
    mu = np.trace(scatter) / p
    frobenius = float((scatter ** 2).sum())
    delta = (frobenius - 2 * mu * np.trace(scatter) + p * mu ** 2) / p
    beta = min((fourth / n_samples - frobenius) / (p * n_samples), delta)
    return 0.0 if beta <= 0 else float(beta / delta)


def _whitening(view, means):
    """A matrix ``W`` with ``W W^T = C^{-1}``, which makes the Mahalanobis
    distance of the input view a Euclidean one: ``L^{-T}`` for the Cholesky
    factor ``L`` of the shrunk covariance ``C`` (its eigenvectors over the
    square roots of its floored eigenvalues if rounding left it
    indefinite), or the scalar
    ``1 / sqrt(mu)`` for the isotropic variance ``mu``."""
    counts = view["counts"]
    n, p = max(counts.sum(), 1.0), means.shape[1]
    if "outer" not in view:  # many values: no p x p matrix, not even the between-cluster one
        between = float((counts * (means ** 2).sum(1)).sum())
        mu = max((float(view["sqnorms"]) - between) / (n * p), 1e-12)
        return torch.tensor(1 / math.sqrt(mu), dtype=torch.float64)
    scatter = (view["outer"] - (counts[:, None] * means).T @ means) / n
    # Rounding in outer - between is relative to the data's own scale, and
    # so is the floor that keeps C positive definite where S is singular
    # (constant features, as many clusters as samples).
    floor = 1e-8 * max(np.trace(view["outer"]) / (n * p), 1e-12)
    mu = max(np.trace(scatter) / p, floor)
    shrinkage = ledoit_wolf_shrinkage(scatter, float(view["fourth"]), n)
    covariance = torch.from_numpy((1 - shrinkage) * scatter + (shrinkage * mu + floor) * np.eye(p))
    cholesky, info = torch.linalg.cholesky_ex(covariance)
    if info == 0:
        eye = torch.eye(p, dtype=torch.float64)
        return torch.linalg.solve_triangular(cholesky, eye, upper=False).T
    values, vectors = torch.linalg.eigh((covariance + covariance.T) / 2)
    return vectors / values.clamp_min(floor).sqrt()


def input_view_log_likelihood(X, view):
    """``-(x - m_k)^T C^{-1} (x - m_k) / 2`` of shape (n, K).

    Each cluster a Gaussian around its training mean ``m_k`` with one
    covariance ``C`` shared by all clusters (linear discriminant analysis'
    model): the within-cluster covariance of the training samples, shrunk
    toward a multiple of the identity by Ledoit-Wolf's estimate. Samples of
    more than ``_VIEW_MAX_VALUES`` values keep only an isotropic variance
    (the full matrix would take ``n_values^2`` memory). ``view`` is an
    :class:`InputView`, which derives the whitening once.
    """
    whiten, centers = view.derived()
    apply = torch.mul if whiten.ndim == 0 else torch.matmul
    origin = torch.from_numpy(view["origin"])
    out = [-0.5 * squared_distances(apply(chunk - origin, whiten), centers)
           for chunk in X.double().split(_VIEW_ROWS)]
    return torch.cat(out) if out else torch.empty(0, len(centers), dtype=torch.float64)


class InferenceMixin(TransformerMixin):
    """``predict``, ``predict_proba``, ``transform``, ``score`` and the fitted
    attributes read from the net; mixed into ``OnlineHardClustering``.

    A ``TransformerMixin`` itself, so that scikit-learn wraps the
    ``transform`` defined here for ``set_output``."""

    def _inference_rows(self):
        """Rows per encoder call at inference: ``batch_size``, or more (up to
        ``_INFER_MAX_ROWS``) for samples of few values, or for the MLP."""
        net = self.__dict__.get("_net")
        mlp = net is not None and isinstance(net.module_.encoder, MLPEncoder)
        values = _INFER_VALUES_MLP if mlp else _INFER_VALUES
        many = min(values // math.prod(self._sample_shape), _INFER_MAX_ROWS)
        return max(self.batch_size, many)

    def _infer(self, X, output):
        """``"embedding"``, ``"costs"`` or ``"labels"`` of tensor X, on the CPU."""
        return self._net.infer_all(X, output, self._inference_rows(),
                                   self.batch_size * _COSTS_GROUP)

    def _check_predict_input(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    @uses_threads
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

    @uses_threads
    def predict_proba(self, X):
        """Cluster probabilities: the average of two posteriors of each sample.

        The first is the embedding's, ``softmax_k(-D[i, k])``, the Gaussian
        the model was trained with. The second is the input's own: each
        cluster a Gaussian around the mean ``m_k`` of the training samples
        predicted into it, all with one covariance (linear discriminant
        analysis' model), the training samples' within-cluster covariance
        shrunk by Ledoit-Wolf's estimate (for samples of more than 1,024
        values, their isotropic variance only). Training pulls each
        cluster's points together in the embedding, wrongly clustered ones
        included, so the embedding alone says little about which labels are
        doubtful on small tabular sets; the input view says little on
        images, where pixels are far from Gaussian. Their average (a linear
        opinion pool) keeps what each knows: a sample is sure when both
        views are. The argmax can differ from :meth:`predict` for samples
        near a boundary.

        .. versionchanged:: 0.3.0
           Was ``softmax_k(-D[i, k])`` alone. Models loaded from files of
           0.2 still give that.

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
        proba = torch.softmax(-self._infer(X, "costs").double(), dim=1)
        if getattr(self, "_input_view", None) is not None:  # files of 0.2 lack it
            view = input_view_log_likelihood(X.reshape(len(X), -1), self._input_view)
            proba = (proba + torch.softmax(view, dim=1)) / 2
        return proba.numpy()

    @uses_threads
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

    @uses_threads
    def score(self, X, y=None):
        """Silhouette of ``predict(X)`` in the space of X itself (higher is better).

        The mean silhouette coefficient of the predicted clusters on the
        input features (flattened), on a fixed subset of 2000 samples when
        X is larger; -1 when everything falls into one cluster. Every
        candidate of a grid search is scored in the same space, which makes
        this the label-free criterion for ``n_clusters`` (the user guide
        shows the recipe). Among models with the same ``n_clusters`` it
        prefers the partition nearest to k-means' on X, so it is no guide
        to training settings such as ``prior`` (it kept a prior from
        k-means' proportions where that lowered ACC from 0.43 to 0.15).

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

    def _within_spread(self, X):
        """Mean squared distance of tensor X's embeddings to their nearest
        centroid, on the fixed subset ``score`` uses (merged-centroid check)."""
        z = self._infer(_score_subset(X), "embedding").double()
        centers = self._net.module_.centroids.detach().cpu().double()
        return float(squared_distances(z, centers).min(dim=1).values.mean())

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

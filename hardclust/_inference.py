"""What a fitted model answers: labels, probabilities, embeddings, a score.

:class:`BaseClustering` validates input and holds the public methods that
read a fitted model and never train it, as scikit-learn's ``_BaseKMeans``
holds ``predict``/``transform``/``score`` for its k-means estimators. It is
self-contained: it reads only the attributes it sets itself in
``_validate_X`` and the fitted net ``_net`` that a subclass's ``fit``
builds. Small array functions below keep the *input-space posterior* used
by ``predict_proba``: each cluster's mean and the shared (shrunk)
covariance of the training samples in the input's own space.
"""

import math
import warnings

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.metrics import silhouette_score
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted, validate_data

from ._model import squared_distances
from ._threads import uses_threads
from ._utils import user_stacklevel
from .exceptions import InputScaleWarning
from .encoders import MLPEncoder

# The largest magnitude accepted in X: squares of values above about 1.8e19
# overflow float32, and the PCA of the neighbour search sums them over rows
# (predict_proba gave NaN at 1e19, the start failed at 1e30).
_MAX_MAGNITUDE = 1e15
# Training data whose largest magnitude is below this are multiplied by a
# power of two that brings it to about 1 before the model sees them, and so
# is every later X of that model (input_scale, ``_input_scale``). The start
# scales the encoder's output to spread its centroids; on tiny inputs that
# scale also multiplies the encoder's biases, whose first updates then pull
# every sample into one cluster (three blobs standardised, then multiplied
# by 1e-4: ARI 0 on every seed). Larger inputs are fine as they are, and
# data of the usual magnitudes (standardised tables, pixels in [0, 1] or
# [0, 255]) are left untouched.
_SMALL_MAGNITUDE = 0.1
# Training data whose per-value means sit further from the origin than this
# many times their spread (the root mean square of their deviations from
# those means) are first centred on those means, and every later X of the
# model alike (input_shift, ``_input_shift``): the embedding of such data is
# one far point plus small differences, which the start's scale and the
# encoder's updates treat as the tiny data above (three blobs standardised,
# then shifted by 1,000: ARI 0 on every seed; by 100: 0.47-1.0). Data nearer
# the origin (standardised tables, pixels, z-normalised series) are left
# as they are.
_FAR_OFFSET = 10.0
# A later X that a model's scale carries beyond this magnitude gets an
# InputScaleWarning: the training data reach 2**-0.5 to 2**0.5 once
# scaled, so this is about 1,000 times their largest magnitude (700 to
# 1,400 times). A stream whose first chunk was tiny, or a model of tiny
# data given data of the usual magnitudes, is labelled far outside
# anything it learned from.
_FAR_REACH = 1e3
# Rows per block of input_shift's pass, so that it copies little.
_STAT_ROWS = 8192
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
# predict_proba's probability of the predicted cluster is at least this
# factor over uniform (1 / n_clusters): at uniform the argmax would be a tie.
_MIN_TOP_OVER_UNIFORM = 1.001
# Why a model loaded from a file lacks history_ and labels_.
_LOADED = (
    "{name} is not available: this model was loaded by OnlineHardClustering.load, "
    "whose files keep the parameters and weights but not the training history or "
    "labels_. Pickle the model (pickle or joblib) to keep them; predict(X) gives the "
    "labels of X, and each partial_fit call from here on records history_ and labels_."
)
# Gaps to the predicted cluster's cost below this fraction of the row's
# largest gap, or below _MIN_GAP_ABS (ties, or rounding between predict's
# and the costs' arithmetic), are raised to it, so that the predicted
# cluster stays strictly first.
_MIN_GAP = 1e-6
_MIN_GAP_ABS = 1e-9



def _score_subset(X):
    """A fixed subset of at most ``_SCORE_SAMPLE`` rows: scores are deterministic."""
    if len(X) <= _SCORE_SAMPLE:
        return X
    rows = np.random.RandomState(0).choice(len(X), _SCORE_SAMPLE, replace=False)
    return X[np.sort(rows)]


def input_scale(largest):
    """The factor training data of this largest magnitude are multiplied by:
    1 unless ``0 < largest < _SMALL_MAGNITUDE``, else the power of two that
    brings ``largest`` nearest to 1 (exact in floating point)."""
    if not 0 < largest < _SMALL_MAGNITUDE:
        return 1.0
    return float(2.0 ** min(round(-np.log2(largest)), 1000))  # float64 holds 2**1000


def _row_blocks(flat):
    """``flat``'s rows in float64 blocks of ``_STAT_ROWS``: a pass that copies little."""
    for start in range(0, len(flat), _STAT_ROWS):
        yield start, flat[start:start + _STAT_ROWS].astype(np.float64)


def input_shift(X):
    """The per-value means of training data ``X`` (n, \\*sample_shape), as a
    float64 array of shape ``X.shape[1:]``, when they sit more than
    ``_FAR_OFFSET`` times X's spread from the origin; else None.

    The spread is the root mean square of the values' deviations from
    their means, from two passes in float64 blocks (the means, then the
    deviations: exact where one pass of sums of squares would lose the
    spread to a far offset).
    """
    flat = X.reshape(len(X), -1)
    mean = np.zeros(flat.shape[1])
    for _, block in _row_blocks(flat):
        mean += block.sum(axis=0)
    mean /= len(flat)
    deviations = 0.0
    for _, block in _row_blocks(flat):
        block -= mean
        deviations += float(np.einsum("ij,ij->", block, block))
    if not np.sqrt(np.mean(mean ** 2)) > _FAR_OFFSET * np.sqrt(deviations / flat.size):
        return None
    return mean.reshape(X.shape[1:])


def _centred_largest(X, shift):
    """The largest magnitude of ``X - shift``, in float64 row blocks."""
    shift = shift.reshape(-1)
    return max((float(np.abs(block - shift).max())
                for _, block in _row_blocks(X.reshape(len(X), -1))), default=0.0)


def _moved(X, shift, scale):
    """``(X - shift) * scale`` as a new float32 array, filled in float64 row
    blocks (the scale of subnormal data is beyond float32's range, float64 X
    may hold values below it, and a far offset's difference loses digits in
    float32), so that it copies little beyond the result."""
    flat = X.reshape(len(X), -1)
    out = np.empty(flat.shape, dtype=np.float32)
    offset = 0.0 if shift is None else shift.reshape(-1)
    for start, block in _row_blocks(flat):
        out[start:start + len(block)] = (block - offset) * scale
    return out.reshape(X.shape)


def _silhouette(points, labels):
    """scikit-learn's silhouette of ``labels`` on ``points``, -1 where it is
    undefined (one cluster, or one sample per cluster), and the number of
    clusters used."""
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= len(labels):
        return -1.0, n_labels
    return float(silhouette_score(points, labels)), n_labels


def _sample_shape(input_shape, X, name):
    """The shape of one sample: ``input_shape``, which must hold as many
    values as a row of X, or X's own."""
    if input_shape is None:
        return tuple(X.shape[1:])
    shape = tuple(input_shape)
    if math.prod(shape) != math.prod(X.shape[1:]):
        raise InvalidParameterError(
            f"The 'input_shape' parameter of {name} must hold as many values as "
            f"a sample of X: input_shape={shape} holds {math.prod(shape)} but "
            f"each sample of X has {math.prod(X.shape[1:])}; make input_shape "
            "match the features of X."
        )
    return shape


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


def cost_gaps(costs, labels):
    """``D[i, k] - D[i, y_i]`` of shape (n, K), in float64, 0 at ``y_i`` and
    above 0 elsewhere.

    ``labels`` are :meth:`predict`'s, computed in a different arithmetic
    than ``costs``: a gap that rounding (or an exact tie) leaves at or
    below zero is raised to a small floor (``_MIN_GAP`` times the row's
    largest gap, at least ``_MIN_GAP_ABS``), so that no other cluster can
    rank with the predicted one.
    """
    rows = torch.arange(len(costs))
    gaps = costs.double() - costs.double()[rows, labels][:, None]
    floor = (_MIN_GAP * gaps.amax(dim=1, keepdim=True)).clamp_min(_MIN_GAP_ABS)
    gaps = torch.maximum(gaps, floor)
    gaps[rows, labels] = 0.0
    return gaps


def decided_posterior(gaps, top):
    """The posterior ``softmax_k(-gaps[i, k])`` mixed with the one-hot of the
    zero-gap column (where ``top`` is above its own probability there) or
    with the uniform distribution (where below), in the proportion that
    gives the zero-gap column ``top``.

    Both mixtures keep the order of the columns, so the argmax stays the
    zero-gap column; they are linear pools of the posterior with the
    model's decision, or with no opinion at all.

    Parameters
    ----------
    gaps : Tensor of shape (n, K), float64
        From :func:`cost_gaps`.
    top : Tensor of shape (n,), float64
        Targets, in ``(1 / K, 1]``.

    Returns
    -------
    proba : Tensor of shape (n, K), float64
    """
    posterior = torch.softmax(-gaps, dim=1)
    zero = gaps == 0
    own = posterior[zero]  # one zero-gap column per row
    up = top >= own
    n_clusters = gaps.shape[1]
    toward = torch.where(up[:, None], zero.double(), 1.0 / n_clusters)
    weight = torch.where(up, (top - own) / (1 - own).clamp_min(1e-300),
                         (own - top) / (own - 1.0 / n_clusters).clamp_min(1e-300))
    return (1 - weight[:, None]) * posterior + weight[:, None] * toward


class BaseClustering(TransformerMixin):
    """Input validation, ``predict``, ``predict_proba``, ``transform``,
    ``score`` and the fitted attributes read from the net.

    A subclass's ``fit`` validates with :meth:`_validate_X` (``reset=True``)
    and sets ``_net``, a fitted :class:`~hardclust._net.ClusterNet`. A
    ``TransformerMixin`` itself, so that scikit-learn wraps the
    ``transform`` defined here for ``set_output``."""

    def _validate_X(self, X, reset):
        """Validated float32 CPU tensor of shape (n, *sample_shape).

        With ``reset``, the layout of X and the sample shape (``input_shape``
        or X's own) are taken for the later calls, which must match, and so
        is the factor tiny training data are scaled up by
        (:func:`input_scale`), which every later X is multiplied by too.
        """
        if isinstance(X, torch.Tensor):
            X = X.detach().cpu().numpy()
        X = validate_data(self, X, reset=reset, dtype=[np.float32, np.float64],
                          allow_nd=True, ensure_min_features=1)
        if reset:
            self._input_layout = X.shape[1:]
            self._sample_shape = _sample_shape(self.input_shape, X, type(self).__name__)
        elif X.shape[1:] != self._input_layout:
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but this model was "
                f"fitted on samples of shape {self._input_layout}; pass data "
                "shaped like the training data."
            )
        with np.errstate(over="ignore"):  # reported just below, as a ValueError
            X32 = np.ascontiguousarray(X, dtype=np.float32)
        if X32.dtype != X.dtype and not np.isfinite(X32).all():
            raise ValueError(
                "X has values beyond the float32 range (about 3.4e38), which "
                "the model computes in; rescale X (for example with "
                "StandardScaler)."
            )
        # from X as given: float64 values below float32's range count too
        largest = max(float(X.max()), -float(X.min())) if X.size else 0.0
        if largest > _MAX_MAGNITUDE:
            raise ValueError(
                f"X has values up to {largest:.3g} in magnitude; the model computes "
                f"in float32, where squares and sums of values beyond "
                f"{_MAX_MAGNITUDE:.0e} overflow (NaN probabilities, a failed "
                "start); rescale X (for example with StandardScaler)."
            )
        # a new start takes the shift and scale of this model's inputs; models
        # pickled before them have none
        shift = input_shift(X) if reset else self.__dict__.get("_input_shift")
        centred = largest if shift is None else _centred_largest(X, shift)
        if reset:
            if centred > _MAX_MAGNITUDE:  # centring would overflow: as given
                shift, centred = None, largest
            self._input_shift, self._input_scale = shift, input_scale(centred)
        scale = self.__dict__.get("_input_scale", 1.0)
        if shift is not None or scale != 1.0:  # a new array: the caller's is never written to
            reach = centred * scale
            if reach > _MAX_MAGNITUDE:
                raise ValueError(
                    f"X would reach {reach:.3g} in magnitude once centred and scaled as "
                    f"this model's training data were (scale {scale:.6g}), overflowing "
                    "float32's squares; pass X on the scale of the training data."
                )
            if not reset and scale != 1.0 and reach > _FAR_REACH:
                # the training data reach 2**-0.5 to 2**0.5 once scaled: reach
                # is their ratio to X's up to that factor
                where = ("in magnitude" if shift is None
                         else "from the mean of this model's training data")
                warnings.warn(
                    f"X reaches {reach / scale:.3g} {where}, about {reach:.2g} times as "
                    "far as the training data did: those were tiny, and the model "
                    f"scales every X up by {scale:.6g} as it scaled them, so it learned "
                    "nothing at X's magnitude and extrapolates. Fit a model on data of "
                    "X's magnitude, or pass X on the scale of the training data.",
                    InputScaleWarning, stacklevel=user_stacklevel())
            X32 = _moved(X, shift, scale)
        elif not X32.flags.writeable:  # read-only (a pandas frame's values): torch warns
            X32 = X32.copy()
        return torch.from_numpy(X32).reshape(len(X32), *self._sample_shape)

    def _inference_rows(self):
        """Rows per encoder call at inference: ``batch_size``, or more (up to
        ``_INFER_MAX_ROWS``) for samples of few values, or for the MLP."""
        net = self.__dict__.get("_net")
        mlp = net is not None and isinstance(net.module_.encoder, MLPEncoder)
        values = _INFER_VALUES_MLP if mlp else _INFER_VALUES
        many = min(values // math.prod(self._sample_shape), _INFER_MAX_ROWS)
        return max(self.batch_size, many)

    def _infer(self, X, output):
        """``"embedding"``, ``"costs"`` or ``"labels"`` of tensor X (or a tuple
        of them), on the CPU."""
        return self._net.infer_all(X, output, self._inference_rows(),
                                   self.batch_size * _COSTS_GROUP)

    def _check_predict_input(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def fit_predict(self, X, y=None, **kwargs):
        """Fit, then the labels of X (``labels_``, or ``predict(X)`` when
        ``compute_labels=False`` keeps none)."""
        self.fit(X, y, **kwargs)
        return self.labels_ if "labels_" in self.__dict__ else self.predict(X)

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
        """Cluster probabilities, whose argmax is :meth:`predict`.

        The probability of the predicted cluster ``y`` pools two views of
        the sample: the average of the embedding's posterior,
        ``softmax_k(-D[i, k])`` (the Gaussian the model was trained with),
        and the input's own, each cluster a Gaussian around the mean of the
        training samples predicted into it with one covariance shared by
        all (linear discriminant analysis' model: the training samples'
        within-cluster covariance, shrunk by Ledoit-Wolf's estimate; for
        samples of more than 1,024 values, their isotropic variance only).
        Training pulls each cluster's points together in the embedding,
        wrongly clustered ones included, so the embedding alone says little
        about which labels are doubtful on small tabular sets; the input
        view says little on images. A sample is sure when both views are.

        The row is the embedding's posterior mixed with the predicted
        cluster's one-hot (where the pooled probability of ``y`` is the
        larger) or with the uniform distribution (where it is the smaller),
        in the proportion that gives ``y`` the pooled probability (at least
        1.001 times ``1 / n_clusters``). Both mixtures keep the order of the
        costs, so the argmax is ``predict``'s label on every row, as for
        scikit-learn's mixtures and classifiers, and the other clusters rank
        by their distance in the embedding.

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
            Rows sum to 1; ``proba.argmax(axis=1)`` is ``predict(X)``.
        """
        X = self._check_predict_input(X)
        # predict's labels exactly: the same chunks and arithmetic, one encoder pass
        costs, labels = self._infer(X, ("costs", "labels"))
        n_clusters = costs.shape[1]
        if n_clusters == 1:
            return np.ones((len(X), 1))
        rows = torch.arange(len(X))
        top = torch.softmax(-costs.double(), dim=1)[rows, labels]
        if getattr(self, "_input_view", None) is not None:  # files of 0.2 lack it
            view = input_view_log_likelihood(X.reshape(len(X), -1), self._input_view)
            top = (top + torch.softmax(view, dim=1)[rows, labels]) / 2
        top = top.clamp_min(_MIN_TOP_OVER_UNIFORM / n_clusters)
        return decided_posterior(cost_gaps(costs, labels), top).numpy()

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
            The encoder's output, times ``embedding_scale_`` (scaled to unit
            length with ``objective="secu"``).
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
        to training settings such as ``prior``.

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
        centers = self._net.module_.unit_centroids().detach().cpu().double()
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
        return net.module_.unit_centroids().detach().cpu().numpy().copy()

    @property
    def prior_(self):
        log_prior = self._fitted_net("prior_").module_.log_prior.detach().cpu().double()
        return log_prior.exp().numpy()

    @property
    def encoder_(self):
        return self._fitted_net("encoder_").module_.encoder

    @property
    def embedding_scale_(self):
        return self._fitted_net("embedding_scale_").module_.scale

    @property
    def history_(self):
        history = self._fitted_net("history_").history
        if not len(history):  # every training call records at least one epoch
            raise AttributeError(_LOADED.format(name="history_"))
        return history

    def __getattr__(self, name):
        # Only reached when normal lookup fails. A property that raised
        # AttributeError lands here too: raise its own message again.
        attribute = getattr(type(self), name, None)
        if isinstance(attribute, property):
            attribute.fget(self)
        if name == "labels_" and "_net" in self.__dict__:
            if not len(self.__dict__["_net"].history):
                raise AttributeError(_LOADED.format(name="labels_"))
            if not self.__dict__.get("compute_labels", True):
                raise AttributeError(
                    "labels_ is not set: this model was trained with compute_labels=False; "
                    "call predict(X) for the labels of X.")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

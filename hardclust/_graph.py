"""A start from the neighbour graph of the first data: ``init="graph"``.

The first epoch decides most of the partition, and k-means on an untrained
encoder's embedding can only find what is convex in the input. The
neighbour graph of the input knows more: on manifolds (two moons,
handwritten digits) most of a sample's nearest neighbours share its class
even where its centroid's do not. This start clusters a sample of the
first data by the graph (:func:`graph_labels`: a spectral embedding of the
symmetric k-nearest-neighbour graph, laid out as UMAP lays out its own
for wide samples (:func:`layout_coordinates`, in at least
``_LAYOUT_DIMS`` dimensions where the graph has clusters:
:func:`layout_room`), then the start's own balanced k-means),
and fits the model to those labels before training
(:func:`fit_to_labels`), so that training refines the graph's partition
instead of k-means'. The graph is built on at most ``_GRAPH_SAMPLE`` rows,
so the start costs the same on any amount of data and memory stays
bounded in a stream.
"""

import copy

import numpy as np
import torch
from scipy import sparse
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh
from sklearn.neighbors import NearestNeighbors

from ._optimizers import build_optimizer
from ._utils import draw_seed, explain_batchnorm_failure, finite_loss, seeded

__all__ = ["GRAPH_KMEANS_RUNS", "fit_to_labels", "graph_labels", "layout_coordinates",
           "layout_dims", "layout_passes"]

# Rows of the first data the graph is built on: the spectral step's cost
# grows faster than linearly, and a sample this large holds every cluster.
_GRAPH_SAMPLE = 10_000
# k-means runs on the spectral coordinates, of which the start keeps the one
# whose sizes best match the prior: three times the k-means start's ten,
# because ten left one seed in five with two classes merged on MNIST-5k and
# the BasicMotions windows (ten runs took 0.05 s on MNIST-5k's 5,000 rows).
GRAPH_KMEANS_RUNS = 30
# Neighbours of each row in the graph.
_GRAPH_NEIGHBORS = 10
# A row's scale in the edge weights: the distance to this neighbour (the
# self-tuning paper's choice).
_SCALE_NEIGHBOR = 7
# tau of the regularised spectral step, as a fraction of the mean degree:
# enough to join a graph in pieces, little enough to leave its
# well-connected parts their own eigenvectors. Chosen under
# leave-one-dataset-out among 0.01, 0.03 and 0.1 (experiments/graph_start/).
_REGULARIZATION = 0.03
# The layout of wide samples' spectral coordinates (layout_coordinates):
# UMAP's curve 1 / (1 + a d^(2b)) for min_dist=0, its negative samples per
# edge sample, the largest magnitude it scales its start to and its clip of
# each move; and the passes of layout_passes="auto", chosen under
# leave-one-dataset-out (experiments/graph_layout/).
_LAYOUT_CURVE = (1.929, 0.7915)
_LAYOUT_NEGATIVES = 5
_LAYOUT_SCALE = 10.0
_LAYOUT_CLIP = 4.0
_LAYOUT_EPOCHS = 50
# The layout runs on at least this many of the graph's eigenvectors, more
# than one per cluster where there are fewer clusters: UMAP too lays out in
# more dimensions than a few classes need, and the extra eigenvectors carry
# more of the graph's structure for the layout to sharpen (the start's
# labels: digits 0.912 -> 0.949 ACC, MNIST-5k 0.743 -> 0.837). Chosen under
# leave-one-dataset-out among n_clusters, 12, 16 and 24
# (experiments/layout_dims/). On small samples too: 32 rows of three
# well-separated blobs in 100 values were laid out into their blobs from
# 16 eigenvectors and not from 3 (tests/test_graph.py).
_LAYOUT_DIMS = 16
# ... except where the graph holds no clear clusters: when the start's
# labels of its leading n_clusters eigenvectors have a normalised cut per
# cluster above this, the layout runs on those alone (layout_room). The
# extra eigenvectors carry structure within and across clusters; where the
# clusters are weak, the layout makes clusters of that structure instead.
# Chosen under leave-one-dataset-out: the suites' wide sets cut below 0.1
# or above 0.15, and this is the middle of that gap (experiments/layout_room/).
_ROOM_MAX_CUT = 0.125
# The negative samples of a pass are moved this many values at a time: the
# coordinates have a dimension per cluster or _LAYOUT_DIMS, so that
# memory stays bounded with many clusters (one or two blocks a pass for
# ten clusters on 10,000 rows).
_LAYOUT_BLOCK = 1 << 23
# layout_passes="auto": samples of more than this many values (images,
# signals, wide tables) get the layout; narrower rows keep the spectral
# coordinates.
_LAYOUT_MIN_VALUES = 50
# ... and only samples of at least this many distinct rows per cluster
# (duplicates are one row of the graph). Each row is joined to its
# _GRAPH_NEIGHBORS nearest, so in a smaller cluster most of its edges leave
# it; the spectral step weighs them lightly, but the layout pulls along
# every edge it samples and merges clusters the spectral coordinates held
# apart (tests/test_graph.py, experiments/tiny_layout/).
_LAYOUT_MIN_ROWS = _GRAPH_NEIGHBORS
# Fitting the model to the graph's labels stops after a pass in which this
# share of the rows was already given its label (the pass's own forward
# passes, before each step), or after _FIT_STEPS optimisation steps: small
# data reach it in a few passes, where a fixed count would cost hundreds.
_FIT_AGREEMENT = 0.99
_FIT_STEPS = 200


def sample_rows(n_samples, rng, size=None):
    """Sorted indices of at most ``size`` rows (``_GRAPH_SAMPLE``), drawn
    without replacement; all rows when there are no more."""
    size = size or _GRAPH_SAMPLE
    if n_samples <= size:
        return np.arange(n_samples)
    return np.sort(rng.choice(n_samples, size, replace=False))


def knn_graph(features, n_neighbors):
    """The symmetric k-nearest-neighbour graph of distinct rows, as a sparse
    (n, n) matrix with self-tuning weights.

    An edge joins rows i and j where either is among the other's
    ``n_neighbors`` nearest, and weighs ``exp(-d_ij^2 / (s_i s_j))``,
    ``s_i`` being the distance from i to its ``_SCALE_NEIGHBOR``-th
    nearest neighbour (Zelnik-Manor and Perona, 2004): each row's scale is
    its own, so that dense and sparse regions of the input are joined
    alike. The rows must be distinct (:func:`graph_labels` merges
    duplicates): a duplicated row would have no scale.
    """
    n = len(features)
    k = min(n_neighbors, n - 1)
    distances, neighbors = NearestNeighbors(n_neighbors=k).fit(features).kneighbors()
    rows = np.repeat(np.arange(n), k)
    scale = np.maximum(distances[:, min(k, _SCALE_NEIGHBOR) - 1].astype(np.float64), 1e-12)
    weights = np.exp(-distances.ravel().astype(np.float64) ** 2
                     / (scale[rows] * scale[neighbors.ravel()]))
    graph = sparse.csr_matrix((weights, (rows, neighbors.ravel())), shape=(n, n))
    return graph.maximum(graph.T)


def spectral_coordinates(graph, n_components, rng):
    """Rows of the leading eigenvectors of the graph's regularised
    normalised adjacency, each scaled to unit length.

    The regularisation (Amini et al., 2013: ``A + tau / n`` everywhere,
    ``tau`` a fraction ``_REGULARIZATION`` of the mean degree) joins the
    graph's components: a k-NN graph of well-separated groups falls apart,
    and the leading eigenvalue 1 of a graph in pieces has as many
    eigenvectors as pieces, which the solver returns in an arbitrary basis
    (and converges on slowly). The dense term is applied as a rank-one
    update, never formed. The unit rows are Ng, Jordan and Weiss'
    normalisation, so that k-means on them finds the graph's
    well-connected parts.

    Parameters
    ----------
    graph : sparse matrix of shape (n, n)
        Symmetric, non-negative.
    n_components : int
    rng : numpy.random.RandomState
        Draws the eigensolver's starting vector.

    Returns
    -------
    coordinates : ndarray of shape (n, min(n, n_components))
    """
    n = graph.shape[0]
    degrees = np.asarray(graph.sum(axis=1)).ravel()
    tau = _REGULARIZATION * degrees.mean()
    scale = 1.0 / np.sqrt(degrees + tau)

    def apply(v):
        scaled = v.reshape(n, -1) * scale[:, None]
        out = graph @ scaled + (tau / n) * scaled.sum(axis=0, keepdims=True)
        return (out * scale[:, None]).reshape(v.shape)

    k = min(n_components, n - 1)
    if k < n_components or n <= 4 * n_components:
        dense = (graph.toarray() + tau / n) * scale[:, None] * scale[None]
        coordinates = np.linalg.eigh(dense)[1][:, ::-1][:, :n_components]
    else:
        operator = LinearOperator((n, n), matvec=apply, matmat=apply, dtype=np.float64)
        try:
            _, vectors = eigsh(operator, k=n_components, which="LA", v0=rng.uniform(-1, 1, n))
        except ArpackNoConvergence as exc:
            raise RuntimeError(
                f"the neighbour graph's spectral step did not converge ({exc}); pass "
                "init='k-means' to start from k-means instead of the graph."
            ) from exc
        coordinates = vectors[:, ::-1]
    return _unit_rows(coordinates)


def layout_passes(passes, sample_shape, n_rows, n_clusters):
    """The passes of :func:`layout_coordinates` the graph start makes for
    the ``layout_passes`` parameter on ``n_rows`` distinct samples of this
    shape: ``"auto"`` is ``_LAYOUT_EPOCHS`` for samples of more than
    ``_LAYOUT_MIN_VALUES`` values, at least ``_LAYOUT_MIN_ROWS`` of them
    per cluster, and 0 (no layout) for narrower or fewer ones; an int is
    used as given."""
    if isinstance(passes, str) and passes == "auto":
        wide = int(np.prod(sample_shape)) > _LAYOUT_MIN_VALUES
        return _LAYOUT_EPOCHS if wide and n_rows >= _LAYOUT_MIN_ROWS * n_clusters else 0
    return passes


def normalised_cut(graph, labels, n_clusters):
    """The normalised cut per cluster of a partition of the graph's rows:
    the mean over the ``n_clusters`` clusters of the share of a cluster's
    edge weight that leaves it (Shi and Malik, 2000, divided by
    ``n_clusters``). 0: the clusters are the graph's components; near 1:
    no clusters at all. A cluster without edges (no rows, or only
    isolated ones) counts as all cut: a partition that cannot fill its
    clusters does not show the graph's."""
    edges = sparse.coo_matrix(graph)
    heads, tails = labels[edges.row], labels[edges.col]
    volume = np.bincount(heads, weights=edges.data, minlength=n_clusters)
    leaving = np.bincount(heads, weights=edges.data * (heads != tails), minlength=n_clusters)
    share = np.divide(leaving, volume, out=np.ones(n_clusters), where=volume > 0)
    return float(np.mean(share))


def _unit_rows(coordinates):
    norms = np.linalg.norm(coordinates, axis=1, keepdims=True)
    return coordinates / np.where(norms > 0, norms, 1.0)


def layout_room(graph, coordinates, n_clusters, cluster, rng):
    """The spectral coordinates the layout runs on: all of ``coordinates``
    (:func:`layout_dims` eigenvectors), or their leading ``n_clusters``
    (as unit rows) where the labels ``cluster`` gives those cut more than
    ``_ROOM_MAX_CUT`` of the graph (:func:`normalised_cut`).

    The labels are drawn from a copy of ``rng``, so that the draws which
    follow are those without the check (the check's k-means therefore
    draws the seeds the layout and the final clustering will draw, shifted
    by the layout's one: harmless, as they cluster other coordinates). One
    cluster has no cut.
    """
    if coordinates.shape[1] <= n_clusters or n_clusters < 2:
        return coordinates
    leading = _unit_rows(coordinates[:, :n_clusters])
    centers = cluster(leading, copy.deepcopy(rng))
    labels = ((leading[:, None] - centers[None]) ** 2).sum(-1).argmin(axis=1)
    return leading if normalised_cut(graph, labels, n_clusters) > _ROOM_MAX_CUT else coordinates


def layout_dims(n_clusters):
    """The eigenvectors a layout is given room for: one per cluster, and
    at least ``_LAYOUT_DIMS`` (all of them where the sample has fewer
    rows); :func:`layout_room` keeps one per cluster where the graph has
    no clear clusters."""
    return max(n_clusters, _LAYOUT_DIMS)


def _layout_moves(diff, attract):
    """Each pair's move of its head along ``diff`` (head minus tail): the
    gradient of UMAP's cross-entropy for an edge (``attract``) or a negative
    sample, clipped as UMAP clips it. Coinciding pairs do not move. The
    moves are written over ``diff`` (a temporary of the caller's)."""
    a, b = _LAYOUT_CURVE
    d2 = (diff * diff).sum(dim=1, keepdim=True)
    apart = d2 > 0
    d2 = d2.clamp_min(torch.finfo(diff.dtype).tiny)
    if attract:
        coefficient = -2 * a * b * d2 ** (b - 1) / (a * d2 ** b + 1)
    else:
        coefficient = 2 * b / ((1e-3 + d2) * (a * d2 ** b + 1))
    # a coinciding pair's diff is zero: a zero coefficient keeps its move
    # zero without a where() over the whole (pairs, d) array
    moves = diff.mul_(coefficient.masked_fill_(~apart, 0.0))
    return moves.clamp_(-_LAYOUT_CLIP, _LAYOUT_CLIP)


def layout_coordinates(graph, coordinates, rng, n_epochs=None):
    """The coordinates moved to lay out the graph, as UMAP lays out its own.

    UMAP (McInnes, Healy and Melville, 2018) starts from a spectral
    embedding of its graph and moves it by stochastic gradient steps on a
    cross-entropy between the graph and the coordinates: each edge pulls
    its ends together (as much as its weight says, by sampling the edge
    once every ``max_weight / weight`` passes), and five random rows per
    edge sample push its head away. On wide samples this sharpens the
    clusters the spectral coordinates hold, which the start's labels then
    follow (``experiments/graph_layout/`` has the sets it helps and the two
    it does not). UMAP itself is not a dependency (an
    optional peer of the benchmark only); this is its layout step, each
    pass's moves computed from the pass's start and applied together, so
    that it runs as a few tensor operations a pass.

    Parameters
    ----------
    graph : sparse matrix of shape (n, n)
        Symmetric, non-negative (:func:`knn_graph`).
    coordinates : ndarray of shape (n, d)
        Where the layout starts (:func:`spectral_coordinates`), scaled to a
        largest magnitude of ``_LAYOUT_SCALE`` as UMAP scales its start.
    rng : numpy.random.RandomState
        Draws the seed of the negative samples.
    n_epochs : int, default=None
        Passes; None is ``_LAYOUT_EPOCHS``, 0 returns the coordinates as
        given. Edges lighter than ``1 / n_epochs`` of the heaviest are never
        sampled (UMAP's rule).

    Returns
    -------
    coordinates : ndarray of shape (n, d), float64
        A new array.
    """
    n_epochs = _LAYOUT_EPOCHS if n_epochs is None else n_epochs
    edges = sparse.coo_matrix(graph)
    weights = edges.data.astype(np.float64)
    if n_epochs < 1 or len(weights) == 0 or not (np.isfinite(weights).all()
                                                  and weights.max() > 0):
        return np.array(coordinates, dtype=np.float64)
    kept = weights >= weights.max() / n_epochs
    head = torch.from_numpy(edges.row[kept].astype(np.int64))
    tail = torch.from_numpy(edges.col[kept].astype(np.int64))
    period = torch.from_numpy(weights.max() / weights[kept])  # passes between samples
    due = period.clone()
    Y = torch.from_numpy(np.array(coordinates, dtype=np.float64))
    largest = Y.abs().max()
    if largest > 0:
        Y = Y * (_LAYOUT_SCALE / largest)
    generator = torch.Generator().manual_seed(draw_seed(rng))
    n = len(Y)
    block_edges = max(1, _LAYOUT_BLOCK // (_LAYOUT_NEGATIVES * max(1, Y.shape[1])))
    for epoch in range(n_epochs):
        rate = 1.0 - epoch / n_epochs  # UMAP's linearly falling rate
        sampled = due <= epoch + 1
        due[sampled] += period[sampled]
        i, j = head[sampled], tail[sampled]
        ends = Y[i]
        pull = _layout_moves(ends - Y[j], attract=True)
        pushed = i.repeat_interleave(_LAYOUT_NEGATIVES)
        others = torch.randint(0, n, (len(pushed),), generator=generator)
        moves = torch.zeros_like(Y)
        moves.index_add_(0, i, pull)
        moves.index_add_(0, j, -pull)
        for lo in range(0, len(i), block_edges):
            hi = min(lo + block_edges, len(i))
            negatives = slice(lo * _LAYOUT_NEGATIVES, hi * _LAYOUT_NEGATIVES)
            # each edge's head against its negatives, broadcast rather than copied
            drawn = Y[others[negatives]].view(hi - lo, _LAYOUT_NEGATIVES, -1)
            push = _layout_moves((ends[lo:hi, None] - drawn).view(-1, Y.shape[1]), attract=False)
            moves.index_add_(0, pushed[negatives], push)
        Y = Y + rate * moves
    return Y.numpy()


def graph_labels(features, n_clusters, cluster, rng, layout=0):
    """Labels of the rows of ``features`` by their neighbour graph.

    Parameters
    ----------
    features : ndarray of shape (n_samples, n_features)
        The rows, in the space neighbours are searched in.
    n_clusters : int
    cluster : callable
        ``cluster(coordinates, rng)`` returns centers of shape
        ``(n_clusters, coordinates.shape[1])``: the start's balanced
        k-means, so that the labels' sizes match the prior as a k-means
        start's do.
    rng : numpy.random.RandomState
    layout : int or callable, default=0
        Passes of :func:`layout_coordinates` over the spectral coordinates
        before they are clustered; 0: none. A callable is given the number
        of distinct rows and returns the passes (:func:`layout_passes`,
        whose ``"auto"`` counts the rows per cluster the graph has). Laid
        out, the coordinates are the leading :func:`layout_dims`
        eigenvectors, or ``n_clusters`` of them where the graph has no
        clear clusters (:func:`layout_room`); otherwise ``n_clusters``.

    Returns
    -------
    labels : ndarray of shape (n_samples,)
    """
    # duplicated rows are one point of the graph, labelled together
    distinct, inverse = np.unique(features, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if len(distinct) <= n_clusters:  # one point a cluster: nothing to decide
        return inverse
    graph = knn_graph(distinct, _GRAPH_NEIGHBORS)
    if callable(layout):
        layout = layout(len(distinct))
    dims = layout_dims(n_clusters) if layout else n_clusters
    coordinates = spectral_coordinates(graph, dims, rng)
    if layout:
        coordinates = layout_room(graph, coordinates, n_clusters, cluster, rng)
        coordinates = layout_coordinates(graph, coordinates, rng, n_epochs=layout)
    centers = cluster(coordinates, rng)
    gaps = ((coordinates[:, None] - centers[None]) ** 2).sum(-1)
    return gaps.argmin(axis=1)[inverse]


def fit_to_labels(module, X, labels, *, optimizer, options, lr, batch_size, device, rng,
                  steps=None, keep_state=False):
    """Train ``module`` (encoder and centroids) to predict ``labels``.

    The loss is the training's own, the mean assigned cost ``D[i, y_i]``,
    plus the cross-entropy of the model's posterior ``softmax(-D)``
    against the labels. The cost alone could be met by shrinking the
    embedding onto one point; the cross-entropy alone by stretching it
    along the axes between centroids, far beyond them, which leaves
    training a spread it undoes by reshuffling the labels. Together they
    give compact clusters apart from each other, the state a k-means start
    gives.

    Parameters
    ----------
    module : ClusterModule
        On ``device``; trained in place.
    X : Tensor of shape (n_samples, \\*sample_shape)
        The labelled rows, on the CPU.
    labels : ndarray of shape (n_samples,)
    optimizer : type
        A ``torch.optim.Optimizer`` class, built afresh over the module.
    options : dict
        Its keyword arguments (without the ``optimizer__`` prefix).
    lr : float
    batch_size : int
    device : torch.device
    rng : numpy.random.RandomState
        Draws the batch order and the seed of torch's RNG for the passes.
    steps : int, default=None
        The most optimisation steps; None is ``_FIT_STEPS``. Fewer are made
        when a pass over X already gave ``_FIT_AGREEMENT`` of its rows
        their label.
    keep_state : bool, default=False
        Leave the optimizer's state of each parameter (Adam's moments and
        step count) on the module as ``start_optimizer_state``, for
        training's optimizer to go on from
        (:func:`hardclust._optimizers.carry_state`).

    Returns
    -------
    loss : float
        The last batch's loss (assigned cost plus cross-entropy); NaN when
        X has fewer than two rows and nothing was trained.
    """
    steps = steps or _FIT_STEPS
    if len(X) < 2:  # no batch to train on (BatchNorm needs two rows)
        return float("nan")
    optimizer = build_optimizer(optimizer, module.named_parameters(), lr, options)
    targets = torch.as_tensor(labels, dtype=torch.long)
    n = len(X)
    # at least 2 rows a batch: BatchNorm in training mode needs them
    size = max(2, min(batch_size, n))
    modes = [(m, m.training) for m in module.modules()]
    module.train()
    loss, done, agreement = torch.tensor(float("nan")), 0, 0.0
    with seeded(draw_seed(rng), device), explain_batchnorm_failure():
        while done < steps and agreement < _FIT_AGREEMENT:
            order = torch.from_numpy(rng.permutation(n))
            agreed = seen = 0
            for start in range(0, n - size + 1, size):
                rows = order[start:start + size]
                costs = module.head(module.encoder(X[rows].to(device, non_blocking=True)),
                                    output="costs")
                target = targets[rows].to(device)
                assigned = costs.gather(1, target[:, None]).mean()
                loss = torch.nn.functional.cross_entropy(-costs, target) + assigned
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                agreed += int((costs.detach().argmin(dim=1) == target).sum())
                seen += len(rows)
                done += 1
                if done == steps:
                    break
            agreement = agreed / seen
    for m, training in modes:
        m.training = training
    if keep_state:
        module.start_optimizer_state = {p: optimizer.state[p] for p in module.parameters()
                                        if p in optimizer.state}
    return finite_loss(loss, "fitting the model to the neighbour graph's labels")

"""Plots of a clustering: training history, cluster sizes, embedding, images.

Needs matplotlib (``pip install 'hardclust[plot]'``); it is imported on first
use, so the rest of hardclust works without it. Every function draws on the
``ax`` (or figure) it is given, or a new one, and returns it, so plots can be
composed and saved by the caller (``fig.savefig("clusters.png")``).
"""

import numpy as np

__all__ = ["plot_history", "plot_cluster_sizes", "plot_embedding", "plot_montage"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "hardclust.plotting needs matplotlib: pip install 'hardclust[plot]'"
        ) from exc
    return plt


def plot_history(model, axes=None):
    """Training loss and cluster sizes, per epoch.

    Parameters
    ----------
    model : OnlineHardClustering
        A fitted model (its ``history_`` is read).
    axes : sequence of two matplotlib Axes, default=None
        Where to draw the loss and the sizes; a new 1x2 figure if None.

    Returns
    -------
    axes : ndarray of two Axes

    Raises
    ------
    ValueError
        If the model has no history: it is not fitted, or it was loaded by
        ``OnlineHardClustering.load`` (whose files keep no history) and has
        not been trained since.

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust import OnlineHardClustering
    >>> from hardclust.plotting import plot_history
    >>> X = np.random.RandomState(0).normal(size=(100, 3))
    >>> model = OnlineHardClustering(n_clusters=2, max_epochs=3, random_state=0).fit(X)
    >>> axes = plot_history(model)
    >>> axes[0].get_ylabel(), axes[1].get_ylabel()
    ('training loss', 'points per cluster')
    """
    try:
        history = model.history_
    except AttributeError as exc:  # unfitted, or loaded from a file: the reason is named
        raise ValueError(f"plot_history needs the training history. {exc}") from exc
    plt = _pyplot()
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5), constrained_layout=True)
    epochs = np.arange(1, len(history) + 1)
    axes[0].plot(epochs, history[:, "train_loss"], marker="o")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("training loss")
    axes[0].set_title("Loss (mean assigned cost)")
    sizes = np.array(history[:, "cluster_sizes"])
    axes[1].stackplot(epochs, sizes.T, labels=[str(k) for k in range(sizes.shape[1])])
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("points per cluster")
    empty = np.array(history[:, "n_empty"])
    title = "Nearest-centroid cluster sizes"
    if empty.any():
        title += f" ({empty[-1]} empty at the end)"
    axes[1].set_title(title)
    from matplotlib.ticker import MaxNLocator

    for ax in axes[:2]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if sizes.shape[1] <= 12:
        axes[1].legend(title="cluster", fontsize="small", ncols=2, loc="upper right")
    return np.asarray(axes)


def plot_cluster_sizes(labels, n_clusters=None, ax=None):
    """Bar chart of how many points each cluster holds.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Cluster labels, for example ``model.labels_``.
    n_clusters : int, default=None
        Number of bars (empty clusters show as zero); ``labels.max() + 1`` if
        None.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from hardclust.plotting import plot_cluster_sizes
    >>> ax = plot_cluster_sizes([0, 0, 2], n_clusters=4)
    >>> [int(bar.get_height()) for bar in ax.patches]
    [2, 0, 1, 0]
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), constrained_layout=True)
    labels = np.asarray(labels)
    n_clusters = int(labels.max()) + 1 if n_clusters is None else n_clusters
    counts = np.bincount(labels, minlength=n_clusters)
    colors = plt.get_cmap("tab10" if n_clusters <= 10 else "tab20")(
        np.arange(n_clusters) % 20)
    ax.bar(np.arange(n_clusters), counts, color=colors)
    ax.set_xticks(np.arange(n_clusters))
    ax.set_xlabel("cluster")
    ax.set_ylabel("points")
    ax.set_title(f"Cluster sizes ({int((counts == 0).sum())} empty)")
    return ax


def plot_embedding(model, X, labels=None, method="pca", max_points=5000,
                   random_state=0, ax=None):
    """2-D map of the latent space, coloured by cluster.

    Parameters
    ----------
    model : OnlineHardClustering
        A fitted model; ``model.transform(X)`` gives the embedding.
    X : array-like
        Data to embed, shaped like the training data (a DataFrame is
        passed on as one, so its column names are checked).
    labels : array-like of shape (n_samples,), default=None
        Groups to colour, one colour each, named in the legend;
        ``model.predict(X)`` if None (pass true classes to compare).
    method : {"pca", "tsne"}, default="pca"
        Projection to 2-D. Centroids are drawn as black crosses with "pca".
    max_points : int, default=5000
        Random subset drawn for readability (and t-SNE's cost).
    random_state : int, default=0
        Seeds the subset and t-SNE.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust import OnlineHardClustering
    >>> from hardclust.plotting import plot_embedding
    >>> X = np.random.RandomState(0).normal(size=(100, 3))
    >>> model = OnlineHardClustering(n_clusters=2, max_epochs=3, random_state=0).fit(X)
    >>> plot_embedding(model, X).get_title()
    'Embedding (PCA), coloured by cluster'
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from sklearn.utils import _safe_indexing

    plt = _pyplot()
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5), constrained_layout=True)
    rng = np.random.RandomState(random_state)
    n_samples = len(X)
    rows = np.sort(rng.choice(n_samples, min(n_samples, max_points), replace=False))
    subset = _safe_indexing(X, rows)  # a DataFrame stays one: its column names are checked
    Z = model.transform(subset)
    colours = model.predict(subset) if labels is None else np.asarray(labels)[rows]
    if method == "pca":
        pca = PCA(n_components=2, random_state=random_state).fit(Z)
        points = pca.transform(Z)
        centers = pca.transform(model.cluster_centers_)
    else:
        points = TSNE(n_components=2, random_state=random_state,
                      init="pca").fit_transform(Z)
        centers = None
    _scatter_by_group(ax, points, colours, plt)
    if centers is not None:
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", c="black", s=60,
                   label="centroids")
    ax.legend(title="cluster" if labels is None else "label", loc="best",
              fontsize="small", markerscale=3, ncols=1 + len(np.unique(colours)) // 12)
    ax.set_title(f"Embedding ({method.upper() if method == 'pca' else 't-SNE'}), "
                 f"coloured by {'cluster' if labels is None else 'label'}")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _scatter_by_group(ax, points, groups, plt):
    """One scatter per group, in a categorical palette, each named in the legend:
    cluster ids are categories, not a scale."""
    values = np.unique(groups)
    palette = plt.get_cmap("tab10" if len(values) <= 10 else "tab20")
    for i, value in enumerate(values):
        members = groups == value
        ax.scatter(points[members, 0], points[members, 1], s=4, color=palette(i % palette.N),
                   label=str(value))


def plot_montage(images, labels, n_per_cluster=8, random_state=0, fig=None):
    """A row of sample images per cluster.

    Parameters
    ----------
    images : array-like of shape (n_samples, H, W) or (n_samples, 1, H, W)
        Grey-scale images (flat rows of square images are reshaped).
    labels : array-like of shape (n_samples,)
        Cluster of each image.
    n_per_cluster : int, default=8
        Images per row, drawn at random from the cluster.
    random_state : int, default=0
    fig : matplotlib Figure, default=None

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust.plotting import plot_montage
    >>> images = np.random.RandomState(0).rand(20, 8, 8)
    >>> fig = plot_montage(images, np.arange(20) % 2, n_per_cluster=3)
    >>> len(fig.axes)
    6
    """
    plt = _pyplot()
    images = np.asarray(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError("flat images must be square; pass (n, H, W) images.")
        images = images.reshape(len(images), side, side)
    images = images.reshape(len(images), *images.shape[-2:])
    labels = np.asarray(labels)
    clusters = np.unique(labels)
    rng = np.random.RandomState(random_state)
    if fig is None:
        fig = plt.figure(figsize=(n_per_cluster * 0.9, len(clusters) * 0.95),
                         constrained_layout=True)
    axes = fig.subplots(len(clusters), n_per_cluster, squeeze=False)
    for row, cluster in zip(axes, clusters):
        members = np.flatnonzero(labels == cluster)
        picks = rng.choice(members, min(len(members), n_per_cluster), replace=False)
        for col, ax in enumerate(row):
            ax.set_xticks([])
            ax.set_yticks([])
            if col < len(picks):
                ax.imshow(images[picks[col]], cmap="gray_r")
            else:
                ax.axis("off")
        row[0].set_ylabel(f"{cluster}\n({len(members)})", rotation=0, ha="right",
                          va="center", fontsize="small")
    fig.suptitle("Sample images per cluster (cluster, size)")
    return fig

"""Scaling out with dask (optional: ``pip install 'hardclust[dask]'``).

Two paths, both on existing engines rather than a scheduler of our own:

- **Larger-than-memory data**: :func:`partial_fit_blocks` streams the row
  blocks of a ``dask.array`` through ``partial_fit``, computing one block at
  a time, so memory holds one block and the model. dask-ml's
  ``Incremental`` wrapper works too (tested with dask-ml 2025.1 and
  scikit-learn 1.9): ``Incremental(OnlineHardClustering(...),
  shuffle_blocks=True).fit(X)``, then ``.predict(X)`` returns a dask array.
- **Grid searches on a cluster**: scikit-learn parallelises ``GridSearchCV``
  through joblib, and joblib runs on a ``dask.distributed`` cluster with
  ``joblib.parallel_config(backend="dask")`` once a ``Client`` is connected;
  nothing hardclust-specific is needed::

      from dask.distributed import Client
      import joblib
      client = Client("scheduler-address:8786")   # or Client(LocalCluster())
      with joblib.parallel_config(backend="dask"):
          GridSearchCV(OnlineHardClustering(), grid, n_jobs=-1).fit(X)

  Set ``device="cpu"`` (or make sure every worker has a GPU) when fitting on
  workers, and give each worker one thread per process so torch does not
  oversubscribe cores.
"""

import numpy as np

__all__ = ["partial_fit_blocks"]


def partial_fit_blocks(model, X, *, passes=1, shuffle=True, random_state=None):
    """Train ``model`` with ``partial_fit`` over the row blocks of a dask array.

    Each block is computed (read from disk, generated, ...) only when it is
    fed, so the whole array never sits in memory.

    Parameters
    ----------
    model : estimator with ``partial_fit``
        Typically an :class:`~hardclust.OnlineHardClustering`; trained in
        place.
    X : dask.array.Array of shape (n_samples, ...)
        Chunked along the first axis; blocks that split the other axes are
        merged (``rechunk``) so each block holds whole samples.
    passes : int, default=1
        Passes over all blocks.
    shuffle : bool, default=True
        Visit the blocks in a new random order at each pass (samples within
        a block are shuffled by ``partial_fit`` itself).
    random_state : int, RandomState instance or None, default=None
        Seeds the block order.

    Returns
    -------
    model : the same estimator, trained.

    Examples
    --------
    >>> import dask.array as da
    >>> from hardclust import OnlineHardClustering
    >>> from hardclust.dask import partial_fit_blocks
    >>> X = da.random.RandomState(0).normal(size=(1000, 4), chunks=(250, 4))
    >>> model = partial_fit_blocks(OnlineHardClustering(n_clusters=2, random_state=0),
    ...                            X, passes=2, random_state=0)
    >>> model.n_iter_  # 4 blocks x 2 passes
    8
    """
    from sklearn.utils import check_random_state

    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "partial_fit_blocks needs dask: pip install 'hardclust[dask]'"
        ) from exc
    if not isinstance(X, da.Array):
        raise TypeError(
            f"X must be a dask.array.Array, got {type(X).__name__}; for numpy "
            "data call model.partial_fit (or fit) directly."
        )
    if isinstance(passes, bool) or not isinstance(passes, (int, np.integer)) or passes < 1:
        raise ValueError(f"passes must be a positive int, got {passes!r}.")
    if any(len(chunks) > 1 for chunks in X.chunks[1:]):
        X = X.rechunk({axis: -1 for axis in range(1, X.ndim)})
    rng = check_random_state(random_state)
    blocks = X.to_delayed().reshape(-1)
    for _ in range(passes):
        order = rng.permutation(len(blocks)) if shuffle else np.arange(len(blocks))
        for index in order:
            model.partial_fit(np.asarray(blocks[index].compute()))
    return model

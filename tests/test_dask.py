"""Scaling out on dask: block-wise training and grid search on a cluster."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV

from hardclust import OnlineHardClustering, SmallFirstChunkWarning
from hardclust.dask import partial_fit_blocks

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")


def test_partial_fit_blocks_trains_one_block_at_a_time(blobs):
    X, y = blobs
    dX = da.from_array(X, chunks=(60, 3))  # also split along features
    with pytest.warns(SmallFirstChunkWarning, match="has 60 rows"):  # one block
        model = partial_fit_blocks(OnlineHardClustering(n_clusters=4, random_state=0), dX,
                                   passes=15, random_state=0)
    assert model.n_iter_ == 15 * 5
    assert adjusted_rand_score(y, model.predict(X)) > 0.95


def test_partial_fit_blocks_rejects_numpy_and_bad_passes(blobs):
    X, _ = blobs
    with pytest.raises(TypeError, match="dask.array"):
        partial_fit_blocks(OnlineHardClustering(), X)
    with pytest.raises(ValueError, match="passes"):
        partial_fit_blocks(OnlineHardClustering(), da.from_array(X), passes=0)


def test_grid_search_on_local_dask_cluster_matches_serial(blobs):
    import joblib

    X, y = blobs
    search = GridSearchCV(
        OnlineHardClustering(n_clusters=4, max_epochs=5, device="cpu", random_state=0),
        {"sigma": [1.0, 100.0]}, scoring="adjusted_rand_score", cv=2, n_jobs=-1,
    )
    serial = GridSearchCV(**{**search.get_params(deep=False), "n_jobs": 1}).fit(X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with joblib.parallel_config(backend="dask"):
            search.fit(X, y)
        assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               serial.cv_results_["mean_test_score"])
    assert search.best_params_ == serial.best_params_


def test_dask_ml_incremental_trains_block_by_block(blobs):
    dask_ml = pytest.importorskip("dask_ml.wrappers")
    X, y = blobs
    dX = da.from_array(X, chunks=(60, 6))
    wrapped = dask_ml.Incremental(OnlineHardClustering(n_clusters=4, random_state=0),
                                  shuffle_blocks=True, random_state=0)
    with pytest.warns(SmallFirstChunkWarning, match="has 60 rows"):  # one block
        wrapped.partial_fit(dX)
    for _ in range(14):  # each fit call is one pass over the blocks
        wrapped.partial_fit(dX)
    assert wrapped.estimator_.n_iter_ == 15 * 5
    assert adjusted_rand_score(y, wrapped.predict(dX).compute()) > 0.95

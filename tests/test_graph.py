"""The start from the neighbour graph (init="graph"): graph, labels, fit."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_moons
from sklearn.metrics import adjusted_rand_score

from hardclust import OnlineHardClustering
from hardclust._graph import (fit_to_labels, graph_labels, knn_graph, layout_coordinates,
                              layout_dims, layout_passes, layout_room, normalised_cut,
                              sample_rows, spectral_coordinates)
from hardclust._initialization import balanced_kmeans
from hardclust._model import ClusterModule
from hardclust.encoders import make_encoder


def _moons(n=400, seed=0):
    X, y = make_moons(n, noise=0.05, random_state=seed)
    return X.astype(np.float32), y


def _cluster(k):
    return lambda points, rng: balanced_kmeans(points, k, np.full(k, -np.log(k)), rng)


def test_knn_graph_is_symmetric_and_weighs_by_each_rows_own_scale():
    X, _ = _moons(60)
    graph = knn_graph(X, 8)
    assert (graph != graph.T).nnz == 0
    assert np.all(np.diff(graph.indptr) >= 8)  # each row keeps its 8 neighbours
    assert graph.diagonal().sum() == 0  # no row is its own neighbour
    # exp(-d^2 / (s_i s_j)), s the distance to the 7th neighbour
    d = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    scale = np.sort(d, axis=1)[:, 7]  # column 0 is the row itself
    i, j = graph.nonzero()
    np.testing.assert_allclose(np.asarray(graph[i, j]).ravel(),
                               np.exp(-d[i, j] ** 2 / (scale[i] * scale[j])), rtol=1e-5)


def test_duplicated_rows_are_one_point_of_the_graph():
    # A table with many repeated rows (the biopsy table's) left rows with no
    # scale of their own; merged, each copy gets its original's label.
    rng = np.random.RandomState(0)
    base = np.concatenate([rng.normal(0, 0.3, (40, 3)), rng.normal(5, 0.3, (40, 3))])
    X = np.repeat(base, 6, axis=0)
    labels = graph_labels(X, 2, _cluster(2), np.random.RandomState(0))
    assert adjusted_rand_score(np.repeat(np.arange(80) // 40, 6), labels) == 1.0
    assert np.all(labels.reshape(80, 6) == labels.reshape(80, 6)[:, :1])


def test_graph_labels_follow_the_manifold_where_kmeans_cannot():
    X, y = _moons()
    labels = graph_labels(X, 2, _cluster(2), np.random.RandomState(0))
    assert adjusted_rand_score(y, labels) == 1.0
    centers = _cluster(2)(X.astype(np.float64), np.random.RandomState(0))
    kmeans = ((X[:, None] - centers[None]) ** 2).sum(-1).argmin(1)
    assert adjusted_rand_score(y, kmeans) < 0.6


def test_spectral_step_finds_the_components_of_a_disconnected_graph():
    # Five far groups: the k-NN graph falls apart into components, which
    # the regularised step must still label one by one.
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.normal(10 * k, 0.3, (40, 3)) for k in range(5)])
    truth = np.repeat(np.arange(5), 40)
    coordinates = spectral_coordinates(knn_graph(X, 10), 5, np.random.RandomState(1))
    assert np.all(np.isfinite(coordinates))
    np.testing.assert_allclose(np.linalg.norm(coordinates, axis=1), 1.0, rtol=1e-6)
    labels = graph_labels(X, 5, _cluster(5), np.random.RandomState(1))
    assert adjusted_rand_score(truth, labels) == 1.0


def _neighbour_ratio(graph, Y):
    """Mean distance across the graph's edges over the mean across all pairs."""
    i, j = graph.nonzero()
    edges = np.linalg.norm(Y[i] - Y[j], axis=1).mean()
    return edges / np.linalg.norm(Y[:, None] - Y[None], axis=-1).mean()


def test_layout_pulls_the_graphs_neighbours_together_reproducibly():
    X, _ = _moons(300)
    graph = knn_graph(X, 10)
    start = np.random.RandomState(0).normal(size=(300, 4))  # far from the graph's layout
    Y = layout_coordinates(graph, start, np.random.RandomState(1))
    assert Y.shape == (300, 4) and Y.dtype == np.float64 and np.all(np.isfinite(Y))
    assert _neighbour_ratio(graph, Y) < 0.5 * _neighbour_ratio(graph, start)
    np.testing.assert_array_equal(Y, layout_coordinates(graph, start, np.random.RandomState(1)))
    assert not np.array_equal(Y, layout_coordinates(graph, start, np.random.RandomState(2)))
    assert start[0, 0] == np.random.RandomState(0).normal(size=(300, 4))[0, 0]  # input untouched


def test_layout_of_coinciding_rows_or_an_empty_graph_stays_finite():
    from scipy import sparse
    graph = sparse.csr_matrix(np.ones((4, 4)) - np.eye(4))
    Y = layout_coordinates(graph, np.zeros((4, 2)), np.random.RandomState(0))
    np.testing.assert_array_equal(Y, np.zeros((4, 2)))  # nothing tells them apart
    start = np.arange(8.0).reshape(4, 2)
    np.testing.assert_array_equal(
        layout_coordinates(sparse.csr_matrix((4, 4)), start, np.random.RandomState(0)), start)


def test_layout_in_blocks_is_the_layout_and_bad_graphs_are_left_alone(monkeypatch):
    from scipy import sparse
    from hardclust import _graph
    X, _ = _moons(300)
    graph = knn_graph(X, 10)
    start = np.random.RandomState(0).normal(size=(300, 4))
    whole = layout_coordinates(graph, start, np.random.RandomState(1))
    monkeypatch.setattr(_graph, "_LAYOUT_BLOCK", 64)  # many clusters' memory bound
    np.testing.assert_allclose(layout_coordinates(graph, start, np.random.RandomState(1)),
                               whole, rtol=0, atol=1e-4)  # rounding only
    nan = sparse.csr_matrix(np.array([[0.0, np.nan], [np.nan, 0.0]]))
    for bad, passes in [(nan, None), (sparse.csr_matrix((2, 2)), None), (graph, 0)]:
        given = start[:bad.shape[0]]
        out = layout_coordinates(bad, given, np.random.RandomState(0), n_epochs=passes)
        np.testing.assert_array_equal(out, given)
        assert out is not given  # a new array, as from a layout


def test_auto_lays_out_wide_samples_only():
    for shape in ((64,), (1, 28, 28), (3, 100)):
        assert layout_passes("auto", shape, 1000, 10) == 50
    for shape in ((50,), (4,), (5, 10)):
        assert layout_passes("auto", shape, 1000, 10) == 0
    assert layout_passes(0, (1, 28, 28), 1000, 10) == 0
    assert layout_passes(7, (4,), 1000, 10) == 7
    # ten rows a cluster at least (a row's graph neighbours); asked for, always
    assert layout_passes("auto", (64,), 100, 10) == 50
    assert layout_passes("auto", (64,), 99, 10) == 0
    assert layout_passes(50, (64,), 12, 3) == 50


def test_auto_leaves_tiny_wide_samples_unlaid():
    # three well-separated blobs of 100 values, four to seven rows each:
    # most of a row's ten graph edges leave its blob, and the layout, which
    # pulls along them, merges blobs the spectral coordinates keep apart
    rng = np.random.RandomState(0)
    centers = rng.normal(0, 5, (3, 100))
    torn = 0
    for n in (12, 15, 18, 21):
        truth = np.arange(n) % 3
        X = (centers[truth] + rng.normal(size=(n, 100))).astype(np.float32)
        assert layout_passes("auto", X.shape[1:], n, 3) == 0
        for seed in range(3):
            auto = graph_labels(X, 3, _cluster(3), np.random.RandomState(seed),
                                layout=layout_passes("auto", X.shape[1:], n, 3))
            assert adjusted_rand_score(truth, auto) == 1.0, (n, seed)
            laid = graph_labels(X, 3, _cluster(3), np.random.RandomState(seed), layout=50)
            torn += adjusted_rand_score(truth, laid) < 1.0
    assert torn >= 6  # what the rule avoids (all 12 when written)
    # duplicated rows are one row of the graph: ten copies of 12 rows are 12
    X = np.tile((centers[np.arange(12) % 3] + rng.normal(size=(12, 100))).astype(np.float32),
                (10, 1))
    truth = np.tile(np.arange(12) % 3, 10)
    for seed in range(3):
        auto = graph_labels(X, 3, _cluster(3), np.random.RandomState(seed),
                            layout=lambda n: layout_passes("auto", X.shape[1:], n, 3))
        assert adjusted_rand_score(truth, auto) == 1.0, seed


@pytest.mark.filterwarnings("ignore::hardclust.exceptions.ClusterCollapseWarning")  # 18 of 3 blobs
def test_graph_start_makes_the_layout_passes_asked_for(monkeypatch):
    from hardclust import _graph
    calls, dims = [], []
    real_layout, real_spectral = _graph.layout_coordinates, _graph.spectral_coordinates
    monkeypatch.setattr(_graph, "layout_coordinates",
                        lambda *a, **k: calls.append((a[1].shape, k["n_epochs"]))
                        or real_layout(*a, **k))
    monkeypatch.setattr(_graph, "spectral_coordinates",
                        lambda g, n, r: dims.append(n) or real_spectral(g, n, r))
    rng = np.random.RandomState(0)
    blob = np.arange(120) % 3  # three clusters: the room is kept (see layout_room)
    narrow = (rng.normal(0, 5, (3, 6))[blob] + rng.normal(size=(120, 6))).astype(np.float32)
    wide = np.repeat(narrow, 10, axis=1) + rng.normal(0, 0.1, (120, 60)).astype(np.float32)
    noise = rng.normal(size=(120, 60)).astype(np.float32)
    # laid out, the coordinates are at least _LAYOUT_DIMS eigenvectors; else one per cluster
    room = _graph._LAYOUT_DIMS
    for X, passes, expected, n_dims in [(narrow, "auto", [], 3),
                                        (wide, "auto", [((120, room), 50)], room),
                                        (wide, 0, [], 3), (narrow, 7, [((120, room), 7)], room),
                                        (wide[:29], "auto", [], 3),  # under 10 rows a cluster
                                        (wide[:30], "auto", [((30, room), 50)], room),
                                        # no clusters: laid out in one dimension per cluster
                                        (noise, "auto", [((120, 3), 50)], room),
                                        # 12 distinct rows ten times: too few to lay out
                                        (np.tile(wide[:12], (10, 1)), "auto", [], 3)]:
        calls.clear(), dims.clear()
        OnlineHardClustering(3, layout_passes=passes, max_epochs=1, random_state=0).fit(X)
        assert calls == expected, (X.shape, passes)
        assert dims == [n_dims], (X.shape, passes)
    calls.clear()  # the other starts have no graph to lay out
    OnlineHardClustering(3, init="k-means", layout_passes=7, max_epochs=1, random_state=0).fit(X)
    assert calls == []
    dims.clear()  # more clusters than that: one eigenvector per cluster
    OnlineHardClustering(room + 2, max_epochs=1, random_state=0).fit(np.tile(wide, (2, 1)))
    assert dims == [room + 2]


def test_normalised_cut_is_the_share_of_each_clusters_edge_weight_that_leaves_it():
    from scipy import sparse

    # two triangles joined by one edge of weight 0.5: each cluster has a
    # volume of 6 + 0.5 and sends 0.5 away
    edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]
    rows, cols = zip(*edges)
    graph = sparse.coo_matrix((np.ones(6), (rows, cols)), shape=(6, 6)).tolil()
    graph[2, 3] = 0.5
    graph = graph.tocsr()
    graph = graph.maximum(graph.T)
    assert normalised_cut(graph, np.array([0, 0, 0, 1, 1, 1]), 2) == pytest.approx(0.5 / 6.5)
    assert normalised_cut(graph, np.zeros(6, dtype=int), 1) == 0.0
    # every edge cut: all of each cluster's weight leaves it
    assert normalised_cut(graph, np.array([0, 1, 2, 0, 1, 2]), 3) == pytest.approx(1.0)
    # a cluster the partition leaves empty counts as all cut, not as separated
    assert normalised_cut(graph, np.array([0, 0, 0, 1, 1, 1]), 3) == pytest.approx(
        (2 * 0.5 / 6.5 + 1.0) / 3)


def test_the_room_is_taken_away_where_the_graph_has_no_clusters():
    rng = np.random.RandomState(0)
    truth = np.arange(300) % 3
    blobs = (rng.normal(0, 5, (3, 100))[truth] + rng.normal(size=(300, 100)))
    noise = rng.normal(size=(300, 100))  # no clusters: any 3-way partition cuts much
    for X, kept in ((blobs, True), (noise, False)):
        graph = knn_graph(X, 10)
        coordinates = spectral_coordinates(graph, 16, np.random.RandomState(0))
        draws = np.random.RandomState(1)
        room = layout_room(graph, coordinates, 3, _cluster(3), draws)
        if kept:
            assert room is coordinates
        else:
            assert room.shape == (300, 3)
            np.testing.assert_allclose(np.linalg.norm(room, axis=1), 1.0)
            assert np.allclose(room * np.linalg.norm(coordinates[:, :3], axis=1, keepdims=True),
                               coordinates[:, :3])
        # the check draws from a copy: what follows draws as without it
        assert draws.randint(1 << 30) == np.random.RandomState(1).randint(1 << 30)
    # as many clusters as eigenvectors, or one cluster: nothing to take away
    assert layout_room(graph, coordinates, 16, _cluster(16), draws) is coordinates
    assert layout_room(graph, coordinates, 1, _cluster(1), draws) is coordinates


def test_the_layout_gets_room_beyond_one_dimension_per_cluster():
    assert layout_dims(3) == 16 and layout_dims(40) == 40
    # three well-separated blobs of wide rows: laid out from their three
    # leading eigenvectors alone they were torn apart (ARI 0.1-0.2)
    rng = np.random.RandomState(0)
    centers = rng.normal(0, 5, (3, 100))
    for n in (32, 48):
        truth = np.arange(n) % 3
        X = (centers[truth] + rng.normal(size=(n, 100))).astype(np.float32)
        for seed in range(3):
            labels = graph_labels(X, 3, _cluster(3), np.random.RandomState(seed), layout=50)
            assert adjusted_rand_score(truth, labels) == 1.0, (n, seed)


@pytest.mark.parametrize("passes", [-1, 2.5, "all", None])
def test_bad_layout_passes_are_refused(passes):
    from sklearn.utils._param_validation import InvalidParameterError
    with pytest.raises(InvalidParameterError, match="layout_passes"):
        OnlineHardClustering(2, layout_passes=passes).fit(_moons(40)[0])


def test_sample_rows_bounds_the_graph():
    rng = np.random.RandomState(0)
    np.testing.assert_array_equal(sample_rows(50, rng, size=100), np.arange(50))
    rows = sample_rows(1000, rng, size=100)
    assert len(rows) == len(np.unique(rows)) == 100 and np.all(np.diff(rows) > 0)


def test_fit_to_labels_makes_the_model_predict_them_and_keeps_its_modes():
    X, y = _moons(300)
    X = torch.from_numpy(X)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        encoder = make_encoder("mlp", (2,), 8)
        centroids = torch.randn(2, 8)
    module = ClusterModule(encoder, centroids, sigma=10.0, log_prior=torch.log(torch.full((2,), .5)))
    module.eval()
    loss = fit_to_labels(module, X, y, optimizer=torch.optim.Adam, options={}, lr=1e-2,
                         batch_size=64, device=torch.device("cpu"),
                         rng=np.random.RandomState(0), steps=300)
    assert np.isfinite(loss)
    assert not any(m.training for m in module.modules())  # as it was
    with torch.no_grad():
        predicted = module.head(module.encoder(X), output="labels").numpy()
    assert np.mean(predicted == y) > 0.95


def test_graph_start_clusters_moons_that_the_kmeans_start_cannot():
    X, y = _moons()
    params = dict(n_clusters=2, max_epochs=3, random_state=0)
    graph = OnlineHardClustering(init="graph", **params).fit(X)
    kmeans = OnlineHardClustering(init="k-means", **params).fit(X)
    assert adjusted_rand_score(y, graph.labels_) > 0.9
    assert adjusted_rand_score(y, kmeans.labels_) < 0.6


def test_graph_start_is_reproducible_and_streams():
    X, _ = _moons()
    a = OnlineHardClustering(2, init="graph", max_epochs=2, random_state=3).fit(X)
    b = OnlineHardClustering(2, init="graph", max_epochs=2, random_state=3).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    torch.testing.assert_close(a.cluster_centers_, b.cluster_centers_, rtol=0, atol=0)
    stream = OnlineHardClustering(2, init="graph", random_state=0)
    for chunk in np.array_split(X, 4):  # the first chunk's graph starts it
        stream.partial_fit(chunk)
    assert len(np.unique(stream.predict(X))) == 2


def test_training_goes_on_from_a_laid_out_starts_optimizer_state():
    rng = np.random.RandomState(0)
    blob = np.arange(120) % 3
    narrow = (rng.normal(0, 5, (3, 6))[blob] + rng.normal(size=(120, 6))).astype(np.float32)
    wide = np.repeat(narrow, 10, axis=1) + rng.normal(0, 0.1, (120, 60)).astype(np.float32)
    for X, passes, carried in [(wide, "auto", True), (wide, 0, False), (narrow, "auto", False),
                               (narrow, 7, True)]:
        model = OnlineHardClustering(3, layout_passes=passes, max_epochs=2,
                                     random_state=0).fit(X)
        module = model._net.module_
        assert "start_optimizer_state" not in vars(module)  # carried once, never pickled
        steps = float(model._net.optimizer_.state[module.centroids]["step"])
        # Adam's step count: the start's fit and training's, or training's alone
        assert (steps > model.n_steps_) == carried, (X.shape, passes)
        assert steps >= model.n_steps_


def test_carry_state_gives_the_optimizer_the_starts_state_once():
    from hardclust._optimizers import carry_state
    a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    start = torch.optim.Adam(a.parameters())
    a(torch.ones(1, 2)).sum().backward()
    start.step()
    a.start_optimizer_state = {p: start.state[p] for p in a.parameters()}
    a.start_optimizer_state[b.weight] = {"step": torch.tensor(9.0)}  # not the optimizer's
    optimizer = torch.optim.Adam(a.parameters())
    carry_state(optimizer, a)
    assert "start_optimizer_state" not in vars(a) and b.weight not in optimizer.state
    for p in a.parameters():
        assert optimizer.state[p]["step"] == 1
        torch.testing.assert_close(optimizer.state[p]["exp_avg"], start.state[p]["exp_avg"])
    carry_state(optimizer, a)  # nothing left: a no-op
    assert len(optimizer.state) == 2


def test_unknown_init_name_is_refused():
    from sklearn.utils._param_validation import InvalidParameterError
    with pytest.raises(InvalidParameterError, match="'init'"):
        OnlineHardClustering(2, init="spectral").fit(_moons(40)[0])


def test_a_diverging_fit_says_what_to_fix():
    X, y = _moons(100)
    X = torch.from_numpy(X * 1e25)  # squared distances overflow float32
    with torch.random.fork_rng():
        torch.manual_seed(0)
        module = ClusterModule(make_encoder("mlp", (2,), 4), torch.randn(2, 4), sigma=1.0,
                               log_prior=torch.log(torch.full((2,), .5)))
    with pytest.raises(FloatingPointError, match="neighbour graph's labels diverged.*lower lr"):
        fit_to_labels(module, X, y, optimizer=torch.optim.Adam, options={}, lr=1e-3,
                      batch_size=50, device=torch.device("cpu"), rng=np.random.RandomState(0),
                      steps=3)


def test_a_spectral_step_that_does_not_converge_names_the_way_out(monkeypatch):
    from scipy.sparse.linalg import ArpackNoConvergence

    import hardclust._graph as graph_module

    def no_convergence(*args, **kwargs):
        raise ArpackNoConvergence("ARPACK error -1: No convergence", np.empty(0), np.empty((0, 0)))

    monkeypatch.setattr(graph_module, "eigsh", no_convergence)
    X, _ = _moons(200)
    model = OnlineHardClustering(2, max_epochs=1, random_state=0)
    with pytest.raises(RuntimeError, match="did not converge.*init='k-means'"):
        model.fit(X)
    assert not hasattr(model, "labels_")  # nothing half-fitted is left

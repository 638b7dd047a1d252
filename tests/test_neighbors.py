"""Neighbour views (n_neighbors): the search, the pairs, and training on them."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback
from threadpoolctl import threadpool_info

from hardclust import OnlineHardClustering
from hardclust._neighbors import input_neighbors, pair_space
from hardclust._batches import ShuffledBatches, TensorDataset
from hardclust._model import pair_costs


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(400, n_features=6, centers=4, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def wide_X(blobs):
    """The blobs' 6 features repeated to 54 values a sample: wide for "auto"."""
    return np.hstack([blobs[0]] * 9)


def _model(**params):
    return OnlineHardClustering(4, **{"max_epochs": 4, "n_neighbors": 5,
                                      "random_state": 0, **params})


def _exact_neighbors(X, k):
    """Each row's k nearest other rows by brute force, as sets."""
    flat = X.reshape(len(X), -1).astype(np.float64)
    distances = ((flat[:, None] - flat[None]) ** 2).sum(-1)
    np.fill_diagonal(distances, np.inf)
    return [set(row) for row in np.argsort(distances, axis=1)[:, :k]]


def test_neighbors_are_the_nearest_other_samples():
    X = np.random.RandomState(0).normal(size=(60, 5)).astype(np.float32)
    neighbors = input_neighbors(torch.from_numpy(X), 4, np.random.RandomState(0))
    assert neighbors.shape == (60, 4) and neighbors.dtype == torch.int64
    assert [set(row) for row in neighbors.tolist()] == _exact_neighbors(X, 4)


def test_wide_inputs_are_searched_by_angle_in_principal_components():
    # rank 10 in 120 dimensions (and so are the unit rows): the projection
    # on 50 components keeps every distance, so the neighbours are the
    # exact ones of the unit rows
    rng = np.random.RandomState(1)
    X = (rng.normal(size=(80, 10)) @ rng.normal(size=(10, 120))).astype(np.float32)
    images = torch.from_numpy(X).reshape(80, 1, 10, 12)
    neighbors = input_neighbors(images, 3, np.random.RandomState(0))
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    assert [set(row) for row in neighbors.tolist()] == _exact_neighbors(unit, 3)
    assert [set(row) for row in neighbors.tolist()] != _exact_neighbors(X, 3)


def test_pair_space_scales_wide_samples_to_unit_length_and_leaves_tables():
    rng = np.random.RandomState(3)
    wide = torch.from_numpy(rng.normal(size=(6, 2, 30)).astype(np.float32))
    wide[2] = 0.0  # an all-zero sample stays at the origin, no NaN
    unit = pair_space(wide)
    assert unit.shape == (6, 60)
    np.testing.assert_allclose(unit.norm(dim=1).numpy(), [1, 1, 0, 1, 1, 1], rtol=1e-6)
    narrow = torch.from_numpy(rng.normal(size=(6, 50)).astype(np.float32))
    assert torch.equal(pair_space(narrow), narrow)


def test_a_wide_samples_neighbours_ignore_its_brightness_a_tables_do_not():
    rng = np.random.RandomState(4)
    for width, invariant in ((64, True), (5, False)):
        X = rng.normal(size=(60, width)).astype(np.float32)
        brightness = rng.uniform(0.2, 5.0, size=(60, 1)).astype(np.float32)
        plain = input_neighbors(torch.from_numpy(X), 4, np.random.RandomState(0))
        scaled = input_neighbors(torch.from_numpy(X * brightness), 4,
                                 np.random.RandomState(0))
        same = [set(a) == set(b) for a, b in zip(plain.tolist(), scaled.tolist())]
        assert all(same) if invariant else not all(same)


def test_large_calls_are_searched_in_random_blocks():
    X = torch.from_numpy(np.random.RandomState(2).normal(size=(25, 3)).astype(np.float32))
    a = input_neighbors(X, 8, np.random.RandomState(0), max_block=10)
    b = input_neighbors(X, 8, np.random.RandomState(0), max_block=10)
    assert torch.equal(a, b)
    # three blocks of 8-9 rows: at most 7 others each, none of them the row
    assert a.shape == (25, 7)
    assert not (a == torch.arange(25)[:, None]).any()
    # the neighbour graph falls apart into the three blocks
    graph = coo_matrix((np.ones(25 * 7), (np.repeat(np.arange(25), 7), a.ravel().numpy())))
    _, component = connected_components(graph, directed=False)
    assert sorted(np.bincount(component).tolist()) == [8, 8, 9]
    assert not torch.equal(a, input_neighbors(X, 8, np.random.RandomState(1), max_block=10))


@pytest.mark.parametrize("n_samples", [4_200, 600])
def test_the_search_finds_the_same_neighbors_on_any_thread_count(n_samples, monkeypatch):
    # small integers: many rows at exactly the same distance, so any
    # difference in how ties are ordered or cut would show
    X = torch.from_numpy(np.random.RandomState(0).randint(0, 2, (n_samples, 20)).astype("f4"))
    seen = []
    search = NearestNeighbors.kneighbors
    monkeypatch.setattr(NearestNeighbors, "kneighbors", lambda self, *args, **kwargs: (
        seen.append(_openmp_threads()) or search(self, *args, **kwargs)))
    one = input_neighbors(X, 10, np.random.RandomState(0), threads=1)
    two = input_neighbors(X, 10, np.random.RandomState(0), threads=2)
    np.testing.assert_array_equal(one.numpy(), two.numpy())
    # more than four chunks of rows a thread run on two; fewer, on one
    assert seen == [1, 2 if n_samples > 4 * 256 * 2 else 1]


class RecordTorchThreads(Callback):
    """Appends ("epoch", torch's thread count) at every epoch's end."""

    def __init__(self, seen):
        self.seen = seen

    def __deepcopy__(self, memo):  # the estimator copies its callbacks
        return RecordTorchThreads(self.seen)

    def on_epoch_end(self, net, **kwargs):
        self.seen.append(("epoch", torch.get_num_threads()))


def _openmp_threads():
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"}.pop()


def test_fit_searches_on_the_callers_threads_and_gives_them_back(monkeypatch):
    X = np.random.RandomState(0).randn(2_100, 60).astype("f4")
    seen = []
    search = NearestNeighbors.kneighbors
    monkeypatch.setattr(NearestNeighbors, "kneighbors", lambda self, *args, **kwargs: (
        seen.append(_openmp_threads()) or search(self, *args, **kwargs)))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        model = OnlineHardClustering(n_clusters=3, max_epochs=1, init="k-means",
                                     random_state=0,
                                     callbacks=[RecordTorchThreads(seen)]).fit(X)
        # the search took the caller's two threads, the encoder trained on one ("auto")
        assert model.n_threads_ == 1 and seen == [2, ("epoch", 1)]
        assert torch.get_num_threads() == 2
        seen.clear()
        OnlineHardClustering(n_clusters=3, max_epochs=1, init="k-means", n_threads=1,
                             random_state=0).fit(X)
        assert seen == [1]
    finally:
        torch.set_num_threads(before)


def test_fewer_samples_than_neighbors():
    X = torch.zeros(3, 2)
    assert input_neighbors(X, 10, np.random.RandomState(0)).shape == (3, 2)
    assert input_neighbors(X[:1], 10, np.random.RandomState(0)) is None


def test_constant_wide_samples_are_searched_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PCA of constant data would warn
        neighbors = input_neighbors(torch.zeros(100, 60), 3, np.random.RandomState(0))
    assert neighbors.shape == (100, 3) and not (neighbors == torch.arange(100)[:, None]).any()


def test_shuffled_batches_pair_each_sample_with_one_of_its_neighbors():
    X = torch.arange(20, dtype=torch.float32)[:, None]
    neighbors = torch.stack([(torch.arange(20) + 1) % 20, (torch.arange(20) + 2) % 20], 1)
    dataset = TensorDataset(X, neighbors)
    batches = list(ShuffledBatches(dataset, 6, shuffle=True,
                                   random_state=np.random.RandomState(0)))
    rows = torch.cat([b["samples"] for b, _ in batches])[:, 0].long()
    views = torch.cat([b["views"] for b, _ in batches])[:, 0].long()
    assert sorted(rows.tolist()) == list(range(20))
    offsets = set(((views - rows) % 20).tolist())
    assert offsets == {1, 2}  # both neighbours are drawn, and nothing else
    # inference batches are plain
    assert all(set(b) == {"samples"} for b, _ in ShuffledBatches(dataset, 6))


def test_pair_costs_weigh_the_view():
    costs, view_costs = torch.tensor([[1.0, 4.0]]), torch.tensor([[3.0, 0.0]])
    torch.testing.assert_close(pair_costs(costs, view_costs, 0.0), costs)
    torch.testing.assert_close(pair_costs(costs, view_costs, 1.0), torch.tensor([[2.0, 2.0]]))
    torch.testing.assert_close(pair_costs(costs, view_costs, 0.5),
                               torch.tensor([[5 / 3, 8 / 3]]))


def test_weight_zero_is_the_plain_method_bit_for_bit(blobs):
    X, _ = blobs
    plain = _model(n_neighbors=0).fit(X)
    other = _model(n_neighbors=5, neighbor_weight=0.0).fit(X)
    np.testing.assert_array_equal(other.transform(X), plain.transform(X))


def test_the_view_carries_gradient(blobs):
    # one training step on the same samples with two different views: if
    # the view's cost were detached, the gradients would be the same
    X, _ = blobs
    model = _model(max_epochs=1).fit(X)
    net, batch = model._net, torch.from_numpy(X[:64])
    grads = []
    for views in (torch.from_numpy(X[64:128]), torch.from_numpy(X[128:192])):
        net.optimizer_.zero_grad()
        net.train_step_single(({"samples": batch, "views": views}, None), neighbor_weight=0.5)
        grads.append(torch.cat([p.grad.ravel() for p in net.module_.parameters()
                                if p.grad is not None]))
    assert not torch.allclose(grads[0], grads[1])


def test_a_view_identical_to_its_sample_changes_nothing(blobs):
    # every sample's only neighbour is its exact duplicate: the pair's cost
    # is the sample's, so the first pass trains as on single samples
    X = np.repeat(blobs[0], 2, axis=0)
    plain = _model(n_neighbors=0, max_epochs=1).fit(X)
    paired = _model(n_neighbors=1, max_epochs=1).fit(X)
    assert paired.history_[0]["train_loss"] == pytest.approx(
        plain.history_[0]["train_loss"], rel=1e-5)
    np.testing.assert_allclose(paired.cluster_centers_, plain.cluster_centers_, atol=1e-4)
    np.testing.assert_array_equal(paired.labels_, plain.labels_)


def test_pairs_train_reproducibly_and_differently(blobs):
    X, y = blobs
    a, b = _model().fit(X), _model().fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert not np.array_equal(a.transform(X), _model(n_neighbors=0).fit(X).transform(X))
    assert adjusted_rand_score(y, a.labels_) > 0.95
    # the history counts samples, not pairs
    sizes = a.history_[-1]["cluster_sizes"]
    assert sum(sizes) == len(X)
    assert a.history_[-1, "batches", 0, "train_batch_size"] == 256


def test_partial_fit_pairs_within_each_chunk(blobs):
    X, y = blobs
    model = _model()
    for chunk in np.array_split(np.random.RandomState(0).permutation(len(X)), 4):
        model.partial_fit(X[chunk])
    assert adjusted_rand_score(y, model.predict(X)) > 0.95
    before = model.cluster_centers_
    model.partial_fit(X[:1])  # no other sample: trained alone
    assert model.n_iter_ == 5 and not np.array_equal(model.cluster_centers_, before)


def test_a_failure_while_training_on_pairs_leaves_the_model_exactly(blobs):
    X, _ = blobs

    class Explode(Callback):
        def on_batch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    model = _model().partial_fit(X)
    state = {k: v.clone() for k, v in model._net.module_.state_dict().items()}
    rng_state = model._rng.get_state()[1].copy()
    model.set_params(callbacks=[Explode()])
    with pytest.raises(RuntimeError, match="boom"):
        model.partial_fit(X)
    for key, value in model._net.module_.state_dict().items():
        assert torch.equal(value, state[key]), key
    np.testing.assert_array_equal(model._rng.get_state()[1], rng_state)
    model.set_params(callbacks=None)
    np.testing.assert_array_equal(model.partial_fit(X).cluster_centers_,
                                  _model().partial_fit(X).partial_fit(X).cluster_centers_)


def test_neighbors_work_with_every_objective_and_reconstruction(blobs):
    X, y = blobs
    for params in ({"objective": "sinkhorn"}, {"objective": "entropy"},
                   {"objective": "variance"}, {"reconstruction": 1.0},
                   {"n_init": 2}, {"reset_interval": 2}):
        model = _model(**params).fit(X)
        assert adjusted_rand_score(y, model.labels_) > 0.9, params


@pytest.mark.parametrize("params", [{"n_neighbors": -1}, {"n_neighbors": 2.5},
                                    {"n_neighbors": "10"}, {"neighbor_weight": -0.5},
                                    {"neighbor_weight": "high"}])
def test_bad_neighbor_parameters(blobs, params):
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        _model(**params).fit(blobs[0])


def test_auto_pairs_wide_samples_only(blobs, wide_X):
    X, _ = blobs
    narrow = OnlineHardClustering(4, max_epochs=1, random_state=0).fit(X)
    assert narrow.n_neighbors_ == 0
    wide = OnlineHardClustering(4, max_epochs=1, random_state=0).fit(wide_X)
    assert wide.n_neighbors_ == 10
    plain = OnlineHardClustering(4, max_epochs=1, n_neighbors=0, random_state=0).fit(wide_X)
    assert not np.array_equal(wide.cluster_centers_, plain.cluster_centers_)
    # images count their values, not their rows
    images = wide_X.reshape(len(X), 6, 9)
    assert OnlineHardClustering(4, max_epochs=1, random_state=0).fit(images).n_neighbors_ == 10
    # a number is used as given, even for narrow samples
    assert _model(n_neighbors=3, max_epochs=1).fit(X).n_neighbors_ == 3
    # the limit: 50 values are narrow, 51 wide
    for width, expected in ((50, 0), (51, 10)):
        Xw = np.random.RandomState(0).normal(size=(100, width)).astype(np.float32)
        model = OnlineHardClustering(4, max_epochs=1, random_state=0).fit(Xw)
        assert model.n_neighbors_ == expected


def test_neighbors_can_change_between_partial_fit_calls(blobs):
    X, _ = blobs
    model = _model().partial_fit(X)
    model.set_params(n_neighbors=0).partial_fit(X)
    assert model.n_neighbors_ == 0
    model.set_params(n_neighbors="auto", neighbor_weight=1.0).partial_fit(X)
    assert model.n_neighbors_ == 0  # 6 values a sample: narrow


def test_auto_trains_a_stream_on_single_samples(wide_X):
    # a chunk's neighbours are its own: in 50-row chunks of digits they
    # lowered ACC, in chunks of up to 500 rows they did not help
    model = OnlineHardClustering(4, random_state=0)
    assert model.partial_fit(wide_X).n_neighbors_ == 0
    plain = OnlineHardClustering(4, n_neighbors=0, random_state=0).partial_fit(wide_X)
    np.testing.assert_array_equal(model.cluster_centers_, plain.cluster_centers_)
    assert model.fit(wide_X).n_neighbors_ == 10  # fit pairs wide samples
    assert model.partial_fit(wide_X).n_neighbors_ == 0  # and the stream goes on single
    paired = OnlineHardClustering(4, n_neighbors=10, random_state=0).partial_fit(wide_X)
    assert paired.n_neighbors_ == 10  # a number is used as given


def test_a_model_pickled_before_pairs_keeps_training_on_single_samples(wide_X):
    state = OnlineHardClustering(4, max_epochs=1, random_state=0).fit(wide_X).__getstate__()
    for name in ("n_neighbors", "neighbor_weight", "n_neighbors_"):
        del state[name]  # as a build of 0.3.0.dev0 before pairs pickled it
    old = OnlineHardClustering.__new__(OnlineHardClustering)
    old.__setstate__(state)
    assert old.get_params()["n_neighbors"] == 0 and old.n_neighbors_ == 0
    assert old.partial_fit(wide_X).n_neighbors_ == 0
    # a pickle of now keeps its "auto"
    model = OnlineHardClustering(4, max_epochs=1, random_state=0).fit(wide_X)
    again = pickle.loads(pickle.dumps(model))
    assert again.n_neighbors == "auto" and again.n_neighbors_ == 10
    np.testing.assert_array_equal(again.predict(wide_X), model.predict(wide_X))


def test_a_model_saved_before_pairs_keeps_training_on_single_samples(wide_X, tmp_path):
    path = tmp_path / "model.pt"
    OnlineHardClustering(4, max_epochs=1, n_neighbors=0, random_state=0).fit(wide_X).save(path)
    checkpoint = torch.load(path, weights_only=False)
    del checkpoint["params"]["n_neighbors"]  # as an older release wrote it
    torch.save(checkpoint, path)
    loaded = OnlineHardClustering.load(path)
    assert loaded.n_neighbors == 0
    assert loaded.partial_fit(wide_X).n_neighbors_ == 0
    # a model saved now keeps its "auto" (which pairs wide samples in fit)
    OnlineHardClustering(4, max_epochs=1, random_state=0).fit(wide_X).save(path)
    again = OnlineHardClustering.load(path)
    assert again.n_neighbors == "auto" and again.n_neighbors_ == 10
    assert again.partial_fit(wide_X).n_neighbors_ == 0  # "auto" in a stream


def test_pair_space_scales_rows_of_tiny_values_as_any_other():
    rng = np.random.RandomState(5)
    X = torch.from_numpy(rng.normal(size=(40, 64)).astype(np.float32))
    faint = X.clone()
    faint[:10] *= 1e-26  # squares underflow in float32
    np.testing.assert_allclose(pair_space(faint).norm(dim=1).numpy(), 1.0, rtol=1e-5)
    np.testing.assert_allclose(pair_space(faint)[:10].numpy(), pair_space(X)[:10].numpy(),
                               rtol=1e-5, atol=1e-7)
    # ordinary rows are divided by their norm, nothing else
    assert torch.equal(pair_space(X), X / X.norm(dim=1, keepdim=True))


def test_angles_start_above_fifty_values():
    rng = np.random.RandomState(6)
    fifty = torch.from_numpy(rng.normal(size=(5, 50)).astype(np.float32))
    fifty_one = torch.from_numpy(rng.normal(size=(5, 51)).astype(np.float32))
    assert torch.equal(pair_space(fifty), fifty)
    np.testing.assert_allclose(pair_space(fifty_one).norm(dim=1).numpy(), 1.0, rtol=1e-6)


def test_the_graph_start_searches_by_distance(monkeypatch):
    from hardclust import _initialization

    seen = []
    original = _initialization.graph_labels

    def spy(features, *args, **kwargs):
        seen.append(np.linalg.norm(features, axis=1))
        return original(features, *args, **kwargs)

    monkeypatch.setattr(_initialization, "graph_labels", spy)
    rng = np.random.RandomState(7)
    X = rng.normal(size=(90, 60)) * rng.uniform(0.5, 3.0, size=(90, 1))
    OnlineHardClustering(n_clusters=3, max_epochs=1, random_state=0).fit(X)
    assert len(seen) == 1 and np.ptp(seen[0]) > 1.0  # rows of many lengths, not unit

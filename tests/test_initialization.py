"""The k-means start: sampling and embedding, seeding, choosing a run."""

import numpy as np
import pytest
import torch
from torch import nn

from hardclust._initialization import (
    balanced_kmeans,
    embed_sample,
    match_prior,
)


def _blobs(n=120, d=5, k=3, seed=0, spread=4.0):
    rng = np.random.RandomState(seed)
    centers = rng.normal(0, spread, size=(k, d))
    return (centers[np.arange(n) % k] + rng.normal(size=(n, d))).astype(np.float32)


def test_match_prior_pairs_largest_with_largest():
    uniform = np.log(np.full(3, 1 / 3))
    order, divergence = match_prior(np.array([1, 2, 1]), uniform)
    assert sorted(order) == [0, 1, 2]
    # KL((1/2, 1/4, 1/4) || uniform), by hand
    assert divergence == pytest.approx(0.5 * np.log(1.5) + 0.5 * np.log(0.75))
    order, divergence = match_prior(np.array([1, 3]), np.log([0.75, 0.25]))
    assert order.tolist() == [1, 0] and divergence == pytest.approx(0.0)
    order, divergence = match_prior(np.array([0, 4, 0]), uniform)  # empty clusters
    assert order[0] == 1 and divergence == pytest.approx(np.log(3))


def test_kmeans_start_sees_batchnorm_as_training_does():
    # Untrained BatchNorm in evaluation mode applies mean 0 / variance 1;
    # the start must embed with the sample's own statistics, as training
    # normalises each batch by its own (a BatchNorm CNN on Fashion-MNIST:
    # ACC 0.296 after one epoch before, 0.557 after)
    X = torch.from_numpy(50.0 + 3.0 * _blobs(300))  # far from BatchNorm's initial mean
    with torch.random.fork_rng():
        torch.manual_seed(0)
        encoder = nn.Sequential(nn.Linear(X.shape[1], 16), nn.BatchNorm1d(16), nn.ReLU(),
                                nn.Linear(16, 4))
    # one chunk of all 300 rows: the statistics are the batch's own
    z = embed_sample(encoder, X, 512, torch.device("cpu"), np.random.RandomState(0))
    assert all(m.training for m in encoder.modules())  # as it was
    assert encoder[1].momentum == 0.1
    with torch.no_grad():
        trained_view = encoder(X).numpy()
    np.testing.assert_allclose(z, trained_view, rtol=0.01, atol=0.01)


def test_batchnorm_calibration_restores_mixed_modes_and_momentum():
    X = torch.from_numpy(_blobs(100))
    encoder = nn.Sequential(nn.Linear(X.shape[1], 8), nn.BatchNorm1d(8, momentum=0.3),
                            nn.Dropout(0.5), nn.Linear(8, 3))
    encoder[1].eval()  # a frozen BatchNorm inside a network in training mode
    encoder[2].eval()
    modes = [m.training for m in encoder.modules()]
    embed_sample(encoder, X, 32, torch.device("cpu"), np.random.RandomState(0))
    assert [m.training for m in encoder.modules()] == modes
    assert encoder[1].momentum == 0.3
    # and when a forward pass fails half-way
    broken = nn.Sequential(nn.BatchNorm1d(X.shape[1]), nn.Linear(X.shape[1] + 1, 2))
    with pytest.raises(RuntimeError):
        embed_sample(broken, X, 32, torch.device("cpu"), np.random.RandomState(0))
    assert broken[0].momentum == 0.1 and all(m.training for m in broken.modules())


def test_batchnorm_calibration_draws_no_random_numbers():
    # Dropout stays in evaluation mode: the start is reproducible whatever
    # the global seed, and the global RNG is left alone
    X = torch.from_numpy(_blobs(200))
    with torch.random.fork_rng():
        torch.manual_seed(0)
        encoder = nn.Sequential(nn.Linear(X.shape[1], 16), nn.BatchNorm1d(16),
                                nn.Dropout(0.5), nn.Linear(16, 4))
    runs = []
    for global_seed in (1, 2):
        with torch.random.fork_rng():
            torch.manual_seed(global_seed)
            state = torch.get_rng_state()
            runs.append(embed_sample(encoder, X, 64, torch.device("cpu"),
                                     np.random.RandomState(0)))
            assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(runs[0], runs[1])


def test_kmeans_start_without_batchnorm_is_a_plain_forward_pass():
    X = torch.from_numpy(_blobs(100))
    with torch.random.fork_rng():
        torch.manual_seed(0)
        encoder = nn.Sequential(nn.Linear(X.shape[1], 8), nn.Dropout(0.5), nn.Linear(8, 3))
    z = embed_sample(encoder, X, 64, torch.device("cpu"), np.random.RandomState(0))
    with torch.no_grad():
        np.testing.assert_array_equal(z, encoder.eval()(X).numpy())  # no dropout


def test_balanced_kmeans_keeps_the_run_closest_to_the_prior():
    # 3 blobs of 100 / 100 / 50 points asked for 3 clusters with that prior:
    # the kept run recovers them, largest prior entry first
    rng = np.random.RandomState(0)
    centers = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
    labels = np.repeat([0, 1, 2], [100, 100, 50])
    z = (centers[labels] + rng.normal(size=(250, 2))).astype(np.float32)
    log_prior = np.log(np.array([0.2, 0.4, 0.4]))
    got = balanced_kmeans(z, 3, log_prior, np.random.RandomState(0))
    assert got.dtype == np.float64
    # index 0 (smallest prior) holds the 50-point blob
    np.testing.assert_allclose(got[0], z[labels == 2].mean(axis=0), atol=1e-4)
    assert {tuple(np.round(c)) for c in got[1:]} == {(0.0, 0.0), (20.0, 0.0)}


def test_reseed_starved_moves_only_clusters_nobody_is_nearest_to():
    from hardclust._initialization import reseed_starved

    z = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.0, 5.2], [9.0, 0.0], [0.0, 0.2]])
    centroids = torch.tensor([[0.0, 0.0], [5.0, 5.0], [50.0, 50.0]])
    costs = ((z[:, None] - centroids[None]) ** 2).sum(-1)
    starved, centers = reseed_starved(z, costs, 0.01, np.random.RandomState(0))
    np.testing.assert_array_equal(starved, [2])
    # the farthest point from its centroid (9, 0) carries nearly all the weight
    torch.testing.assert_close(centers, torch.tensor([[9.0, 0.0]]))
    again = reseed_starved(z, costs, 0.01, np.random.RandomState(0))
    torch.testing.assert_close(again[1], centers)
    none, empty = reseed_starved(z, costs[:, :2], 0.01, np.random.RandomState(0))
    assert len(none) == 0 and empty.shape == (0, 2)
    # a starved cluster that is not eligible (not idle long enough) stays
    kept, _ = reseed_starved(z, costs, 0.01, np.random.RandomState(0),
                             eligible=np.array([True, True, False]))
    assert len(kept) == 0

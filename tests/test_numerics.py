"""Numerical safety and the input formats users pass."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from torch import nn

from hardclust import ClusterCollapseWarning, OnlineHardClustering


def _data(n=120, d=5, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.normal(0, 4, size=(3, d))
    return (centers[np.arange(n) % 3] + rng.normal(size=(n, d))).astype(np.float32)


def _fit(X, **params):
    model = OnlineHardClustering(**{"n_clusters": 3, "max_epochs": 5, "random_state": 0,
                                    **params})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X)
    collapse = [w for w in caught if issubclass(w.category, ClusterCollapseWarning)]
    return model, collapse


def _assert_finite(model, X):
    assert np.isfinite(model.transform(X)).all()
    proba = model.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)


@pytest.mark.parametrize("scale", [1e-8, 1e-3, 1e3, 1e8])
def test_extreme_scales_give_finite_results_or_a_warning(scale):
    X = _data() * np.float32(scale)
    model, collapse = _fit(X)
    _assert_finite(model, X)
    # either the three blobs are found, or the user is told it collapsed
    assert len(np.unique(model.labels_)) == 3 or collapse


def test_constant_features_and_duplicated_rows():
    X = _data()
    X[:, 2] = 7.0
    model, _ = _fit(np.repeat(X[:40], 3, axis=0))
    _assert_finite(model, X)
    assert len(np.unique(model.predict(X))) == 3


def test_all_identical_points_warn_degenerate():
    X = np.ones((60, 4), dtype=np.float32)
    model, collapse = _fit(X)
    _assert_finite(model, X)
    assert collapse, "identical points must warn that clusters are empty"


@pytest.mark.parametrize("n_samples", [257, 513])  # last batch of size 1
def test_last_batch_of_one_is_merged_into_the_previous_one(n_samples):
    model, _ = _fit(_data(n_samples), batch_size=256)
    assert model.n_steps_ == 5 * (n_samples // 256)
    _assert_finite(model, _data(n_samples))


class _BatchNormEncoder(nn.Module):
    def __init__(self, input_shape, latent_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(input_shape[0], 16), nn.BatchNorm1d(16),
                                 nn.ReLU(), nn.Linear(16, latent_dim))

    def forward(self, x):
        return self.net(x)


def test_batchnorm_encoder_trains_when_one_sample_is_left_over():
    X = _data(257)
    model, _ = _fit(X, batch_size=64, encoder=_BatchNormEncoder, latent_dim=4)
    assert model.n_steps_ == 5 * 4  # 64 + 64 + 64 + 65
    _assert_finite(model, X)


class _BatchNorm2dEncoder(nn.Module):
    """BatchNorm over 4x4 maps: one image still gives 16 values per channel."""

    def __init__(self, input_shape, latent_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                 nn.Flatten(), nn.Linear(4 * 16, latent_dim))

    def forward(self, x):
        return self.net(x.reshape(len(x), 1, 4, 4))


@pytest.mark.filterwarnings("ignore::hardclust.ClusterCollapseWarning")  # short passes
def test_batchnorm_on_one_sample_says_what_to_fix_and_keeps_the_model():
    X = _data(60)
    model = OnlineHardClustering(n_clusters=3, encoder=_BatchNormEncoder, latent_dim=4,
                                 init="random", random_state=0).partial_fit(X)
    twin = clone(model).partial_fit(X)
    with pytest.raises(ValueError, match="at least 2 samples"):
        model.partial_fit(X[:1])
    with pytest.raises(ValueError, match="batch_size >= 2"):
        clone(model).set_params(batch_size=1).fit(X)
    # the failed call left no trace: the next call matches a model that never saw it
    np.testing.assert_array_equal(model.partial_fit(X).cluster_centers_,
                                  twin.partial_fit(X).cluster_centers_)
    assert len(model.history_) == len(twin.history_) == 2


@pytest.mark.filterwarnings("ignore::hardclust.ClusterCollapseWarning")  # short passes
def test_batchnorm_with_several_values_per_channel_trains_on_one_sample():
    X = np.random.RandomState(0).normal(size=(40, 16)).astype(np.float32)
    model = OnlineHardClustering(n_clusters=2, encoder=_BatchNorm2dEncoder, latent_dim=4,
                                 init="random", random_state=0).partial_fit(X)
    model.partial_fit(X[:1])
    assert model.n_steps_ == 1 + 1


def test_one_cluster_and_as_many_clusters_as_samples():
    X = _data(30)
    one, _ = _fit(X, n_clusters=1)
    assert (one.labels_ == 0).all()
    np.testing.assert_allclose(one.predict_proba(X), 1.0)
    many, _ = _fit(X, n_clusters=30)
    _assert_finite(many, X)
    assert many.labels_.max() < 30


@pytest.mark.parametrize(
    "convert",
    [
        lambda X: X.astype(np.float16),
        lambda X: X.astype(np.float64),
        lambda X: np.round(X * 10).astype(np.int64),
        lambda X: np.asfortranarray(X),
        lambda X: np.hstack([X, X])[:, ::2],  # non-contiguous view
        lambda X: X.tolist(),
    ],
    ids=["float16", "float64", "int", "fortran", "strided", "list"],
)
def test_input_formats_work(convert):
    X = _data()
    model, _ = _fit(convert(X))
    assert model.predict(convert(X)).shape == (len(X),)
    assert model.transform(convert(X)).dtype == np.float32


def test_read_only_and_memmap_input(tmp_path):
    X = _data()
    X.setflags(write=False)
    model, _ = _fit(X)
    path = tmp_path / "X.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    np.testing.assert_array_equal(model.predict(mapped), model.predict(X))
    model.partial_fit(mapped)


def test_dataframe_feature_names_are_kept_and_checked():
    X = pd.DataFrame(_data(), columns=list("abcde"))
    model, _ = _fit(X)
    assert list(model.feature_names_in_) == list("abcde")
    assert list(model.set_output(transform="pandas").transform(X).columns)[:2] == [
        "onlinehardclustering0", "onlinehardclustering1"]
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X[list("edcba")])

"""The thread policy: how many threads a call uses, and the caller's given back."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_info
from torch import nn

from hardclust import OnlineHardClustering
from hardclust._threads import auto_threads, forward_flops, limit_threads


class RecordThreads(Callback):
    """Records torch's thread count at every epoch's end (in a list shared
    by its deep copies: the estimator copies its callbacks)."""

    def __init__(self, seen):
        self.seen = seen

    def __deepcopy__(self, memo):
        return RecordThreads(self.seen)

    def on_epoch_end(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


@pytest.fixture
def caller_threads():
    """The test runs with 3 torch threads set by the caller; put back after."""
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    yield 3
    torch.set_num_threads(before)


def _mkl_threads():
    """MKL's own thread count as torch reports it (None without MKL): set by
    torch.set_num_threads, but not what torch.get_num_threads reads."""
    for line in torch.__config__.parallel_info().splitlines():
        if "mkl_get_max_threads()" in line:
            return int(line.split(":")[1])
    return None


def _blas_threads():
    return sorted((pool["filepath"], pool["num_threads"]) for pool in threadpool_info())


def _model(**params):
    return OnlineHardClustering(**{"n_clusters": 4, "max_epochs": 2, "random_state": 0,
                                   **params})


def test_small_model_trains_on_one_thread_and_gives_the_callers_back(blobs, caller_threads):
    X, _ = blobs
    seen = []
    blas = _blas_threads()
    model = _model(callbacks=[RecordThreads(seen)]).fit(X)
    assert model.n_threads_ == 1
    assert seen == [1, 1]
    assert torch.get_num_threads() == caller_threads
    assert _blas_threads() == blas
    model.partial_fit(X)
    assert seen[-1] == 1 and torch.get_num_threads() == caller_threads
    for method in (model.predict, model.predict_proba, model.transform, model.score,
                   model.fit_predict):
        method(X)
        assert torch.get_num_threads() == caller_threads, method.__name__


@pytest.mark.skipif(_mkl_threads() is None, reason="torch is built without MKL")
def test_fit_gives_mkl_its_count_back(blobs, caller_threads):
    # threadpoolctl restores the OpenMP pool, which is what torch reports;
    # MKL's count is torch's to restore (a fit once left the caller's matrix
    # products on one thread while torch.get_num_threads() read 3)
    X, _ = blobs
    _model().fit(X)
    assert _mkl_threads() == caller_threads
    with pytest.raises(FloatingPointError):
        _model(lr=1e30, max_epochs=3).fit(X)
    assert _mkl_threads() == caller_threads


@pytest.mark.parametrize("n_threads, expected", [(2, 2), (None, 3)])
def test_n_threads_given_or_left_to_torch(blobs, caller_threads, n_threads, expected):
    X, _ = blobs
    seen = []
    model = _model(n_threads=n_threads, callbacks=[RecordThreads(seen)]).fit(X)
    assert model.n_threads_ == n_threads
    assert seen == [expected, expected]
    assert torch.get_num_threads() == caller_threads


def test_inference_runs_on_the_models_threads(blobs, caller_threads, monkeypatch):
    X, _ = blobs
    model = _model(n_threads=2).fit(X)
    seen = []
    infer = model._net.infer_all
    monkeypatch.setattr(model._net, "infer_all",
                        lambda *args: seen.append(torch.get_num_threads()) or infer(*args))
    model.predict(X)
    model.transform(X)
    assert seen == [2, 2]
    assert torch.get_num_threads() == caller_threads


def test_callers_threads_restored_after_an_error(blobs, caller_threads):
    X, _ = blobs
    model = _model().fit(X)
    blas = _blas_threads()
    with pytest.raises(FloatingPointError):
        _model(lr=1e30, max_epochs=3).fit(X)
    assert torch.get_num_threads() == caller_threads
    model.set_params(lr=1e30)
    with pytest.raises(FloatingPointError):
        model.partial_fit(X).partial_fit(X)
    assert torch.get_num_threads() == caller_threads
    assert _blas_threads() == blas
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    assert torch.get_num_threads() == caller_threads


def test_limit_threads_restores_on_exception(caller_threads):
    with pytest.raises(KeyboardInterrupt):
        with limit_threads(1, blas=True):
            assert torch.get_num_threads() == 1
            raise KeyboardInterrupt
    assert torch.get_num_threads() == caller_threads
    with limit_threads(None):
        assert torch.get_num_threads() == caller_threads


@pytest.mark.parametrize("value", [0, -1, 1.5, "all"])
def test_bad_n_threads(blobs, value):
    X, _ = blobs
    with pytest.raises(InvalidParameterError, match="n_threads"):
        _model(n_threads=value).fit(X)


def test_forward_flops_counts_a_linear_layer():
    layer = nn.Sequential(nn.Linear(10, 5), nn.BatchNorm1d(5), nn.ReLU())
    layer.train()
    assert forward_flops(layer, torch.zeros(1, 10)) == 2 * 10 * 5
    assert layer.training  # its mode is given back


def test_auto_threads_rule():
    assert auto_threads("auto", 1e6) == 1
    assert auto_threads("auto", 1e12) is None  # a large encoder: torch's own setting
    assert auto_threads(4, 1e6) == 4
    assert auto_threads(None, 1e6) is None


# one pass of a random start on uniform noise may leave a cluster empty: not
# what this test is about
@pytest.mark.filterwarnings("ignore::hardclust.ClusterCollapseWarning")
def test_auto_counts_the_encoders_work(caller_threads):
    """A wide encoder's step is large enough for torch's own threads."""
    X = np.random.RandomState(0).rand(40, 3000).astype(np.float32)
    big = _model(n_clusters=2, max_epochs=1, n_neighbors=0, init="random",
                 batch_size=1024).fit(X)
    assert big._sample_flops * big.batch_size > 2e9 and big.n_threads_ is None
    small = _model(n_clusters=2, max_epochs=1, n_neighbors=0, init="random").fit(X[:, :30])
    assert small.n_threads_ == 1


@pytest.mark.filterwarnings("ignore::hardclust.ClusterCollapseWarning")
def test_a_refit_on_data_of_another_width_counts_the_new_encoder():
    # the old model's encoder takes 80 values; counting it on 7 would fail
    rng = np.random.RandomState(0)
    model = _model(n_clusters=3, max_epochs=1).fit(rng.rand(60, 80).astype(np.float32))
    wide = model._sample_flops
    model.fit(rng.rand(60, 7).astype(np.float32))
    assert model.n_features_in_ == 7 and 0 < model._sample_flops < wide

"""Soft resets during fit (reset_interval): counted, reproducible, transactional."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from hardclust import OnlineHardClustering


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(400, n_features=6, centers=4, random_state=0)
    return X.astype(np.float32), y


def _model(**params):
    return OnlineHardClustering(4, **{"max_epochs": 6, "random_state": 0, **params})


def test_resets_happen_every_interval_but_not_in_the_last(blobs):
    X, y = blobs
    model = _model(reset_interval=2).fit(X)
    assert model.n_resets_ == 2 and model.n_iter_ == 6 and len(model.history_) == 6
    assert adjusted_rand_score(y, model.labels_) > 0.95
    assert _model().fit(X).n_resets_ == 0
    assert _model(reset_interval=6).fit(X).n_resets_ == 0


def test_resets_move_the_model_and_are_reproducible(blobs):
    X, _ = blobs
    plain = _model().fit(X)
    a, b = _model(reset_interval=2).fit(X), _model(reset_interval=2).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert not np.array_equal(a.cluster_centers_, plain.cluster_centers_)


def test_a_failure_after_a_reset_leaves_the_fitted_model_exactly(blobs):
    X, _ = blobs

    class Explode(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 4:
                raise RuntimeError("boom")

    model = _model(reset_interval=2).fit(X)
    state = {k: v.clone() for k, v in model._net.module_.state_dict().items()}
    centers, n_resets = model.cluster_centers_, model.n_resets_
    model.set_params(callbacks=[Explode()])
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(X)
    assert model.n_resets_ == n_resets
    np.testing.assert_array_equal(model.cluster_centers_, centers)
    for key, value in model._net.module_.state_dict().items():
        assert torch.equal(value, state[key]), key


@pytest.mark.parametrize("params", [{"reset_interval": 0}, {"reset_shrink": 0.0},
                                    {"reset_shrink": 1.5}, {"reset_interval": 2.5}])
def test_bad_reset_parameters(blobs, params):
    with pytest.raises(InvalidParameterError):
        _model(**params).fit(blobs[0])

"""The reconstruction term: a decoder, its loss, its persistence; off by default."""

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from hardclust import OnlineHardClustering


@pytest.fixture
def X(three_blobs):
    return three_blobs


def _model(**params):
    return OnlineHardClustering(3, **{"max_epochs": 3, "random_state": 0, **params})


def test_default_builds_no_decoder_and_weight_zero_is_the_plain_method(X):
    plain = _model().fit(X)
    assert not hasattr(plain._net.module_, "decoder")
    assert not any(k.startswith("decoder") for k in plain._net.module_.state_dict())


def test_reconstruction_adds_the_decoders_error_to_the_loss(X):
    plain = _model().fit(X)
    with_term = _model(reconstruction=1.0).fit(X)
    decoder = with_term._net.module_.decoder
    z_raw = with_term.transform(X) / with_term.embedding_scale_
    with torch.no_grad():
        error = torch.nn.functional.mse_loss(decoder(torch.from_numpy(z_raw)), torch.from_numpy(X))
    assert float(error) > 0
    # the decoder trains: its error falls over the epochs with the term, and
    # the loss (cost + error) is larger than the cost alone
    assert with_term.history_[-1]["train_loss"] > plain.history_[-1]["train_loss"] - 1e-6
    fresh = _model(reconstruction=1.0, max_epochs=1).fit(X)
    with torch.no_grad():
        first = torch.nn.functional.mse_loss(
            fresh._net.module_.decoder(torch.from_numpy(fresh.transform(X) / fresh.embedding_scale_)),
            torch.from_numpy(X))
    assert float(error) < float(first)


def test_reconstruction_is_reproducible_and_rolls_back(X):
    a = _model(reconstruction=0.5).fit(X)
    b = _model(reconstruction=0.5).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    before = {k: v.clone() for k, v in a._net.module_.state_dict().items()}
    with pytest.raises(ValueError):
        a.partial_fit(X[:, :5])
    for key, value in a._net.module_.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_custom_encoder_needs_a_decoder_and_save_load_keeps_it(X, tmp_path):
    def encoder(shape, latent_dim):
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(shape[0], latent_dim))

    with pytest.raises(ValueError, match="decoder"):
        _model(encoder=encoder, reconstruction=1.0).fit(X)
    model = _model(reconstruction=1.0).fit(X)
    model.save(tmp_path / "m.pt")
    loaded = OnlineHardClustering.load(tmp_path / "m.pt")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    for key, value in model._net.module_.state_dict().items():
        assert torch.equal(value, loaded._net.module_.state_dict()[key]), key


@pytest.mark.parametrize("params", [{"reconstruction": -1.0}, {"decoder": "resnet"},
                                    {"decoder": 3}])
def test_bad_reconstruction_parameters(X, params):
    with pytest.raises(InvalidParameterError):
        _model(**params).fit(X)


def test_reconstruction_cannot_change_between_partial_fit_calls(X):
    model = _model().partial_fit(X)
    model.set_params(reconstruction=1.0)
    with pytest.raises(ValueError, match="reconstruction was 0.0"):
        model.partial_fit(X)

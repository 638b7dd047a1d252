"""The autoencoder warm start (pretrain_epochs): trains, is reproducible,
keeps no decoder unless asked and rolls back (frozen after the start: tests/test_streaming.py)."""

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from hardclust import OnlineHardClustering
from hardclust._initialization import pretrain_autoencoder
from hardclust.encoders import make_decoder, make_encoder


@pytest.fixture
def X(three_blobs):
    return three_blobs


def _model(**params):
    return OnlineHardClustering(3, **{"max_epochs": 3, "random_state": 0, **params})


def _reconstruction_error(encoder, decoder, X):
    with torch.no_grad():
        return float(torch.nn.functional.mse_loss(decoder(encoder(X)), X))


def test_pretraining_lowers_the_reconstruction_error(X):
    torch.manual_seed(0)
    encoder, decoder = make_encoder("mlp", (6,), 8), make_decoder("mlp", (6,), 8)
    Xt = torch.from_numpy(X)
    before = _reconstruction_error(encoder, decoder, Xt)
    loss = pretrain_autoencoder(encoder, decoder, Xt, epochs=30, optimizer=torch.optim.Adam,
                                options={}, lr=1e-2, batch_size=64,
                                device=torch.device("cpu"), rng=np.random.RandomState(0))
    after = _reconstruction_error(encoder, decoder, Xt)
    assert after < 0.5 * before
    assert np.isfinite(loss)


def test_warm_start_changes_the_start_reproducibly_and_keeps_no_decoder(X):
    plain = _model().fit(X)
    a, b = _model(pretrain_epochs=5).fit(X), _model(pretrain_epochs=5).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert not np.array_equal(a.transform(X), plain.transform(X))
    # the decoder served the warm start only: the fitted model is a plain one
    assert set(a._net.module_.state_dict()) == set(plain._net.module_.state_dict())
    kept = _model(pretrain_epochs=5, reconstruction=0.5).fit(X)
    assert hasattr(kept._net.module_, "decoder")


def test_a_diverging_warm_start_says_what_to_fix_and_keeps_the_model(X):
    model = _model().fit(X)
    before = model.cluster_centers_
    model.set_params(pretrain_epochs=3, lr=1e30)
    with pytest.raises(FloatingPointError, match="lower lr"):
        model.fit(X)
    np.testing.assert_array_equal(model.cluster_centers_, before)
    assert model.n_iter_ == 3


@pytest.mark.parametrize("value", [-1, 2.5, "10", "always"])
def test_bad_pretrain_epochs(X, value):
    with pytest.raises(InvalidParameterError, match="pretrain_epochs"):
        _model(pretrain_epochs=value).fit(X)


def test_no_warm_start_by_default_and_auto_warm_starts_the_image_cnn_only(X):
    images = np.random.RandomState(0).rand(64, 1, 8, 8).astype(np.float32)
    assert OnlineHardClustering(2, max_epochs=2, encoder="conv2d",
                                random_state=0).fit(images).pretrain_epochs_ == 0
    cnn = OnlineHardClustering(2, max_epochs=4, encoder="conv2d", pretrain_epochs="auto",
                               random_state=0).fit(images)
    assert cnn.pretrain_epochs_ == 4  # 500 steps of one batch, capped by max_epochs_
    # "auto" is the MLP on images too, which the warm start leaves alone
    assert OnlineHardClustering(2, max_epochs=2, pretrain_epochs="auto",
                                random_state=0).fit(images).pretrain_epochs_ == 0
    auto_epochs = OnlineHardClustering(2, batch_size=16, encoder="conv2d",
                                       pretrain_epochs="auto", random_state=0)
    auto_epochs._sample_shape = (1, 8, 8)
    auto_epochs._check_params_vs_input(torch.from_numpy(images))
    assert (auto_epochs.max_epochs_, auto_epochs.pretrain_epochs_) == (125, 125)
    # the 500 steps, not max_epochs_, decide when they are fewer
    auto_epochs.set_params(max_epochs=200)
    auto_epochs._check_params_vs_input(torch.from_numpy(images))
    assert (auto_epochs.max_epochs_, auto_epochs.pretrain_epochs_) == (200, 125)
    assert _model(pretrain_epochs="auto").fit(X).pretrain_epochs_ == 0  # the MLP


def test_save_and_load_keep_the_warm_started_model(X, tmp_path):
    model = _model(pretrain_epochs=2).fit(X)
    model.save(tmp_path / "m.pt")
    loaded = OnlineHardClustering.load(tmp_path / "m.pt")
    assert loaded.pretrain_epochs_ == 2
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))


def test_warm_start_takes_the_optimizer_options_and_leaves_torch_rng_alone(X):
    class Dropping(torch.nn.Module):  # a random layer: the warm start draws from torch's RNG
        def __init__(self, shape, latent_dim):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(shape[0], 16), torch.nn.Dropout(0.2),
                                           torch.nn.Linear(16, latent_dim))

        def forward(self, x):
            return self.net(x)

    def decoder(shape, latent_dim):
        return torch.nn.Linear(latent_dim, shape[0])

    params = dict(encoder=Dropping, decoder=decoder, latent_dim=4, pretrain_epochs=3,
                  optimizer=torch.optim.AdamW, optimizer__weight_decay=0.1)
    torch.manual_seed(1)
    state = torch.get_rng_state()
    a = _model(**params).fit(X)
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(2)
    b = _model(**params).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    with pytest.raises(TypeError, match="optimizer__<name>"):
        _model(**{**params, "optimizer__momentum": 0.9}).fit(X)
    # optimizer__lr overrides lr in the warm start too (it did not build before)
    assert _model(**{**params, "optimizer__lr": 1e-2}).fit(X).n_iter_ == 3


def test_first_partial_fit_warm_starts_the_cnn_for_one_epoch_only():
    images = np.random.RandomState(0).rand(64, 1, 8, 8).astype(np.float32)
    model = OnlineHardClustering(2, encoder="conv2d", pretrain_epochs="auto",
                                 random_state=0).partial_fit(images)
    assert (model.pretrain_epochs_, model.max_epochs_, model.n_iter_) == (1, 1, 1)


def test_a_custom_decoder_used_only_to_warm_start_is_not_needed_to_load(X, tmp_path):
    def encoder(shape, latent_dim):
        return torch.nn.Sequential(torch.nn.Linear(shape[0], latent_dim))

    def decoder(shape, latent_dim):
        return torch.nn.Linear(latent_dim, shape[0])

    model = _model(encoder=encoder, decoder=decoder, latent_dim=4, pretrain_epochs=2).fit(X)
    model.save(tmp_path / "m.pt")
    loaded = OnlineHardClustering.load(tmp_path / "m.pt", encoder=encoder)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

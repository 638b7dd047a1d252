"""Persistence: round trips, CUDA-to-CPU loading, versions, and a soak run."""

import pathlib
import pickle
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from skorch.exceptions import DeviceWarning

import hardclust
from hardclust import ClusterCollapseWarning, HardclustVersionWarning, OnlineHardClustering


@pytest.fixture
def X():
    rng = np.random.RandomState(0)
    return np.vstack([rng.normal(m, 0.5, (50, 4)) for m in (-3, 0, 3)]).astype(np.float32)


def _model(**params):
    return OnlineHardClustering(**{"n_clusters": 3, "max_epochs": 3, "random_state": 0,
                                   **params})


def test_model_saved_on_cuda_loads_on_cpu_only_machine(X, monkeypatch):
    model = _model().fit(X)
    expected = model.predict(X)
    # Pretend the model lived on a GPU: skorch pickles device-bound state
    # with its device, and must map it to the CPU when CUDA is absent.
    model._net.device = "cuda"
    model.device_ = torch.device("cuda")
    blob = pickle.dumps(model)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(DeviceWarning) as caught:  # skorch says it twice
        loaded = pickle.loads(blob)
    assert any("not available" in str(w.message) for w in caught)
    assert loaded.device_ == torch.device("cpu")
    np.testing.assert_array_equal(loaded.predict(X), expected)
    loaded.partial_fit(X)  # and it trains on the CPU


def test_model_from_another_release_warns_with_the_fix(X, monkeypatch):
    model = _model().fit(X)
    blob = pickle.dumps(model)
    monkeypatch.setattr(hardclust._compat, "__version__", "9.0.0")
    saved_with = f"saved with hardclust {hardclust.__version__}"
    with pytest.warns(HardclustVersionWarning, match=saved_with):
        loaded = pickle.loads(blob)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_soak_stream_with_predict_and_reload_matches_uninterrupted_run(X):
    rng = np.random.RandomState(1)
    # a first chunk large enough to start from (25 rows per cluster)
    chunks = [X[rng.choice(len(X), 75 if i == 0 else 40, replace=False)] for i in range(12)]
    straight = _model()
    for chunk in chunks:
        straight.partial_fit(chunk)

    interrupted = _model()
    for i, chunk in enumerate(chunks):
        interrupted.partial_fit(chunk)
        interrupted.predict(X)  # inference does not disturb training
        if i % 4 == 3:
            interrupted = pickle.loads(pickle.dumps(interrupted))
    np.testing.assert_array_equal(interrupted.cluster_centers_, straight.cluster_centers_)
    np.testing.assert_array_equal(interrupted.transform(X), straight.transform(X))
    assert interrupted.n_iter_ == straight.n_iter_ == 12
    assert len(interrupted.history_) == len(straight.history_) == 12


@settings(max_examples=15, deadline=None)
@given(
    n_samples=st.integers(3, 40),
    n_features=st.integers(1, 6),
    n_clusters=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_estimator_properties(n_samples, n_features, n_clusters, seed):
    X = np.random.RandomState(seed).normal(size=(n_samples, n_features))
    model = OnlineHardClustering(n_clusters=n_clusters, latent_dim=3, max_epochs=1,
                                 random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClusterCollapseWarning)  # tiny random data
        model.fit(X)
    labels = model.predict(X)
    assert labels.shape == (n_samples,) and labels.dtype == np.int64
    assert ((0 <= labels) & (labels < n_clusters)).all()
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)
    assert model.transform(X).shape == (n_samples, 3)



class SmallEncoder(torch.nn.Module):
    def __init__(self, input_shape, latent_dim):
        super().__init__()
        self.linear = torch.nn.Linear(input_shape[0], latent_dim)

    def forward(self, x):
        return self.linear(x)


def test_save_load_weights_only_round_trip(X, tmp_path):
    model = _model(prior=[0.5, 0.3, 0.2]).fit(X)
    model.save(tmp_path / "model.pt")
    loaded = OnlineHardClustering.load(tmp_path / "model.pt")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.get_params()["prior"] == [0.5, 0.3, 0.2]
    assert (loaded.n_iter_, loaded.n_steps_) == (model.n_iter_, model.n_steps_)
    # the file is plain data: torch's safe loader accepts it as is
    torch.load(tmp_path / "model.pt", weights_only=True)
    loaded.partial_fit(X)  # and it can go on training (fresh optimizer state)


def test_load_needs_the_custom_encoder_and_checks_it(X, tmp_path):
    model = _model(encoder=SmallEncoder, latent_dim=2).fit(X)
    model.save(tmp_path / "model.pt")
    with pytest.raises(ValueError, match="custom encoder \\(SmallEncoder\\)"):
        OnlineHardClustering.load(tmp_path / "model.pt")
    loaded = OnlineHardClustering.load(tmp_path / "model.pt", encoder=SmallEncoder)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="does not match the weights"):
        OnlineHardClustering.load(
            tmp_path / "model.pt",
            encoder=lambda shape, dim: torch.nn.Sequential(torch.nn.Linear(shape[0], dim)))


def test_load_refuses_pickles_and_foreign_files(X, tmp_path):
    model = _model().fit(X)
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a file written by"):
        OnlineHardClustering.load(tmp_path / "other.pt")
    with open(tmp_path / "model.pkl", "wb") as f:
        pickle.dump(model, f)
    with pytest.raises(ValueError, match="safe to load"):
        OnlineHardClustering.load(tmp_path / "model.pkl")


def test_save_load_with_numpy_scalar_parameters(X, tmp_path):
    # grids built with np.arange / np.logspace hand numpy scalars to set_params
    model = _model(n_clusters=np.int64(3), sigma=np.float64(50.0),
                   random_state=np.int64(0)).fit(X)
    model.save(tmp_path / "model.pt")
    loaded = OnlineHardClustering.load(tmp_path / "model.pt")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert type(loaded.n_clusters) is int and loaded.sigma == 50.0


def test_random_state_none_leaves_numpy_global_rng_alone(X):
    np.random.seed(5)
    state = np.random.get_state()
    _model(random_state=None).fit(X).partial_fit(X)
    after = np.random.get_state()
    assert state[2:] == after[2:]
    np.testing.assert_array_equal(state[1], after[1])


def test_weights_file_from_another_release_warns(X, tmp_path, monkeypatch):
    model = _model().fit(X)
    model.save(tmp_path / "model.pt")
    monkeypatch.setattr(hardclust._compat, "__version__", "9.0.0")
    saved_with = f"saved with hardclust {hardclust.__version__}"
    with pytest.warns(HardclustVersionWarning, match=saved_with):
        loaded = OnlineHardClustering.load(tmp_path / "model.pt")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_model_pickled_by_0_2_goes_on_streaming(X):
    model = _model().fit(X)
    old = dict(model.__dict__)
    # what 0.2 did not have: the start's frozen parameters, the live ones,
    # the counters of 0.3's options, the input view and the resolved lr
    for name in ("_frozen", "_applied", "n_reassigned_", "n_drift_resets_", "n_resets_",
                 "_input_view", "lr_", "max_epochs_"):
        old.pop(name)
    del old["_net"].module_.reconstruction
    model.__dict__.clear()
    model.__dict__.update(old)
    loaded = pickle.loads(pickle.dumps(model))
    loaded.partial_fit(X)
    assert loaded.n_reassigned_ == 0 and loaded.lr_ == 1e-3
    assert loaded.predict_proba(X[:3]).shape[0] == 3


DATA = pathlib.Path(__file__).parent / "data"


def test_a_model_pickled_by_0_2_predicts_the_same_and_goes_on():
    # written by hardclust 0.2.0 (commit bad30e3): pickle.dump(model) and model.save
    expected = np.load(DATA / "model_0_2_expected.npz")
    with pytest.warns(HardclustVersionWarning, match="saved with hardclust 0.2.0"):
        with open(DATA / "model_0_2.pkl", "rb") as f:
            model = pickle.load(f)
    np.testing.assert_array_equal(model.predict(expected["X"]), expected["labels"])
    assert model.objective == "hard" and model.regularization == "deprecated"
    assert model.n_neighbors == 0  # 0.2 trained on single samples, and goes on so
    model.partial_fit(expected["X"])
    assert model.n_iter_ == 3 and model.n_neighbors_ == 0


def test_a_weights_file_of_0_2_loads():
    expected = np.load(DATA / "model_0_2_expected.npz")
    with pytest.warns(HardclustVersionWarning):
        model = OnlineHardClustering.load(DATA / "model_0_2.pt")
    np.testing.assert_array_equal(model.predict(expected["X"]), expected["labels"])


def test_the_net_pickles_its_module_once_so_cuda_models_map_to_the_cpu(X):
    # skorch maps module_/criterion_ to the CPU when CUDA is absent; a second
    # reference under the plain name would go through the ordinary pickle
    model = _model().fit(X)
    state = model._net.__getstate__()
    assert isinstance(state["module"], str) and isinstance(state["criterion"], str)
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded._net.module is loaded._net.module_
    assert loaded._net.criterion is loaded._net.criterion_
    loaded.partial_fit(X)
    np.testing.assert_array_equal(loaded.labels_, loaded.predict(X))


def test_a_model_unpickled_from_0_2_can_be_saved_again(tmp_path):
    import pickle
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = pickle.loads((DATA / "model_0_2.pkl").read_bytes())
    assert old._input_view is None  # 0.2 had no input view
    old.save(tmp_path / "again.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = OnlineHardClustering.load(tmp_path / "again.pt")
    np.testing.assert_array_equal(loaded.cluster_centers_, old.cluster_centers_)


@pytest.fixture
def old_auto_cnn():
    # a model fitted before 0.3, when encoder="auto" built the CNN for images
    images = np.random.RandomState(0).rand(48, 1, 8, 8).astype(np.float32)
    model = _model(encoder="conv2d", max_epochs=2).fit(images)
    model.encoder = "auto"
    model._frozen = {**model._frozen, "encoder": "auto"}
    return model, images


def test_an_old_auto_cnn_unpickles_as_conv2d_and_goes_on(old_auto_cnn):
    model, images = old_auto_cnn
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.encoder == "conv2d"
    assert type(loaded.encoder_).__name__ == "ConvEncoder"
    np.testing.assert_array_equal(loaded.predict(images), model.predict(images))
    loaded.partial_fit(images)  # the frozen encoder follows; "auto" would refuse
    assert loaded.lr_ == 3e-4  # the CNN's rate, not the MLP's
    assert type(loaded.fit(images).encoder_).__name__ == "ConvEncoder"


def test_an_old_auto_cnn_pickled_by_0_2_unpickles_as_conv2d(old_auto_cnn):
    model, images = old_auto_cnn
    old = dict(model.__dict__)
    for name in ("_frozen", "_applied", "n_reassigned_", "n_drift_resets_", "n_resets_",
                 "_input_view", "lr_", "max_epochs_"):
        old.pop(name)  # what 0.2 did not have
    del old["_net"].module_.reconstruction
    model.__dict__.clear()
    model.__dict__.update(old)
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.encoder == "conv2d" and loaded._frozen["encoder"] == "conv2d"
    loaded.partial_fit(images)
    assert loaded.lr_ == 3e-4


def test_the_pin_keeps_what_the_user_set_and_custom_encoders(old_auto_cnn, X):
    model, images = old_auto_cnn
    model._frozen = {**model._frozen, "encoder": "conv2d"}  # fitted with "conv2d" ...
    model.set_params(encoder="auto")  # ... then set to "auto" for the next fit
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.encoder == "auto" and loaded._frozen["encoder"] == "conv2d"
    assert type(loaded.fit(images).encoder_).__name__ == "MLPEncoder"
    module = torch.nn.Linear(4, 5)
    custom = _model(encoder=module, latent_dim=5).fit(X)
    assert pickle.loads(pickle.dumps(custom)).encoder is not None
    assert isinstance(pickle.loads(pickle.dumps(custom)).encoder, torch.nn.Linear)


def test_an_old_auto_cnn_file_loads_as_conv2d(old_auto_cnn, tmp_path):
    model, images = old_auto_cnn
    model.save(tmp_path / "m.pt")
    saved = torch.load(tmp_path / "m.pt", weights_only=True)
    assert saved["encoder_name"] == "auto" and saved["encoder_class"] == "ConvEncoder"
    loaded = OnlineHardClustering.load(tmp_path / "m.pt")
    assert loaded.encoder == "conv2d"
    np.testing.assert_array_equal(loaded.predict(images), model.predict(images))
    # a 0.2 file named the class instead
    del saved["encoder_class"]
    saved.update(encoder_auto=True, encoder_name="ConvEncoder")
    torch.save(saved, tmp_path / "old.pt")
    assert OnlineHardClustering.load(tmp_path / "old.pt").encoder == "conv2d"


def test_a_model_on_cpu_0_pickles(X):
    # torch restores storages to "cpu" only: a "cpu:0" map location failed
    model = _model(device="cpu:0").fit(X)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.device_ == torch.device("cpu")


def test_a_prior_set_just_before_saving_is_applied_by_the_loaded_models_next_call(tmp_path):
    X = np.random.RandomState(0).normal(size=(300, 4)).astype(np.float32)
    model = OnlineHardClustering(3, max_epochs=1, random_state=0).fit(X)
    model.set_params(prior=[5, 1, 1]).save(tmp_path / "model.pt")  # not applied yet
    loaded = OnlineHardClustering.load(tmp_path / "model.pt")
    np.testing.assert_allclose(loaded.prior_, model.prior_, rtol=1e-6)  # predicts alike
    model.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_allclose(loaded.prior_, [5 / 7, 1 / 7, 1 / 7], rtol=1e-6)
    np.testing.assert_allclose(loaded.prior_, model.prior_, rtol=1e-6)

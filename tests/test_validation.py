"""Bad input raises a ValueError/TypeError that says what to fix, and a
failed call leaves a fitted model exactly as it was."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from hardclust import InputScaleWarning, OnlineHardClustering, SmallFirstChunkWarning
from sklearn.base import clone


def _fitted(X, **params):
    params = {"n_clusters": 3, "max_epochs": 2, "random_state": 0, **params}
    return OnlineHardClustering(**params).fit(X)


def _state(model):
    """Everything that training may change, as comparable copies."""
    net = model._net
    return {
        "module": {k: v.clone() for k, v in net.module_.state_dict().items()},
        "optimizer": copy.deepcopy(net.optimizer_.state_dict()),
        "history": copy.deepcopy(list(net.history)),
        "rng": copy.deepcopy(model._rng.get_state()),
        "counters": (model.n_iter_, model.n_steps_, model.n_features_in_),
        "labels": model.labels_.copy(),
    }


def _assert_same_state(before, after):
    assert before["module"].keys() == after["module"].keys()
    for key, value in before["module"].items():
        assert torch.equal(value, after["module"][key]), key
    opt_a, opt_b = before["optimizer"], after["optimizer"]
    assert opt_a["param_groups"] == opt_b["param_groups"]
    assert opt_a["state"].keys() == opt_b["state"].keys()
    for key, slots in opt_a["state"].items():
        for name, value in slots.items():
            assert torch.equal(value, opt_b["state"][key][name]), (key, name)
    assert before["history"] == after["history"]
    name, keys, pos, has_gauss, cached = before["rng"]
    assert name == after["rng"][0] and (pos, has_gauss, cached) == after["rng"][2:]
    np.testing.assert_array_equal(keys, after["rng"][1])
    assert before["counters"] == after["counters"]
    np.testing.assert_array_equal(before["labels"], after["labels"])


@pytest.fixture
def X():
    return np.random.RandomState(0).normal(size=(60, 4)).astype(np.float32)


BAD_INPUTS = [
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), ValueError, "NaN"),
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), ValueError, "infinity"),
    (lambda X: X.astype(str).astype(object) + "x", ValueError, "convert|string"),
    (lambda X: sp.csr_matrix(X), TypeError, "dense data is required"),
    (lambda X: X[:0], ValueError, "0 sample"),
    (lambda X: X[:, :0], ValueError, "0 feature"),
    (lambda X: X[:, 0], ValueError, "2D array"),
    (lambda X: X + 1j, ValueError, "Complex"),
]


@pytest.mark.parametrize("make_bad, error, match", BAD_INPUTS)
@pytest.mark.parametrize("method", ["partial_fit", "predict", "transform",
                                    "predict_proba", "score", "fit"])
def test_bad_input_raises_and_leaves_model_unchanged(X, make_bad, error, match, method):
    model = _fitted(X)
    before = _state(model)
    with pytest.raises(error, match=match):
        getattr(model, method)(make_bad(X))
    _assert_same_state(before, _state(model))
    model.partial_fit(X)  # and it can go on training


@pytest.mark.parametrize("method", ["partial_fit", "predict", "transform",
                                    "predict_proba", "score"])
def test_different_feature_count_raises_and_leaves_model_unchanged(X, method):
    model = _fitted(X)
    before = _state(model)
    with pytest.raises(ValueError, match="X has 3 features, but OnlineHardClustering "
                                         "is expecting 4 features"):
        getattr(model, method)(X[:, :3])
    _assert_same_state(before, _state(model))


def test_fewer_samples_than_clusters(X):
    with pytest.raises(ValueError, match="n_samples=2 should be >= n_clusters=3"):
        OnlineHardClustering(n_clusters=3).fit(X[:2])
    with pytest.raises(ValueError, match="n_samples=2 should be >= n_clusters=3"):
        OnlineHardClustering(n_clusters=3).partial_fit(X[:2])
    # later partial_fit chunks may be smaller than n_clusters
    with pytest.warns(SmallFirstChunkWarning, match="has 60 rows"):
        model = OnlineHardClustering(n_clusters=3, random_state=0).partial_fit(X)
    model.partial_fit(X[:1])
    assert model.n_iter_ == 2


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_clusters": 0}, "n_clusters"),
        ({"n_clusters": 2.5}, "n_clusters"),
        ({"latent_dim": 0}, "latent_dim"),
        ({"sigma": 0.0}, "sigma"),
        ({"sigma": -1.0}, "sigma"),
        ({"sigma": "large"}, "sigma"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"lr": 0.0}, "lr"),
        ({"objective": "soft"}, "objective"),
        ({"regularization": "soft"}, "regularization"),
        ({"optimizer": "adam"}, "optimizer"),
        ({"init": np.zeros((2, 5))}, "init"),
        ({"init": "kmeans++"}, "init"),
        ({"encoder": "resnet"}, "encoder"),
        ({"encoder": 3}, "encoder"),
        ({"device": "tpu"}, "device"),
        ({"device": 3}, "device"),
        ({"device": "tpu9"}, "device"),
        ({"prior": [0.5, 0.5]}, "prior.*one entry per cluster"),
        ({"prior": [0.5, 0.5, -1.0]}, "positive"),
        ({"input_shape": (0, 4)}, "input_shape"),
        ({"input_shape": [2.0, 2]}, "input_shape"),
        ({"input_shape": (7, 7)}, "input_shape"),  # 49 values, X has 4
        ({"callbacks": [object()]}, "callbacks"),
        ({"callbacks": "progress"}, "callbacks"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_invalid_parameters_raise_and_leave_model_unchanged(X, params, match):
    model = _fitted(X)
    before = _state(model)
    model.set_params(**params)
    # scikit-learn's error for parameters (a ValueError and TypeError), before any work
    with pytest.raises(InvalidParameterError, match=match):
        model.fit(X)
    # partial_fit names a changed frozen parameter (init) first, with a ValueError
    with pytest.raises(ValueError, match=match):
        model.partial_fit(X)
    model.set_params(**{k: OnlineHardClustering().get_params()[k] for k in params})
    _assert_same_state(before, _state(model))


def test_cuda_unavailable_is_a_clear_error(X, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        OnlineHardClustering(n_clusters=3, device="cuda").fit(X)
    model = OnlineHardClustering(n_clusters=3, max_epochs=1, device="auto").fit(X)
    assert model.device_ == torch.device("cpu")


def test_encoder_with_wrong_output_is_a_clear_error(X):
    bad = torch.nn.Linear(4, 7)
    with pytest.raises(ValueError, match=r"shape \(batch, latent_dim\)"):
        OnlineHardClustering(n_clusters=3, encoder=bad, latent_dim=5).fit(X)
    with pytest.raises(ValueError, match="the encoder failed"):
        OnlineHardClustering(n_clusters=3, encoder=torch.nn.Linear(9, 5),
                             latent_dim=5).fit(X)
    with pytest.raises(TypeError, match="not an nn.Module"):
        OnlineHardClustering(n_clusters=3, encoder=lambda shape, dim: "mlp").fit(X)


class Explode(Callback):
    def __init__(self, error):
        self.error = error

    def on_batch_end(self, net, **kwargs):
        raise self.error


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_during_partial_fit_rolls_back(X, error):
    model = _fitted(X)
    before = _state(model)
    # a callback that raises mid-pass, after at least one optimizer step
    model._net.callbacks_.append(("explode", Explode(error)))
    with pytest.raises(type(error)):
        model.partial_fit(X)
    model._net.callbacks_.pop()
    _assert_same_state(before, _state(model))
    # training continues exactly as if the failed call never happened
    twin = _fitted(X)
    model.partial_fit(X)
    twin.partial_fit(X)
    np.testing.assert_array_equal(model.cluster_centers_, twin.cluster_centers_)


def test_failure_during_refit_keeps_old_model(X):
    model = _fitted(X)
    before = _state(model)
    model.set_params(callbacks=[Explode(RuntimeError("boom"))])
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(X)
    _assert_same_state(before, _state(model))


def test_non_finite_loss_stops_with_named_cause(X):
    model = _fitted(X)
    before = _state(model)
    with torch.no_grad():
        model._net.module_.centroids[0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="lower lr|sigma|Scale"):
        model.partial_fit(X)
    with torch.no_grad():
        model._net.module_.centroids.copy_(before["module"]["centroids"])
    _assert_same_state(before, _state(model))


def test_unfitted_model_raises_not_fitted(X):
    from sklearn.exceptions import NotFittedError

    model = OnlineHardClustering()
    for method in ("predict", "transform", "predict_proba", "score"):
        with pytest.raises(NotFittedError):
            getattr(model, method)(X)
    assert not hasattr(model, "cluster_centers_")


def test_failed_refit_restores_a_shared_random_state(X):
    rng = np.random.RandomState(0)
    model = _fitted(X, random_state=rng)
    before = _state(model)
    model.set_params(callbacks=[Explode(RuntimeError("boom"))])
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(X)
    model.set_params(callbacks=None)
    _assert_same_state(before, _state(model))


def test_values_beyond_float32_and_torch_tensors(X):
    model = _fitted(X)
    with pytest.raises(ValueError, match="float32 range"):
        model.predict(np.full((3, 4), 1e39))
    # finite in float32, but their squares are not
    before = model.predict(X)
    huge = X.copy()
    huge[0, 0] = 1e19
    for method in (model.predict, model.predict_proba, model.transform, model.partial_fit):
        with pytest.raises(ValueError, match="up to 1e\\+19 in magnitude.*StandardScaler"):
            method(huge)
    with pytest.raises(ValueError, match="in magnitude"):
        OnlineHardClustering(n_clusters=3).fit(huge * 1e11)
    np.testing.assert_array_equal(model.predict(X), before)
    tensor = torch.from_numpy(X).requires_grad_(True)
    np.testing.assert_array_equal(model.predict(tensor), model.predict(X))


def _small_blobs(scale, dtype=np.float32):
    from sklearn.datasets import make_blobs
    X, y = make_blobs(300, n_features=4, centers=3, random_state=0)
    return (((X - X.mean(0)) / X.std(0)) * scale).astype(dtype), y


@pytest.mark.parametrize("scale, dtype", [(1e-4, np.float32), (1e-12, np.float32),
                                          (1e-40, np.float32),  # subnormal in float32
                                          (1e-50, np.float64)])  # below float32's range
def test_tiny_training_data_are_scaled_up_and_cluster_as_any_other(scale, dtype, tmp_path):
    from sklearn.metrics import adjusted_rand_score
    X, y = _small_blobs(scale, dtype)
    for seed in range(2):
        # unscaled, the encoder's biases (amplified by the start's scale)
        # pulled every sample into one cluster: ARI 0 on every seed
        model = OnlineHardClustering(n_clusters=3, max_epochs=5, random_state=seed).fit(X)
        assert adjusted_rand_score(y, model.labels_) == 1.0, seed
    largest = np.abs(X).max()
    assert model._input_scale == 2.0 ** round(-np.log2(largest))  # a power of two
    np.testing.assert_array_equal(model.predict(X), model.labels_)  # later X: scaled alike
    np.testing.assert_array_equal(model.predict_proba(X).argmax(1), model.labels_)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), model.labels_)
    path = tmp_path / "tiny.pt"
    model.save(path)
    np.testing.assert_array_equal(OnlineHardClustering.load(path).predict(X), model.labels_)
    # values the scale would carry beyond float32's squares are refused, not overflowed
    with pytest.raises(ValueError, match="once centred and scaled"):
        model.predict(X / scale * 1e13)
    # a stream takes the scale of its first chunk
    stream = OnlineHardClustering(n_clusters=3, random_state=0)
    stream.partial_fit(X[:150]).partial_fit(X[150:])
    assert stream._input_scale == 2.0 ** round(-np.log2(np.abs(X[:150]).max()))


def test_x_far_larger_than_tiny_training_data_is_warned_about(tmp_path):
    X, _ = _small_blobs(1e-4)
    model = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(X * 500)  # within the training data's range, give or take
    usual = X * 1e4  # standardised: what the model would see unscaled
    for method in (model.predict, model.predict_proba, model.transform, model.score):
        with pytest.warns(InputScaleWarning, match=r"scales every X up by 4096 .*extrapolates"
                          ) as caught:
            method(usual)
        assert caught[0].filename == __file__, method  # the user's call, not the library's
    # a stream whose first chunk was tiny and whose next is not
    stream = OnlineHardClustering(n_clusters=3, random_state=0).partial_fit(X[:150])
    with pytest.warns(InputScaleWarning) as caught:
        stream.partial_fit(usual[150:])
    assert caught[0].filename == __file__
    # centred and scaled: the distance from the training data's mean counts
    far = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(X + 5)
    assert far._input_shift is not None and far._input_scale == model._input_scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        far.predict(X * 500 + 5)
    with pytest.warns(InputScaleWarning, match="from the mean of this model's training data"):
        far.predict(usual + 5)
    # a model of data of the usual magnitudes has no scale and never warns
    plain = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(usual)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.predict(usual * 1e6)


def test_files_of_models_that_move_their_inputs_are_marked_for_this_release(tmp_path):
    # releases before 0.3 read "hardclust-weights-1" files and would ignore
    # the scale and shift; a new mark makes them refuse such files instead
    X, _ = _small_blobs(1.0)
    for data, mark in [(X, "hardclust-weights-1"), (X * 1e-4, "hardclust-weights-2"),
                       (X + 1e3, "hardclust-weights-2")]:
        model = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(data)
        path = tmp_path / "model.pt"
        model.save(path)
        assert torch.load(path, weights_only=True)["format"] == mark
        np.testing.assert_array_equal(OnlineHardClustering.load(path).predict(data),
                                      model.labels_)


@pytest.mark.parametrize("offset", [1e3, -1e6])
def test_data_far_from_the_origin_are_centred_and_cluster_as_any_other(offset, tmp_path):
    from sklearn.metrics import adjusted_rand_score
    X, y = _small_blobs(1.0, np.float64)
    X = X + offset  # e.g. years, or coordinates in a small region
    for seed in range(2):
        # uncentred, every sample went to one cluster (ARI 0 at 1e3)
        model = OnlineHardClustering(n_clusters=3, max_epochs=5, random_state=seed).fit(X)
        assert adjusted_rand_score(y, model.labels_) == 1.0, seed
    np.testing.assert_allclose(model._input_shift, X.mean(axis=0))
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    path = tmp_path / "far.pt"
    model.save(path)
    np.testing.assert_array_equal(OnlineHardClustering.load(path).predict(X), model.labels_)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), model.labels_)
    X_copy = X.copy()
    model.predict(X)
    np.testing.assert_array_equal(X, X_copy)  # the caller's array is left alone
    # a stream takes the shift of its first chunk
    stream = OnlineHardClustering(n_clusters=3, random_state=0)
    stream.partial_fit(X[:150]).partial_fit(X[150:])
    np.testing.assert_allclose(stream._input_shift, X[:150].mean(axis=0))


def test_data_of_usual_magnitudes_reach_the_model_unscaled(X):
    model = _fitted(X)
    assert model._input_scale == 1.0 and model._input_shift is None
    np.testing.assert_array_equal(model._validate_X(X, reset=False).numpy(), X)
    images = np.random.RandomState(0).randint(0, 256, (40, 64)).astype(np.float32)
    assert OnlineHardClustering(2, max_epochs=1, random_state=0).fit(images)._input_scale == 1.0


def test_callbacks_must_be_skorch_callbacks(X):
    with pytest.raises(TypeError, match="callbacks.*must be a list of skorch callbacks"):
        OnlineHardClustering(n_clusters=3, callbacks=[object()]).fit(X)


def test_score_on_lopsided_clusters_is_minus_one_not_an_error():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (2999, 2)), [[50.0, 50.0]]]).astype(np.float32)
    model = OnlineHardClustering(n_clusters=2, max_epochs=1, random_state=0).fit(X)
    assert -1.0 <= model.score(X) <= 1.0


def test_init_and_set_params_never_validate():
    # scikit-learn's check_do_not_raise_errors_in_init_or_set_params, minus
    # the **optimizer_params catch-all (listed in test_sklearn_conformance)
    import inspect

    names = [name for name, p in inspect.signature(OnlineHardClustering).parameters.items()
             if p.kind != p.VAR_KEYWORD]
    for value in [-1, 3.0, "helloworld", np.array([1.0, 4.0]), [1], {}, []]:
        params = {name: value for name in names}
        model = OnlineHardClustering(**params, optimizer__weight_decay=value)
        model.set_params(**params, optimizer__momentum=value)
        assert model.get_params()["optimizer__momentum"] is value


def test_optimizer_options_are_parameters(X):
    model = OnlineHardClustering(n_clusters=3, max_epochs=1, random_state=0,
                                 optimizer=torch.optim.AdamW, optimizer__weight_decay=0.5)
    assert model.get_params()["optimizer__weight_decay"] == 0.5
    assert clone(model).get_params()["optimizer__weight_decay"] == 0.5
    model.fit(X)
    group = model._net.optimizer_.param_groups[0]
    assert isinstance(model._net.optimizer_, torch.optim.AdamW)
    assert group["weight_decay"] == 0.5 and group["lr"] == model.lr_ == 1e-3
    with pytest.raises(TypeError, match="optimizer__<name>"):
        OnlineHardClustering(weight_decay=0.5)
    bad = OnlineHardClustering(n_clusters=3, optimizer__no_such_option=1)
    with pytest.raises(TypeError, match="no_such_option.*optimizer__<name>"):
        bad.fit(X)
    assert not hasattr(bad, "_net")  # nothing half-built is left behind


def test_read_only_input_is_copied_before_torch_sees_it():
    # a pandas frame's values can be read-only; torch.from_numpy warns on them
    X = np.random.RandomState(0).normal(size=(60, 4)).astype(np.float32)
    X.flags.writeable = False
    model = OnlineHardClustering(3, max_epochs=1, random_state=0)
    tensor = model._validate_X(X, reset=True)
    assert not np.shares_memory(tensor.numpy(), X)
    writable = X.copy()
    assert np.shares_memory(model._validate_X(writable, reset=False).numpy(), writable)


def test_a_pandas_pipeline_fits_without_warnings():
    import warnings

    import pandas as pd
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    X = pd.DataFrame(np.vstack([rng.normal(m, 1, (50, 4)) for m in (-4, 4)]).astype(np.float32),
                     columns=list("abcd"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pipe = make_pipeline(StandardScaler(), OnlineHardClustering(2, max_epochs=2,
                                                                    random_state=0))
        pipe.set_output(transform="pandas").fit(X)
        out = pipe.transform(X)
    assert list(out.columns[:2]) == ["onlinehardclustering0", "onlinehardclustering1"]


def test_html_repr_leaves_out_the_deprecated_alias_at_its_default():
    import warnings

    html = OnlineHardClustering(3)._repr_html_()
    assert "objective" in html and "regularization" not in html
    model = OnlineHardClustering(3, regularization="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        assert "regularization" in model._repr_html_()  # set by the user: shown
    assert "regularization" not in repr(OnlineHardClustering(3))

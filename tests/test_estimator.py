"""OnlineHardClustering: API behaviour users rely on."""

import pickle
import random
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from hardclust import ClusterCollapseWarning, OnlineHardClustering
from hardclust.encoders import MLPEncoder


def _model(**params):
    params = {"n_clusters": 4, "max_epochs": 15, "random_state": 0, **params}
    return OnlineHardClustering(**params)


def test_recovers_well_separated_blobs(blobs):
    X, y = blobs
    model = _model().fit(X)
    assert adjusted_rand_score(y, model.labels_) > 0.95
    assert model.labels_.dtype == np.int64
    np.testing.assert_array_equal(model.labels_, model.predict(X))


def test_fitted_attributes(blobs):
    X, _ = blobs
    model = _model(latent_dim=7, batch_size=64, max_epochs=3).fit(X)
    assert model.cluster_centers_.shape == (4, 7)
    assert isinstance(model.encoder_, nn.Module)
    assert model.device_ == torch.device("cpu")
    assert model.n_features_in_ == 6
    assert model.n_iter_ == 3
    assert model.n_steps_ == 3 * 5  # ceil(300 / 64) batches per epoch
    assert len(model.history_) == 3
    last = model.history_[-1]
    assert sum(last["cluster_sizes"]) == 300
    assert last["n_empty"] == sum(size == 0 for size in last["cluster_sizes"])
    assert np.isfinite(last["train_loss"]) and last["dur"] > 0


def test_no_empty_cluster_on_balanced_data(blobs):
    X, _ = blobs
    model = _model(n_clusters=4).fit(X)
    assert np.bincount(model.predict(X), minlength=4).min() > 0
    assert model.history_[-1, "n_empty"] == 0


def test_transform_and_proba(blobs):
    X, _ = blobs
    model = _model(latent_dim=5, max_epochs=2).fit(X)
    Z = model.transform(X)
    assert Z.shape == (300, 5) and Z.dtype == np.float32
    proba = model.predict_proba(X)
    assert proba.shape == (300, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-10)
    np.testing.assert_array_equal(proba.argmax(axis=1), model.predict(X))
    # transform agrees with the encoder applied by hand
    with torch.no_grad():
        model.encoder_.eval()
        direct = model.encoder_(torch.from_numpy(X)).numpy() * model.embedding_scale_
    np.testing.assert_allclose(Z, direct, rtol=1e-5, atol=1e-5)


def test_methods_are_invariant_to_subsets(blobs):
    # scikit-learn's check_methods_subset_invariance at float32 resolution:
    # a sample's outputs do not depend on the other samples of the call
    X, _ = blobs
    model = _model().fit(X)
    whole = {m: getattr(model, m)(X) for m in ("predict", "transform", "predict_proba")}
    for part in np.array_split(np.arange(len(X)), [7, 100, 101, 290]):
        np.testing.assert_array_equal(model.predict(X[part]), whole["predict"][part])
        scale = np.abs(whole["transform"]).max()
        np.testing.assert_allclose(model.transform(X[part]), whole["transform"][part],
                                   rtol=1e-5, atol=1e-6 * scale)
        np.testing.assert_allclose(model.predict_proba(X[part]),
                                   whole["predict_proba"][part], rtol=1e-4, atol=1e-6)


def test_inference_chunking_does_not_change_outputs(blobs, monkeypatch):
    import hardclust._inference as estimator

    X, _ = blobs
    model = _model(batch_size=16).fit(X)
    assert model._inference_rows() == estimator._INFER_MAX_ROWS  # few features: big chunks
    whole = model.predict(X), model.transform(X)
    # small chunks, several per group and several groups (300 rows)
    monkeypatch.setattr(estimator, "_INFER_VALUES_MLP", 32 * X.shape[1])
    monkeypatch.setattr(estimator, "_COSTS_GROUP", 2)
    assert model._inference_rows() == 32
    np.testing.assert_array_equal(model.predict(X), whole[0])
    np.testing.assert_allclose(model.transform(X), whole[1], rtol=1e-5,
                               atol=1e-6 * np.abs(whole[1]).max())


def test_inference_rows_grow_for_few_values_and_for_the_mlp():
    unfitted = OnlineHardClustering(batch_size=256)
    unfitted._sample_shape = (64,)
    assert unfitted._inference_rows() == 2048  # 2**17 values
    unfitted._sample_shape = (1, 28, 28)
    assert unfitted._inference_rows() == 256
    images = np.random.RandomState(0).rand(40, 1, 28, 28).astype(np.float32)
    # (uniform noise: the k-means start keeps both clusters in use, so no warning)
    mlp = OnlineHardClustering(2, max_epochs=1, init="k-means", random_state=0).fit(images)
    assert mlp._inference_rows() == 4096  # the MLP: 2**22 values, at most 4,096 rows
    cnn = OnlineHardClustering(2, max_epochs=1, encoder="conv2d", init="k-means",
                               random_state=0).fit(images)
    assert cnn._inference_rows() == 256


def test_sigma_auto_scales_with_latent_dim(blobs):
    X, _ = blobs
    assert _model(latent_dim=8, max_epochs=1).fit(X).sigma_ == 12.5  # 25/16 per dimension
    assert _model(latent_dim=8, sigma=3.0, max_epochs=1).fit(X).sigma_ == 3.0
    assert _model(max_epochs=1).fit(X).sigma_ == 200.0  # the default latent_dim's


def test_predict_is_nearest_centroid_under_prior(blobs):
    X, _ = blobs
    prior = [0.7, 0.1, 0.1, 0.1]
    # four equal blobs against this prior: the graph start leaves one
    # cluster unused (a warning); the rule tested is the same for any start
    model = _model(prior=prior, max_epochs=2, init="k-means").fit(X)
    Z = model.transform(X).astype(np.float64)
    d = ((Z[:, None, :] - model.cluster_centers_[None]) ** 2).sum(-1)
    expected = (d / model.sigma_ - np.log(prior)).argmin(axis=1)
    assert (model.predict(X) == expected).mean() > 0.99  # float32 vs float64 ties


def test_same_seed_is_bit_identical_and_leaves_global_rngs_alone(blobs):
    X, _ = blobs
    np.random.seed(123)
    random.seed(123)
    torch.manual_seed(123)
    states = (np.random.get_state()[1].copy(), random.getstate(), torch.get_rng_state())
    a = _model(max_epochs=3).fit(X)
    b = _model(max_epochs=3).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert [h["train_loss"] for h in a.history_] == [h["train_loss"] for h in b.history_]
    np.testing.assert_array_equal(np.random.get_state()[1], states[0])
    assert random.getstate() == states[1]
    assert torch.equal(torch.get_rng_state(), states[2])
    c = _model(max_epochs=3, random_state=1).fit(X)
    assert not np.array_equal(a.cluster_centers_, c.cluster_centers_)


def test_partial_fit_stream_reaches_fit_quality(blobs):
    X, y = blobs
    rng = np.random.RandomState(0)
    model = _model()
    for _ in range(15):
        for chunk in np.array_split(X[rng.permutation(len(X))], 3):
            model.partial_fit(chunk)
    assert model.n_iter_ == 45
    assert adjusted_rand_score(y, model.predict(X)) > 0.95
    assert len(model.labels_) == len(chunk)


def test_partial_fit_first_call_initialises_then_continues(blobs):
    X, _ = blobs
    model = _model().partial_fit(X[:100])
    centers = model.cluster_centers_
    model.partial_fit(X[100:200])
    assert model.n_iter_ == 2
    assert not np.array_equal(centers, model.cluster_centers_)
    # fit starts over
    model.fit(X)
    assert model.n_iter_ == 15


def test_fit_does_not_train_the_users_module(blobs):
    X, _ = blobs
    mine = MLPEncoder((6,), 3)
    before = {k: v.clone() for k, v in mine.state_dict().items()}
    model = _model(encoder=mine, latent_dim=3, max_epochs=2).fit(X)
    assert model.encoder_ is not mine
    for k, v in mine.state_dict().items():
        assert torch.equal(v, before[k])


class TinyEncoder(nn.Module):
    def __init__(self, input_shape, latent_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(int(np.prod(input_shape)), latent_dim))

    def forward(self, x):
        return self.net(x)


@pytest.mark.parametrize(
    "encoder",
    [TinyEncoder, lambda shape, dim: TinyEncoder(shape, dim), TinyEncoder((6,), 4)],
    ids=["class", "callable", "instance"],
)
def test_encoder_kinds(blobs, encoder):
    X, _ = blobs
    model = _model(encoder=encoder, latent_dim=4, max_epochs=2).fit(X)
    assert isinstance(model.encoder_, TinyEncoder)
    assert model.transform(X).shape == (300, 4)


def test_auto_encoder_is_the_mlp_for_images_and_conv2d_the_cnn():
    rng = np.random.RandomState(0)
    images = rng.rand(40, 8, 8).astype(np.float32)
    model = OnlineHardClustering(n_clusters=2, max_epochs=1, random_state=0).fit(images)
    assert type(model.encoder_).__name__ == "MLPEncoder" and model.lr_ == 1e-3
    assert model.predict(images).shape == (40,)
    cnn = OnlineHardClustering(n_clusters=2, max_epochs=1, encoder="conv2d",
                               random_state=0).fit(images)
    assert type(cnn.encoder_).__name__ == "ConvEncoder" and cnn.lr_ == 3e-4
    flat = OnlineHardClustering(n_clusters=2, max_epochs=1, encoder="conv2d",
                                input_shape=(1, 8, 8), random_state=0).fit(images.reshape(40, -1))
    assert type(flat.encoder_).__name__ == "ConvEncoder"
    with pytest.raises(ValueError, match="features"):
        model.predict(images.reshape(40, 64))
    with pytest.raises(ValueError, match="shape"):
        model.predict(images[:, :, :4])


def test_pipeline_and_grid_search(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), _model(max_epochs=5))
    labels = pipe.fit_predict(X)
    assert adjusted_rand_score(y, labels) > 0.9
    assert pipe.transform(X).shape == (300, OnlineHardClustering().latent_dim)

    grid = {"sigma": [0.1, 10.0]}
    unsupervised = GridSearchCV(_model(max_epochs=5), grid, cv=2).fit(X)
    assert np.isfinite(unsupervised.cv_results_["mean_test_score"]).all()
    assert unsupervised.best_params_["sigma"] in grid["sigma"]

    supervised = GridSearchCV(_model(max_epochs=5), grid, cv=2,
                              scoring="adjusted_rand_score").fit(X, y)
    assert supervised.best_score_ > 0.5


def test_score_prefers_separated_clusters_and_punishes_collapse(blobs):
    X, _ = blobs
    good = _model().fit(X)
    assert good.score(X) > 0.5
    collapsed = _model(n_clusters=4, objective="none", sigma=1e-3, max_epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClusterCollapseWarning)
        collapsed.fit(X)
    if len(np.unique(collapsed.predict(X))) == 1:
        assert collapsed.score(X) == -1.0


def test_clone_gives_unfitted_copy_with_same_params(blobs):
    X, _ = blobs
    model = _model(sigma=3.0).fit(X)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "labels_")
    assert set(model.get_params()) == {
        "n_clusters", "encoder", "latent_dim", "sigma", "prior", "objective",
        "reg_strength", "init", "layout_passes", "n_init", "input_shape", "batch_size",
        "max_epochs", "lr",
        "optimizer", "device", "callbacks", "compute_labels", "verbose", "random_state",
        "regularization", "reassignment_ratio", "drift_threshold", "reconstruction",
        "decoder", "reset_interval", "reset_shrink", "pretrain_epochs", "n_neighbors",
        "neighbor_weight", "tol", "n_threads",
    }


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip(blobs, dump, tmp_path):
    X, _ = blobs
    model = _model(max_epochs=3).fit(X)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(model))
    else:
        joblib.dump(model, tmp_path / "model.joblib")
        loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    # and it keeps training exactly as the original would
    model.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_array_equal(loaded.cluster_centers_, model.cluster_centers_)


def test_verbose_zero_prints_nothing(blobs, capsys):
    X, _ = blobs
    model = _model(max_epochs=2, verbose=0).fit(X)
    model.partial_fit(X)
    model.predict(X)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_skorch_callbacks_are_called(blobs):
    from skorch.callbacks import Callback

    class Count(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    counter = Count()
    model = _model(max_epochs=3, callbacks=[("count", counter)]).fit(X=blobs[0])
    assert model.n_iter_ == 3
    assert not hasattr(counter, "epochs")  # the user's instance is copied
    assert dict(model._net.callbacks_)["count"].epochs == 3


def test_collapse_warns_with_a_fix(blobs):
    X, _ = blobs
    model = _model(n_clusters=4, objective="none", init="random", sigma=1e-4,
                   max_epochs=3)
    with pytest.warns(ClusterCollapseWarning, match="sigma"):
        model.fit(X)


def test_collapse_in_the_final_labels_warns_even_if_the_last_pass_did_not(blobs):
    X, _ = blobs

    class CollapsesAtTheEnd(OnlineHardClustering):
        """Final labels in one cluster, whatever the training pass saw."""

        def _infer(self, X, output):
            if output == "labels":
                return torch.zeros(len(X), dtype=torch.int64)
            return super()._infer(X, output)

    with pytest.warns(ClusterCollapseWarning, match="2 of 3 clusters.*after training"):
        model = CollapsesAtTheEnd(n_clusters=3, max_epochs=2, random_state=0).fit(X)
    assert model._net.history[-1, "n_empty"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClusterCollapseWarning)
        _model(n_clusters=3, max_epochs=2).fit(X)


def test_merged_centroids_warn_with_a_fix(blobs):
    # four blobs, eight clusters: the count penalty gives each blob two
    # centroids, and after 15 epochs most pairs lie within their blob's spread
    X, _ = blobs
    with pytest.warns(ClusterCollapseWarning, match="pairs of centroids merged") as caught:
        model = _model(n_clusters=8, init="k-means").fit(X)
    message = str(caught[0].message)
    assert "fewer n_clusters" in message and "15 passes" in message
    assert len(np.unique(model.labels_)) == 8  # no cluster is empty: only the gaps tell
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClusterCollapseWarning)
        _model(n_clusters=4).fit(X)


def test_close_but_tight_clusters_are_not_called_merged():
    # two pairs of blobs, 6 apart within a pair and 100 between pairs: the
    # close pairs' centroids are near each other next to the far ones, but
    # far apart next to how tightly each cluster's points sit
    from sklearn.datasets import make_blobs

    centers = np.zeros((4, 6))
    centers[:, 0] = [0, 6, 100, 106]
    X, y = make_blobs(400, centers=centers, cluster_std=0.5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClusterCollapseWarning)
        model = OnlineHardClustering(4, random_state=0).fit(X)
    assert adjusted_rand_score(y, model.labels_) > 0.95


def test_a_good_start_in_many_dimensions_is_not_called_merged():
    # after one pass on the digits the centroids are closer together than
    # the 64-dimensional points lie from them, as they are at any k-means
    # start in many dimensions: not a merge
    from sklearn.datasets import load_digits

    X = load_digits().data.astype(np.float32) / 16
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClusterCollapseWarning)
        OnlineHardClustering(10, max_epochs=1, random_state=0).fit(X)


def test_merge_warning_names_the_closest_pair():
    from hardclust.exceptions import warn_if_merged

    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.1, 0.0], [0.0, 10.0]])
    # the limit is 1% of the start's spread: 1.0
    options = {"spread": lambda: 0.05, "start_spread": 100.0, "n_epochs": 1, "lr": 1e-3}
    with pytest.warns(ClusterCollapseWarning, match="^1 pair of centroids merged "
                      r"\(closest: clusters 0 and 2, squared distance 0.01, less than the "
                      r"0.05 .*\(1 pass at lr 0.001"):
        warn_if_merged(centers, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClusterCollapseWarning)
        warn_if_merged(centers[:2], **options)  # 100 apart: not merged
        warn_if_merged(centers[:1], **options)  # one cluster has no pair
        warn_if_merged(centers, **{**options, "spread": lambda: 0.01})  # the limit is strict
        warn_if_merged(np.zeros((3, 2)), **{**options, "spread": lambda: 0.0})  # nothing spread
        warn_if_merged(centers, **{**options, "start_spread": 1.0})  # as far as the limit
        # no pair within the limit: the data is not embedded to measure the spread
        warn_if_merged(centers[:2], **{**options, "spread": lambda: pytest.fail("embedded")})


def test_true_prior_keeps_a_small_cluster_with_default_sigma():
    # examples/imbalanced.py: with sigma=300 (tried as a default) the -log
    # prior term outweighed the distances and the 7% cluster ended empty
    from sklearn.datasets import make_blobs

    sizes = [2400, 400, 200]
    X, y = make_blobs(n_samples=sizes, n_features=8, cluster_std=1.0, random_state=0)
    prior = np.array(sizes) / sum(sizes)
    labels = OnlineHardClustering(n_clusters=3, prior=prior, max_epochs=5,
                                  random_state=0).fit_predict(X)
    counts = np.bincount(labels, minlength=3)
    assert counts.min() > 150
    assert adjusted_rand_score(y, labels) > 0.95


def test_kmeans_init_puts_large_clusters_where_the_prior_is_large():
    rng = np.random.RandomState(0)
    centers = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    sizes = [10, 60, 30]
    X = np.concatenate([c + rng.normal(scale=0.5, size=(n, 2))
                        for c, n in zip(centers, sizes)]).astype(np.float32)
    for prior in ([0.6, 0.3, 0.1], [0.1, 0.3, 0.6], [0.3, 0.1, 0.6]):
        expected = [{0.6: 60, 0.3: 30, 0.1: 10}[p] for p in prior]
        for seed in range(3):
            # a learning rate too small for training to reorder the clusters
            model = _model(n_clusters=3, prior=prior, max_epochs=1, lr=1e-7,
                           random_state=seed).fit(X)
            assert np.bincount(model.labels_, minlength=3).tolist() == expected


def test_predict_agrees_with_proba_and_the_model_rests_in_eval_mode(blobs):
    X, _ = blobs
    model = _model(n_clusters=4, max_epochs=2).fit(X)
    assert not model._net.module_.training
    np.testing.assert_array_equal(model.predict(X), model.predict_proba(X).argmax(axis=1))
    np.testing.assert_array_equal(model.predict(X), model.labels_)


def test_n_init_keeps_the_run_with_the_best_score(blobs):
    X, _ = blobs
    # the third run scores best but uses fewer clusters: the second is kept
    scores = iter([(0.1, 4), (0.5, 4), (0.9, 3)])
    seen = []

    class Recording(OnlineHardClustering):
        def _own_silhouette(self, X):
            seen.append(self._net)
            return next(scores)  # (score, clusters used)

    model = Recording(n_clusters=4, n_init=3, max_epochs=2, random_state=0).fit(X)
    assert len(seen) == 3 and len({id(net) for net in seen}) == 3
    assert model._net is seen[1]
    assert model.n_iter_ == 2  # the kept run's own count, not the sum
    np.testing.assert_array_equal(model.labels_, model.predict(X))


def test_rollback_and_load_leave_the_module_in_eval_mode(blobs, tmp_path):
    X, _ = blobs
    model = _model(n_clusters=4, max_epochs=2).fit(X)
    with pytest.raises(FloatingPointError):
        model.set_params(lr=1e30).partial_fit(X).partial_fit(X)
    assert not any(m.training for m in model._net.module_.modules())
    model.save(tmp_path / "m.pt")
    loaded = OnlineHardClustering.load(tmp_path / "m.pt")
    assert not any(m.training for m in loaded._net.module_.modules())


def test_inference_ignores_dropout_even_if_a_submodule_was_left_training(blobs):
    X, _ = blobs

    def encoder(input_shape, latent_dim):
        return nn.Sequential(nn.Linear(input_shape[0], 32), nn.Dropout(0.5),
                             nn.Linear(32, latent_dim))

    model = _model(n_clusters=4, max_epochs=2, encoder=encoder, latent_dim=4).fit(X)
    model.encoder_[1].train()  # a user pokes one submodule
    np.testing.assert_array_equal(model.transform(X), model.transform(X))
    assert model.encoder_[1].training  # and gets it back as it was


def test_regularization_is_a_deprecated_name_for_objective(blobs):
    X, _ = blobs
    with pytest.warns(FutureWarning, match="renamed 'objective'"):
        old = _model(regularization="sinkhorn", max_epochs=1).fit(X)
    new = _model(objective="sinkhorn", max_epochs=1).fit(X)
    np.testing.assert_array_equal(old.cluster_centers_, new.cluster_centers_)


def test_compute_labels_false_keeps_no_stale_labels_and_fit_predict_still_labels(blobs):
    X, _ = blobs
    model = _model(max_epochs=2).fit(X)
    model.set_params(compute_labels=False)
    other = X[:100, :3]  # a refit on other data: the old labels_ must not stay
    labels = model.fit_predict(other)
    assert "labels_" not in vars(model)
    np.testing.assert_array_equal(labels, model.predict(other))

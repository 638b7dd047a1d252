"""The objectives' own rules (the estimator-level behaviour of the paper's
objectives is in test_estimator.py); here SeCu's, ``objective="secu"``."""

import pickle

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.metrics import adjusted_rand_score
from torch import nn

from hardclust import OnlineHardClustering
from hardclust._model import ClusterModule
from hardclust.objectives import SECU_SIGMA, SecuObjective


def _module(n_clusters=5, latent_dim=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    encoder = nn.Linear(4, latent_dim)
    with torch.no_grad():
        encoder.weight.copy_(torch.randn(latent_dim, 4, generator=generator))
        encoder.bias.zero_()
    centroids = torch.randn(n_clusters, latent_dim, generator=generator)
    return ClusterModule(encoder, centroids, SECU_SIGMA, torch.zeros(n_clusters), normalize=True)


def _loss(module, objective, x, views=None):
    both = x if views is None else torch.cat([x, views])
    z = module.head(module.encoder(both))
    costs = module.costs(z)[:len(x)]
    return objective(costs, module=module, z=z, n_points=len(x))


def test_only_the_assigned_centroids_learn():
    # three samples, five clusters: two centroids have no sample in the batch
    module, objective = _module(), SecuObjective()
    objective.freeze(module.centroids)
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(1))
    loss, labels = _loss(module, objective, x, views=x + 0.01)
    loss.backward()
    grad = module.centroids.grad.norm(dim=1)
    assigned = torch.zeros(5, dtype=torch.bool)
    assigned[labels] = True
    assert (~assigned).sum() >= 2
    assert torch.all(grad[~assigned] == 0)
    assert torch.all(grad[assigned] > 0)
    assert module.encoder.weight.grad.abs().sum() > 0


def test_the_encoder_learns_against_the_frozen_centroids():
    # the centre loss detaches the embeddings, so the encoder's gradient
    # reads the live centroids only through the labels: with the labels
    # fixed (far-apart points), moving the live centroids a little leaves it
    # unchanged, while moving the frozen ones changes it
    module, objective = _module(n_clusters=2, latent_dim=2), SecuObjective()
    with torch.no_grad():
        module.encoder.weight.copy_(torch.eye(2, 4))
        module.centroids.copy_(torch.tensor([[1.0, 0.2], [0.2, 1.0]]))
    x = torch.tensor([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
    objective.freeze(module.centroids)

    def encoder_grad():
        module.zero_grad()
        loss, labels = _loss(module, objective, x, views=x * 0.9)
        loss.backward()
        return module.encoder.weight.grad.clone(), labels

    before, labels = encoder_grad()
    with torch.no_grad():
        module.centroids.mul_(0.9).add_(0.05)  # live centroids move
    after, same_labels = encoder_grad()
    torch.testing.assert_close(after, before)
    assert torch.equal(labels, same_labels)
    objective.freeze(module.centroids)  # now the frozen copy moves too
    moved, _ = encoder_grad()
    assert not torch.allclose(moved, before)


def test_single_samples_are_their_own_view():
    module, objective = _module(), SecuObjective()
    objective.freeze(module.centroids)
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(3))
    loss, labels = _loss(module, objective, x)
    assert torch.isfinite(loss) and labels.shape == (6,)


class CheckFrozen(Callback):
    """At each pass's start (after the net's own hook), the objective's
    frozen centroids are the live ones; the passes seen are counted."""

    def __init__(self, seen):
        self.seen = seen

    def __deepcopy__(self, memo):
        return CheckFrozen(self.seen)

    def on_epoch_begin(self, net, **kwargs):
        self.seen.append(torch.equal(net.criterion_.frozen, net.module_.centroids.detach()))


def test_secu_estimator(blobs):
    X, y = blobs
    seen = []
    model = OnlineHardClustering(n_clusters=4, objective="secu", max_epochs=5, random_state=0,
                                 callbacks=[CheckFrozen(seen)]).fit(X)
    assert seen == [True] * 5
    assert model.sigma_ == SECU_SIGMA
    assert adjusted_rand_score(y, model.labels_) > 0.9
    # embeddings and centroids on the unit sphere; labels by the nearest of them
    Z = model.transform(X)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(model.cluster_centers_, axis=1), 1, rtol=1e-5)
    nearest = ((Z[:, None] - model.cluster_centers_[None]) ** 2).sum(-1).argmin(1)
    np.testing.assert_array_equal(model.predict(X), nearest)
    np.testing.assert_array_equal(model.labels_, model.predict(X))
    twin = OnlineHardClustering(n_clusters=4, objective="secu", max_epochs=5,
                                random_state=0).fit(X)
    np.testing.assert_array_equal(twin.cluster_centers_, model.cluster_centers_)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.transform(X), Z)


def test_secu_saved_and_loaded(blobs, tmp_path):
    X, _ = blobs
    model = OnlineHardClustering(n_clusters=4, objective="secu", max_epochs=2,
                                 random_state=0).fit(X)
    model.save(tmp_path / "secu.pt")
    loaded = OnlineHardClustering.load(tmp_path / "secu.pt")
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("first, then", [("hard", "secu"), ("secu", "hard")])
def test_a_stream_switches_into_and_out_of_secu(blobs, first, then):
    X, _ = blobs
    model = OnlineHardClustering(n_clusters=4, objective=first, sigma=1.0, random_state=0)
    model.partial_fit(X)
    model.set_params(objective=then).partial_fit(X)
    norms = np.linalg.norm(model.transform(X), axis=1)
    assert np.allclose(norms, 1, rtol=1e-5) == (then == "secu")
    np.testing.assert_array_equal(model.labels_, model.predict(X))


def test_a_failed_call_into_secu_leaves_the_geometry_as_it_was(blobs):
    X, _ = blobs
    model = OnlineHardClustering(n_clusters=4, random_state=0, sigma=1.0)
    model.partial_fit(X)
    before = model.transform(X)
    with pytest.raises(FloatingPointError):
        model.set_params(objective="secu", lr=1e30).partial_fit(X).partial_fit(X)
    np.testing.assert_array_equal(model.transform(X), before)
    assert not model._net.module_.normalize


def test_a_saved_model_keeps_the_geometry_it_was_trained_in(blobs, tmp_path):
    # the objective may change after training; the file keeps the weights' sphere
    X, _ = blobs
    model = OnlineHardClustering(n_clusters=4, objective="secu", max_epochs=2,
                                 random_state=0).fit(X)
    model.set_params(objective="hard")
    model.save(tmp_path / "m.pt")
    loaded = OnlineHardClustering.load(tmp_path / "m.pt")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    # the next training call follows the objective, in both
    model.partial_fit(X)
    loaded.partial_fit(X)
    assert not model._net.module_.normalize and not loaded._net.module_.normalize


@pytest.mark.filterwarnings("ignore::hardclust.ClusterCollapseWarning")  # a poor init
def test_the_k_means_start_and_a_callable_init_see_unit_embeddings(blobs):
    X, _ = blobs
    norms = []

    def init(Z, n_clusters, random_state):
        norms.append(np.linalg.norm(Z, axis=1))
        return Z[:n_clusters]

    OnlineHardClustering(n_clusters=4, objective="secu", init=init, max_epochs=1,
                         random_state=0).fit(X)
    np.testing.assert_allclose(norms[0], 1, rtol=1e-6)

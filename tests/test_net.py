"""The training engine's building blocks (hardclust/_net.py)."""

import torch
from torch import nn

from hardclust._model import ClusterModule
from hardclust._utils import eval_mode


def _module(n_clusters=5, latent_dim=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    centroids = torch.randn(n_clusters, latent_dim, generator=generator)
    log_prior = torch.log_softmax(torch.randn(n_clusters, generator=generator), dim=0)
    return ClusterModule(nn.Identity(), centroids, sigma=2.0, log_prior=log_prior)


def test_nearest_is_the_argmin_of_the_costs():
    module = _module()
    z = torch.randn(500, 3, generator=torch.Generator().manual_seed(1)) * 3
    costs = module.costs(z)
    nearest = module.nearest(z)
    assert nearest.dtype == torch.int64 and nearest.shape == (500,)
    # equal, or a tie up to float32 rounding
    chosen = costs.gather(1, nearest[:, None]).squeeze(1)
    assert torch.allclose(chosen, costs.min(dim=1).values, atol=1e-4)
    assert (nearest == costs.argmin(dim=1)).float().mean() > 0.99
    # the raw encoder output and the scale, without multiplying
    assert torch.equal(module.nearest(z / 7.0, z_scale=7.0), nearest)


def test_nearest_uses_the_prior():
    module = ClusterModule(nn.Identity(), torch.tensor([[0.0], [1.0]]), sigma=1.0,
                           log_prior=torch.log(torch.tensor([0.99, 0.01])))
    # 0.6 is nearer to centroid 1, but the prior outweighs the distance
    assert module.nearest(torch.tensor([[0.6]])).tolist() == [0]


def test_eval_mode_restores_training_mode_and_leaves_eval_mode_alone():
    module = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    with eval_mode(module):
        assert not module.training and not module[1].training
        assert not torch.is_grad_enabled()
    assert module.training and module[1].training
    module.eval()
    with eval_mode(module):
        assert not module.training
    assert not module.training and not module[1].training
    assert torch.is_grad_enabled()


def _scheduled(**params):
    from skorch.callbacks import LRScheduler

    from hardclust import OnlineHardClustering

    return OnlineHardClustering(n_clusters=3, random_state=0, lr=0.01, **params,
                                callbacks=[LRScheduler(policy="StepLR", step_size=1, gamma=0.5)])


def test_a_new_optimizer_goes_on_under_a_learning_rate_schedule():
    # skorch rebuilds the scheduler at every call as resuming at the
    # history's epoch; torch refused that on a new optimizer (KeyError:
    # 'initial_lr') when the optimizer class changed between calls
    X = torch.randn(300, 5, generator=torch.Generator().manual_seed(0)).numpy()
    model = _scheduled()
    model.partial_fit(X)
    model.set_params(optimizer=torch.optim.SGD, lr=0.1).partial_fit(X)
    optimizer = model._net.optimizer_
    assert isinstance(optimizer, torch.optim.SGD)
    # the schedule goes on from the new rate: halved when rebuilt at the
    # call's start (as with an unchanged optimizer) and after its pass
    assert optimizer.param_groups[0]["lr"] == 0.1 / 4
    assert model.n_iter_ == 2


def test_soft_resets_go_on_under_a_learning_rate_schedule():
    X = torch.randn(300, 5, generator=torch.Generator().manual_seed(0)).numpy()
    model = _scheduled(max_epochs=3, reset_interval=1).fit(X)
    assert model.n_resets_ == 2 and model.n_iter_ == 3

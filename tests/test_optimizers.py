"""The optimizer is built on torch's fused kernel where it has one."""

import numpy as np
import pytest
import torch

from hardclust import OnlineHardClustering
from hardclust._optimizers import (build_optimizer, make_optimizer,
                                  refuse_where_unsupported, wants_fused)


def _params():
    return [torch.nn.Parameter(torch.zeros(3, 2))]


def test_adam_is_built_fused_when_the_options_leave_it_open():
    optimizer = make_optimizer(torch.optim.Adam, _params(), {"lr": 0.1})
    assert optimizer.param_groups[0]["fused"] is True


@pytest.mark.parametrize("options", [{"foreach": True}, {"fused": False},
                                     {"differentiable": True}])
def test_an_implementation_the_user_chose_is_kept(options):
    optimizer = make_optimizer(torch.optim.Adam, _params(), {"lr": 0.1, **options})
    assert not optimizer.param_groups[0]["fused"]
    for key, value in options.items():
        assert optimizer.param_groups[0][key] == value


def test_an_optimizer_without_a_fused_kernel_gets_the_options_as_given():
    options = {"lr": 0.1}
    assert not wants_fused(torch.optim.RMSprop, options)
    assert "fused" not in make_optimizer(torch.optim.RMSprop, _params(), options).defaults


def test_a_device_without_a_fused_kernel_gets_the_plain_update():
    # torch checks the device only at the first step: the probe steps
    params = (p for p in [torch.nn.Parameter(torch.ones(3, 2, device="meta"))])
    optimizer = make_optimizer(torch.optim.Adam, params, {"lr": 0.1})
    assert not optimizer.param_groups[0]["fused"]
    optimizer.param_groups[0]["params"][0].grad = torch.ones(3, 2, device="meta")
    optimizer.step()  # the fused kernel would raise here


def test_a_group_moved_to_a_device_without_the_kernel_is_unfused():
    param = torch.nn.Parameter(torch.ones(3, 2, device="meta"))
    optimizer = torch.optim.Adam([param], lr=0.1)
    optimizer.param_groups[0]["fused"] = True  # as built on a device with the kernel
    refuse_where_unsupported(optimizer)
    assert optimizer.param_groups[0]["fused"] is False
    cpu = make_optimizer(torch.optim.Adam, _params(), {"lr": 0.1})
    refuse_where_unsupported(cpu)
    assert cpu.param_groups[0]["fused"] is True


def test_a_groups_own_choice_and_a_false_differentiable():
    params = _params() + _params()
    groups = [{"params": params[:1], "foreach": True}, {"params": params[1:]}]
    assert not any(g["fused"] for g in make_optimizer(torch.optim.Adam, groups,
                                                      {"lr": 0.1}).param_groups)
    # differentiable=False chooses nothing
    plain = make_optimizer(torch.optim.Adam, _params(), {"lr": 0.1, "differentiable": False})
    assert plain.param_groups[0]["fused"] is True


def test_a_refused_option_still_names_the_convention():
    with pytest.raises(TypeError, match="optimizer__<name>"):
        build_optimizer(torch.optim.Adam, [("w", p) for p in _params()], 0.1, {"momentum": 0.9})


def test_fit_trains_with_the_fused_update_and_the_users_choice_wins():
    X = np.random.RandomState(0).normal(size=(120, 6))
    fused = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(X)
    assert fused._net.optimizer_.param_groups[0]["fused"] is True
    plain = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0,
                                 optimizer__fused=False).fit(X)
    assert not plain._net.optimizer_.param_groups[0]["fused"]
    again = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(X)
    np.testing.assert_array_equal(fused.cluster_centers_, again.cluster_centers_)


def test_options_set_between_calls_turn_the_fused_update_off():
    X = np.random.RandomState(0).normal(size=(120, 6))
    model = OnlineHardClustering(n_clusters=3, random_state=0, n_neighbors=0)
    model.partial_fit(X)
    group = model._net.optimizer_.param_groups[0]
    assert group["fused"] is True
    model.set_params(optimizer__foreach=True).partial_fit(X)
    group = model._net.optimizer_.param_groups[0]
    assert group["foreach"] is True and not group["fused"]  # as if given at the start
    # an explicit fused is the user's, whatever else is set
    model.set_params(optimizer__foreach=False, optimizer__fused=True).partial_fit(X)
    assert model._net.optimizer_.param_groups[0]["fused"] is True


@pytest.mark.filterwarnings("ignore::hardclust.exceptions.ClusterCollapseWarning")
def test_skorch_param_groups_reach_the_starts_optimizers_too():
    module = torch.nn.ModuleDict({"encoder": torch.nn.Linear(3, 2)})
    named = [*module.named_parameters(), ("centroids", torch.nn.Parameter(torch.zeros(2, 2)))]
    optimizer = build_optimizer(torch.optim.Adam, named, 1e-3,
                                {"param_groups": [("centroids", {"lr": 1e-4})]})
    assert [(g["lr"], len(g["params"])) for g in optimizer.param_groups] == [(1e-4, 1),
                                                                           (1e-3, 2)]
    X = np.random.RandomState(0).normal(size=(120, 6))
    for params in ({}, {"init": "random", "pretrain_epochs": 1}):  # graph start, warm start
        model = OnlineHardClustering(n_clusters=3, max_epochs=1, random_state=0,
                                     optimizer__param_groups=[("centroids", {"lr": 1e-4})],
                                     **params).fit(X)
        assert [g["lr"] for g in model._net.optimizer_.param_groups] == [1e-4, 1e-3]


@pytest.mark.filterwarnings("ignore::hardclust.exceptions.ClusterCollapseWarning")
def test_param_groups_stream_through_partial_fit():
    X = np.random.RandomState(0).normal(size=(120, 6))
    model = OnlineHardClustering(n_clusters=3, random_state=0, n_neighbors=0,
                                 optimizer__param_groups=[("centroids", {"lr": 1e-4})])
    model.partial_fit(X).partial_fit(X)  # the second call used to refuse the option
    assert [g["lr"] for g in model._net.optimizer_.param_groups] == [1e-4, 1e-3]
    # new groups: a new optimizer, built with them
    model.set_params(optimizer__param_groups=[("centroids", {"lr": 1e-5})]).partial_fit(X)
    assert [g["lr"] for g in model._net.optimizer_.param_groups] == [1e-5, 1e-3]
    # one group's own foreach turns the fused update off, as at the start
    model.set_params(optimizer__param_groups__0__foreach=True).partial_fit(X)
    groups = model._net.optimizer_.param_groups
    assert groups[0]["foreach"] is True and not any(g["fused"] for g in groups)


def test_complex_parameters_and_group_generators():
    complex_param = torch.nn.Parameter(torch.zeros(2, dtype=torch.complex64))
    assert not make_optimizer(torch.optim.Adam, [complex_param],
                              {"lr": 0.1}).param_groups[0]["fused"]
    layer = torch.nn.Linear(3, 2)
    groups = make_optimizer(torch.optim.Adam, [{"params": layer.parameters()}],
                            {"lr": 0.1}).param_groups
    assert len(groups[0]["params"]) == 2 and groups[0]["fused"] is True


class _NoisyAdam(torch.optim.Adam):
    """An Adam whose step draws from torch's global RNG."""

    def step(self, closure=None):
        torch.rand(1)
        return super().step(closure)


def test_the_kernel_probe_leaves_the_global_rng_as_it_was():
    state = torch.get_rng_state()
    make_optimizer(_NoisyAdam, _params(), {"lr": 0.1})  # first use: the probe steps
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.filterwarnings("ignore::hardclust.exceptions.ClusterCollapseWarning")
def test_an_option_deleted_between_calls_is_gone_from_the_optimizer():
    X = np.random.RandomState(0).normal(size=(120, 6))
    model = OnlineHardClustering(n_clusters=3, random_state=0, n_neighbors=0,
                                 optimizer=torch.optim.SGD, optimizer__momentum=0.9)
    model.partial_fit(X)
    model.set_params(optimizer=torch.optim.Adam)
    with pytest.raises(TypeError, match=r"del model\.optimizer__<name>"):
        model.partial_fit(X)
    del model.optimizer__momentum  # what the message says to do
    model.partial_fit(X)  # used to raise Adam's own TypeError on momentum
    assert isinstance(model._net.optimizer_, torch.optim.Adam)
    # an option deleted under the same class leaves the optimizer too
    model.set_params(optimizer__foreach=True).partial_fit(X)
    del model.optimizer__foreach
    model.partial_fit(X)
    group = model._net.optimizer_.param_groups[0]
    assert not group["foreach"] and group["fused"] is True


@pytest.mark.filterwarnings("ignore::hardclust.exceptions.ClusterCollapseWarning")
def test_one_groups_option_survives_a_new_optimizer_and_a_bad_index_is_named():
    X = np.random.RandomState(0).normal(size=(120, 6))
    spec = [("centroids", {"lr": 1e-4})]
    model = OnlineHardClustering(n_clusters=3, random_state=0, max_epochs=1,
                                 optimizer__param_groups=spec,
                                 optimizer__param_groups__0__lr=1e-5).fit(X)
    assert [g["lr"] for g in model._net.optimizer_.param_groups] == [1e-5, 1e-3]
    stream = OnlineHardClustering(n_clusters=3, random_state=0, n_neighbors=0,
                                  optimizer__param_groups=spec).partial_fit(X)
    stream.set_params(optimizer__param_groups__0__lr=1e-5).partial_fit(X)  # in place
    stream.set_params(optimizer=torch.optim.AdamW).partial_fit(X)  # a new optimizer
    assert isinstance(stream._net.optimizer_, torch.optim.AdamW)
    assert [g["lr"] for g in stream._net.optimizer_.param_groups] == [1e-5, 1e-3]
    assert stream.optimizer__param_groups == spec  # the user's parameter is left alone
    # one group's explicit fused is the user's too
    stream.set_params(optimizer__param_groups__0__fused=False).partial_fit(X)
    assert [g["fused"] for g in stream._net.optimizer_.param_groups] == [False, True]
    with pytest.raises(ValueError, match="optimizer__param_groups__3__lr names no"):
        OnlineHardClustering(n_clusters=3, max_epochs=1, random_state=0,
                             optimizer__param_groups__3__lr=1e-5).fit(X)

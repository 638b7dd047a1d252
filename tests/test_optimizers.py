"""The optimizer is built on torch's fused kernel where it has one."""

import numpy as np
import pytest
import torch

from hardclust import OnlineHardClustering
from hardclust._optimizers import build_optimizer, make_optimizer, with_fused


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
    assert with_fused(torch.optim.RMSprop, options) is options
    assert "fused" not in make_optimizer(torch.optim.RMSprop, _params(), options).defaults


class _NoFusedKernelHere(torch.optim.Adam):
    """An Adam whose parameters' device has no fused kernel."""

    def __init__(self, params, lr=1e-3, fused=None,
                 message="fused=True requires params on a supported device"):
        if fused:
            raise RuntimeError(message)
        super().__init__(params, lr=lr, fused=fused)


def test_a_device_without_a_fused_kernel_falls_back_to_the_plain_update():
    params = (p for p in _params())  # a generator: iterated twice by the fallback
    optimizer = make_optimizer(_NoFusedKernelHere, params, {"lr": 0.1})
    assert not optimizer.param_groups[0]["fused"]
    assert len(optimizer.param_groups[0]["params"]) == 1


def test_other_runtime_errors_are_not_swallowed():
    with pytest.raises(RuntimeError, match="out of memory"):
        make_optimizer(_NoFusedKernelHere, _params(),
                       {"lr": 0.1, "message": "out of memory"})


def test_a_refused_option_still_names_the_convention():
    with pytest.raises(TypeError, match="optimizer__<name>"):
        build_optimizer(torch.optim.Adam, _params(), 0.1, {"momentum": 0.9})


def test_fit_trains_with_the_fused_update_and_the_users_choice_wins():
    X = np.random.RandomState(0).normal(size=(120, 6))
    fused = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(X)
    assert fused._net.optimizer_.param_groups[0]["fused"] is True
    plain = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0,
                                 optimizer__fused=False).fit(X)
    assert not plain._net.optimizer_.param_groups[0]["fused"]
    # the two updates round differently: the option reaches the steps
    assert not np.array_equal(fused.cluster_centers_, plain.cluster_centers_)
    again = OnlineHardClustering(n_clusters=3, max_epochs=2, random_state=0).fit(X)
    np.testing.assert_array_equal(fused.cluster_centers_, again.cluster_centers_)

"""Device mistakes caught without a GPU: CUDA placement simulated on the CPU.

:class:`SimulatedCuda` runs the library with ``device="cuda"`` on a
CPU-only torch. Tensors placed on "cuda" (by ``.to``, ``.cuda``, a factory's
``device=``, ``Module.to``) are tagged and report ``device == cuda:N``;
what CUDA refuses fails as it would there (mixing tagged tensors with CPU
tensors of one or more dimensions, ``.numpy()`` of a tagged tensor), and
what makes the host wait for the device is counted as a synchronisation
(``.item()``, ``bool()``, ``.tolist()``, copies to the host, copies to the
device from pageable memory or without ``non_blocking``, ``nonzero``,
``bincount``, ...). Pinned memory, which a CPU-only torch cannot allocate,
is simulated by a tag too. A tagged tensor pickles as a CUDA tensor does
(its storage saved with the location ``cuda:N``), so a pickle made under
the simulation fails to load on a CPU-only machine exactly where a real
CUDA pickle would.
"""

import io
import pickle
import warnings
from contextlib import ExitStack
from unittest import mock

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback, LRScheduler
from skorch.exceptions import DeviceWarning
from sklearn.utils._param_validation import InvalidParameterError
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten, tree_map

from hardclust import OnlineHardClustering
from hardclust._net import ClusterNet
from hardclust._utils import existing_device

_ON = "_simulated_cuda_index"  # attribute tagging a tensor as on cuda:<value>
_PINNED = "_simulated_pinned"

# Functions that make the host wait for the device when given a device tensor.
_SYNCS = {"item", "__bool__", "__int__", "__float__", "__index__", "tolist", "nonzero",
          "bincount", "unique", "unique_consecutive", "masked_select", "equal", "allclose",
          "is_nonzero", "argwhere", "repeat_interleave", "__format__", "__repr__"}
_INDEXING = {"__getitem__", "__setitem__", "index_put_", "index_put"}
# Functions that compare or relink tensors across devices without computing.
_ACROSS = {"_has_compatible_shallow_copy_type", "__set__", "is_same_size"}


def _index(tensor):
    return getattr(tensor, _ON, None)


def _cuda_index(device):
    """The CUDA index a device argument names, or None for anything else."""
    if device is None or isinstance(device, int):  # an int is a CUDA index here
        return device
    device = torch.device(device)
    return (device.index or 0) if device.type == "cuda" else None


class _CudaBytes:
    """Pickles as a CUDA tensor's storage does: torch.save bytes, location cuda:N."""

    def __init__(self, tensor, index):
        buffer = io.BytesIO()
        with mock.patch.object(torch.serialization, "location_tag",
                               lambda storage: f"cuda:{index}"):
            torch.save(tensor, buffer)
        self.data = buffer.getvalue()

    def __reduce__(self):
        return torch.storage._load_from_bytes, (self.data,)


class SimulatedCuda(TorchFunctionMode):
    """CUDA's placement rules and synchronisations, simulated on the CPU.

    ``syncs`` counts host-device synchronisations; ``n_gpus`` is what
    ``torch.cuda.device_count`` says inside.
    """

    def __init__(self, n_gpus=1):
        super().__init__()
        self.n_gpus = n_gpus
        self.syncs = 0

    def __enter__(self):
        generators = tuple(torch.Generator() for _ in range(self.n_gpus))
        self._patches = ExitStack()
        for name, value in {
            "is_available": lambda: True,
            "device_count": lambda: self.n_gpus,
            "current_device": lambda: 0,
            "default_generators": generators,
            "get_rng_state": lambda device=0: generators[_cuda_index(device) or 0].get_state(),
            "set_rng_state": lambda state, device=0:
                generators[_cuda_index(device) or 0].set_state(state),
        }.items():
            self._patches.enter_context(mock.patch.object(torch.cuda, name, value))
        return super().__enter__()

    def __exit__(self, *exc):
        try:
            return super().__exit__(*exc)
        finally:
            self._patches.close()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        name = getattr(func, "__name__", "")
        owner = getattr(getattr(func, "__self__", None), "__name__", "")
        first = args[0] if args else None
        if name == "__get__" and _index(first) is not None:
            if owner == "device":
                return torch.device("cuda", _index(first))
            if owner == "is_cuda":
                return True
        if name == "__set__" and owner == "data":  # Module.to moves parameters so
            func(*args)
            setattr(first, _ON, _index(args[1]))
            return None
        if name in ("to", "cuda", "cpu"):
            return self._move(name, first, args[1:], kwargs)
        if name == "copy_":
            return self._copy(func, args, kwargs)
        if name == "pin_memory":
            out = first.clone()
            setattr(out, _PINNED, True)
            return out
        if name == "is_pinned":
            return bool(getattr(first, _PINNED, False))
        if name == "__reduce_ex__" and _index(first) is not None:
            index = _index(first)
            plain = first.detach().clone()
            plain.requires_grad_(first.requires_grad)
            return _CudaBytes(plain, index).__reduce__()
        tensors = [t for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)]
        on = {_index(t) for t in tensors} - {None}
        if name in ("numpy", "__array__") and on:
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        if name in _SYNCS and on:
            self.syncs += 1
        host = [t for t in tensors if _index(t) is None and t.dim() > 0]
        if on and host and name in _INDEXING:
            self.syncs += 1  # CPU indices are copied to the device: CUDA accepts it
        elif (len(on) > 1 or (on and host)) and name not in _ACROSS:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but found at least "
                f"two devices (simulated): {name} got cuda and cpu tensors.")
        index = _cuda_index(kwargs.get("device")) if "device" in kwargs else (
            next(iter(on)) if on else None)
        if "device" in kwargs and index is not None:
            kwargs["device"] = "cpu"
            if name in ("tensor", "as_tensor"):
                self.syncs += 1  # from pageable host data
        pinned = kwargs.pop("pin_memory", False)
        out = func(*args, **kwargs)
        if index is not None or pinned:
            def tag(t):
                if isinstance(t, torch.Tensor):
                    if index is not None:
                        setattr(t, _ON, index)
                    if pinned:
                        setattr(t, _PINNED, True)
                return t
            tree_map(tag, out)
        return out

    def _move(self, name, tensor, args, kwargs):
        if name == "cuda":
            target, dtype = args[0] if args else kwargs.get("device", "cuda"), None
            non_blocking = kwargs.get("non_blocking", False)
        elif name == "cpu":
            target, dtype, non_blocking = "cpu", None, False
        else:
            target, dtype, non_blocking, _ = torch._C._nn._parse_to(*args, **kwargs)
        source = _index(tensor)
        if target is None:  # a dtype change, where the tensor is
            return self._tagged(tensor.to(dtype=dtype), source)
        index = _cuda_index(target)
        if index is None and source is None:
            return tensor.to(dtype=dtype)
        if index == source:
            return tensor if dtype in (None, tensor.dtype) else \
                self._tagged(tensor.to(dtype=dtype), source)
        if source is not None or not (non_blocking and getattr(tensor, _PINNED, False)):
            self.syncs += 1  # to the host, or from pageable memory, or blocking
        return self._tagged(tensor.to(dtype=dtype, copy=True), index)

    def _copy(self, func, args, kwargs):
        dst, src = args[0], args[1]
        non_blocking = kwargs.get("non_blocking", args[2] if len(args) > 2 else False)
        if _index(dst) != _index(src) and src.dim() > 0:
            if _index(dst) is None or not (non_blocking and getattr(src, _PINNED, False)):
                self.syncs += 1
        return func(*args, **kwargs)

    @staticmethod
    def _tagged(tensor, index):
        if index is not None:
            setattr(tensor, _ON, index)
        return tensor


class SyncsPerBatch(Callback):
    """Records, per training batch, the synchronisations of the active simulation."""

    simulation = None  # set by the test, never pickled with the callback
    counts = []

    def on_batch_begin(self, net, training=False, **kwargs):
        self._start = type(self).simulation.syncs

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            type(self).counts.append(type(self).simulation.syncs - self._start)


@pytest.fixture
def X():
    rng = np.random.RandomState(0)
    centers = rng.normal(0, 4, (3, 60))
    return np.vstack([rng.normal(c, 1.0, (40, 60)) for c in centers]).astype(np.float32)


def _device_tensors(model):
    """Tensors of the model's net (module, optimizer state) tagged as on cuda."""
    net = model._net
    tensors = [*net.module_.parameters(), *net.module_.buffers()]
    for state in net.optimizer_.state.values():
        tensors += [v for v in state.values() if isinstance(v, torch.Tensor)]
    return [t for t in tensors if _index(t) is not None]


# ----------------------------------------------------------------------
# The simulation itself fails where CUDA would
# ----------------------------------------------------------------------
def test_simulation_refuses_what_cuda_refuses_and_counts_syncs():
    with SimulatedCuda() as sim:
        on_gpu = torch.zeros(4, device="cuda")
        assert on_gpu.device == torch.device("cuda", 0) and on_gpu.is_cuda
        with pytest.raises(RuntimeError, match="same device"):
            on_gpu + torch.ones(4)
        assert float((on_gpu + torch.tensor(1.0)).sum()) == 4.0  # a CPU scalar is fine
        assert sim.syncs == 1
        with pytest.raises(TypeError, match="numpy"):
            on_gpu.numpy()
        assert on_gpu.cpu().numpy().shape == (4,) and sim.syncs == 2
        torch.ones(4).to("cuda", non_blocking=True)  # pageable: the host waits
        assert sim.syncs == 3
        batch = torch.empty(4, pin_memory=True).copy_(torch.ones(4))
        assert batch.is_pinned()
        moved = batch.to("cuda", non_blocking=True)  # pinned and non-blocking: no wait
        assert sim.syncs == 3 and moved.device.type == "cuda"
        module = torch.nn.Linear(4, 2).to("cuda")  # two blocking copies
        assert module.weight.device.type == "cuda" and sim.syncs == 5
        module(moved).sum().backward()
        assert module.weight.grad.device.type == "cuda"
        assert sim.syncs == 5


def test_a_tagged_tensor_pickles_as_on_cuda_and_needs_a_device_map():
    with SimulatedCuda():
        blob = pickle.dumps(torch.arange(3.0).cuda())
    with pytest.raises(RuntimeError, match="CUDA device"):
        pickle.loads(blob)
    mapped = torch.load(io.BytesIO(_CudaBytes(torch.arange(3.0), 0).data),
                        map_location="cpu", weights_only=True)
    assert mapped.tolist() == [0.0, 1.0, 2.0]


# ----------------------------------------------------------------------
# Training on the simulated device
# ----------------------------------------------------------------------
@pytest.mark.parametrize("objective, expected", [("hard", 2), ("none", 1), ("secu", 2)])
def test_a_training_step_syncs_at_most_twice_with_pairs(X, objective, expected):
    SyncsPerBatch.counts = []
    model = OnlineHardClustering(n_clusters=3, max_epochs=2, batch_size=32, n_neighbors=3,
                                 objective=objective, device="cuda", random_state=0,
                                 callbacks=[SyncsPerBatch])
    with SimulatedCuda() as sim:
        SyncsPerBatch.simulation = sim
        model.fit(X)
        assert model._net.history[-1, "train_batch_count"] == 4
        # the costs to the host for the assignment ("hard" only), and the loss
        assert SyncsPerBatch.counts == [expected] * 8
        assert len(_device_tensors(model)) > 0
        SyncsPerBatch.counts = []
        model.partial_fit(X)
        assert SyncsPerBatch.counts == [expected] * 4


def test_the_simulated_device_computes_what_the_cpu_does(X):
    params = dict(n_clusters=3, max_epochs=3, batch_size=32, n_neighbors=3, random_state=0)
    on_cpu = OnlineHardClustering(**params, device="cpu").fit(X)
    with SimulatedCuda():
        on_gpu = OnlineHardClustering(**params, device="cuda").fit(X)
        labels = on_gpu.predict(X)
        embedding = on_gpu.transform(X)
        proba = on_gpu.predict_proba(X)
    np.testing.assert_array_equal(labels, on_cpu.predict(X))
    np.testing.assert_array_equal(embedding, on_cpu.transform(X))
    np.testing.assert_array_equal(proba, on_cpu.predict_proba(X))
    np.testing.assert_array_equal(on_gpu.labels_, on_cpu.labels_)


def test_inference_brings_each_group_to_the_host_as_it_goes(X):
    with SimulatedCuda() as sim:
        model = OnlineHardClustering(n_clusters=3, max_epochs=1, device="cuda",
                                     random_state=0).fit(X)
        before = sim.syncs
        labels = model._net.infer_all(torch.from_numpy(X), "labels", rows=16, group_rows=32)
        # one copy to the host per group of 32 rows; the chunks go in pinned
        assert sim.syncs - before == 4
        np.testing.assert_array_equal(labels.numpy(), model.predict(X))


def test_non_finite_costs_stop_training_on_the_device(X):
    with SimulatedCuda():
        model = OnlineHardClustering(n_clusters=3, max_epochs=1, n_neighbors=0,
                                     device="cuda", random_state=0).fit(X)
        before = model.cluster_centers_
        with pytest.raises(FloatingPointError, match="non-finite"):
            # costs of about 1e2 / 1e-45 overflow float32
            model.set_params(sigma=1e-45).partial_fit(X)
        np.testing.assert_array_equal(model.cluster_centers_, before)


# ----------------------------------------------------------------------
# Pickled on the (simulated) GPU, loaded on a CPU-only machine
# ----------------------------------------------------------------------
def _lr_schedule(steps):
    return [("lr_schedule", LRScheduler(policy=CosineAnnealingLR, T_max=steps,
                                        step_every="batch"))]


CONFIGS = {
    "defaults": {},
    "lr_scheduler": {"callbacks": _lr_schedule(20)},
    "resets": {"max_epochs": 4, "reset_interval": 2},
    "warm_start": {"pretrain_epochs": 2},
    "reconstruction": {"reconstruction": 0.5},
    "verbose": {"verbose": 1},
}


@pytest.mark.parametrize("config", CONFIGS)
def test_a_model_pickled_on_cuda_loads_and_trains_on_a_cpu_machine(X, config, capsys):
    params = {"n_clusters": 3, "max_epochs": 2, "batch_size": 32, "random_state": 0,
              **CONFIGS[config]}
    with SimulatedCuda():
        model = OnlineHardClustering(**params, device="cuda").fit(X)
        expected = model.predict(X), model.transform(X), model.predict_proba(X)
        blob = pickle.dumps(model)
    with pytest.warns(DeviceWarning) as caught:  # skorch warns twice
        loaded = pickle.loads(blob)  # no simulation: torch.cuda.is_available() is False
    assert any("not available" in str(w.message) for w in caught)
    assert loaded.device_ == torch.device("cpu") and loaded.device == "cuda"
    np.testing.assert_array_equal(loaded.predict(X), expected[0])
    np.testing.assert_array_equal(loaded.transform(X), expected[1])
    np.testing.assert_array_equal(loaded.predict_proba(X), expected[2])
    with pytest.raises(InvalidParameterError, match="CUDA is not available"):
        loaded.partial_fit(X)  # "cuda" is not here: set the device, and nothing changed
    np.testing.assert_array_equal(loaded.predict(X), expected[0])
    loaded.set_params(device="cpu").partial_fit(X)
    assert loaded.n_iter_ == model.n_iter_ + 1


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_a_cuda_model_trains_on_the_cpu_after_set_params(X, device):
    with SimulatedCuda():
        model = OnlineHardClustering(n_clusters=3, max_epochs=2, batch_size=32,
                                     callbacks=_lr_schedule(20), device="cuda",
                                     random_state=0).fit(X)
        blob = pickle.dumps(model)
    with pytest.warns(DeviceWarning):
        loaded = pickle.loads(blob)
    # the scheduler went through the same device-mapped pickle as the optimizer
    schedule = dict(loaded._net.callbacks_)["lr_schedule"]
    loaded.set_params(device=device).partial_fit(X)
    assert schedule.lr_scheduler_.optimizer is loaded._net.optimizer_
    np.testing.assert_array_equal(loaded.labels_, loaded.predict(X))


# ----------------------------------------------------------------------
# A device that changes between partial_fit calls
# ----------------------------------------------------------------------
def test_set_device_between_calls_moves_the_model_and_its_optimizer_state(X):
    with SimulatedCuda() as sim:
        model = OnlineHardClustering(n_clusters=3, max_epochs=2, batch_size=32,
                                     device="cuda", random_state=0).fit(X)
        assert _device_tensors(model)
        # a moment left on the device would meet CPU gradients in Adam's step
        model.set_params(device="cpu").partial_fit(X)
        assert model.device_ == torch.device("cpu") and not _device_tensors(model)
        assert model._net.device == "cpu"
        model.set_params(device="cuda").partial_fit(X)
        assert model.device_ == torch.device("cuda") and _device_tensors(model)
        state = model._net.optimizer_.state
        assert all(_index(s["exp_avg"]) == 0 for s in state.values())
        assert sim.syncs > 0
    assert model.n_iter_ == 4


def test_a_pickle_of_a_second_gpu_names_a_device_that_exists(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.warns(DeviceWarning, match="cuda:1"):
        assert existing_device("cuda:1") == "cuda"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert existing_device("cuda:0") == "cuda:0"
        assert existing_device("cpu") == "cpu"
        assert existing_device(torch.device("cuda")) == torch.device("cuda")
    # the net hands skorch (which picks the map location from it) that device
    seen = {}
    monkeypatch.setattr("skorch.NeuralNet.__setstate__",
                        lambda self, state: seen.update(device=state["device"]))
    with pytest.warns(DeviceWarning):
        ClusterNet.__setstate__(object.__new__(ClusterNet), {"device": "cuda:1"})
    assert seen["device"] == "cuda"

"""Data-parallel training (hardclust.distributed): the batch split, the
one-process fallback, and a two-process run on the CPU (gloo, loopback)."""

import importlib.util
import os
import pathlib
import socket
import types

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from sklearn.metrics import adjusted_rand_score

from hardclust import OnlineHardClustering
from hardclust._batches import ShuffledBatches, TensorDataset
from hardclust.datasets import load_digits
from hardclust.objectives import HardObjective
from hardclust.distributed import GlobalBatchObjective, LocalSlices, _check_device, _Plan, \
    data_parallel, split_sizes

# The two-process run: digits of 64 values (so training is on neighbour pairs).
SETTINGS = dict(n_clusters=10, batch_size=64, max_epochs=3, random_state=0, device="cpu")
N_ROWS = 480


def _digits():
    return load_digits()[0][:N_ROWS]


def test_split_sizes_are_contiguous_and_cover_the_batch():
    assert split_sizes(7, 2) == [4, 3]
    assert split_sizes(2, 4) == [1, 1, 0, 0]
    assert split_sizes(256, 4) == [64] * 4


def test_local_slices_rebuild_one_process_batches():
    rng = np.random.RandomState(0)
    X = torch.from_numpy(rng.normal(size=(101, 3)).astype(np.float32))
    neighbors = torch.from_numpy(rng.randint(101, size=(101, 4)))
    dataset = TensorDataset(X, neighbors)
    whole = list(ShuffledBatches(dataset, 10, shuffle=True, random_state=np.random.RandomState(1)))
    slices = [list(LocalSlices(dataset, 10, shuffle=True, random_state=np.random.RandomState(1),
                               plan=_Plan(rank, 3, "global"))) for rank in range(3)]
    # the 101st row joins the last batch
    assert len(whole) == 10 and len(whole[-1][0]["samples"]) == 11
    for i, (batch, _) in enumerate(whole):
        for key in ("samples", "views"):
            assert torch.equal(torch.cat([part[i][0][key] for part in slices]), batch[key])


def test_local_assignment_weights_each_slice_by_its_share():
    costs = torch.tensor([[0.0, 2.0], [1.0, 0.5], [3.0, 1.0]], requires_grad=True)
    objective = GlobalBatchObjective(HardObjective(), _Plan(0, 2, "local", sizes=[3, 2]))
    loss, labels = objective(costs)
    alone, alone_labels = HardObjective()(costs)
    assert torch.equal(labels, alone_labels)
    assert torch.isclose(loss, alone * 3 / 5)
    # a process left without rows (a batch smaller than the group) adds nothing
    empty = torch.zeros(0, 2, requires_grad=True)
    objective.plan = _Plan(3, 4, "local", sizes=[1, 1, 0, 0])
    loss, labels = objective(empty)
    assert loss.item() == 0 and labels.shape == (0,)
    loss.backward()


def test_outside_torchrun_it_is_one_process(monkeypatch, blobs):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    X, _ = blobs
    settings = dict(n_clusters=4, max_epochs=2, random_state=0)
    with data_parallel() as group:
        inside = OnlineHardClustering(**settings).fit(X)
    outside = OnlineHardClustering(**settings).fit(X)
    assert (group.rank, group.world_size) == (0, 1)
    assert np.array_equal(inside.cluster_centers_, outside.cluster_centers_)


def test_unknown_assignment_is_refused():
    with pytest.raises(ValueError, match="assignment must be one of"):
        with data_parallel(assignment="per-rank"):
            pass


def test_example_runs_as_one_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    report = _load_example().main(["--smoke"])
    assert report["world_size"] == 1
    assert report["same_parameters"] and report["loads_back"]
    assert report["ARI_vs_single"] == 1.0  # one process against itself: the same model


def _load_example():
    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / "distributed.py"
    spec = importlib.util.spec_from_file_location("distributed_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_another_process_gpu_is_refused():
    net = types.SimpleNamespace(device="cuda:1")
    with pytest.raises(ValueError, match="device='auto' or device='cuda'"):
        _check_device(net, local_rank=0)
    _check_device(types.SimpleNamespace(device="cuda"), local_rank=3)  # its own GPU


def test_secu_is_refused_across_processes():
    from hardclust.distributed import _check_objective
    from hardclust.objectives import HardObjective, SecuObjective

    with pytest.raises(ValueError, match="objective='secu'.*one process"):
        _check_objective(types.SimpleNamespace(criterion_=SecuObjective()))
    _check_objective(types.SimpleNamespace(criterion_=HardObjective()))


def _state(model):
    return {k: v.clone() for k, v in model._net.module_.state_dict().items()}


def _worker(rank, world_size, port, folder):
    """One process of the two-process run; writes what it ends with to ``folder``."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE=str(world_size), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    X = _digits()
    out = {}
    with data_parallel(backend="gloo") as group:
        fitted = OnlineHardClustering(**SETTINGS).fit(X)
        streamed = OnlineHardClustering(**SETTINGS)
        for chunk in np.split(X, [300]):
            streamed.partial_fit(chunk)
        with data_parallel(assignment="local"):  # the same process group
            local = OnlineHardClustering(**SETTINGS).fit(X)
        rebuilt = OnlineHardClustering(**SETTINGS, reconstruction=0.5).fit(X)
        # each process draws its own start: rank 0's is the one trained
        unseeded = OnlineHardClustering(**{**SETTINGS, "random_state": None, "max_epochs": 1})
        unseeded.fit(X)
        before = _state(fitted)
        try:  # each process its own data: refused, the model untouched
            fitted.partial_fit(X + rank)
        except ValueError as exc:
            out["refused"] = str(exc)
        out["untouched"] = all(torch.equal(before[k], v) for k, v in _state(fitted).items())
        out["same"] = [group.same_parameters(m) for m in (fitted, streamed, local, rebuilt,
                                                           unseeded)]
    models = [("fitted", fitted), ("streamed", streamed), ("local", local), ("rebuilt", rebuilt),
              ("unseeded", unseeded)]
    for name, model in models:
        out[name] = _state(model)
        out[name + "_labels"] = model.predict(X)
    out["sizes"] = fitted.history_[:, "cluster_sizes"]
    out["loss"] = fitted.history_[:, "train_loss"]
    out["rebuilt_loss"] = rebuilt.history_[:, "train_loss"]
    torch.save(out, os.path.join(folder, f"rank{rank}.pt"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ranks")
    mp.spawn(_worker, args=(2, _free_port(), str(folder)), nprocs=2, join=True)
    return [torch.load(folder / f"rank{rank}.pt", weights_only=False) for rank in range(2)]


needs_gloo = pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()),
                                reason="torch.distributed with gloo is not available")


@needs_gloo
def test_ranks_end_with_identical_parameters(two_processes):
    first, second = two_processes
    for name in ("fitted", "streamed", "local", "rebuilt", "unseeded"):
        assert first[name].keys() == second[name].keys()
        assert all(torch.equal(first[name][k], second[name][k]) for k in first[name])
    assert first["same"] == second["same"] == [True] * 5


@needs_gloo
def test_two_processes_agree_with_one(two_processes):
    ranks = two_processes
    X = _digits()
    single = OnlineHardClustering(**SETTINGS).fit(X)
    streamed = OnlineHardClustering(**SETTINGS)
    for chunk in np.split(X, [300]):
        streamed.partial_fit(chunk)
    assert adjusted_rand_score(single.predict(X), ranks[0]["fitted_labels"]) > 0.95
    assert adjusted_rand_score(streamed.predict(X), ranks[0]["streamed_labels"]) > 0.95
    # the history is the whole batch's on every rank: sizes summed, losses of one process
    for rank in ranks:
        assert [sum(sizes) for sizes in rank["sizes"]] == [N_ROWS] * SETTINGS["max_epochs"]
        np.testing.assert_allclose(rank["loss"], single.history_[:, "train_loss"], rtol=1e-3)


@needs_gloo
def test_reconstruction_is_weighted_by_each_slice(two_processes):
    # each process's mean squared error is over its slice: weighted by the
    # slice's share, the processes' terms add up to one process's
    X = _digits()
    single = OnlineHardClustering(**SETTINGS, reconstruction=0.5).fit(X)
    for rank in two_processes:
        np.testing.assert_allclose(rank["rebuilt_loss"], single.history_[:, "train_loss"],
                                   rtol=1e-3)
    assert adjusted_rand_score(single.predict(X), two_processes[0]["rebuilt_labels"]) > 0.95


@needs_gloo
def test_different_data_per_process_is_refused(two_processes):
    for rank in two_processes:
        assert "same, whole X" in rank["refused"]
        assert rank["untouched"]

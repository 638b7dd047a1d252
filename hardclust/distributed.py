"""Training one model across processes (several GPUs or machines), on ``torch.distributed``.

Under ``torchrun``, wrap the training calls in :func:`data_parallel`::

    with hardclust.distributed.data_parallel() as group:
        model.fit(X)                      # or partial_fit, a Pipeline's fit, ...
    if group.rank == 0:
        model.save("model.pt")            # one file, loadable on one process

Every process holds the same model and the whole of ``X``; what it divides
is each mini-batch. The rules, so that ``k`` processes take the steps one
process would take with the same ``batch_size`` and ``random_state``:

- every process draws the same shuffled order of the rows (the estimator's
  RNG, broadcast from rank 0 at the start of each training call, with the
  model's weights, its scale, the optimizer's state and the neighbour
  pairs: the start, resets and re-placements are computed everywhere and
  rank 0's are kept), and cuts
  each global batch of ``batch_size`` rows into ``k`` contiguous slices,
  one per process (:class:`LocalSlices`);
- each process encodes its slice; the (rows, K) cost matrices are gathered
  (one ``all_gather`` per step) and every process labels the global batch,
  exactly as one process would (``assignment="global"``), then keeps its
  rows' labels (:class:`GlobalBatchObjective`);
- each process's loss carries the gradient of its rows' share of the global
  batch's loss, and the gradients are summed across processes (one
  ``all_reduce`` per step, :class:`StepTogether`), so every process takes
  the same optimizer step and the parameters stay identical without ever
  being sent again.

``torch.distributed`` is used directly, not DistributedDataParallel or
accelerate: DDP refuses modules without trainable parameters (the
objectives are such modules, and accelerate wraps every module it is handed
in DDP), and the assignment needs a gather that DDP has no place for.
"""

import contextlib
import dataclasses
import functools
import os

import torch
import torch.distributed as dist
from skorch.callbacks import Callback
from torch import nn

from . import _net
from ._batches import ShuffledBatches
from ._net import ClusterStats
from ._utils import copy_state

__all__ = ["DataParallelGroup", "data_parallel"]

ASSIGNMENTS = ("global", "local")
# Values summed at a time when the processes compare their data.
_CHECK_VALUES = 1 << 20


@dataclasses.dataclass
class _Plan:
    """What every piece of one training call shares: this process's place
    and the rows of the current global batch (set by :class:`LocalSlices`)."""

    rank: int
    world_size: int
    assignment: str
    sizes: list = dataclasses.field(default_factory=list)

    @property
    def global_rows(self):
        return sum(self.sizes)

    @property
    def offset(self):
        return sum(self.sizes[:self.rank])


def split_sizes(n_rows, world_size):
    """Rows of each process's slice of a global batch of ``n_rows``:
    contiguous, the first ``n_rows % world_size`` slices one row longer
    (``torch.tensor_split``'s rule)."""
    base, extra = divmod(n_rows, world_size)
    return [base + (rank < extra) for rank in range(world_size)]


class LocalSlices(ShuffledBatches):
    """This process's contiguous slice of each of :class:`ShuffledBatches`'
    global batches.

    The global batches are drawn by the parent class itself (each process
    copies the whole batch, then keeps its slice), so the order of the rows
    and the neighbour views are those of one process by construction.
    """

    def __init__(self, dataset, batch_size, shuffle=False, random_state=None, *, plan):
        super().__init__(dataset, batch_size, shuffle=shuffle, random_state=random_state)
        self.plan = plan

    def __iter__(self):
        plan = self.plan
        for batch, _ in super().__iter__():
            plan.sizes = split_sizes(len(batch["samples"]), plan.world_size)
            rows = slice(plan.offset, plan.offset + plan.sizes[plan.rank])
            yield {key: part[rows] for key, part in batch.items()}, None


def _gather_rows(local, sizes, rank):
    """Every process's rows of ``local`` (rows, K), in rank order, as one
    (sum(sizes), K) tensor; the gathered rows carry no gradient except this
    process's own, which are ``local`` itself."""
    padded = local.detach().new_zeros((max(sizes), local.shape[1]), device=_comm_device())
    padded[:len(local)] = local.detach()
    parts = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(parts, padded)
    parts = [part[:size].to(local.device) for part, size in zip(parts, sizes)]
    parts[rank] = local
    return torch.cat(parts)


class GlobalBatchObjective(nn.Module):
    """An objective of :mod:`hardclust.objectives` applied across processes.

    ``assignment="global"``: the costs of all processes' slices are
    gathered and ``objective`` runs on the whole batch on every process
    (same labels, same loss as one process); only this process's rows carry
    a gradient, so the sum of the processes' gradients is one process's.
    ``assignment="local"``: ``objective`` labels this process's slice alone
    (a batch ``world_size`` times smaller), and its loss is weighted by the
    slice's share of the global batch so that the gradients still sum to a
    mean over the global batch.

    Returns ``(loss, labels)`` as the objectives do, ``labels`` of this
    process's rows.
    """

    def __init__(self, objective, plan):
        super().__init__()
        self.objective = objective
        self.plan = plan

    def forward(self, costs):
        plan = self.plan
        if plan.assignment == "local":
            if len(costs) == 0:  # a batch of fewer rows than processes: nothing here
                return costs.sum(), costs.new_zeros(0, dtype=torch.long)
            loss, labels = self.objective(costs)
            return loss * (len(costs) / plan.global_rows), labels
        whole = _gather_rows(costs, plan.sizes, plan.rank)
        loss, labels = self.objective(whole)
        self.clustering_loss_ = loss.detach()
        return loss, labels[plan.offset:plan.offset + len(costs)]


class StepTogether(Callback):
    """Keeps the processes in step during one training call.

    - ``on_batch_begin``: weights a reconstruction term by this process's
      share of the global batch (its mean is over this slice's rows only).
    - ``on_grad_computed``: sums the gradients across processes (one
      ``all_reduce`` of all of them, flattened).
    - ``on_batch_end``: records the global batch's size and loss in the
      history, so that the epoch's ``train_loss`` is one process's.
    - ``on_epoch_end``: sums the per-epoch cluster sizes of
      :class:`~hardclust._net.ClusterStats` (it must run before it).
    """

    def __init__(self, plan, criterion, reconstruction):
        self.plan = plan
        self.criterion = criterion
        self.reconstruction = reconstruction

    def on_batch_begin(self, net, training=False, **kwargs):
        if training and self.reconstruction > 0:
            plan = self.plan
            net.module_.reconstruction = (self.reconstruction * plan.sizes[plan.rank]
                                          / plan.global_rows)

    def on_grad_computed(self, net, named_parameters, training=False, **kwargs):
        if training:
            _sum_gradients([p for _, p in named_parameters if p.requires_grad])

    def on_batch_end(self, net, training=False, loss=None, **kwargs):
        if not training:
            return
        net.history.record_batch("train_batch_size", self.plan.global_rows)
        # the loss differs by process when a part of it is each one's own
        if self.plan.assignment == "local":
            total = _all_reduce(loss.detach().reshape(1).double())
        elif self.reconstruction > 0:
            clustering = self.criterion.clustering_loss_
            total = _all_reduce((loss.detach() - clustering).reshape(1).double()) + clustering
        else:
            return
        net.history.record_batch("train_loss", float(total))

    def on_epoch_end(self, net, **kwargs):
        for _, callback in net.callbacks_:
            if isinstance(callback, ClusterStats):
                callback.counts_.copy_(_all_reduce(callback.counts_))


def _comm_device():
    """Where collectives need their tensors: the current CUDA device for
    NCCL, the CPU for gloo."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _comm(tensor):
    return tensor.to(_comm_device())


def _all_reduce(tensor):
    """The sum of ``tensor`` over processes, a new tensor on its device."""
    total = _comm(tensor.clone())
    dist.all_reduce(total)
    return total.to(tensor.device)


def _broadcast_(tensor):
    """Overwrite ``tensor`` with rank 0's, in place."""
    moved = _comm(tensor)
    dist.broadcast(moved, src=0)
    if moved is not tensor:
        tensor.copy_(moved)


def _sum_gradients(params):
    """Replace each parameter's gradient with its sum over processes.

    One collective for all of them. A parameter without a gradient on this
    process (none of its rows reached it) contributes zeros.
    """
    if not params:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = _all_reduce(torch.cat([g.reshape(-1) for g in grads]))
    for p, g in zip(params, flat.split([g.numel() for g in grads])):
        p.grad = g.view_as(p).to(p.dtype)


def _share_state(net, dataset):
    """Make every process start a training call from rank 0's state: the
    module's weights and buffers, its scale, the optimizer's state (which
    a graph start hands to training, ``hardclust._optimizers.carry_state``),
    the batch order's RNG and the neighbour pairs."""
    module = net.module_
    for tensor in module.state_dict().values():
        _broadcast_(tensor)
    rng = getattr(net, "iterator_train__random_state", None)
    shared = [module.scale, None if rng is None else rng.get_state(),
              # on the CPU, so that processes on other devices can read rank 0's
              copy_state(net.optimizer_.state_dict(), device="cpu")]
    dist.broadcast_object_list(shared, src=0, device=_comm_device())
    module.scale = shared[0]
    if rng is not None:
        rng.set_state(shared[1])
    # load_state_dict casts each state tensor to its parameter's device
    net.optimizer_.load_state_dict(shared[2])
    if dataset.neighbors is not None:
        _broadcast_(dataset.neighbors)


def _check_same_data(X):
    """Raise when the processes were given different data: each must hold
    the whole X, not a shard of it."""
    summary = torch.zeros(3, dtype=torch.float64)
    summary[0] = len(X)
    for chunk in X.reshape(-1).split(_CHECK_VALUES):  # in float64, a piece at a time
        chunk = chunk.double()
        summary[1] += chunk.sum()
        summary[2] += (chunk * chunk).sum()
    summary = _comm(summary)
    everyone = [torch.empty_like(summary) for _ in range(dist.get_world_size())]
    dist.all_gather(everyone, summary)
    if any(not torch.equal(other, everyone[0]) for other in everyone):
        raise ValueError(
            "the processes were given different data (rows or values differ); "
            "under data_parallel every process must pass the same, whole X: "
            "each one takes its slice of every batch itself."
        )


def _check_device(net, local_rank):
    device = torch.device(net.device)
    if device.type == "cuda" and device.index is not None and device.index != local_rank:
        raise ValueError(
            f"the model is on {device} but this process's GPU is cuda:{local_rank} "
            "(LOCAL_RANK); pass device='auto' or device='cuda', which use the "
            "process's own GPU under data_parallel."
        )


def _check_objective(net):
    if getattr(net.criterion_, "uses_embeddings", False):
        raise ValueError(
            "objective='secu' reads each batch's embeddings, which data_parallel "
            "does not gather across processes (only the costs); train it in one "
            "process, or pick another objective inside data_parallel."
        )


@contextlib.contextmanager
def _train_in_parallel(net, dataset, group):
    """One training call of ``net`` (a :class:`~hardclust._net.ClusterNet`)
    on ``dataset``, data-parallel: the hook ``ClusterNet.train_epochs`` enters."""
    _check_device(net, group.local_rank)
    _check_objective(net)
    _check_same_data(dataset.X)
    _share_state(net, dataset)
    plan = _Plan(group.rank, group.world_size, group.assignment)
    module = net.module_
    reconstruction = getattr(module, "reconstruction", 0.0)
    saved = {"iterator_train": net.iterator_train, "criterion_": net.criterion_,
             "callbacks_": net.callbacks_}
    criterion = GlobalBatchObjective(net.criterion_, plan)
    net.iterator_train = functools.partial(LocalSlices, plan=plan)
    net.criterion_ = criterion
    # first, so that the cluster sizes are summed before they are recorded
    net.callbacks_ = [("data_parallel", StepTogether(plan, criterion, reconstruction)),
                      *net.callbacks_]
    try:
        yield
    finally:
        vars(net).update(saved)
        if reconstruction > 0:
            module.reconstruction = reconstruction
    # buffers (BatchNorm's running statistics) follow each process's slices
    for tensor in module.buffers():
        _broadcast_(tensor)


@dataclasses.dataclass(frozen=True)
class DataParallelGroup:
    """This process's place in :func:`data_parallel`'s training.

    Attributes
    ----------
    rank : int
        0 to ``world_size - 1``; save the model on rank 0 only.
    world_size : int
        Number of processes.
    local_rank : int
        Rank on this machine; the GPU this process uses.
    assignment : {"global", "local"}
        How batches are labelled (see :func:`data_parallel`).
    """

    rank: int
    world_size: int
    local_rank: int
    assignment: str

    def same_parameters(self, model):
        """Whether ``model``'s weights and buffers are bit-identical on
        every process (a collective: call it on every process)."""
        if self.world_size == 1:
            return True
        state = model._net.module_.state_dict()
        flat = torch.cat([t.detach().reshape(-1).double().cpu() for t in state.values()])
        reference = flat.clone()
        _broadcast_(reference)
        same = torch.tensor([float(torch.equal(flat, reference))])
        return bool(_all_reduce(same).item() == self.world_size)


@contextlib.contextmanager
def data_parallel(*, assignment="global", backend=None):
    """Train the models inside data-parallel across the processes of a ``torchrun`` job.

    Every process runs the same script on the same whole data; inside the
    ``with`` block, each training call (``fit``, ``partial_fit``, and so
    ``fit_predict`` or a Pipeline's ``fit``) of an
    :class:`~hardclust.OnlineHardClustering` splits every mini-batch of
    ``batch_size`` rows across the processes, labels the batch as a whole
    and sums the gradients, so the processes take one process's steps and
    end with identical models. Everything outside training (validation, the
    start, the neighbour search, inference) runs on every process; rank 0's
    start (its weights and optimizer state), batch order and neighbour pairs
    are shared at each training call.

    Outside ``torchrun`` (no ``WORLD_SIZE`` in the environment and no
    process group), the block runs as one process and nothing changes.

    Parameters
    ----------
    assignment : {"global", "local"}, default="global"
        ``"global"`` gathers the cost matrices (one ``all_gather`` of
        ``batch_size x n_clusters`` values per step) and labels each global
        batch exactly as one process would; ``"local"`` labels each
        process's slice on its own, the method at a batch ``world_size``
        times smaller. See the user guide for the measured difference.
    backend : str, default=None
        Used to start the default process group when none is: ``None`` is
        ``"nccl"`` when CUDA is available, else ``"gloo"``. A process
        group already started is used as it is and left running. Where
        CUDA is available, the current device is set to ``LOCAL_RANK``'s
        GPU, so that ``device="auto"`` or ``"cuda"`` is the process's own.

    Yields
    ------
    group : DataParallelGroup
        This process's ``rank``, ``world_size`` and ``local_rank``.

    Raises
    ------
    ValueError
        For an unknown ``assignment``; at training, when the processes hold
        different data, the model is on another process's GPU, or its
        objective is ``"secu"`` (which needs the whole batch's embeddings).
    """
    if assignment not in ASSIGNMENTS:
        raise ValueError(f"assignment must be one of {ASSIGNMENTS}, got {assignment!r}.")
    started = not dist.is_initialized()
    if started and "WORLD_SIZE" not in os.environ:
        yield DataParallelGroup(0, 1, 0, assignment)
        return
    local_rank = int(os.environ.get("LOCAL_RANK", dist.get_rank() if not started else 0))
    if torch.cuda.is_available():
        # "auto" and "cuda" then mean this process's own GPU
        torch.cuda.set_device(local_rank)
    if started:
        if backend is None:
            backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    group = DataParallelGroup(dist.get_rank(), dist.get_world_size(), local_rank, assignment)
    token = _net.TRAINING_CONTEXT.set(
        functools.partial(_train_in_parallel, group=group) if group.world_size > 1 else None)
    try:
        yield group
    finally:
        _net.TRAINING_CONTEXT.reset(token)
        if started:
            dist.destroy_process_group()

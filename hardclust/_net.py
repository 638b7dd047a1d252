"""The training engine: a skorch net specialised for online clustering.

The public estimator composes a :class:`ClusterNet` built in ``fit``; skorch
provides the epoch/batch ladder, callbacks, history, progress bar and
CUDA-safe pickling. This module overrides only the rungs that differ from
supervised learning: the data iterator (unlabelled tensors, shuffled by the
estimator's own RNG), the training step (assign the batch, then descend on
the assigned cost) and the default callbacks (per-epoch cluster sizes).
"""

import contextlib
import contextvars
import copy
import math

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.dataset import unpack_data
from skorch.utils import to_device

from ._batches import ShuffledBatches, TensorDataset
# ClusterModule is imported for pickles of earlier releases, which name it here
from ._model import ClusterModule, pair_costs  # noqa: F401
from ._progress import EpochTable, FitProgress
from ._optimizers import (carry_state, grouped_options, make_optimizer, optimizer_error,
                          refuse_where_unsupported, set_implied)
from ._params import optimizer_options
from ._utils import (copy_state, eval_mode, embed, existing_device, explain_batchnorm_failure,
                     seeded, to_device_async)

# Stands, in a pickle, for "the same object as the initialised attribute".
_LINKED_TO_INITIALIZED = "<same as the initialised attribute>"
_NON_FINITE = (
    "the training loss or the latent costs became non-finite (NaN or inf): "
    "the encoder or centroids diverged. Scale the input (for example with "
    "StandardScaler), lower lr, or raise sigma."
)

__all__ = ["ClusterNet"]

# Set by hardclust.distributed.data_parallel: a context manager factory
# ``(net, dataset)`` that every training call runs inside; None: one process.
TRAINING_CONTEXT = contextvars.ContextVar("hardclust_training_context", default=None)


class ClusterStats(Callback):
    """Records per-epoch cluster sizes and the number of empty clusters.

    Sizes count each training point's nearest centroid under the model of
    the moment, which is what ``predict`` would say: hard-regularised
    *assignments* are balanced by construction, so only the nearest-centroid
    view can reveal a collapse. Counting stays on the device, in a vector
    of fixed length (``torch.bincount`` would read the largest label back
    to size its output: a sync per batch); it is read once, at each
    epoch's end, when the history receives ``cluster_sizes`` (list of int)
    and ``n_empty``. The counts live only within an epoch and are never
    pickled.
    """

    def on_epoch_begin(self, net, **kwargs):
        self.counts_ = torch.zeros(
            net.module_.centroids.shape[0], dtype=torch.long,
            device=net.module_.centroids.device,
        )

    def on_batch_end(self, net, training=False, nearest=None, **kwargs):
        if training and nearest is not None:
            self.counts_.index_add_(0, nearest, torch.ones_like(nearest))

    def on_epoch_end(self, net, **kwargs):
        sizes = self.counts_.cpu().tolist()
        del self.counts_
        net.history.record("cluster_sizes", sizes)
        net.history.record("n_empty", sum(size == 0 for size in sizes))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("counts_", None)  # an interrupted epoch's counts: device state
        return state


class ClusterNet(NeuralNet):
    """skorch ``NeuralNet`` whose training step is a clustering step.

    ``criterion`` is one of the objectives of :mod:`hardclust.objectives`;
    ``module`` a :class:`ClusterModule`. Everything else (callbacks,
    history, device moves, pickling) is skorch's. The estimator talks to it
    through four methods: :meth:`train_epochs`, :meth:`snapshot` /
    :meth:`restore` and :meth:`infer_all`.
    """

    @property
    def _default_callbacks(self):
        callbacks = []
        for name, callback in super()._default_callbacks:
            if name == "valid_loss":
                continue  # there is never a validation split
            if name == "print_log":
                callbacks.append(("cluster_stats", ClusterStats()))
                callback = EpochTable(keys_ignored=["cluster_sizes"])
            callbacks.append((name, callback))
        callbacks.append(("progress", FitProgress()))
        return callbacks

    def train_step_single(self, batch, neighbor_weight=0.0, **fit_params):
        """One clustering step on a batch of :class:`ShuffledBatches`.

        ``neighbor_weight`` reaches here from :meth:`train_epochs` through
        skorch's ``fit_params``: the weight of a sample's view in the
        pair's cost (:func:`hardclust._model.pair_costs`).

        Host-device synchronisations: the objective's own (``"hard"`` copies
        the costs to the host for the assignment) and skorch's read of the
        loss. Nothing else waits for the device: the batch arrives by a
        non-blocking copy from pinned memory, and the check that the costs
        are finite is folded into the loss skorch reads (NaN when they are
        not), which :meth:`on_batch_end` then checks on the host.
        """
        self._set_training(True)
        batch, _ = unpack_data(batch)
        Xi, views = batch["samples"], batch.get("views")
        Xi = to_device_async(Xi, self.device)
        n_points = len(Xi)
        if views is not None:  # one pass over the samples and their views
            Xi = torch.cat([Xi, to_device_async(views, self.device)])
        module = self.module_
        z_raw = module.encoder(Xi)
        z = module.head(z_raw)
        all_costs = module.costs(z)
        finite = torch.isfinite(all_costs).all()  # stays on the device
        costs, view_costs = all_costs[:n_points], all_costs[n_points:]
        nearest = costs.detach().argmin(dim=1)
        if views is not None:
            costs = pair_costs(costs, view_costs, neighbor_weight)
        try:
            if getattr(self.criterion_, "uses_embeddings", False):
                loss, labels = self.criterion_(costs, module=module, z=z, n_points=n_points)
            else:
                loss, labels = self.criterion_(costs)
        except ValueError as exc:  # the assignment refuses NaN costs
            if not bool(finite):  # an error path: the sync no longer matters
                raise FloatingPointError(_NON_FINITE) from exc
            raise
        # IDEC: keep what clustering does not use yet (modules of 0.2 have no term)
        if getattr(module, "reconstruction", 0.0) > 0:
            loss = loss + module.reconstruction * torch.nn.functional.mse_loss(
                module.decoder(z_raw), Xi)
        loss.backward()
        return {
            "loss": torch.where(finite, loss.detach(), torch.nan),
            "y_pred": labels,
            "nearest": nearest,
        }

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        if hasattr(self.criterion_, "freeze"):  # SeCu's centroids of the pass
            self.criterion_.freeze(self.module_.centroids)

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        """Refuse a non-finite loss, read from the history skorch wrote on the host."""
        if training and not math.isfinite(self.history[-1, "batches", -1, "train_loss"]):
            raise FloatingPointError(_NON_FINITE)

    @classmethod
    def build(cls, module, criterion, *, optimizer, optimizer_params, lr, batch_size,
              callbacks, verbose, device, rng):
        """An initialised net for one model: no validation split, batches
        shuffled by the estimator's ``rng``, ``callbacks`` deep-copied."""
        net = cls(
            module=module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            batch_size=batch_size,
            train_split=None,
            iterator_train=ShuffledBatches,
            iterator_train__shuffle=True,
            iterator_train__random_state=rng,
            callbacks=copy.deepcopy(callbacks),
            verbose=verbose,
            device=str(device),
            **optimizer_params,
        )
        try:
            net.initialize()
        except TypeError as exc:  # the optimizer refused an option
            raise optimizer_error(optimizer, optimizer_params, exc) from exc
        carry_state(net.optimizer_, net.module_)  # a laid-out graph start's
        return net

    def update(self, *, batch_size, verbose, sigma, criterion=None, log_prior=None,
               callbacks=None, optimizer=None, optimizer_options=None, device=None,
               removed_options=()):
        """Take new settings between training calls.

        ``batch_size``, ``verbose`` and ``sigma`` are set every time; the
        others only when given: a device (see :meth:`move_to`), a criterion
        (with its ``log_prior``), new callbacks (deep-copied and
        initialised), a new optimizer class (fresh state) and
        ``optimizer_options`` (``lr`` and ``optimizer__*``; without a new
        class they change the parameter groups in place, so Adam keeps its
        moments). ``removed_options`` (``optimizer__*`` names the user
        deleted) are forgotten; an optimizer cannot unset an option in
        place, so the caller passes the class too, for a fresh one.
        """
        for name in removed_options:
            vars(self).pop(name, None)
        if device is not None:
            self.move_to(device)
        self.batch_size, self.verbose = batch_size, verbose
        self.module_.sigma = float(sigma)
        if criterion is not None:
            self.module_.log_prior.copy_(log_prior)
            self.criterion = criterion
            self.initialize_criterion()
            # skorch's public initialize_criterion leaves it where it was built
            self.criterion_ = to_device(self.criterion_, self.device)
        # the geometry follows the objective that trains (a loaded model's
        # file may say otherwise until its first training call)
        self.module_.normalize = getattr(self.criterion_, "uses_embeddings", False)
        if callbacks is not None:
            self.callbacks = copy.deepcopy(callbacks[0])
            self.initialize_callbacks()
        # skorch's set_params edits the live optimizer for lr / optimizer__*
        # but not the attributes a new optimizer is built from: set both
        vars(self).update(optimizer_options or {})
        if optimizer is not None:
            self.optimizer = optimizer
            self.initialize_optimizer()
        elif optimizer_options:
            self.set_params(**optimizer_options)
            # a foreach set now turns the fused update off, as it would have at the start
            set_implied(self.optimizer_, self._optimizer_options())

    def _optimizer_options(self):
        """The optimizer's options as set on the net (``optimizer__*``
        attributes, without the prefix): what a new optimizer is built from."""
        return optimizer_options(vars(self), strip=True)

    def initialize_optimizer(self, *args, **kwargs):
        """skorch's, built by :func:`hardclust._optimizers.make_optimizer`
        (torch's fused kernel where the class has one and the options leave
        it open), then each parameter group's ``initial_lr`` set to its
        rate when missing: a learning-rate scheduler (skorch's
        ``LRScheduler``) is rebuilt at every training call as resuming at
        the history's epoch, which torch refuses on an optimizer that no
        scheduler has seen (a new optimizer class between ``partial_fit``
        calls, a soft reset); the schedule goes on from the new rate."""
        # skorch's param_groups, and one group's option set since
        # (optimizer__param_groups__<i>__<name>), which skorch's own
        # construction would hand the optimizer as a keyword
        groups, options = grouped_options(self.get_all_learnable_params(),
                                          self._optimizer_options())
        self.optimizer_ = make_optimizer(self.optimizer, groups, {"lr": self.lr, **options})
        for group in self.optimizer_.param_groups:
            group.setdefault("initial_lr", group["lr"])
        return self

    def move_to(self, device):
        """Move the module, criterion and optimizer state to ``device``.

        The parameters keep their identity (``Module.to`` changes their
        data in place), so the optimizer and anything holding it (a
        learning-rate scheduler) go on with them; the optimizer's state
        (Adam's moments) follows through a state-dict round trip, which
        casts each state tensor to its parameter's device.
        """
        device = torch.device(device)
        if device == torch.device(self.device):
            return
        self.device = str(device)
        self.module_.to(device)
        self.criterion_ = to_device(self.criterion_, device)
        self.optimizer_.load_state_dict(self.optimizer_.state_dict())
        # the fused kernel where the new device has one
        set_implied(self.optimizer_, self._optimizer_options())
        refuse_where_unsupported(self.optimizer_)

    def initialize_callbacks(self):
        """skorch's, and the callbacks pickled with its device mapping.

        A callback may hold device tensors (a learning-rate scheduler holds
        the optimizer and its state). ``callbacks_`` and ``callbacks``
        (whose instances skorch initialises in place, so they are the same
        objects) are pickled as ``cuda_dependent`` attributes (the prefix
        ``"callbacks"`` names both), in one pickle with the module and
        optimizer: they load on a machine without the device, and a
        scheduler keeps sharing the optimizer.
        """
        super().initialize_callbacks()
        if "callbacks" not in self.cuda_dependent_attributes_:
            self.cuda_dependent_attributes_ = [*self.cuda_dependent_attributes_, "callbacks"]
        return self

    # The module and criterion are passed as instances, so ``module`` is
    # ``module_`` (and ``criterion`` is ``criterion_``). skorch maps only the
    # trailing-underscore attributes to the CPU when a model pickled on CUDA
    # is loaded without it; the plain names would carry CUDA tensors through
    # the ordinary pickle. They are relinked instead of pickled twice.
    _LINKED = ("module", "criterion")

    def __getstate__(self):
        state = super().__getstate__()
        for name in self._LINKED:
            if state.get(name) is getattr(self, name + "_", None):
                state[name] = _LINKED_TO_INITIALIZED
        return state

    def __setstate__(self, state):
        state = {**state, "device": existing_device(state.get("device"))}
        super().__setstate__(state)
        if hasattr(self, "optimizer_"):  # unpickled onto a device without the fused kernel
            refuse_where_unsupported(self.optimizer_)
        for name in self._LINKED:
            if isinstance(getattr(self, name, None), str) and \
                    getattr(self, name) == _LINKED_TO_INITIALIZED:
                setattr(self, name, getattr(self, name + "_"))

    def train_epochs(self, X, epochs, seed, planned=None, resume=False, neighbors=None,
                     neighbor_weight=0.0, stop=None):
        """``epochs`` shuffled passes over the CPU tensor X, or fewer when
        ``stop()``, asked after each pass, returns True.

        With ``neighbors`` (see :class:`TensorDataset`), each sample is
        assigned together with one of its neighbours, weighted by
        ``neighbor_weight`` (:func:`pair_costs`).

        torch's RNG is seeded with ``seed`` for the passes (and restored
        after). Returns the passes made and the optimisation steps taken
        (one pass per skorch ``fit_loop`` when stopping: its batches are
        drawn from the shared RNG per pass, so the passes are those of one
        loop). The module
        is left in evaluation mode, as a fitted model rests, so that
        inference need not switch it. ``planned`` (default ``epochs``) and
        ``resume`` let the progress output span several calls of one fit.
        """
        dataset = TensorDataset(X, neighbors,
                                pin_memory=torch.device(self.device).type == "cuda")
        planned = epochs if planned is None else planned
        parallel = TRAINING_CONTEXT.get()
        with seeded(seed, torch.device(self.device)), \
                (parallel(self, dataset) if parallel else contextlib.nullcontext()):
            # the progress plan reaches the callbacks as notify's arguments
            self.notify("on_train_begin", X=dataset, y=None, planned_epochs=planned,
                        resume=resume)
            stopped = False
            try:
                with explain_batchnorm_failure():
                    if stop is None:
                        self.fit_loop(dataset, epochs=epochs,
                                      neighbor_weight=float(neighbor_weight))
                    else:
                        for done in range(1, epochs + 1):
                            self.fit_loop(dataset, epochs=1,
                                          neighbor_weight=float(neighbor_weight))
                            if done < epochs and stop():
                                break
                        stopped, epochs = done < epochs, done
            finally:
                self.notify("on_train_end", X=dataset, y=None, stopped=stopped)
        self.module_.eval()
        # skorch records each epoch's batch count: the steps actually taken
        return epochs, int(sum(self.history[-epochs:, "train_batch_count"]))

    def snapshot(self):
        """Everything training or :meth:`set_params` may change, for :meth:`restore`.

        Taken before every ``partial_fit`` call: the tensors of the module's
        and the optimizer's states are cloned (:func:`copy_state`), which
        costs a fraction of deep-copying their state dicts.
        """
        return (
            dict(vars(self)),
            copy_state(self.module_.state_dict()),
            copy_state(self.optimizer_.state_dict()),
            len(self.history),
            [m.training for m in self.module_.modules()],
            self.module_.sigma,
            self.module_.normalize,  # set by update() with a new objective
        )

    def restore(self, snapshot):
        """Put the net back exactly as :meth:`snapshot` saw it."""
        attributes, module_state, optimizer_state, n_epochs, modes, sigma, normalize = snapshot
        vars(self).clear()
        vars(self).update(attributes)
        self.module_.load_state_dict(module_state)
        self.module_.sigma, self.module_.normalize = sigma, normalize
        self.optimizer_.load_state_dict(optimizer_state)
        del self.history[n_epochs:]
        for m, mode in zip(self.module_.modules(), modes):
            m.training = mode

    def infer_all(self, X, output, rows, group_rows):
        """``output`` (see :meth:`ClusterModule.head`) of CPU tensor X, on the CPU;
        a tuple of outputs gives a tuple, from one encoder pass.

        The encoder sees ``rows`` samples at a time; the head (scale,
        distances, argmin) runs once per ``group_rows``, where one call per
        encoder batch would cost more than a small encoder's forward pass.
        Each group's result goes to the host as soon as it is computed, so
        the device holds one group's outputs at a time, whatever len(X).
        """
        names = (output,) if isinstance(output, str) else tuple(output)
        module = self.module_
        device = torch.device(self.device)
        parts = [[] for _ in names]
        with eval_mode(module):
            for group in X.split(max(rows, group_rows)):
                z = embed(module.encoder, group, rows, device)
                for part, name in zip(parts, names):
                    part.append(module.head(z, name).cpu())
        n_clusters, latent_dim = module.centroids.shape
        empty = {"embedding": (0, latent_dim), "costs": (0, n_clusters), "labels": (0,)}
        results = tuple(
            (part[0] if len(part) == 1 else torch.cat(part)) if part else
            torch.empty(empty[name], dtype=torch.int64 if name == "labels" else None)
            for part, name in zip(parts, names))
        return results[0] if isinstance(output, str) else results

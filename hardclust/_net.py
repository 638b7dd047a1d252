"""The training engine: a skorch net specialised for online clustering.

The public estimator composes a :class:`ClusterNet` built in ``fit``; skorch
provides the epoch/batch ladder, callbacks, history, progress bar and
CUDA-safe pickling. This module overrides only the rungs that differ from
supervised learning: the data iterator (unlabelled tensors, shuffled by the
estimator's own RNG), the training step (assign the batch, then descend on
the assigned cost) and the default callbacks (per-epoch cluster sizes).
"""

import contextlib
import copy

import numpy as np
import torch
from sklearn.utils import check_random_state as sklearn_check_random_state
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.dataset import unpack_data
from skorch.utils import to_device, to_tensor
from torch import nn

from ._progress import EpochTable, FitProgress

# Stands, in a pickle, for "the same object as the initialised attribute".
_LINKED_TO_INITIALIZED = "<same as the initialised attribute>"
# Start of torch's error for BatchNorm in training on one value per channel.
_BATCHNORM_ONE_SAMPLE = "Expected more than 1 value per channel when training"

__all__ = ["ClusterModule", "ClusterNet"]


def squared_distances(z, centroids):
    """``||z_i - mu_k||^2`` of shape (B, K), by the expanded form.

    One matmul instead of a (B, K, d) difference tensor; clamped at zero
    because rounding can make the expansion slightly negative.
    """
    z_sq = (z * z).sum(dim=1, keepdim=True)
    c_sq = (centroids * centroids).sum(dim=1)
    return torch.addmm(z_sq + c_sq, z, centroids.T, alpha=-2.0).clamp_min(0.0)


class ClusterModule(nn.Module):
    """Encoder plus learnable centroids; ``costs`` gives ``D``.

    Parameters
    ----------
    encoder : nn.Module
        Maps ``(B, *input_shape)`` to ``(B, latent_dim)``.
    centroids : Tensor of shape (n_clusters, latent_dim)
        Initial centroids.
    sigma : float
        Cluster variance parameter: ``D = ||z - mu||^2 / sigma - log pi``.
    log_prior : Tensor of shape (n_clusters,)
        Log prior probability of each cluster.
    scale : float, default=1.0
        Fixed factor applied to the encoder's output, set at initialisation
        so that the initial centroids start well apart relative to
        ``sigma`` (a mean squared distance of ``8 * latent_dim`` with
        ``init="k-means"``), whatever the scale of the input.
    decoder : nn.Module, default=None
        Maps the encoder's raw output back to ``(B, *input_shape)``.
    reconstruction : float, default=0.0
        Weight of the decoder's mean squared error in the training loss.
    """

    def __init__(self, encoder, centroids, sigma, log_prior, scale=1.0, decoder=None,
                 reconstruction=0.0):
        super().__init__()
        self.encoder = encoder
        if decoder is not None:  # only then: a default model's state_dict is unchanged
            self.decoder = decoder
        self.reconstruction = float(reconstruction)
        self.centroids = nn.Parameter(centroids.clone())
        self.register_buffer("log_prior", log_prior.clone())
        self.sigma = float(sigma)
        self.scale = float(scale)

    def forward(self, x):
        return self.head(self.encoder(x))

    def head(self, z, output="embedding"):
        """The encoder's raw output ``z`` as ``output``; the only place the
        fixed ``scale`` is applied.

        ``output`` is ``"embedding"`` (B, latent_dim), ``"costs"`` (B, K) or
        ``"labels"`` (B,); labels fold the scale into the distances, with no
        multiplication of ``z`` at all.
        """
        if output == "labels":
            return self.nearest(z, z_scale=self.scale)
        z = z * self.scale
        return z if output == "embedding" else self.costs(z)

    def costs(self, z):
        """``D[i, k] = ||z_i - mu_k||^2 / sigma - log pi_k`` of shape (B, K)."""
        centroids = self.centroids.to(z.dtype)
        return squared_distances(z, centroids) / self.sigma - self.log_prior.to(z.dtype)

    def nearest(self, z, z_scale=1.0):
        """``argmin_k D[i, k]`` of shape (B,), without forming ``D``.

        ``||z_i||^2`` is the same for every k, so it is left out: one
        ``addmm`` of ``||mu_k||^2 / sigma - log pi_k - 2 z_i . mu_k / sigma``.
        With ``z_scale``, ``z`` is taken as ``z * z_scale`` without the
        multiplication (pass the encoder's raw output and ``self.scale``).
        """
        centroids = self.centroids.to(z.dtype)
        offsets = (centroids * centroids).sum(dim=1) / self.sigma - self.log_prior.to(z.dtype)
        scores = torch.addmm(offsets, z, centroids.T, alpha=-2.0 * z_scale / self.sigma)
        return scores.argmin(dim=1)


def pair_costs(costs, view_costs, weight):
    """The cost of putting a sample and its view in each cluster together.

    ``(D + weight * D_view) / (1 + weight)``, both of shape (B, K): the
    objective labels the pairs as it would single samples, and the loss
    (their assigned cost) pulls both members towards the one centroid.
    """
    return (costs + weight * view_costs) / (1.0 + weight)


class TensorDataset(torch.utils.data.Dataset):
    """Unlabelled samples held in one CPU tensor of shape (n, *input_shape).

    ``neighbors`` (n, k), optional: row indices of each sample's nearest
    neighbours in X, from which :class:`ShuffledBatches` draws its views.
    """

    def __init__(self, X, neighbors=None):
        self.X = X
        self.neighbors = neighbors

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], torch.empty(0)


class ShuffledBatches:
    """Mini-batches of a :class:`TensorDataset` by slicing, not collating.

    A ``DataLoader`` would fetch and stack ``batch_size`` samples one by one;
    one fancy-index per batch does the same work in a single copy. A last
    batch of a single sample is merged into the one before it: one sample
    carries no partition to regularise, and an encoder with BatchNorm cannot
    train on it.

    When the dataset has ``neighbors`` and ``shuffle`` is set, a batch is
    the pair ``(X[rows], X[views])``: each sample with one of its
    neighbours, drawn from ``random_state`` at every pass (skorch passes
    the second item to the training step where a target would be).
    Otherwise it is ``(X[rows], None)``.

    Parameters
    ----------
    dataset : TensorDataset
    batch_size : int
    shuffle : bool, default=False
        Draw a new permutation from ``random_state`` at every pass.
    random_state : numpy.random.RandomState, default=None
        Source of the permutations (shared with, and owned by, the estimator).
    """

    def __init__(self, dataset, batch_size, shuffle=False, random_state=None):
        self.X = dataset.X
        self.neighbors = getattr(dataset, "neighbors", None)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state

    def _bounds(self):
        n = len(self.X)
        bounds = [*range(0, n, self.batch_size), n]
        if len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
            del bounds[-2]
        return bounds

    def __len__(self):
        return len(self._bounds()) - 1

    def __iter__(self):
        bounds = self._bounds()
        order = views = None
        if self.shuffle:
            order = torch.from_numpy(self.random_state.permutation(len(self.X)))
            if self.neighbors is not None:
                picks = self.random_state.randint(self.neighbors.shape[1], size=len(self.X))
                views = self.neighbors[order, torch.from_numpy(picks)]
        for start, stop in zip(bounds, bounds[1:]):
            if order is None:
                yield self.X[start:stop], None
            elif views is None:
                yield self.X[order[start:stop]], None
            else:
                yield self.X[order[start:stop]], self.X[views[start:stop]]


class ClusterStats(Callback):
    """Records per-epoch cluster sizes and the number of empty clusters.

    Sizes count each training point's nearest centroid under the model of
    the moment, which is what ``predict`` would say: hard-regularised
    *assignments* are balanced by construction, so only the nearest-centroid
    view can reveal a collapse. Counting stays on the device (no sync per
    batch); the history receives ``cluster_sizes`` (list of int) and
    ``n_empty`` at each epoch's end.
    """

    def on_epoch_begin(self, net, **kwargs):
        self.counts_ = torch.zeros(
            net.module_.centroids.shape[0], dtype=torch.long,
            device=net.module_.centroids.device,
        )

    def on_batch_end(self, net, training=False, nearest=None, **kwargs):
        if training and nearest is not None:
            self.counts_ += torch.bincount(nearest, minlength=len(self.counts_))

    def on_epoch_end(self, net, **kwargs):
        sizes = self.counts_.cpu().tolist()
        net.history.record("cluster_sizes", sizes)
        net.history.record("n_empty", sum(size == 0 for size in sizes))


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

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, views = unpack_data(batch)
        Xi = to_tensor(Xi, device=self.device)
        n_points = len(Xi)
        if views is not None:  # one pass over the samples and their views
            Xi = torch.cat([Xi, to_tensor(views, device=self.device)])
        module = self.module_
        z_raw = module.encoder(Xi)
        costs = module.costs(module.head(z_raw))
        costs, view_costs = costs[:n_points], costs[n_points:]
        if not torch.isfinite(costs).all() or not torch.isfinite(view_costs).all():
            raise FloatingPointError(
                "the latent costs became non-finite (NaN or inf): the encoder "
                "or centroids diverged. Scale the input (for example with "
                "StandardScaler), lower lr, or raise sigma."
            )
        nearest = costs.detach().argmin(dim=1)
        if views is not None:
            costs = pair_costs(costs, view_costs, self.neighbor_weight_)
        loss, labels = self.criterion_(costs)
        # IDEC: keep what clustering does not use yet (modules of 0.2 have no term)
        if getattr(module, "reconstruction", 0.0) > 0:
            loss = loss + module.reconstruction * torch.nn.functional.mse_loss(
                module.decoder(z_raw), Xi)
        if not torch.isfinite(loss):
            raise FloatingPointError(
                "the training loss became non-finite (NaN or inf): the "
                "encoder diverged. Scale the input (for example with "
                "StandardScaler), lower lr, or raise sigma."
            )
        loss.backward()
        return {
            "loss": loss,
            "y_pred": labels,
            "nearest": nearest,
        }

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
            return net.initialize()
        except TypeError as exc:  # the optimizer refused an option
            raise optimizer_error(optimizer, optimizer_params, exc) from exc

    def update(self, *, batch_size, verbose, sigma, criterion=None, log_prior=None,
               callbacks=None, optimizer=None, optimizer_options=None):
        """Take new settings between training calls.

        ``batch_size``, ``verbose`` and ``sigma`` are set every time; the
        others only when given: a criterion (with its ``log_prior``), new
        callbacks (deep-copied and initialised), a new optimizer class
        (fresh state) and ``optimizer_options`` (``lr`` and
        ``optimizer__*``; without a new class they change the parameter
        groups in place, so Adam keeps its moments).
        """
        self.batch_size, self.verbose = batch_size, verbose
        self.module_.sigma = float(sigma)
        if criterion is not None:
            self.module_.log_prior.copy_(log_prior)
            self.criterion = criterion
            self.initialize_criterion()
            # skorch's public initialize_criterion leaves it where it was built
            self.criterion_ = to_device(self.criterion_, self.device)
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
        super().__setstate__(state)
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
        (one pass per skorch ``fit_loop``: its batches are drawn from the
        shared RNG per pass, so the passes are those of one loop). The module
        is left in evaluation mode, as a fitted model rests, so that
        inference need not switch it. ``planned`` (default ``epochs``) and
        ``resume`` let the progress output span several calls of one fit.
        """
        dataset = TensorDataset(X, neighbors)
        self.neighbor_weight_ = float(neighbor_weight)
        self.planned_epochs_ = epochs if planned is None else planned
        self.progress_resume_ = resume
        with seeded(seed, torch.device(self.device)):
            self.notify("on_train_begin", X=dataset, y=None)
            try:
                with explain_batchnorm_failure():
                    if stop is None:
                        self.fit_loop(dataset, epochs=epochs)
                    else:
                        for done in range(1, epochs + 1):
                            self.fit_loop(dataset, epochs=1)
                            if done < epochs and stop():
                                break
                        epochs = done
            finally:
                self.notify("on_train_end", X=dataset, y=None)
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
        )

    def restore(self, snapshot):
        """Put the net back exactly as :meth:`snapshot` saw it."""
        attributes, module_state, optimizer_state, n_epochs, modes, sigma = snapshot
        vars(self).clear()
        vars(self).update(attributes)
        self.module_.load_state_dict(module_state)
        self.module_.sigma = sigma
        self.optimizer_.load_state_dict(optimizer_state)
        del self.history[n_epochs:]
        for m, mode in zip(self.module_.modules(), modes):
            m.training = mode

    def infer_all(self, X, output, rows, group_rows):
        """``output`` (see :meth:`ClusterModule.head`) of CPU tensor X, on the CPU.

        The encoder sees ``rows`` samples at a time; the head (scale,
        distances, argmin) runs once per ``group_rows``, where one call per
        encoder batch would cost more than a small encoder's forward pass.
        """
        module = self.module_
        device = torch.device(self.device)
        outputs = []
        with eval_mode(module):
            for group in X.split(max(rows, group_rows)):
                outputs.append(module.head(embed(module.encoder, group, rows, device), output))
        if outputs:
            return (outputs[0] if len(outputs) == 1 else torch.cat(outputs)).cpu()
        n_clusters, latent_dim = module.centroids.shape
        shape = {"embedding": (0, latent_dim), "costs": (0, n_clusters), "labels": (0,)}
        return torch.empty(shape[output], dtype=torch.int64 if output == "labels" else None)


def copy_state(state):
    """A copy of a state dict that training cannot change: tensors cloned,
    dicts, lists and tuples rebuilt, numbers and strings shared, anything
    else deep-copied."""
    if isinstance(state, torch.Tensor):
        return state.detach().clone()
    if isinstance(state, dict):
        copied = type(state)((key, copy_state(value)) for key, value in state.items())
        if hasattr(state, "_metadata"):  # module versions, read by load_state_dict
            copied._metadata = copy.deepcopy(state._metadata)
        return copied
    if isinstance(state, (list, tuple)):
        return type(state)(copy_state(value) for value in state)
    if state is None or isinstance(state, (bool, int, float, complex, str, torch.dtype)):
        return state
    return copy.deepcopy(state)


@contextlib.contextmanager
def eval_mode(module):
    """Evaluation mode and no gradients inside; each submodule's mode is restored.

    A module entirely in evaluation mode already (as a fitted model rests)
    is not switched: walking every submodule twice cost about 5% of
    ``predict`` on digits.
    """
    training = [m for m in module.modules() if m.training]
    if training:
        module.eval()
    try:
        with torch.no_grad():
            yield module
    finally:
        for m in training:
            m.training = True


def embed(module, X, batch_size, device):
    """``module`` applied to CPU tensor X, ``batch_size`` rows at a time.

    Call inside :func:`eval_mode`. Returns the concatenated output on
    ``device``.
    """
    return torch.cat([
        module(chunk.to(device, non_blocking=True)) for chunk in X.split(batch_size)
    ])


def resolve_device(device):
    """``"auto"`` -> CUDA when available, else CPU; anything else as given.

    The value was validated with the other parameters
    (:class:`hardclust._params.Device`).
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def optimizer_error(optimizer, options, exc):
    """The TypeError to raise when ``optimizer`` refused one of ``options``."""
    return TypeError(
        f"{optimizer.__name__} could not be built with the options {options} "
        f"({exc}); check the optimizer__<name> keyword arguments against its "
        "signature."
    )


@contextlib.contextmanager
def explain_batchnorm_failure():
    """Turn torch's error for BatchNorm on a batch of one sample into one
    that says what to change."""
    try:
        yield
    except ValueError as exc:
        if not str(exc).startswith(_BATCHNORM_ONE_SAMPLE):
            raise
        raise ValueError(
            f"the encoder failed on a training batch of one sample ({exc}): "
            "BatchNorm layers need at least 2 values per channel in "
            "training. Pass at least 2 samples (to partial_fit, chunks "
            "of 2 or more) and use batch_size >= 2."
        ) from exc


@contextlib.contextmanager
def seeded(seed, device):
    """Context in which torch's global RNG of ``device`` is seeded locally.

    The caller's RNG state (CPU, and the CUDA device if one is used) is
    restored on exit, so hardclust never changes the process-global RNGs.
    """
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.default_generator.manual_seed(seed)
        for index in devices:
            torch.cuda.default_generators[index].manual_seed(seed)
        yield


def check_random_state(random_state):
    """scikit-learn's ``check_random_state``, except that None gives a private generator.

    scikit-learn maps None to numpy's global RandomState; drawing from it
    would move the caller's global RNG, which hardclust promises not to do.
    """
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    return sklearn_check_random_state(random_state)


def draw_seed(random_state):
    """A 31-bit seed drawn from a numpy RandomState."""
    return int(random_state.randint(np.iinfo(np.int32).max))

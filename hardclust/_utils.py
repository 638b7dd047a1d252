"""Torch plumbing shared by the modules: local seeding, devices, evaluation
mode, chunked embedding, and errors that say what to change."""

import contextlib
import copy
import os
import sys
import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state as sklearn_check_random_state
from skorch.exceptions import DeviceWarning

# Start of torch's error for BatchNorm in training on one value per channel.
_BATCHNORM_ONE_SAMPLE = "Expected more than 1 value per channel when training"


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
        module(to_device_async(chunk, device, pin=True)) for chunk in X.split(batch_size)
    ])


def to_device_async(tensor, device, pin=False):
    """CPU ``tensor`` on ``device``, without making the host wait for it.

    A copy to CUDA is asynchronous only from page-locked memory: a pinned
    tensor is copied with ``non_blocking=True``; with ``pin``, a pageable
    one is first copied into pinned memory (a host copy, which the
    transfer of pageable memory makes anyway). On the CPU it is returned
    as is.
    """
    device = torch.device(device)
    if device.type != "cuda":
        return tensor.to(device)
    if pin and not tensor.is_pinned():
        tensor = tensor.pin_memory()
    return tensor.to(device, non_blocking=tensor.is_pinned())


def existing_device(device):
    """``device`` if it exists here; ``cuda:N`` beyond the GPUs present -> ``cuda``,
    and ``cpu:N`` -> ``cpu``.

    Used when unpickling, so that a model pickled on a machine's second
    GPU loads on a machine with one. A missing CUDA is left to skorch,
    which maps to the CPU with a ``DeviceWarning``.
    """
    if device is None:
        return device
    target = torch.device(device)
    if target.type == "cpu":  # torch restores storages to "cpu", never to "cpu:0"
        return "cpu"
    if target.type != "cuda" or target.index is None or not torch.cuda.is_available() \
            or target.index < torch.cuda.device_count():
        return device
    warnings.warn(
        f"This model was pickled on {target}, which this machine does not have "
        f"({torch.cuda.device_count()} GPU(s)); it is loaded on cuda instead.",
        DeviceWarning, stacklevel=3)
    return "cuda"


def _library_folders():
    """The folders of hardclust and of the libraries that call into it
    (scikit-learn's wrappers, skorch's training loop), as path prefixes;
    imported here, not at the top, as hardclust imports this module."""
    import sklearn
    import skorch

    import hardclust
    return tuple(os.path.dirname(m.__file__) + os.sep for m in (hardclust, sklearn, skorch))


def user_stacklevel():
    """The ``stacklevel`` that makes ``warnings.warn``, called by the
    function that calls this, point at the first frame outside hardclust,
    scikit-learn and skorch: the user's call, past wrappers (scikit-learn's
    ``set_output`` and ``_fit_context``, a ``Pipeline``) whose depth
    differs between methods."""
    folders = _library_folders()
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(folders):
        frame, level = frame.f_back, level + 1
    return level


def resolve_device(device):
    """``"auto"`` -> CUDA when available, else CPU; anything else as given.

    The value was validated with the other parameters
    (:class:`hardclust._params.Device`).
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def finite_loss(loss, stage):
    """``loss`` (a tensor) as a float; a ``FloatingPointError`` saying what
    to fix when it is not finite. ``stage`` names what diverged."""
    loss = float(loss.detach())
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"{stage} diverged (loss {loss}); lower lr or scale the input "
            "(for example with StandardScaler)."
        )
    return loss


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


def copy_state(state, device=None):
    """A copy of a state dict that training cannot change: tensors cloned
    (onto ``device`` when given), dicts, lists and tuples rebuilt, numbers
    and strings shared, anything else deep-copied."""
    if isinstance(state, torch.Tensor):
        if device is not None:
            return state.detach().to(device, copy=True)
        return state.detach().clone()
    if isinstance(state, dict):
        copied = type(state)((key, copy_state(value, device)) for key, value in state.items())
        if hasattr(state, "_metadata"):  # module versions, read by load_state_dict
            copied._metadata = copy.deepcopy(state._metadata)
        return copied
    if isinstance(state, (list, tuple)):
        return type(state)(copy_state(value, device) for value in state)
    if state is None or isinstance(state, (bool, int, float, complex, str, torch.dtype)):
        return state
    return copy.deepcopy(state)

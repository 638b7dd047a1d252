"""How many threads hardclust's calls use, and giving the caller's back.

torch runs each operation on a pool of intra-op threads, one per core by
default; numpy's BLAS and scikit-learn's OpenMP have pools of their own.
For the small matrices of a small encoder, a second thread saves little
even on idle cores, and on cores that other work keeps busy the threads
wait for each other at every operation: a fit can run many times slower
than on one thread, with the same results. So ``n_threads="auto"`` gives
small encoders one thread (:func:`auto_threads`), and every public method
that runs torch work sets the count on entry and restores the caller's on
exit, also when it raises (:func:`limit_threads`, :func:`uses_threads`),
as threadpoolctl does for BLAS. The encoder's work per step is counted
once per start (:func:`forward_flops`).
"""

import contextlib
import functools

import torch
from threadpoolctl import ThreadpoolController
from torch.utils.flop_counter import FlopCounterMode

from ._utils import seeded
from .encoders import make_encoder

__all__ = ["auto_threads", "blas_limits", "encoder_flops", "forward_flops", "limit_threads",
           "sample_flops", "search_limits", "search_threads", "uses_threads"]

# n_threads="auto": one thread when a training step's forward pass costs at
# most this many floating-point operations (counted by torch's
# FlopCounterMode: 2 per multiply-add); above it torch's own setting. The
# image CNN on 28x28 images in steps of 256 pairs costs 1.39e9, the
# default MLP on 784 values 0.41e9; each ran slower on two threads than on
# one on shared cores (docs/performance.md).
_AUTO_ONE_THREAD_FLOPS = 2e9

_controller = None


def _blas_controller():
    """threadpoolctl's view of the loaded BLAS and OpenMP pools, made once:
    making it costs tens of ms, limiting through it tens of µs."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


def blas_limits(n_threads):
    """Context limiting numpy's BLAS and scikit-learn's OpenMP pools to
    ``n_threads`` (threadpoolctl's ``threadpool_limits``, through the
    controller made once)."""
    return _blas_controller().limit(limits=n_threads)


def search_threads(n_threads):
    """The OpenMP threads of the neighbour search of a call for the
    ``n_threads`` parameter, read before the call limits torch's.

    The search is coarse-grained (each thread takes whole chunks of query
    rows, :func:`search_limits`), so it gains from a second core even when
    other work keeps the cores busy, unlike a small encoder's steps, and
    its result does not depend on the count. So ``"auto"`` gives it the
    caller's torch count (one per core unless the caller set another);
    an int is used as given; None leaves the pools as they are.
    """
    if isinstance(n_threads, str) and n_threads == "auto":
        return torch.get_num_threads()
    return n_threads


def search_limits(threads):
    """Context for a neighbour search on ``threads`` OpenMP threads (None:
    as they are), BLAS on one (each thread's distance products)."""
    if threads is None:
        return contextlib.nullcontext()
    return _blas_controller().limit(limits={"openmp": threads, "blas": 1})


def forward_flops(encoder, sample):
    """Floating-point operations of ``encoder`` on one sample (a forward
    pass in evaluation mode, without gradients; a single sample is passed
    twice, as BatchNorm in training would need, and the count halved).

    Parameters
    ----------
    encoder : nn.Module
    sample : Tensor of shape (1, \\*sample_shape), on the encoder's device

    Returns
    -------
    flops : int
        0 for operations torch's counter does not know (anything but
        matrix products and convolutions).
    """
    training = [m for m in encoder.modules() if m.training]
    encoder.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            encoder(torch.cat([sample, sample]))
    finally:
        for m in training:
            m.training = True
    return counter.get_total_flops() // 2


def encoder_flops(encoder, sample_shape, latent_dim):
    """:func:`forward_flops` of the encoder ``encoder`` names (a throwaway
    copy, built under a private torch seed), on one sample of zeros; 0
    when the encoder fails on it."""
    with seeded(0, torch.device("cpu")):
        built = make_encoder(encoder, tuple(sample_shape), latent_dim)
    try:
        return forward_flops(built, torch.zeros(1, *sample_shape))
    except (RuntimeError, ValueError, TypeError, IndexError):
        # an encoder that fails on such input is reported with what to
        # change when the model is built (check_encoder_output); counted as 0
        return 0


def sample_flops(encoder, sample_shape, latent_dim, built=None, device="cpu"):
    """Forward floating-point operations of the encoder on one sample: of
    ``built`` (a model's own encoder, on ``device``) when there is one, else
    of a throwaway copy of what the ``encoder`` parameter names."""
    if built is None:
        return encoder_flops(encoder, sample_shape, latent_dim)
    return forward_flops(built, torch.zeros(1, *sample_shape, device=device))


def auto_threads(n_threads, step_flops):
    """The intra-op threads of a model: ``n_threads`` resolved.

    Parameters
    ----------
    n_threads : int, "auto" or None
        An int is used as given; None leaves torch's setting as the caller
        has it; ``"auto"`` is 1 when a training step's forward pass costs
        at most ``_AUTO_ONE_THREAD_FLOPS``, None above.
    step_flops : int
        Forward floating-point operations of one training step.

    Returns
    -------
    threads : int or None
    """
    if not (isinstance(n_threads, str) and n_threads == "auto"):
        return n_threads
    return 1 if step_flops <= _AUTO_ONE_THREAD_FLOPS else None


@contextlib.contextmanager
def limit_threads(n_threads, blas=False):
    """Run the body on ``n_threads`` torch threads (None: as they are).

    With ``blas``, numpy's BLAS and scikit-learn's OpenMP pools are limited
    too (the neighbour search, the k-means start). The caller's counts are
    restored on exit, also when the body raises.
    """
    caller = torch.get_num_threads()
    limits = contextlib.nullcontext()
    changed = n_threads is not None and n_threads != caller
    if n_threads is not None and blas:
        limits = blas_limits(n_threads)
    if changed:
        torch.set_num_threads(n_threads)
    try:
        with limits:
            yield
    finally:
        # whenever it was changed, whatever torch now reports:
        # torch.set_num_threads also sets MKL's count, which
        # threadpoolctl's restore of the OpenMP pool (the pool torch reports)
        # leaves at n_threads, so torch would read as restored while its
        # matrix products kept running on n_threads
        if changed:
            torch.set_num_threads(caller)


def uses_threads(method=None, *, blas=False):
    """Decorate an estimator method to run under :func:`limit_threads` with
    the estimator's resolved ``n_threads_`` (torch's setting as it is while
    there is none: before the first fit). A method that resolves a new
    count (``fit``) applies it itself; the caller's count is restored."""
    if method is None:
        return functools.partial(uses_threads, blas=blas)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with limit_threads(self.__dict__.get("n_threads_"), blas=blas):
            return method(self, *args, **kwargs)

    return wrapper

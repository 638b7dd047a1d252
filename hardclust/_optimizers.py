"""Building the optimizer: the user's class and options, on torch's fused
kernel where it has one.

Adam's update is five passes over every parameter on the single-tensor
path (``lerp_``, ``mul_``/``addcmul_``, ``sqrt``, ``add_``, ``addcdiv_``),
and on the MLP these elementwise passes were a fifth of a Fashion-MNIST
fit's training time; the fused kernel makes one pass. So where the
optimizer class takes ``fused`` (torch's Adam, AdamW, SGD and Adagrad) and
the options choose no implementation (``fused``, ``foreach``) or a mode
the fused kernel lacks (``differentiable``), it is built with
``fused=True``, and with the options as given where the parameters'
device has no fused kernel. The fused update rounds differently from the
single-tensor one, so a fixed seed gives other (equally good) clusters
than before the change; the same ones on every run and thread count (the
kernel works element by element). ``optimizer__fused=False`` restores the
single-tensor path.
"""

import inspect

__all__ = ["build_optimizer", "make_optimizer", "optimizer_error", "with_fused"]

# options that choose the implementation, or a mode fused kernels lack
_CHOSEN = ("fused", "foreach", "differentiable")


def with_fused(optimizer, options):
    """``options`` with ``fused=True`` added where ``optimizer`` takes it
    and ``options`` leave the implementation open; else ``options`` itself."""
    if any(name in options for name in _CHOSEN):
        return options
    try:
        accepted = inspect.signature(optimizer).parameters
    except (TypeError, ValueError):  # a callable without a readable signature
        return options
    return {**options, "fused": True} if "fused" in accepted else options


def make_optimizer(optimizer, groups, options):
    """``optimizer(groups, **options)``, fused where it can be
    (:func:`with_fused`).

    Parameters
    ----------
    optimizer : type
        A ``torch.optim.Optimizer`` class.
    groups : iterable
        Parameters or parameter groups, as the optimizer takes them.
    options : dict
        Keyword arguments (``lr`` included).
    """
    fused = with_fused(optimizer, options)
    if fused is not options:
        groups = list(groups)  # iterated twice when the device has no fused kernel
        try:
            return optimizer(groups, **fused)
        except RuntimeError as exc:
            if "fused" not in str(exc):
                raise
    return optimizer(groups, **options)


def build_optimizer(optimizer, parameters, lr, options):
    """:func:`make_optimizer` of ``parameters`` with ``lr``, an ``lr`` in
    ``options`` (``optimizer__lr``) winning over ``lr``; a TypeError that
    names the ``optimizer__<name>`` convention when it refuses an option."""
    try:
        return make_optimizer(optimizer, parameters, {"lr": lr, **options})
    except TypeError as exc:
        raise optimizer_error(optimizer, options, exc) from exc


def optimizer_error(optimizer, options, exc):
    """The TypeError to raise when ``optimizer`` refused one of ``options``."""
    return TypeError(
        f"{optimizer.__name__} could not be built with the options {options} "
        f"({exc}); check the optimizer__<name> keyword arguments against its "
        "signature."
    )

"""Building the optimizer: the user's class and options, on torch's fused
kernel where it has one.

Adam's update is five passes over every parameter on the single-tensor
path (``lerp_``, ``mul_``/``addcmul_``, ``sqrt``, ``add_``, ``addcdiv_``),
a large share of an MLP's training step (docs/performance.md, section 10);
the fused kernel makes one pass. So where the
optimizer class takes ``fused`` (torch's Adam, AdamW, SGD and Adagrad),
the options choose no implementation (``fused``, ``foreach``, in any
parameter group) nor a mode the kernel lacks (``differentiable``), and
the parameters' device and dtype have the kernel, it is built with
``fused=True``. torch only checks the device at the first step, so the
kernel's presence is probed once per class, device type and dtype, on a
one-element parameter; the choice is made again when the model moves
(:func:`refuse_where_unsupported`) and when options change between calls
(:func:`set_implied`). The fused update rounds differently from the
single-tensor one, so a fixed seed gives other (equally good) clusters
than the plain update; the same ones on every run and thread count (the
kernel works element by element). ``optimizer__fused=False`` keeps the
plain update, and is needed for sparse gradients (an encoder with
``nn.Embedding(sparse=True)``), which the fused SGD and Adagrad refuse.
"""

import fnmatch
import inspect

import torch

__all__ = ["build_optimizer", "carry_state", "grouped_options", "make_optimizer",
           "optimizer_error", "refuse_where_unsupported", "set_implied", "wants_fused"]


def _chose(options):
    """Whether ``options`` (a dict: the optimizer's, or one group's) choose
    the implementation or a mode the fused kernel lacks."""
    return "fused" in options or "foreach" in options or bool(options.get("differentiable"))


def wants_fused(optimizer, options, groups=()):
    """Whether ``optimizer`` is to be fused under ``options``: it takes
    ``fused``, and neither ``options`` nor a group dict of ``groups``
    chose an implementation (:func:`_chose`)."""
    if _chose(options) or any(isinstance(g, dict) and _chose(g) for g in groups):
        return False
    try:
        accepted = inspect.signature(optimizer).parameters
    except (TypeError, ValueError):  # a callable without a readable signature
        return False
    return "fused" in accepted


# (optimizer class, device type, dtype) -> whether the fused kernel steps there
_KERNELS = {}
# torch.OutOfMemoryError since torch 2.5; its CUDA name before
_OUT_OF_MEMORY = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)


def _has_kernel(optimizer, device_type, dtype):
    """Whether ``optimizer(fused=True)`` steps a parameter of this device
    type and dtype: built and stepped once on one element (torch checks
    the device at the first step, not when it is built), the answer kept
    for the process. The probe leaves the global RNG as it was; running
    out of memory is no answer, and is raised."""
    key = (optimizer, device_type, dtype)
    if key not in _KERNELS:
        devices = [torch.device(device_type).index or 0] if device_type == "cuda" else []
        try:
            with torch.random.fork_rng(devices=devices):
                param = torch.nn.Parameter(torch.zeros(1, dtype=dtype, device=device_type))
                param.grad = torch.ones_like(param)
                optimizer([param], lr=1e-3, fused=True).step()
            _KERNELS[key] = True
        except _OUT_OF_MEMORY:
            raise
        except (RuntimeError, NotImplementedError, TypeError, ValueError, AssertionError):
            _KERNELS[key] = False
    return _KERNELS[key]


def _listed(group):
    """A parameter group (dict) with its ``params`` as a list, or a parameter."""
    if not isinstance(group, dict):
        return group
    params = group["params"]
    return {**group, "params": [params] if isinstance(params, torch.Tensor) else list(params)}


def _params(groups):
    for group in groups:
        yield from group["params"] if isinstance(group, dict) else [group]


def _supported(optimizer, params):
    """Whether every parameter is real floating point, on a device and
    dtype with the fused kernel."""
    return all(p.is_floating_point() and _has_kernel(optimizer, p.device.type, p.dtype)
               for p in params)


def make_optimizer(optimizer, groups, options):
    """``optimizer(groups, **options)``, with ``fused=True`` where
    :func:`wants_fused` and the parameters' device has the kernel.

    Parameters
    ----------
    optimizer : type
        A ``torch.optim.Optimizer`` class.
    groups : iterable
        Parameters or parameter groups (dicts), as the optimizer takes them.
    options : dict
        Keyword arguments (``lr`` included).
    """
    groups = [_listed(group) for group in groups]  # iterated by the check, then torch
    if wants_fused(optimizer, options, groups) and _supported(optimizer, _params(groups)):
        options = {**options, "fused": True}
    return optimizer(groups, **options)


def set_implied(optimizer, options):
    """Set each parameter group's ``fused`` to what ``options`` (all the
    optimizer's options now, ``fused`` among them or not) imply, after a
    change of options between calls: a ``foreach`` or ``differentiable``
    set later turns the fused update off, as it would have kept it off
    at construction. An explicit ``fused`` (of the optimizer or of one
    group) is the user's, set by skorch."""
    if "fused" in options or any(key.startswith("param_groups__") and key.endswith("__fused")
                                 for key in options):
        return
    # skorch's param_groups option: (pattern, options) pairs
    spec = [group for _, group in options.get("param_groups", ())]
    own = {key: value for key, value in options.items() if key != "param_groups"}
    # a group's own foreach or differentiable, set through skorch's
    # optimizer__param_groups__<i>__<option>
    chosen = any(group.get("foreach") or group.get("differentiable")
                 for group in optimizer.param_groups)
    fused = not chosen and wants_fused(type(optimizer), own, spec)
    for group in optimizer.param_groups:
        if "fused" in group:
            group["fused"] = fused and _supported(type(optimizer), group["params"])


def refuse_where_unsupported(optimizer):
    """Turn the fused update off in the groups whose parameters' device has
    no fused kernel: a model moved or unpickled onto another device."""
    for group in optimizer.param_groups:
        if group.get("fused") and not _supported(type(optimizer), group["params"]):
            group["fused"] = False


def _grouped(named_parameters, param_groups):
    """skorch's ``optimizer__param_groups`` applied to ``named_parameters``:
    each ``(pattern, options)`` pair takes the parameters whose names match
    the glob pattern and not an earlier pair (in skorch's order), the rest
    form the last group."""
    rest = list(named_parameters)
    groups = []
    for pattern, group in param_groups:
        matches = [i for i, (name, _) in enumerate(rest) if fnmatch.fnmatch(name, pattern)]
        if matches:
            groups.append({"params": [rest.pop(i)[1] for i in reversed(matches)], **group})
    if rest:
        groups.append({"params": [param for _, param in rest]})
    return groups


def grouped_options(named_parameters, options):
    """The parameter groups and the optimizer's own options.

    ``options`` (without the ``optimizer__`` prefix) may hold skorch's
    ``param_groups`` (``(pattern, options)`` pairs: each takes the
    parameters whose names match the glob pattern and not an earlier
    pair, the rest form the last group) and one group's option set since
    (``param_groups__<i>__<name>``, which goes into group i).

    Parameters
    ----------
    named_parameters : iterable of (str, Parameter)
        Named as in the clustering module: ``encoder.*``, ``centroids``,
        ``decoder.*``.
    options : dict

    Returns
    -------
    groups : list of dict
    options : dict
        The rest of ``options``.
    """
    options = dict(options)
    param_groups = [(pattern, dict(group)) for pattern, group in options.pop("param_groups", ())]
    for key in [k for k in options if k.startswith("param_groups__")]:
        index, _, name = key[len("param_groups__"):].partition("__")
        if not index.isdigit() or int(index) >= len(param_groups) or not name:
            raise ValueError(
                f"optimizer__{key} names no parameter group: optimizer__param_groups "
                f"has {len(param_groups)} (optimizer__param_groups__<i>__<option>, "
                "i from 0)."
            )
        param_groups[int(index)][1][name] = options.pop(key)
    return _grouped(named_parameters, param_groups), options


def build_optimizer(optimizer, named_parameters, lr, options):
    """:func:`make_optimizer` of ``named_parameters`` (see
    :func:`grouped_options`) with ``lr``, an ``lr`` in ``options``
    (``optimizer__lr``) winning over ``lr``; a TypeError that names the
    ``optimizer__<name>`` convention when it refuses an option."""
    groups, own = grouped_options(named_parameters, options)
    try:
        return make_optimizer(optimizer, groups, {"lr": lr, **own})
    except TypeError as exc:
        raise optimizer_error(optimizer, options, exc) from exc


def carry_state(optimizer, module):
    """Give ``optimizer`` the per-parameter state a start left on ``module``.

    The graph start fits the model to its labels with an optimizer of its
    own (:func:`hardclust._graph.fit_to_labels`), of the class and options
    training uses. A fresh Adam's first steps move every weight by about
    the learning rate whatever its gradient (its moments are bias-corrected
    from nothing), which throws much of a laid-out start away
    (``experiments/adam_warmup/``); going on from the start's moments
    keeps it (``experiments/start_optimizer/``). The state is taken off
    the module (``start_optimizer_state``, set by ``fit_to_labels`` with
    ``keep_state=True``), so that it is carried once and never pickled
    with the module; parameters the optimizer does not hold are skipped.
    """
    state = module.__dict__.pop("start_optimizer_state", None)
    if not state:
        return
    held = {p for group in optimizer.param_groups for p in group["params"]}
    for param, values in state.items():
        if param in held:
            optimizer.state[param] = values


def optimizer_error(optimizer, options, exc):
    """The TypeError to raise when ``optimizer`` refused one of ``options``."""
    return TypeError(
        f"{optimizer.__name__} could not be built with the options {options} "
        f"({exc}); check the optimizer__<name> keyword arguments against its "
        "signature."
    )

"""Weights-only persistence: the file format of ``save`` / ``load``.

The file holds tensors, numbers and strings only, read back with
``torch.load(weights_only=True)``, so a file from an untrusted source
cannot run code. :func:`save_model` writes it from explicit values and
:func:`read_model_file` returns the parameters and the saved dict, from
which the estimator rebuilds itself. Files of earlier releases are read
through :mod:`hardclust._compat`. Pickling (``pickle``/``joblib``) goes
through ``OnlineHardClustering.__getstate__``/``__setstate__`` as usual.
"""

import pickle
import warnings
from numbers import Integral

import numpy as np
import torch

from . import __version__
from ._compat import pinned_encoder_name, upgrade_saved_params, warn_if_other_release
from ._inference import InputView

# Marks files written by OnlineHardClustering.save.
_SAVE_FORMAT = "hardclust-weights-1"
# ... and files whose model transforms its inputs (centres far data, scales
# up tiny ones: ``input_shift``, ``input_scale``). Releases before 0.3 read
# only _SAVE_FORMAT and would ignore the transformation, predicting every
# row as if unscaled; a new mark makes them refuse such a file instead.
# Files without the transformation keep the old mark, readable by both.
_SAVE_FORMAT_MOVED = "hardclust-weights-2"
_READ_FORMATS = (_SAVE_FORMAT, _SAVE_FORMAT_MOVED)


def _plain(value):
    """A parameter value as data torch's weights-only loader accepts."""
    if isinstance(value, np.generic):
        return value.item()  # numpy scalars, from np.arange grids say
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def save_model(path, params, *, module, fitted):
    """Write a fitted model's parameters and weights to ``path``.

    Parameters
    ----------
    path : str or path-like
    params : dict
        The estimator's ``get_params()``.
    module : ClusterModule
        The fitted model; its ``state_dict`` is saved on the CPU.
    fitted : dict
        ``sample_shape``, ``input_layout``, ``n_features_in``,
        ``feature_names_in`` (or None), ``lr``, ``max_epochs``,
        ``pretrain_epochs``, ``n_iter``, ``n_steps``, ``input_view`` (or
        None), ``encoder_class`` (the encoder's class name) and, optionally,
        ``input_scale`` and ``input_shift``.
    """
    params = dict(params)
    encoder = params.pop("encoder")
    decoder = params.pop("decoder")
    optimizer = params["optimizer"]
    for key in ("callbacks", "device", "optimizer"):
        params.pop(key)  # code or machine-specific, not data
    if not isinstance(params["random_state"], (Integral, type(None))):
        params["random_state"] = None  # a RandomState object is not data
    if callable(params["init"]):
        params["init"] = "k-means"  # a fitted model's start is history
    for key in ("prior", "input_shape", "init"):
        if params[key] is not None and not isinstance(params[key], str):
            params[key] = np.asarray(params[key]).tolist()
    params = {k: _plain(v) for k, v in params.items()}
    names = fitted["feature_names_in"]
    view = fitted["input_view"]
    scale, shift = float(fitted.get("input_scale", 1.0)), fitted.get("input_shift")
    torch.save(
        {
            "format": _SAVE_FORMAT if scale == 1.0 and shift is None else _SAVE_FORMAT_MOVED,
            "version": __version__,
            "params": params,
            "optimizer": f"{optimizer.__module__}.{optimizer.__qualname__}",
            "encoder_name": encoder if isinstance(encoder, str) else None,
            "decoder_name": decoder if isinstance(decoder, str) else None,
            "encoder_class": fitted["encoder_class"],
            "sample_shape": list(fitted["sample_shape"]),
            "input_layout": list(fitted["input_layout"]),
            "n_features_in": int(fitted["n_features_in"]),
            "feature_names_in": None if names is None else [str(n) for n in names],
            "scale": float(module.scale),
            # what the model's inputs are multiplied by (tiny training data)
            "input_scale": scale,
            "input_shift": None if shift is None
            else torch.from_numpy(np.asarray(shift, dtype=np.float64)),
            "sigma": float(module.sigma),
            # the geometry the weights were trained in (objective="secu"),
            # which the saved objective need not tell: it may have changed since
            "normalize": module.normalize,
            "lr": float(fitted["lr"]),
            "max_epochs": int(fitted["max_epochs"]),
            "pretrain_epochs": int(fitted["pretrain_epochs"]),
            "n_iter": int(fitted["n_iter"]),
            "n_steps": int(fitted["n_steps"]),
            # prior="graph": the sizes the model's graph start found, which a
            # later call may go back to (None: it did not start with them)
            "start_log_prior": None if fitted["start_log_prior"] is None
            else fitted["start_log_prior"].detach().cpu(),
            "input_view": None if view is None else {
                k: torch.from_numpy(v) for k, v in view.items()},
            "module": {k: v.detach().cpu() for k, v in module.state_dict().items()},
        },
        path,
    )


def _optimizer_class(qualified):
    """The optimizer class a file names, if it is one of ``torch.optim``'s."""
    module, _, name = qualified.rpartition(".")
    candidate = getattr(torch.optim, name, None)
    if module.startswith("torch.optim") and isinstance(candidate, type):
        return candidate
    return torch.optim.Adam


def read_model_file(path, *, encoder=None, decoder=None):
    """The parameters and the saved dict of a file :func:`save_model` wrote.

    Parameters
    ----------
    path : str or path-like
    encoder, decoder : architectures for a custom encoder or decoder, or None

    Returns
    -------
    params : dict
        Keyword arguments of the estimator (all but ``device``).
    saved : dict
        The file's contents (fitted values and the weights).
    """
    try:
        with warnings.catch_warnings():
            # a pickle is refused just below, with the reason; torch's note
            # on its pickle protocol would come first and say nothing useful
            warnings.filterwarnings("ignore", "Detected pickle protocol", UserWarning)
            saved = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"{path} holds more than weights (or is not a hardclust file): "
            "it was refused, since only OnlineHardClustering.save files "
            "are safe to load. Load trusted pickles with pickle/joblib."
        ) from exc
    if not isinstance(saved, dict) or saved.get("format") not in _READ_FORMATS:
        raise ValueError(f"{path} is not a file written by OnlineHardClustering.save.")
    warn_if_other_release(saved["version"], what=str(path))
    if "encoder_class" in saved:
        name, built = saved["encoder_name"], saved["encoder_class"]
    else:  # files of 0.2 said whether the encoder was "auto", and its class name
        name, built = ("auto" if saved.get("encoder_auto") else None), saved.get("encoder_name")
    name = pinned_encoder_name(name, built)
    if encoder is None and name is None:
        raise ValueError(
            f"{path} was saved with a custom encoder "
            f"({saved.get('encoder_class', saved.get('encoder_name'))}); pass its "
            "architecture: OnlineHardClustering.load(path, encoder=...)."
        )
    decoder_name = saved.get("decoder_name", "auto")
    # a decoder that served only the warm start was not saved
    if decoder is None and decoder_name is None and saved["params"].get("reconstruction", 0) > 0:
        raise ValueError(
            f"{path} was saved with a custom decoder; pass its architecture: "
            "OnlineHardClustering.load(path, decoder=...)."
        )
    params = upgrade_saved_params(saved["params"])
    for key in ("input_shape",):
        if params.get(key) is not None:
            params[key] = tuple(params[key])
    if isinstance(params.get("init"), list):
        params["init"] = np.asarray(params["init"])
    params.update(
        encoder=name if encoder is None else encoder,
        # a custom decoder that served only the warm start is not needed
        decoder=(decoder_name or "auto") if decoder is None else decoder,
        optimizer=_optimizer_class(saved.get("optimizer", "torch.optim.Adam")))
    return params, saved


def saved_input_view(saved):
    """The input view of ``predict_proba`` kept in a file (None in files of 0.2)."""
    view = saved.get("input_view")
    return None if view is None else InputView({k: v.numpy() for k, v in view.items()})

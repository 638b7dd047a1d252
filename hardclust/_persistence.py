"""Weights-only persistence: the file format of ``save`` / ``load``.

The file holds tensors, numbers and strings only, read back with
``torch.load(weights_only=True)``, so a file from an untrusted source
cannot run code. Pickling (``pickle``/``joblib``) goes through
``OnlineHardClustering.__getstate__``/``__setstate__`` as usual.
"""

import pickle
import warnings
from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from . import __version__
from ._inference import InputView
from ._net import check_random_state, resolve_device
from .exceptions import HardclustVersionWarning

# Marks files written by OnlineHardClustering.save.
_SAVE_FORMAT = "hardclust-weights-1"


def warn_if_other_release(saved_version, what):
    """Warn when a model saved by another major.minor release is loaded."""
    if saved_version.split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(
            f"{what} was saved with hardclust {saved_version} and is loaded with "
            f"{__version__}; it may behave differently. Refit it, or load it "
            f"with hardclust=={saved_version}.",
            HardclustVersionWarning,
            stacklevel=4,
        )


def _plain(value):
    """A parameter value as data torch's weights-only loader accepts."""
    if isinstance(value, np.generic):
        return value.item()  # numpy scalars, from np.arange grids say
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def save_model(model, path):
    """Write the fitted ``model``'s parameters and weights to ``path``."""
    params = model.get_params()
    encoder = params.pop("encoder")
    decoder = params.pop("decoder")
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
    names = getattr(model, "feature_names_in_", None)
    module = model._net.module_
    torch.save(
        {
            "format": _SAVE_FORMAT,
            "version": __version__,
            "params": params,
            "optimizer": f"{model.optimizer.__module__}.{model.optimizer.__qualname__}",
            "encoder_name": encoder if isinstance(encoder, str) else None,
            "decoder_name": decoder if isinstance(decoder, str) else None,
            "encoder_class": type(model.encoder_).__name__,
            "sample_shape": list(model._sample_shape),
            "input_layout": list(model._input_layout),
            "n_features_in": int(model.n_features_in_),
            "feature_names_in": None if names is None else [str(n) for n in names],
            "scale": float(module.scale),
            "sigma": float(module.sigma),
            "lr": float(model.lr_),
            "max_epochs": int(model.max_epochs_),
            "pretrain_epochs": int(model.pretrain_epochs_),
            "n_iter": int(model.n_iter_),
            "n_steps": int(model.n_steps_),
            "input_view": None if model._input_view is None else {
                k: torch.from_numpy(v) for k, v in model._input_view.items()},
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


def _pinned_encoder_name(name, built):
    """The name that rebuilds a saved encoder: ``"auto"`` built the image CNN
    before 0.3 (it is the MLP since), so such a model keeps ``"conv2d"``."""
    if name == "auto" and built == "ConvEncoder":
        return "conv2d"
    return name


def load_model(cls, path, encoder, device, decoder=None):
    """The model :func:`save_model` wrote to ``path`` (see ``OnlineHardClustering.load``)."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"{path} holds more than weights (or is not a hardclust file): "
            "it was refused, since only OnlineHardClustering.save files "
            "are safe to load. Load trusted pickles with pickle/joblib."
        ) from exc
    if not isinstance(saved, dict) or saved.get("format") != _SAVE_FORMAT:
        raise ValueError(f"{path} is not a file written by OnlineHardClustering.save.")
    warn_if_other_release(saved["version"], what=str(path))
    if "encoder_class" in saved:
        name, built = saved["encoder_name"], saved["encoder_class"]
    else:  # files of 0.2 said whether the encoder was "auto", and its class name
        name, built = ("auto" if saved.get("encoder_auto") else None), saved.get("encoder_name")
    name = _pinned_encoder_name(name, built)
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
    params = dict(saved["params"])
    params.pop("regularization", None)  # 0.2.0's name for objective
    params.setdefault("n_neighbors", 0)  # saved before pairs: it trained on single samples
    if saved["params"].get("regularization") not in (None, "deprecated"):
        params["objective"] = saved["params"]["regularization"]
    for key in ("input_shape",):
        if params.get(key) is not None:
            params[key] = tuple(params[key])
    if isinstance(params.get("init"), list):
        params["init"] = np.asarray(params["init"])
    model = cls(**params, encoder=name if encoder is None else encoder, device=device,
                # a custom decoder that served only the warm start is not needed
                decoder=(decoder_name or "auto") if decoder is None else decoder,
                optimizer=_optimizer_class(saved.get("optimizer", "torch.optim.Adam")))
    model._sample_shape = tuple(saved["sample_shape"])
    model._input_layout = tuple(saved["input_layout"])
    model.n_features_in_ = saved["n_features_in"]
    if saved["feature_names_in"] is not None:
        model.feature_names_in_ = np.asarray(saved["feature_names_in"], dtype=object)
    try:
        model._restore(saved)
    except RuntimeError as exc:  # load_state_dict: missing/unexpected keys, shapes
        raise ValueError(f"the encoder does not match the weights in {path}: {exc}") from exc
    return model


class PersistenceMixin:
    """``save``/``load`` (weights only) and unpickling across releases and
    devices; mixed into ``OnlineHardClustering``."""

    def save(self, path):
        """Save parameters and weights to a file that is safe to load.

        The file holds only tensors, numbers and strings, and :meth:`load`
        reads it with ``torch.load(weights_only=True)``, so a file from an
        untrusted source cannot run code. It keeps what prediction needs,
        not the optimizer state, history, callbacks or ``labels_``: a
        loaded model predicts identically, and further ``partial_fit`` calls
        start a fresh optimizer state.

        Parameters
        ----------
        path : str or path-like
            File to write.

        Examples
        --------
        >>> import os, tempfile, numpy as np
        >>> from hardclust import OnlineHardClustering
        >>> X = np.random.RandomState(0).normal(size=(60, 3))
        >>> model = OnlineHardClustering(n_clusters=2, max_epochs=2, random_state=0).fit(X)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> model.save(path)
        >>> loaded = OnlineHardClustering.load(path)
        >>> bool((loaded.predict(X) == model.predict(X)).all())
        True
        """
        check_is_fitted(self)
        save_model(self, path)

    @classmethod
    def load(cls, path, *, encoder=None, decoder=None, device="auto"):
        """Load a model written by :meth:`save` (weights only, no pickle).

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        encoder : nn.Module subclass, callable or nn.Module, default=None
            The architecture, needed when the model was saved with a custom
            encoder (its weights are in the file, its code is not).
        decoder : nn.Module subclass, callable or nn.Module, default=None
            Likewise for a custom decoder (``reconstruction > 0``).
        device : str or torch.device, default="auto"
            Where to put the model.

        Returns
        -------
        model : OnlineHardClustering
            Fitted, ready to ``predict``.

        Raises
        ------
        ValueError
            If the file is not a hardclust weights file, or the encoder
            does not match the saved weights.
        """
        return load_model(cls, path, encoder, device, decoder)

    def _restore(self, saved):
        """Rebuild the net of a :meth:`load`-ed model from the saved dict."""
        self._validate_params()
        self.device_ = resolve_device(self.device)
        self._resolve_settings()
        self.sigma_ = saved.get("sigma", self.sigma_)
        self.lr_ = saved.get("lr", self.lr_)
        self.max_epochs_ = saved.get("max_epochs", 1)
        self.pretrain_epochs_ = saved.get("pretrain_epochs", 0)
        self._build(torch.zeros(2, *self._sample_shape), check_random_state(self.random_state),
                    scale=saved["scale"])
        self._net.module_.load_state_dict(saved["module"])
        self._net.module_.eval()  # as a fitted model rests
        self.n_iter_ = saved["n_iter"]
        self.n_steps_ = saved["n_steps"]
        view = saved.get("input_view")
        self._input_view = None if view is None else InputView(
            {k: v.numpy() for k, v in view.items()})

    def __setstate__(self, state):
        if state.get("_hardclust_version") is not None:
            warn_if_other_release(state["_hardclust_version"], what="This model")
        if "n_neighbors" not in state:  # pickled before pairs: it trained on single samples
            state = {**state, "n_neighbors": 0, "neighbor_weight": 0.5}
            if "_net" in state:
                state["n_neighbors_"] = 0
        # pickled before the thread policy and the early stop: as 0.3 made them
        state = {"n_threads": "auto", "tol": 1e-3, **state}
        if "objective" not in state:  # pickled by 0.2: parameters added since take defaults
            state = dict(state)
            state["objective"] = state.pop("regularization", "hard")
            defaults = type(self)().get_params(deep=False)
            for name, value in defaults.items():
                state.setdefault(name, value)
        super().__setstate__(state)
        # skorch maps a model pickled on CUDA to the CPU when CUDA is absent.
        if "_net" in self.__dict__:
            self.device_ = torch.device(self._net.device)
        if type(self.__dict__.get("_input_view")) is dict:  # pickled before InputView
            self._input_view = InputView(self._input_view)
        if "_net" in self.__dict__:
            self._pin_encoder_name()
            if "_frozen" not in self.__dict__:
                self._upgrade_from_0_2()

    def _pin_encoder_name(self):
        """Keep the CNN of a model fitted when ``"auto"`` meant it: its
        ``encoder`` reads ``"conv2d"``, so that ``lr="auto"``, a refit and a
        clone build what was fitted.

        The name the model started with decides (a 0.2 pickle has no record
        of it, so its parameter does): a model fitted with ``"conv2d"`` and
        then set to ``"auto"`` by the user keeps the user's value."""
        started = self.__dict__.get("_frozen", {}).get("encoder", self.encoder)
        name = _pinned_encoder_name(started, type(self._net.module_.encoder).__name__)
        if name is started:
            return
        if "_frozen" in self.__dict__:
            self._frozen = {**self._frozen, "encoder": name}
        if isinstance(self.encoder, str) and self.encoder == "auto":
            self.encoder = name

    def _upgrade_from_0_2(self):
        """Give a model pickled by 0.2 what 0.3's partial_fit reads."""
        self._resolve_settings()
        self.sigma_ = self._net.module_.sigma
        self.max_epochs_ = 1
        self.pretrain_epochs_ = 0
        self._applied = self._live_params()
        self._frozen = {name: getattr(self, name) for name in self._FROZEN}
        self.n_reassigned_ = self.n_drift_resets_ = self.n_resets_ = 0
        self._input_view = None

"""Models saved or pickled by earlier releases, in one place.

Each function names the release it serves, so that support for a release
can be dropped by deleting its lines here. The estimator's ``__setstate__``
and :func:`hardclust._persistence.read_model_file` call these; nothing else
in the package knows about older formats.

- 0.2: ``regularization`` instead of ``objective``; parameters added since
  take their defaults; no input view; ``encoder="auto"`` built the CNN.
- 0.3 before neighbour pairs: no ``n_neighbors`` (it trained on single
  samples, so it keeps 0); the input view pickled as a plain dict.
- 0.3 before the thread policy: no ``n_threads`` or ``tol`` (the defaults).
"""

import warnings

from . import __version__
from ._inference import InputView
from ._utils import user_stacklevel
from .exceptions import HardclustVersionWarning

__all__ = ["pin_encoder_name", "pinned_encoder_name", "upgrade_pickle_state",
           "upgrade_saved_params", "warn_if_other_release"]


def warn_if_other_release(saved_version, what):
    """Warn when a model saved by another major.minor release is loaded
    (pointing at the user's ``load`` or unpickling call)."""
    if saved_version.split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(
            f"{what} was saved with hardclust {saved_version} and is loaded with "
            f"{__version__}; it may behave differently. Refit it, or load it "
            f"with hardclust=={saved_version}.",
            HardclustVersionWarning,
            stacklevel=user_stacklevel(),
        )


def pinned_encoder_name(name, built):
    """The name that rebuilds a saved encoder: ``"auto"`` built the image CNN
    before 0.3 (it is the MLP since), so such a model keeps ``"conv2d"``."""
    if name == "auto" and built == "ConvEncoder":
        return "conv2d"
    return name


def upgrade_saved_params(params):
    """The parameters of a :meth:`save` file, as this release names them."""
    params = dict(params)
    regularization = params.pop("regularization", None)  # 0.2's name for objective
    if regularization not in (None, "deprecated"):
        params["objective"] = regularization
    params.setdefault("n_neighbors", 0)  # saved before pairs: it trained on single samples
    return params


def upgrade_pickle_state(state, cls):
    """A pickled estimator's ``__dict__``, as this release reads it.

    Warns (:class:`~hardclust.HardclustVersionWarning`) when it was pickled
    by another release.
    """
    if state.get("_hardclust_version") is not None:
        warn_if_other_release(state["_hardclust_version"], what="This model")
    state = dict(state)
    if "n_neighbors" not in state:  # pickled before pairs: it trained on single samples
        state.update(n_neighbors=0, neighbor_weight=0.5)
        if "_net" in state:
            state["n_neighbors_"] = 0
    # pickled before the thread policy and the early stop: as 0.3 makes them
    state = {"n_threads": "auto", "tol": 1e-3, **state}
    # pickled before the layout of the graph start: the start is done; a
    # refit takes today's default
    state = {"layout_passes": "auto", **state}
    if "objective" not in state:  # pickled by 0.2: parameters added since take defaults
        state["objective"] = state.pop("regularization", "hard")
        for name, value in cls().get_params(deep=False).items():
            state.setdefault(name, value)
    if type(state.get("_input_view")) is dict:  # pickled before InputView
        state["_input_view"] = InputView(state["_input_view"])
    return state


def pin_encoder_name(model):
    """Keep the CNN of an unpickled model fitted when ``"auto"`` meant it: its
    ``encoder`` reads ``"conv2d"``, so that ``lr="auto"``, a refit and a
    clone build what was fitted.

    The name the model started with decides (a 0.2 pickle has no record of
    it, so its parameter does): a model fitted with ``"conv2d"`` and then
    set to ``"auto"`` by the user keeps the user's value.
    """
    started = model.__dict__.get("_frozen", {}).get("encoder", model.encoder)
    name = pinned_encoder_name(started, type(model.encoder_).__name__)
    if name is started:
        return
    if "_frozen" in model.__dict__:
        model._frozen = {**model._frozen, "encoder": name}
    if isinstance(model.encoder, str) and model.encoder == "auto":
        model.encoder = name

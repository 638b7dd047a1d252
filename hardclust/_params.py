"""Parameter constraints that scikit-learn's vocabulary lacks.

Each is a constraint for ``_parameter_constraints``, so a bad value
raises scikit-learn's ``InvalidParameterError`` (a ``ValueError`` and
``TypeError``) before any work, with a message that says what is accepted.
Checks across parameters (a prior or an ``init`` array sized for
``n_clusters``) are in :func:`check_cross_params`.
"""

import inspect
from numbers import Integral, Real

import numpy as np
import torch
from skorch.callbacks import Callback
from sklearn.utils._param_validation import Interval, InvalidParameterError, Options, StrOptions

from .encoders import DECODERS, ENCODERS
from .objectives import OBJECTIVES
from ._priors import is_graph_prior

#: Keyword arguments with this prefix are options of the optimizer (skorch's convention).
OPTIMIZER_PREFIX = "optimizer__"


class _Constraint(Options):
    """A constraint given by ``is_satisfied_by`` and ``__str__``.

    Built on ``Options`` because scikit-learn's validation accepts only its
    own constraint classes; the option set is unused.
    """

    def __init__(self):
        super().__init__(object, set())


class Device(_Constraint):
    """``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` (N visible) or a ``torch.device``."""

    def is_satisfied_by(self, val):
        if isinstance(val, str) and val == "auto":
            return True
        if not isinstance(val, (str, torch.device)):
            return False
        try:
            device = torch.device(val)
        except (RuntimeError, TypeError):
            return False
        if device.type == "cpu":
            return True
        if device.type != "cuda" or not torch.cuda.is_available():
            return False
        return device.index is None or device.index < torch.cuda.device_count()

    def __str__(self):
        cuda = (f"'cuda' or 'cuda:N' with N < {torch.cuda.device_count()}"
                if torch.cuda.is_available() else "not 'cuda' (CUDA is not available here)")
        return f"'auto', 'cpu', {cuda}, or a torch.device of those"


class Shape(_Constraint):
    """A tuple or list of positive ints (the shape of one sample)."""

    def is_satisfied_by(self, val):
        return (isinstance(val, (tuple, list)) and len(val) > 0
                and all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
                        for s in val))

    def __str__(self):
        return "a tuple of positive ints, e.g. (1, 28, 28)"


def _is_callback(item):
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        item = item[1]
    return isinstance(item, Callback) or (inspect.isclass(item) and issubclass(item, Callback))


class Callbacks(_Constraint):
    """A list of skorch callbacks: instances, subclasses or ``(name, callback)``."""

    def is_satisfied_by(self, val):
        return isinstance(val, list) and all(_is_callback(item) for item in val)

    def __str__(self):
        return ("a list of skorch callbacks (instances or subclasses of "
                "skorch.callbacks.Callback, or (name, callback) tuples)")


class Prior(_Constraint):
    """A 1-D array-like of positive, finite numbers."""

    def is_satisfied_by(self, val):
        try:
            prior = np.asarray(val, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return prior.ndim == 1 and bool(np.all(np.isfinite(prior)) and np.all(prior > 0))

    def __str__(self):
        return "a 1-D array-like of positive, finite numbers (one per cluster)"


class Centers(_Constraint):
    """A 2-D array of finite numbers (initial centroids)."""

    def is_satisfied_by(self, val):
        if isinstance(val, str) or callable(val):
            return False
        try:
            centers = np.asarray(val, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return centers.ndim == 2 and bool(np.all(np.isfinite(centers)))

    def __str__(self):
        return "an array of shape (n_clusters, latent_dim) of finite numbers"


def optimizer_options(params, strip=False):
    """The ``optimizer__<name>`` entries of the dict ``params``; with
    ``strip``, keyed by ``<name>`` alone (as the optimizer takes them)."""
    start = len(OPTIMIZER_PREFIX) if strip else 0
    return {k[start:]: v for k, v in params.items() if k.startswith(OPTIMIZER_PREFIX)}


class OptimizerParams:
    """Options of the optimizer as ``optimizer__<name>`` parameters, as in skorch.

    Self-contained: ``__init__`` hands its extra keyword arguments to
    :meth:`_set_optimizer_params`, and ``get_params``/``set_params`` (and so
    ``clone`` and grid searches) see them beside the declared parameters.
    The HTML repr leaves out deprecated aliases left at their default.
    """

    def _set_optimizer_params(self, options):
        for key, value in options.items():
            if not key.startswith(OPTIMIZER_PREFIX):
                raise TypeError(
                    f"{type(self).__name__}.__init__() got an unexpected keyword "
                    f"argument {key!r}; options of the optimizer are named "
                    f"'optimizer__<name>'."
                )
            setattr(self, key, value)

    def _optimizer_params(self):
        return optimizer_options(vars(self))

    def get_params(self, deep=True):
        return {**super().get_params(deep=deep), **self._optimizer_params()}

    def set_params(self, **params):
        for key in [k for k in params if k.startswith(OPTIMIZER_PREFIX)]:
            setattr(self, key, params.pop(key))
        return super().set_params(**params)

    def _get_params_html(self, deep=True, doc_link=""):
        # scikit-learn's HTML repr lists every parameter; a deprecated alias
        # left at its placeholder default ("deprecated") is no setting of
        # this model, so it is left out.
        params = super()._get_params_html(deep=deep, doc_link=doc_link)
        for name in [k for k, v in params.items() if isinstance(v, str) and v == "deprecated"]:
            if name not in params.non_default:
                params.pop(name)
        return params


def same_value(a, b):
    """Whether two parameter values are the same: arrays and shapes by value,
    strings and numbers by ``==``, anything else (modules, callables) by identity."""
    if a is b:
        return True
    if isinstance(a, (np.ndarray, list, tuple)) or isinstance(b, (np.ndarray, list, tuple)):
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except (TypeError, ValueError):
            return False
    if isinstance(a, Real) and isinstance(b, Real):
        return isinstance(a, bool) == isinstance(b, bool) and a == b  # np.int64(3) is 3
    if isinstance(a, (str, torch.device)) and isinstance(b, (str, torch.device)):
        return type(a) is type(b) and a == b
    return False


def check_frozen(estimator, frozen):
    """Refuse, by name, a parameter changed since the model started."""
    for name, fitted in frozen.items():
        if not same_value(getattr(estimator, name), fitted):
            raise ValueError(
                f"{name} was {fitted!r} when this model started and is now "
                f"{getattr(estimator, name)!r}; partial_fit cannot change it. Set it "
                f"back with set_params({name}=...), or call fit to start a new "
                "model with the new value."
            )


def check_cross_params(estimator):
    """Raise ``InvalidParameterError`` for parameters that disagree with each other."""
    name = type(estimator).__name__
    k, d = estimator.n_clusters, estimator.latent_dim
    if is_graph_prior(estimator.prior):
        if not (isinstance(estimator.init, str) and estimator.init == "graph"):
            raise InvalidParameterError(
                f"The 'prior' parameter of {name} is 'graph', the cluster sizes of the "
                f"graph start, but 'init' is {estimator.init!r}; pass init='graph' (the "
                "default), or give the proportions as an array."
            )
    elif estimator.prior is not None and np.shape(estimator.prior) != (k,):
        raise InvalidParameterError(
            f"The 'prior' parameter of {name} must have one entry per cluster, "
            f"shape ({k},); got shape {np.shape(estimator.prior)}."
        )
    init = estimator.init
    if not isinstance(init, str) and not callable(init) and np.shape(init) != (k, d):
        raise InvalidParameterError(
            f"The 'init' parameter of {name}, given as centroids, must have shape "
            f"(n_clusters, latent_dim) = ({k}, {d}); got shape {np.shape(init)}."
        )


#: ``OnlineHardClustering._parameter_constraints``: what each parameter accepts.
PARAMETER_CONSTRAINTS = {
    "n_clusters": [Interval(Integral, 1, None, closed="left")],
    "encoder": [StrOptions({"auto", *ENCODERS}), callable],
    "latent_dim": [Interval(Integral, 1, None, closed="left")],
    "reconstruction": [Interval(Real, 0, None, closed="left")],
    "decoder": [StrOptions({"auto", *DECODERS}), callable],
    "pretrain_epochs": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
    "n_neighbors": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
    "neighbor_weight": [Interval(Real, 0, None, closed="left")],
    "sigma": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    "prior": [Prior(), StrOptions({"graph"}), None],
    "objective": [StrOptions(set(OBJECTIVES))],
    "reg_strength": [Interval(Real, 0, None, closed="left")],
    "init": [StrOptions({"graph", "k-means", "random"}), callable, Centers()],
    "layout_passes": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
    "n_init": [Interval(Integral, 1, None, closed="left")],
    "reset_interval": [Interval(Integral, 1, None, closed="left"), None],
    "reset_shrink": [Interval(Real, 0, 1, closed="right")],
    "input_shape": [Shape(), None],
    "reassignment_ratio": [Interval(Real, 0, 1, closed="both")],
    "drift_threshold": [Interval(Real, 1, None, closed="neither"), None],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "tol": [Interval(Real, 0, 1, closed="both")],
    "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    "optimizer": [type],
    "device": [Device()],
    "n_threads": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
    "callbacks": [Callbacks(), None],
    "compute_labels": ["boolean"],
    "verbose": ["verbose"],
    "random_state": ["random_state"],
    "regularization": [StrOptions({*OBJECTIVES, "deprecated"}, deprecated=set(OBJECTIVES))],
}

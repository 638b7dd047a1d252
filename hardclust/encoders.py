"""Default encoders and decoders, and the rules that turn ``encoder=`` and
``decoder=`` into modules.

An encoder is any ``torch.nn.Module`` mapping a batch of shape
``(batch, *input_shape)`` to ``(batch, latent_dim)``; a decoder maps
``(batch, latent_dim)`` back to ``(batch, *input_shape)`` (for an optional
reconstruction term). The named defaults, in :data:`ENCODERS` and
:data:`DECODERS`:

- ``"mlp"``: :class:`MLPEncoder` / :class:`MLPDecoder`, flat feature vectors;
- ``"conv2d"``: :class:`ConvEncoder` / :class:`ConvDecoder`, images
  ``(C, H, W)`` or ``(H, W)``;
- ``"conv1d"``: :class:`Conv1dEncoder` / :class:`Conv1dDecoder`, sequences
  ``(channels, length)`` or ``(length,)``.

``"auto"`` is ``"mlp"`` for every input (images and sequences are
flattened): on the development suite the MLP clustered each image set better
than the CNN (the user guide gives the figures). :func:`auto_lr` is the rule
of ``lr="auto"``, which depends on the encoder.
"""

import copy
import inspect
import math

import torch
from torch import nn

__all__ = [
    "MLPEncoder",
    "ConvEncoder",
    "Conv1dEncoder",
    "MLPDecoder",
    "ConvDecoder",
    "Conv1dDecoder",
    "ENCODERS",
    "DECODERS",
    "make_encoder",
    "make_decoder",
]


# lr="auto": the paper's rate, and a lower one that suits the image CNN.
_AUTO_LR = 1e-3
_AUTO_LR_CNN = 3e-4


def is_image_cnn(encoder):
    """Whether the ``encoder`` parameter names the image CNN (``"conv2d"``)."""
    return isinstance(encoder, str) and encoder == "conv2d"


def auto_lr(encoder):
    """``lr="auto"`` for the ``encoder`` parameter: lower for the image CNN."""
    return _AUTO_LR_CNN if is_image_cnn(encoder) else _AUTO_LR


def _orthogonal_shortcut(n_in, latent_dim):
    """A bias-free linear map with orthonormal rows (or columns).

    At initialisation it is a random rotation/projection of the input, so
    distances between embeddings start out close to distances between
    inputs, and centroids initialised by k-means on the first embeddings
    start from the input's own cluster structure.
    """
    shortcut = nn.Linear(n_in, latent_dim, bias=False)
    nn.init.orthogonal_(shortcut.weight)
    return shortcut


def _residual_mlp(n_in, hidden, n_out):
    """``Linear -> ReLU`` per hidden width, then a linear map to ``n_out``
    that starts at zero: a residual branch that starts switched off."""
    layers = []
    width = n_in
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers.append(nn.Linear(width, n_out))
    residual = nn.Sequential(*layers)
    _zero_last_layer(residual)
    return residual


def _zero_last_layer(sequential):
    """Zero the last linear layer, so a residual branch starts switched off."""
    last = [m for m in sequential.modules() if isinstance(m, nn.Linear)][-1]
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)


class MLPEncoder(nn.Module):
    """Fully connected encoder, the default for every input (samples of any
    shape are flattened).

    ``z = W x + mlp(x)``: an orthogonal linear shortcut plus a residual MLP
    (``Linear -> ReLU`` per hidden layer, then a linear map) whose last layer
    starts at zero. Training therefore starts from a random rotation of the
    input (a random projection when ``latent_dim`` is smaller), which keeps
    its geometry, and learns the non-linear part (the user guide gives the
    measurements behind this start).

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample; its product is the number of input features.
    latent_dim : int
        Size of the embedding.
    hidden : tuple of int, default=(256, 256)
        Width of each hidden layer of the residual MLP.

    Examples
    --------
    >>> import torch
    >>> from hardclust.encoders import MLPEncoder
    >>> encoder = MLPEncoder((64,), latent_dim=10)
    >>> encoder(torch.zeros(5, 64)).shape
    torch.Size([5, 10])
    """

    def __init__(self, input_shape, latent_dim, hidden=(256, 256)):
        super().__init__()
        n_in = math.prod(input_shape)
        self.shortcut = _orthogonal_shortcut(n_in, latent_dim)
        self.residual = _residual_mlp(n_in, hidden, latent_dim)

    def forward(self, x):
        x = x.flatten(1)
        return self.shortcut(x) + self.residual(x)


class ConvEncoder(nn.Module):
    """Small convolutional encoder for images.

    Two stride-2 ``3x3`` convolutions (32 and 64 channels, ReLU) and a linear
    map of the flattened feature map to the latent space; about 0.42M
    parameters for 28x28 inputs and ``latent_dim=128``. Unlike
    :class:`MLPEncoder` it has no linear shortcut, which kept a CNN's
    clusters at the level of k-means on pixels.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` or ``(height, width)`` for one channel.
    latent_dim : int
        Size of the embedding.
    channels : tuple of int, default=(32, 64)
        Output channels of the convolutions.

    Examples
    --------
    >>> import torch
    >>> from hardclust.encoders import ConvEncoder
    >>> encoder = ConvEncoder((1, 28, 28), latent_dim=16)
    >>> encoder(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 16])
    """

    def __init__(self, input_shape, latent_dim, channels=(32, 64)):
        super().__init__()
        if len(input_shape) == 2:
            input_shape = (1, *input_shape)
        if len(input_shape) != 3:
            raise ValueError(
                "ConvEncoder needs input_shape (channels, height, width) or "
                f"(height, width), got {tuple(input_shape)}."
            )
        self.input_shape = tuple(input_shape)
        layers = []
        width, size = input_shape[0], input_shape[1:]
        for out in channels:
            layers += [nn.Conv2d(width, out, 3, stride=2, padding=1), nn.ReLU()]
            width = out
            size = tuple((s - 1) // 2 + 1 for s in size)
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Linear(width * math.prod(size), latent_dim)

    def forward(self, x):
        # (batch, H, W) input is one-channel: add the channel axis.
        x = x.reshape(x.shape[0], *self.input_shape)
        return self.head(self.features(x))


def _strided_length(length, kernel_size):
    """Output length of a stride-2 convolution padded by ``kernel_size // 2``."""
    return (length + 2 * (kernel_size // 2) - kernel_size) // 2 + 1


def _output_padding(target, length, kernel_size):
    """``output_padding`` that makes a stride-2 transposed convolution of a
    ``length``-long input exactly ``target`` long (the inverse of
    :func:`_strided_length`)."""
    return target - ((length - 1) * 2 - 2 * (kernel_size // 2) + kernel_size)


def _image_shape(input_shape, name):
    """``(channels, height, width)`` from a 2-D or 3-D sample shape."""
    if len(input_shape) == 2:
        input_shape = (1, *input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            f"{name} needs input_shape (channels, height, width) or "
            f"(height, width), got {tuple(input_shape)}."
        )
    return tuple(input_shape)


def _sequence_shape(input_shape, name):
    """``(channels, length)`` from a 1-D or 2-D sample shape."""
    if len(input_shape) == 1:
        input_shape = (1, *input_shape)
    if len(input_shape) != 2:
        raise ValueError(
            f"{name} needs input_shape (channels, length) or (length,), got "
            f"{tuple(input_shape)}."
        )
    return tuple(input_shape)


class Conv1dEncoder(nn.Module):
    """Small 1-D convolutional encoder for sequences.

    Two stride-2 convolutions (32 and 64 channels, kernel 5, ReLU), global
    average and max pooling over time, and a linear map of the pooled
    features to the latent space. With ``shortcut=True`` (the default) an
    orthogonal linear map of the flattened input is added and the pooled
    branch's last layer starts at zero, as in :class:`MLPEncoder`: the
    untrained embedding is a random rotation of the input, so the k-means
    start sees the input's own geometry, and training adds the
    shift-invariant features of the convolutions. The convolutional part
    has the same size for any length; the shortcut has ``channels * length *
    latent_dim`` weights.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, length)``, or ``(length,)`` for one channel.
    latent_dim : int
        Size of the embedding.
    channels : tuple of int, default=(32, 64)
        Output channels of the convolutions.
    kernel_size : int, default=5
        Length of the convolution kernels.
    shortcut : bool, default=True
        Add an orthogonal linear map of the flattened input.

    Examples
    --------
    >>> import torch
    >>> from hardclust.encoders import Conv1dEncoder
    >>> encoder = Conv1dEncoder((3, 128), latent_dim=16)
    >>> encoder(torch.zeros(2, 3, 128)).shape
    torch.Size([2, 16])
    >>> Conv1dEncoder((50,), latent_dim=8)(torch.zeros(4, 50)).shape
    torch.Size([4, 8])
    """

    def __init__(self, input_shape, latent_dim, channels=(32, 64), kernel_size=5,
                 shortcut=True):
        super().__init__()
        self.input_shape = _sequence_shape(input_shape, "Conv1dEncoder")
        layers = []
        width = self.input_shape[0]
        for out in channels:
            layers += [
                nn.Conv1d(width, out, kernel_size, stride=2, padding=kernel_size // 2),
                nn.ReLU(),
            ]
            width = out
        self.features = nn.Sequential(*layers)
        # Mean and max over time: both deterministic on every device, unlike
        # adaptive pooling's CUDA backward.
        self.head = nn.Linear(2 * width, latent_dim)
        self.shortcut = None
        if shortcut:
            self.shortcut = _orthogonal_shortcut(math.prod(self.input_shape), latent_dim)
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def forward(self, x):
        # (batch, length) input is one-channel: add the channel axis.
        x = x.reshape(x.shape[0], *self.input_shape)
        h = self.features(x)
        z = self.head(torch.cat([h.mean(-1), h.amax(-1)], 1))
        if self.shortcut is not None:
            z = z + self.shortcut(x.flatten(1))
        return z


class MLPDecoder(nn.Module):
    """Fully connected decoder, the mirror of :class:`MLPEncoder`.

    ``x_hat = W z + mlp(z)``: an orthogonal linear map from the latent space
    to the input plus a residual MLP (``Linear -> ReLU`` per hidden layer,
    then a linear map to the input) whose last layer starts at zero, so the
    decoder starts linear. The output is reshaped to ``input_shape``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample (the output's shape, without the batch axis).
    latent_dim : int
        Size of the embedding.
    hidden : tuple of int, default=(256, 256)
        Width of each hidden layer of the residual MLP, from the latent side
        outwards (the reverse of the matching encoder's ``hidden``).

    Examples
    --------
    >>> import torch
    >>> from hardclust.encoders import MLPDecoder
    >>> decoder = MLPDecoder((64,), latent_dim=10)
    >>> decoder(torch.zeros(5, 10)).shape
    torch.Size([5, 64])
    """

    def __init__(self, input_shape, latent_dim, hidden=(256, 256)):
        super().__init__()
        self.input_shape = tuple(input_shape)
        n_out = math.prod(self.input_shape)
        self.shortcut = _orthogonal_shortcut(latent_dim, n_out)
        self.residual = _residual_mlp(latent_dim, hidden, n_out)

    def forward(self, z):
        x = self.shortcut(z) + self.residual(z)
        return x.reshape(z.shape[0], *self.input_shape)


class ConvDecoder(nn.Module):
    """Small convolutional decoder for images, the mirror of :class:`ConvEncoder`.

    A linear map (ReLU) from the latent space to the encoder's last feature
    map, then two stride-2 ``3x3`` transposed convolutions (64 to 32
    channels, ReLU, then 32 to the input's channels, no activation). The
    ``output_padding`` of each is chosen so the output has exactly the
    input's height and width, odd sizes included. No linear shortcut, as in
    :class:`ConvEncoder`.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` or ``(height, width)`` for one channel;
        the output has this shape.
    latent_dim : int
        Size of the embedding.
    channels : tuple of int, default=(32, 64)
        Channels of the matching :class:`ConvEncoder`'s convolutions (the
        decoder runs through them in reverse).

    Examples
    --------
    >>> import torch
    >>> from hardclust.encoders import ConvDecoder
    >>> decoder = ConvDecoder((1, 28, 28), latent_dim=16)
    >>> decoder(torch.zeros(2, 16)).shape
    torch.Size([2, 1, 28, 28])
    >>> ConvDecoder((7, 9), latent_dim=4)(torch.zeros(3, 4)).shape
    torch.Size([3, 7, 9])
    """

    def __init__(self, input_shape, latent_dim, channels=(32, 64)):
        super().__init__()
        self.input_shape = tuple(input_shape)
        shape = _image_shape(input_shape, "ConvDecoder")
        # Spatial sizes after each of the encoder's stride-2 convolutions.
        sizes = [shape[1:]]
        for _ in channels:
            sizes.append(tuple(_strided_length(s, 3) for s in sizes[-1]))
        widths = [shape[0], *channels]
        self.expand = nn.Sequential(
            nn.Linear(latent_dim, channels[-1] * math.prod(sizes[-1])),
            nn.ReLU(),
            nn.Unflatten(1, (channels[-1], *sizes[-1])),
        )
        layers = []
        for i in range(len(channels), 0, -1):
            padding = tuple(
                _output_padding(t, s, 3) for t, s in zip(sizes[i - 1], sizes[i])
            )
            layers.append(nn.ConvTranspose2d(
                widths[i], widths[i - 1], 3, stride=2, padding=1,
                output_padding=padding,
            ))
            if i > 1:
                layers.append(nn.ReLU())
        self.features = nn.Sequential(*layers)

    def forward(self, z):
        x = self.features(self.expand(z))
        return x.reshape(z.shape[0], *self.input_shape)


class Conv1dDecoder(nn.Module):
    """Small 1-D convolutional decoder, the mirror of :class:`Conv1dEncoder`.

    A linear map (ReLU) from the latent space to a ``(64, length / 4)``
    feature map, then two stride-2 transposed convolutions (kernel 5; 64 to
    32 channels, ReLU, then 32 to the input's channels) whose
    ``output_padding`` gives exactly the input's length. With
    ``shortcut=True`` an orthogonal linear map from the latent space to the
    flattened input is added and the last transposed convolution starts at
    zero, so the decoder starts linear, as :class:`Conv1dEncoder` does. Both
    the first linear map and the shortcut grow with the length.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, length)``, or ``(length,)`` for one channel; the output
        has this shape.
    latent_dim : int
        Size of the embedding.
    channels : tuple of int, default=(32, 64)
        Channels of the matching :class:`Conv1dEncoder`'s convolutions (the
        decoder runs through them in reverse).
    kernel_size : int, default=5
        Length of the transposed convolution kernels.
    shortcut : bool, default=True
        Add an orthogonal linear map from the latent space to the input.

    Examples
    --------
    >>> import torch
    >>> from hardclust.encoders import Conv1dDecoder
    >>> decoder = Conv1dDecoder((3, 128), latent_dim=16)
    >>> decoder(torch.zeros(2, 16)).shape
    torch.Size([2, 3, 128])
    >>> Conv1dDecoder((51,), latent_dim=8)(torch.zeros(4, 8)).shape
    torch.Size([4, 51])
    """

    def __init__(self, input_shape, latent_dim, channels=(32, 64), kernel_size=5,
                 shortcut=True):
        super().__init__()
        self.input_shape = tuple(input_shape)
        shape = _sequence_shape(input_shape, "Conv1dDecoder")
        lengths = [shape[1]]
        for _ in channels:
            lengths.append(_strided_length(lengths[-1], kernel_size))
        widths = [shape[0], *channels]
        self.expand = nn.Sequential(
            nn.Linear(latent_dim, channels[-1] * lengths[-1]),
            nn.ReLU(),
            nn.Unflatten(1, (channels[-1], lengths[-1])),
        )
        layers = []
        for i in range(len(channels), 0, -1):
            layers.append(nn.ConvTranspose1d(
                widths[i], widths[i - 1], kernel_size, stride=2,
                padding=kernel_size // 2,
                output_padding=_output_padding(lengths[i - 1], lengths[i], kernel_size),
            ))
            if i > 1:
                layers.append(nn.ReLU())
        self.features = nn.Sequential(*layers)
        self.shortcut = None
        if shortcut:
            self.shortcut = _orthogonal_shortcut(latent_dim, math.prod(shape))
            nn.init.zeros_(layers[-1].weight)
            nn.init.zeros_(layers[-1].bias)

    def forward(self, z):
        x = self.features(self.expand(z)).flatten(1)
        if self.shortcut is not None:
            x = x + self.shortcut(z)
        return x.reshape(z.shape[0], *self.input_shape)


#: Named default encoders: ``encoder=name`` builds ``ENCODERS[name](input_shape,
#: latent_dim)``.
ENCODERS = {"mlp": MLPEncoder, "conv2d": ConvEncoder, "conv1d": Conv1dEncoder}

#: Named default decoders, each the mirror of the encoder of the same name.
DECODERS = {"mlp": MLPDecoder, "conv2d": ConvDecoder, "conv1d": Conv1dDecoder}


def _resolve_name(name, input_shape, registry, role):
    """The registry key that ``name`` (``"auto"`` or a key) stands for."""
    if name == "auto":
        return "mlp"
    if name not in registry:
        valid = ", ".join(repr(key) for key in ["auto", *sorted(registry)])
        raise ValueError(f"Unknown {role} {name!r}; valid names are {valid}.")
    return name


def _build(spec, registry, role, input_shape, latent_dim):
    """Turn a name, class, callable or instance into a fresh module."""
    if isinstance(spec, str):
        name = _resolve_name(spec, input_shape, registry, role)
        return registry[name](input_shape, latent_dim)
    if isinstance(spec, nn.Module):
        return copy.deepcopy(spec)
    if callable(spec):
        module = spec(tuple(input_shape), latent_dim)
        if not isinstance(module, nn.Module):
            name = getattr(spec, "__name__", repr(spec))
            raise TypeError(
                f"{role} {name} returned {type(module).__name__}, not an "
                f"nn.Module; it must be called as {role}(input_shape, "
                "latent_dim) and return an nn.Module."
            )
        return module
    kind = "class" if inspect.isclass(spec) else type(spec).__name__
    names = ", ".join(repr(key) for key in ["auto", *sorted(registry)])
    raise TypeError(
        f"{role} must be one of {names}, an nn.Module, an nn.Module subclass "
        f"or a callable (input_shape, latent_dim) -> nn.Module; got a {kind}."
    )


def make_encoder(encoder, input_shape, latent_dim):
    """Build the encoder module that ``encoder=`` describes.

    Parameters
    ----------
    encoder : str, nn.Module subclass, callable or nn.Module instance
        A name: ``"mlp"`` (:class:`MLPEncoder`), ``"conv2d"``
        (:class:`ConvEncoder`), ``"conv1d"`` (:class:`Conv1dEncoder`), or
        ``"auto"``, which is ``"mlp"`` for any sample shape (the sample is
        flattened). A class or callable is
        called as ``encoder(input_shape, latent_dim)``. An instance is
        deep-copied, so the caller's module is never trained in place.
    input_shape : tuple of int
        Shape of one sample.
    latent_dim : int
        Size of the embedding.

    Returns
    -------
    module : nn.Module
        A fresh module, not shared with the caller.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    TypeError
        For anything else that is not a class, callable or module, or a
        callable that does not return an ``nn.Module``.

    See Also
    --------
    make_decoder : The matching decoder.

    Examples
    --------
    >>> from hardclust.encoders import make_encoder
    >>> type(make_encoder("auto", (1, 28, 28), 8)).__name__
    'MLPEncoder'
    >>> type(make_encoder("conv2d", (1, 28, 28), 8)).__name__
    'ConvEncoder'
    >>> type(make_encoder("conv1d", (3, 128), 8)).__name__
    'Conv1dEncoder'
    """
    return _build(encoder, ENCODERS, "encoder", input_shape, latent_dim)


def make_decoder(decoder, input_shape, latent_dim, encoder="auto"):
    """Build the decoder module that ``decoder=`` describes.

    Parameters
    ----------
    decoder : str, nn.Module subclass, callable or nn.Module instance
        ``"auto"``: the mirror of ``encoder`` when ``encoder`` is a name
        (``"auto"`` resolved as in :func:`make_encoder`). A name: ``"mlp"`` (:class:`MLPDecoder`),
        ``"conv2d"`` (:class:`ConvDecoder`), ``"conv1d"``
        (:class:`Conv1dDecoder`). A class or callable is called as
        ``decoder(input_shape, latent_dim)`` and must map
        ``(batch, latent_dim)`` to ``(batch, *input_shape)``. An instance is
        deep-copied, so the caller's module is never trained in place.
    input_shape : tuple of int
        Shape of one sample, which is the shape of one decoded output.
    latent_dim : int
        Size of the embedding.
    encoder : str, nn.Module subclass, callable or nn.Module instance, \
default="auto"
        The ``encoder=`` the decoder goes with; read only when
        ``decoder="auto"``.

    Returns
    -------
    module : nn.Module
        A fresh module, not shared with the caller.

    Raises
    ------
    ValueError
        For an unknown name, or for ``decoder="auto"`` with a user-supplied
        encoder, which has no default mirror.
    TypeError
        As :func:`make_encoder`.

    See Also
    --------
    make_encoder : The encoder it mirrors.

    Examples
    --------
    >>> import torch
    >>> from hardclust.encoders import make_decoder
    >>> type(make_decoder("auto", (1, 28, 28), 8, encoder="conv2d")).__name__
    'ConvDecoder'
    >>> decoder = make_decoder("auto", (3, 128), 8, encoder="conv1d")
    >>> decoder(torch.zeros(2, 8)).shape
    torch.Size([2, 3, 128])
    """
    if isinstance(decoder, str) and decoder == "auto":
        if not isinstance(encoder, str):
            raise ValueError(
                "A user-supplied encoder has no default decoder; pass decoder= "
                "explicitly: 'mlp', 'conv2d', 'conv1d', an nn.Module mapping "
                "(batch, latent_dim) to (batch, *input_shape), or a class or "
                "callable (input_shape, latent_dim) -> such a module."
            )
        decoder = _resolve_name(encoder, input_shape, ENCODERS, "encoder")
    return _build(decoder, DECODERS, "decoder", input_shape, latent_dim)


def check_encoder_output(encoder, X, latent_dim):
    """Fail early, with a fix, if ``encoder`` cannot take the batch X (on its
    device) or returns something other than (batch, latent_dim)."""
    modes = [(m, m.training) for m in encoder.modules()]
    try:
        encoder.eval()
        with torch.no_grad():
            z = encoder(X)
    except Exception as exc:
        raise ValueError(
            f"the encoder failed on input of shape (batch, *{tuple(X.shape[1:])}): "
            f"{type(exc).__name__}: {exc}. Check that it accepts samples of "
            "that shape (or set input_shape)."
        ) from exc
    finally:
        for m, training in modes:
            m.training = training
    if not isinstance(z, torch.Tensor) or z.shape != (len(X), latent_dim):
        shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
        raise ValueError(
            f"the encoder must return a tensor of shape (batch, latent_dim) = "
            f"({len(X)}, {latent_dim}), got {shape}; make its output size "
            "equal latent_dim."
        )

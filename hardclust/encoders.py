"""Default encoders and the rules that turn ``encoder=`` into a module.

An encoder is any ``torch.nn.Module`` mapping a batch of shape
``(batch, *input_shape)`` to ``(batch, latent_dim)``. :class:`MLPEncoder`
serves flat feature vectors and :class:`ConvEncoder` serves images; the
estimator's ``encoder="auto"`` picks between them from the input's shape.
"""

import copy
import inspect
import math

import torch
from torch import nn

__all__ = ["MLPEncoder", "ConvEncoder", "make_encoder"]


class MLPEncoder(nn.Module):
    """Fully connected encoder for flat feature vectors.

    ``Linear -> ReLU`` for each hidden layer, then a linear map to the latent
    space (no activation, so embeddings can take any sign).

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample; its product is the number of input features.
    latent_dim : int
        Size of the embedding.
    hidden : tuple of int, default=(256, 256)
        Width of each hidden layer.

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
        layers = [nn.Flatten()]
        width = math.prod(input_shape)
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            width = size
        layers.append(nn.Linear(width, latent_dim))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class ConvEncoder(nn.Module):
    """Small convolutional encoder for images.

    Two stride-2 ``3x3`` convolutions (32 and 64 channels, ReLU) followed by a
    linear map of the flattened feature map to the latent space; about 0.4M
    parameters for 28x28 inputs with ``latent_dim=128``.

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
        width, height = input_shape[0], input_shape[1:]
        for out in channels:
            layers += [nn.Conv2d(width, out, 3, stride=2, padding=1), nn.ReLU()]
            width = out
            height = tuple((h - 1) // 2 + 1 for h in height)
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Linear(width * math.prod(height), latent_dim)

    def forward(self, x):
        # (batch, H, W) input is one-channel: add the channel axis.
        x = x.reshape(x.shape[0], *self.input_shape)
        return self.head(self.features(x))


def make_encoder(encoder, input_shape, latent_dim):
    """Build the encoder module that ``encoder=`` describes.

    Parameters
    ----------
    encoder : "auto", nn.Module subclass, callable or nn.Module instance
        ``"auto"``: :class:`MLPEncoder` for 1-D samples, :class:`ConvEncoder`
        for 2-D ``(H, W)`` or 3-D ``(C, H, W)`` samples. A class or callable
        is called as ``encoder(input_shape, latent_dim)``. An instance is
        deep-copied, so the caller's module is never trained in place.
    input_shape : tuple of int
        Shape of one sample.
    latent_dim : int
        Size of the embedding.

    Returns
    -------
    module : nn.Module
        A fresh module, not shared with the caller.

    Examples
    --------
    >>> from hardclust.encoders import make_encoder
    >>> type(make_encoder("auto", (1, 28, 28), 8)).__name__
    'ConvEncoder'
    >>> type(make_encoder("auto", (64,), 8)).__name__
    'MLPEncoder'
    """
    if isinstance(encoder, str):
        if encoder != "auto":
            raise ValueError(
                f"encoder must be 'auto', an nn.Module, an nn.Module subclass or "
                f"a callable (input_shape, latent_dim) -> nn.Module; got {encoder!r}."
            )
        if len(input_shape) == 1:
            return MLPEncoder(input_shape, latent_dim)
        return ConvEncoder(input_shape, latent_dim)
    if isinstance(encoder, nn.Module):
        return copy.deepcopy(encoder)
    if callable(encoder):
        module = encoder(tuple(input_shape), latent_dim)
        if not isinstance(module, nn.Module):
            name = getattr(encoder, "__name__", repr(encoder))
            raise TypeError(
                f"encoder {name} returned {type(module).__name__}, not an "
                "nn.Module; it must be called as encoder(input_shape, "
                "latent_dim) and return an nn.Module."
            )
        return module
    kind = "class" if inspect.isclass(encoder) else type(encoder).__name__
    raise TypeError(
        "encoder must be 'auto', an nn.Module, an nn.Module subclass or a "
        f"callable (input_shape, latent_dim) -> nn.Module; got a {kind}."
    )

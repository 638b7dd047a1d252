"""Named encoders and decoders, and the rules of make_encoder/make_decoder."""

import pytest
import torch
from torch import nn

from hardclust.encoders import (
    DECODERS,
    ENCODERS,
    Conv1dDecoder,
    Conv1dEncoder,
    ConvDecoder,
    ConvEncoder,
    MLPDecoder,
    MLPEncoder,
    make_decoder,
    make_encoder,
)

SHAPES = {
    "mlp": [(64,), (5,), (1, 28, 28), (3, 8, 8)],
    "conv2d": [(1, 28, 28), (28, 28), (3, 8, 8), (1, 7, 9), (2, 1, 1), (3, 32, 32)],
    "conv1d": [(128,), (1,), (3, 128), (2, 51), (4, 7), (1, 2)],
}
CASES = [(name, shape) for name, shapes in SHAPES.items() for shape in shapes]


def _seeded(build, seed=0):
    """Build a module under a fixed seed without touching the global RNG."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return build()


def _same_state(a, b):
    a, b = a.state_dict(), b.state_dict()
    return list(a) == list(b) and all(torch.equal(a[key], b[key]) for key in a)


def test_registries():
    assert ENCODERS == {"mlp": MLPEncoder, "conv2d": ConvEncoder, "conv1d": Conv1dEncoder}
    assert DECODERS == {"mlp": MLPDecoder, "conv2d": ConvDecoder, "conv1d": Conv1dDecoder}


@pytest.mark.parametrize("name, shape", CASES)
@pytest.mark.parametrize("latent_dim", [3, 16])
def test_named_shapes(name, shape, latent_dim):
    encoder = make_encoder(name, shape, latent_dim)
    decoder = make_decoder(name, shape, latent_dim)
    assert type(encoder) is ENCODERS[name]
    assert type(decoder) is DECODERS[name]
    x = torch.randn(4, *shape)
    z = encoder(x)
    assert z.shape == (4, latent_dim)
    assert decoder(z).shape == x.shape
    # Gradients reach every parameter of both through a reconstruction loss
    # (a zero-initialised layer passes none at first; its own weights do).
    ((decoder(encoder(x)) - x) ** 2).mean().backward()
    for module in (encoder, decoder):
        assert all(p.grad is not None for p in module.parameters())


@pytest.mark.parametrize("name, shape", [("conv2d", (64,)), ("conv2d", (1, 2, 3, 4)),
                                         ("conv1d", (1, 28, 28))])
def test_named_wrong_shape(name, shape):
    with pytest.raises(ValueError, match="needs input_shape"):
        make_encoder(name, shape, 8)
    with pytest.raises(ValueError, match="needs input_shape"):
        make_decoder(name, shape, 8)


@pytest.mark.parametrize("shape", [(128,), (3, 128)])
def test_conv1d_starts_at_the_shortcut(shape):
    # The untrained embedding is the orthogonal map of the input, so the
    # k-means start sees the input's geometry.
    encoder = Conv1dEncoder(shape, 16)
    x = torch.randn(5, *shape)
    assert torch.equal(encoder(x), encoder.shortcut(x.flatten(1)))
    decoder = Conv1dDecoder(shape, 16)
    z = torch.randn(5, 16)
    assert torch.equal(decoder(z), decoder.shortcut(z).reshape(5, *shape))


def test_conv1d_without_shortcut():
    encoder = Conv1dEncoder((2, 40), 8, shortcut=False)
    decoder = Conv1dDecoder((2, 40), 8, shortcut=False)
    assert encoder.shortcut is None and decoder.shortcut is None
    assert encoder(torch.randn(3, 2, 40)).abs().sum() > 0
    assert decoder(torch.randn(3, 8)).shape == (3, 2, 40)


@pytest.mark.parametrize("make", [make_encoder, make_decoder])
def test_unknown_name(make):
    with pytest.raises(ValueError, match="'auto', 'conv1d', 'conv2d', 'mlp'"):
        make("lstm", (64,), 8)


def test_unknown_encoder_name_for_auto_decoder():
    with pytest.raises(ValueError, match="Unknown encoder 'lstm'"):
        make_decoder("auto", (64,), 8, encoder="lstm")


@pytest.mark.parametrize("make", [make_encoder, make_decoder])
def test_not_a_module(make):
    with pytest.raises(TypeError, match="not an nn.Module"):
        make(lambda shape, dim: "nope", (64,), 8)
    with pytest.raises(TypeError, match="got a int"):
        make(3, (64,), 8)


@pytest.mark.parametrize("encoder", [
    MLPEncoder,
    lambda shape, dim: MLPEncoder(shape, dim),
    MLPEncoder((64,), 8),
])
def test_user_encoder_needs_a_decoder(encoder):
    with pytest.raises(ValueError, match="pass decoder= explicitly"):
        make_decoder("auto", (64,), 8, encoder=encoder)
    # An explicit decoder is fine with any encoder.
    assert type(make_decoder("mlp", (64,), 8, encoder=encoder)) is MLPDecoder


@pytest.mark.parametrize("encoder, shape, expected", [
    ("auto", (64,), MLPDecoder),
    ("auto", (1, 28, 28), MLPDecoder),
    ("conv2d", (28, 28), ConvDecoder),
    ("mlp", (1, 28, 28), MLPDecoder),
    ("conv1d", (3, 128), Conv1dDecoder),
    ("conv2d", (3, 32, 32), ConvDecoder),
])
def test_auto_decoder_mirrors_the_encoder(encoder, shape, expected):
    assert type(make_decoder("auto", shape, 8, encoder=encoder)) is expected


def test_decoder_instance_is_deep_copied():
    decoder = MLPDecoder((6,), 2)
    built = make_decoder(decoder, (6,), 2)
    assert built is not decoder
    assert _same_state(built, decoder)
    with torch.no_grad():
        built.shortcut.weight.add_(1.0)
    assert not _same_state(built, decoder)


def test_decoder_class_and_callable():
    calls = []

    def build(shape, dim):
        calls.append((shape, dim))
        return nn.Sequential(nn.Linear(dim, 12), nn.Unflatten(1, shape))

    decoder = make_decoder(build, [3, 4], 5)
    assert calls == [((3, 4), 5)]
    assert decoder(torch.zeros(2, 5)).shape == (2, 3, 4)
    assert type(make_decoder(Conv1dDecoder, (3, 20), 5)) is Conv1dDecoder


@pytest.mark.parametrize("name, shape", CASES)
def test_seeded_construction_is_reproducible(name, shape):
    state = torch.random.get_rng_state()
    for make in (make_encoder, make_decoder):
        a = _seeded(lambda: make(name, shape, 8), seed=1)
        b = _seeded(lambda: make(name, shape, 8), seed=1)
        c = _seeded(lambda: make(name, shape, 8), seed=2)
        assert _same_state(a, b)
        assert not _same_state(a, c)
    assert torch.equal(torch.random.get_rng_state(), state)


@pytest.mark.parametrize("name, shape, cls", [
    ("auto", (64,), MLPEncoder),
    ("auto", (5,), MLPEncoder),
    ("auto", (1, 28, 28), MLPEncoder),  # the CNN until 0.3.0
    ("auto", (28, 28), MLPEncoder),
    ("auto", (3, 8, 8), MLPEncoder),
    ("conv2d", (1, 28, 28), ConvEncoder),
    ("conv2d", (28, 28), ConvEncoder),
])
@pytest.mark.parametrize("latent_dim", [8, 128])
def test_names_build_what_the_classes_build(name, shape, cls, latent_dim):
    # a name builds the same module, drawing the same random numbers, as the
    # class called directly, so fits with a name reproduce as long as the
    # name means the same class ("auto" on images changed in 0.3.0).
    def draw(build):
        module = build()
        return module, torch.rand(3)

    auto, after_auto = _seeded(lambda: draw(lambda: make_encoder(name, shape, latent_dim)))
    direct, after_direct = _seeded(lambda: draw(lambda: cls(shape, latent_dim)))
    assert type(auto) is cls
    assert _same_state(auto, direct)
    assert torch.equal(after_auto, after_direct)

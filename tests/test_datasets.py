"""Loaders read local files only, and say how to get them when absent."""

import gzip

import numpy as np
import pytest

from hardclust.datasets import load_digits, load_fashion_mnist, load_idx


def _write_idx(path, array, compress=False):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    header = bytes([0, 0, codes[array.dtype], array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    raw = header + array.tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, ">i4", ">f4"])
def test_load_idx_round_trip(tmp_path, compress, dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    _write_idx(tmp_path / "data", array, compress)
    loaded = load_idx(tmp_path / "data")
    np.testing.assert_array_equal(loaded, array)
    assert loaded.dtype.isnative and loaded.shape == (2, 3, 4)


def test_load_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="magic"):
        load_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="5 bytes of data"):
        load_idx(tmp_path / "short")
    (tmp_path / "code").write_bytes(b"\x00\x00\x07\x01" + (1).to_bytes(4, "big") + b"a")
    with pytest.raises(ValueError, match="type code"):
        load_idx(tmp_path / "code")


@pytest.fixture
def fake_fashion(tmp_path):
    rng = np.random.RandomState(0)
    for part, n in [("train", 6), ("t10k", 4)]:
        _write_idx(tmp_path / f"{part}-images-idx3-ubyte.gz",
                   rng.randint(0, 256, (n, 28, 28)).astype(np.uint8), compress=True)
        _write_idx(tmp_path / f"{part}-labels-idx1-ubyte",
                   (np.arange(n) % 10).astype(np.uint8))
    return tmp_path


def test_load_fashion_mnist_splits_and_scaling(fake_fashion):
    X, y = load_fashion_mnist(fake_fashion)
    assert X.shape == (10, 28, 28) and X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert y.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3] and y.dtype == np.int64
    X_train, _ = load_fashion_mnist(fake_fashion, split="train", flatten=True, scale=False)
    assert X_train.shape == (6, 784) and X_train.dtype == np.uint8
    np.testing.assert_allclose(X[:6].reshape(6, -1), X_train / 255.0, rtol=1e-6)
    assert load_fashion_mnist(fake_fashion, split="test")[0].shape == (4, 28, 28)


def test_load_fashion_mnist_reads_environment_variable(fake_fashion, monkeypatch):
    monkeypatch.setenv("HARDCLUST_FASHION_MNIST", str(fake_fashion))
    assert load_fashion_mnist(split="test")[1].tolist() == [0, 1, 2, 3]


def test_missing_fashion_mnist_says_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_fashion_mnist(tmp_path, split="validation")


def test_load_digits_shapes():
    X, y = load_digits(images=True)
    assert X.shape == (1797, 8, 8) and X.dtype == np.float32 and X.max() == 1.0
    X_raw, _ = load_digits(scale=False)
    assert X_raw.max() == 16 and X_raw.shape == (1797, 64)
    assert np.bincount(y).tolist()[:3] == [178, 182, 177]

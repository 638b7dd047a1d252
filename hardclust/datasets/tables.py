"""Tables that scikit-learn bundles: iris, wine, breast cancer."""

import numpy as np
import sklearn.datasets

from ._files import _standardize


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

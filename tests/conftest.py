import numpy as np
import pytest
from sklearn.datasets import make_blobs


@pytest.fixture
def blobs():
    """300 points in 4 well-separated, balanced blobs, 6 features."""
    X, y = make_blobs(n_samples=300, centers=4, n_features=6, cluster_std=0.6,
                      random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def three_blobs():
    """300 points in 3 blobs, 6 features, float32 (the decoder and warm-start tests)."""
    X, _ = make_blobs(300, n_features=6, centers=3, random_state=0)
    return X.astype(np.float32)

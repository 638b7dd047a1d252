import numpy as np
import pytest
from sklearn.datasets import make_blobs


@pytest.fixture
def blobs():
    """300 points in 4 well-separated, balanced blobs, 6 features."""
    X, y = make_blobs(n_samples=300, centers=4, n_features=6, cluster_std=0.6,
                      random_state=0)
    return X.astype(np.float32), y

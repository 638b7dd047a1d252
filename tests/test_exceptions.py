"""hardclust's warnings point at the user's call, whichever path raised them."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hardclust import (ClusterCollapseWarning, HardclustVersionWarning, InputScaleWarning,
                       OnlineHardClustering, SmallFirstChunkWarning)


def _raised(call, category):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, category)]


def _old_pickle():
    X = np.random.RandomState(0).normal(size=(60, 3))
    model = OnlineHardClustering(2, max_epochs=1, random_state=0).fit(X)
    model._hardclust_version = "0.1.0"
    return pickle.dumps(model)


_POINTS = np.ones((60, 3))  # identical: every cluster but one stays empty
_SMALL = np.random.RandomState(0).normal(size=(20, 3))


@pytest.mark.parametrize("call, category", [
    (lambda: OnlineHardClustering(3, max_epochs=2, random_state=0).fit(_POINTS),
     ClusterCollapseWarning),
    # scikit-learn's frames (Pipeline.fit, _fit_context) are skipped too
    (lambda: make_pipeline(StandardScaler(), OnlineHardClustering(
        3, max_epochs=2, random_state=0)).fit(_POINTS), ClusterCollapseWarning),
    (lambda: OnlineHardClustering(4, random_state=0).partial_fit(_SMALL),
     SmallFirstChunkWarning),
    (lambda: OnlineHardClustering(2, regularization="hard", max_epochs=1,
                                  random_state=0).fit(_SMALL), FutureWarning),
    (lambda: pickle.loads(_old_pickle()), HardclustVersionWarning),
    (lambda: OnlineHardClustering(2, max_epochs=1, random_state=0).fit(
        _SMALL * 1e-4).transform(_SMALL), InputScaleWarning),
])
def test_warnings_point_at_the_users_call(call, category):
    caught = _raised(call, category)
    assert caught, category
    assert all(w.filename == __file__ for w in caught), [(w.filename, w.lineno) for w in caught]

"""max_epochs="auto" stops once the labels settle; an int max_epochs does not."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from hardclust import OnlineHardClustering
from hardclust._stopping import LabelsSettled


def _rule(label_sequence, min_epochs=3, tol=0.0):
    """A rule fed the given labels, one array per pass; the passes it makes."""
    labels = iter(label_sequence)
    rule = LabelsSettled(lambda: next(labels), min_epochs=min_epochs, tol=tol)
    for epoch in range(1, len(label_sequence) + 10):
        try:
            if rule():
                return epoch
        except StopIteration:
            return None


def test_rule_stops_after_two_calm_passes_once_the_minimum_is_made():
    same = np.array([0, 1, 1, 0])
    # labels are read from pass min_epochs - 2 = 1 on; calm passes 2 and 3
    assert _rule([same] * 10) == 3
    assert _rule([same] * 10, min_epochs=6) == 6


def test_rule_does_not_stop_while_labels_move():
    a, b = np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])
    assert _rule([a, b] * 6) is None  # every pass moves a quarter of the samples
    # one calm pass between moves is a lull, not a stop
    assert _rule([a, b, b, a, a, b, b]) is None
    assert _rule([a, b, b, a, a, b, b, b]) == 8


def test_rule_tolerance_is_a_fraction_of_the_samples():
    base = np.zeros(1000, dtype=int)
    moved = base.copy()
    moved[:2] = 1  # 0.2% of the samples move at every pass
    sequence = [base, moved] * 5
    assert _rule(sequence, tol=1e-3) is None
    assert _rule(sequence, tol=3e-3) == 3


@pytest.fixture
def small_blobs(blobs):
    X, _ = blobs
    return X[:150]


def test_auto_stops_on_small_easy_data(small_blobs):
    model = OnlineHardClustering(4, random_state=0).fit(small_blobs)
    assert model.max_epochs_ == 500  # one batch a pass: the 500-step ceiling
    assert 10 <= model.n_iter_ < 60
    assert model.n_steps_ == model.n_iter_ == len(model.history_)


def test_early_stop_is_the_fit_of_that_many_passes(small_blobs):
    """The check changes no training: stopping after n passes is the fit of
    max_epochs=n, bit for bit."""
    auto = OnlineHardClustering(4, random_state=0).fit(small_blobs)
    fixed = OnlineHardClustering(4, random_state=0, max_epochs=auto.n_iter_).fit(small_blobs)
    np.testing.assert_array_equal(auto.cluster_centers_, fixed.cluster_centers_)
    np.testing.assert_array_equal(auto.transform(small_blobs), fixed.transform(small_blobs))


def test_auto_is_reproducible(small_blobs):
    a = OnlineHardClustering(4, random_state=3).fit(small_blobs)
    b = OnlineHardClustering(4, random_state=3).fit(small_blobs)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)


def test_int_max_epochs_is_exact(small_blobs):
    model = OnlineHardClustering(4, random_state=0, max_epochs=40).fit(small_blobs)
    assert model.n_iter_ == model.max_epochs_ == 40


def test_no_early_stop_with_resets(small_blobs):
    """Resets keep their schedule: "auto" makes all its passes."""
    resets = OnlineHardClustering(4, random_state=0, batch_size=15,
                                  reset_interval=20).fit(small_blobs)
    assert resets.n_iter_ == resets.max_epochs_ == 50


def test_no_early_stop_on_pairs(small_blobs):
    """Samples of more than 50 values train on pairs: "auto" makes all its passes."""
    wide = np.tile(small_blobs, 10)  # 60 values a sample
    model = OnlineHardClustering(4, random_state=0, batch_size=15).fit(wide)
    assert model.n_neighbors_ == 10
    assert model.n_iter_ == model.max_epochs_ == 50


def test_bad_tol(small_blobs):
    with pytest.raises(InvalidParameterError, match="tol"):
        OnlineHardClustering(4, tol=-0.1).fit(small_blobs)

"""scikit-learn's API contract, checked by its own conformance suite."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from hardclust import OnlineHardClustering

# Every check must pass; an entry here needs a reason a reviewer accepts.
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [OnlineHardClustering(n_clusters=3, max_epochs=20, random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)

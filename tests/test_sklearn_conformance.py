"""scikit-learn's API contract, checked by its own conformance suite."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from hardclust import OnlineHardClustering

# Every check must pass; an entry here needs a reason a reviewer accepts.
EXPECTED_FAILED_CHECKS = {
    "check_do_not_raise_errors_in_init_or_set_params": (
        "the optimizer's options are skorch-style optimizer__<name> keyword "
        "arguments, taken by **optimizer_params; the check passes the "
        "catch-all's own name ('optimizer_params') as a parameter, which "
        "__init__ refuses with a TypeError naming the convention (as Python "
        "would for any unknown keyword). Every named parameter passes the "
        "check: tests/test_validation.py::test_init_and_set_params_never_validate."
    ),
    "check_methods_subset_invariance": (
        "can fail by float32 rounding, depending on the fitted model and the "
        "CPU's kernels: torch's CPU matmul sums in an order that depends on "
        "how many rows a call holds, so an embedding computed in a smaller "
        "call can differ by a rounding of the embedding's magnitude (5.5e-7 "
        "on entries of size 7, seen with a k-means start tried during "
        "development), above the check's fixed atol=1e-7 for entries near "
        "zero. Non-strict: it passes with the current model. The same "
        "property at float32 resolution, and exact predict labels, are "
        "tested in tests/test_estimator.py::test_methods_are_invariant_to_subsets."
    ),
}


# The checks start partial_fit on 10-50 rows of random data, which
# SmallFirstChunkWarning is right to flag, and fit 3 clusters to noise, where
# a cluster can end empty: both warnings are right there, and the checks
# are about the API, so they are not shown.
@pytest.mark.filterwarnings("ignore::hardclust.SmallFirstChunkWarning")
@pytest.mark.filterwarnings("ignore::hardclust.ClusterCollapseWarning")
@parametrize_with_checks(
    [OnlineHardClustering(n_clusters=3, max_epochs=20, random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)

"""combination_assign: exact against the literal procedure, ties included."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hardclust import combination_assign
from hardclust.assignment import (
    _greedy_kernel,
    _greedy_kernel_by_cluster,
    _log_penalties,
    combination_assign_literal,
)


def _random_tables(n_tables, seed):
    """Cost tables of every awkward kind: ties, duplicates, B < K, K = 1."""
    rng = np.random.default_rng(seed)
    for t in range(n_tables):
        n_points = int(rng.integers(0, 48))
        n_clusters = int(rng.integers(1, 14))
        kind = t % 6
        if kind == 0:  # continuous
            costs = rng.normal(size=(n_points, n_clusters))
        elif kind == 1:  # heavy exact ties
            costs = rng.integers(0, 3, size=(n_points, n_clusters)).astype(float)
        elif kind == 2:  # duplicated rows
            base = rng.normal(size=(max(n_points // 3, 1), n_clusters))
            costs = base[rng.integers(0, len(base), size=n_points)]
        elif kind == 3:  # distinct costs that tie once the penalty is added
            costs = 1.0 + rng.integers(0, 4, (n_points, n_clusters)) * 2.0**-52
        elif kind == 4:  # costs that differ by exactly the log-count steps
            costs = rng.integers(0, 3, (n_points, n_clusters)) * np.log(2.0)
        else:  # all identical: a batch of one repeated point
            costs = np.full((n_points, n_clusters), 0.5)
        yield costs


@pytest.mark.parametrize("seed", range(4))
def test_matches_literal_procedure_on_random_tables(seed):
    for costs in _random_tables(300, seed):
        np.testing.assert_array_equal(
            combination_assign(costs), combination_assign_literal(costs)
        )


@pytest.mark.parametrize("seed", range(2))
def test_both_kernels_match_literal_whatever_the_number_of_clusters(seed):
    # combination_assign picks a kernel by K; each must be exact on its own.
    for costs in _random_tables(300, seed + 10):
        expected = combination_assign_literal(costs)
        penalties = _log_penalties(len(costs))
        np.testing.assert_array_equal(_greedy_kernel(costs, penalties), expected)
        np.testing.assert_array_equal(  # float32 input: same comparisons
            _greedy_kernel(costs.astype(np.float32), penalties),
            combination_assign_literal(costs.astype(np.float32)))
        np.testing.assert_array_equal(
            _greedy_kernel_by_cluster(costs, penalties), expected
        )


def test_many_clusters_and_collapse_prone_tables():
    rng = np.random.default_rng(7)
    for n_points, n_clusters in [(64, 40), (50, 13), (200, 12)]:
        costs = rng.normal(size=(n_points, n_clusters))
        costs[:, 3] -= 3.0  # most points prefer one cluster
        np.testing.assert_array_equal(combination_assign(costs),
                                      combination_assign_literal(costs))


@settings(max_examples=300, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(0, 40), st.integers(1, 12)),
        elements=st.sampled_from([0.0, 0.25, 0.5, 1.0, np.log(2), np.log(3), 7.0, np.inf]),
    )
)
def test_matches_literal_procedure_property(costs):
    labels = combination_assign(costs)
    np.testing.assert_array_equal(labels, combination_assign_literal(costs))
    assert labels.dtype == np.int64
    assert ((labels >= 0) & (labels < costs.shape[1])).all()


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 8)),
        elements=st.floats(-1e6, 1e6, allow_nan=False, width=32),
    ),
    st.floats(-100, 100, allow_nan=False),
)
def test_adding_a_constant_to_every_cost_changes_nothing(costs, shift):
    # The greedy compares D[i, k] + log(n_k + 1) across all pairs, so a
    # common shift preserves every comparison (when it is exact in float).
    shifted = costs + shift
    if not np.array_equal(shifted - shift, costs):
        return
    np.testing.assert_array_equal(combination_assign(shifted), combination_assign(costs))


def test_shifting_one_column_can_change_labels():
    # A per-cluster constant is exactly what a log prior is: it must matter.
    costs = np.array([[0.0, 0.1], [0.0, 0.2], [0.0, 0.3]])
    assert combination_assign(costs).tolist() == [0, 1, 0]
    assert combination_assign(costs, log_prior=np.log([0.9, 0.1])).tolist() == [0, 0, 0]


def test_count_penalty_is_log_factorial():
    # The second point joins the first's cluster only if log(2) = 0.69 is
    # cheaper than its extra cost of moving to the other cluster.
    assert combination_assign(np.array([[0.0, 0.5], [0.0, 0.5]])).tolist() == [0, 1]
    assert combination_assign(np.array([[0.0, 0.8], [0.0, 0.8]])).tolist() == [0, 0]


def test_ties_go_to_smallest_point_then_smallest_cluster():
    costs = np.zeros((2, 3))
    # pick (0, 0); then point 1 sees [log 2, 0, 0] and takes cluster 1
    assert combination_assign(costs).tolist() == [0, 1]


def test_fewer_points_than_clusters_and_single_cluster():
    # Three points with distinct favourite clusters never pay a penalty.
    few = np.eye(3, 10)[[2, 0, 1]] * -1.0
    assert combination_assign(few).tolist() == [2, 0, 1]
    assert combination_assign(np.ones((5, 1))).tolist() == [0] * 5
    assert combination_assign(np.empty((0, 4))).shape == (0,)


def test_balances_a_batch_that_prefers_one_cluster():
    rng = np.random.default_rng(0)
    costs = rng.uniform(0, 1, size=(256, 8))
    costs[:, 0] -= 1.0  # every point prefers cluster 0
    counts = np.bincount(combination_assign(costs), minlength=8)
    assert counts.max() < 256 // 2
    assert (counts > 0).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_torch_input_gives_int64_tensor_on_same_device(dtype):
    costs = torch.tensor([[0.0, 0.5], [0.0, 0.625], [0.0, 0.75]], dtype=dtype)
    labels = combination_assign(costs)
    assert isinstance(labels, torch.Tensor)
    assert labels.dtype == torch.int64 and labels.device == costs.device
    assert labels.tolist() == [0, 1, 0]


def test_tensor_with_grad_is_accepted():
    costs = torch.zeros(4, 2, requires_grad=True)
    assert combination_assign(costs).tolist() == [0, 1, 0, 1]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_tensor_labels_stay_on_cuda():
    costs = torch.rand(64, 5, device="cuda")
    labels = combination_assign(costs)
    assert labels.device == costs.device
    np.testing.assert_array_equal(labels.cpu().numpy(),
                                  combination_assign_literal(costs.cpu().numpy()))


@pytest.mark.parametrize(
    "costs, error, match",
    [
        (np.zeros(3), ValueError, "2-D"),
        (np.zeros((3, 0)), ValueError, "at least one column"),
        (np.array([[0.0, np.nan]]), ValueError, "NaN"),
        (np.array([["a", "b"]]), TypeError, "real numeric"),
        (np.zeros((2, 2), dtype=complex), TypeError, "real numeric"),
        (torch.zeros(2, 2, dtype=torch.complex64), TypeError, "complex"),
    ],
)
def test_bad_costs_raise_clear_errors(costs, error, match):
    with pytest.raises(error, match=match):
        combination_assign(costs)


def test_bad_log_prior_raises():
    with pytest.raises(ValueError, match=r"shape \(n_clusters,\)"):
        combination_assign(np.zeros((2, 3)), log_prior=np.zeros(2))
    with pytest.raises(ValueError, match="NaN"):
        combination_assign(np.zeros((2, 2)), log_prior=[0.0, np.nan])
    with pytest.raises(TypeError, match="real"):
        combination_assign(np.zeros((2, 2)), log_prior=[0j, 1j])


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 300), st.integers(1, 20), st.floats(-1e3, 1e3, allow_nan=False))
def test_equal_costs_give_counts_that_differ_by_at_most_one(n_points, n_clusters, value):
    # With nothing to tell clusters apart, log(n_k!) alone decides: the
    # batch is spread as evenly as possible, in round-robin order.
    labels = combination_assign(np.full((n_points, n_clusters), value))
    counts = np.bincount(labels, minlength=n_clusters)
    assert counts.sum() == n_points
    assert counts.max() - counts.min() <= 1
    np.testing.assert_array_equal(labels, np.arange(n_points) % n_clusters)

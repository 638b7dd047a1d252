"""The prior in effect (hardclust._priors): the parameter's rule, and
prior="graph" (the graph start's cluster sizes) through fit, streams,
several starts, refits, save/load and pickling."""

import numpy as np
import pytest
import torch

from hardclust import OnlineHardClustering
from hardclust._priors import label_log_prior, log_prior, start_log_prior, stream_log_prior


def test_log_prior_normalises_an_array_and_is_uniform_for_none_and_graph():
    torch.testing.assert_close(log_prior([1, 3], 2).exp(), torch.tensor([0.25, 0.75]))
    for prior in (None, "graph"):
        torch.testing.assert_close(log_prior(prior, 4).exp(), torch.full((4,), 0.25))


def test_start_and_stream_priors_follow_the_parameter():
    class Module:
        log_prior = torch.log(torch.tensor([0.7, 0.3]))

    sizes = start_log_prior("graph", Module())
    torch.testing.assert_close(sizes, Module.log_prior)
    sizes[0] = 0.0  # a copy: the module's prior is untouched
    assert Module.log_prior[0] < 0
    assert start_log_prior(None, Module()) is None
    assert start_log_prior([1, 1], Module()) is None
    uniform = log_prior(None, 2)
    assert stream_log_prior(None, uniform, None) is uniform
    streamed = stream_log_prior("graph", uniform, Module.log_prior)
    torch.testing.assert_close(streamed, Module.log_prior)
    assert streamed is not Module.log_prior  # a copy: the start's sizes stay as they were
    with pytest.raises(ValueError, match="did not start with it"):
        stream_log_prior("graph", uniform, None)


def _imbalanced():
    from hardclust.datasets import make_anisotropic_blobs
    X, y = make_anisotropic_blobs(random_state=0)  # 3,000 rows, sizes 10:1
    return X.astype(np.float32), y


def test_label_log_prior_is_the_labels_sizes_each_cluster_counted_once_at_least():
    prior = label_log_prior(np.array([0, 0, 0, 2, 2, 0]), 3).exp().numpy()
    np.testing.assert_allclose(prior, [4 / 7, 1 / 7, 2 / 7], rtol=1e-6)


def test_prior_graph_keeps_the_imbalanced_clusters_that_the_uniform_prior_splits():
    from hardclust.metrics import cluster_accuracy
    X, y = _imbalanced()
    params = dict(n_clusters=5, max_epochs=20, random_state=0)
    uniform = OnlineHardClustering(**params).fit(X)
    graph = OnlineHardClustering(prior="graph", **params).fit(X)
    assert cluster_accuracy(y, graph.labels_) > 0.9 > cluster_accuracy(y, uniform.labels_) + 0.1
    # the prior is the start's sizes, close to the classes' here
    sizes = np.sort(graph._log_prior.exp().numpy())[::-1]
    np.testing.assert_allclose(sizes, np.sort(np.bincount(y) / len(y))[::-1], atol=0.05)
    torch.testing.assert_close(graph._net.module_.log_prior.cpu(), graph._log_prior)
    np.testing.assert_allclose(graph.prior_, graph._log_prior.exp().numpy(), rtol=1e-6)
    np.testing.assert_allclose(uniform.prior_, np.full(5, 0.2), rtol=1e-6)


def test_prior_graph_needs_the_graph_start():
    from sklearn.datasets import make_moons
    from sklearn.utils._param_validation import InvalidParameterError
    X = make_moons(40, noise=0.05, random_state=0)[0].astype(np.float32)
    for init in ("k-means", "random"):
        with pytest.raises(InvalidParameterError, match="init='graph'"):
            OnlineHardClustering(2, prior="graph", init=init).fit(X)
    with pytest.raises(InvalidParameterError, match="'prior'"):
        OnlineHardClustering(2, prior="sizes").fit(X)


def test_prior_graph_is_kept_by_a_stream_and_refused_where_the_start_did_not_give_it():
    X, _ = _imbalanced()
    chunks = np.array_split(X[np.random.RandomState(0).permutation(len(X))], 3)
    model = OnlineHardClustering(5, prior="graph", random_state=0).partial_fit(chunks[0])
    start = model._log_prior.clone()
    assert not torch.allclose(start, torch.full((5,), -np.log(5)))
    model.partial_fit(chunks[1])
    torch.testing.assert_close(model._log_prior, start, rtol=0, atol=0)
    torch.testing.assert_close(model._net.module_.log_prior.cpu(), start, rtol=0, atol=0)
    model.set_params(prior=None).partial_fit(chunks[2])  # uniform, then back to the start's
    torch.testing.assert_close(model._net.module_.log_prior.cpu(),
                               torch.full((5,), -np.log(5)), rtol=0, atol=1e-6)
    model.set_params(prior="graph").partial_fit(chunks[2])
    torch.testing.assert_close(model._net.module_.log_prior.cpu(), start, rtol=0, atol=0)

    other = OnlineHardClustering(5, random_state=0).partial_fit(chunks[0])
    before = other.predict(X)
    other.set_params(prior="graph")
    with pytest.raises(ValueError, match="did not start with it"):
        other.partial_fit(chunks[1])
    np.testing.assert_array_equal(other.predict(X), before)  # the failed call changed nothing
    torch.testing.assert_close(other._log_prior, torch.full((5,), -np.log(5)), rtol=0, atol=1e-6)


@pytest.mark.parametrize("objective", ["hard", "sinkhorn"])
def test_prior_graph_survives_save_load_and_pickle(tmp_path, objective):
    import pickle
    X, _ = _imbalanced()
    model = OnlineHardClustering(5, prior="graph", objective=objective, max_epochs=2,
                                 random_state=0).fit(X)
    model.save(tmp_path / "model.pt")
    for copy in (OnlineHardClustering.load(tmp_path / "model.pt"),
                 pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(copy.predict(X), model.predict(X))
        torch.testing.assert_close(copy._log_prior, model._log_prior, rtol=0, atol=0)
        if objective == "sinkhorn":  # the objective balances by the same prior
            torch.testing.assert_close(copy._net.criterion_.log_prior.float().cpu(),
                                       model._log_prior, rtol=0, atol=1e-6)
        copy.partial_fit(X[:1000])  # and streams on with it
        torch.testing.assert_close(copy._net.module_.log_prior.cpu(), model._log_prior,
                                   rtol=0, atol=0)


def test_prior_graph_with_several_starts_is_the_kept_runs():
    X, _ = _imbalanced()
    model = OnlineHardClustering(5, prior="graph", n_init=2, max_epochs=2,
                                 random_state=0).fit(X)
    torch.testing.assert_close(model._net.module_.log_prior.cpu(), model._log_prior,
                               rtol=0, atol=0)


def test_prior_graph_starts_every_run_and_refit_from_the_uniform_sizes(monkeypatch):
    from hardclust import _initialization
    received, start = [], _initialization.graph_start

    def spy(params, X, rng, **kwargs):
        received.append(kwargs["log_prior"].clone())
        return start(params, X, rng, **kwargs)

    monkeypatch.setattr(_initialization, "graph_start", spy)
    X, _ = _imbalanced()
    model = OnlineHardClustering(5, prior="graph", n_init=2, max_epochs=1, random_state=0)
    model.fit(X).fit(X)
    assert len(received) == 4  # the start chooses its labels by the uniform sizes each time
    for prior in received:
        torch.testing.assert_close(prior, torch.full((5,), -np.log(5)), rtol=0, atol=1e-6)
    assert not np.allclose(model.prior_, 0.2, atol=0.01)


def test_a_loaded_model_refuses_and_returns_to_the_start_prior_as_the_original(tmp_path):
    X, _ = _imbalanced()
    # a model that did not start with prior="graph" refuses it after loading too
    plain = OnlineHardClustering(5, max_epochs=1, random_state=0).fit(X)
    plain.set_params(prior="graph").save(tmp_path / "plain.pt")
    with pytest.raises(ValueError, match="did not start with it"):
        OnlineHardClustering.load(tmp_path / "plain.pt").partial_fit(X[:1000])
    # one that did goes back to its start's sizes after a spell of another prior
    model = OnlineHardClustering(5, prior="graph", max_epochs=1, random_state=0).fit(X)
    start = model.prior_
    model.set_params(prior=None).partial_fit(X[:1000])
    model.set_params(prior="graph").save(tmp_path / "model.pt")
    loaded = OnlineHardClustering.load(tmp_path / "model.pt").partial_fit(X[:1000])
    np.testing.assert_allclose(loaded.prior_, start, rtol=1e-6)


def test_a_refit_with_another_prior_forgets_the_graph_start_sizes():
    X, _ = _imbalanced()
    model = OnlineHardClustering(5, prior="graph", max_epochs=1, random_state=0).fit(X)
    model.set_params(prior=None).fit(X)
    model.set_params(prior="graph")
    with pytest.raises(ValueError, match="did not start with it"):
        model.partial_fit(X[:500])
    np.testing.assert_allclose(model.prior_, 0.2, rtol=1e-6)  # the failed call changed nothing

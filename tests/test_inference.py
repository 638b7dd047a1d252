"""What a fitted model answers: a score that finds n_clusters, probabilities
that tell doubtful labels from sure ones."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_wine, make_blobs
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hardclust import OnlineHardClustering
from hardclust.metrics import cluster_accuracy


@pytest.mark.parametrize("k, seed", [(4, 0), (6, 1)])
def test_grid_search_on_score_finds_the_number_of_clusters(k, seed):
    X, _ = make_blobs(600, n_features=8, centers=k, random_state=seed)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), OnlineHardClustering(random_state=0, max_epochs=20)),
        {"onlinehardclustering__n_clusters": [2, 3, 4, 5, 6, 7]},
        cv=KFold(2, shuffle=True, random_state=0),
    ).fit(X)
    assert search.best_params_["onlinehardclustering__n_clusters"] == k


def test_score_is_the_silhouette_in_the_input_space():
    from sklearn.metrics import silhouette_score

    X, _ = make_blobs(300, n_features=5, centers=3, random_state=0)
    model = OnlineHardClustering(3, max_epochs=5, random_state=0).fit(X)
    assert model.score(X) == pytest.approx(silhouette_score(X, model.predict(X)), abs=1e-6)


def _right(y, labels):
    from scipy.optimize import linear_sum_assignment

    table = np.zeros((labels.max() + 1, y.max() + 1))
    np.add.at(table, (labels, y), 1)
    rows, cols = linear_sum_assignment(-table)
    return np.vectorize(dict(zip(rows, cols)).get)(labels) == y


def test_top_probability_ranks_wrong_labels_below_right_ones():
    # the embedding alone ranked them the wrong way round on wine (AUROC 0.34-0.42)
    data = load_wine()
    X = StandardScaler().fit_transform(data.data).astype(np.float32)
    model = OnlineHardClustering(3, random_state=0).fit(X)
    proba = model.predict_proba(X)
    labels = model.predict(X)
    right = _right(data.target, labels)
    assert cluster_accuracy(data.target, labels) == right.mean() > 0.9
    assert roc_auc_score(right, proba[np.arange(len(X)), labels]) > 0.75
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_top_probability_on_digits_keeps_what_the_embedding_knows():
    # the input view alone ranks digits' labels poorly (0.69 on this seed,
    # and so did its product with the embedding); the average keeps the
    # embedding's ranking
    from hardclust.datasets import load_digits

    X, y = load_digits()
    model = OnlineHardClustering(10, random_state=0).fit(X)
    labels = model.predict(X)
    proba = model.predict_proba(X)
    assert roc_auc_score(_right(y, labels), proba[np.arange(len(X)), labels]) > 0.74
    # the average of the two views disagreed with predict on 2-3% of these rows
    np.testing.assert_array_equal(proba.argmax(axis=1), labels)


def test_predict_proba_gives_the_predicted_cluster_the_pooled_probability():
    from hardclust._inference import input_view_log_likelihood

    X, _ = make_blobs(300, n_features=5, centers=4, cluster_std=3.0, random_state=0)
    model = OnlineHardClustering(4, max_epochs=3, random_state=0).fit(X)
    proba = model.predict_proba(X)
    labels = model.predict(X)
    Xt = torch.from_numpy(X.astype(np.float32))
    rows = np.arange(len(X))
    embedding = torch.softmax(-model._infer(Xt, "costs").double(), dim=1).numpy()
    view = torch.softmax(input_view_log_likelihood(Xt, model._input_view), dim=1).numpy()
    pooled = (embedding[rows, labels] + view[rows, labels]) / 2
    np.testing.assert_allclose(proba[rows, labels], np.maximum(pooled, 1.001 / 4), rtol=1e-9)
    np.testing.assert_array_equal(proba.argmax(axis=1), labels)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # the other clusters keep the embedding's order
    others = np.argsort(-embedding, axis=1, kind="stable")
    np.testing.assert_array_equal(np.argsort(-proba, axis=1, kind="stable")[:, 1:],
                                  others[:, 1:])


def test_decided_posterior_keeps_the_label_first_whatever_the_costs():
    from hardclust._inference import cost_gaps, decided_posterior

    costs = torch.tensor([[1.0, 1.0, 3.0],    # a tie, label the later column
                          [2.0, 1.0, 5.0],    # predict's rounding disagreed with the costs
                          [0.0, 4.0, 9.0],    # a sure row made doubtful
                          [0.0, 0.5, 0.6]])   # a doubtful row made sure
    labels = torch.tensor([1, 0, 0, 0])
    gaps = cost_gaps(costs, labels)
    assert (gaps[torch.arange(4), labels] == 0).all() and (gaps >= 0).all()
    assert (gaps.sum(dim=1) > 0).all()
    top = torch.tensor([0.34, 0.5, 0.4, 0.99], dtype=torch.float64)
    proba = decided_posterior(gaps, top)
    np.testing.assert_array_equal(proba.argmax(dim=1), labels)
    np.testing.assert_allclose(proba[torch.arange(4), labels], top)
    np.testing.assert_allclose(proba.sum(dim=1), 1.0)
    # toward uniform keeps the embedding's order; toward one-hot too
    assert proba[2, 1] > proba[2, 2] and proba[3, 1] > proba[3, 2]


def test_a_loaded_model_names_what_its_file_does_not_keep(tmp_path):
    from hardclust.plotting import plot_history

    X, _ = make_blobs(200, n_features=4, centers=3, random_state=0)
    model = OnlineHardClustering(3, max_epochs=2, random_state=0).fit(X)
    model.save(tmp_path / "m.pt")
    loaded = OnlineHardClustering.load(tmp_path / "m.pt")
    for name in ("history_", "labels_"):
        with pytest.raises(AttributeError, match=f"{name} is not available.*"
                           "OnlineHardClustering.load.*Pickle the model"):
            getattr(loaded, name)
        assert not hasattr(loaded, name)
    with pytest.raises(ValueError, match="plot_history needs the training history.*load"):
        plot_history(loaded)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    loaded.partial_fit(X)  # training from here on records both
    assert len(loaded.history_) == 1 and len(loaded.labels_) == len(X)
    plot_history(loaded)
    with pytest.raises(AttributeError, match="compute_labels=False"):
        OnlineHardClustering(3, max_epochs=1, compute_labels=False, random_state=0).fit(X).labels_
    with pytest.raises(AttributeError, match="has no attribute 'labels_'"):
        OnlineHardClustering(3).labels_
    with pytest.raises(ValueError, match="plot_history needs.*before fit"):
        plot_history(OnlineHardClustering(3))


def test_input_view_is_shrunk_lda_of_the_predicted_clusters_and_adds_up_over_a_stream():
    import torch
    from sklearn.covariance import ledoit_wolf_shrinkage as sklearn_shrinkage
    from sklearn.covariance import shrunk_covariance

    from hardclust._inference import (_view_means, input_view_log_likelihood,
                                      input_view_sums, ledoit_wolf_shrinkage)

    rng = np.random.RandomState(0)
    X = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6)) + 3 * rng.randint(0, 3, (500, 1))
    labels = rng.randint(0, 3, 500)
    whole = input_view_sums(torch.from_numpy(X), labels, 3)
    means = np.stack([X[labels == k].mean(0) for k in range(3)])
    residuals = X - means[labels]
    scatter = residuals.T @ residuals / len(X)
    shrinkage = sklearn_shrinkage(residuals, assume_centered=True)
    assert ledoit_wolf_shrinkage(scatter, whole["fourth"], len(X)) == pytest.approx(shrinkage)
    precision = np.linalg.inv(shrunk_covariance(scatter, shrinkage))
    diff = X[:, None] - means[None]
    expected = -0.5 * np.einsum("nkd,de,nke->nk", diff, precision, diff)
    got = input_view_log_likelihood(torch.from_numpy(X), whole).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    # a stream's counts and means are those of the whole; its probabilities
    # too, but for the shrinkage (its chunks' residuals use their time's means)
    stream = None
    for part in np.array_split(np.arange(500), 4):
        stream = input_view_sums(torch.from_numpy(X[part]), labels[part], 3, stream)
    np.testing.assert_array_equal(stream["counts"], whole["counts"])
    np.testing.assert_allclose(_view_means(stream) + stream["origin"], means, rtol=1e-10)
    streamed = input_view_log_likelihood(torch.from_numpy(X), stream)
    np.testing.assert_allclose(torch.softmax(streamed, 1), torch.softmax(torch.from_numpy(got), 1),
                               atol=0.02)


@pytest.mark.parametrize("n_values", [64, 1100])
def test_input_view_of_float32_data_matches_float64(n_values):
    # the estimator passes float32; its products run in float32 per chunk
    import torch

    from hardclust._inference import _VIEW_ROWS, input_view_log_likelihood, input_view_sums

    rng = np.random.RandomState(0)
    n = _VIEW_ROWS + 500  # two chunks
    X = (rng.rand(n, n_values) + 0.5 * rng.randint(0, 4, (n, 1))).astype(np.float32)
    labels = rng.randint(0, 4, n)
    single = input_view_sums(torch.from_numpy(X), labels, 4)
    double = input_view_sums(torch.from_numpy(X.astype(np.float64)), labels, 4)
    assert single.keys() == double.keys()
    for key in single:
        scale = np.abs(double[key]).max()
        np.testing.assert_allclose(single[key], double[key], rtol=1e-5, atol=1e-5 * scale,
                                   err_msg=key)
    probabilities = [torch.softmax(input_view_log_likelihood(torch.from_numpy(X).double(), v), 1)
                     for v in (single, double)]
    np.testing.assert_allclose(*probabilities, atol=1e-4)


@pytest.mark.filterwarnings("ignore::hardclust.exceptions.ClusterCollapseWarning")
def test_probabilities_of_samples_with_many_values_use_an_isotropic_input_view():
    X = np.random.RandomState(0).normal(size=(80, 1100)).astype(np.float32)
    X[40:] += 1.0
    model = OnlineHardClustering(2, max_epochs=3, random_state=0).fit(X)
    assert "outer" not in model._input_view  # no 1100 x 1100 matrix kept
    proba = model.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == model.predict(X)).mean() > 0.95


@pytest.mark.parametrize("offset", [1e3, 1e6])
def test_probabilities_do_not_change_when_the_data_is_shifted(offset):
    import torch

    from hardclust._inference import input_view_log_likelihood, input_view_sums

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5)) + 4 * rng.randint(0, 3, (300, 1))
    labels = rng.randint(0, 3, 300)
    for shape in (5, 1100):  # the full covariance, and the isotropic view
        data = np.tile(X, (1, -(-shape // 5)))[:, :shape]
        plain = input_view_log_likelihood(
            torch.from_numpy(data), input_view_sums(torch.from_numpy(data), labels, 3))
        moved = input_view_log_likelihood(
            torch.from_numpy(data + offset),
            input_view_sums(torch.from_numpy(data + offset), labels, 3))
        np.testing.assert_allclose(torch.softmax(moved, 1), torch.softmax(plain, 1), atol=1e-6)


def test_input_view_falls_back_to_eigenvalues_when_the_covariance_is_not_positive():
    import torch

    from hardclust._inference import _whitening

    # a covariance that rounding left indefinite: the Cholesky factor fails
    view = {"counts": np.array([2.0]), "sums": np.zeros((1, 2)),
            "outer": np.array([[1.0, 2.0], [2.0, 1.0]]), "fourth": np.asarray(0.0),
            "origin": np.zeros(2)}
    whiten = _whitening(view, np.zeros((1, 2)))
    assert torch.isfinite(whiten).all()
    covariance = np.array([[0.5, 1.0], [1.0, 0.5]])  # outer / n
    values, vectors = np.linalg.eigh(covariance)
    # on the eigenvector with a positive eigenvalue, W W^T inverts C
    v = vectors[:, 1]
    np.testing.assert_allclose(v @ (whiten @ whiten.T).numpy() @ v, 1 / values[1], rtol=1e-6)


def test_the_whitening_of_the_input_view_is_made_once_per_fitted_state(monkeypatch):
    import pickle

    from hardclust import _inference

    calls = []
    whitening = _inference._whitening
    monkeypatch.setattr(_inference, "_whitening", lambda *a: calls.append(1) or whitening(*a))
    X, _ = make_blobs(300, n_features=5, centers=3, random_state=0)
    model = OnlineHardClustering(3, max_epochs=3, random_state=0).fit(X)
    assert calls == []  # fit does not pay for it
    first = model.predict_proba(X[:10])
    state = dict(model.__dict__)
    np.testing.assert_array_equal(model.predict_proba(X[:10]), first)
    assert len(calls) == 1 and model.__dict__ == state
    copy = pickle.loads(pickle.dumps(model))  # the pickle holds the sums alone
    assert isinstance(copy._input_view, _inference.InputView)
    np.testing.assert_array_equal(copy.predict_proba(X[:10]), first)
    assert len(calls) == 2
    model.partial_fit(X)  # new sums: the kept whitening must not be used
    after = model.predict_proba(X[:10])
    assert len(calls) == 3
    fresh = _inference.InputView(dict(model._input_view))
    np.testing.assert_allclose(
        _inference.input_view_log_likelihood(torch.from_numpy(X[:10]), fresh),
        _inference.input_view_log_likelihood(torch.from_numpy(X[:10]), model._input_view))
    assert not np.allclose(after, first)


def test_a_model_pickled_with_a_plain_dict_input_view_gets_one_that_keeps_its_whitening(
        monkeypatch):
    import pickle

    from hardclust import _inference

    X, _ = make_blobs(200, n_features=4, centers=3, random_state=0)
    model = OnlineHardClustering(3, max_epochs=2, random_state=0).fit(X)
    expected = model.predict_proba(X[:5])
    model._input_view = dict(model._input_view)  # as pickled before InputView
    old = pickle.loads(pickle.dumps(model))
    assert type(old._input_view) is _inference.InputView
    calls = []
    whitening = _inference._whitening
    monkeypatch.setattr(_inference, "_whitening", lambda *a: calls.append(1) or whitening(*a))
    np.testing.assert_array_equal(old.predict_proba(X[:5]), expected)
    np.testing.assert_array_equal(old.predict_proba(X[:5]), expected)
    assert len(calls) == 1

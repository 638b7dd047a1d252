"""The benchmark command (hardclust/benchmark/), on small slices of the data."""

import argparse
import importlib.util
import json
import sys
import types

import numpy as np
import pytest

from hardclust.benchmark import (
    DATASET_INFO,
    DATASETS,
    SUITE_METHODS,
    SUITES,
    _make,
    _parse_param,
    _subsample,
    format_suite_table,
    main,
    run_benchmark,
    run_suite,
)


@pytest.mark.parametrize("text, expected", [
    ("sigma=300", ("sigma", 300)),
    ("lr=3e-4", ("lr", 3e-4)),
    ("init=k-means", ("init", "k-means")),
    ("prior=[0.5, 0.5]", ("prior", [0.5, 0.5])),
    ("x={[1]: 2}", ("x", "{[1]: 2}")),  # not a literal: kept as text
])
def test_parse_param(text, expected):
    assert _parse_param(text) == expected


@pytest.mark.parametrize("text", ["sigma", "=3"])
def test_parse_param_rejects_malformed(text):
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=VALUE"):
        _parse_param(text)


def test_params_reach_the_model_but_not_the_per_run_ones():
    model = _make("entropy", 4, 7, None, {"sigma": 300.0})
    assert (model.sigma, model.n_clusters, model.objective, model.random_state) == \
        (300.0, 4, "entropy", 7)
    with pytest.raises(ValueError, match="random_state"):
        run_benchmark(["digits"], ["hard"], [0], params={"random_state": 1})
    with pytest.raises(ValueError, match=r"\['sigam'\]"):
        run_benchmark(["digits"], ["hard"], [0], params={"sigam": 1})
    with pytest.raises(ValueError, match="compute_labels"):
        run_benchmark(["digits"], ["hard"], [0], params={"compute_labels": False})
    with pytest.raises(ValueError, match="twice"):
        run_benchmark(["digits"], ["hard"], [0], max_epochs=2, params={"max_epochs": 3})


def test_main_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "runs.json"
    main(["--methods", "kmeans", "hard", "--limit", "200", "--seeds", "2", "--quiet",
          "--max-epochs", "1", "--param", "init=random", "--json", str(out)])
    table = capsys.readouterr().out
    assert "| digits | kmeans | 2 |" in table and "| digits | hard | 2 |" in table
    runs = json.loads(out.read_text())["runs"]
    assert [(r["method"], r["seed"]) for r in runs] == \
        [("kmeans", 0), ("kmeans", 1), ("hard", 0), ("hard", 1)]


def test_main_rejects_a_reserved_param():
    with pytest.raises(SystemExit) as exc:
        main(["--param", "n_clusters=3"])
    assert exc.value.code == 2


# --- The UMAP recipes (umap-kmeans, umap-gmm) ---------------------------------

class _FakeUMAP:
    """Stands in for umap.UMAP: a seeded projection, recording its settings."""

    made = []

    def __init__(self, **params):
        self.params = params
        _FakeUMAP.made.append(params)

    def fit(self, X, y=None):
        rng = np.random.RandomState(self.params["random_state"])
        self.projection = rng.normal(size=(X.shape[1], self.params["n_components"]))
        return self

    def transform(self, X):
        return np.asarray(X) @ self.projection


def test_umap_methods_run_the_recipe_on_the_flat_input(monkeypatch):
    from hardclust.benchmark import methods

    _FakeUMAP.made.clear()
    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(UMAP=_FakeUMAP))
    monkeypatch.setattr(methods, "_compile_umap", lambda: None)
    runs = run_benchmark(["digits-images"], ["umap-kmeans", "umap-gmm"], seeds=[3],
                         limit=200)
    assert [r["method"] for r in runs] == ["umap-kmeans", "umap-gmm"]
    assert all(0 < r["ACC"] <= 1 and r["fit_s"] > 0 for r in runs)
    assert _FakeUMAP.made == [{"n_components": 10, "n_neighbors": 15, "min_dist": 0.0,
                               "random_state": 3}] * 2
    gmm = _make("umap-gmm", 4, 3, None, {})[-1]
    assert (gmm.n_components, gmm.covariance_type, gmm.random_state) == (4, "full", 3)
    assert _make("umap-kmeans", 4, 3, None, {})[-1].n_init == 10


def test_umap_methods_without_umap_learn_say_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap raises ImportError
    with pytest.raises(ImportError, match=r'pip install "hardclust\[bench\]"'):
        run_benchmark(["iris"], ["kmeans", "umap-gmm"], seeds=[0])
    with pytest.raises(SystemExit):
        main(["--datasets", "iris", "--methods", "umap-kmeans", "--quiet"])
    assert 'pip install "hardclust[bench]"' in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("umap") is None,
                    reason='umap-learn is not installed (pip install "hardclust[bench]")')
def test_umap_methods_with_umap_learn_cluster_and_repeat_under_a_seed(monkeypatch):
    from hardclust.benchmark import methods

    # skip the warm-up of every code path: iris compiles only the one it takes
    monkeypatch.setattr(methods, "_compile_umap", lambda: None)
    runs = run_benchmark(["iris"], ["umap-kmeans", "umap-gmm", "umap-kmeans"], seeds=[0])
    assert all(r["ACC"] > 0.6 and r["empty"] == 0 for r in runs)
    assert runs[0]["ACC"] == runs[2]["ACC"] and runs[0]["NMI"] == runs[2]["NMI"]


# --- The development suite (--suite), on tiny data ------------------------------

def test_hardclust_method_sets_only_n_clusters_and_random_state():
    from hardclust import OnlineHardClustering

    model = _make("hardclust", 3, 5, None, {})
    expected = {**OnlineHardClustering().get_params(), "n_clusters": 3, "random_state": 5}
    assert model.get_params() == expected


def test_subsample_is_a_fixed_ordered_subset():
    X = np.arange(100)
    (a, b), (c, _) = _subsample((X, X * 2), 10), _subsample((X, X), 10)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, 2 * a)
    assert len(a) == 10 and np.all(np.diff(a) > 0) and a.max() > 10
    assert _subsample((X,), 200)[0] is X and _subsample((X,), None)[0] is X


def test_every_suite_dataset_is_registered():
    for names in SUITES.values():
        assert set(names) <= set(DATASETS) and set(names) <= set(DATASET_INFO)
    kinds = {DATASET_INFO[name][0] for name in SUITES["dev"]}
    assert kinds == {"image", "tabular", "time series", "synthetic"}
    # held out: real data, none of it in the set defaults are chosen on
    assert not set(SUITES["holdout"]) & set(SUITES["dev"])
    assert "synthetic" not in {DATASET_INFO[name][0] for name in SUITES["holdout"]}
    assert SUITES["all"] == SUITES["dev"] + SUITES["holdout"]


def test_run_suite_scores_each_method_and_skips_missing_data(monkeypatch):
    def missing():
        raise FileNotFoundError("not here: `pip install something`")

    monkeypatch.setitem(DATASETS, "absent", missing)
    result = run_suite(["iris", "absent", "moons-10d"], seeds=[0, 1],
                       methods=["hardclust", "kmeans"], max_epochs=1, limit=120)
    assert list(result["datasets"]) == ["iris", "moons-10d"]
    assert result["datasets"]["moons-10d"]["n_samples"] == 120
    assert result["datasets"]["iris"]["kind"] == "tabular"
    assert "pip install something" in result["skipped"]["absent"]
    assert len(result["runs"]) == 2 * 2 * 2
    for row in result["summary"]:
        assert row["seeds"] == 2
        for metric in ("ACC", "NMI", "ARI"):
            assert row[f"{metric}_worst"] <= row[metric] + 1e-12
    table = format_suite_table(result)
    assert "| iris | tabular | 120 | 3 | hardclust |" in table
    assert "skipped absent: not here" in table


def test_main_runs_a_suite_quietly_and_writes_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(SUITES, "dev", ("wine", "blobs-aniso"))
    out = tmp_path / "suite.json"
    result = main(["--suite", "dev", "--seeds", "1", "--quick", "--max-epochs", "1",
                   "--json", str(out)])
    captured = capsys.readouterr()
    assert captured.err == ""  # stderr is not a terminal: no progress bar
    assert "| blobs-aniso | synthetic | 2000 | 5 | minibatch-kmeans |" in captured.out
    saved = json.loads(out.read_text())
    assert saved["suite"] == "dev" and saved["limit"] == 2000 and saved["seeds"] == [0]
    assert [row["method"] for row in saved["summary"]] == list(SUITE_METHODS) * 2
    assert saved["summary"] == result["summary"]
    assert "torch_threads" in saved["environment"]


def test_suite_progress_bar_can_be_shown(capsys):
    run_suite(["iris"], seeds=[0], methods=["kmeans"], progress=True)
    assert "iris" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--quick"], "--suite"),
    (["--suite", "dev", "--datasets", "digits"], "not allowed"),
    (["--suite", "dev", "--quick", "--limit", "5"], "not allowed"),
])
def test_main_rejects_conflicting_suite_options(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_format_columns_aligns_and_rounds():
    from hardclust.benchmark import format_columns

    text = format_columns([{"name": "a", "x": 0.12345, "n": 7},
                           {"name": "long", "x": 12345.6, "n": 1234}], ["name", "x", "n"])
    lines = text.splitlines()
    assert lines[0].split() == ["name", "x", "n"]
    assert lines[1].split() == ["a", "0.123", "7"]
    assert lines[2].split() == ["long", "12346", "1234"]
    assert len({len(line) for line in lines}) == 1  # right-aligned to equal widths


# --- The harness the scripts share -------------------------------------------------

def test_harness_balanced_kmeans_picks_the_starts_run():
    from hardclust._initialization import balanced_kmeans as start_rule
    from hardclust._priors import log_prior
    from hardclust.benchmark.harness import balanced_kmeans

    Z = np.random.RandomState(0).normal(size=(300, 5)).astype(np.float32)
    ours = balanced_kmeans(Z, 4, np.random.RandomState(1))
    start = start_rule(Z, 4, log_prior(None, 4).double().numpy(), np.random.RandomState(1))
    # the same run; the start reorders its clusters by size, the harness keeps k-means' order
    assert sorted(map(tuple, ours.astype(np.float64))) == sorted(map(tuple, start))


def test_harness_embed_restores_the_modes_and_matches_a_forward_pass():
    import torch

    from hardclust.benchmark.harness import embed

    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    X = np.random.RandomState(0).normal(size=(10, 4)).astype(np.float32)
    Z = embed(net, X, batch_size=3)
    assert net.training and all(m.training for m in net)
    net.eval()
    with torch.no_grad():
        np.testing.assert_allclose(Z, net(torch.from_numpy(X)).numpy(), rtol=1e-6, atol=1e-7)

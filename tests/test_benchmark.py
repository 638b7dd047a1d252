"""The benchmark command (hardclust/benchmark.py), on small slices of digits."""

import argparse
import json

import pytest

from hardclust.benchmark import _make, _parse_param, main, run_benchmark


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
    assert (model.sigma, model.n_clusters, model.regularization, model.random_state) == \
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

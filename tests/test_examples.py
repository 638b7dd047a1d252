"""Every example runs (in its --smoke form) and reports what it should."""

import importlib.util
import pathlib


EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart(capsys):
    rows = _load("quickstart").main(["--smoke"])
    assert [name for name, _, _ in rows] == ["hardclust", "k-means"]
    out = capsys.readouterr().out
    assert "ACC" in out and "NMI" in out and "ARI" in out


def test_streaming():
    report = _load("streaming").main(["--smoke"])
    assert report["ACC"] > 0.3  # one pass over 10 chunks of digits


def test_grid_search():
    results = _load("grid_search").main(["--smoke"])
    assert set(results) == {"n_clusters, without labels", "sigma, with labels"}
    k = results["n_clusters, without labels"].best_params_["onlinehardclustering__n_clusters"]
    assert k in (2, 3, 4)
    assert results["sigma, with labels"].best_params_["onlinehardclustering__sigma"] in (
        100.0, 200.0, 400.0)


def test_custom_encoder():
    assert _load("custom_encoder").main(["--smoke"])["ACC"] > 0.2


def test_imbalanced():
    reports = _load("imbalanced").main(["--smoke"])
    assert set(reports) == {"uniform prior", "true proportions"}


def test_images(tmp_path):
    paths = _load("images").main(["--smoke", "--out", str(tmp_path)])
    assert len(paths) == 4
    for path in paths:
        assert pathlib.Path(path).stat().st_size > 1000  # a real PNG was drawn

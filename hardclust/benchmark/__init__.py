"""Reproducible clustering benchmark: ``python -m hardclust.benchmark``.

Runs named methods on named data sets over several seeds and prints a table
of ACC, NMI, ARI, KL*, empty clusters and fit seconds (mean and standard
deviation over seeds). Examples::

    python -m hardclust.benchmark --datasets digits --seeds 5
    python -m hardclust.benchmark --datasets fashion-mnist --max-epochs 10 \\
        --methods hard kmeans --seeds 3 --json results.json
    python -m hardclust.benchmark --methods hard --param sigma=300 --param lr=3e-4

Methods: ``hard``, ``none``, ``sinkhorn``, ``entropy``, ``variance`` are
:class:`~hardclust.OnlineHardClustering` with that ``objective`` and
otherwise default parameters (except ``n_clusters``, the number of classes,
and ``max_epochs`` and any ``--param NAME=VALUE`` when given);
``hardclust`` is the estimator with nothing but ``n_clusters`` and
``random_state`` set (and ``max_epochs`` and ``--param`` when given);
``kmeans`` and ``minibatch-kmeans`` are scikit-learn's on the flattened
features (the same scaling hardclust gets); ``umap-kmeans`` and
``umap-gmm`` reduce the same features with umap-learn's UMAP
(``n_components=10, n_neighbors=15, min_dist=0``) and cluster the
reduction with ``KMeans(n_init=10)`` or ``GaussianMixture(covariance_type=
"full")``, seeded by the run's seed and timed with UMAP (``pip install
"hardclust[bench]"``). Labels are used only to score the final model, never
to select epochs or parameters.

Suites (``--suite``) run a fixed list of data sets of several kinds with
``hardclust``, ``kmeans`` and ``minibatch-kmeans``, to choose defaults that
hold across data rather than on one set::

    python -m hardclust.benchmark --suite dev --seeds 5 --json suite.json
    python -m hardclust.benchmark --suite dev --seeds 3 --quick   # subsampled
    python -m hardclust.benchmark --suite dev --param sigma=300   # a candidate

and print, per data set and method, the mean and the worst seed of ACC, NMI
and ARI, the most empty clusters of any seed and the mean fit seconds. A
data set whose files are not installed is skipped with the command that
installs them (``pip install 'hardclust[bench]'``, ``apt-get install
dataset-fashion-mnist`` and, for the held-out suite's time series, ``pip
install --no-deps sktime`` install all of them); see ``DATASET_INFO``.
``--suite holdout`` runs eight real data sets no default was chosen on,
``--suite all`` both suites.

The modules: :mod:`~hardclust.benchmark.data` (data sets and suites),
:mod:`~hardclust.benchmark.methods`, :mod:`~hardclust.benchmark.runs`,
:mod:`~hardclust.benchmark.tables`, :mod:`~hardclust.benchmark.cli` and
:mod:`~hardclust.benchmark.harness` (what the repository's benchmark and
experiment scripts share with the command).
"""

# re-exported: the names scripts and tests import from ``hardclust.benchmark``
from .data import DATASET_INFO, DATASETS, QUICK_LIMIT, SUITES, _subsample  # noqa: F401
from .methods import METHODS, PEERS, SUITE_METHODS, UMAP_PARAMS, _make  # noqa: F401
from .runs import run_benchmark, run_suite, summarize_suite
from .tables import METRICS, format_columns, format_suite_table, format_table  # noqa: F401

# after the names above: the command line reads this package's docstring
from .cli import _parse_param, main  # noqa: E402, F401

__all__ = ["run_benchmark", "format_table", "format_columns", "run_suite",
           "summarize_suite", "format_suite_table", "main"]

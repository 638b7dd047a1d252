"""Changes outside the encoder on Fashion-MNIST: a one-epoch screen.

Each setting changes one thing against the defaults (the default CNN, its
``lr``, the k-means start) and fits all 70,000 images for ``--epochs``
epochs per seed, then prints mean ACC / NMI / ARI (labels read only to
score)::

    python benchmarks/training_screen.py [--settings default sqrt center ...] \\
        [--seeds 6] [--epochs 1] [--json out.json]

``sqrt`` trains on the square root of the pixel intensities (which lifts
faint texture), ``center`` subtracts the mean image. ``decay-0.01`` and
``decay-0.1`` train with AdamW's decoupled weight decay instead of Adam
(applied to every parameter: weights, biases and centroids);
``sgd-0.001`` trains with SGD (momentum 0.9, learning rate 0.001) and
``beta1-0.5`` with Adam at ``betas=(0.5, 0.999)``. ``start-8192`` runs
the k-means start on 8,192 embeddings instead of 2,048, ``start-30``
keeps the best-balanced of 30 k-means runs instead of 10; both draw more
from the estimator's random state, so the shuffling of the batches that
follows differs from the defaults' too (the initial weights do not).

All settings after ``center`` are applied with ``unittest.mock.patch``
around each fit: the optimiser settings replace ``torch.optim.Adam``,
which the estimator looks up when it builds its optimiser; ``start-*``
replace private constants of ``hardclust._initialization``. None is an
option of the estimator.
"""

import contextlib
import functools
from unittest import mock

import numpy as np
import torch

from _common import dump, parser, screen_seeds, table
from hardclust import OnlineHardClustering
from hardclust import _initialization
from hardclust.datasets import load_fashion_mnist


def _optimizer(factory, **kwargs):
    return mock.patch.object(torch.optim, "Adam", functools.partial(factory, **kwargs))


# estimator parameters a setting changes (the optimiser receives lr)
PARAMS = {"sgd-0.001": {"lr": 0.001}}

SETTINGS = {
    # name: (input transform, context manager factory)
    "default": (None, contextlib.nullcontext),
    "sqrt": (np.sqrt, contextlib.nullcontext),
    "center": (lambda X: X - X.mean(axis=0), contextlib.nullcontext),
    "decay-0.01": (None, lambda: _optimizer(torch.optim.AdamW, weight_decay=0.01)),
    "decay-0.1": (None, lambda: _optimizer(torch.optim.AdamW, weight_decay=0.1)),
    "sgd-0.001": (None, lambda: _optimizer(torch.optim.SGD, momentum=0.9)),
    "beta1-0.5": (None, lambda: _optimizer(torch.optim.Adam, betas=(0.5, 0.999))),
    "start-8192": (None, lambda: mock.patch.object(_initialization, "_INIT_SAMPLE", 8192)),
    "start-30": (None, lambda: mock.patch.object(
        _initialization, "_INIT_KMEANS_RESTARTS", 30)),
}


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    p.add_argument("--seeds", type=int, default=6)
    p.add_argument("--epochs", type=int, default=1)
    args = p.parse_args(argv)
    images, y = load_fashion_mnist()
    rows = []
    for name in args.settings:
        transform, patch = SETTINGS[name]
        X = images if transform is None else transform(images).astype(np.float32)
        rows.append({"setting": name, "seeds": args.seeds, **screen_seeds(
            lambda seed: OnlineHardClustering(n_clusters=10, max_epochs=args.epochs,
                                              random_state=seed, **PARAMS.get(name, {})),
            X, y, args.seeds, context=patch)})
        print({k: v for k, v in rows[-1].items() if k != "per_seed"}, flush=True)
    table(rows, ["setting", "seeds", "ACC", "NMI", "ARI", "s_per_seed"])
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

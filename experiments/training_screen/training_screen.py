"""Does any change outside the encoder beat the defaults on Fashion-MNIST?

A one-epoch screen. Each setting changes one thing against the defaults
(the default CNN, its ``lr``, the k-means start) and fits all 70,000 images
for ``--epochs`` epochs per seed, then prints mean ACC / NMI / ARI (labels
read only to score)::

    python experiments/training_screen/training_screen.py \\
        [--settings default sqrt center ...] [--seeds 6] [--epochs 1] [--json out.json]

``sqrt`` trains on the square root of the pixel intensities (which lifts
faint texture), ``center`` subtracts the mean image. ``decay-0.01`` and
``decay-0.1`` train with AdamW's decoupled weight decay instead of Adam
(``optimizer=torch.optim.AdamW, optimizer__weight_decay=...``, applied to
every parameter: weights, biases and centroids); ``sgd-0.001`` trains with
SGD (momentum 0.9, learning rate 0.001) and ``beta1-0.5`` with Adam at
``optimizer__betas=(0.5, 0.999)``. ``start-8192`` runs the k-means start on
8,192 embeddings instead of 2,048: the script builds the CNN (0.2's image default)
(``make_encoder("conv2d", ...)``, weights from ``torch.manual_seed(seed)``),
embeds 8,192 images with it and passes the encoder instance and the
centres of the most balanced of ten k-means runs (``init=centers``), so its
initial weights are not the default row's. ``start-30`` keeps the
best-balanced of 30 k-means runs instead of 10 (``init`` a callable on the
estimator's own 2,048 embeddings).
"""

import functools
import pathlib
import sys

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import default_lr, dump, means, parser, screen_seeds, table  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.benchmark.harness import balanced_kmeans, embed  # noqa: E402
from hardclust.datasets import load_fashion_mnist  # noqa: E402
from hardclust.encoders import make_encoder  # noqa: E402


def larger_start(X, lr, seed, n_rows=8192, latent_dim=OnlineHardClustering().latent_dim):
    """``encoder``, ``init`` and ``lr`` for a k-means start on ``n_rows`` embeddings."""
    rng = np.random.RandomState(seed)
    # the script's own draws: the global torch RNG is left as it was
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        encoder = make_encoder("conv2d", X.shape[1:], latent_dim)  # the CNN of 0.2
    rows = np.sort(rng.choice(len(X), min(n_rows, len(X)), replace=False))
    centers = balanced_kmeans(embed(encoder, X[rows]), 10, rng)
    # an encoder instance is not the built-in CNN for lr="auto": keep the default's rate
    return {"encoder": encoder, "init": centers, "lr": lr}


SETTINGS = {
    # name: (input transform, estimator parameters given (X, the default lr, seed))
    "default": (None, lambda X, lr, seed: {}),
    "sqrt": (np.sqrt, lambda X, lr, seed: {}),
    "center": (lambda X: X - X.mean(axis=0), lambda X, lr, seed: {}),
    "decay-0.01": (None, lambda X, lr, seed: {"optimizer": torch.optim.AdamW,
                                              "optimizer__weight_decay": 0.01}),
    "decay-0.1": (None, lambda X, lr, seed: {"optimizer": torch.optim.AdamW,
                                             "optimizer__weight_decay": 0.1}),
    "sgd-0.001": (None, lambda X, lr, seed: {"optimizer": torch.optim.SGD,
                                             "optimizer__momentum": 0.9, "lr": 0.001}),
    "beta1-0.5": (None, lambda X, lr, seed: {"optimizer__betas": (0.5, 0.999)}),
    "start-8192": (None, larger_start),
    "start-30": (None, lambda X, lr, seed: {
        "init": functools.partial(balanced_kmeans, runs=30)}),
}


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    p.add_argument("--seeds", type=int, default=6)
    p.add_argument("--epochs", type=int, default=1)
    args = p.parse_args(argv)
    images, y = load_fashion_mnist()
    lr = default_lr(images, encoder="conv2d")
    runs = []
    for name in args.settings:
        transform, params = SETTINGS[name]
        X = images if transform is None else transform(images).astype(np.float32)
        runs += screen_seeds(
            lambda seed: OnlineHardClustering(n_clusters=10, max_epochs=args.epochs,
                                              random_state=seed,
                                              **{"encoder": "conv2d", **params(X, lr, seed)}),
            X, y, args.seeds, setting=name)
        print(means(runs, "setting")[-1], flush=True)
    table(means(runs, "setting"), ["setting", "seeds", "ACC", "NMI", "ARI"])
    dump(args, __doc__, __file__, argv, runs)
    return runs


if __name__ == "__main__":
    main()

"""Training overhead: OnlineHardClustering.fit(max_epochs=1) against its floor.

The floor is a bare PyTorch loop that trains a fresh copy of the same encoder
architecture for one epoch (same batch size, Adam, learning rate, shuffled
data) on a plain regression loss, then runs one forward pass over the data
(as ``fit`` must, to set ``labels_``). Each repeat times the bare loops (one
per number of epochs a row needs), then every hardclust row, so that both
see the same machine state; the median of each is reported::

    python benchmarks/bench_training.py [--repeats 5] [--fashion-n 20000] [--json out.json]

Data: digits and Fashion-MNIST with the default MLP, and Fashion-MNIST
with the ``"conv2d"`` CNN (the image default until 0.3). Three hardclust rows
per data set, without the warm start
(``pretrain_epochs=0``) and on single samples (``n_neighbors=0``, the
paper's step): ``init="random"`` (the training loop alone),
``init="k-means"`` (which adds ten k-means runs on the untrained
encoder's embeddings of up to 2,048 samples) and the default
``init="graph"`` (which adds the neighbour graph of up to 10,000 samples,
its spectral clustering and the model's fit to those labels). Then one row per option of
0.3, each on top of those, against the bare encoder's epochs of the same
run (the bare loop has no decoder, so a row's ratio is the whole price of
the option):

- ``reconstruction=1.0``: one epoch with the decoder and its loss;
- ``pretrain_epochs=1``: one epoch of the autoencoder warm start, then one
  epoch of clustering (against two bare epochs). ``pretrain_epochs="auto"``
  gives the image CNN (``encoder="conv2d"``) enough such epochs for 500
  steps, at most ``max_epochs_``, so such a CNN fit here, capped at one
  epoch, is this row;
- ``reset_interval=1``: two epochs with one soft reset between them (against
  two bare epochs);
- ``n_neighbors=10``: one epoch on pairs of a sample and a neighbour (each
  step encodes both), with the neighbour search over the data first. On
  images and other samples of more than 50 values this is what
  ``n_neighbors="auto"`` does.

With the default MLP, one more row: the whole default fit
(``max_epochs="auto"``: 10 epochs on 20,000 images; on digits up to 63,
stopping once the labels settle), what a user pays (with
``n_neighbors="auto"``: pairs on both data sets, 64 and 784 values a
sample), against a bare loop of the same encoder work: as many epochs as
the fit made (its ``n_iter_``), each step encoding the batch and as many
other rows (the pairs' second members). A bare loop of several epochs runs
its one inference pass once, as ``fit`` does.

Everything runs on one torch thread (the thread count ``n_threads="auto"``
gives all these encoders), so that the bare loops and the fits do the same
work on the same threads. ``--data`` keeps the data sets whose name
contains one of the given words (``--data digits``).
"""

import time
import warnings

import numpy as np
import torch

from _common import datasets, dump, parser, table
from hardclust import OnlineHardClustering
from hardclust.encoders import make_encoder


def bare_loop(X, encoder, latent_dim, batch_size, lr, seed, epochs=1, pairs=False):
    """``epochs`` epochs of the same encoder on a regression loss, then one
    inference pass; with ``pairs`` each step encodes its batch and as many
    other rows drawn at random, as a step on neighbour pairs does."""
    start = time.perf_counter()
    generator = torch.Generator().manual_seed(seed)
    X = torch.from_numpy(X)
    encoder = make_encoder(encoder, tuple(X.shape[1:]), latent_dim)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=lr)
    targets = torch.randn(len(X), latent_dim, generator=generator)
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        views = torch.randint(len(X), (len(X),), generator=generator)
        for batch, view in zip(order.split(batch_size), views.split(batch_size)):
            optimizer.zero_grad()
            if pairs:
                batch = torch.cat([batch, view])
            loss = ((encoder(X[batch]) - targets[batch]) ** 2).mean()
            loss.backward()
            optimizer.step()
    encoder.eval()
    with torch.no_grad():
        for chunk in X.split(batch_size):
            encoder(chunk)
    return time.perf_counter() - start


# label, parameters, epochs of the bare loop the row is compared with
OPTIONS = [
    ("reconstruction=1.0", {"reconstruction": 1.0}, 1),
    ("pretrain_epochs=1", {"pretrain_epochs": 1}, 2),
    ("reset_interval=1", {"reset_interval": 1, "max_epochs": 2}, 2),
    ("n_neighbors=10", {"n_neighbors": 10}, 1),
]


def hardclust_fit(X, seed, **params):
    """Seconds of one ``fit`` (one epoch unless ``params`` say otherwise),
    and the epochs it made."""
    params = {"max_epochs": 1, "pretrain_epochs": 0, "n_neighbors": 0, **params}
    model = OnlineHardClustering(n_clusters=10, random_state=seed, **params)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    return time.perf_counter() - start, model.n_iter_


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--fashion-n", type=int, default=20_000)
    p.add_argument("--data", nargs="+", help="only the data sets whose name has one of these")
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    data = [triple for triple in datasets(args.fashion_n)
            if not args.data or any(word in triple[0] for word in args.data)]
    defaults = OnlineHardClustering()
    hardclust_fit(data[0][1], 0, init="random")  # compile the assignment kernel

    rows = []
    for name, X, encoder in data:
        # the learning rate lr="auto" resolves to for this encoder
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lr = OnlineHardClustering(n_clusters=10, encoder=encoder,
                                      max_epochs=1).fit(X[:500]).lr_
        runs = [("random", {"init": "random"}, 1), ("k-means", {"init": "k-means"}, 1),
                ("graph", {"init": "graph"}, 1),
                *((label, params, epochs) for label, params, epochs in OPTIONS)]
        times = {label: [] for label, _, _ in runs}
        bare = {epochs: [] for _, _, epochs in runs}
        whole, whole_bare, whole_epochs = [], [], []
        for r in range(args.repeats):
            for epochs in bare:
                bare[epochs].append(bare_loop(X, encoder, defaults.latent_dim,
                                              defaults.batch_size, lr, r, epochs))
            for label, params, _ in runs:
                times[label].append(hardclust_fit(X, r, encoder=encoder, **params)[0])
            if encoder == "auto":  # the whole default fit, then its bare twin
                seconds, epochs = hardclust_fit(X, r, max_epochs="auto", n_neighbors="auto")
                whole.append(seconds)
                whole_epochs.append(epochs)
                whole_bare.append(bare_loop(X, encoder, defaults.latent_dim,
                                            defaults.batch_size, lr, r, epochs, pairs=True))
        for label, _, epochs in runs:
            t, b = float(np.median(times[label])), float(np.median(bare[epochs]))
            rows.append({"data": name, "run": label, "epochs": epochs, "bare_s": b,
                         "fit_s": t, "ratio": t / b})
        if whole:
            ratios = np.array(whole) / np.array(whole_bare)
            rows.append({"data": name, "run": "default fit",
                         "epochs": int(np.median(whole_epochs)),
                         "bare_s": float(np.median(whole_bare)),
                         "fit_s": float(np.median(whole)), "ratio": float(np.median(ratios))})
    table(rows, ["data", "run", "epochs", "bare_s", "fit_s", "ratio"])
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

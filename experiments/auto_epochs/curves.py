"""Per-epoch label changes and accuracy of default fits, for choosing a
stopping rule for ``max_epochs="auto"``.

For each data set and seed, one default fit without the early stop
(``max_epochs`` set to the passes ``"auto"`` makes at most, one torch
thread) records after every epoch: the fraction of the training
samples whose nearest centroid changed since the previous epoch, the
epoch's training loss, and the ACC / ARI of those labels against the
classes (labels are read only to score, never to train). A rule is then
replayed on the curves (``rules.py``)::

    python experiments/auto_epochs/curves.py --datasets wine iris --seeds 3 \
        --json experiments/auto_epochs/curves.json
"""

import argparse
import json
import time
import warnings

import numpy as np
import torch
from skorch.callbacks import Callback
from sklearn.metrics import adjusted_rand_score

from hardclust import OnlineHardClustering
from hardclust._net import eval_mode
from hardclust.benchmark import DATASETS
from hardclust.metrics import cluster_accuracy

RECORD = []


class Curve(Callback):
    def on_train_begin(self, net, X=None, **kwargs):
        self.X, self.previous = X.X, None

    def on_epoch_end(self, net, **kwargs):
        module = net.module_
        with eval_mode(module):
            labels = module.head(module.encoder(self.X), "labels").numpy()
        changed = None if self.previous is None else float(np.mean(labels != self.previous))
        self.previous = labels
        RECORD.append({"changed": changed, "loss": float(net.history[-1, "train_loss"]),
                       "labels": labels})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--datasets", nargs="+")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--json")
    args = p.parse_args()
    torch.set_num_threads(1)
    out = []
    for name in args.datasets:
        X, _, y = DATASETS[name]()
        for seed in range(args.seeds):
            RECORD.clear()
            # the passes "auto" makes at most, as an int: the fit without early stop
            passes = max(10, -(-500 // -(-len(X) // 256)))
            model = OnlineHardClustering(n_clusters=len(np.unique(y)), random_state=seed,
                                         max_epochs=passes, callbacks=[Curve()])
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X)
            secs = time.perf_counter() - t
            epochs = [{"changed": r["changed"], "loss": r["loss"],
                       "acc": float(cluster_accuracy(y, r["labels"])),
                       "ari": float(adjusted_rand_score(y, r["labels"]))} for r in RECORD]
            out.append({"data": name, "n": len(X), "seed": seed, "seconds": secs,
                        "epochs": epochs})
            last = epochs[-1]
            print(f"{name} seed {seed}: {len(epochs)} epochs, {secs:.1f} s, final ACC "
                  f"{last['acc']:.3f}; changed at 10/20/50: "
                  + " ".join(f"{epochs[e]['changed']:.4f}" for e in (9, 19, 49)
                             if e < len(epochs)), flush=True)
            if args.json:  # after every run, so that a long run can be cut short
                with open(args.json, "w") as f:
                    json.dump(out, f)


if __name__ == "__main__":
    main()

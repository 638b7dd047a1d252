"""Train one model across processes, and check it against one process.

Run it with ``torchrun``; every process runs this whole script::

    torchrun --nproc_per_node 2 examples/distributed.py [--assignment local] [--seed 0]

Each process loads all of the digits and trains the same model inside
``hardclust.distributed.data_parallel()``: every mini-batch of
``batch_size`` rows is split between the processes, labelled as a whole and
the gradients summed. Then:

1. every process checks that the ranks hold bit-identical parameters;
2. rank 0 saves the model once and loads it back as one process would;
3. rank 0 trains the single-process model with the same ``batch_size`` and
   ``random_state``, and prints the agreement (ARI) between the two models'
   clusters, each one's ARI against the digit labels and the seconds per
   optimisation step of each.

The script exits with status 1 when the ranks' parameters differ or the
loaded model predicts differently. Run without ``torchrun`` it trains as one
process (``data_parallel`` changes nothing then) and compares it with itself.
"""

import argparse
import os
import tempfile

import numpy as np
import torch
from sklearn.metrics import adjusted_rand_score

from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits
from hardclust.distributed import data_parallel


def timed_fit(model, X):
    """Fit ``model`` on X; return the seconds per optimisation step.

    From the history's epoch durations: the training passes only, not the
    start or the neighbour search, and not the first epoch when there are
    more (its first step loads the compiled assignment and opens the
    processes' connections).
    """
    model.fit(X)
    skip = 1 if len(model.history_) > 1 else 0
    seconds = model.history_[:, "dur"][skip:]
    return sum(seconds) / sum(model.history_[:, "train_batch_count"][skip:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", choices=["global", "local"], default="global",
                        help="label each global batch as one process would, or each "
                        "process's slice on its own")
    parser.add_argument("--seed", type=int, default=0, help="random_state of both models")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="passes over the digits (default: the estimator's 'auto')")
    parser.add_argument("--smoke", action="store_true",
                        help="2 passes over 500 digits (for the tests)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.max_epochs = 2
    X, y = load_digits()
    if args.smoke:
        X, y = X[:500], y[:500]
    settings = dict(n_clusters=10, random_state=args.seed, device="cpu",
                    max_epochs=args.max_epochs or "auto")

    with data_parallel(assignment=args.assignment) as group:
        model = OnlineHardClustering(**settings)
        parallel_step = timed_fit(model, X)
        same = group.same_parameters(model)
    if group.rank != 0:
        return None

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pt")
        model.save(path)
        loaded = OnlineHardClustering.load(path, device="cpu")
    labels = model.predict(X)
    loads_back = bool(np.array_equal(loaded.predict(X), labels))

    single = OnlineHardClustering(**settings)
    single_step = timed_fit(single, X)
    report = {
        "world_size": group.world_size,
        "assignment": args.assignment,
        "same_parameters": same,
        "loads_back": loads_back,
        "ARI_vs_single": adjusted_rand_score(single.predict(X), labels),
        "ARI_truth": adjusted_rand_score(y, labels),
        "ARI_truth_single": adjusted_rand_score(y, single.predict(X)),
        "step_ms": 1000 * parallel_step,
        "step_ms_single": 1000 * single_step,
        "threads": torch.get_num_threads(),
    }
    print(f"{group.world_size} processes, assignment={args.assignment!r}, "
          f"seed {args.seed}, {model.n_steps_} steps")
    print(f"  ranks' parameters identical: {same}; saved model loads back: {loads_back}")
    print(f"  ARI against the single-process model: {report['ARI_vs_single']:.4f}")
    print(f"  ARI against the digit labels: {report['ARI_truth']:.4f} "
          f"(single process {report['ARI_truth_single']:.4f})")
    print(f"  ms per step after the first epoch: {report['step_ms']:.1f} "
          f"({group.world_size} processes) "
          f"against {report['step_ms_single']:.1f} (one process), "
          f"{report['threads']} thread(s) each")
    if not (same and loads_back):
        raise SystemExit(1)
    return report


if __name__ == "__main__":
    main()

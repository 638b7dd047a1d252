"""combination_assign against the literal O(B^2 K) procedure.

Times one call of each on random float32 cost tables (what training feeds
it), checks that both return the same labels, and prints the speed-up::

    python benchmarks/bench_assignment.py [--json out.json]

The literal reference (``combination_assign_literal``) vectorises each of its
B scans with numpy; only its outer loop is Python. Times are the best of
several repeats (``timeit``), after a warm-up call that compiles the kernel.
"""

import argparse
import json
import platform
import timeit

import numpy as np
import torch

from hardclust import combination_assign
from hardclust.assignment import combination_assign_literal

SIZES = [(256, 10), (1024, 100), (4096, 10), (256, 1000)]


def best_time(fn, budget=1.0, repeat=5):
    """Best seconds per call over ``repeat`` rounds of about ``budget / repeat`` s."""
    once = timeit.timeit(fn, number=1)
    number = max(1, int(budget / repeat / max(once, 1e-6)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    combination_assign(np.zeros((2, 2)))  # compile (cached on disk afterwards)
    rows = []
    print(f"{'B':>6} {'K':>6} {'fast ms':>10} {'literal ms':>11} {'speed-up':>9}  same labels")
    for n_points, n_clusters in SIZES:
        costs = rng.normal(size=(n_points, n_clusters)).astype(np.float32)
        same = bool(np.array_equal(combination_assign(costs),
                                   combination_assign_literal(costs)))
        fast = best_time(lambda: combination_assign(costs))
        literal = best_time(lambda: combination_assign_literal(costs), budget=3.0, repeat=3)
        rows.append({"B": n_points, "K": n_clusters, "fast_s": fast,
                     "literal_s": literal, "speedup": literal / fast, "same": same})
        print(f"{n_points:6d} {n_clusters:6d} {fast * 1e3:10.3f} {literal * 1e3:11.2f} "
              f"{literal / fast:8.1f}x  {same}")
    meta = {"machine": platform.processor() or platform.machine(),
            "torch_threads": torch.get_num_threads(), "numpy": np.__version__}
    print(f"\n{meta}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=2)
    return rows


if __name__ == "__main__":
    main()

"""What data-parallel training adds to each step, and what the global assignment costs.

Run under torchrun (every process runs it; rank 0 prints)::

    torchrun --nproc_per_node 2 benchmarks/bench_distributed.py [--json out.json]

For a global batch of B rows and K clusters, times (best of several rounds,
milliseconds per call, on the processes' backend: gloo on the CPU, NCCL on
GPUs):

- ``gather``: the ``all_gather`` of each process's (B / world, K) costs that
  ``assignment="global"`` makes per step (``_gather_rows``);
- ``assign B`` and ``assign B/world``: ``combination_assign`` on the whole
  batch (``"global"``: every process runs it) and on one slice (``"local"``);
- ``grads``: the ``all_reduce`` of all gradients of the default MLP encoder
  (and centroids) for digits' 64 features, made per step either way.

So ``"global"`` costs ``gather + assign B`` per step where ``"local"`` costs
``assign B/world``; both pay ``grads``.
"""

import timeit

import numpy as np
import torch
import torch.distributed as dist

from _common import dump, parser, table
from hardclust import combination_assign
from hardclust.distributed import _gather_rows, _sum_gradients, data_parallel, split_sizes
from hardclust.encoders import make_encoder

SIZES = [(256, 10), (1024, 10), (1024, 100)]


def best_ms(fn, number, repeat=5):
    """Best milliseconds per call; every process runs the same rounds."""
    fn()
    dist.barrier()
    return 1000 * min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    rows = []
    with data_parallel() as group:
        rng = np.random.default_rng(group.rank)
        encoder = make_encoder("mlp", (64,), 128)
        params = [*encoder.parameters(), torch.nn.Parameter(torch.zeros(10, 128))]
        for p in params:
            p.grad = torch.ones_like(p)
        n_values = sum(p.numel() for p in params)
        grads = best_ms(lambda: _sum_gradients(params), number=50)
        for n_rows, n_clusters in SIZES:
            sizes = split_sizes(n_rows, group.world_size)
            local = torch.from_numpy(
                rng.normal(size=(sizes[group.rank], n_clusters)).astype(np.float32))
            whole = torch.from_numpy(rng.normal(size=(n_rows, n_clusters)).astype(np.float32))
            rows.append({
                "world": group.world_size, "B": n_rows, "K": n_clusters,
                "gather_ms": best_ms(lambda: _gather_rows(local, sizes, group.rank), 50),
                "assign_B_ms": best_ms(lambda: combination_assign(whole), 20),
                "assign_slice_ms": best_ms(lambda: combination_assign(local), 20),
                "grads_ms": grads, "grad_values": n_values,
            })
    if group.rank == 0:
        table(rows, ["world", "B", "K", "gather_ms", "assign_B_ms", "assign_slice_ms",
                     "grads_ms", "grad_values"])
        dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

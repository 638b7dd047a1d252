"""Threads: a default fit with hardclust's thread policy, with torch's own
threads, and pinned to one core; idle or beside CPU-bound processes.

Each run is a fresh process that fits ``OnlineHardClustering(n_clusters=10,
random_state=0)`` on the digits and prints the seconds of ``fit``. The
variants, interleaved (A B C A B C ...) so that all see the same machine,
medians reported::

- ``auto``: the default, ``n_threads="auto"`` (one torch thread for this
  encoder);
- ``torch``: ``n_threads=None``, torch's own intra-op threads (one per
  core), as hardclust ran before the policy;
- ``pinned``: ``n_threads=None`` under ``taskset -c 0`` with
  ``OMP_NUM_THREADS=1``: the whole process on one core.

``--load N`` starts N busy-looping Python processes beside the fits (and
stops them at the end); ``--max-epochs 10`` shortens the fits; a fit that
runs past ``--timeout`` seconds is stopped and counted as that long (a
lower bound)::

    python benchmarks/bench_threads.py --repeats 3 --load 4 --json threads_load.json
    python benchmarks/bench_threads.py --repeats 3 --json threads_idle.json

``--large`` instead times one-epoch fits (``max_epochs=1``, single samples,
``init="random"``) of the larger encoders on Fashion-MNIST images, one
against two torch threads (``n_threads=1`` and ``n_threads=2``), in one
process, interleaved::

    python benchmarks/bench_threads.py --large --repeats 3 --fashion-n 20000

``--steps`` times bare training steps (forward, backward, Adam; random
data) of each named encoder on one and on two torch threads, interleaved,
in ms a step, with each step's forward floating-point operations (what
``n_threads="auto"`` reads)::

    python benchmarks/bench_threads.py --steps --repeats 4

``--search`` times the neighbour search of the training pairs
(``hardclust._neighbors.input_neighbors``, 10 neighbours) over the first
``--fashion-n`` Fashion-MNIST images on one and on two OpenMP threads,
interleaved, and says whether both found the same neighbours::

    python benchmarks/bench_threads.py --search --repeats 2 --fashion-n 70000
"""

import os
import subprocess
import sys
import time
import warnings

import numpy as np

from _common import dump, parser, table

FIT = """
import sys, time, warnings
from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits
X = load_digits()[0]
n_threads = None if sys.argv[1] == "None" else sys.argv[1]
max_epochs = sys.argv[2] if sys.argv[2] == "auto" else int(sys.argv[2])
model = OnlineHardClustering(n_clusters=10, random_state=0, n_threads=n_threads,
                             max_epochs=max_epochs)
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model.fit(X)
print(time.perf_counter() - start, model.n_iter_)
"""

VARIANTS = {
    "auto": ([], {}, "auto"),
    "torch": ([], {}, "None"),
    "pinned": (["taskset", "-c", "0"], {"OMP_NUM_THREADS": "1"}, "None"),
}


def fit_seconds(variant, max_epochs, timeout):
    """Seconds of the variant's fit, and its passes; (timeout, None) when it
    ran past ``timeout`` seconds (stopped there: a lower bound)."""
    prefix, env, n_threads = VARIANTS[variant]
    try:
        out = subprocess.run([*prefix, sys.executable, "-c", FIT, n_threads, max_epochs],
                             check=True, capture_output=True, text=True, timeout=timeout,
                             env={**os.environ, **env})
    except subprocess.TimeoutExpired:
        return float(timeout), None
    seconds, n_iter = out.stdout.split()
    return float(seconds), int(n_iter)


def busy_processes(n):
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def compare_variants(repeats, load, max_epochs, timeout):
    busy = busy_processes(load)
    try:
        times = {variant: [] for variant in VARIANTS}
        for r in range(repeats):
            order = list(VARIANTS) if r % 2 == 0 else list(VARIANTS)[::-1]
            for variant in order:
                seconds, n_iter = fit_seconds(variant, max_epochs, timeout)
                times[variant].append(seconds)
                print(f"repeat {r} {variant}: {seconds:.2f} s ({n_iter} passes)", flush=True)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    pinned = float(np.median(times["pinned"]))
    return [{"load": load, "max_epochs": max_epochs, "variant": variant,
             "median_s": float(np.median(t)),
             "vs_pinned": float(np.median(t)) / pinned, "runs_s": [round(x, 2) for x in t]}
            for variant, t in times.items()]


def compare_large(repeats, fashion_n):
    from hardclust import OnlineHardClustering
    from hardclust.datasets import load_fashion_mnist

    images = load_fashion_mnist()[0][:fashion_n]
    times = {}
    for r in range(repeats):
        for encoder in ("auto", "conv2d"):
            for n_threads in ((1, 2) if r % 2 == 0 else (2, 1)):
                model = OnlineHardClustering(n_clusters=10, encoder=encoder, max_epochs=1,
                                             n_neighbors=0, init="random", random_state=r,
                                             n_threads=n_threads)
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(images)
                seconds = time.perf_counter() - start
                times.setdefault((encoder, n_threads), []).append(seconds)
                print(f"repeat {r} {encoder} {n_threads} threads: {seconds:.2f} s", flush=True)
    return [{"data": f"fashion-mnist {fashion_n}",
             "encoder": "mlp" if encoder == "auto" else encoder, "threads": n_threads,
             "median_s": float(np.median(t)), "runs_s": [round(x, 2) for x in t]}
            for (encoder, n_threads), t in times.items()]


def compare_search(repeats, fashion_n):
    import torch

    from hardclust._neighbors import input_neighbors
    from hardclust._threads import limit_threads
    from hardclust.datasets import load_fashion_mnist

    X = torch.from_numpy(load_fashion_mnist()[0][:fashion_n].reshape(fashion_n, -1))
    times, found = {}, {}
    for r in range(repeats):
        for threads in ((1, 2) if r % 2 == 0 else (2, 1)):
            # the fit's setting: everything on one thread but the search
            with limit_threads(1, blas=True):
                start = time.perf_counter()
                found[threads] = input_neighbors(X, 10, np.random.RandomState(0),
                                                 threads=threads).numpy()
                seconds = time.perf_counter() - start
            times.setdefault(threads, []).append(seconds)
            print(f"repeat {r} search on {threads} threads: {seconds:.2f} s", flush=True)
    same = bool(np.array_equal(found[1], found[2]))
    return [{"data": f"fashion-mnist {fashion_n}", "threads": threads,
             "median_s": float(np.median(t)), "same_neighbors": same,
             "runs_s": [round(x, 2) for x in t]} for threads, t in times.items()]


STEP_CASES = [  # sample shape, encoder, rows a step (pairs of 256: 512)
    ((13,), "mlp", 256), ((64,), "mlp", 512), ((784,), "mlp", 512),
    ((1, 275), "conv1d", 512), ((1, 28, 28), "conv2d", 512),
]


def compare_steps(repeats, steps=10):
    import torch

    from hardclust._threads import encoder_flops
    from hardclust.encoders import make_encoder

    generator = torch.Generator().manual_seed(0)
    times = {}
    for r in range(repeats):
        for shape, encoder, rows in STEP_CASES:
            module = make_encoder(encoder, shape, 128)
            optimizer = torch.optim.Adam(module.parameters(), 1e-3)
            X = torch.randn(rows, *shape, generator=generator)
            for threads in ((1, 2) if r % 2 == 0 else (2, 1)):
                torch.set_num_threads(threads)
                for i in range(steps + 2):  # two warm-up steps
                    if i == 2:
                        start = time.perf_counter()
                    optimizer.zero_grad()
                    module(X).pow(2).mean().backward()
                    optimizer.step()
                ms = (time.perf_counter() - start) / steps * 1000
                times.setdefault((shape, encoder, rows, threads), []).append(ms)
                print(f"repeat {r} {encoder} {shape} {threads} threads: {ms:.1f} ms", flush=True)
    return [{"encoder": encoder, "sample": "x".join(map(str, shape)), "rows": rows,
             "step_flops": encoder_flops(encoder, shape, 128) * rows, "threads": threads,
             "median_ms": float(np.median(t)), "runs_ms": [round(x, 1) for x in t]}
            for (shape, encoder, rows, threads), t in times.items()]


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--load", type=int, default=0, help="busy processes beside the fits")
    p.add_argument("--large", action="store_true")
    p.add_argument("--steps", action="store_true")
    p.add_argument("--search", action="store_true")
    p.add_argument("--fashion-n", type=int, default=20_000)
    p.add_argument("--max-epochs", default="auto", help="of the digits fits (default: auto)")
    p.add_argument("--timeout", type=float, default=600,
                   help="stop a fit after this many seconds and count it as that many")
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    if args.steps:
        rows = compare_steps(args.repeats)
        table(rows, ["encoder", "sample", "rows", "step_flops", "threads", "median_ms",
                     "runs_ms"])
    elif args.search:
        rows = compare_search(args.repeats, args.fashion_n)
        table(rows, ["data", "threads", "median_s", "same_neighbors", "runs_s"])
    elif args.large:
        rows = compare_large(args.repeats, args.fashion_n)
        table(rows, ["data", "encoder", "threads", "median_s", "runs_s"])
    else:
        rows = compare_variants(args.repeats, args.load, args.max_epochs, args.timeout)
        table(rows, ["load", "max_epochs", "variant", "median_s", "vs_pinned", "runs_s"])
    print(f"load average before: {load_before[0]:.1f}, after: {os.getloadavg()[0]:.1f}")
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

"""Streaming: partial_fit over 1,000,000 samples read from a numpy.memmap.

Writes a (n, 64) float32 memmap of Gaussian blobs to a temporary file, then
feeds it to ``partial_fit`` in chunks, recording peak RSS (``ru_maxrss``)
after the first chunk and at the end, and throughput. Peak RSS counts the
pages of the memory-mapped file read so far (clean, file-backed: the
kernel drops them under pressure), so the anonymous memory (``RssAnon`` of
``/proc/self/status``, Linux; what the process itself allocated) is also
read after every call, its largest value reported::

    python benchmarks/bench_streaming.py [--n 1000000] [--chunk 10000] [--init k-means] [--json out.json]
"""

import os
import resource
import tempfile
import time
import warnings

import numpy as np

from _common import dump, parser, table
from hardclust import OnlineHardClustering


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def anon_rss_mb():
    """RssAnon of this process in MB (None where /proc is not Linux's)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--chunk", type=int, default=10_000)
    p.add_argument("--init", default="graph", help="the model's init (default: the default)")
    args = p.parse_args(argv)

    rng = np.random.default_rng(0)
    centers = rng.normal(0, 3, size=(10, 64)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "stream.f32")
        data = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                         shape=(args.n, 64))
        for start in range(0, args.n, 100_000):
            stop = min(start + 100_000, args.n)
            data[start:stop] = centers[rng.integers(0, 10, stop - start)]
            data[start:stop] += rng.normal(size=(stop - start, 64)).astype(np.float32)
        data.flush()
        del data
        stream = np.load(path, mmap_mode="r")

        model = OnlineHardClustering(n_clusters=10, init=args.init, random_state=0)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(stream[:args.chunk])
            rss_first, anon_first = peak_rss_mb(), anon_rss_mb()
            anon_peak = anon_first
            for lo in range(args.chunk, args.n, args.chunk):
                model.partial_fit(stream[lo:lo + args.chunk])
                anon = anon_rss_mb()
                anon_peak = None if anon is None else max(anon_peak, anon)
        seconds = time.perf_counter() - start
        rss_end = peak_rss_mb()
    rows = [{"init": args.init, "samples": args.n, "chunk": args.chunk, "chunks": model.n_iter_,
             "seconds": seconds, "samples_per_s": args.n / seconds,
             "rss_first_mb": rss_first, "rss_end_mb": rss_end,
             "growth_mb": rss_end - rss_first, "anon_first_mb": anon_first,
             "anon_peak_mb": anon_peak,
             "anon_growth_mb": None if anon_peak is None else anon_peak - anon_first}]
    table(rows, list(rows[0]))
    dump(args.json, rows)
    return rows


if __name__ == "__main__":
    main()

"""GPU readiness: the CUDA path end to end, CPU/GPU agreement, and an epoch on each.

    python benchmarks/gpu_check.py [--fashion-n 20000] [--json out.json]

With CUDA, on ``device="cuda"``: ``fit``, ``partial_fit``, ``predict``,
``predict_proba`` (its argmax against ``predict``), ``transform``; a
pickle round trip on the GPU and one loaded as on a CPU-only machine
(``torch.cuda.is_available`` patched to False), which must train on after
``set_params(device="cpu")``; ``save``/``load`` on the GPU and to the CPU;
a device change between ``partial_fit`` calls (GPU -> CPU -> GPU). Then:

- agreement: the same weights predict on the CPU and on the GPU (share of
  equal labels, largest embedding difference), and two fits of one seed,
  one per device (adjusted Rand index between their labels: float
  arithmetic differs between devices, so the two runs drift apart);
- synchronisations: ``torch.cuda.set_sync_debug_mode("warn")`` over one
  epoch, per training step (the design says at most two: the costs to the
  host for the assignment, and the loss skorch reads);
- time: one ``partial_fit`` epoch over Fashion-MNIST (``--fashion-n``
  images, the default MLP and pairs) or, when it is not installed, over
  digits, on the CPU and on the GPU (median of 3, after one untimed call).

Without CUDA it says so, skips the CUDA parts and times the CPU epoch. The
exit status is 1 when a check fails. The machine's load shows in the
times: compare the two devices within one run.
"""

import contextlib
import copy
import os
import pickle
import statistics
import sys
import tempfile
import time
import warnings
from unittest import mock

import numpy as np
import torch
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, os.path.dirname(__file__))
from _common import dump, environment, parser  # noqa: E402

from hardclust import OnlineHardClustering  # noqa: E402
from hardclust.datasets import load_digits, load_fashion_mnist  # noqa: E402

FAILURES = []


def check(name, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{'  ' + detail if detail else ''}")
    if not ok:
        FAILURES.append(name)


def data(fashion_n):
    try:
        return f"fashion-mnist {fashion_n}", load_fashion_mnist()[0][:fashion_n]
    except FileNotFoundError as exc:
        print(f"Fashion-MNIST not found ({exc}); timing digits instead.")
        return "digits", load_digits()[0]


def model(device, **params):
    return OnlineHardClustering(n_clusters=10, device=device, random_state=0,
                                **{"max_epochs": 2, **params})


def on_device(fitted, kind):
    return fitted.device_.type == kind and all(
        p.device.type == kind for p in fitted._net.module_.parameters())


@contextlib.contextmanager
def cpu_only_machine():
    """Unpickling as on a machine without CUDA."""
    with mock.patch.object(torch.cuda, "is_available", lambda: False), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch's DeviceWarning: expected here
        yield


def cuda_checks(X):
    print("CUDA path:")
    first, rest = X[: len(X) // 2], X[len(X) // 2:]
    fitted = model("cuda").fit(first)
    check("fit puts the model on the GPU", on_device(fitted, "cuda"))
    fitted.partial_fit(rest)
    check("partial_fit", fitted.n_iter_ == 3 and on_device(fitted, "cuda"))
    labels = fitted.predict(X)
    proba = fitted.predict_proba(X)
    check("predict / predict_proba", labels.shape == (len(X),) and np.allclose(proba.sum(1), 1),
          f"argmax(proba) == predict on {np.mean(proba.argmax(1) == labels):.4f} of rows")
    check("transform", fitted.transform(X).shape == (len(X), fitted.latent_dim))
    blob = pickle.dumps(fitted)
    again = pickle.loads(blob)
    check("pickle round trip on the GPU", on_device(again, "cuda")
          and np.array_equal(again.predict(X), labels))
    with cpu_only_machine():
        on_cpu = pickle.loads(blob)
    check("pickle loaded on a CPU-only machine", on_device(on_cpu, "cpu"),
          f"labels equal to the GPU's on {np.mean(on_cpu.predict(X) == labels):.4f} of rows")
    on_cpu.set_params(device="cpu").partial_fit(rest)
    check("it trains on after set_params(device='cpu')", on_cpu.n_iter_ == 4)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pt")
        fitted.save(path)
        loaded = OnlineHardClustering.load(path, device="cuda")
        check("save/load on the GPU", np.array_equal(loaded.predict(X), labels))
        weights_on_cpu = OnlineHardClustering.load(path, device="cpu")
    moving = copy.deepcopy(fitted)
    moving.set_params(device="cpu").partial_fit(rest)
    ok = on_device(moving, "cpu")
    moving.set_params(device="cuda").partial_fit(rest)
    check("device change between partial_fit calls", ok and on_device(moving, "cuda"))
    return fitted, labels, weights_on_cpu


def agreement(X, fitted, labels, weights_on_cpu):
    print("CPU/GPU agreement:")
    cpu_labels = weights_on_cpu.predict(X)
    gap = np.abs(weights_on_cpu.transform(X) - fitted.transform(X)).max()
    share = float(np.mean(cpu_labels == labels))
    check("same weights, same labels", share >= 0.999,
          f"{share:.4f} of labels equal, largest embedding difference {gap:.2e}")
    ari = adjusted_rand_score(model("cpu").fit(X).labels_, model("cuda").fit(X).labels_)
    print(f"  two fits of one seed, one per device: ARI {ari:.3f} (informative)")
    return {"label_share": share, "embedding_gap": float(gap), "fit_ari": float(ari)}


def syncs_per_step(X):
    print("Synchronisations (torch.cuda.set_sync_debug_mode):")
    fitted = model("cuda", max_epochs=1).fit(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            samples = np.ascontiguousarray(X, dtype=np.float32)
            fitted._net.train_epochs(  # the training loop alone, no inference after
                torch.from_numpy(samples).reshape(len(X), *fitted._sample_shape), 1, seed=0)
        finally:
            torch.cuda.set_sync_debug_mode("default")
    steps = fitted._net.history[-1, "train_batch_count"]
    syncs = sum("synchroniz" in str(w.message).lower() for w in caught)
    check("at most two per step (plus the epoch's end)", syncs <= 2 * steps + 4,
          f"{syncs} over {steps} steps")
    return {"syncs": syncs, "steps": int(steps)}


def epoch_seconds(X, device, repeats=3):
    stream = model(device)
    stream.partial_fit(X)  # the start and warm-up, untimed
    times = []
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        stream.partial_fit(X)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    p = parser(__doc__)
    p.add_argument("--fashion-n", type=int, default=20_000)
    args = p.parse_args()
    env = environment()
    print(f"torch {env['torch']}, device {env['device']}, {env['cpu_count']} CPUs")
    name, X = data(args.fashion_n)
    result = {"data": name, "n": len(X)}
    if torch.cuda.is_available():
        fitted, labels, weights_on_cpu = cuda_checks(X)
        result["agreement"] = agreement(X, fitted, labels, weights_on_cpu)
        result["sync"] = syncs_per_step(X)
    else:
        print("CUDA is not available: skipped the CUDA checks, the CPU/GPU agreement, "
              "the sync count and the GPU timing; only the CPU epoch is timed.")
    print(f"One partial_fit epoch over {name} (median of 3):")
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        result[f"{device}_epoch_s"] = seconds = epoch_seconds(X, device)
        print(f"  {device:4s} {seconds:.3f} s")
    dump(args.json, [result])
    if FAILURES:
        print(f"FAILED: {', '.join(FAILURES)}")
        sys.exit(1)


if __name__ == "__main__":
    main()

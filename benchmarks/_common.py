"""Helpers shared by the speed benchmarks (not part of the package)."""

import argparse
import json

from hardclust.benchmark import format_columns
from hardclust.benchmark.harness import environment


def parser(doc):
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--json", help="also write the results to this file")
    return p


def datasets(fashion_n=20_000):
    """(name, X, encoder) triples: digits with the default MLP, and, when the
    data is installed (skipped with a message otherwise), Fashion-MNIST
    images with the default MLP and with the ``"conv2d"`` CNN (the default
    for images until 0.3)."""
    from hardclust.datasets import load_digits, load_fashion_mnist

    triples = [("digits (MLP)", load_digits()[0], "auto")]
    try:
        images = load_fashion_mnist()[0][:fashion_n]
        triples.append((f"fashion-mnist {fashion_n} (MLP)", images, "auto"))
        triples.append((f"fashion-mnist {fashion_n} (CNN)", images, "conv2d"))
    except FileNotFoundError as exc:
        print(f"skipping Fashion-MNIST: {exc}")
    return triples


def dump(path, rows):
    if path:
        with open(path, "w") as f:
            json.dump({"environment": environment(), "rows": rows}, f, indent=2)


def table(rows, columns):
    """Print rows (dicts) as a fixed-width table with the given columns."""
    print(format_columns(rows, columns))

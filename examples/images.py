"""Images: cluster Fashion-MNIST with the default encoder, and look at the clusters.

Uses Fashion-MNIST when its files are installed (``apt-get install
dataset-fashion-mnist``), otherwise the 8x8 digits. Saves four PNGs to
``--out`` (default ``docs/_static``): a montage of sample images per cluster,
the training history, cluster sizes and a 2-D map of the embedding::

    python examples/images.py [--n 20000] [--epochs 5] [--out DIR] [--smoke]
"""

import argparse
import os

from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits, load_fashion_mnist
from hardclust.metrics import clustering_report
from hardclust.plotting import plot_cluster_sizes, plot_embedding, plot_history, plot_montage


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="images to cluster")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default=os.path.join("docs", "_static"))
    parser.add_argument("--smoke", action="store_true", help="few images (for the tests)")
    args = parser.parse_args(argv)
    try:
        images, y = load_fashion_mnist()
        name = "fashion-mnist"
    except FileNotFoundError:
        images, y = load_digits(images=True)
        name = "digits"
    n = 600 if args.smoke else args.n
    images, y = images[:n], y[:n]
    model = OnlineHardClustering(n_clusters=10, max_epochs=1 if args.smoke else args.epochs,
                                 random_state=0).fit(images)
    report = clustering_report(y, model.labels_)
    print(f"{name}, {len(images)} images: ACC {report['ACC']:.3f} NMI {report['NMI']:.3f}")

    os.makedirs(args.out, exist_ok=True)
    paths = []
    figures = [
        ("montage", plot_montage(images, model.labels_)),
        ("history", plot_history(model)[0].figure),
        ("sizes", plot_cluster_sizes(model.labels_, 10).figure),
        ("embedding", plot_embedding(model, images, max_points=3000).figure),
    ]
    for kind, figure in figures:
        path = os.path.join(args.out, f"{name}_{kind}.png")
        figure.savefig(path, dpi=110)
        paths.append(path)
        print("wrote", path)
    return paths


if __name__ == "__main__":
    main()

"""Imbalanced clusters: tell the model with ``prior``.

Hard regularisation pushes each batch towards the prior's proportions
(uniform by default). On data whose clusters are imbalanced, a uniform prior
splits big clusters; the true proportions as ``prior`` keep them whole::

    python examples/imbalanced.py [--smoke]
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import make_blobs

from hardclust import OnlineHardClustering
from hardclust.metrics import clustering_report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few epochs (for the tests)")
    args = parser.parse_args(argv)
    sizes = [2400, 400, 200]  # 80% / 13% / 7%
    X, y = make_blobs(n_samples=sizes, n_features=8, cluster_std=1.0, random_state=0)
    proportions = np.array(sizes) / sum(sizes)
    epochs = 2 if args.smoke else 20
    reports = {}
    for name, prior in [("uniform prior", None), ("true proportions", proportions)]:
        model = OnlineHardClustering(n_clusters=3, prior=prior, max_epochs=epochs,
                                     random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = model.fit_predict(X)
        reports[name] = clustering_report(y, labels)
        print(f"{name:>17}: sizes {np.bincount(labels, minlength=3).tolist()}  "
              "ACC {ACC:.3f}  NMI {NMI:.3f}  KL* {KL*:.3f}".format(**reports[name]))
    return reports


if __name__ == "__main__":
    main()

"""One default Fashion-MNIST fit with LAYOUT_PASSES passes and seed SEED:
its cluster sizes after each epoch (``history_``, sorted), its final
scores and its confusion matrix against the classes (rows: classes,
columns: clusters)::

    python experiments/layout_choice/epoch_sizes.py 200 1
"""

import sys

from sklearn.metrics import confusion_matrix, normalized_mutual_info_score

from hardclust import OnlineHardClustering
from hardclust.benchmark import DATASETS
from hardclust.metrics import cluster_accuracy


def main(passes, seed):
    X, _, y = DATASETS["fashion-mnist"]()
    model = OnlineHardClustering(n_clusters=10, layout_passes=passes, random_state=seed).fit(X)
    for row in model.history_:
        print(row["epoch"], round(row["train_loss"], 4), sorted(row["cluster_sizes"]))
    labels = model.predict(X)
    print("final", cluster_accuracy(y, labels), normalized_mutual_info_score(y, labels))
    print(confusion_matrix(y, labels))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))

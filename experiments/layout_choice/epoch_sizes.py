"""One default Fashion-MNIST fit with LAYOUT_PASSES passes and seed SEED:
its cluster sizes after each epoch (``history_``), its final scores and
its confusion matrix against the classes (rows: classes, columns: clusters)::

    python experiments/layout_choice/epoch_sizes.py 200 1
"""
import sys, numpy as np
from hardclust import OnlineHardClustering
from hardclust.benchmark import DATASETS
from hardclust.metrics import cluster_accuracy
from sklearn.metrics import normalized_mutual_info_score as nmi, confusion_matrix
X,_,y=DATASETS["fashion-mnist"](); p=int(sys.argv[1]); s=int(sys.argv[2])
m=OnlineHardClustering(n_clusters=10, layout_passes=p, random_state=s).fit(X)
for h in m.history_:
    print(h["epoch"], round(h["train_loss"],4), sorted(h["cluster_sizes"]))
pr=m.predict(X); print("final", cluster_accuracy(y,pr), nmi(y,pr))
print(confusion_matrix(y, pr))

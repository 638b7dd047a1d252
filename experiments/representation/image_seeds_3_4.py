"""Seeds 3-4 of the suite's image-CNN sets, with ``pretrain_epochs=0`` (the
default) and ``"auto"``: the spread over five seeds, with seeds 0-2 from the
suite run and the ``"auto"`` screens (public API only, as the benchmark fits).

Run: ``python experiments/representation/image_seeds_3_4.py image_seeds_3_4.json``.
"""
import json, sys, time, warnings
import numpy as np
from hardclust import OnlineHardClustering
from hardclust.benchmark import DATASETS
from hardclust.metrics import clustering_report
warnings.simplefilter("ignore")
runs = []
for name in ("digits-images", "mnist-5k", "fashion-mnist"):
    X, _, y = DATASETS[name]()
    for seed in (3, 4):
        for p in (0, "auto"):
            t = time.perf_counter()
            m = OnlineHardClustering(len(np.unique(y)), encoder="conv2d", pretrain_epochs=p,
                                     random_state=seed).fit(X)  # the image default of 0.2
            r = clustering_report(y, m.labels_)
            runs.append({"dataset": name, "seed": seed, "pretrain_epochs": p, **{k: float(v) for k, v in r.items()}, "fit_s": time.perf_counter() - t})
            print(runs[-1], flush=True)
json.dump(runs, open(sys.argv[1] if len(sys.argv) > 1 else "image_seeds_3_4.json", "w"),
          indent=1)

"""Would the graph start find purer neighbours in an autoencoder's embedding than in the input (the n2d recipe's first step)?

Trains the default MLP encoder and decoder as an autoencoder
(``hardclust._initialization.pretrain_autoencoder``, the warm start of
``pretrain_epochs``) on a fixed sample of a data set, and after each
number of epochs given prints the purity of the 10 nearest neighbours and
the graph start's labels (``hardclust._graph.graph_labels``) in the
embedding, by distance and by angle, beside the input's (seed 0; labels
read only to score)::

    python experiments/autoencoder_graph/probe.py mnist-5k 5000 5 20 50
    python experiments/autoencoder_graph/probe.py fashion-mnist 10000 5 20
"""
import sys, time, numpy as np, torch
from sklearn.neighbors import NearestNeighbors
from hardclust import _graph
from hardclust._initialization import pretrain_autoencoder, balanced_kmeans, GRAPH_KMEANS_RUNS
from hardclust._neighbors import search_space, pair_space
from hardclust.encoders import make_encoder, make_decoder
from hardclust.metrics import clustering_report
from hardclust.benchmark.data import DATASETS
torch.set_num_threads(1)
name, n, epochs = sys.argv[1], int(sys.argv[2]), [int(e) for e in sys.argv[3:]]
X, _, y = DATASETS[name]()
X = np.asarray(X, dtype=np.float32)
rows = np.sort(np.random.RandomState(0).choice(len(X), min(n, len(X)), replace=False))
X, y = torch.from_numpy(X[rows]), y[rows]
k = len(np.unique(y)); prior = np.full(k, -np.log(k))
def report(tag, f):
    nb = NearestNeighbors(n_neighbors=10).fit(f).kneighbors(return_distance=False)
    lab = _graph.graph_labels(f, k, lambda p, r: balanced_kmeans(p, k, prior, r, runs=GRAPH_KMEANS_RUNS), np.random.RandomState(0))
    r = clustering_report(y, lab)
    print(f"{name} {tag}: purity {(y[nb] == y[:, None]).mean():.3f} graph ACC {r['ACC']:.3f} NMI {r['NMI']:.3f}", flush=True)
report("input", search_space(X))
report("input-angle", search_space(pair_space(X)))
torch.manual_seed(0)
shape = tuple(X.shape[1:])
enc = make_encoder("auto", shape, 128); dec = make_decoder("auto", shape, 128)
done = 0
for e in epochs:
    t = time.time()
    pretrain_autoencoder(enc, dec, X, epochs=e - done, optimizer=torch.optim.Adam, options={}, lr=1e-3, batch_size=256, device=torch.device("cpu"), rng=np.random.RandomState(e))
    done = e
    enc.eval()
    with torch.no_grad(): z = torch.cat([enc(c) for c in X.split(1024)]).numpy()
    enc.train()
    report(f"AE {e} epochs ({time.time()-t:.0f}s)", z)
    report(f"AE {e} epochs angle", z / np.linalg.norm(z, axis=1, keepdims=True))

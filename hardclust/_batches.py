"""Mini-batches of unlabelled samples, each with its neighbour's view.

skorch's ``fit_loop`` takes a dataset and an iterator class; these two are
the ones :class:`hardclust._net.ClusterNet` is built with.
"""

import torch

__all__ = ["ShuffledBatches", "TensorDataset"]


class TensorDataset(torch.utils.data.Dataset):
    """Unlabelled samples held in one CPU tensor of shape (n, *input_shape).

    ``neighbors`` (n, k), optional: row indices of each sample's nearest
    neighbours in X, from which :class:`ShuffledBatches` draws its views.
    ``pin_memory``: batches are gathered into page-locked memory, so that
    their copy to a CUDA device does not block the host.
    """

    def __init__(self, X, neighbors=None, pin_memory=False):
        self.X = X
        self.neighbors = neighbors
        self.pin_memory = pin_memory

    def __len__(self):
        return len(self.X)


class ShuffledBatches:
    """Mini-batches of a :class:`TensorDataset` by slicing, not collating.

    A ``DataLoader`` would fetch and stack ``batch_size`` samples one by one;
    one fancy-index per batch does the same work in a single copy. A last
    batch of a single sample is merged into the one before it: one sample
    carries no partition to regularise, and an encoder with BatchNorm cannot
    train on it.

    A batch is skorch's ``(X, y)`` pair with no target: ``X`` is the dict
    ``{"samples": X[rows]}``, plus ``"views": X[views]`` when the dataset
    has ``neighbors`` and ``shuffle`` is set: each sample with one of its
    neighbours, drawn from ``random_state`` at every pass.

    Parameters
    ----------
    dataset : TensorDataset
    batch_size : int
    shuffle : bool, default=False
        Draw a new permutation from ``random_state`` at every pass.
    random_state : numpy.random.RandomState, default=None
        Source of the permutations (shared with, and owned by, the estimator).
    """

    def __init__(self, dataset, batch_size, shuffle=False, random_state=None):
        self.X = dataset.X
        self.neighbors = dataset.neighbors
        self.pin_memory = dataset.pin_memory
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state

    def _bounds(self):
        n = len(self.X)
        bounds = [*range(0, n, self.batch_size), n]
        if len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
            del bounds[-2]
        return bounds

    def __len__(self):
        return len(self._bounds()) - 1

    def __iter__(self):
        bounds = self._bounds()
        order = views = None
        if self.shuffle:
            order = torch.from_numpy(self.random_state.permutation(len(self.X)))
            if self.neighbors is not None:
                picks = self.random_state.randint(self.neighbors.shape[1], size=len(self.X))
                views = self.neighbors[order, torch.from_numpy(picks)]
        for start, stop in zip(bounds, bounds[1:]):
            if order is None:
                yield {"samples": self._rows(slice(start, stop))}, None
            elif views is None:
                yield {"samples": self._rows(order[start:stop])}, None
            else:
                yield {"samples": self._rows(order[start:stop]),
                       "views": self._rows(views[start:stop])}, None

    def _rows(self, rows):
        """``X[rows]``, gathered straight into pinned memory when pinning."""
        if not self.pin_memory:
            return self.X[rows]
        if isinstance(rows, slice):
            return self.X[rows].pin_memory()
        out = torch.empty((len(rows), *self.X.shape[1:]), dtype=self.X.dtype, pin_memory=True)
        return torch.index_select(self.X, 0, rows, out=out)

"""When ``max_epochs="auto"`` stops: once the samples' clusters have settled.

The step floor of ``"auto"`` (500 optimisation steps) gives small data
hundreds of passes, and most of them change nothing: on a table of a few
hundred rows every sample keeps its nearest centroid after a few dozen
passes. As scikit-learn's ``KMeans`` stops on ``tol``, a fit then stops
once a pass has moved almost no sample to another cluster
(:class:`LabelsSettled`), checked on the whole training data after each
pass. The check reads the model in evaluation mode and draws no random
number, so a fit that does not stop early is the fit without the check.
"""

import numpy as np

from ._schedule import _AUTO_MIN_EPOCHS

__all__ = ["LabelsSettled", "stopping_rule"]

# Passes checked in a row that must each have changed at most tol of the
# labels: one pass of few changes can be a lull between two moves.
_PATIENCE = 2


class LabelsSettled:
    """Whether training may stop, asked after every pass.

    Parameters
    ----------
    labels : callable
        ``labels()`` returns the nearest centroid of every training sample
        under the model of the moment (ndarray or Tensor of shape (n,)).
    min_epochs : int
        Passes always made; labels are read from pass ``min_epochs - 2``
        on, so that a fit can stop after exactly ``min_epochs``.
    tol : float
        Stop after ``_PATIENCE`` passes in a row that each changed the
        label of at most this fraction of the samples.
    """

    def __init__(self, labels, min_epochs, tol):
        self.labels = labels
        self.min_epochs = min_epochs
        self.tol = tol
        self.epoch = 0
        self.previous = None
        self.calm = 0

    def __call__(self):
        """Count one pass; True when training may stop after it."""
        self.epoch += 1
        if self.epoch < self.min_epochs - _PATIENCE:
            return False
        labels = np.asarray(self.labels())
        if self.previous is not None:
            changed = np.count_nonzero(labels != self.previous) / len(labels)
            self.calm = self.calm + 1 if changed <= self.tol else 0
        self.previous = labels
        return self.epoch >= self.min_epochs and self.calm >= _PATIENCE


def stopping_rule(labels, *, max_epochs, planned_epochs, resets, pairs, tol):
    """The early stop of ``max_epochs="auto"`` (:class:`LabelsSettled` on
    ``labels``), or None: with an int ``max_epochs``, with resets (they
    keep their schedule), when ``"auto"`` plans its minimum of passes only
    (``planned_epochs``), and on pairs, whose labels pause and move again
    (stopping there cost the wide series sets accuracy)."""
    if max_epochs != "auto" or resets or planned_epochs <= _AUTO_MIN_EPOCHS or pairs:
        return None
    return LabelsSettled(labels, min_epochs=_AUTO_MIN_EPOCHS, tol=tol)

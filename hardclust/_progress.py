"""What ``verbose`` shows: skorch callbacks, quiet at ``verbose=0``.

- ``verbose=1``: :class:`FitProgress`, one progress bar over a whole
  ``fit`` (or ``partial_fit`` call) when the output is a terminal, and a
  summary line about ten times per call (every epoch when there are few),
  plain text either way; a stream of one-pass calls (``partial_fit``)
  prints at its passes 1, 2, 5, 10, 20, 50, 100, ...
- ``verbose=2``: :class:`EpochTable`, skorch's per-epoch table, without
  colour codes when the output is not a terminal.
"""

import re
import sys
import time

from skorch.callbacks import Callback, PrintLog
from tqdm.auto import tqdm

# Summary lines per call at verbose=1 (plus the last epoch's).
_SUMMARY_LINES = 10
# A stream's calls print at epochs m * 10**e for these m: a line count that
# grows with the log of the stream's length, at steps a reader can predict.
_STREAM_STEPS = (1, 2, 5)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _is_terminal(stream):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _stream_reports(epoch):
    """Whether a one-pass call ending at ``epoch`` (counted over the model's
    life, from 1) prints: ``epoch`` is 1, 2 or 5 times a power of ten."""
    while epoch >= 10 and epoch % 10 == 0:
        epoch //= 10
    return epoch in _STREAM_STEPS


class FitProgress(Callback):
    """One progress bar per training call and a summary line every few epochs.

    Active when the net's ``verbose == 1``. The bar (tqdm, cleared when
    done) is drawn only on a terminal; the summary lines give the epoch,
    the mean training loss, the clusters that were nobody's nearest
    centroid, and the time so far. A call of one planned epoch (a
    ``partial_fit`` call) prints only at the epochs of :func:`_stream_reports`,
    so that a stream of many calls prints a few lines, not one per call.

    Standard output is looked up when writing, never kept, so a model that
    trained verbosely pickles (and prints where ``sys.stdout`` points now).
    """

    def on_train_begin(self, net, X=None, planned_epochs=1, resume=False, **kwargs):
        """``planned_epochs`` of the whole call; ``resume``: this is the next
        segment of one ``fit`` (between resets), whose counters go on."""
        self.active_ = net.verbose == 1
        if not self.active_:
            return
        self.bar_ = None
        if not (resume and hasattr(self, "done_")):
            # a new call (not the next segment of one fit): counters restart
            self.epochs_ = planned_epochs
            self.every_ = max(1, -(-self.epochs_ // _SUMMARY_LINES))
            self.done_ = 0
            self.printed_ = None
            self.start_ = time.perf_counter()
        if _is_terminal(sys.stdout):
            batches = -(-len(X) // net.batch_size) if X is not None else None
            self.bar_ = tqdm(total=None if batches is None else batches * self.epochs_,
                             file=sys.stdout, leave=False, unit="batch")

    def on_batch_end(self, net, training=False, **kwargs):
        if self.active_ and training and self.bar_ is not None:
            self.bar_.update(1)

    def on_epoch_end(self, net, **kwargs):
        if not self.active_:
            return
        self.done_ += 1
        row = net.history[-1]
        if self.epochs_ == 1:  # a stream's call: its own pass, at a few of them
            if not _stream_reports(row["epoch"]):
                return
            progress = ""
        elif self.done_ % self.every_ and self.done_ != self.epochs_:
            return
        else:
            progress = f" ({self.done_}/{self.epochs_})"
        self._write(row, progress)

    def _write(self, row, progress, note=""):
        line = (f"epoch {row['epoch']:>4d}{progress}  "
                f"loss {row['train_loss']:.4f}  empty clusters {row.get('n_empty', 0)}  "
                f"{time.perf_counter() - self.start_:.1f}s{note}")
        self.printed_ = self.done_
        if self.bar_ is not None:
            self.bar_.write(line, file=sys.stdout)
        else:
            print(line, file=sys.stdout, flush=True)

    def on_train_end(self, net, stopped=False, **kwargs):
        """``stopped``: the fit ended before its planned epochs (the early
        stop of ``max_epochs="auto"``), whose last epoch is then reported."""
        if not getattr(self, "active_", False):
            return
        if stopped and self.epochs_ > 1 and getattr(self, "printed_", None) != self.done_:
            self._write(net.history[-1], f" ({self.done_}/{self.epochs_})", "  labels settled")
        if self.bar_ is not None:
            self.bar_.close()
            self.bar_ = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("bar_", None)  # a bar holds its stream; it lives within a call
        return state


class EpochTable(PrintLog):
    """skorch's per-epoch table, shown at ``verbose >= 2`` only.

    Colour codes are dropped when standard output is not a terminal, so
    logs and notebooks saved to files stay readable.
    """

    def on_epoch_end(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_epoch_end(net, **kwargs)

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not _is_terminal(sys.stdout):
            return _ANSI.sub("", text)
        return text

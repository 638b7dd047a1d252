"""How long ``fit`` trains: the rule of ``max_epochs="auto"``."""

__all__ = ["auto_max_epochs"]

# max_epochs="auto": at least this many epochs and optimisation steps.
_AUTO_MIN_EPOCHS = 10
_AUTO_MIN_STEPS = 500


def auto_max_epochs(max_epochs, n_batches):
    """``max_epochs`` with ``"auto"`` resolved: at least ``_AUTO_MIN_EPOCHS``
    passes and ``_AUTO_MIN_STEPS`` optimisation steps of ``n_batches`` each.
    An int is kept."""
    if max_epochs != "auto":
        return max_epochs
    return max(_AUTO_MIN_EPOCHS, -(-_AUTO_MIN_STEPS // n_batches))

"""The fitted state's lifecycle: a training call either completes or
leaves the model exactly as it was."""

import contextlib

__all__ = ["transaction"]


@contextlib.contextmanager
def transaction(obj, net=None, rng=None):
    """Restore ``obj``'s attributes exactly if the body raises (even Ctrl+C).

    Parameters
    ----------
    obj : object
        Its ``__dict__`` is copied (shallowly) and put back on failure.
    net : ClusterNet, default=None
        A net the body trains in place: snapshotted and restored as well.
    rng : numpy.random.RandomState, default=None
        A generator the body draws from (it may be the caller's, which a
        refit draws from too): its position is restored as well.
    """
    attributes = dict(obj.__dict__)
    rng_state = None if rng is None else rng.get_state()
    snapshot = None if net is None else net.snapshot()
    try:
        yield
    except BaseException:
        if snapshot is not None:
            net.restore(snapshot)
        if rng is not None:
            rng.set_state(rng_state)
        obj.__dict__.clear()
        obj.__dict__.update(attributes)
        raise

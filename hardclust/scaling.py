"""Former name of :mod:`hardclust.dask` (deprecated in 0.3.0, removed in 0.5)."""

import warnings

from .dask import partial_fit_blocks

__all__ = ["partial_fit_blocks"]

warnings.warn(
    "hardclust.scaling was renamed hardclust.dask in 0.3.0 and will be removed in "
    "0.5; import partial_fit_blocks from hardclust.dask.",
    FutureWarning,
    stacklevel=2,
)

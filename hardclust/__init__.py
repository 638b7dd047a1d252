"""hardclust: deep online clustering with hard regularisation.

scikit-learn-compatible deep clustering that trains an encoder and centroids
one mini-batch at a time and keeps from collapsing by combination assignment
(Mahon & Lukasiewicz, AAAI 2024), with no data augmentation.
"""

__version__ = "0.3.0.dev0"

from .assignment import combination_assign  # noqa: E402
from .estimator import OnlineHardClustering  # noqa: E402
from .exceptions import (  # noqa: E402
    ClusterCollapseWarning,
    HardclustVersionWarning,
    InputScaleWarning,
    SmallFirstChunkWarning,
)

__all__ = [
    "ClusterCollapseWarning",
    "HardclustVersionWarning",
    "InputScaleWarning",
    "OnlineHardClustering",
    "SmallFirstChunkWarning",
    "combination_assign",
    "__version__",
]

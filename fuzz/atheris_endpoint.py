#!/usr/bin/env python3
"""Coverage-guided fuzzing of the sans-IO IKE core with atheris (libFuzzer): ``Endpoint.receive`` in every state.

Not part of the test suite and not a project dependency. Run (see fuzz/README.md)::

    pip install atheris
    python fuzz/atheris_endpoint.py -max_total_time=3600 -max_len=4096 fuzz/corpus

Each input: byte 0 picks the target (initiator or responder), the state its SA is in (a real exchange is driven
there first, with deterministic seeds) and the local port (500 or 4500); the rest is the UDP payload. A crash is
any exception out of ``Endpoint.receive``, an effect of an unknown type, or an SA changed by a datagram the core
did not accept. ``--seeds DIR`` writes the genuine datagrams of the exchange into DIR as a starting corpus.
"""

from __future__ import annotations

import copy
import os
import sys

import atheris

with atheris.instrument_imports(include=["sim"]):
    from sim.ike.config import IkeConfig, PeerKey
    from sim.ike.effects import CancelTimer, KeysDerived, Log, Received, SaUpdate, Send, SetTimer
    from sim.ike.endpoint import Endpoint
    from sim.ike.policy import Policy
    from sim.ike.secrets import SeedStream

I_ADDR, R_ADDR = "192.0.2.1", "198.51.100.2"
ADDR = {"initiator": I_ADDR, "responder": R_ADDR}
OTHER = {"initiator": "responder", "responder": "initiator"}
EFFECTS = (Send, SetTimer, CancelTimer, SaUpdate, Received, Log, KeysDerived)
#: (target, genuine datagrams delivered first): every state of both roles (responder 0 = no SA yet)
STAGES = [("initiator", 0), ("initiator", 2), ("initiator", 4), ("initiator", 6),
          ("responder", 0), ("responder", 1), ("responder", 3), ("responder", 5)]


def _config(address: str, peer: str) -> IkeConfig:
    return IkeConfig(address=address, policies=(Policy(group=2),), peers={peer: PeerKey(peer, b"secret")},
                     nat_traversal=True)


def _run(delivered: int):
    endpoints = {"initiator": Endpoint(_config(I_ADDR, R_ADDR), SeedStream(7, "i")),
                 "responder": Endpoint(_config(R_ADDR, I_ADDR), SeedStream(7, "r"))}
    out = endpoints["initiator"].initiate(R_ADDR, 0.0)
    pending = ("responder", next(e for e in out if isinstance(e, Send)))
    wire = []
    for _ in range(delivered):
        to, send = pending
        wire.append(send.data)
        out = endpoints[to].receive(send.data, ADDR[OTHER[to]], send.sport, 0.0)
        nxt = next((e for e in out if isinstance(e, Send) and e.attempt == 0), None)
        pending = (OTHER[to], nxt) if nxt is not None else None
    return endpoints, wire


STAGED = {delivered: _run(delivered)[0] for _, delivered in STAGES}


def _snapshot(endpoint: Endpoint) -> dict:
    return {key: (sa.state, sa.rcookie, sa.skeyid, sa.iv, sa.last_received, sa.g_xi, sa.g_xr)
            for key, sa in endpoint.sas.items()}


def test_one_input(data: bytes) -> None:
    if not data:
        return
    role, delivered = STAGES[data[0] % len(STAGES)]
    port = 4500 if data[0] & 0x80 else 500
    endpoint = copy.deepcopy(STAGED[delivered])[role]
    before = _snapshot(endpoint)
    out = endpoint.receive(data[1:], ADDR[OTHER[role]], port, 1.0, local_port=port)
    if not all(isinstance(e, EFFECTS) for e in out):
        raise AssertionError(f"unknown effect in {out!r}")
    if any(isinstance(e, Received) and e.outcome == "accepted" for e in out):
        return
    removed = {e.sa for e in out if isinstance(e, SaUpdate) and e.state is None}
    after = _snapshot(endpoint)
    for key, value in before.items():
        if key[0].hex() not in removed and after.get(key) != value:
            raise AssertionError(f"SA {key[0].hex()} changed by a datagram that was not accepted")


def write_seeds(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    _, wire = _run(6)
    for n, message in enumerate(wire):
        for selector, (role, delivered) in enumerate(STAGES):
            with open(os.path.join(directory, f"mm{n + 1}-stage{selector}"), "wb") as fh:
                fh.write(bytes([selector]) + message)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        write_seeds(sys.argv[2])
        sys.exit(0)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()

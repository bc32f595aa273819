"""What the core asks its driver to do, and what it reports. Plain immutable data (named tuples: cheap to define,
which matters for a command's start-up time); the driver interprets it.

A driver (the SimPy simulator or the live UDP driver) feeds the core datagrams, timer firings and the time, and
carries out these effects: ``Send`` a datagram, arm a ``SetTimer``; everything else is a report for the Trace.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

from .policy import Policy


class Send(NamedTuple):
    """Send ``data`` to ``peer``:``dport`` from local port ``sport``."""

    sa: str
    peer: str
    sport: int
    dport: int
    data: bytes
    message: str  # "MM1".."MM6", "NOTIFY"
    attempt: int = 0  # 0 = the original, n = the n-th retransmission
    trigger: str = "protocol"  # "protocol", "timer" (retransmission), "duplicate" (resend on a duplicate)


class SetTimer(NamedTuple):
    key: tuple
    at: float
    purpose: str  # "retransmit MM1", "remove SA"


class CancelTimer(NamedTuple):
    key: tuple


class SaUpdate(NamedTuple):
    """A snapshot of one SA after a change. ``state`` None means the SA was removed."""

    sa: str
    role: str  # "initiator" | "responder"
    peer: str
    state: str | None
    previous: str | None
    group: str | None = None  # tunnel-group, once resolved
    policy: Policy | None = None  # negotiated policy, once chosen
    reason: str = ""


class Received(NamedTuple):
    """How the core classified an inbound datagram: which message it was and whether it was used.

    ``outcome`` is "accepted", "duplicate" (already processed; may trigger a resend) or "discarded" (with ``reason``:
    the cause a trainee should find, e.g. "could not decrypt MM5: ...").
    """

    sa: str | None
    peer: str
    message: str
    outcome: str
    reason: str = ""


class Event(NamedTuple):
    """A protocol event for the device log. ``name`` is platform-neutral; the platform renders the text."""

    name: str
    sa: str | None = None
    peer: str | None = None
    fields: Mapping[str, Any] = MappingProxyType({})


class KeysDerived(NamedTuple):
    """The phase-1 keys one side derived (for key tables and teaching)."""

    sa: str
    role: str
    peer: str
    icookie: bytes
    rcookie: bytes
    cipher: str
    hash: str
    group: int
    g_xy: bytes
    skeyid: bytes
    skeyid_d: bytes
    skeyid_a: bytes
    skeyid_e: bytes
    enc_key: bytes
    iv: bytes


Effect = Send | SetTimer | CancelTimer | SaUpdate | Received | Event | KeysDerived

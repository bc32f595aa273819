"""What the core asks its driver to do, and what it reports. Plain immutable data (named tuples: cheap to define,
which matters for a command's start-up time); the driver interprets it.

A driver (the SimPy simulator or the live UDP driver) feeds the core one input at a time (a datagram, a timer
firing, the start) and carries out the effects that input returned, in order: ``Send`` a datagram, arm a
``SetTimer``, drop a ``CancelTimer``; everything else is a report for the Trace. The driver's recorder
(:mod:`sim.engine.recorder`) writes each effect down together with its cause (the input that produced it).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from .events import Event
from .policy import Policy
from .types import Msg, Outcome, Purpose, Reason, Role, State, Trigger

class Detail(dict):
    """The detail fields of a reason: a read-only mapping that pickles (for process pools and Dask), unlike
    ``types.MappingProxyType``."""

    __slots__ = ()

    def _read_only(self, *args, **kwargs):
        raise TypeError("a reason's detail is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only  # type: ignore

    def __reduce__(self):
        return (Detail, (dict(self),))


NO_DETAIL: Mapping[str, Any] = Detail()


class Send(NamedTuple):
    """Send ``data`` to ``peer``:``dport`` from local port ``sport``.

    ``payloads`` is the message as sent, decoded (:mod:`sim.ike.messages` payload records, in wire order; for an
    encrypted message the plaintext payloads). ``length`` is the ISAKMP length of the message with its payloads
    but without encryption padding (what a Cisco decode line reports); ``len(data)`` is the real size."""

    sa: str
    peer: str
    sport: int
    dport: int
    data: bytes
    message: Msg
    attempt: int = 0  # 0 = the original; timer resend: its number (1..retries); duplicate-triggered resend: 1
    trigger: Trigger = Trigger.PROTOCOL
    payloads: tuple = ()
    length: int = 0
    encrypted: bool = False
    message_id: int = 0


class SetTimer(NamedTuple):
    """Call the endpoint's ``timer(id, now)`` at ``at`` (unless cancelled). ``id`` is unique per endpoint."""

    id: int
    at: float
    purpose: Purpose
    sa: str
    message: Msg | None = None  # the message a RETRANSMIT timer resends


class CancelTimer(NamedTuple):
    id: int


class SaUpdate(NamedTuple):
    """A snapshot of one SA after a change. ``state`` None means the SA was removed (``reason`` says why)."""

    sa: str
    role: Role
    peer: str
    state: State | None
    previous: State | None
    group: str | None = None  # tunnel-group / key entry, once resolved
    policy: Policy | None = None  # negotiated policy, once chosen
    reason: Reason | None = None
    detail: Mapping[str, Any] = NO_DETAIL  # the reason's detail fields (see Reason)


class Received(NamedTuple):
    """How the core classified an inbound datagram and what it did with it.

    ``outcome``: accepted, duplicate or discarded; ``reason`` (a code, with ``detail`` fields) says why it was not
    accepted, or what a duplicate caused. ``payloads`` are the decoded payloads (for MM5/MM6 the decrypted ones; empty
    when it could not be decoded, e.g. an MM5 under a different key)."""

    sa: str | None
    peer: str
    message: Msg
    outcome: Outcome
    reason: Reason | None = None
    detail: Mapping[str, Any] = NO_DETAIL
    payloads: tuple = ()
    length: int = 0  # ISAKMP length as a decode line reports it (unpadded for a decrypted message)
    encrypted: bool = False
    message_id: int = 0


class Log(NamedTuple):
    """A protocol event for the device log (a record from :mod:`sim.ike.events`)."""

    event: Event


class KeysDerived(NamedTuple):
    """The phase-1 keys one side derived (for key tables and teaching)."""

    sa: str
    role: Role
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


Effect = Send | SetTimer | CancelTimer | SaUpdate | Received | Log | KeysDerived


def detail(**fields: Any) -> Mapping[str, Any]:
    """An immutable detail mapping for a ``Received``."""
    return Detail(fields) if fields else NO_DETAIL

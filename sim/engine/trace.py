"""The Trace: everything that happened in one run, in order, each record with its cause. Every output renders from
it (and the configs).

Records are named tuples (immutable, cheap to define) with a time ``t`` in seconds. A driver feeds each device one
input at a time (the start, the delivery of datagram N, the firing of timer K, a restart of interesting traffic);
every record written while that input is handled carries it as its ``cause``, so "what did MM5 #3 do on the
responder" is ``trace.effects(Cause.delivery(3))`` (see :mod:`sim.engine.views`), not a search.

A datagram has one ``DatagramSent`` (with its decoded payloads) and then either a ``DatagramDropped`` (on the path,
with the rule) or a ``DatagramDelivered`` followed by the receiver's ``DatagramProcessed`` (accepted, duplicate, or
discarded with a reason code). Log events (``Logged``) hold the core's typed event records (:mod:`sim.ike.events`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping, NamedTuple

from ..ike.effects import NO_DETAIL, KeysDerived, SaUpdate
from ..ike.events import Event
from ..ike.types import Msg, Outcome, Purpose, Reason, Trigger


class CauseKind(str, Enum):
    START = "start"  # the run started (interesting traffic hit the crypto map)
    DELIVERY = "delivery"  # datagram ``ref`` was delivered to the device
    TIMER = "timer"  # timer ``ref`` of the device fired
    RESTART = "restart"  # interesting traffic restarted Main Mode after a removal (``ref``: the restart's number)
    OPERATOR = "operator"  # something the driver did on its own (live mode notes)

    __str__ = str.__str__


class Cause(NamedTuple):
    kind: CauseKind
    ref: int = 0

    @staticmethod
    def delivery(datagram_id: int) -> "Cause":
        return Cause(CauseKind.DELIVERY, datagram_id)

    @staticmethod
    def timer(timer_id: int) -> "Cause":
        return Cause(CauseKind.TIMER, timer_id)

    def __str__(self) -> str:
        return self.kind.value if self.kind is CauseKind.START else f"{self.kind.value} {self.ref}"


START = Cause(CauseKind.START)


class DeviceInfo(NamedTuple):
    hostname: str
    role: str
    address: str
    platform: str


class DatagramSent(NamedTuple):
    t: float
    id: int
    device: str
    role: str
    src: str
    sport: int
    dst: str
    dport: int
    data: bytes
    message: Msg
    attempt: int
    trigger: Trigger
    sa: str
    payloads: tuple = ()  # decoded, in wire order (plaintext payloads for an encrypted message)
    length: int = 0  # ISAKMP length without encryption padding (what a Cisco decode line reports)
    encrypted: bool = False
    message_id: int = 0
    cause: Cause = START

    @property
    def isakmp(self) -> bytes:
        """The ISAKMP message: the UDP payload without the non-ESP marker that UDP 4500 carries."""
        return self.data[4:] if 4500 in (self.sport, self.dport) and self.data[:4] == bytes(4) else self.data


class DatagramDropped(NamedTuple):
    t: float
    id: int
    where: str  # "path" or the hostname of the device that had no listener
    rule: str


class DatagramDelivered(NamedTuple):
    """Arrival at ``device``, with the addresses and ports the receiver saw (after any NAT on the path)."""

    t: float
    id: int
    device: str
    src: str = ""
    sport: int = 0
    dst: str = ""
    dport: int = 0


class DatagramProcessed(NamedTuple):
    """What the receiver made of datagram ``id`` (its cause is ``Cause.delivery(id)``)."""

    t: float
    id: int
    device: str
    message: Msg
    outcome: Outcome
    reason: Reason | None = None
    detail: Mapping[str, Any] = NO_DETAIL
    sa: str | None = None
    payloads: tuple = ()  # as the receiver decoded them (decrypted for MM5/MM6; empty when it could not)
    length: int = 0
    encrypted: bool = False
    message_id: int = 0
    cause: Cause = START


class SaChanged(NamedTuple):
    t: float
    device: str
    update: SaUpdate
    cause: Cause = START


class Logged(NamedTuple):
    t: float
    device: str
    event: Event
    cause: Cause = START


class KeysRecord(NamedTuple):
    t: float
    device: str
    keys: KeysDerived
    cause: Cause = START


class TimerSet(NamedTuple):
    t: float
    device: str
    id: int
    at: float
    purpose: Purpose
    sa: str
    message: Msg | None = None
    cause: Cause = START


class TimerFired(NamedTuple):
    t: float
    device: str
    id: int


class TimerCancelled(NamedTuple):
    t: float
    device: str
    id: int
    cause: Cause = START


class Note(NamedTuple):
    """Something a driver reports about itself (live mode: a socket error, NAT-T switched off); not protocol."""

    t: float
    device: str
    text: str
    cause: Cause = Cause(CauseKind.OPERATOR)


Record = (DatagramSent | DatagramDropped | DatagramDelivered | DatagramProcessed | SaChanged | Logged | KeysRecord
          | TimerSet | TimerFired | TimerCancelled | Note)


@dataclass
class Trace:
    scenario: str
    title: str
    seed: int
    devices: tuple[DeviceInfo, ...]
    records: list = field(default_factory=list)
    end: float = 0.0  # the horizon the run was simulated to (live: when it stopped)
    _views: dict = field(default_factory=dict, repr=False, compare=False)

    # -- queries (pure functions of the records) -----------------------------------------------------------------
    def device(self, hostname: str) -> DeviceInfo:
        for d in self.devices:
            if d.hostname == hostname:
                return d
        raise KeyError(hostname)

    def of(self, kind: type, device: str | None = None) -> list:
        return [r for r in self.records if isinstance(r, kind) and (device is None or getattr(r, "device", None) == device)]

    @property
    def first_datagram(self) -> float:
        for r in self.records:
            if isinstance(r, DatagramSent):
                return r.t
        return 0.0

    def view(self, name: str, build):
        """A view of the records (computed once per length of the record list: live traces grow)."""
        key = (name, len(self.records))
        cached = self._views.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        value = build(self)
        self._views[name] = (key, value)
        return value

    def sa_table(self, hostname: str, t: float) -> list[tuple[SaUpdate, float, float | None]]:
        """The SAs alive on ``hostname`` at time ``t``, in creation order: (latest snapshot, created, active since)."""
        from .views import sa_table

        return sa_table(self, hostname, t)

    def fate(self, datagram_id: int) -> Record | None:
        """What became of a datagram: its DatagramDropped or DatagramProcessed record (None: still in flight)."""
        from .views import datagrams

        return datagrams(self)[datagram_id].end

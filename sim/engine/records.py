"""The records of a Trace (see :mod:`sim.engine.trace`): plain named tuples, each with its time, device and cause."""

from __future__ import annotations

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
    version: str = ""  # the software version, for the platform's output profile ("" = the platform's default)


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

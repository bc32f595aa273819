"""The Trace: everything that happened in one run, in time order. Every output renders from it (and the configs).

Records are named tuples (immutable, cheap to define) with a time ``t`` in simulated seconds. A datagram has one
``DatagramSent`` and then either a ``DatagramDropped`` (on the path, with the rule) or a ``DatagramDelivered``
followed by the receiver's ``DatagramProcessed`` (accepted, duplicate, or discarded with the reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..ike.effects import Event, KeysDerived, SaUpdate


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
    message: str
    attempt: int
    trigger: str
    sa: str

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
    t: float
    id: int
    device: str
    message: str
    outcome: str  # accepted | duplicate | discarded
    reason: str


class SaChanged(NamedTuple):
    t: float
    device: str
    update: SaUpdate


class Logged(NamedTuple):
    t: float
    device: str
    event: Event


class KeysRecord(NamedTuple):
    t: float
    device: str
    keys: KeysDerived


class TimerRecord(NamedTuple):
    t: float
    device: str
    key: tuple
    action: str  # set | fired | cancelled
    at: float | None = None
    purpose: str = ""


Record = (DatagramSent | DatagramDropped | DatagramDelivered | DatagramProcessed | SaChanged | Logged | KeysRecord
          | TimerRecord)


@dataclass
class Trace:
    scenario: str
    title: str
    seed: int
    devices: tuple[DeviceInfo, ...]
    records: list = field(default_factory=list)
    end: float = 0.0

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
        sent = self.of(DatagramSent)
        return sent[0].t if sent else 0.0

    def sa_table(self, hostname: str, t: float) -> list[tuple[SaUpdate, float, float | None]]:
        """The SAs alive on ``hostname`` at time ``t``, in creation order: (latest snapshot, created, active since)."""
        latest: dict[tuple[str, str], SaUpdate] = {}
        created: dict[tuple[str, str], float] = {}
        active: dict[tuple[str, str], float] = {}
        for r in self.records:
            if r.t > t:
                break
            if isinstance(r, SaChanged) and r.device == hostname:
                key = (r.update.sa, r.update.role)
                if r.update.state is None:
                    latest.pop(key, None)
                    created.pop(key, None)
                    active.pop(key, None)
                    continue
                if key not in latest:
                    created[key] = r.t
                latest[key] = r.update
                if r.update.state == "MM_ACTIVE" and key not in active:
                    active[key] = r.t
        order = sorted(latest, key=lambda k: created[k])
        return [(latest[k], created[k], active.get(k)) for k in order]

    def fate(self, datagram_id: int) -> Record | None:
        """What became of a datagram: its DatagramDropped or DatagramProcessed record (None: still in flight)."""
        for r in self.records:
            if isinstance(r, (DatagramDropped, DatagramProcessed)) and r.id == datagram_id:
                return r
        return None

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

from ..ike.effects import SaUpdate


from . import views
from .records import (START, Cause, CauseKind, DatagramDelivered, DatagramDropped, DatagramProcessed, DatagramSent,
                      DeviceInfo, KeysRecord, Logged, Note, Record, SaChanged, TimerCancelled, TimerFired, TimerSet)

__all__ = ['CauseKind', 'Cause', 'START', 'DeviceInfo', 'DatagramSent', 'DatagramDropped', 'DatagramDelivered', 'DatagramProcessed', 'SaChanged', 'Logged', 'KeysRecord', 'TimerSet', 'TimerFired', 'TimerCancelled', 'Note', 'Record', 'Trace']


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
        """A view of the records, computed once per state of the record list (its length and last record: a live
        trace grows, and a bounded one may drop its oldest records)."""
        records = self.records
        key = (name, len(records), id(records[0]) if records else 0, id(records[-1]) if records else 0)
        cached = self._views.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        value = build(self)
        self._views[name] = (key, value)
        return value

    def sa_table(self, hostname: str, t: float) -> list[tuple[SaUpdate, float, float | None]]:
        """The SAs alive on ``hostname`` at time ``t``, in creation order: (latest snapshot, created, active since)."""
        return views.sa_table(self, hostname, t)

    def fate(self, datagram_id: int) -> Record | None:
        """What became of a datagram: its DatagramDropped or DatagramProcessed record (None: still in flight)."""
        return views.datagrams(self)[datagram_id].end

"""Views of a Trace that several renderers need, computed once per Trace (and per length of its record list, as a
live Trace grows): the effects of each input, the fate of each datagram, and the SA intervals of each device with
the one conn-id rule.

* :func:`effects` ``(trace)[(device, cause)]``: the records one input produced on one device, in order. "What did
  datagram 7 do on the responder" is ``effects(trace)[("R1", Cause.delivery(7))]``.
* :func:`datagrams` ``(trace)[id]``: a :class:`Datagram` (sent, dropped, delivered, processed, and its fate).
* :func:`sa_intervals` ``(trace)[device]``: a list of :class:`SaInterval` (created, keyed, active, removed, the
  snapshots in between, the removal reason and the conn-id).
* :func:`sa_table` ``(trace, device, t)``: the SAs alive at ``t`` (what ``show`` lists).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from typing import TYPE_CHECKING, NamedTuple

from ..ike.effects import SaUpdate
from ..ike.types import Outcome, Reason, State
from .records import (Cause, DatagramDelivered, DatagramDropped, DatagramProcessed, DatagramSent, KeysRecord,
                      SaChanged)

if TYPE_CHECKING:
    from .trace import Trace

#: the first conn-id a device gives an SA (IOS 12.4T+ / IOS XE number from 1001)
FIRST_CONN_ID = 1001

FATES = ("delivered", "dropped", "discarded", "duplicate", "in-flight")


class Datagram(NamedTuple):
    sent: DatagramSent
    dropped: DatagramDropped | None
    delivered: DatagramDelivered | None
    processed: DatagramProcessed | None

    @property
    def fate(self) -> str:
        """delivered (the receiver took it), dropped (on the path), discarded (the receiver threw it away),
        duplicate (a copy of a processed message), in-flight (the run ended first)."""
        if self.dropped is not None:
            return "dropped" if self.dropped.where == "path" else "discarded"
        if self.processed is not None:
            return {Outcome.ACCEPTED: "delivered", Outcome.DUPLICATE: "duplicate"}.get(self.processed.outcome,
                                                                                      "discarded")
        if self.delivered is not None:
            return "delivered"
        return "in-flight"

    @property
    def end(self):
        """The record that ended the datagram's journey: its drop or its processing (None: in flight)."""
        return self.dropped if self.dropped is not None else self.processed

    @property
    def reason(self) -> Reason | None:
        return self.processed.reason if self.processed is not None else None

    @property
    def receiver(self) -> str | None:
        if self.delivered is not None:
            return self.delivered.device
        if self.dropped is not None and self.dropped.where != "path":
            return self.dropped.where
        return None


def effects(trace: Trace) -> dict[tuple[str, Cause], list]:
    def build(trace: Trace) -> dict[tuple[str, Cause], list]:
        out: dict[tuple[str, Cause], list] = defaultdict(list)
        for r in trace.records:
            cause = getattr(r, "cause", None)
            if cause is not None:
                out[(r.device, cause)].append(r)
        return dict(out)

    return trace.view("effects", build)


def datagrams(trace: Trace) -> dict[int, Datagram]:
    def build(trace: Trace) -> dict[int, Datagram]:
        sent: dict[int, DatagramSent] = {}
        dropped: dict[int, DatagramDropped] = {}
        delivered: dict[int, DatagramDelivered] = {}
        processed: dict[int, DatagramProcessed] = {}
        for r in trace.records:
            kind = type(r)
            if kind is DatagramSent:
                sent[r.id] = r
            elif kind is DatagramDelivered:
                delivered.setdefault(r.id, r)
            elif kind is DatagramDropped:
                dropped.setdefault(r.id, r)
            elif kind is DatagramProcessed and r.id >= 0:
                processed.setdefault(r.id, r)
        return {i: Datagram(s, dropped.get(i), delivered.get(i), processed.get(i)) for i, s in sent.items()}

    return trace.view("datagrams", build)


class SaInterval(NamedTuple):
    """One SA on one device from creation to removal."""

    device: str
    sa: str
    role: str
    peer: str
    created: float
    removed: float | None
    snapshots: tuple[tuple[float, SaUpdate], ...]  # (t, snapshot) for every change while it lived
    keyed: float | None  # when it derived its keys
    active: float | None  # when it reached MM_ACTIVE
    removal: SaUpdate | None  # the removal snapshot (``reason`` code, ``previous`` state)
    conn_id: int  # by the one rule: numbered 1001, 1002 ... per device in the order SAs got keys; 0 without keys

    def alive(self, t: float) -> bool:
        return self.created <= t and (self.removed is None or self.removed > t)

    def at(self, t: float) -> SaUpdate:
        """The snapshot in force at ``t`` (the latest at or before it)."""
        times = [s[0] for s in self.snapshots]
        return self.snapshots[max(0, bisect_right(times, t) - 1)][1]

    def conn_id_at(self, t: float) -> int:
        return self.conn_id if self.keyed is not None and self.keyed <= t else 0


def sa_intervals(trace: Trace) -> dict[str, list[SaInterval]]:
    def build(trace: Trace) -> dict[str, list[SaInterval]]:
        out: dict[str, list[SaInterval]] = defaultdict(list)
        open_: dict[tuple[str, str, str, str], dict] = {}
        keyed: dict[tuple[str, str, str, str], float] = {}
        conn: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)

        def close(key, removed, removal):
            draft = open_.pop(key)
            device, sa, role, _peer = key
            out[device].append(SaInterval(device, sa, role, draft["peer"], draft["created"], removed,
                                          tuple(draft["snapshots"]), draft["keyed"], draft["active"], removal,
                                          conn[device].get((sa, role, _peer), 0)))

        for r in trace.records:
            kind = type(r)
            if kind is KeysRecord:
                key = (r.device, r.keys.sa, str(r.keys.role), r.keys.peer)
                ids = conn[r.device]
                ids.setdefault((r.keys.sa, str(r.keys.role), r.keys.peer), FIRST_CONN_ID + len(ids))
                if key in open_ and open_[key]["keyed"] is None:
                    open_[key]["keyed"] = r.t
                keyed.setdefault(key, r.t)
            elif kind is SaChanged:
                u = r.update
                key = (r.device, u.sa, str(u.role), u.peer)  # the core tells SAs apart by peer too
                if u.state is None:
                    if key in open_:
                        open_[key]["snapshots"].append((r.t, u))
                        close(key, r.t, u)
                    continue
                draft = open_.get(key)
                if draft is None:
                    draft = open_[key] = dict(peer=u.peer, created=r.t, snapshots=[], keyed=None, active=None)
                draft["snapshots"].append((r.t, u))
                if u.state == State.MM_ACTIVE and draft["active"] is None:
                    draft["active"] = r.t
        for key in list(open_):
            close(key, None, None)
        for device in out:
            out[device].sort(key=lambda i: i.created)
        return dict(out)

    return trace.view("sa_intervals", build)


def sa_table(trace: Trace, hostname: str, t: float) -> list[tuple[SaUpdate, float, float | None]]:
    """The SAs alive on ``hostname`` at ``t``, in creation order: (snapshot in force, created, active since)."""
    rows = []
    for interval in sa_intervals(trace).get(hostname, ()):
        if interval.alive(t):
            active = interval.active if interval.active is not None and interval.active <= t else None
            rows.append((interval.at(t), interval.created, active))
    return rows


def intervals_alive(trace: Trace, hostname: str, t: float) -> list[SaInterval]:
    return [i for i in sa_intervals(trace).get(hostname, ()) if i.alive(t)]

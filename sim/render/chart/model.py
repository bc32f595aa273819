"""The chart's data, from the Trace: the ONLY module of the chart package that reads a Trace.

:func:`chart_data` turns a Trace (+ the scenario, for the NAT rule's name) into plain, frozen records; layout and
drawing work on these alone. What it reads from the Trace:

* ``trace.devices``: ``hostname``, ``role``, ``address``, ``platform``; ``trace.scenario``, ``title``, ``seed``,
  ``end``, ``first_datagram``;
* ``DatagramSent``: ``t``, ``id``, ``device``, ``src``, ``sport``, ``dst``, ``dport``, ``message``, ``attempt``,
  ``trigger``, ``sa`` (and ``data``, through :func:`sim.render.labels.message_label` for notifications);
* ``DatagramDelivered``: ``id``, ``src``, ``sport``, ``dst``, ``dport`` (did NAT rewrite it);
* the fate of every datagram through :func:`sim.render.labels.fates` (``DatagramDropped``, ``DatagramDelivered``,
  ``DatagramProcessed``: kind, time, the reason code and its words, full and short);
* ``DatagramDropped``: ``id``, ``where`` (a drop on the path or at a device);
* ``SaChanged``: ``t``, ``device``, ``update.sa``, ``update.role``, ``update.state``, ``update.reason`` (a code) and
  ``update.detail``, worded by :mod:`sim.render.reasons` and the platform.

From the scenario (optional): ``scenario.path`` rules that have ``inside``/``address`` (NAT), for their ``name``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...engine.trace import DatagramDelivered, DatagramDropped, DatagramSent, SaChanged, Trace
from ...errors import InputError
from ...platforms.registry import platform_for
from ..labels import fates, message_label
from ..reasons import explain

__all__ = ["Side", "Datagram", "Interval", "Removal", "Nat", "ChartData", "chart_data", "ACTIVE", "key"]

ACTIVE = "MM_ACTIVE"
NAT_T_PORT = 4500


def key(t: float) -> float:
    """Instants as keys: float noise (8.020000000000001) must not split one instant in two."""
    return round(t, 6)


@dataclass(frozen=True)
class Side:
    hostname: str
    role: str
    address: str
    platform: str


@dataclass(frozen=True)
class Datagram:
    id: int
    sender: int  # 0 = initiator side (left), 1 = responder side (right)
    t0: float  # send time
    t1: float  # arrival, discard or drop time (in-flight: the send time)
    label: str  # RFC notation, "MM5*: IDii, HASH_I"
    message: str
    resend: int  # 0 for an original, n for the n-th resend
    trigger: str  # protocol | timer | duplicate
    fate: str  # delivered | duplicate | dropped | discarded | in-flight
    reason: str  # the path rule's label or the receiver's reason ("" when delivered)
    where: str  # dropped: "path" or the device that had no listener; else ""
    sport: int
    dport: int
    natted: bool  # a NAT on the path rewrote its addresses or ports
    sa: str
    code: str = ""  # the receiver's reason code ("" when delivered or dropped on the path)
    short: str = ""  # the reason's short form (for repetitions)


@dataclass(frozen=True)
class Interval:
    side: int
    sa: str
    role: str
    state: str  # the core's name
    shown: str  # the platform's name
    t0: float
    t1: float | None  # None: still in this state when the run ended


@dataclass(frozen=True)
class Removal:
    side: int
    sa: str
    t: float
    reason: str  # in the platform's words
    code: str = ""  # the removal's reason code


@dataclass(frozen=True)
class Nat:
    name: str
    inside: int  # the side behind it
    address: str  # its public address


@dataclass(frozen=True)
class ChartData:
    scenario: str
    title: str
    seed: int
    end: float
    first: float
    sides: tuple[Side, Side]
    datagrams: tuple[Datagram, ...]
    intervals: tuple[Interval, ...]
    removals: tuple[Removal, ...]
    nats: tuple[Nat, ...] = ()
    stuck: dict = field(default_factory=dict)  # side -> (shown state, removal time or None, removal reason)


def chart_data(trace: Trace, scenario=None) -> ChartData:
    devices = sorted(trace.devices, key=lambda d: 0 if d.role == "initiator" else 1)
    if len(devices) != 2:
        raise InputError(f"a chart needs exactly two devices, the trace has {len(devices)}", field="devices")
    sides = tuple(Side(d.hostname, d.role, d.address, d.platform) for d in devices)
    index = {d.hostname: i for i, d in enumerate(devices)}
    fate_of = fates(trace)
    where = {r.id: r.where for r in trace.of(DatagramDropped)}
    delivered = {}
    for r in trace.of(DatagramDelivered):
        delivered.setdefault(r.id, r)

    datagrams, src_of = [], {}
    for s in trace.of(DatagramSent):
        src_of[s.id] = s.src
        f = fate_of[s.id]
        d = delivered.get(s.id)
        natted = d is not None and bool(d.src) and (d.src, d.sport, d.dst, d.dport) != (s.src, s.sport, s.dst,
                                                                                          s.dport)
        kind = f.kind
        w = where.get(s.id, "") if kind in ("dropped", "discarded") and s.id in where else ""
        datagrams.append(Datagram(s.id, index.get(s.device, 0), s.t, f.t if kind != "in-flight" else s.t,
                                  message_label(s), s.message, s.attempt, s.trigger, kind, f.reason, w, s.sport,
                                  s.dport, natted, s.sa, str(f.code or ""), f.short or f.reason))

    platforms = {d.hostname: platform_for(d.platform) for d in devices}
    open_: dict[tuple, tuple] = {}
    intervals, removals = [], []
    for r in trace.of(SaChanged):
        u = r.update
        k = (r.device, u.sa, u.role)
        if k in open_:
            state, since = open_.pop(k)
            intervals.append(Interval(index[r.device], u.sa, u.role, state,
                                      platforms[r.device].state_name(u.role, state), since, r.t))
        if u.state is None:
            removals.append(Removal(index[r.device], u.sa, r.t,
                                    explain(u.reason, u.detail, platform=platforms[r.device], removal=True),
                                    str(u.reason or "")))
        else:
            open_[k] = (u.state, r.t)
    for (device, sa, role), (state, since) in open_.items():
        intervals.append(Interval(index[device], sa, role, state, platforms[device].state_name(role, state), since,
                                  None))
    intervals.sort(key=lambda i: (i.t0, i.side, i.sa))

    # where each side got stuck: the last state of the newest SA it created, when not MM_ACTIVE
    stuck = {}
    for side in (0, 1):
        mine = [i for i in intervals if i.side == side]
        if not mine:
            continue
        newest = max(mine, key=lambda i: (min(j.t0 for j in mine if j.sa == i.sa), i.sa)).sa
        final = max((i for i in mine if i.sa == newest), key=lambda i: i.t0)
        if final.state != ACTIVE:
            removal = next((r for r in removals if r.side == side and r.sa == newest), None)
            stuck[side] = (final.shown, removal.t if removal else None, removal.reason if removal else "")

    nats = []
    for rule in getattr(scenario, "path", ()) or ():
        if hasattr(rule, "inside") and hasattr(rule, "address"):
            inside = 0 if rule.inside == "initiator" else 1
            nats.append(Nat(getattr(rule, "name", "") or "NAT", inside, rule.address))
    if not nats and any(d.natted for d in datagrams):  # no scenario (a live run): what the Trace shows
        first = next(d for d in datagrams if d.natted)
        r = delivered[first.id]
        inside = first.sender if r.src != src_of[first.id] else 1 - first.sender
        nats.append(Nat("NAT", inside, r.src if inside == first.sender else r.dst))
    return ChartData(trace.scenario, trace.title, trace.seed, trace.end, trace.first_datagram, sides,
                     tuple(datagrams), tuple(intervals), tuple(removals), tuple(nats), stuck)

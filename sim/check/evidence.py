"""The one place ``ikesim check`` reads the Trace: what happened in one direction, as typed evidence.

Everything else in :mod:`sim.check` works on :class:`Evidence`, never on Trace records. The Trace is being
redesigned (reason prose becoming typed reason codes); when it changes, this module is the one to port:

* :func:`read_evidence` walks the records once: SA changes (up or not, removals), the log events the core emits
  with platform-neutral names (``group_missing``, ``decrypt_failed``, ``proposal_rejected``, ``not_listening``...),
  path drops (``DatagramDropped.rule``) and discarded datagrams (``DatagramProcessed``).
* :func:`discard_code` is the only function that matches on reason *prose* (``DatagramProcessed.reason``): it names
  which datagram died and why, as a code, for the few discards no event names.
* :func:`states_at` is the SA table of each device at an instant (``Trace.sa_table``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.trace import DatagramDropped, DatagramProcessed, DatagramSent, Logged, SaChanged

#: core event name -> cause code (where: the device that logged it)
EVENT_CAUSES = {
    "ike_disabled": "not-listening",  # the initiator's interface is closed: it starts nothing
    "not_listening": "not-listening",
    "no_policy": "no-policy",
    "no_key_to_initiate": "no-key",
    "no_key": "no-key",
    "group_missing": "no-key",
    "group_no_key": "group-no-key",
    "proposal_rejected": "proposal-mismatch",
    "sa_not_offered": "proposal-mismatch",
    "decrypt_failed": "psk-mismatch",
    "hash_failed": "psk-mismatch",
    "no_certificate": "rsa-sig",
    "bad_ke": "protocol-error",
    "malformed": "protocol-error",
}

#: DatagramProcessed.reason prefixes -> code (the reason strings of sim/ike today)
DISCARD_PREFIXES = (
    ("no acceptable proposal", "proposal-mismatch"),
    ("no tunnel-group for", "no-key"),
    ("tunnel-group ", "group-no-key"),
    ("could not decrypt", "psk-mismatch"),
    ("HASH_I does not verify", "psk-mismatch"),
    ("HASH_R does not verify", "psk-mismatch"),
    ("IKE is not enabled", "not-listening"),
    ("NAT traversal is not enabled", "nat-t-off"),
    ("not an IKE port", "not-listening"),
    ("responder chose a transform", "proposal-mismatch"),
    ("un-encrypted", "notify"),
    ("no matching SA", "no-sa"),
)
#: follow-on discards: a consequence of an earlier cause, never the cause
FOLLOW_ON = ("notify", "no-sa", "other")


def discard_code(reason: str) -> str:
    for prefix, code in DISCARD_PREFIXES:
        if reason.startswith(prefix):
            return code
    return "other"


@dataclass(frozen=True)
class Cause:
    code: str  # see EVENT_CAUSES / DISCARD_PREFIXES, or path-drop, retransmissions, none
    where: str  # a hostname, or "path"
    message: str | None = None  # the datagram that died (MM1..MM6), when one did
    t: float = 0.0
    detail: dict = field(default_factory=dict)  # event fields, the path rule, the discard reason
    event: str | None = None  # the core's event name, when an event named the cause


@dataclass(frozen=True)
class Evidence:
    up: bool  # both devices reached MM_ACTIVE
    at: float  # the instant the states are taken
    states: dict  # hostname -> (role, core state) of its latest SA at ``at``, or None: no SA
    cause: Cause | None  # None when up
    removals: tuple = ()  # (t, hostname, role, previous state, reason)
    datagrams: int = 0
    dropped_on_path: int = 0
    nat_t: bool = False  # a datagram travelled on UDP 4500


def states_at(trace, hostnames: tuple[str, ...], t: float) -> dict:
    out = {}
    for host in hostnames:
        table = trace.sa_table(host, t)
        out[host] = (table[-1][0].role, table[-1][0].state) if table else None
    return out


def read_evidence(trace, initiator: str, responder: str, at: float | None = None) -> Evidence:
    """What happened when ``initiator`` started toward ``responder``; states at ``at`` seconds after the first
    datagram (default 5, as ``ikesim run`` looks, or the instant both were up when that was later)."""
    active: dict[str, float] = {}  # hostname -> when it first reached MM_ACTIVE
    removals = []
    causes: list[Cause] = []
    drops: list[Cause] = []
    sent: dict[int, DatagramSent] = {}
    discards: list[Cause] = []
    nat_t = False
    for r in trace.records:
        if isinstance(r, DatagramSent):
            sent[r.id] = r
            nat_t = nat_t or 4500 in (r.sport, r.dport)
        elif isinstance(r, SaChanged):
            if r.update.state == "MM_ACTIVE":
                active.setdefault(r.device, r.t)
            elif r.update.state is None:
                removals.append((r.t, r.device, r.update.role, r.update.previous, r.update.reason))
        elif isinstance(r, Logged) and r.event.name in EVENT_CAUSES:
            causes.append(Cause(_event_code(r.event), r.device, None, r.t, dict(r.event.fields), r.event.name))
        elif isinstance(r, DatagramDropped):
            datagram = sent.get(r.id)
            drops.append(Cause("path-drop", "path" if r.where == "path" else r.where,
                               datagram.message if datagram else None, r.t,
                               {"rule": r.rule, "from": datagram.device if datagram else None,
                                "port": datagram.dport if datagram else None}))
        elif isinstance(r, DatagramProcessed) and r.outcome == "discarded":
            # the sender's name for it (a receiver that does not listen cannot tell MM1 from any datagram)
            message = sent[r.id].message if r.id in sent else r.message
            discards.append(Cause(discard_code(r.reason), r.device, message, r.t, {"reason": r.reason}))
    up = initiator in active and responder in active
    first = trace.first_datagram
    t = first + (5.0 if at is None else at)
    if up and at is None:
        t = max(t, active[initiator], active[responder])  # came up late (loss, delay): show it up
    cause = None
    if not up:
        cause = _decide(causes, discards, drops)
        if cause.code in EVENT_CAUSES.values() and cause.message is None:
            # name the datagram that died with it: the discard on the same device at the same instant
            died = next((d for d in discards if d.where == cause.where and d.t == cause.t), None)
            if died is not None:
                cause = Cause(cause.code, cause.where, died.message, cause.t, {**cause.detail, **died.detail},
                              cause.event)
    return Evidence(up, t, states_at(trace, (initiator, responder), t), cause, tuple(removals), len(sent),
                    sum(1 for d in drops if d.where == "path"), nat_t)


def _event_code(event) -> str:
    code = EVENT_CAUSES[event.name]
    if event.name == "not_listening" and event.fields.get("port") == 4500:
        return "nat-t-off"
    if event.name == "proposal_rejected" and str(event.fields.get("configured", "")).startswith("no pre-shared key"):
        return "no-key"  # an IOS responder looked the key up at MM1 and found none
    return code


def _decide(causes: list[Cause], discards: list[Cause], drops: list[Cause]) -> Cause:
    """The protocol's own refusal first (the earliest), then a discard no event explains, then the path."""
    if causes:
        return causes[0]
    real = [d for d in discards if d.code not in FOLLOW_ON]
    if real:
        return real[0]
    if drops:
        first = drops[0]
        return Cause(first.code, first.where, first.message, first.t, {**first.detail, "count": len(drops)})
    return Cause("retransmissions", "", None, 0.0, {})

"""The one place ``ikesim check`` reads the Trace: what happened in one direction, as typed evidence.

Everything else in :mod:`sim.check` works on :class:`Evidence`, never on Trace records:

* :func:`read_evidence` walks the records once: SA changes (up or not, removals with their reason codes), the core's
  typed log events (:mod:`sim.ike.events`: ``PeerKeyMissing``, ``DecryptFailed``, ``ProposalRejected``,
  ``NotListening``...), path drops (``DatagramDropped.rule``) and discarded datagrams (``DatagramProcessed`` with
  their reason codes). Nothing here reads prose.
* :func:`states_at` is the SA table of each device at an instant (``Trace.sa_table``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.trace import DatagramDropped, DatagramProcessed, DatagramSent, Logged, SaChanged
from ..ike import events as ev
from ..ike.types import Outcome, Reason
from ..platforms.registry import platform_for
from ..render.reasons import explain

#: core event kind -> (cause code, the event's name for the fixes)
EVENT_CAUSES = {
    ev.IkeDisabled: ("not-listening", "ike_disabled"),  # the initiator's interface is closed: it starts nothing
    ev.NotListening: ("not-listening", "not_listening"),
    ev.NoPolicy: ("no-policy", "no_policy"),
    ev.NoKeyToInitiate: ("no-key", "no_key_to_initiate"),
    ev.NoLocalKey: ("no-key", "no_key"),
    ev.PeerKeyMissing: ("no-key", "group_missing"),
    ev.GroupWithoutKey: ("group-no-key", "group_no_key"),
    ev.ProposalRejected: ("proposal-mismatch", "proposal_rejected"),
    ev.TransformNotOffered: ("proposal-mismatch", "sa_not_offered"),
    ev.DecryptFailed: ("psk-mismatch", "decrypt_failed"),
    ev.HashMismatch: ("psk-mismatch", "hash_failed"),
    ev.NoCertificate: ("rsa-sig", "no_certificate"),
    ev.BadKe: ("protocol-error", "bad_ke"),
    ev.Malformed: ("protocol-error", "malformed"),
}

#: DatagramProcessed reason code -> cause code
DISCARD_CODES = {
    Reason.NO_PROPOSAL_CHOSEN: "proposal-mismatch",
    Reason.NO_PEER_KEY: "no-key",
    Reason.GROUP_WITHOUT_KEY: "group-no-key",
    Reason.DECRYPT_FAILED: "psk-mismatch",
    Reason.HASH_MISMATCH: "psk-mismatch",
    Reason.IKE_DISABLED: "not-listening",
    Reason.NO_CRYPTO_MAP: "not-listening",
    Reason.NAT_T_DISABLED: "nat-t-off",
    Reason.NOT_IKE_PORT: "not-listening",
    Reason.TRANSFORM_NOT_OFFERED: "proposal-mismatch",
    Reason.UNAUTHENTICATED_NOTIFY: "notify",
    Reason.NO_MATCHING_SA: "no-sa",
}
#: follow-on discards: a consequence of an earlier cause, never the cause
FOLLOW_ON = ("notify", "no-sa", "other")


def discard_code(reason: Reason | None) -> str:
    return DISCARD_CODES.get(reason, "other")


@dataclass(frozen=True)
class Cause:
    code: str  # see EVENT_CAUSES / DISCARD_CODES, or path-drop, retransmissions, none
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
    removals: tuple = ()  # (t, hostname, role, previous state, reason code, its detail)
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
                removals.append((r.t, r.device, r.update.role, r.update.previous, r.update.reason, r.update.detail))
        elif isinstance(r, Logged) and type(r.event) in EVENT_CAUSES:
            fields = {k: (str(v) if k == "why" else v) for k, v in r.event._asdict().items() if k not in ("sa", "peer")}
            causes.append(Cause(_event_code(r.event), r.device, None, r.t, fields, EVENT_CAUSES[type(r.event)][1]))
        elif isinstance(r, DatagramDropped):
            datagram = sent.get(r.id)
            drops.append(Cause("path-drop", "path" if r.where == "path" else r.where,
                               datagram.message if datagram else None, r.t,
                               {"rule": r.rule, "from": datagram.device if datagram else None,
                                "port": datagram.dport if datagram else None}))
        elif isinstance(r, DatagramProcessed) and r.outcome is Outcome.DISCARDED:
            # the sender's name for it (a receiver that does not listen cannot tell MM1 from any datagram)
            message = sent[r.id].message if r.id in sent else r.message
            words = explain(r.reason, r.detail, r.message, platform_for(trace.device(r.device).platform))
            discards.append(Cause(discard_code(r.reason), r.device, str(message), r.t,
                                  {**dict(r.detail), "reason": str(r.reason), "text": words}))
    up = initiator in active and responder in active
    first = trace.first_datagram
    t = first + (5.0 if at is None else at)
    if up and at is None:
        t = max(t, active[initiator], active[responder])  # came up late (loss, delay): show it up
    cause = None
    if not up:
        cause = _decide(causes, discards, drops)
        if cause.code in {code for code, _ in EVENT_CAUSES.values()} and cause.message is None:
            # name the datagram that died with it: the discard on the same device at the same instant
            died = next((d for d in discards if d.where == cause.where and d.t == cause.t), None)
            if died is not None:
                cause = Cause(cause.code, cause.where, died.message, cause.t, {**cause.detail, **died.detail},
                              cause.event)
    return Evidence(up, t, states_at(trace, (initiator, responder), t), cause, tuple(removals), len(sent),
                    sum(1 for d in drops if d.where == "path"), nat_t)


def _event_code(event) -> str:
    code = EVENT_CAUSES[type(event)][0]
    if isinstance(event, ev.NotListening) and event.why is Reason.NAT_T_DISABLED:
        return "nat-t-off"
    if isinstance(event, ev.ProposalRejected) and event.no_key:
        return "no-key"  # a responder that looks the key up at MM1 (IOS) found none
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

"""From evidence to an answer in the configs' own terms: why, and the lines to type on the box that needs them.

:func:`explain` takes one direction (its :class:`~sim.check.evidence.Evidence`, or why it was not simulated) and
compares the two configs where the evidence points: the key each box uses for the other (never printed), their
policies, interfaces and crypto maps. The lines come from the platform's ``fixlines`` module, so each box gets its
own dialect. :func:`findings` are the config facts that matter whatever the direction (NAT-T off behind NAT).
"""

from __future__ import annotations

from dataclasses import dataclass

from .directions import Direction
from .topology import Side, Topology

PATH = "path"


@dataclass(frozen=True)
class Fix:
    hostname: str  # the box to change, or "path" for the network in between
    lines: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Explanation:
    code: str
    why: str
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    fixes: tuple[Fix, ...] = ()


def _same_key(side: Side) -> str:
    return f"<the same key as on {side.box.hostname}>"


def _near(address: str, candidates) -> str | None:
    """A candidate that differs from ``address`` only in its last octet, or by one character: a typo?"""
    for candidate in candidates:
        if candidate == address:
            continue
        if candidate.rsplit(".", 1)[0] == address.rsplit(".", 1)[0]:
            return candidate
        if len(candidate) == len(address) and sum(x != y for x, y in zip(candidate, address)) == 1:
            return candidate
    return None


def _key_place(side: Side, peer: str) -> str:
    key = side.box.config.peer_key(peer)
    if key is None:
        return "none"
    return side.box.dialect.key_place(key.group, side.box.config)


def _key_of(side: Side, peer: str) -> str | None:
    key = side.box.config.peer_key(peer)
    return None if key is None or key.psk is None else key.psk.decode("utf-8", "replace")


def key_difference(a: str, b: str) -> str:
    """How two keys differ, without saying what they are."""
    if a.rstrip() == b.rstrip():
        return "they differ only in trailing blanks"
    if a.lower() == b.lower():
        return "they differ only in upper and lower case"
    if any(ord(ch) > 126 for ch in a + b):
        return ("one has characters outside ASCII (a word processor's dash or quote?)")
    return "they differ"


def _closed(side: Side, other: Side, why: str, initiating: bool) -> Explanation:
    box, dialect = side.box, side.box.dialect
    interface = side.interface or "outside"
    act = "does not start Main Mode" if initiating else f"drops MM1 from {other.box.hostname}"
    if why == "ike-disabled":
        text = f"{box.hostname} {act}: {dialect.ike_off(interface)}"
        return Explanation("ike-disabled", text, (Fix(box.hostname, tuple(dialect.enable_lines(box.config,
                                                                                            interface))),))
    entries = [e for e in box.config.map_peers() if other.public in e.peers] or list(box.config.map_peers())
    crypto_map = entries[0].map if entries else dialect.default_map_name()
    lines = list(dialect.bind_map_lines(box.config, interface, crypto_map))
    if not entries:
        lines = list(dialect.map_entry_lines(box.config, crypto_map, 10, other.public)) + lines
    text = f"{box.hostname} {act}: no crypto map is {dialect.MAP_ON_INTERFACE} its interface {interface}{dialect.NO_MAP_LOG}"
    return Explanation("no-crypto-map", text, (Fix(box.hostname, tuple(lines)),))


def _no_key(side: Side, other: Side, message: str | None, code: str, event: str | None) -> Explanation:
    box, dialect = side.box, side.box.dialect
    peer = other.public
    declare, missing = dialect.missing_key(box.config, peer)
    if event == "no_key_to_initiate":
        died = "does not start Main Mode"
    elif event == "no_key":
        died = "gives up after MM4 (it cannot compute the keys)"
    elif message:
        died = f"{'refused' if message == 'MM1' else 'discarded'} {message} from {other.box.hostname}"
    else:
        died = "cannot authenticate"
    text = f"{box.hostname} {died}: {missing}"
    near = _near(peer, box.config.keyed_peers())
    note = ""
    if near is not None:
        what = dialect.KEY_ENTRY
        text += f"; its {what} was written for {near} while the peer is {peer}: a typo?"
        note = f"the {what} for {near} can go if it was the typo"
    lines = dialect.key_lines(box.config, peer, _same_key(other), declare=declare)
    return Explanation(code, text, (Fix(box.hostname, tuple(lines), note),))


def _policy_diff(offer, local) -> tuple[str, ...]:
    diffs = []
    if (offer.encryption, offer.key_length) != (local.encryption, local.key_length):
        diffs.append("encryption")
    if offer.hash != local.hash:
        diffs.append("hash")
    if offer.auth != local.auth:
        diffs.append("auth")
    if offer.group != local.group:
        diffs.append("group")
    if local.lifetime > offer.lifetime:
        diffs.append("lifetime")
    return tuple(diffs)


def _proposal(ini: Side, res: Side) -> Explanation:
    offers = sorted(ini.box.config.policies, key=lambda p: p.priority)
    local = sorted(res.box.config.policies, key=lambda p: p.priority)
    if not local:
        return _no_policy(res, ini)
    pairs = sorted(((len(_policy_diff(o, l)), i, j) for i, o in enumerate(offers) for j, l in enumerate(local)))
    _, i, j = pairs[0]
    offer, mine = offers[i], local[j]
    diffs = _policy_diff(offer, mine)
    names = {"encryption": "encryption", "hash": "hash", "auth": "authentication", "group": "Diffie-Hellman group",
             "lifetime": "lifetime"}
    text = (f"{res.box.hostname} refused MM1 from {ini.box.hostname}: no policy matches; the closest pair differs in "
            f"{', '.join(names[d] for d in diffs)}: {ini.box.hostname} "
            f"{ini.box.dialect.policy_lines(ini.box.config, offer, offer.priority)[0]}: "
            f"{'; '.join(l.strip() for l in ini.box.dialect.policy_lines(ini.box.config, offer, offer.priority, diffs)[1:])}"
            f" / {res.box.hostname} {res.box.dialect.policy_lines(res.box.config, mine, mine.priority)[0]}: "
            f"{'; '.join(l.strip() for l in res.box.dialect.policy_lines(res.box.config, mine, mine.priority, diffs)[1:])}")
    if res.box.dialect.representable(offer):
        fix = Fix(res.box.hostname, tuple(res.box.dialect.policy_lines(res.box.config, offer, mine.priority, diffs)),
                  f"or add these settings as a new policy if policy {mine.priority} serves other peers")
    else:
        fix = Fix(ini.box.hostname, tuple(ini.box.dialect.policy_lines(ini.box.config, mine, offer.priority, diffs)))
    return Explanation("proposal-mismatch", text, (fix,))


def _no_policy(side: Side, other: Side) -> Explanation:
    policies = sorted(other.box.config.policies, key=lambda p: p.priority)
    lines = side.box.dialect.policy_lines(side.box.config, policies[0], 10) if policies else []
    return Explanation("no-policy", f"{side.box.hostname} has no IKEv1 policy", (Fix(side.box.hostname, tuple(lines)),))


def _psk(ini: Side, res: Side) -> Explanation:
    a, b = _key_of(ini, res.public), _key_of(res, ini.public)
    how = key_difference(a, b) if a is not None and b is not None else "they differ"
    how = "" if how == "they differ" else f" ({how})"
    text = (f"the pre-shared keys differ{how}: {ini.box.hostname}'s {_key_place(ini, res.public)} and "
            f"{res.box.hostname}'s {_key_place(res, ini.public)}; {res.box.hostname} could not decrypt MM5")
    lines = res.box.dialect.psk_fix_lines(res.box.config, ini.public, _same_key(ini))
    return Explanation("psk-mismatch", text, (Fix(res.box.hostname, tuple(lines), "the keys are not printed"),))


def explain(direction: Direction) -> Explanation | None:
    ini, res = direction.initiator, direction.responder
    if direction.blocked == "behind-pat":
        return Explanation("behind-pat", f"{res.box.hostname} is behind PAT as {res.public}: a Main Mode "
                           f"{ini.box.hostname} starts finds no translation there, so only {res.box.hostname} can "
                           "start this tunnel (a static NAT of UDP 500 and 4500 would be needed)")
    if direction.blocked == "no-crypto-map-entry":
        entries = ini.box.config.map_peers()
        named = [p for e in entries for p in e.peers]
        near = _near(res.public, named)
        text = (f"{ini.box.hostname} never starts Main Mode toward {res.box.hostname}: no crypto map entry sets peer "
                f"{res.public}")
        entry = next((e for e in entries if near in e.peers), None) if near else None
        if entry is not None:
            text += f" (crypto map {entry.map} {entry.seq} sets peer {near}: a typo?)"
            lines = ini.box.dialect.map_entry_lines(ini.box.config, entry.map, entry.seq, res.public)
        else:
            bound = [e for e in ini.box.config.map_peers(ini.interface)] or list(entries)
            seq = max((e.seq for e in bound), default=0) + 10
            lines = ini.box.dialect.map_entry_lines(ini.box.config, bound[0].map, seq, res.public)
        note = (f"or a new entry, if crypto map {entry.map} {entry.seq} serves {near}" if entry is not None else "")
        return Explanation("no-crypto-map-entry", text, (Fix(ini.box.hostname, tuple(lines), note),))
    evidence = direction.evidence
    if evidence is None or evidence.up:
        return None
    cause = evidence.cause
    side = {ini.box.hostname: (ini, res, True), res.box.hostname: (res, ini, False)}
    if cause.code == "not-listening":
        me, other, initiating = side.get(cause.where, (res, ini, False))
        return _closed(me, other, cause.detail.get("why") or "ike-disabled", initiating)
    if cause.code in ("no-key", "group-no-key"):
        me, other, _ = side.get(cause.where, (res, ini, False))
        return _no_key(me, other, cause.message, cause.code, cause.event)
    if cause.code == "no-policy":
        me, other, _ = side.get(cause.where, (ini, res, True))
        return _no_policy(me, other)
    if cause.code == "proposal-mismatch":
        return _proposal(ini, res)
    if cause.code == "psk-mismatch":
        return _psk(ini, res)
    if cause.code == "nat-t-off":
        me, _, _ = side.get(cause.where, (res, ini, False))
        return Explanation("nat-t-off", f"{me.box.hostname} does not listen on UDP 4500: NAT traversal is off",
                           (Fix(me.box.hostname, tuple(me.box.dialect.nat_t_lines(me.box.config))),))
    if cause.code == "rsa-sig":
        return Explanation("rsa-sig", "both boxes agreed on certificate authentication (rsa-sig): certificates are "
                           "not simulated, and a pre-shared-key tunnel needs 'authentication pre-share' on both",
                           tuple(Fix(s.box.hostname, (s.box.dialect.policy_lines(
                               s.box.config, p, p.priority, ("auth",))[0], " authentication pre-share"))
                               for s in (ini, res) for p in sorted(s.box.config.policies,
                                                                   key=lambda p: p.priority)[:1]))
    if cause.code == "path-drop":
        rule = cause.detail.get("rule")
        sender = cause.detail.get("from") or "a box"
        return Explanation("path-drop", f"the network drops {cause.message or 'a datagram'} from {sender} "
                           f"({rule}; {cause.detail.get('count', 1)} datagrams in all)",
                           (Fix(PATH, (), f"let UDP 500 and 4500 pass between {ini.public} and {res.public}"),))
    return Explanation(cause.code, f"Phase 1 does not complete ({cause.code}: "
                       f"{cause.detail.get('text') or cause.detail.get('reason', 'retransmissions ran out')})")


def findings(topology: Topology) -> tuple[Finding, ...]:
    """NAT between the boxes while NAT traversal is off on one: Phase 1 may come up on UDP 500, but ESP (IP
    protocol 50) does not pass PAT, so no traffic would flow."""
    out = []
    behind = [s for s in (topology.a, topology.b) if s.public != s.address]
    if behind:
        for side in (topology.a, topology.b):
            if not _nat_t(side):
                out.append(Finding("nat-t-needed", f"{behind[0].box.hostname} is behind NAT as {behind[0].public}, "
                                   f"but NAT traversal is off on {side.box.hostname}: Phase 1 can come up on UDP "
                                   "500, but ESP does not pass PAT, so no traffic would flow",
                                   (Fix(side.box.hostname, tuple(side.box.dialect.nat_t_lines(side.box.config))),)))
    return tuple(out)


def _nat_t(side: Side) -> bool:
    return side.box.dialect.nat_t_on(side.box.config)

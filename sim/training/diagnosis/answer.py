"""The diagnosis of a paste, in the user's terms: per peer, the top causes with the pasted lines that support them
(quoted with their line numbers), what the other box would print and the command that shows it, and the fix written
with the paste's own addresses; or "Phase 1 completed, the problem is in Phase 2" when the paste says so.

Ranking: ``score = prior * fit`` normalised over the candidates, where ``fit`` multiplies the log fit
(:mod:`.matching`) and, when ``show`` tables were pasted, the state fit of :mod:`.states` (the simulated SA tables
at every instant). Causes whose fit is the same as the first's cannot be told apart from what was pasted: the answer
says so and what to paste next.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from ... import faults
from ...errors import InputError
from ...platforms import registry
from . import matching, reader, statefit, states
from .signatures import NO_FAULT, load, readers
from .states import Group

SHOWN = 3
PHASE2 = "phase2"
_KEY = re.compile(r"((?:ikev1 )?pre-shared-key|crypto isakmp key)\s+(.*?)(\s+address\s+\S+.*)?$")


def prior(name: str) -> float:
    return states.prior(name)


@dataclass(frozen=True)
class Quote:
    line: int
    text: str

    def as_dict(self) -> dict:
        return {"line": self.line, "text": self.text}


@dataclass(frozen=True)
class Cause:
    rank: int
    name: str
    title: str
    score: float
    fit: float
    prior: float
    lab: str
    support: tuple[Quote, ...]
    other_box: str  # what to look at on the other box, with the command ("" when both boxes were pasted)
    fix_config: tuple[str, ...]  # the configuration, with the paste's addresses
    explanation: str
    fix: str
    why: str = ""
    group: int | None = None
    tell: str = ""

    @property
    def confirm(self) -> tuple[str, ...]:
        return (self.other_box,) if self.other_box else ()

    def as_dict(self) -> dict:
        return {"rank": self.rank, "name": self.name, "title": self.title, "score": round(self.score, 4),
                "fit": round(self.fit, 6), "prior": self.prior, "lab": self.lab, "why": self.why,
                "support": [q.as_dict() for q in self.support], "other_box": self.other_box,
                "fix_config": list(self.fix_config), "fix": self.fix, "explanation": self.explanation,
                "group": self.group, "tell": self.tell}


@dataclass(frozen=True)
class PeerDiagnosis:
    peer: str | None
    read: tuple[str, ...]  # what was read, one sentence each
    causes: tuple[Cause, ...]
    groups: tuple[Group, ...] = ()
    phase2: bool = False
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"peer": self.peer, "read": list(self.read), "phase2": self.phase2, "notes": list(self.notes),
                "causes": [c.as_dict() for c in self.causes], "groups": [g.as_dict() for g in self.groups]}


@dataclass(frozen=True)
class Diagnosis:
    source: str
    peers: tuple[PeerDiagnosis, ...]
    notes: tuple[str, ...] = ()
    shows: object = None  # the states diagnosis of the pasted show tables, when any

    # the first peer's answer, for callers that diagnose one tunnel
    @property
    def causes(self) -> tuple[Cause, ...]:
        return self.peers[0].causes if self.peers else ()

    @property
    def groups(self) -> tuple[Group, ...]:
        return self.peers[0].groups if self.peers else ()

    @property
    def top(self) -> Cause | None:
        return self.causes[0] if self.causes else None

    @property
    def tunnels(self):
        return self.shows.tunnels if self.shows is not None else ()

    @property
    def mode(self) -> str:
        return self.shows.mode if self.shows is not None else "logs"

    def ranking(self) -> list[str]:
        return [c.name for c in self.causes]

    def as_dict(self) -> dict:
        data = {"source": self.source, "notes": list(self.notes), "peers": [p.as_dict() for p in self.peers],
                "causes": [c.as_dict() for c in self.causes]}
        if self.shows is not None:
            data["read"] = self.shows.as_dict()["read"]
        return data

    def render(self, shown: int = SHOWN, width: int | None = None) -> str:
        out: list[str] = []

        def say(text: str, indent: str = "", hang: str = "") -> None:
            if width:
                out.extend(textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + hang,
                                         break_long_words=False, break_on_hyphens=False) or [indent])
            else:
                out.append(indent + text)

        for note in self.notes:
            say(f"note: {note}")
        for index, peer in enumerate(self.peers):
            if index:
                out.append("")
            title = f"Peer {peer.peer}" if peer.peer else "The tunnel"
            say(f"{title} (read from {self.source}):")
            for line in peer.read:
                say(line, "  ", "  ")
            for note in peer.notes:
                say(f"note: {note}", "  ", "  ")
            if not peer.causes:
                say("No simulated fault reproduces what was pasted.", "  ")
                continue
            for cause in peer.causes[:shown]:
                score = "" if cause.name == PHASE2 else f" ({cause.score:.2f})"
                say(f"{cause.rank}. {cause.name}: {cause.title}{score}", "", "   ")
                for quote in cause.support:
                    say(f"seen: line {quote.line}: {quote.text}", "   ", "  ")
                if cause.other_box:
                    say(f"check: {cause.other_box}", "   ", "  ")
                if cause.fix_config:
                    say("fix: " + " / ".join(cause.fix_config), "   ", "  ")
                else:
                    say(f"fix: {cause.fix}", "   ", "  ")
            for group in peer.groups:
                if group.ranks[0] <= shown:
                    names = ", ".join(group.members[:shown]) + (" and others" if len(group.members) > shown else "")
                    say(f"{names} cannot be told apart from what was pasted (they explain it equally well): "
                        "the 'check' lines say what the other box would print for each; paste its debug or "
                        "log to tell them apart.", "", "  ")
            rest = peer.causes[shown:]
            if rest:
                say(f"({len(rest)} less likely: " + ", ".join(c.name for c in rest[:6])
                    + (", ..." if len(rest) > 6 else "") + "; --all lists them)")
        return "\n".join(out) + "\n"


# -- building the answer ---------------------------------------------------------------------------------------------


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def _quote(line) -> Quote:
    return Quote(line.number, _short(line.raw, 120))


def _title(name: str) -> str:
    return "No fault: Phase 1 completes" if name == NO_FAULT else faults.CATALOGUE[name].title


def _mask_key(line: str) -> str:
    m = _KEY.search(line.strip())
    if not m:
        return line.strip()
    return line.strip()[:m.start(2)] + "<the same key on both peers>" + (m.group(3) or "")


def _speak(text: str, mapping: dict[str, str]) -> str:
    for lab_address, shown in mapping.items():
        text = re.sub(rf"(?<![\d.]){re.escape(lab_address)}(?![\d])", shown, text)
    return text


def _lab(name: str) -> dict:
    return next(lab for lab in load()["labs"] if lab["name"] == name)


def _mapping(lab: dict, fault: str, side: int | None, peer: str | None, own: str | None) -> dict[str, str]:
    """Lab address -> the paste's address (or a placeholder)."""
    sides = [None, None]
    if side is not None:
        sides[1 - side] = peer
        sides[side] = own
    names = ["<initiator's address>", "<responder's address>"]
    if side is not None:
        names[side] = "<this box's address>"
        names[1 - side] = "<peer address>"
    mapping = {}
    addresses = lab["faults"].get(fault, lab["faults"][NO_FAULT])["addresses"]
    for index in range(2):
        shown = sides[index] or names[index]
        mapping[addresses[index]] = shown
        mapping.setdefault(lab["addresses"][index], shown)
    return mapping


def _fix_config(lab: dict, fault: str, mapping: dict[str, str]) -> tuple[str, ...]:
    entry = lab["faults"].get(fault)
    if not entry or not entry["fix"]:
        return ()
    out = []
    for side, lines in entry["fix"]:
        platform = lab["platforms"][side].upper()
        body = " / ".join(_speak(_mask_key(line), mapping) for line in lines[:4])
        out.append(f"on the {matching.SIDES[side]} ({platform}): `{body}`")
    return tuple(out)


def _other_box(lab: dict, fault: str, side: int, mapping: dict[str, str], peer: str | None) -> str:
    other = 1 - side
    platform = lab["platforms"][other]
    command = readers()[platform].DEBUG_COMMAND
    lines = [_short(_speak(line, mapping)) for line in matching.distinctive(fault, lab["name"], other)]
    who = f"on the {matching.SIDES[other]}" + (f" ({peer}, {platform.upper()})" if peer else f" ({platform.upper()})")
    if not lines:
        return f"{who}: `{command}` should show nothing unusual (the run there logs what a healthy one does)"
    return f"{who}: `{command}` would show: " + " | ".join(f'"{line}"' for line in lines)


def _phase2(peer: matching.PeerLogs, ph: matching.Phases) -> Cause:
    done = ph.p1done[:1] or ph.qm[:1]
    trouble = ph.qmfail[:2] or ph.qm[:1]
    support = tuple(_quote(line) for line in list(done) + [t for t in trouble if t not in done])
    platforms = {box.platform for box in peer.boxes}
    commands = " / ".join(f"`show crypto ipsec sa` and `{registry.get(p).phase2_debug}`" for p in sorted(platforms))
    why = ("Phase 1 completed" + (f" (line {ph.p1done[0].number})" if ph.p1done else " (Quick Mode was under way)")
           + "; the problem is in Phase 2 (Quick Mode)")
    return Cause(1, PHASE2, "Phase 1 completed; the problem is in Phase 2 (Quick Mode)", 1.0, 1.0, 1.0, "",
                 support, f"on both peers: {commands}, and compare the crypto ACLs (they must mirror each other "
                 "exactly), the transform sets and PFS",
                 (), "Quick Mode is not simulated, so Phase-2 causes (proxy identities, transform set, PFS) are not "
                 "ranked; Phase-1 faults are not the problem here.",
                 "Make the crypto ACLs mirror images of each other, the transform sets and the PFS group the same on "
                 "both peers.", why)


def _support(match: matching.LogMatch | None, peer: matching.PeerLogs | None, fault: str, lab: dict,
             sa_lines: list[Quote]) -> tuple[Quote, ...]:
    quotes: list[Quote] = []
    if match is not None and peer is not None:
        healthy = lab["faults"][NO_FAULT]["sides"]
        for index, key in match.hits:
            side = match.sides[index]
            if fault != NO_FAULT and key in healthy[side]:
                continue
            line = next(l for l in peer.boxes[index].lines if l.key == key)
            if fault == NO_FAULT and line.phase not in ("p1done", "p2done"):
                continue
            quotes.append(_quote(line))
        quotes.sort(key=lambda q: q.line)
    return tuple(sa_lines + quotes)[:3]


def _read_sentences(paste: reader.Paste, peer: matching.PeerLogs | None) -> list[str]:
    out = []
    if peer is not None:
        for box in peer.boxes:
            kinds = sorted({line.kind for line in box.lines})
            what = f"{len(box.lines)} {box.platform.upper()} {' and '.join(kinds)} line{'s' if len(box.lines) != 1 else ''}"
            if box.side is None:
                role = "its role is not in the lines (tried as initiator and as responder)"
            else:
                role = (f"this box is the {matching.SIDES[box.side]} (line {box.role_line.number}: "
                        f"\"{box.role_line.body[:70]}\")")
            out.append(f"{what}; {role}")
    if paste.observation is not None:
        for device in paste.observation.devices:
            out.append(device.describe())
    return out


def _rank(fits: dict[str, float]) -> list[tuple[str, float, float]]:
    candidates = [NO_FAULT] + list(faults.CATALOGUE)
    weights = {n: prior(n) * f for n, f in fits.items() if f > 0}
    total = sum(weights.values()) or 1.0
    order = sorted(weights, key=lambda n: (-weights[n], -fits[n], candidates.index(n)))
    return [(n, weights[n] / total, fits[n]) for n in order]


def _diagnose_peer(paste: reader.Paste, peer: matching.PeerLogs | None, shows, own: str | None) -> PeerDiagnosis:
    notes: list[str] = []
    read = _read_sentences(paste, peer)
    ph = matching.phases(peer.lines) if peer is not None else None
    if ph is not None and ph.phase2_trouble:
        return PeerDiagnosis(peer.address, tuple(read), (_phase2(peer, ph),), (), True, tuple(notes))
    log_matches = matching.match_logs(peer) if peer is not None else {}
    state_fits: dict[str, float] = {}
    state_labs: dict[str, str] = {}
    if shows is not None:
        for cause in shows.causes:
            state_fits[cause.name] = cause.fit
            state_labs[cause.name] = cause.lab
    names = [NO_FAULT] + list(faults.CATALOGUE)
    fits = {}
    for name in names:
        fit = 1.0
        if peer is not None:
            fit *= log_matches[name].fit if name in log_matches else 0.0
        if shows is not None:
            fit *= state_fits.get(name, 0.0)
        if peer is not None or shows is not None:
            fits[name] = fit
    ranked = _rank(fits)
    sa_lines: list[Quote] = []
    side = None
    peer_address = peer.address if peer is not None else None
    if shows is not None and shows.tunnels:
        tunnel = shows.tunnels[0]
        sa_lines = [Quote(sa.line, paste.line(sa.line)) for sa in tunnel.sas if 0 < sa.line <= len(paste.lines)][:1]
        roles = {sa.role for sa in tunnel.sas if sa.role}
        if len(roles) == 1 and len(shows.tunnels) == 1:
            side = matching.SIDES.index(roles.pop())
            peer_address = peer_address or states._peer_address(tunnel, side)
            own = own or states._own_address(tunnel, side)
    causes = []
    top_fit = ranked[0][2] if ranked else 0
    equal = [n for n, _s, f in ranked if abs(f - top_fit) <= 1e-12 * max(top_fit, 1e-300)]
    groups = (Group(tuple(equal), tuple(range(1, len(equal) + 1))),) if len(equal) > 1 else ()
    for rank, (name, score, fit) in enumerate(ranked, start=1):
        match = log_matches.get(name)
        lab_name = match.lab if match is not None else state_labs.get(name, load()["labs"][0]["name"])
        lab = _lab(lab_name)
        box_side = side
        if match is not None and len(match.sides) == 1:
            box_side = match.sides[0]
        both = match is not None and len(match.sides) == 2 or (shows is not None and len(shows.tunnels) == 2)
        mapping = _mapping(lab, name, box_side, peer_address, own)
        other = "" if both or box_side is None or rank > SHOWN * 2 else _other_box(lab, name, box_side, mapping,
                                                                                 peer_address)
        explanation = faults.CATALOGUE[name].explanation if name != NO_FAULT else "Nothing is wrong in Phase 1."
        fix = faults.CATALOGUE[name].fix if name != NO_FAULT else "Nothing to fix in Phase 1."
        support = _support(match, peer, name, lab, sa_lines)
        why = (f"{len(support)} pasted line{'s' if len(support) != 1 else ''} fit what the simulator prints for it "
               f"(lab {lab_name})")
        in_group = name in equal and len(equal) > 1
        tell = ""
        if in_group and box_side is not None:
            tell = _other_box(lab, name, box_side, mapping, peer_address)
        causes.append(Cause(rank, name, _title(name), score, fit, prior(name), lab_name, support, other,
                            _fix_config(lab, name, mapping), explanation, fix, why, 0 if in_group else None, tell))
    if shows is not None and shows.mode == "none" and not causes:
        notes.append("the simulator models IKEv1 Main Mode with pre-shared keys; nothing in the catalogue makes a "
                     "box show what was pasted")
    return PeerDiagnosis(peer_address, tuple(read), tuple(causes), groups, False, tuple(notes))


def diagnose(text: str, *, source: str = "-", peer: str | None = None) -> Diagnosis:
    """Read a paste (show output, syslog, debug; one box or both; several peers) and rank the faults that explain
    it, per peer (``peer`` picks one). Raises :class:`~sim.errors.InputError` on unreadable input."""
    paste = reader.read(text, source)
    notes = list(paste.notes)
    shows = None
    if paste.observation is not None:
        shows = statefit.fits(_show_text(paste), source=source, peer=peer)
        notes += list(shows.notes)
    groups = matching.group(paste.logs)
    if peer is not None and groups:
        chosen = [g for g in groups if g.address == peer]
        if not chosen and shows is None:
            seen = ", ".join(str(g.address) for g in groups)
            raise InputError(f"--peer {peer}: the paste names no such peer (it names {seen})", source=source)
        groups = chosen
    elif len(groups) > 1:
        groups.sort(key=lambda g: -len(g.lines))
        least = max(3, len(groups[0].lines) // 10)
        small = [g for g in groups[1:] if len(g.lines) < least]
        if small:
            groups = [g for g in groups if g not in small]
            notes.append(f"ignored peers named by fewer than {least} lines: " + ", ".join(str(g.address) for g in small))
    peers: list[PeerDiagnosis] = []
    if not groups:
        peers.append(_diagnose_peer(paste, None, shows, None))
    for index, g in enumerate(groups):
        peers.append(_diagnose_peer(paste, g, shows if index == 0 else None, None))
    return Diagnosis(source, tuple(peers), tuple(notes), shows)


def _show_text(paste: reader.Paste) -> str:
    logs = {line.number for line in paste.logs}
    return "\n".join(reader.show_lines(["" if n in logs else line for n, line in enumerate(paste.lines, start=1)]))

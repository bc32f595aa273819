"""Match a read paste against the simulated signatures: which box printed which lines, and how well each catalogue
fault (and no fault) explains them.

Rule: the pasted lines of each box are abstracted (:func:`sim.platforms.pastelines.abstract`); only wording the
simulator can print on that platform (the union of all signatures: the *vocabulary*) is evidence, anything else
(Quick Mode, wording the simulator lacks) is left out of the ranking. For a fault, a box sitting on a side of a lab,
every distinct pasted key the fault's run also prints there counts 1, every other key :data:`MISS` (a fault that
does not make the box print a pasted line is unlikely, not impossible: real boxes differ from the simulator). So a
line that only one fault prints (``probably due to mismatched pre-shared key``) weighs as much as every fault that
does not print it misses, and lines that every run prints weigh nothing. The best lab and side assignment counts.
Boxes sit on the side their own lines name (``(I)``/``(R)``, ``IKE Initiator``, ``Generating keys for Responder``);
a box whose lines name none is tried on both sides.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

from ...platforms.pastelines import LogLine
from .signatures import NO_FAULT, load, readers

MISS = 0.05
SIDES = ("initiator", "responder")


@dataclass
class Box:
    """The lines one pasted device printed about one peer."""

    platform: str
    lines: list[LogLine] = field(default_factory=list)
    side: int | None = None  # 0 initiator, 1 responder, None: the lines do not say
    role_line: LogLine | None = None  # the first line that says the role

    @property
    def keys(self) -> list[str]:
        """The distinct wordings that are evidence (vendor-ID/feature lines are not: they follow the features
        configured, not the fault)."""
        seen: dict[str, None] = {}
        for line in self.lines:
            if not line.detail:
                seen.setdefault(line.key)
        return list(seen)


@dataclass
class PeerLogs:
    """Everything pasted about the tunnel to one peer address (None: the lines name no address)."""

    address: str | None
    boxes: list[Box]

    @property
    def lines(self) -> list[LogLine]:
        return sorted((line for box in self.boxes for line in box.lines), key=lambda l: l.number)


def group(logs: tuple[LogLine, ...]) -> list[PeerLogs]:
    """Lines grouped by the peer they name (lines naming none go with the line before, or the first peer named),
    then by platform, then by the role the lines themselves state (both roles in one group: both boxes pasted)."""
    first = next((line.peer for line in logs if line.peer), None)
    current = first
    by_peer: dict[str | None, list[LogLine]] = {}
    for line in logs:
        current = line.peer or current
        by_peer.setdefault(current, []).append(line)
    out = []
    for address, lines in by_peer.items():
        boxes: list[Box] = []
        for platform in dict.fromkeys(line.platform for line in lines):
            mine = [line for line in lines if line.platform == platform]
            roles = [line for line in mine if line.role]
            if {line.role for line in roles} == {"initiator", "responder"}:
                two = {r: Box(platform, side=SIDES.index(r)) for r in SIDES}
                role = roles[0].role
                for line in mine:
                    role = line.role or role
                    box = two[role]
                    if box.role_line is None and line.role:
                        box.role_line = line
                    box.lines.append(line)
                boxes += [b for b in two.values() if b.lines]
            else:
                box = Box(platform, mine)
                if roles:
                    box.side, box.role_line = SIDES.index(roles[0].role), roles[0]
                else:
                    found = readers()[platform].mm1_role(mine)
                    if found is not None:
                        box.side, box.role_line = SIDES.index(found[0]), found[1]
                boxes.append(box)
        out.append(PeerLogs(address, boxes))
    return out


@functools.lru_cache(maxsize=None)
def vocabulary(platform: str) -> frozenset:
    keys = set()
    for lab in load()["labs"]:
        for entry in lab["faults"].values():
            for side, platform_ in enumerate(lab["platforms"]):
                if platform_ == platform:
                    keys.update(entry["sides"][side])
    return frozenset(keys)


@dataclass(frozen=True)
class LogMatch:
    fault: str
    lab: str
    sides: tuple[int, ...]  # per box
    fit: float
    hits: tuple[tuple[int, str], ...]  # (box index, key) the fault's run prints too
    misses: tuple[tuple[int, str], ...]


def _assignments(boxes: list[Box], platforms: tuple[str, str]):
    options = [[box.side] if box.side is not None else [0, 1] for box in boxes]
    for sides in itertools.product(*options):
        if len(set(sides)) != len(sides):
            continue
        if all(platforms[s] == box.platform for s, box in zip(sides, boxes)):
            yield sides


def match_logs(peer: PeerLogs) -> dict[str, LogMatch]:
    """The best :class:`LogMatch` per fault (only faults some lab can host with the pasted platforms and roles)."""
    best: dict[str, LogMatch] = {}
    evidence = [[k for k in box.keys if k in vocabulary(box.platform)] for box in peer.boxes]
    for lab in load()["labs"]:
        for sides in _assignments(peer.boxes, tuple(lab["platforms"])):
            for name, entry in lab["faults"].items():
                hits, misses = [], []
                for index, (side, keys) in enumerate(zip(sides, evidence)):
                    printed = entry["sides"][side]
                    for key in keys:
                        (hits if key in printed else misses).append((index, key))
                fit = MISS ** len(misses)
                if name not in best or fit > best[name].fit + 1e-15:
                    best[name] = LogMatch(name, lab["name"], sides, fit, tuple(hits), tuple(misses))
    return best


def distinctive(fault: str, lab_name: str, side: int, limit: int = 2) -> list[str]:
    """Example lines that ``fault`` makes the box on ``side`` print and the healthy run does not, the rarest among
    the catalogue's runs first: what would confirm the fault on that box."""
    lab = next(l for l in load()["labs"] if l["name"] == lab_name)
    entry = lab["faults"].get(fault)
    if entry is None:
        return []
    healthy = lab["faults"][NO_FAULT]["sides"][side]
    counts: dict[str, int] = {}
    for other in lab["faults"].values():
        for key in other["sides"][side]:
            counts[key] = counts.get(key, 0) + 1
    own = [k for k in entry["sides"][side] if k not in healthy]
    order = list(entry["sides"][side])
    own.sort(key=lambda k: (counts[k], order.index(k)))
    return [entry["sides"][side][k] for k in own[:limit]]


@dataclass(frozen=True)
class Phases:
    """What the paste says about the exchange, with the lines that say it."""

    p1done: tuple[LogLine, ...]
    qm: tuple[LogLine, ...]
    qmfail: tuple[LogLine, ...]
    p2done: tuple[LogLine, ...]

    @property
    def phase2_trouble(self) -> bool:
        started = self.p1done or self.qm or self.qmfail
        return bool(started and (self.qmfail or (self.qm and not self.p2done)))


def phases(lines: list[LogLine]) -> Phases:
    def pick(name):
        return tuple(line for line in lines if line.phase == name)

    return Phases(pick("p1done"), pick("qm"), pick("qmfail"), pick("p2done"))

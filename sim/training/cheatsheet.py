"""The stuck-state cheat sheet, generated from the core's transition table and from runs of the fault catalogue.

Nothing here is written by hand about states: each section is one waiting state of :data:`sim.ike.states.TRANSITIONS`
(what it waits for, what the step out of it needs), its name on each platform (the platforms' ``state_name``), and
the faults that leave a side in it, found by running every catalogue fault on each lab pair and looking at both
sides, with the log lines each side wrote (the platforms' ``show logging``).
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from pathlib import Path

from .. import faults
from ..engine.path import Loss
from ..errors import InputError
from ..platforms import registry
from ..scenario import bundled_dir, load_scenario
from .cache import cached_text, fingerprint



def _labs() -> tuple[tuple[str, str], ...]:
    """(label, bundled healthy scenario) for every pair of registered platforms: ``healthy`` for the default
    platform on both sides, ``<initiator>-to-<responder>-healthy`` for the others."""
    first = registry.names()[0]
    pairs = []
    for i, r in itertools.product(registry.names(), repeat=2):
        label = f"{registry.get(i).label} → {registry.get(r).label}"
        pairs.append((label, "healthy" if i == r == first else f"{i}-to-{r}-healthy"))
    return tuple(pairs)


#: lab pairs: (label, bundled healthy scenario)
LABS = _labs()
_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
#: how the introduction counts the lab pairs (one per ordered pair of registered platforms)
_NUMBER_WORDS = {1: "one", 4: "four", 9: "nine"}
_STAMP = re.compile(r"^(?:\*?[A-Z][a-z]{2} +\d+ (?:\d{4} )?\d\d:\d\d:\d\d(?:\.\d+)?: )")


@dataclass
class Sighting:
    fault: str
    lab: str
    other_side: str
    platform: str  # of the stuck side
    own_logs: list[str] = field(default_factory=list)
    other_logs: list[str] = field(default_factory=list)
    random: bool = False  # random loss: states vary with the seed, no log line is certain


def _notable(text: str) -> list[str]:
    """The log lines worth looking for (each platform's ``notable_log``), addresses generalised."""
    lines = []
    platforms = registry.all_platforms()
    for line in text.splitlines():
        if any(p.notable_log(line) for p in platforms):
            line = _STAMP.sub("", line.strip())
            line = _ADDRESS.sub("<peer>", line).replace("Group = <peer>, ", "")
            if line not in lines:
                lines.append(line)
    return lines


def _shown(result, hostname: str, t: float) -> list[str]:
    device = result.scenario.device(hostname)
    platform = registry.get(device.platform)
    return [platform.state_name(u.role, u.state) for u, _, _ in result.trace.sa_table(hostname, t)]


LATE = 120.0  # by then every stuck SA has been removed and has logged why
#: a fault whose path loses datagrams at random is run with these seeds: a state is listed when some seed leaves a
#: side there, with every state the other side showed across them; no log lines are listed for it, since which
#: lines appear depends on what was lost (sampling seeds cannot make a line certain)
RANDOM_SEEDS = tuple(range(1, 17))


def _random(scenario) -> bool:
    return any(isinstance(rule, Loss) for rule in scenario.path)


def sightings(at: float | None = None) -> dict[tuple[str, str], list[Sighting]]:
    """(role, core state) -> where a side sits in that state at the look time (or ``at``), for every fault."""
    from ..api import run
    from ..ike.states import MM_ACTIVE

    found: dict[tuple[str, str], list[Sighting]] = {}
    for label, base_name in LABS:
        try:
            base = load_scenario(base_name)
        except InputError:  # pragma: no cover - a lab pair whose base is not bundled
            continue
        runs: dict[str, list] = {}
        for name in faults.CATALOGUE:
            try:
                broken = faults.apply(base, [name])
            except InputError:
                continue  # a fault that cannot apply to this pair
            seeds = RANDOM_SEEDS if _random(broken) else (None,)
            runs[name] = [run(broken, seed=seed) for seed in seeds]
        # log lines most runs write (start of Phase 1, removal) say nothing about the cause: leave them out
        common: dict[str, set[str]] = {}
        for role in ("initiator", "responder"):
            counts: dict[str, int] = {}
            for results in runs.values():
                result = results[0]
                host = getattr(result.scenario, role).hostname
                for line in set(_notable(result.show(host, "show logging", at=LATE))):
                    counts[line] = counts.get(line, 0) + 1
            common[role] = {line for line, n in counts.items() if n > len(runs) // 3}
        for name, results in runs.items():
            merged: dict[tuple[str, str], dict] = {}
            for result in results:
                t = result.look if at is None else at
                sides = {d.role: d for d in result.scenario.devices}
                for role, device in sides.items():
                    other_role = "responder" if role == "initiator" else "initiator"
                    other = sides[other_role]
                    for update, _, _ in result.trace.sa_table(device.hostname, t):
                        if update.state == MM_ACTIVE:
                            continue
                        own = [line for line in _notable(result.show(device.hostname, "show logging", at=LATE))
                               if line not in common[role]]
                        theirs = [line for line in _notable(result.show(other.hostname, "show logging", at=LATE))
                                  if line not in common[other_role]]
                        shown = ", ".join(_shown(result, other.hostname, t)) or "no SA"
                        entry = merged.setdefault((role, str(update.state)), dict(
                            platform=device.platform, other=[], own=own, theirs=theirs))
                        if shown not in entry["other"]:
                            entry["other"].append(shown)
                        entry["own"] = [line for line in entry["own"] if line in own]  # held by every seed so far
                        entry["theirs"] = [line for line in entry["theirs"] if line in theirs]
            for (role, state), entry in merged.items():
                random_loss = len(results) > 1
                found.setdefault((role, state), []).append(Sighting(
                    name, label, " or ".join(entry["other"]), entry["platform"],
                    [] if random_loss else entry["own"][:3], [] if random_loss else entry["theirs"][:3],
                    random_loss))
    return found


def cheatsheet_markdown(at: float | None = None) -> str:
    """The cheat sheet as Markdown, computed now (simulates every fault on every lab pair)."""
    from ..ike.states import MM_ACTIVE, TRANSITIONS

    found = sightings(at)
    labs = [label for label, _ in LABS]
    out = ["# IKEv1 Main Mode: the stuck-state cheat sheet", "",
           "Generated by `ikesim cheatsheet` from the protocol core's transition table and from simulated runs of "
           f"every fault in the catalogue on {_NUMBER_WORDS.get(len(labs), len(labs))} lab pairs ({', '.join(labs)}), looked at "
           "5 s after the first datagram. Log lines are the notable ones "
           f"({', '.join(p.notable_logs for p in registry.all_platforms())}) that set a cause "
           "apart, written by the time the stuck SA is removed; `<peer>` stands for an address. A fault with random "
           f"loss was run with {len(RANDOM_SEEDS)} seeds: it is listed where any of them leaves a side, the other "
           "side's states are all those seen, and no log lines are listed for it (which appear depends on what was "
           "lost).", "",
           "Legend for the log lines: " + " / ".join(f"**{p.label}**" for p in registry.all_platforms())
           + " is the platform of the stuck side (this side); *this side* is the box in the state of the section, "
           "*the other side* its peer.", ""]
    for row in TRANSITIONS:
        if row.state is None or row.state == MM_ACTIVE or not row.receives:
            continue
        names = OrderedDict((p.label, p.state_name(row.role, row.state)) for p in registry.all_platforms())
        out += [f"## {row.state} ({row.role})", ""]
        out.append("Shown as " + " and ".join(f"`{n}` on {p}" for p, n in names.items()) + ".")
        out.append("")
        sent = next((r for r in TRANSITIONS if r.role == row.role and r.next == row.state), None)
        if sent is not None:
            out.append(f"- **Last thing this side did:** sent {sent.sends} ({sent.payloads}).")
        out.append(f"- **Waiting for:** {row.receives} from the "
                   f"{'responder' if row.role == 'initiator' else 'initiator'}.")
        out.append(f"- **It arrives only after:** {row.arrives}.")
        out.append(f"- **To accept it, this side needs:** {row.needs}.")
        out.append("")
        seen = found.get((row.role, row.state), [])
        if not seen:
            out += ["No catalogue fault leaves a side here at the look time.", ""]
            continue
        by_fault: OrderedDict[str, dict[str, Sighting]] = OrderedDict()
        for s in seen:
            by_fault.setdefault(s.fault, {})[s.lab] = s
        out += ["| likely cause (fault) | the other side shows: " + " | ".join(labs) + " |",
                "|---|" + "---|" * len(labs)]
        for name, per_lab in by_fault.items():
            cells = [per_lab[lab].other_side if lab in per_lab else "—" for lab in labs]
            out.append(f"| {faults.CATALOGUE[name].title} (`{name}`) | " + " | ".join(cells) + " |")
        out += ["", "Log lines to look for:", ""]
        for name, per_lab in by_fault.items():
            parts = []
            for platform in registry.names():
                s = next((x for x in per_lab.values() if x.platform == platform), None)
                if s is None:
                    continue
                lines = [f"this side `{line}`" for line in s.own_logs[:2]]
                lines += [f"the other side `{line}`" for line in s.other_logs[:2]]
                for line in lines:
                    parts.append(f"  - **{registry.get(platform).label}**, {line}")
            if any(x.random for x in per_lab.values()):
                out.append(f"- `{name}`: random loss; which lines appear depends on which datagrams were lost")
            elif parts:
                out.append(f"- `{name}`:")
                out += parts
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def sources() -> list[Path]:
    """Every file the sheet is made from: the whole package's code and the bundled scenarios."""
    package = Path(__file__).resolve().parents[1]
    return sorted(package.rglob("*.py")) + sorted(bundled_dir().glob("*.y*ml"))


def cheatsheet_text() -> str:
    """The cheat sheet (:func:`cheatsheet_markdown` at the look time), from the user's cache when the code that
    makes it has not changed since it was last computed, so a fresh ``ikesim cheatsheet`` needs no simulation.
    The heavy modules (the core, scapy) are imported only when it has to be computed."""
    return cached_text("cheatsheet", fingerprint(sources()), cheatsheet_markdown, ".md")

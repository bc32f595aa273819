"""Diagnosis from `show isakmp sa` states alone: which faults explain the pasted SA tables, ranked by simulation.

Nothing here maps a state to a cause. The ranking comes from the simulator: for every fault of the catalogue
(:data:`sim.faults.CATALOGUE`) and for *no fault*, in every bundled healthy lab whose platforms fit the paste
(ASA->ASA ``healthy``; ASA->IOS and IOS->ASA from ``*-healthy`` scenarios when they are bundled), the lab is broken
with :func:`sim.faults.apply`, run, and each side's ``show`` output is rendered *by the platform* and read back *by
the same parser* as the paste (:mod:`sim.training.showparse`). That gives each fault's signature: what both sides show
at every instant. The pasted observation is then matched against the signatures at :data:`SAMPLE_TIMES`.

Scoring rule
------------
* At one instant, a pasted device matches a simulated device when both show no SA, or when their SAs pair up one
  to one with the same state name and, where the paste shows them, the same role; a different ``Type`` (user/L2L)
  halves the match (:data:`TYPE_MISMATCH`: the switch point is uncertain, ike-facts.md 3.1). Unequal SA counts scale
  the match by ``min/max``. An IOS ``ACTIVE (deleted)`` row may count as present or as gone, whichever fits better
  (the simulator removes SAs at once). With both ends pasted, both must match at the *same* instant, and when the
  paste reveals whether the responder sees the initiator under another address (NAT), a disagreement with the
  simulated run multiplies the match by :data:`NAT_MISMATCH` (0.1, not 0: users often anonymise addresses).
* ``fit`` = the mean match over the instants of :data:`SAMPLE_TIMES` (seconds after the first datagram: 0.5,
  1.5 ... 59.5 s, then 75.5 ... 299.5 s; half-seconds so that no sample lands on a retransmission) that fall within
  the first negotiation attempt (ATTEMPT): it ends when the initiator gives up after its retransmissions, or else
  when neither side has an SA left; it lasts the whole run when an SA stays. A user looks at a tunnel that interesting
  traffic keeps trying to bring up, so after one attempt gives up the next begins: "both sides gave up and show
  nothing" is not an instant the user would see. A fault's fit is its best over the labs and the ways the pasted
  devices can sit in them (initiator or responder side).
* ``score`` = ``prior * fit``, normalised over every candidate (so the scores add up to 1). :data:`PRIORS` says how
  common each cause is in the field: our estimate (from the seed article's ordering of likely causes and common
  support experience), a choice rather than a measured fact. A fault missing from :data:`PRIORS` gets 1.
* Ties (same score) keep the catalogue's order, so the ranking is deterministic.
* When both ends are pasted but no simulated instant shows both together (outputs taken at different times), each
  device is matched on its own and the fits multiplied; the diagnosis says so.
* Candidates whose match is the same at every sampled instant are *indistinguishable from show alone*; the
  diagnosis groups them and says what tells them apart, found by comparing their simulated runs: the other side's
  state, the first datagram that dies and where, the log lines, the configuration line the fault changes.

Every hint comes from the simulated run (its Trace, rendered by the platform: the datagram that dies, the log lines
the devices record, the configuration lines the fault changed) and from the catalogue (explanation, fix).
"""

from __future__ import annotations

import difflib
import functools
import itertools
import math
import re
from dataclasses import dataclass

from ... import faults
from ...errors import InputError
from ...ike.types import Reason
from ...platforms import registry
from .. import showparse
from ..showparse import DeviceObservation, Observation, SaObservation

NO_FAULT = "no-fault"

#: Seconds after the first datagram at which the simulated labs are looked at.
SAMPLE_TIMES: tuple[float, ...] = tuple(k + 0.5 for k in range(60)) + (75.5, 90.5, 120.5, 180.5, 240.5, 299.5)

#: A pasted Type (user/L2L) that differs from the simulated one halves the match at that instant.
TYPE_MISMATCH = 0.5
#: The paste shows NAT (or shows none) where the simulated run does the opposite.
NAT_MISMATCH = 0.1

#: How common each cause is in the field (relative weights): our estimate, see the module docstring.
PRIORS: dict[str, float] = {
    NO_FAULT: 10.0,
    "psk-mismatch": 10.0,
    "udp500-blocked": 8.0,
    "missing-tunnel-group": 6.0,
    "proposal-encryption": 4.0,
    "proposal-group": 4.0,
    "proposal-hash": 3.0,
    "no-route": 3.0,
    "return-path-blocked": 3.0,
    "psk-trailing-space": 3.0,
    "nat-t": 3.0,
    "psk-special-char": 2.0,
    "nat-t-4500-blocked": 2.0,
    "initiator-no-psk": 2.0,
    "ikev1-disabled-responder": 2.0,
    "ikev1-disabled-initiator": 2.0,
    "proposal-auth": 1.0,
    "lifetime-longer-responder": 1.0,
    "missing-tunnel-group-default-key": 1.0,
    "loss-recovers": 1.0,
    "loss-fatal": 0.5,
    "delay": 0.5,
}



def _label(platform: str) -> str:
    """How prose names ``platform`` (its registered label; an unknown name as it is)."""
    return registry.get(platform).label if platform in registry.names() else platform


SIDES = ("initiator", "responder")
#: how many causes render() prints in full, and the least score a cause needs for that (the first always has it)
SHOWN = 5
MIN_DETAILED = 0.02

_TIMESTAMP = re.compile(r"^\*?[A-Z][a-z]{2}\s+\d+\s+(?:\d{4}\s+)?\d\d:\d\d:\d\d(?:\.\d+)?:?\s*")
_SEVERITY = re.compile(r"%[A-Z0-9_]+-(\d)-")
_TROUBLE = re.compile(r"error|fail|denied|not found|mismatch|abort|can ?not|no pre-shared|unable|invalid", re.I)


def prior(name: str) -> float:
    return PRIORS.get(name, 1.0)


# -- labs ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lab:
    """A bundled scenario where Phase 1 completes: the healthy lab every fault is applied to."""

    name: str
    initiator: str  # platform
    responder: str

    @property
    def platforms(self) -> tuple[str, str]:
        return (self.initiator, self.responder)

    @property
    def label(self) -> str:
        return f"{_label(self.initiator)}->" \
               f"{_label(self.responder)} lab '{self.name}'"


@functools.lru_cache(maxsize=None)
def labs() -> tuple[tuple[Lab, ...], tuple[Lab, ...], tuple[str, ...]]:
    """The healthy labs per (initiator platform, responder platform), the platform pairs that have none (as
    nameless labs) and notes on scenarios that could not serve.

    ``healthy`` is the ASA->ASA lab; other pairs come from bundled scenarios named ``*-healthy`` (e.g.
    ``asa-to-ios-healthy``). A candidate counts only if Phase 1 really completes on both sides when it runs.
    """
    from ...scenario import bundled_dir, load_scenario

    folder = bundled_dir()
    names = sorted(p.stem for p in folder.glob("*.y*ml") if p.stem == "healthy" or p.stem.endswith("-healthy")) \
        if folder.is_dir() else []
    names.sort(key=lambda n: (n != "healthy", n))
    found: dict[tuple[str, str], Lab] = {}
    notes: list[str] = []
    for name in names:
        try:
            scenario = load_scenario(name)
        except InputError as exc:
            notes.append(f"bundled scenario '{name}' does not load ({exc}); skipped")
            continue
        pair = (scenario.initiator.platform, scenario.responder.platform)
        if pair in found:
            continue
        if not _completes(scenario):
            notes.append(f"bundled scenario '{name}' does not complete Phase 1; not used as a healthy lab")
            continue
        found[pair] = Lab(name, *pair)
    missing = [Lab("", *pair) for pair in itertools.product(registry.names(), repeat=2) if pair not in found]
    first = (registry.names()[0],) * 2  # the default platform on both sides (the 'healthy' lab) comes first
    return tuple(found[p] for p in sorted(found, key=lambda p: (p != first, p))), tuple(missing), \
        tuple(notes)


def _missing_note(lab: Lab) -> str:
    i, r = (_label(p) for p in lab.platforms)
    return (f"no {i}->{r} lab is bundled (a scenario named '*-healthy' with an {i} initiator and an {r} "
            f"responder), so {i}->{r} pairs are not simulated")


def _completes(scenario) -> bool:
    from ...api import run

    trace = run(scenario).trace
    end = trace.end
    return all(any(u.state == "MM_ACTIVE" for u, _, _ in trace.sa_table(d.hostname, end)) for d in scenario.devices)


def _lab(name: str) -> Lab:
    for lab in labs()[0]:
        if lab.name == name:
            return lab
    raise KeyError(name)


# -- signatures: what a fault makes both sides show, instant by instant -------------------------------------------


@dataclass(frozen=True)
class SimSa:
    state: str
    role: str | None
    sa_type: str | None
    peer: str | None


@dataclass(frozen=True)
class Epoch:
    """From ``start`` to ``end`` (seconds after the first datagram) both sides show ``views`` (initiator, responder)."""

    start: float
    end: float
    views: tuple[tuple[SimSa, ...], tuple[SimSa, ...]]


@dataclass
class Signature:
    lab: Lab
    fault: str
    scenario: object
    run: object
    t0: float
    epochs: tuple[Epoch, ...]
    times: tuple[float, ...]  # the sampled instants: SAMPLE_TIMES within the attempt window
    samples: tuple[int, ...]  # the epoch of each sampled instant
    window: float  # the end of the first attempt (see ATTEMPT in the module docstring)
    translated: bool  # the responder sees the initiator under another address (NAT on the path)

    @property
    def horizon(self) -> float:
        return self.run.trace.end - self.t0

    def hostname(self, side: int) -> str:
        return self.scenario.devices[side].hostname


def _view(run, device, t: float) -> tuple[SimSa, ...]:
    """What ``device`` shows at ``t``: the platform's rendered ``show`` text, read back by the paste parser."""
    platform = registry.get(device.platform)
    text = platform.show(run.trace, device.hostname, t, platform.default_command)
    observed = showparse.parse(f"{device.hostname}# {platform.default_command}\n{text}").devices[0]
    observed = showparse.with_local_address(observed, device.outside)
    return tuple(SimSa(sa.state, sa.role, sa.sa_type, sa.peer) for sa in observed.sas)


@functools.lru_cache(maxsize=None)
def signature(lab_name: str, fault: str) -> Signature | None:
    """The simulated signature of ``fault`` (or :data:`NO_FAULT`) in a lab; None if the fault does not fit the lab.
    Cached per process."""
    from ...api import run
    from ...engine.trace import SaChanged
    from ...scenario import load_scenario

    lab = _lab(lab_name)
    healthy = load_scenario(lab.name)
    try:
        scenario = healthy if fault == NO_FAULT else faults.apply(healthy, [fault])
    except InputError:
        return None
    result = run(scenario)
    trace = result.trace
    t0 = trace.first_datagram
    changes = sorted({r.t - t0 for r in trace.of(SaChanged)} | {0.0})
    changes = [c for c in changes if c >= 0]
    horizon = trace.end - t0
    epochs = []
    for i, start in enumerate(changes):
        end = changes[i + 1] if i + 1 < len(changes) else horizon
        # what shows between two changes: looked at after every record of the instant ``start`` is applied
        views = tuple(_view(result, device, t0 + (start + end) / 2) for device in scenario.devices)
        if epochs and epochs[-1].views == views:
            epochs[-1] = Epoch(epochs[-1].start, end, views)
        else:
            epochs.append(Epoch(start, end, views))
    window = horizon
    had_sa = False
    for epoch in epochs:
        if any(epoch.views):
            had_sa = True
        elif had_sa:
            window = epoch.start
            break
    for r in trace.of(SaChanged, scenario.initiator.hostname):
        if r.update.state is None and r.update.reason is Reason.RETRANSMIT_LIMIT:
            window = min(window, r.t - t0)  # the initiator gave up: traffic would start the next attempt now
            break
    times = tuple(t for t in SAMPLE_TIMES if t < window) or (window / 2,)
    samples = tuple(max(i for i, e in enumerate(epochs) if e.start <= t) for t in times)
    initiator_address = scenario.initiator.outside
    translated = any(r.device == scenario.responder.hostname and r.update.peer != initiator_address
                     for r in trace.of(SaChanged) if r.update.state is not None)
    return Signature(lab, fault, scenario, result, t0, tuple(epochs), times, samples, window, translated)


# -- matching ----------------------------------------------------------------------------------------------------------


def _sa_match(o: SaObservation, s: SimSa) -> float:
    if o.state != s.state:
        return 0.0
    if o.role and s.role and o.role != s.role:
        return 0.0
    if o.sa_type and s.sa_type and o.sa_type.lower() != s.sa_type.lower():
        return TYPE_MISMATCH
    return 1.0


def _set_match(obs: tuple[SaObservation, ...], sim: tuple[SimSa, ...]) -> float:
    if not obs and not sim:
        return 1.0
    if not obs or not sim:
        return 0.0
    n, m = len(obs), len(sim)
    best = 0.0
    if n <= m:
        pairings = ((range(n), p) for p in itertools.permutations(range(m), n))
    else:
        pairings = ((p, range(m)) for p in itertools.permutations(range(n), m))
    for count, (oi, si) in enumerate(pairings):
        if count > 720:
            break
        best = max(best, math.prod(_sa_match(obs[a], sim[b]) for a, b in zip(oi, si)))
        if best == 1.0:
            break
    return best * min(n, m) / max(n, m)


def _device_match(obs: tuple[SaObservation, ...], sim: tuple[SimSa, ...]) -> float:
    live = tuple(sa for sa in obs if not sa.deleted)
    value = _set_match(live, sim)
    if len(live) != len(obs):
        value = max(value, _set_match(obs, sim))
    return value


@dataclass(frozen=True)
class Tunnel:
    """One pasted device, narrowed to the SAs of the tunnel being diagnosed."""

    device: DeviceObservation
    sas: tuple[SaObservation, ...]

    @property
    def name(self) -> str:
        return self.device.name

    @property
    def platform(self) -> str:
        return self.device.platform


def _own_address(tunnel: Tunnel, side: int) -> str | None:
    """The device's own address as the paste shows it, if it sits on ``side``."""
    if tunnel.device.local:
        return tunnel.device.local
    ios = {sa.src if side == 0 else sa.dst for sa in tunnel.sas if sa.dst}
    return ios.pop() if len(ios) == 1 else None


def _peer_address(tunnel: Tunnel, side: int) -> str | None:
    """The address the device sees its peer under, if it sits on ``side``."""
    seen = {(sa.dst if side == 0 else sa.src) if sa.dst else sa.peer for sa in tunnel.sas}
    seen.discard(None)
    return seen.pop() if len(seen) == 1 else None


def _translated(tunnels: tuple[Tunnel, ...], sides: tuple[int, ...]) -> bool | None:
    """Does the paste show the responder seeing the initiator under another address? None: cannot tell."""
    if len(tunnels) != 2:
        return None
    by_side = dict(zip(sides, tunnels))
    own = _own_address(by_side[0], 0)
    seen = _peer_address(by_side[1], 1)
    if own is None or seen is None or not (showparse.is_address(own) and showparse.is_address(seen)):
        return None
    return own != seen


@dataclass(frozen=True)
class Match:
    fault: str
    lab: Lab
    sides: tuple[int, ...]  # the lab side (0 initiator, 1 responder) of each pasted device
    times: tuple[float, ...]  # the signature's sampled instants
    vector: tuple[float, ...]  # the match at each of them (separate mode: the devices' vectors, joined)
    per_epoch: tuple[tuple[float, ...], ...]  # per device (joint mode: one row for all devices), per epoch
    fit: float


def _assignments(tunnels: tuple[Tunnel, ...], lab: Lab):
    for sides in itertools.permutations(range(2), len(tunnels)):
        if all(lab.platforms[s] == t.platform for s, t in zip(sides, tunnels)):
            yield sides


def _match(sig: Signature, tunnels: tuple[Tunnel, ...], sides: tuple[int, ...], separate: bool) -> Match:
    rows = []
    for tunnel, side in zip(tunnels, sides):
        rows.append(tuple(_device_match(tunnel.sas, epoch.views[side]) for epoch in sig.epochs))
    if separate:
        vectors = [tuple(row[i] for i in sig.samples) for row in rows]
        fit = math.prod(sum(v) / len(v) for v in vectors)
        return Match(sig.fault, sig.lab, sides, sig.times, tuple(itertools.chain(*vectors)), tuple(rows), fit)
    factor = 1.0
    seen = _translated(tunnels, sides)
    if seen is not None and seen != sig.translated:
        factor = NAT_MISMATCH
    joint = tuple(math.prod(row[e] for row in rows) * factor for e in range(len(sig.epochs)))
    vector = tuple(joint[i] for i in sig.samples)
    return Match(sig.fault, sig.lab, sides, sig.times, vector, (joint,), sum(vector) / len(vector))


def _best_matches(tunnels: tuple[Tunnel, ...], candidates: list[str], separate: bool, *, get=None,
                  lab_list=None) -> dict[str, Match]:
    best: dict[str, Match] = {}
    get = get or signature
    for lab in (labs()[0] if lab_list is None else lab_list):
        sides_list = list(_assignments(tunnels, lab))
        if not sides_list:
            continue
        for name in candidates:
            sig = get(lab.name, name)
            if sig is None:
                continue
            for sides in sides_list:
                match = _match(sig, tunnels, sides, separate)
                if name not in best or match.fit > best[name].fit + 1e-12:
                    best[name] = match
    return best


# -- evidence from a simulated run (for "how to confirm" and "what tells them apart") --------------------------------


@dataclass(frozen=True)
class Fact:
    kind: str  # other | decisive | log | change
    key: str  # what is compared between faults
    text: str


def _visible(line: str) -> str:
    line = line.strip("\n")
    stripped = line.rstrip(" ")
    trailing = len(line) - len(stripped)
    text = "".join(ch if ord(ch) < 128 else f"<U+{ord(ch):04X}>" for ch in stripped.strip())
    return text + "<space>" * trailing


def _role_word(sig: Signature, hostname: str) -> str:
    for side, device in enumerate(sig.scenario.devices):
        if device.hostname == hostname:
            return SIDES[side]
    return hostname


def _decisive(sig: Signature) -> list[Fact]:
    """The first thing that goes wrong in the run (a datagram dropped or discarded, an SA aborted), and whether and
    when Phase 1 completes."""
    from ...engine.trace import DatagramDropped, DatagramProcessed, DatagramSent, SaChanged
    from ...ike.types import Outcome
    from ...platforms.registry import platform_for
    from ...render.reasons import explain

    trace = sig.run.trace
    sent = {r.id: r for r in trace.of(DatagramSent)}
    facts: list[Fact] = []
    if not sent:
        facts.append(Fact("decisive", "nothing sent", "the initiator sends nothing: no MM1 ever leaves it"))
    for r in trace.records:
        if isinstance(r, DatagramDropped):
            d = sent[r.id]
            port = " (UDP 4500)" if 4500 in (d.sport, d.dport) else ""
            if r.where == "path":
                text = f"{d.message}{port} from the {d.role} is dropped on the path ({r.rule})"
            else:
                text = f"{d.message}{port} from the {d.role} reaches the {_role_word(sig, r.where)} but: {r.rule}"
            facts.append(Fact("decisive", f"{d.message}|{d.role}|dropped|{r.where}|{r.rule}", text))
            break
        if isinstance(r, DatagramProcessed) and r.outcome is Outcome.DISCARDED:
            d = sent[r.id]
            port = " (UDP 4500)" if 4500 in (d.sport, d.dport) else ""
            who = _role_word(sig, r.device)
            platform = platform_for(trace.device(r.device).platform)
            text = (f"{d.message}{port} from the {d.role} reaches the {who}, which discards it: "
                    f"{explain(r.reason, r.detail, r.message, platform)}")
            facts.append(Fact("decisive", f"{d.message}|{d.role}|discarded|{who}|{r.reason}", text))
            break
        if (isinstance(r, SaChanged) and r.update.state is None
                and r.update.reason is not Reason.RETRANSMIT_LIMIT):
            who = _role_word(sig, r.device)
            platform = platform_for(trace.device(r.device).platform)
            why = explain(r.update.reason, r.update.detail, platform=platform, removal=True)
            text = f"the {who} gives up in {r.update.previous}: {why}"
            facts.append(Fact("decisive", f"abort|{who}|{r.update.previous}|{r.update.reason}", text))
            break
    done = [r.t - sig.t0 for r in trace.of(SaChanged) if r.update.state == "MM_ACTIVE"]
    if len(done) >= 2 or (done and not facts):
        when = max(done[:2])
        after = "within a second of MM1" if when < 1 else f"{_secs(when)} after MM1"
        facts.append(Fact("decisive", f"completes|{when >= 1}", f"Phase 1 completes {after}"))
    return facts


def _command(platform, prefix: str) -> str | None:
    for command in platform.commands():
        if command.startswith(prefix):
            return re.split(r"\s+[\[(]", command)[0]
    return None


def _log_lines(sig: Signature, side: int, command: str) -> list[str]:
    text = sig.run.show(sig.hostname(side), command, at=sig.run.trace.end)
    return [_TIMESTAMP.sub("", line).strip() for line in text.splitlines() if line.strip()]


def _norm(line: str) -> str:
    """A log line for comparison: numbers and the ``Group = ..., IP = ...,`` prefix left out."""
    return re.sub(r"\d+", "#", re.sub(r"\b(?:Group|IP) = [^,]*, ", "", line))


@functools.lru_cache(maxsize=None)
def _new_log_lines(lab_name: str, fault: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per side: (command, the lines this fault's run logs and the healthy run does not, in order). The lines are
    the syslog messages of severity <= 5 of ``show logging``; for a side without such lines, the troubling lines
    (errors, failures) of the platform's debug command."""
    sig, base = signature(lab_name, fault), signature(lab_name, NO_FAULT)
    out = []
    for side in range(2):
        platform = registry.get(sig.scenario.devices[side].platform)
        picked: list[str] = []
        used = ""
        for prefix, keep in (("show logging", lambda line: (m := _SEVERITY.search(line)) and int(m.group(1)) <= 5),
                             ("debug", lambda line: _TROUBLE.search(line))):
            command = _command(platform, prefix)
            if command is None:
                continue
            known = {_norm(line) for line in _log_lines(base, side, command)}
            for line in _log_lines(sig, side, command):
                if _norm(line) not in known and keep(line) and line not in picked:
                    picked.append(line)
            if picked:
                used = command
                break
        out.append((used, tuple(picked)))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def _log_counts(lab_name: str) -> tuple[dict[str, int], int]:
    """In how many of the lab's fault runs each (normalised) new log line appears, and how many runs there are."""
    counts: dict[str, int] = {}
    runs = 0
    for name in faults.CATALOGUE:
        if signature(lab_name, name) is None:
            continue
        runs += 1
        for key in {_norm(line) for _command_, lines in _new_log_lines(lab_name, name) for line in lines}:
            counts[key] = counts.get(key, 0) + 1
    return counts, runs


def _logs(lab_name: str, fault: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per side, (command, up to two telling log lines): new against the healthy run and not common to most faults
    (a line that a third or more of the catalogue's runs also log, such as the final give-up message, tells
    little)."""
    counts, runs = _log_counts(lab_name)
    out = []
    for command, lines in _new_log_lines(lab_name, fault):
        telling = [line for line in lines if counts.get(_norm(line), 0) * 3 <= max(runs, 3)]
        best = sorted(telling, key=lambda line: (counts.get(_norm(line), 0), lines.index(line)))[:2]
        out.append((command, tuple(sorted(best, key=lines.index))))
    return tuple(out)


def _changes(sig: Signature) -> list[Fact]:
    """The configuration lines and path rules the fault changed in the lab."""
    from ...scenario import load_scenario

    healthy = load_scenario(sig.lab.name)
    facts = []
    for side, (before, after) in enumerate(zip(healthy.devices, sig.scenario.devices)):
        old = before.config_text.splitlines()
        new = after.config_text.splitlines()
        removed = [line for line in difflib.ndiff(old, new) if line.startswith("- ")]
        added = [line for line in difflib.ndiff(old, new) if line.startswith("+ ")]
        if not removed and not added:
            continue
        if len(removed) == len(added) <= 3:
            text = "; ".join(f"'{_visible(a[2:])}' becomes '{_visible(b[2:])}'" for a, b in zip(removed, added))
        else:
            parts = [f"'{_visible(line[2:])}' is removed" for line in removed[:3]]
            parts += [f"'{_visible(line[2:])}' is added" for line in added[:3]]
            more = len(removed) + len(added) - len(parts)
            text = ", ".join(parts) + (f" (and {more} more)" if more > 0 else "")
        facts.append(Fact("change", f"{side}|{text}", f"in the lab's {SIDES[side]} config, {text}"))
    rules = [rule for rule in sig.scenario.path if rule not in tuple(healthy.path)]
    for rule in rules:
        label = rule.label if isinstance(getattr(rule, "label", None), str) else str(rule)
        facts.append(Fact("change", f"path|{label}", f"the lab's path gets a rule: {label}"))
    return facts


def _secs(t: float) -> str:
    return f"{round(t, 1):g} s"


def _state_words(view: tuple[SimSa, ...]) -> str:
    if not view:
        return "no SA"
    return " and ".join(sa.state for sa in view)


def _addresses(sig: Signature, tunnels: tuple[Tunnel, ...], sides: tuple[int, ...]) -> dict[str, str]:
    """Lab address -> the address the user's devices show (or ``<initiator>``/``<responder>``), so that hints speak
    the user's addresses."""
    from ...scenario import load_scenario

    known: dict[int, str | None] = {0: None, 1: None}
    for tunnel, side in zip(tunnels, sides):  # logs name the peer as the other side sees it: that address first
        known[1 - side] = _peer_address(tunnel, side)
    for tunnel, side in zip(tunnels, sides):
        known[side] = known[side] or _own_address(tunnel, side)
    healthy = load_scenario(sig.lab.name)
    mapping: dict[str, str] = {}
    for side in range(2):
        value = known[side]
        shown = value if value and showparse.is_address(value) else f"<{SIDES[side]}>"
        mapping[sig.scenario.devices[side].outside] = shown
        mapping.setdefault(healthy.devices[side].outside, shown)
    return mapping


def _speak(text: str, mapping: dict[str, str]) -> str:
    for lab_address, shown in mapping.items():
        text = re.sub(rf"(?<![\d.]){re.escape(lab_address)}(?![\d])", shown, text)
    return text


def _evidence(match: Match, tunnels: tuple[Tunnel, ...]) -> list[Fact]:
    sig = signature(match.lab.name, match.fault)
    observed = {side: tunnel for tunnel, side in zip(tunnels, match.sides)}
    mapping = _addresses(sig, tunnels, match.sides)
    facts: list[Fact] = []
    if len(tunnels) == 1:
        other = 1 - match.sides[0]
        epoch = _main_epoch(match, sig)
        if epoch is not None:
            view = sig.epochs[epoch].views[other]
            platform = sig.lab.platforms[other]
            command = registry.get(platform).default_command
            what = "no IKEv1 SA" if not view else "; ".join(
                f"{sa.state} (Role {sa.role}" + (f", Type {sa.sa_type})" if sa.sa_type else ")") for sa in view)
            facts.append(Fact("other", _state_words(view),
                              f"meanwhile the other end (the {SIDES[other]}, {_label(platform)}) shows "
                              f"{what} in '{command}'"))
    facts += [Fact(f.kind, f.key, _speak(f.text, mapping)) for f in _decisive(sig)]
    if match.fault != NO_FAULT:
        for side, (command, lines) in enumerate(_logs(match.lab.name, match.fault)):
            if not lines:
                continue
            who = f"the {SIDES[side]}" + (f" (your {observed[side].name})" if side in observed else "")
            shown = " | ".join(_speak(line, mapping) for line in lines)
            key = "|".join(_norm(line) for line in lines)
            facts.append(Fact("log", f"{side}|{key}", f"on {who}, '{command}' shows: {shown}"))
        facts += _changes(sig)
    return facts


def _main_epoch(match: Match, sig: Signature, row: tuple[float, ...] | None = None) -> int | None:
    """The matching epoch that holds most of the matching sampled instants (the earliest on a tie)."""
    row = match.per_epoch[0] if row is None else row
    weight = [0.0] * len(row)
    for index in sig.samples:
        weight[index] += row[index]
    best = max(range(len(row)), key=lambda i: (weight[i], -i))
    if weight[best] > 0:
        return best
    return next((i for i, value in enumerate(row) if value > 0), None)


def _intervals(sig: Signature, row: tuple[float, ...]) -> list[tuple[float, float]]:
    """The spans of the attempt window during which the match is not zero."""
    spans: list[tuple[float, float]] = []
    for epoch, value in zip(sig.epochs, row):
        start, end = epoch.start, min(epoch.end, sig.window)
        if value <= 0 or end <= start:
            continue
        if spans and abs(spans[-1][1] - start) < 1e-9:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _when(sig: Signature, spans: list[tuple[float, float]]) -> str:
    def one(span):
        start, end = span
        if end >= sig.horizon - 1e-9:
            return f"from {_secs(start)} on"
        return f"from {_secs(start)} to {_secs(end)}"

    if not spans:
        return ""
    text = one(spans[0])
    if len(spans) > 1:
        text += f", and again {one(spans[1])}"
    if len(spans) > 2:
        text += " (and later)"
    return text


def _why(match: Match, tunnels: tuple[Tunnel, ...], separate: bool) -> str:
    sig = signature(match.lab.name, match.fault)
    who = "the unbroken lab" if match.fault == NO_FAULT else match.fault
    parts = []
    if separate:
        for tunnel, side, row in zip(tunnels, match.sides, match.per_epoch):
            first = _main_epoch(match, sig, row)
            if first is None:
                parts.append(f"never shows the {SIDES[side]} (your {tunnel.name}) as pasted")
                continue
            state = _state_words(sig.epochs[first].views[side])
            parts.append(f"shows the {SIDES[side]} (your {tunnel.name}) with {state} "
                         f"{_when(sig, _intervals(sig, row))}")
        return (f"in simulation ({match.lab.label}), {who} " + "; it ".join(parts)
                + "; never both at the same instant")
    row = match.per_epoch[0]
    first = _main_epoch(match, sig)
    for tunnel, side in zip(tunnels, match.sides):
        view = sig.epochs[first].views[side]
        state = "with no SA" if not view else "in " + _state_words(view)
        parts.append(f"the {SIDES[side]} (your {tunnel.name}) {state}")
    text = f"in simulation ({match.lab.label}), {who} leaves " + " and ".join(parts) + " " + \
        _when(sig, _intervals(sig, row))
    if 0 < row[first] < 1:
        seen = _translated(tunnels, match.sides)
        if seen is not None and seen != sig.translated:
            text += (" (a partial match: the pasted addresses show NAT between the peers, the simulated run has none)"
                     if seen else " (a partial match: the simulated run has NAT between the peers, the pasted "
                     "addresses show none)")
        else:
            text += " (a partial match: the simulated Type, user or L2L, differs from the paste)"
    return text


# -- the result --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cause:
    rank: int
    name: str  # a catalogue fault, or NO_FAULT
    title: str
    score: float  # prior * fit, normalised over all candidates
    fit: float  # share of the sampled instants at which the simulated lab shows what was pasted
    prior: float
    lab: str  # the bundled scenario the best match came from
    why: str
    explanation: str
    confirm: tuple[str, ...]
    fix: str
    group: int | None = None  # index into Diagnosis.groups
    tell: str = ""  # what sets it apart from the others in its group

    def as_dict(self) -> dict:
        return {"rank": self.rank, "name": self.name, "title": self.title, "score": round(self.score, 4),
                "fit": round(self.fit, 4), "prior": self.prior, "lab": self.lab, "why": self.why,
                "explanation": self.explanation, "confirm": list(self.confirm), "fix": self.fix, "group": self.group,
                "tell": self.tell}


@dataclass(frozen=True)
class Group:
    """Causes the evidence cannot tell apart (same simulated `show` at every sampled instant, or the same fit to a
    pasted log), with their ranks."""

    members: tuple[str, ...]
    ranks: tuple[int, ...]

    def as_dict(self) -> dict:
        return {"members": list(self.members), "ranks": list(self.ranks)}


@dataclass(frozen=True)
class Diagnosis:
    source: str
    observation: Observation
    tunnels: tuple[Tunnel, ...]
    labs: tuple[str, ...]
    causes: tuple[Cause, ...]
    groups: tuple[Group, ...]
    notes: tuple[str, ...] = ()
    mode: str = "joint"  # joint | separate | none
    candidates: int = 0

    @property
    def top(self) -> Cause | None:
        return self.causes[0] if self.causes else None

    def ranking(self) -> list[str]:
        return [cause.name for cause in self.causes]

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "read": [{"device": t.device.name, "platform": t.platform, "format": t.device.format,
                      "no_sa": not t.sas,
                      "sas": [{"peer": sa.peer, "dst": sa.dst, "src": sa.src, "role": sa.role,
                               "role_from": sa.role_from, "type": sa.sa_type, "state": sa.state,
                               "deleted": sa.deleted, "line": sa.line} for sa in t.sas]} for t in self.tunnels],
            "labs": list(self.labs),
            "mode": self.mode,
            "notes": list(self.notes),
            "causes": [cause.as_dict() for cause in self.causes],
            "groups": [group.as_dict() for group in self.groups],
        }

    def render(self, shown: int = SHOWN) -> str:
        lines = [f"Read from {self.source}:"]
        for tunnel in self.tunnels:
            device = tunnel.device
            lines.append("  " + showparse.DeviceObservation(
                device.name, device.named, device.platform, device.format, tunnel.sas).describe())
        for note in self.notes:
            lines.append(f"  note: {note}")
        lines.append(f"Simulated the {self.candidates - 1} faults of the catalogue and no fault in "
                     f"{', '.join(self.labs) or 'no lab'}.")
        lines.append("")
        if not self.causes:
            lines.append("No simulated fault reproduces what was pasted.")
            return "\n".join(lines) + "\n"
        lines.append("Likely causes:")
        detailed = [c for c in self.causes[:shown] if c.rank == 1 or c.score >= MIN_DETAILED]
        for cause in detailed:
            lines.append(f"{cause.rank}. {cause.name}: {cause.title} (score {cause.score:.2f})")
            lines.append(f"   Why: {_sentence(cause.why)}")
            lines.append(f"   What happens: {cause.explanation}")
            for hint in cause.confirm:
                lines.append(f"   Confirm: {_sentence(hint)}")
            lines.append(f"   Fix: {cause.fix}")
        rest = self.causes[len(detailed):]
        for index, group in enumerate(self.groups):
            if not any(rank <= len(detailed) for rank in group.ranks):
                continue
            names = ", ".join(f"{rank}. {name}" for rank, name in zip(group.ranks, group.members))
            lines.append("")
            lines.append(f"Indistinguishable from 'show' alone: {names} make the pasted device"
                         f"{'s' if len(self.tunnels) > 1 else ''} show the same at every simulated instant. "
                         "What tells them apart:")
            for cause in self.causes:
                if cause.group == index:
                    lines.append(f"   {cause.name}: {cause.tell}")
        if rest:
            lines.append("")
            lines.append("Less likely: " + ", ".join(
                f"{c.rank}. {c.name} ({c.score:.2f})" if c.score >= 0.005 else f"{c.rank}. {c.name} (<0.01)"
                for c in rest))
        return "\n".join(lines) + "\n"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


# -- the diagnosis -----------------------------------------------------------------------------------------------------


def _up_states() -> set[str]:
    return {p.state_name(role, "MM_ACTIVE") for p in registry.all_platforms() for role in SIDES} | {"AM_ACTIVE"}


def _tunnel_key(sa: SaObservation):
    if sa.peer:
        return sa.peer
    if sa.dst:
        return (sa.dst, sa.src)
    return None


def _select(device: DeviceObservation, other: DeviceObservation | None, peer: str | None,
            notes: list[str]) -> Tunnel:
    keys: list = []
    for sa in device.sas:
        key = _tunnel_key(sa)
        if key not in keys:
            keys.append(key)
    if len(keys) <= 1:
        return Tunnel(device, device.sas)

    def addresses(key) -> set:
        return set(key) if isinstance(key, tuple) else {key}

    chosen, why = None, ""
    hits = [k for k in keys if peer in addresses(k)] if peer is not None else []
    if hits:
        chosen, why = hits[0], f"peer {peer} as asked"
    elif device.begin:
        chosen, why = keys[0], f"the '| begin {device.begin}' output starts with it"
    if chosen is None and other is not None:
        theirs = {a for sa in other.sas for a in (sa.peer, sa.dst, sa.src) if a} | ({other.local} - {None})
        hits = [k for k in keys if addresses(k) & theirs]
        if len(hits) == 1:
            chosen, why = hits[0], f"it involves {other.name}"
    if chosen is None:
        up = _up_states()
        stuck = [k for k in keys if any(sa.state not in up for sa in device.sas if _tunnel_key(sa) == k)]
        if len(stuck) == 1:
            chosen, why = stuck[0], "the only one not up"
        else:
            chosen, why = keys[0], "the first one"
    sas = tuple(sa for sa in device.sas if _tunnel_key(sa) == chosen)
    others = [k for k in keys if k != chosen]
    if others:
        label = chosen if not isinstance(chosen, tuple) else f"dst {chosen[0]} src {chosen[1]}"
        notes.append(f"{device.name} shows {len(keys)} tunnels; diagnosing the one to {label} ({why}); "
                     f"choose another with peer=<address> or '| begin <address>'")
    return Tunnel(device, sas)


def _title(name: str) -> str:
    return "No fault: the healthy lab" if name == NO_FAULT else faults.CATALOGUE[name].title


def _explanation(name: str, lab: Lab) -> tuple[str, str]:
    if name != NO_FAULT:
        fault = faults.CATALOGUE[name]
        return fault.explanation, fault.fix
    from ...scenario import load_scenario

    scenario = load_scenario(lab.name)
    text = " ".join((scenario.notice or "Nothing is wrong: all six Main Mode messages cross.").split())
    fix = " ".join((scenario.fix or "Nothing to fix.").split())
    return text, fix


def _groups(order: list[str], matches: dict[str, Match]) -> list[list[str]]:
    buckets: dict[tuple, list[str]] = {}
    for name in order:
        key = (matches[name].times, tuple(round(v, 9) for v in matches[name].vector))
        buckets.setdefault(key, []).append(name)
    return [members for members in buckets.values() if len(members) > 1]


def _tell(name: str, group: list[str], facts: dict[str, list[Fact]]) -> str:
    if name == NO_FAULT:
        return "the lab as it is: nothing changed, nothing dropped, nothing logged as an error"
    for kind in ("other", "decisive", "log", "change"):
        mine = [f for f in facts[name] if f.kind == kind]
        theirs = {f.key for other in group if other != name for f in facts[other] if f.kind == kind}
        unique = [f for f in mine if f.key not in theirs]
        if unique:
            return unique[0].text
    return "nothing in the simulated run differs: only the configuration itself tells"


def diagnose(text: str, *, source: str = "-", peer: str | None = None) -> Diagnosis:
    """Read pasted ``show isakmp sa`` / ``show crypto isakmp sa`` output (one or both peers) and rank the faults
    that explain it. ``source`` names the input in messages (a file name, ``-`` for stdin); ``peer`` picks the
    tunnel when a device shows several. Raises :class:`~sim.errors.InputError` on unreadable input."""
    observation = showparse.parse(text, source)
    notes = list(observation.notes)
    devices = observation.devices
    tunnels = tuple(_select(d, devices[1 - i] if len(devices) == 2 else None, peer, notes)
                    for i, d in enumerate(devices))
    all_labs, missing, lab_notes = labs()
    usable = [lab for lab in all_labs if any(True for _ in _assignments(tunnels, lab))]
    notes += [_missing_note(lab) for lab in missing if any(True for _ in _assignments(tunnels, lab))]
    notes += list(lab_notes)
    candidates = [NO_FAULT] + list(faults.CATALOGUE)
    mode = "joint"
    matches = _best_matches(tunnels, candidates, separate=False) if usable else {}
    if len(tunnels) == 2 and matches and not any(m.fit > 0 for m in matches.values()):
        separate = _best_matches(tunnels, candidates, separate=True)
        if any(m.fit > 0 for m in separate.values()):
            matches, mode = separate, "separate"
            notes.append("no simulated instant shows both pasted outputs together (were they taken at different "
                         "times?): each device is matched on its own")
    matches = {name: m for name, m in matches.items() if m.fit > 0}
    if not matches:
        mode = "none"
        seen = sorted({sa.state for t in tunnels for sa in t.sas})
        if not usable:
            notes.append("no bundled lab has the platforms pasted; nothing could be simulated")
        elif seen:
            notes.append(f"the simulator models IKEv1 Main Mode with pre-shared keys; no fault in the catalogue "
                         f"makes the devices show {', '.join(seen)} as pasted")
        return Diagnosis(source, observation, tunnels, tuple(lab.label for lab in usable), (), (), tuple(notes),
                         mode, len(candidates))
    weights = {name: prior(name) * m.fit for name, m in matches.items()}
    total = sum(weights.values())
    position = {name: i for i, name in enumerate(candidates)}
    order = sorted(matches, key=lambda n: (-weights[n], -matches[n].fit, position[n]))
    groups = _groups(order, matches)
    group_of = {name: gi for gi, members in enumerate(groups) for name in members}
    need_facts = set(order[:SHOWN]) | {name for members in groups for name in members}
    facts = {name: _evidence(matches[name], tunnels) for name in need_facts}
    causes = []
    for rank, name in enumerate(order, start=1):
        match = matches[name]
        explanation, fix = _explanation(name, match.lab)
        confirm = tuple(f.text for f in facts.get(name, []))
        gi = group_of.get(name)
        tell = _tell(name, groups[gi], facts) if gi is not None else ""
        causes.append(Cause(rank, name, _title(name), weights[name] / total, match.fit, prior(name), match.lab.name,
                            _why(match, tunnels, mode == "separate"), explanation, confirm, fix, gi, tell))
    rank_of = {c.name: c.rank for c in causes}
    group_objs = tuple(Group(tuple(members), tuple(rank_of[m] for m in members)) for members in groups)
    return Diagnosis(source, observation, tunnels, tuple(lab.label for lab in usable), tuple(causes), group_objs,
                     tuple(notes), mode, len(candidates))


# -- the same state fit from the shipped signatures (no simulation at run time) -----------------------------------


def signature_data(sig: Signature) -> dict:
    """What :func:`fits` needs of a signature, as JSON data (stored by :mod:`.signatures`)."""
    return {"epochs": [[e.start, e.end, [[[sa.state, sa.role, sa.sa_type, sa.peer] for sa in view]
                                          for view in e.views]] for e in sig.epochs],
            "times": list(sig.times), "samples": list(sig.samples), "window": sig.window,
            "translated": sig.translated}


# -- the reverse question --------------------------------------------------------------------------------------------


def _lab_for(platform: str) -> Lab:
    spec = platform.strip().lower().replace("-to-", "/").replace("->", "/").replace("-", "/")
    pair = tuple(spec.split("/")) if "/" in spec else (spec, spec)
    available = labs()[0]
    for lab in available:
        if lab.platforms == pair:
            return lab
    known = ", ".join("/".join(lab.platforms) if lab.initiator != lab.responder else lab.initiator
                      for lab in available)
    raise InputError(f"no bundled lab for platform {platform!r} (available: {known}; "
                     "give one platform for a same-platform pair, or INITIATOR/RESPONDER such as "
                     f"{'/'.join(registry.names()[:2])})",
                     field="platform")


def what_would_i_see(fault: str, platform: str = registry.names()[0], at: float | None = None) -> str:
    """What both sides show (their SA tables, with prompts) when ``fault`` (or ``no-fault``) breaks the healthy lab
    of ``platform`` (``asa``, or ``asa/ios`` / ``ios/asa`` for initiator/responder), ``at`` seconds after MM1
    (default: the lab's look time). The same simulated runs the diagnosis ranks with."""
    name = NO_FAULT if fault in (None, "", "none", "healthy", NO_FAULT) else fault
    if name != NO_FAULT and name not in faults.CATALOGUE:
        raise InputError(f"unknown fault {fault!r} (known: {NO_FAULT}, {', '.join(faults.CATALOGUE)})",
                         field="fault")
    if at is not None and (isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at)
                           or at < 0):
        raise InputError(f"'at' must be a number of seconds >= 0, not {at!r}", field="at")
    lab = _lab_for(platform)
    sig = signature(lab.name, name)
    if sig is None:
        raise InputError(f"fault {name!r} cannot be applied to the {lab.label}", field="fault")
    when = sig.scenario.look if at is None else float(at)
    blocks = [f"! {name} in the {lab.label}, {when:g} s after MM1"]
    for device in sig.scenario.devices:
        command = registry.get(device.platform).default_command
        prompt = registry.get(device.platform).prompt(device.hostname)
        blocks.append(f"{prompt}{command}\n" + sig.run.show(device.hostname, command, at=sig.t0 + when))
    return "\n".join(blocks)


__all__ = ["Cause", "Diagnosis", "Group", "Lab", "NO_FAULT", "PRIORS", "SAMPLE_TIMES", "diagnose", "labs",
           "signature", "what_would_i_see"]

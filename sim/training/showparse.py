"""Read ``show isakmp sa`` / ``show crypto isakmp sa`` output pasted from real devices into observations.

This module is the platform-neutral reader (prompts, output boundaries, devices, roles); each platform reads its
own formats in ``sim/platforms/<name>/showparse.py`` (registered through the platform's ``paste_parser``), and
:func:`parse` is the one entry point. What is read today (ike-facts.md 3.1, 4.1; the seed article's samples):

* **ASA 8.4+/9.x blocks**, with or without the ``IKEv1 SAs:`` heading and the ``Active SA``/``Rekey SA``/``Total IKE
  SA`` summary (ASA <= 8.2 and PIX 7.x print the block without the heading; ``show isakmp sa | begin <peer>`` starts
  at ``1   IKE Peer:``); ``detail`` lines (Encrypt/Hash/Auth/Lifetime) are accepted and ignored; ``| include State``
  pastes (lines without ``IKE Peer:``) give SAs with an unknown peer.
* **ASA 7.x/8.0 columnar table** (``IKE Peer  Type  Dir  Rky  State ...``, rows like
  ``1 209.165.200.225 User Resp No AM_Active 3des SHA preshrd 86400``), with or without the detail columns.
* **IOS table** (``dst  src  state  conn-id  status``, also with the old ``slot`` column; ``ACTIVE (deleted)``).
* ``There are no IKEv1 SAs`` (and the older ``There are no isakmp sas``) and an IOS table without rows are
  observations too: *no SA* on that device.

Prompts (``ASA-LAB1#``, ``ASA-LAB2(config)#``, ``R1#``, ``R1>``) name the device of the output that follows; output
of other commands is skipped. Blank lines, tabs, CRLF, non-breaking spaces, ``There are no IKEv2 SAs``, IKEv2
sections, stray lines and the prose of an article around the samples are tolerated. Without prompts, each new
``IKEv1 SAs:`` heading, IOS table or entry numbered 1 after other entries starts the output of another device.

Roles: ASA blocks and the 7.x table show them. An IOS row gives ``dst`` (the responder) and ``src`` (the initiator:
the direction of MM1), so the role follows from which address is the router's own: the address common to all its
rows, or the one the other pasted device names as its peer. Otherwise a role-specific state name decides (ASA
MM_WAIT_MSG2/4/6 initiator, 3/5 responder; IOS MM_NO_STATE initiator), taken from the core's transition table and
the IOS platform's state table; else the role stays unknown.

Nothing recognisable raises :class:`~sim.errors.InputError` saying what was expected; a line that looks like part
of an output but breaks its format (an ASA ``Role`` that is neither initiator nor responder, a table row that does
not fit its header) raises one naming that line.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace

from ..errors import InputError
from ..platforms import registry
from ..platforms.observed import Entry, SaObservation

#: the platforms' paste parsers (``sim/platforms/<name>/showparse.py``), in registry order: each line goes to the
#: first that takes it
_PARSERS = tuple((p, p.paste_parser) for p in registry.all_platforms())

EXPECTED = "expected " + ", or ".join(parser.EXPECTED for _, parser in _PARSERS)
NOTHING_FOUND = ("no " + " or ".join(f"'{p.default_command}'" for p, _ in _PARSERS) + " output found: "
                 + EXPECTED)

#: format names -> how the summary describes them
FORMATS = {fmt: what for _, parser in _PARSERS for fmt, what in parser.FORMATS.items()}
PLATFORM_OF = {fmt: p.name for p, parser in _PARSERS for fmt in parser.FORMATS}
_PARSER_OF = {fmt: parser for _, parser in _PARSERS for fmt in parser.FORMATS}
_LABEL = {p.name: p.label for p, _ in _PARSERS}
_TABLE_SECTIONS = tuple(section for _, parser in _PARSERS for section in parser.TABLE_SECTIONS)


@dataclass(frozen=True)
class DeviceOutput:
    """The output of one command as pasted (one block set or one table)."""

    device: str | None  # the prompt's hostname, None when no prompt came before it
    format: str
    line: int
    sas: tuple[SaObservation, ...]
    command: str | None = None
    begin: str | None = None  # the regular expression of a '| begin' filter
    totals: int | None = None  # a summary's 'Total IKE SA: n'

    @property
    def platform(self) -> str:
        return PLATFORM_OF[self.format]


@dataclass(frozen=True)
class DeviceObservation:
    """What one device shows: its last pasted output, with roles resolved where the addresses allow."""

    name: str  # the prompt's hostname, or "device 1", "device 2" when none was pasted
    named: bool
    platform: str  # a registered platform name
    format: str
    sas: tuple[SaObservation, ...]  # empty: "no SA"
    local: str | None = None  # the device's own address, when the paste reveals it
    begin: str | None = None
    outputs: int = 1  # how many outputs were pasted for this device (the last one is used)
    line: int = 0

    @property
    def no_sa(self) -> bool:
        return not self.sas

    def describe(self) -> str:
        what = FORMATS[self.format]
        if not self.sas:
            return f"{self.name}: {what}: no IKEv1 SA"
        n = len(self.sas)
        body = "; ".join(sa.describe() for sa in self.sas)
        return f"{self.name}: {what}: {n} SA{'s' if n != 1 else ''}: {body}"


@dataclass(frozen=True)
class Observation:
    source: str
    devices: tuple[DeviceObservation, ...]
    notes: tuple[str, ...] = ()
    ignored_lines: int = 0


# -- line patterns ---------------------------------------------------------------------------------------------------

_PROMPT = re.compile(r"^\s*(?P<host>[A-Za-z][A-Za-z0-9_.\-]{0,63})(?P<context>/[A-Za-z0-9_./\-]*)?"
                     r"(?:\((?P<mode>[^)\s]*)\))?(?P<sym>[#>])"
                     r"(?:\s*(?P<cmd>.*?))?\s*$")

_INVISIBLE = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u200b": None, "\ufeff": None,
                            "\u2060": None, "\t": " "})


def is_address(text: str | None) -> bool:
    if not text:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _clean(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.translate(_INVISIBLE).rstrip() for line in text.split("\n")]


# -- roles from state names (derived from the core's transitions and the platforms' state names) --------------------


def _state_roles() -> dict[tuple[str, str], str]:
    """(platform, shown state) -> role, for state names only one role can show."""
    from ..ike.states import TRANSITIONS

    seen: dict[tuple[str, str], set[str]] = {}
    for platform, _ in _PARSERS:
        for row in TRANSITIONS:
            seen.setdefault((platform.name, platform.state_name(row.role, row.next)), set()).add(row.role)
    return {key: roles.pop() for key, roles in seen.items() if len(roles) == 1}


_ROLE_OF_STATE: dict[tuple[str, str], str] | None = None


def role_of_state(platform: str, state: str) -> str | None:
    global _ROLE_OF_STATE
    if _ROLE_OF_STATE is None:
        _ROLE_OF_STATE = _state_roles()
    return _ROLE_OF_STATE.get((platform, state.upper()))


# -- the line reader ---------------------------------------------------------------------------------------------------


@dataclass
class _Output:
    device: str | None
    format: str
    line: int
    command: str | None = None
    begin: str | None = None
    heading: bool = False
    totals: int | None = None
    explicit_none: bool = False
    table: bool = False  # a table's column header was read
    entries: list[Entry] = field(default_factory=list)
    sas: list[SaObservation] = field(default_factory=list)
    section: str = ""  # which part of the output the reader is in; the platform parsers name them

    @property
    def platform(self) -> str:
        return PLATFORM_OF[self.format]

    @property
    def has_content(self) -> bool:
        return bool(self.entries or self.sas or self.explicit_none or self.heading or self.table)


class _Reader:
    """Prompts, blank lines and output boundaries; every other line goes to the platforms' parsers, which use
    :attr:`current`, :meth:`start`, :attr:`source`, :attr:`ignored`, :attr:`stateless` and :attr:`hints`."""

    def __init__(self, source: str):
        self.source = source
        self.outputs: list[_Output] = []
        self.current: _Output | None = None
        self.host: str | None = None  # hostname of the last prompt
        self.command: str | None = None
        self.begin: str | None = None
        self.skipping = False  # inside the output of another command
        self.fresh = True  # no output started since the last prompt
        self.ignored = 0
        self.stateless: list[Entry] = []  # entries finished without a state
        self.hints: dict[str, int] = {}  # what a parser noticed (name -> first line), for its error when nothing is read

    # -- outputs ----------------------------------------------------------------------------------------------------
    def start(self, fmt: str, n: int) -> _Output:
        """A new output. The first one after a prompt belongs to the prompt's device; a further one before the next
        prompt was pasted from another device without its prompt."""
        prev = self.current
        if prev is not None and not (prev.entries or prev.sas or prev.explicit_none or prev.table):
            # only a heading or summary so far (e.g. 'Total IKE SA' above a 7.x table): the same output goes on
            self.current = _Output(prev.device, fmt, prev.line, prev.command, prev.begin, prev.heading, prev.totals)
            return self.current
        self.finish()
        device = self.host if self.fresh else None
        self.current = _Output(device, fmt, n, command=self.command if self.fresh else None,
                               begin=self.begin if self.fresh else None)
        self.fresh = False
        return self.current

    def finish(self) -> None:
        out = self.current
        if out is None:
            return
        self.current = None
        for entry in out.entries:
            sa = _PARSER_OF[out.format].entry_sa(self, entry)
            if sa is not None:
                out.sas.append(sa)
        if out.has_content:
            self.outputs.append(out)

    # -- lines --------------------------------------------------------------------------------------------------------
    def prompt(self, match: re.Match, n: int) -> bool:
        cmd = (match.group("cmd") or "").strip()
        if cmd and not cmd[0].isalpha():
            return False
        if match.group("sym") == ">" and cmd and not cmd.lower().startswith("sh"):
            return False
        self.finish()
        self.host = match.group("host")
        self.fresh = True
        self.begin = None
        if not cmd:
            self.command, self.skipping = None, False
            return True
        sa = next((m for m in (parser.SA_COMMAND.match(cmd) for _, parser in _PARSERS) if m), None)
        if sa is None:
            self.command, self.skipping = cmd, True
            return True
        self.command, self.skipping = cmd, False
        pipe = sa.group("pipe")
        if pipe:
            verb, _, pattern = pipe[1:].strip().partition(" ")
            if verb and "begin".startswith(verb.lower()):
                self.begin = pattern.strip() or None
        return True

    def read(self, lines: list[str]) -> None:
        for n, line in enumerate(lines, start=1):
            self.line(line, n)
        self.finish()

    def line(self, line: str, n: int) -> None:
        stripped = line.strip()
        match = _PROMPT.match(line)
        if match and self.prompt(match, n):
            return
        if self.skipping:
            self.ignored += 1 if stripped else 0
            return
        out = self.current
        if not stripped:
            if out is not None and out.section in _TABLE_SECTIONS and out.sas:
                out.section += "-after"  # the table has ended: later lines need not fit it
            return
        for _, parser in _PARSERS:
            if parser.read_line(self, line, stripped, n):
                return
        self.ignored += 1


# -- from outputs to devices ---------------------------------------------------------------------------------------


def _peer_set(output: DeviceOutput) -> frozenset:
    return frozenset(sa.peer or (sa.dst, sa.src) for sa in output.sas)


def _common_address(sas) -> str | None:
    """The device's own address: the only one in every dst/src row, when the rows name more than one pair."""
    pairs = {(sa.dst, sa.src) for sa in sas if sa.dst}
    if len(pairs) < 2:
        return None
    common = set.intersection(*({d, s} for d, s in pairs))
    return common.pop() if len(common) == 1 else None


def with_local_address(device: DeviceObservation, local: str | None) -> DeviceObservation:
    """``device`` with the roles and peers of dst/src rows resolved from its own address ``local`` (when known), and
    roles taken from role-specific state names where still unknown."""
    sas = []
    for sa in device.sas:
        if sa.dst is not None and local in (sa.dst, sa.src) and sa.dst != sa.src:
            role = "initiator" if sa.src == local else "responder"
            sa = replace(sa, role=role, role_from="addresses", peer=sa.dst if role == "initiator" else sa.src)
        elif sa.role is None:
            role = role_of_state(device.platform, sa.state)
            if role is not None:
                sa = replace(sa, role=role, role_from="state")
        sas.append(sa)
    return replace(device, sas=tuple(sas), local=local or device.local)


def _resolve_roles(devices: list[DeviceObservation]) -> list[DeviceObservation]:
    locals_: list[str | None] = [_common_address(d.sas) for d in devices]
    for _ in range(2):  # propagate what one device reveals about the other
        for i, device in enumerate(devices):
            # only a device whose rows show dst/src (not the peer) needs its own address found
            if locals_[i] is not None or not any(sa.dst for sa in device.sas) or len(devices) != 2:
                continue
            other, other_local = devices[1 - i], locals_[1 - i]
            candidates = {a for sa in device.sas if sa.dst for a in (sa.dst, sa.src)}
            if any(sa.peer for sa in other.sas):  # the other names its peer: that is this device's address
                named = {sa.peer for sa in other.sas if sa.peer} & candidates
                if len(named) == 1:
                    locals_[i] = named.pop()
            elif other_local is not None:
                rest = {a for sa in device.sas if sa.dst and other_local in (sa.dst, sa.src)
                        for a in (sa.dst, sa.src) if a != other_local}
                if len(rest) == 1:
                    locals_[i] = rest.pop()
    return [with_local_address(device, local) for device, local in zip(devices, locals_)]


def _devices(outputs: list[DeviceOutput], notes: list[str], source: str) -> list[DeviceObservation]:
    named: dict[str, list[DeviceOutput]] = {}
    order: list[tuple[str, object]] = []
    anonymous: list[list[DeviceOutput]] = []
    for output in outputs:
        if output.device is not None:
            key = output.device.lower()
            if key not in named:
                named[key] = []
                order.append(("named", key))
            named[key].append(output)
            continue
        for group in anonymous:  # the same peers again without a prompt: the same device pasted twice
            if group[-1].platform == output.platform and _peer_set(group[-1]) == _peer_set(output) \
                    and _peer_set(output):
                group.append(output)
                break
        else:
            anonymous.append([output])
            order.append(("anonymous", len(anonymous) - 1))
    devices: list[DeviceObservation] = []
    count = 0
    for kind, key in order:
        group = named[key] if kind == "named" else anonymous[key]
        platforms = {o.platform for o in group}
        if len(platforms) > 1:
            both = " and ".join(p.label for p, _ in _PARSERS if p.name in platforms)
            raise InputError(f"{group[0].device} shows both {both} output (lines {group[0].line} and "
                             f"{group[-1].line}): paste each device's output after its own prompt", source=source)
        last = group[-1]
        if kind == "named":
            name = last.device
        else:
            count += 1
            name = f"device {count}"
        if len(group) > 1:
            states = {tuple(sa.state for sa in o.sas) for o in group}
            if len(states) > 1:
                notes.append(f"{name}: {len(group)} outputs pasted; the last one (line {last.line}) is used")
        if last.totals is not None and last.totals != len(last.sas) and not last.begin:
            notes.append(f"{name}: 'Total IKE SA: {last.totals}' but {len(last.sas)} entr"
                         f"{'y was' if len(last.sas) == 1 else 'ies were'} read (a truncated paste?)")
        devices.append(DeviceObservation(name=name, named=kind == "named", platform=last.platform,
                                         format=last.format, sas=last.sas, begin=last.begin, outputs=len(group),
                                         line=last.line))
    return devices


def parse(text: str, source: str = "-") -> Observation:
    """Read pasted ``show isakmp sa`` / ``show crypto isakmp sa`` output of one or both peers.

    Raises :class:`InputError` when nothing recognisable is found (the message says what was expected) or when a
    line that belongs to an output breaks its format (the error names the line).
    """
    if not isinstance(text, str):
        raise InputError(f"expected text, not {type(text).__name__}", source=source)
    lines = _clean(text)
    if not any(line.strip() for line in lines):
        commands = " or ".join(f"'{p.default_command}' ({p.label})" for p, _ in _PARSERS)
        raise InputError(f"no input: paste the output of {commands} from one or both peers; " + EXPECTED,
                         source=source)
    reader = _Reader(source)
    reader.read(lines)
    outputs: list[DeviceOutput] = []
    for out in reader.outputs:
        if out.heading and not out.entries and not out.explicit_none and (out.totals or 0) > 0:
            continue  # a heading whose entries were not pasted: it says nothing about the states
        if out.entries and not out.sas:
            continue  # entries without a State line
        outputs.append(DeviceOutput(out.device, out.format, out.line, tuple(out.sas), out.command, out.begin,
                                    out.totals))
    if not outputs:
        for _, parser in _PARSERS:
            why = parser.nothing_read(reader)
            if why is not None:
                raise why
        raise InputError(NOTHING_FOUND, source=source)
    notes: list[str] = []
    for _, parser in _PARSERS:
        notes += parser.notes(reader)
    devices = _devices(outputs, notes, source)
    if len(devices) > 2:
        names = ", ".join(d.name for d in devices)
        raise InputError(f"output from {len(devices)} devices ({names}): paste one or both ends of one tunnel",
                         source=source)
    devices = _resolve_roles(devices)
    return Observation(source=source, devices=tuple(devices), notes=tuple(notes), ignored_lines=reader.ignored)


__all__ = ["Observation", "DeviceObservation", "DeviceOutput", "SaObservation", "parse", "role_of_state",
           "with_local_address", "is_address", "NOTHING_FOUND", "EXPECTED", "FORMATS"]

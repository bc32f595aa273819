"""Read ``show isakmp sa`` / ``show crypto isakmp sa`` output pasted from real devices into observations.

What is read (ike-facts.md 3.1, 4.1; the seed article's samples):

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

EXPECTED = ("expected blocks like '1   IKE Peer: 192.0.2.1' with 'Type : L2L  Role : initiator' and "
            "'Rekey : no  State : MM_ACTIVE' lines (ASA 'show isakmp sa'), 'There are no IKEv1 SAs', an ASA 7.x "
            "table headed 'IKE Peer Type Dir Rky State', or an IOS table headed 'dst src state conn-id status'")
NOTHING_FOUND = "no 'show isakmp sa' or 'show crypto isakmp sa' output found: " + EXPECTED

#: format names -> how the summary describes them
FORMATS = {
    "asa-9": "ASA 8.4+/9.x 'show isakmp sa'",
    "asa-8.2": "ASA 8.2/PIX 7.x 'show isakmp sa' (no 'IKEv1 SAs:' heading)",
    "asa-entries": "ASA 'show isakmp sa' entries (no heading: a '| begin' or '| include' paste)",
    "asa-7": "ASA 7.x/8.0 'show isakmp sa' table",
    "ios": "IOS 'show crypto isakmp sa'",
    "ios-slot": "IOS 12.x 'show crypto isakmp sa' (with slot column)",
}
PLATFORM_OF = {"asa-9": "asa", "asa-8.2": "asa", "asa-entries": "asa", "asa-7": "asa", "ios": "ios",
               "ios-slot": "ios"}


@dataclass(frozen=True)
class SaObservation:
    """One SA as a device shows it. ``state`` is upper-cased (``AM_Active`` -> ``AM_ACTIVE``)."""

    state: str
    line: int  # 1-based line of the entry in the pasted text
    peer: str | None = None  # the remote address, None when not shown or not known (IOS without a known side)
    role: str | None = None  # initiator | responder | None
    role_from: str = ""  # "shown" | "addresses" | "state" | ""
    sa_type: str | None = None  # "user" | "L2L" (ASA) or None
    dst: str | None = None  # IOS: the responder's address
    src: str | None = None  # IOS: the initiator's address
    deleted: bool = False  # IOS "ACTIVE (deleted)"
    rekey: bool | None = None

    def describe(self) -> str:
        parts = []
        if self.dst is not None:
            parts.append(f"dst {self.dst} src {self.src}")
        elif self.peer:
            parts.append(f"peer {self.peer}")
        if self.role:
            how = {"addresses": " (from the addresses)", "state": " (from the state name)"}.get(self.role_from, "")
            parts.append(f"{self.role}{how}")
        if self.sa_type:
            parts.append(f"Type {self.sa_type}")
        parts.append(self.state + (" (deleted)" if self.deleted else ""))
        return ", ".join(parts)


@dataclass(frozen=True)
class DeviceOutput:
    """The output of one command as pasted (one ASA block set, one ASA 7.x table or one IOS table)."""

    device: str | None  # the prompt's hostname, None when no prompt came before it
    format: str
    line: int
    sas: tuple[SaObservation, ...]
    command: str | None = None
    begin: str | None = None  # the regular expression of a '| begin' filter
    totals: int | None = None  # ASA 'Total IKE SA: n'

    @property
    def platform(self) -> str:
        return PLATFORM_OF[self.format]


@dataclass(frozen=True)
class DeviceObservation:
    """What one device shows: its last pasted output, with roles resolved where the addresses allow."""

    name: str  # the prompt's hostname, or "device 1", "device 2" when none was pasted
    named: bool
    platform: str  # asa | ios
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
_SA_COMMAND = re.compile(r"^sh\w*\s+(?:(?:cr\w*|cry)\s+)?(?:is\w*|ikev1)\s+sa\b(?P<rest>[^|]*)(?P<pipe>\|.*)?$",
                         re.I)
_IKEV1_HEADING = re.compile(r"^\s*IKEv1 SAs:\s*$", re.I)
_IKEV2_HEADING = re.compile(r"^\s*IKEv2 SAs:\s*$", re.I)
_NO_IKEV2 = re.compile(r"^\s*There are no IKEv2 SAs\s*$", re.I)
_NO_IKEV1 = re.compile(r"^\s*There are no (?P<what>IKEv1|isakmp|IKE) SAs\s*\.?\s*$", re.I)
_SUMMARY = re.compile(r"^\s*(?P<label>Active SA|Rekey SA|Total IKE SA)\s*:\s*(?P<n>\d+)", re.I)
_ENTRY = re.compile(r"^\s*(?P<index>\d+)\s+IKE Peer\s*:\s*(?P<peer>\S+)\s*$", re.I)
_ENTRY_LOOSE = re.compile(r"^\s*\d+\s+IKE Peer\b", re.I)
_FIELD_NAMES = r"Type|Role|Rekey|State|Encrypt|Hash|Auth|Lifetime Remaining|Lifetime"
_FIELDS = re.compile(rf"^\s*(?:{_FIELD_NAMES})\s*:")
_FIELD = re.compile(rf"(?P<key>{_FIELD_NAMES})\s*:\s*(?P<value>\S*)")
_ASA7_HEADER = re.compile(r"^\s*IKE Peer\s+Type\s+Dir\s+Rky\s+State\b", re.I)
_ASA7_ROW = re.compile(r"^\s*(?P<index>\d+)\s+(?P<peer>\S+)\s+(?P<type>\S+)\s+(?P<dir>Init|Resp)\s+"
                       r"(?P<rky>No|Yes)\s+(?P<state>\S+)(?:\s+.*)?$", re.I)
_IOS_V4 = re.compile(r"^\s*IPv4 Crypto ISAKMP SA\s*$", re.I)
_IOS_V6 = re.compile(r"^\s*IPv6 Crypto ISAKMP SA\s*$", re.I)
_IOS_HEADER = re.compile(r"^\s*dst\s+src\s+state\s+conn-id\s+(?P<slot>slot\s+)?status\s*$", re.I)
_IOS_ROW = re.compile(r"^\s*(?P<dst>\S+)\s+(?P<src>\S+)\s+(?P<state>[A-Za-z]+_[A-Za-z0-9_]+)\s+(?P<conn>\d+)\s+"
                      r"(?:(?P<slot>\d+)\s+)?(?P<status>[A-Z]+)(?P<deleted>\s*\(deleted\))?\s*$")
_IOS_DETAIL_HEADER = re.compile(r"^\s*C-id\s+Local\s+Remote\b", re.I)
_STATE = re.compile(r"^[A-Za-z]{2}_[A-Za-z0-9_]+$")
_ADDRESSISH = re.compile(r"^[0-9A-Fa-f:.]+$")

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


# -- roles from state names (derived from the core's transitions and the platforms' state tables) -------------------


def _state_roles() -> dict[tuple[str, str], str]:
    """(platform, shown state) -> role, for state names only one role can show."""
    from ..ike.states import TRANSITIONS

    seen: dict[tuple[str, str], set[str]] = {}
    for row in TRANSITIONS:
        seen.setdefault(("asa", row.next), set()).add(row.role)
    try:
        from ..platforms.ios.show import STATE_NAMES
    except ImportError:  # pragma: no cover - the IOS platform is optional
        STATE_NAMES = {}
    for (role, _core), shown in STATE_NAMES.items():
        seen.setdefault(("ios", shown), set()).add(role)
    return {key: roles.pop() for key, roles in seen.items() if len(roles) == 1}


_ROLE_OF_STATE: dict[tuple[str, str], str] | None = None


def role_of_state(platform: str, state: str) -> str | None:
    global _ROLE_OF_STATE
    if _ROLE_OF_STATE is None:
        _ROLE_OF_STATE = _state_roles()
    return _ROLE_OF_STATE.get((platform, state.upper()))


# -- the line reader ---------------------------------------------------------------------------------------------------


@dataclass
class _Entry:
    line: int
    peer: str | None = None
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)


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
    table: bool = False  # an IOS column header was read
    entries: list[_Entry] = field(default_factory=list)
    sas: list[SaObservation] = field(default_factory=list)
    section: str = ""  # "asa", "asa-7", "ios4", "ios6", "ios-detail", "ikev2"

    @property
    def platform(self) -> str:
        return PLATFORM_OF[self.format]

    @property
    def has_content(self) -> bool:
        return bool(self.entries or self.sas or self.explicit_none or self.heading or self.table)


def _error(message: str, line: int | None, source: str) -> InputError:
    return InputError(message, source=source, line=line)


class _Reader:
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
        self.ios_detail_line: int | None = None
        self.stateless: list[_Entry] = []

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
            sa = self.entry_sa(entry)
            if sa is not None:
                out.sas.append(sa)
        if out.has_content:
            self.outputs.append(out)

    def entry_sa(self, entry: _Entry) -> SaObservation | None:
        state = entry.fields.get("State")
        if state is None or not state[0]:
            self.stateless.append(entry)
            return None
        role = entry.fields.get("Role")
        sa_type = entry.fields.get("Type")
        rekey = entry.fields.get("Rekey")
        return SaObservation(state=state[0].upper(), line=entry.line, peer=entry.peer,
                             role=role[0].lower() if role else None, role_from="shown" if role else "",
                             sa_type=_type_name(sa_type[0]) if sa_type else None,
                             rekey=(rekey[0].lower() == "yes") if rekey else None)

    def asa_output(self, n: int, *, heading: bool = False) -> _Output:
        out = self.current
        if out is None or out.platform != "asa" or out.section not in ("asa", ""):
            out = self.start("asa-9" if heading else "asa-entries", n)
        out.section = "asa"
        return out

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
        sa = _SA_COMMAND.match(cmd)
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
            if out is not None and out.section in ("ios4", "asa-7") and out.sas:
                out.section += "-after"  # the table has ended: later lines need not fit it
            return
        if _NO_IKEV2.match(line):
            if out is not None and out.section == "ikev2":
                out.section = "asa"
            return
        if _IKEV2_HEADING.match(line):
            if out is None:
                out = self.start("asa-9", n)
            out.section = "ikev2"
            return
        if _IKEV1_HEADING.match(line):
            out = self.start("asa-9", n)
            out.heading, out.section = True, "asa"
            return
        no_sa = _NO_IKEV1.match(line)
        if no_sa:
            if out is None or out.platform != "asa" or out.entries or out.explicit_none \
                    or out.section not in ("asa", ""):
                out = self.start("asa-9" if no_sa.group("what").lower() == "ikev1" else "asa-8.2", n)
            out.explicit_none, out.section = True, "asa"
            if no_sa.group("what").lower() == "ikev1":
                out.format = "asa-9"
            return
        if out is not None and out.section == "ikev2":
            return  # IKEv2 sessions: not ours
        summary = _SUMMARY.match(line)
        if summary:
            if out is None or out.platform != "asa" or out.entries or out.section not in ("asa", "") \
                    or (summary.group("label").lower() == "active sa" and out.totals is not None):
                out = self.start("asa-8.2", n)
                out.section = "asa"
            if not out.heading and out.format == "asa-entries":
                out.format = "asa-8.2"
            if summary.group("label").lower() == "total ike sa":
                out.totals = int(summary.group("n"))
            return
        entry = _ENTRY.match(line)
        if entry:
            if out is not None and out.section == "asa" and out.entries and entry.group("index") == "1":
                out = self.start("asa-entries", n)
            out = self.asa_output(n)
            peer = entry.group("peer")
            out.entries.append(_Entry(n, peer))
            return
        if _ENTRY_LOOSE.match(line):
            raise _error(f"an ASA entry line should read '<n>   IKE Peer: <address>', not {stripped!r}", n,
                         self.source)
        if _FIELDS.match(line):
            self.fields(line, n)
            return
        if _ASA7_HEADER.match(line):
            out = self.start("asa-7", n)
            out.section = "asa-7"
            return
        if out is not None and out.section.startswith("asa-7") and stripped[0].isdigit():
            if out.section == "asa-7" or _ASA7_ROW.match(line):
                self.asa7_row(out, line, n)
                return
        if _IOS_V4.match(line):
            out = self.start("ios", n)
            out.section = "ios4"
            return
        if _IOS_V6.match(line):
            if out is not None and out.platform == "ios":
                out.section = "ios6"
            return
        header = _IOS_HEADER.match(line)
        if header:
            if out is None or out.platform != "ios" or out.sas or out.section != "ios4":  # no 'IPv4 ...' line
                out = self.start("ios", n)
            out.section, out.table = "ios4", True
            if header.group("slot"):
                out.format = "ios-slot"
            return
        if _IOS_DETAIL_HEADER.match(line):
            self.ios_detail_line = self.ios_detail_line or n
            if out is not None and out.platform == "ios":
                out.section = "ios-detail"
            return
        if out is not None and (out.section == "ios4" or (out.section == "ios4-after" and _IOS_ROW.match(line))):
            self.ios_row(out, line, n)
            return
        self.ignored += 1

    def fields(self, line: str, n: int) -> None:
        out = self.current
        if out is None or out.platform != "asa" or out.section != "asa":
            out = self.asa_output(n)
        pairs = [(m.group("key"), m.group("value")) for m in _FIELD.finditer(line)]
        entry = out.entries[-1] if out.entries else None
        if entry is None or any(key in entry.fields for key, _ in pairs if key in ("Type", "Role", "Rekey", "State")):
            if not any(key in ("Type", "Role", "Rekey", "State") for key, _ in pairs):
                return  # a detail line (Encrypt/Hash/...) outside an entry: nothing to read
            entry = _Entry(n)
            out.entries.append(entry)
        for key, value in pairs:
            if key == "Role" and value.lower() not in ("initiator", "responder"):
                raise _error(f"'Role' should be initiator or responder, not {value!r}", n, self.source)
            if key == "State" and not _STATE.match(value):
                raise _error(f"'State' should be an IKE state such as MM_ACTIVE or MM_WAIT_MSG5, not {value!r}", n,
                             self.source)
            if key == "Type" and not value:
                raise _error("'Type' has no value (expected L2L or user)", n, self.source)
            entry.fields[key] = (value, n)

    def asa7_row(self, out: _Output, line: str, n: int) -> None:
        row = _ASA7_ROW.match(line)
        if row is None or not _STATE.match(row.group("state")):
            raise _error("a row of the ASA 7.x table (under 'IKE Peer Type Dir Rky State') should read "
                         f"'<n> <peer> <User|L2L> <Init|Resp> <No|Yes> <State> ...', not {line.strip()!r}", n,
                         self.source)
        role = "initiator" if row.group("dir").lower() == "init" else "responder"
        out.sas.append(SaObservation(state=row.group("state").upper(), line=n, peer=row.group("peer"), role=role,
                                     role_from="shown", sa_type=_type_name(row.group("type")),
                                     rekey=row.group("rky").lower() == "yes"))

    def ios_row(self, out: _Output, line: str, n: int) -> None:
        row = _IOS_ROW.match(line)
        first = line.split()[0]
        if row is None:
            if _ADDRESSISH.match(first) and any(ch.isdigit() for ch in first):
                raise _error("a row of the IOS table should read '<dst> <src> <state> <conn-id> [<slot>] <status>' "
                             f"(e.g. '203.0.113.1  203.0.113.10  QM_IDLE  1001 ACTIVE'), not {line.strip()!r}", n,
                             self.source)
            self.ignored += 1
            return
        out.sas.append(SaObservation(state=row.group("state").upper(), line=n, dst=row.group("dst"),
                                     src=row.group("src"), deleted=bool(row.group("deleted"))))


def _type_name(value: str) -> str:
    lowered = value.lower()
    return {"l2l": "L2L", "user": "user"}.get(lowered, value)


# -- from outputs to devices ---------------------------------------------------------------------------------------


def _peer_set(output: DeviceOutput) -> frozenset:
    return frozenset(sa.peer or (sa.dst, sa.src) for sa in output.sas)


def _common_address(sas) -> str | None:
    """The router's own address: the only one in every IOS row, when the rows name more than one pair."""
    pairs = {(sa.dst, sa.src) for sa in sas if sa.dst}
    if len(pairs) < 2:
        return None
    common = set.intersection(*({d, s} for d, s in pairs))
    return common.pop() if len(common) == 1 else None


def with_local_address(device: DeviceObservation, local: str | None) -> DeviceObservation:
    """``device`` with IOS roles and peers resolved from its own address ``local`` (when known), and roles taken
    from role-specific state names where still unknown."""
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
            if locals_[i] is not None or device.platform != "ios" or len(devices) != 2:
                continue
            other, other_local = devices[1 - i], locals_[1 - i]
            candidates = {a for sa in device.sas if sa.dst for a in (sa.dst, sa.src)}
            if other.platform == "asa":
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
            raise InputError(f"{group[0].device} shows both ASA and IOS output (lines {group[0].line} and "
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
        raise InputError("no input: paste the output of 'show isakmp sa' (ASA) or 'show crypto isakmp sa' (IOS) "
                         "from one or both peers; " + EXPECTED, source=source)
    reader = _Reader(source)
    reader.read(lines)
    outputs: list[DeviceOutput] = []
    for out in reader.outputs:
        if out.heading and not out.entries and not out.explicit_none and (out.totals or 0) > 0:
            continue  # a heading whose entries were not pasted: it says nothing about the states
        if out.platform == "asa" and out.entries and not out.sas:
            continue  # entries without a State line
        outputs.append(DeviceOutput(out.device, out.format, out.line, tuple(out.sas), out.command, out.begin,
                                    out.totals))
    if not outputs:
        if reader.stateless:
            entry = reader.stateless[0]
            what = f"'IKE Peer: {entry.peer}'" if entry.peer else "the SA entry"
            raise InputError(f"{what} has no 'State :' line: paste the whole block (its 'Type/Role' and "
                             "'Rekey/State' lines)", source=source, line=entry.line)
        if reader.ios_detail_line is not None:
            raise InputError("IOS 'show crypto isakmp sa detail' has no state column: paste 'show crypto isakmp sa' "
                             "(the table headed 'dst src state conn-id status')", source=source,
                             line=reader.ios_detail_line)
        raise InputError(NOTHING_FOUND, source=source)
    notes: list[str] = []
    if reader.stateless:
        lines_ = ", ".join(str(e.line) for e in reader.stateless[:3])
        notes.append(f"SA entries without a 'State' line were skipped (line {lines_})")
    devices = _devices(outputs, notes, source)
    if len(devices) > 2:
        names = ", ".join(d.name for d in devices)
        raise InputError(f"output from {len(devices)} devices ({names}): paste one or both ends of one tunnel",
                         source=source)
    devices = _resolve_roles(devices)
    return Observation(source=source, devices=tuple(devices), notes=tuple(notes), ignored_lines=reader.ignored)


__all__ = ["Observation", "DeviceObservation", "DeviceOutput", "SaObservation", "parse", "role_of_state",
           "with_local_address", "is_address", "NOTHING_FOUND", "EXPECTED", "FORMATS"]

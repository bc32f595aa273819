"""Reading pasted ASA ``show isakmp sa`` output (one platform's part of :mod:`sim.training.showparse`).

* **ASA 8.4+/9.x blocks**, with or without the ``IKEv1 SAs:`` heading and the ``Active SA``/``Rekey SA``/``Total IKE
  SA`` summary (ASA <= 8.2 and PIX 7.x print the block without the heading; ``show isakmp sa | begin <peer>`` starts
  at an entry);
* **ASA 7.x/8.0 columnar table** (``IKE Peer  Type  Dir  Rky  State ...``);
* ``There are no IKEv1 SAs`` (and the older ``There are no isakmp sas``); IKEv2 sections are skipped.

The reader calls :func:`read_line` for each line no earlier parser took; it returns True when the line was ours.
"""

from __future__ import annotations

import re

from ..observed import Entry, SaObservation, error

#: format names -> how the summary describes them
FORMATS = {
    "asa-9": "ASA 8.4+/9.x 'show isakmp sa'",
    "asa-8.2": "ASA 8.2/PIX 7.x 'show isakmp sa' (no 'IKEv1 SAs:' heading)",
    "asa-entries": "ASA 'show isakmp sa' entries (no heading: a '| begin' or '| include' paste)",
    "asa-7": "ASA 7.x/8.0 'show isakmp sa' table",
}
#: what a paste should look like, for the error when nothing is recognised
EXPECTED = ("blocks like '1   IKE Peer: 192.0.2.1' with 'Type : L2L  Role : initiator' and "
            "'Rekey : no  State : MM_ACTIVE' lines (ASA 'show isakmp sa'), 'There are no IKEv1 SAs', an ASA 7.x "
            "table headed 'IKE Peer Type Dir Rky State'")
#: the typed SA commands (abbreviated as on the box) whose output follows a prompt
SA_COMMAND = re.compile(r"^sh\w*\s+(?:(?:cr\w*|cry)\s+)?(?:is\w*|ikev1)\s+sa\b(?P<rest>[^|]*)(?P<pipe>\|.*)?$",
                        re.I)
#: sections of a table that ends at a blank line once it has rows
TABLE_SECTIONS = ("asa-7",)

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
_STATE = re.compile(r"^[A-Za-z]{2}_[A-Za-z0-9_]+$")


def _ours(out) -> bool:
    return out is not None and out.format in FORMATS


def _output(r, n: int, *, heading: bool = False):
    out = r.current
    if not _ours(out) or out.section not in ("asa", ""):
        out = r.start("asa-9" if heading else "asa-entries", n)
    out.section = "asa"
    return out


def read_line(r, line: str, stripped: str, n: int) -> bool:
    """Take ``line`` (number ``n``) into reader ``r`` if it is ASA output; False to let other parsers look."""
    out = r.current
    if _NO_IKEV2.match(line):
        if out is not None and out.section == "ikev2":
            out.section = "asa"
        return True
    if _IKEV2_HEADING.match(line):
        if out is None:
            out = r.start("asa-9", n)
        out.section = "ikev2"
        return True
    if _IKEV1_HEADING.match(line):
        out = r.start("asa-9", n)
        out.heading, out.section = True, "asa"
        return True
    no_sa = _NO_IKEV1.match(line)
    if no_sa:
        if not _ours(out) or out.entries or out.explicit_none or out.section not in ("asa", ""):
            out = r.start("asa-9" if no_sa.group("what").lower() == "ikev1" else "asa-8.2", n)
        out.explicit_none, out.section = True, "asa"
        if no_sa.group("what").lower() == "ikev1":
            out.format = "asa-9"
        return True
    if out is not None and out.section == "ikev2":
        return True  # IKEv2 sessions: not ours
    summary = _SUMMARY.match(line)
    if summary:
        if not _ours(out) or out.entries or out.section not in ("asa", "") \
                or (summary.group("label").lower() == "active sa" and out.totals is not None):
            out = r.start("asa-8.2", n)
            out.section = "asa"
        if not out.heading and out.format == "asa-entries":
            out.format = "asa-8.2"
        if summary.group("label").lower() == "total ike sa":
            out.totals = int(summary.group("n"))
        return True
    entry = _ENTRY.match(line)
    if entry:
        if out is not None and out.section == "asa" and out.entries and entry.group("index") == "1":
            out = r.start("asa-entries", n)
        out = _output(r, n)
        out.entries.append(Entry(n, entry.group("peer")))
        return True
    if _ENTRY_LOOSE.match(line):
        raise error(f"an ASA entry line should read '<n>   IKE Peer: <address>', not {stripped!r}", n, r.source)
    if _FIELDS.match(line):
        _fields(r, line, n)
        return True
    if _ASA7_HEADER.match(line):
        out = r.start("asa-7", n)
        out.section = "asa-7"
        return True
    if out is not None and out.section.startswith("asa-7") and stripped[0].isdigit():
        if out.section == "asa-7" or _ASA7_ROW.match(line):
            _asa7_row(r, out, line, n)
            return True
    return False


def _fields(r, line: str, n: int) -> None:
    out = r.current
    if not _ours(out) or out.section != "asa":
        out = _output(r, n)
    pairs = [(m.group("key"), m.group("value")) for m in _FIELD.finditer(line)]
    entry = out.entries[-1] if out.entries else None
    if entry is None or any(key in entry.fields for key, _ in pairs if key in ("Type", "Role", "Rekey", "State")):
        if not any(key in ("Type", "Role", "Rekey", "State") for key, _ in pairs):
            return  # a detail line (Encrypt/Hash/...) outside an entry: nothing to read
        entry = Entry(n)
        out.entries.append(entry)
    for key, value in pairs:
        if key == "Role" and value.lower() not in ("initiator", "responder"):
            raise error(f"'Role' should be initiator or responder, not {value!r}", n, r.source)
        if key == "State" and not _STATE.match(value):
            raise error(f"'State' should be an IKE state such as MM_ACTIVE or MM_WAIT_MSG5, not {value!r}", n,
                        r.source)
        if key == "Type" and not value:
            raise error("'Type' has no value (expected L2L or user)", n, r.source)
        entry.fields[key] = (value, n)


def _asa7_row(r, out, line: str, n: int) -> None:
    row = _ASA7_ROW.match(line)
    if row is None or not _STATE.match(row.group("state")):
        raise error("a row of the ASA 7.x table (under 'IKE Peer Type Dir Rky State') should read "
                    f"'<n> <peer> <User|L2L> <Init|Resp> <No|Yes> <State> ...', not {line.strip()!r}", n, r.source)
    role = "initiator" if row.group("dir").lower() == "init" else "responder"
    out.sas.append(SaObservation(state=row.group("state").upper(), line=n, peer=row.group("peer"), role=role,
                                 role_from="shown", sa_type=_type_name(row.group("type")),
                                 rekey=row.group("rky").lower() == "yes"))


def _type_name(value: str) -> str:
    lowered = value.lower()
    return {"l2l": "L2L", "user": "user"}.get(lowered, value)


def entry_sa(r, entry: Entry) -> SaObservation | None:
    """The SA of a finished block entry; None (and the entry kept in ``r.stateless``) without a State line."""
    state = entry.fields.get("State")
    if state is None or not state[0]:
        r.stateless.append(entry)
        return None
    role = entry.fields.get("Role")
    sa_type = entry.fields.get("Type")
    rekey = entry.fields.get("Rekey")
    return SaObservation(state=state[0].upper(), line=entry.line, peer=entry.peer,
                         role=role[0].lower() if role else None, role_from="shown" if role else "",
                         sa_type=_type_name(sa_type[0]) if sa_type else None,
                         rekey=(rekey[0].lower() == "yes") if rekey else None)


def nothing_read(r):
    """Why nothing could be used, when the cause is ours (blocks without a State line), else None."""
    if r.stateless:
        entry = r.stateless[0]
        what = f"'IKE Peer: {entry.peer}'" if entry.peer else "the SA entry"
        return error(f"{what} has no 'State :' line: paste the whole block (its 'Type/Role' and "
                     "'Rekey/State' lines)", entry.line, r.source)
    return None


def notes(r) -> list[str]:
    if r.stateless:
        lines_ = ", ".join(str(e.line) for e in r.stateless[:3])
        return [f"SA entries without a 'State' line were skipped (line {lines_})"]
    return []

"""Reading pasted IOS ``show crypto isakmp sa`` output (one platform's part of :mod:`sim.training.showparse`).

The table ``dst  src  state  conn-id  status`` (also with the old ``slot`` column; ``ACTIVE (deleted)``), under
``IPv4 Crypto ISAKMP SA`` (the IPv6 table is skipped); a table without rows means no SA. A row gives ``dst`` (the
responder) and ``src`` (the initiator); the reader resolves the router's own address, hence role and peer.
"""

from __future__ import annotations

import re

from ..observed import SaObservation, error

FORMATS = {
    "ios": "IOS 'show crypto isakmp sa'",
    "ios-slot": "IOS 12.x 'show crypto isakmp sa' (with slot column)",
}
EXPECTED = "an IOS table headed 'dst src state conn-id status'"
SA_COMMAND = re.compile(r"^sh\w*\s+cr\w*\s+is\w*\s+sa\b(?P<rest>[^|]*)(?P<pipe>\|.*)?$", re.I)
TABLE_SECTIONS = ("ios4",)

_IOS_V4 = re.compile(r"^\s*IPv4 Crypto ISAKMP SA\s*$", re.I)
_IOS_V6 = re.compile(r"^\s*IPv6 Crypto ISAKMP SA\s*$", re.I)
_IOS_HEADER = re.compile(r"^\s*dst\s+src\s+state\s+conn-id\s+(?P<slot>slot\s+)?status\s*$", re.I)
_IOS_ROW = re.compile(r"^\s*(?P<dst>\S+)\s+(?P<src>\S+)\s+(?P<state>[A-Za-z]+_[A-Za-z0-9_]+)\s+(?P<conn>\d+)\s+"
                      r"(?:(?P<slot>\d+)\s+)?(?P<status>[A-Z]+)(?P<deleted>\s*\(deleted\))?\s*$")
_IOS_DETAIL_HEADER = re.compile(r"^\s*C-id\s+Local\s+Remote\b", re.I)
_ADDRESSISH = re.compile(r"^[0-9A-Fa-f:.]+$")


def _ours(out) -> bool:
    return out is not None and out.format in FORMATS


def read_line(r, line: str, stripped: str, n: int) -> bool:
    """Take ``line`` (number ``n``) into reader ``r`` if it is IOS output; False to let other parsers look."""
    out = r.current
    if _IOS_V4.match(line):
        out = r.start("ios", n)
        out.section = "ios4"
        return True
    if _IOS_V6.match(line):
        if _ours(out):
            out.section = "ios6"
        return True
    header = _IOS_HEADER.match(line)
    if header:
        if not _ours(out) or out.sas or out.section != "ios4":  # no 'IPv4 ...' line
            out = r.start("ios", n)
        out.section, out.table = "ios4", True
        if header.group("slot"):
            out.format = "ios-slot"
        return True
    if _IOS_DETAIL_HEADER.match(line):
        r.hints.setdefault("ios-detail", n)
        if _ours(out):
            out.section = "ios-detail"
        return True
    if out is not None and (out.section == "ios4" or (out.section == "ios4-after" and _IOS_ROW.match(line))):
        _row(r, out, line, n)
        return True
    return False


def _row(r, out, line: str, n: int) -> None:
    row = _IOS_ROW.match(line)
    first = line.split()[0]
    if row is None:
        if _ADDRESSISH.match(first) and any(ch.isdigit() for ch in first):
            raise error("a row of the IOS table should read '<dst> <src> <state> <conn-id> [<slot>] <status>' "
                        f"(e.g. '203.0.113.1  203.0.113.10  QM_IDLE  1001 ACTIVE'), not {line.strip()!r}", n,
                        r.source)
        r.ignored += 1
        return
    out.sas.append(SaObservation(state=row.group("state").upper(), line=n, dst=row.group("dst"),
                                 src=row.group("src"), deleted=bool(row.group("deleted"))))


def entry_sa(r, entry):
    """IOS output has no multi-line entries."""
    return None


def nothing_read(r):
    if "ios-detail" in r.hints:
        return error("IOS 'show crypto isakmp sa detail' has no state column: paste 'show crypto isakmp sa' "
                     "(the table headed 'dst src state conn-id status')", r.hints["ios-detail"], r.source)
    return None


def notes(r) -> list[str]:
    return []

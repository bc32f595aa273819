"""Read a paste: terminal-logger timestamps, pagers and CRLF removed; every ASA/IOS log or debug line read by its
platform's paste reader (:mod:`sim.platforms.asa.pastes`, :mod:`sim.platforms.ios.pastes`); the rest handed to the
``show`` table parser (:mod:`sim.training.showparse`). Prose around the paste is skipped.

The result, :class:`Paste`, keeps the paste's line numbers (1-based) so that answers can quote lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import InputError
from ...platforms.pastelines import LogLine
from .. import showparse
from .signatures import readers

#: what a paste must contain: said in the one-line error for input that holds none of it
EXPECTED = ("expected ASA syslog ('%ASA-5-713904: ...', ASDM exports), ASA console debug ('[IKEv1]: ...'), IOS "
            "'debug crypto isakmp' ('ISAKMP:(1001): ...') or '%CRYPTO-' syslog, or ASA 'show isakmp sa' blocks "
            "('1   IKE Peer: 192.0.2.1', 'State : MM_ACTIVE') and 7.x tables, or an IOS 'show crypto isakmp sa' "
            "table headed 'dst src state conn-id status'")

_TERMINAL_STAMP = re.compile(r"^\s*(?:\[\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?\]|\[\d\d:\d\d:\d\d(?:[.,]\d+)?\]"
                             r"|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?=\s)|\d\d:\d\d:\d\d[.,]\d+(?=\s))\s?")
#: ASA ``show crypto isakmp`` / ``sh cry isa`` (no ``sa``) prints the same SA blocks as ``show crypto isakmp sa``
SHOW_NO_SA = re.compile(r"^(\s*[A-Za-z][\w.\-]*(?:\([\w\-]+\))?[#>]\s*sh\w*\s+cr\w*\s+is\w*)\s*$")
#: IOS 12.x prints ``dst src state conn-id slot`` with no status column (real-captures.md); the show parser wants one
_IOS_SLOT_HEADER = re.compile(r"^(\s*dst\s+src\s+state\s+conn-id\s+slot)\s*$", re.I)
_IOS_SLOT_ROW = re.compile(r"^(\s*\S+\s+\S+\s+[A-Za-z]+_[A-Za-z0-9_]+\s+\d+\s+\d+)\s*$")
_PAGER = re.compile(r"\s*(?:<-+\s*More\s*-+>|-+\s*More\s*-+)[\s\b]*", re.I)


@dataclass(frozen=True)
class Paste:
    source: str
    lines: tuple[str, ...]  # cleaned lines, index = number - 1
    logs: tuple[LogLine, ...]
    observation: showparse.Observation | None
    notes: tuple[str, ...] = ()

    def line(self, number: int) -> str:
        return self.lines[number - 1].strip()


def clean(text: str) -> list[str]:
    """Lines without CRLF, pager prompts, terminal-logger timestamps and NUL/backspace debris."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    out = []
    for line in text.split("\n"):
        line = _PAGER.sub(" ", line).replace("\b", "") if "ore" in line or "\b" in line else line
        line = line.replace("\u00a0", " ").replace("\ufeff", "")
        out.append(_TERMINAL_STAMP.sub("", line, count=1))
    return out


def show_lines(lines: list[str]) -> list[str]:
    """The lines for the show parser: ASA ``show crypto isakmp`` (no ``sa``) as ``... sa``; an IOS 12.x table
    without a status column given the status ACTIVE (the only other is ``(deleted)``, which 12.x does not print). TODO(lead): belongs with the table
    parsing in sim/platforms/ios/showparse.py once that move lands."""
    out = []
    in_slot_table = False
    for line in lines:
        line = SHOW_NO_SA.sub(r"\1 sa", line)
        if _IOS_SLOT_HEADER.match(line):
            in_slot_table = True
            line = line.rstrip() + " status"
        elif in_slot_table and _IOS_SLOT_ROW.match(line):
            line = line.rstrip() + " ACTIVE"
        elif line.strip():
            in_slot_table = False
        out.append(line)
    return out


def read_log_line(line: str, number: int = 0) -> LogLine | None:
    for reader in readers().values():
        found = reader.read_line(line, number)
        if found is not None:
            return found
    return None


def read(text: str, source: str = "-") -> Paste:
    """Read everything recognisable in ``text``; :class:`InputError` (one line) when nothing is."""
    if not isinstance(text, str):
        raise InputError(f"expected text, not {type(text).__name__}", source=source)
    lines = clean(text)
    if not any(line.strip() for line in lines):
        raise InputError("no input: paste the output of 'show isakmp sa' (ASA) or 'show crypto isakmp sa' (IOS), "
                         "or the logs/debug of one or both peers; " + EXPECTED, source=source)
    logs = []
    rest = []
    for number, line in enumerate(lines, start=1):
        found = read_log_line(line, number) if line.strip() else None
        if found is not None:
            logs.append(found)
            rest.append("")
        else:
            rest.append(line)
    notes: list[str] = []
    observation = None
    rest = show_lines(rest)
    try:
        if logs and not any(line.strip() for line in rest):
            raise InputError(showparse.NOTHING_FOUND, source=source)
        observation = showparse.parse("\n".join(rest), source)
    except InputError as exc:
        if not logs:
            if str(exc) == f"{source}: {showparse.NOTHING_FOUND}":
                raise InputError(f"nothing readable: {EXPECTED}", source=source) from None
            raise
        if str(exc) != f"{source}: {showparse.NOTHING_FOUND}":
            notes.append(f"show output skipped: {exc}")
    return Paste(source, tuple(lines), tuple(logs), observation, tuple(notes))

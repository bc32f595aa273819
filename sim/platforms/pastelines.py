"""What a platform's paste reader returns for one pasted log or debug line, and the platform-neutral abstraction of
wording (addresses and numbers left out) that both the pasted lines and the simulator's rendered lines go through.

The platform modules (``sim.platforms.<name>.pastes``) know what their lines look like; this module knows nothing
about any platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ADDRESS = re.compile(r"(?<![\w.])(?:\d{1,3}|[Xx*]{1,3})(?:\.(?:\d{1,3}|[Xx*]{1,3})){3}(?:/\d+)?(?![\w.])")
_HEX = re.compile(r"(?:&?0x[0-9a-fA-F]+|\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{6,}\b)")
_NUMBER = re.compile(r"-?\d+")
_SPACE = re.compile(r"\s+")
IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3}|\d{1,3}(?:\.[Xx*]{1,3}){3})(?![\w.])")


def abstract(text: str) -> str:
    """Wording only: addresses -> ``<a>``, hex values -> ``<h>``, numbers -> ``#``, spaces collapsed, lower case."""
    text = text.replace("\u2013", "--").replace("\u2014", "--")
    text = _ADDRESS.sub("<a>", text)
    text = _HEX.sub("<h>", text)
    text = _NUMBER.sub("#", text)
    return _SPACE.sub(" ", text).strip().lower()


def role_and_phase(text: str, initiator, responder, phases) -> tuple[str | None, str | None]:
    """The role a line names (``initiator`` first) and its phase: the first (phase, pattern) of ``phases`` that
    matches (each platform's patterns, in the order the platform checks them), else None."""
    role = "initiator" if initiator.search(text) else "responder" if responder.search(text) else None
    return role, next((phase for phase, pattern in phases if pattern.search(text)), None)


@dataclass(frozen=True)
class LogLine:
    """One pasted (or simulated) log/debug line, as its platform reads it."""

    number: int  # 1-based line number in the paste (0 for simulated lines)
    raw: str  # the line as pasted, without the terminal-logger timestamp
    platform: str  # "asa" | "ios"
    kind: str  # "syslog" | "debug"
    msgid: str | None  # "713904", "CRYPTO-4-IKMP_BAD_MESSAGE"; None for console lines without one
    body: str  # the message text without timestamp, tag and peer prefix
    key: str  # abstract(body) (with the mnemonic for IOS syslogs): what signatures are made of
    peer: str | None = None  # the remote address the line names, if any
    role: str | None = None  # initiator | responder, when the line itself says so
    phase: str | None = None  # p1done | qm | qmfail | p2done | None (what the line says about the exchange)
    detail: bool = False  # a vendor-ID/feature line: its wording follows the features configured, not the fault

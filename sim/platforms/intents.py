"""Configuration edits as platform-neutral intents: what a fault changes, not how a dialect spells it.

A fault (``sim.faults``) says *what* to break ("the responder's key for 50.57.228.150 gets a typo", "IKE is off on
the outside interface"); the device's platform applies the intent to its configuration text
(``Platform.edit(config_text, intent)``, implemented in ``sim/platforms/<name>/edits.py``) and raises
:class:`EditError` when the config lacks the line the intent changes, so a fault never silently does nothing.

Adding a fault needs no platform code when its edits are among these intents; a new kind of edit is a new
dataclass here plus one branch in every platform's ``edits.py`` (the architecture test checks that each platform
handles every intent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import InputError


class EditError(InputError):
    """The configuration has nothing the intent could change (message: ``cannot apply: the config has no ...``)."""


@dataclass(frozen=True)
class SetKey:
    """The pre-shared key this device uses for ``peer`` (an address) becomes ``change(old key)``."""

    peer: str
    change: Callable[[str], str]


@dataclass(frozen=True)
class RemoveKey:
    """The device has no pre-shared key for ``peer`` any more."""

    peer: str


@dataclass(frozen=True)
class RenamePeer:
    """What names peer ``old`` (its key, tunnel-group, crypto map peer) names ``new`` instead."""

    old: str
    new: str


@dataclass(frozen=True)
class SetPolicyValue:
    """Every ISAKMP policy has ``keyword`` set to ``value``; a policy relying on the default for it gets the line.
    Keywords are neutral: ``encryption``, ``hash``, ``auth``, ``group``, ``lifetime``."""

    keyword: str
    value: str


@dataclass(frozen=True)
class DisableIke:
    """IKE no longer runs on the outside interface (the device neither answers nor initiates)."""


@dataclass(frozen=True)
class EnableNatT:
    """NAT traversal is on (a no-op where it already is, or where it is on by default)."""


@dataclass(frozen=True)
class MoveOutside:
    """The outside interface's address ``old`` becomes ``new``."""

    old: str
    new: str


@dataclass(frozen=True)
class DefaultGroupKey:
    """The peer's own key entry goes; a catch-all (default group, wildcard key) gets the same key instead."""

    peer: str


#: every intent a platform's ``edit`` must handle
INTENTS = (SetKey, RemoveKey, RenamePeer, SetPolicyValue, DisableIke, EnableNatT, MoveOutside, DefaultGroupKey)


def substitute(pattern: str, replacement, text: str, what: str, *, count: int = 0) -> str:
    """``re.subn`` over lines that must change something, else :class:`EditError` naming ``what`` is missing."""
    import re

    new, n = re.subn(pattern, replacement, text, count=count, flags=re.M)
    if n == 0:
        raise EditError(f"cannot apply: the config has no {what}")
    return new


def set_policy_value(text: str, keyword: str, value: str, *, block: str) -> str:
    """Set ``keyword value`` in every policy block (top-level lines matching ``block``), adding it where absent."""
    import re

    lines, out, in_policy, seen = text.split("\n"), [], False, False

    def close() -> None:
        if in_policy and not seen:
            out.append(f" {keyword} {value}")

    for line in lines:
        if line[:1].isspace() and in_policy:
            if line.split()[:1] == [keyword]:
                line, seen = line[: len(line) - len(line.lstrip())] + f"{keyword} {value}", True
            out.append(line)
            continue
        close()
        in_policy = bool(re.match(block, line))
        seen = False
        out.append(line)
    close()
    if out == lines:
        raise EditError("cannot apply: the config has no ISAKMP policy")
    return "\n".join(out)

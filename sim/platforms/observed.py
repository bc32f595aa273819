"""The platform-neutral records of pasted ``show`` output, shared by the platforms' paste parsers
(``sim/platforms/<name>/showparse.py``) and the reader that drives them (:mod:`sim.training.showparse`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError


@dataclass(frozen=True)
class SaObservation:
    """One SA as a device shows it. ``state`` is upper-cased (``AM_Active`` -> ``AM_ACTIVE``)."""

    state: str
    line: int  # 1-based line of the entry in the pasted text
    peer: str | None = None  # the remote address, None when not shown or not known (a table of dst/src only)
    role: str | None = None  # initiator | responder | None
    role_from: str = ""  # "shown" | "addresses" | "state" | ""
    sa_type: str | None = None  # "user" | "L2L" or None
    dst: str | None = None  # tables of dst/src: the responder's address
    src: str | None = None  # tables of dst/src: the initiator's address
    deleted: bool = False  # shown as deleted (still listed)
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


@dataclass
class Entry:
    """An SA entry whose fields arrive on several lines (``name -> (value, line)``)."""

    line: int
    peer: str | None = None
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)


def error(message: str, line: int | None, source: str) -> InputError:
    return InputError(message, source=source, line=line)

"""The SAs a live device holds right now, kept incrementally from its ``SaChanged`` records.

A long-running responder changes SA state thousands of times; rendering ``show isakmp sa`` after each change from the
whole Trace would cost time in proportion to the run so far (quadratic in all). :class:`CurrentSas` keeps, per live
SA, the few records the SA table needs (its first snapshot, the one that reached MM_ACTIVE, its latest) and builds a
small :class:`~sim.engine.trace.Trace` from them, which every platform's ``show`` renders as it renders a full one.
Cost per change: O(1); per rendering: O(live SAs). This module and :mod:`sim.live.budget` are the live driver's only
readers of the Trace's record types.
"""

from __future__ import annotations

from ..engine.trace import SaChanged, Trace
from ..ike.types import State


class CurrentSas:
    def __init__(self) -> None:
        #: (sa id, role, peer) -> [first, reached MM_ACTIVE (or None), latest], in creation order
        self._sas: dict[tuple[str, str, str], list] = {}

    def __len__(self) -> int:
        return len(self._sas)

    def update(self, rec: SaChanged) -> None:
        u = rec.update
        key = (u.sa, str(u.role), u.peer)
        if u.state is None:
            self._sas.pop(key, None)
            return
        entry = self._sas.get(key)
        if entry is None:
            self._sas[key] = [rec, rec if u.state == State.MM_ACTIVE else None, rec]
            return
        if entry[1] is None and u.state == State.MM_ACTIVE:
            entry[1] = rec
        entry[2] = rec

    def records(self) -> list[SaChanged]:
        out: list[SaChanged] = []
        for first, active, latest in self._sas.values():
            out.append(first)
            if active is not None and active is not first:
                out.append(active)
            if latest is not first and latest is not active:
                out.append(latest)
        return out

    def trace(self, like: Trace) -> Trace:
        """A Trace with ``like``'s devices holding only the live SAs' records: ``show`` of the SA table renders
        from it exactly as from the full Trace at its end."""
        return Trace(scenario=like.scenario, title=like.title, seed=like.seed, devices=like.devices,
                     records=self.records(), end=like.end)


def is_sa_table_command(command: str) -> bool:
    """Does ``command`` (``show isakmp sa [detail]`` and its spellings) only need the SA table? ``show logging``
    and ``debug`` need the whole Trace."""
    words = command.split("|", 1)[0].lower().split()
    return bool(words) and words[0] != "debug" and "sa" in words

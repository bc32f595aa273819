"""The state fit of pasted ``show`` tables from the shipped signatures (no simulation at diagnose time).

The stored signatures come from :mod:`.signatures`; the matching rules from :mod:`.states` (which simulates, and which
:mod:`.signatures` runs to build the store): this module joins the two, so neither imports the other's user.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ... import faults
from .. import showparse
from ..showparse import Observation
from .signatures import load
from .states import NO_FAULT, Epoch, Lab, SimSa, Tunnel, _best_matches, _select


@dataclass(frozen=True)
class StoredSignature:
    lab: Lab
    fault: str
    epochs: tuple[Epoch, ...]
    times: tuple[float, ...]
    samples: tuple[int, ...]
    window: float
    translated: bool


def _stored_labs() -> tuple[Lab, ...]:
    return tuple(Lab(lab["name"], *lab["platforms"]) for lab in load()["labs"])


@functools.lru_cache(maxsize=None)
def stored_signature(lab_name: str, fault: str) -> StoredSignature | None:
    lab = next(lab for lab in load()["labs"] if lab["name"] == lab_name)
    entry = lab["faults"].get(fault)
    if entry is None:
        return None
    data = entry["states"]
    epochs = tuple(Epoch(start, end, tuple(tuple(SimSa(*sa) for sa in view) for view in views))
                   for start, end, views in data["epochs"])
    return StoredSignature(Lab(lab["name"], *lab["platforms"]), fault, epochs, tuple(data["times"]),
                           tuple(data["samples"]), data["window"], data["translated"])


@dataclass(frozen=True)
class Fit:
    name: str
    fit: float
    lab: str


@dataclass(frozen=True)
class Fits:
    """The state fit of every candidate for pasted show tables (what :class:`Diagnosis` ranks, without its
    wording): from the shipped signatures, no simulation."""

    observation: Observation
    tunnels: tuple[Tunnel, ...]
    causes: tuple[Fit, ...]
    notes: tuple[str, ...]
    mode: str

    def as_dict(self) -> dict:
        return {"read": [{"device": t.device.name, "platform": t.platform, "format": t.device.format,
                          "no_sa": not t.sas,
                          "sas": [{"peer": sa.peer, "dst": sa.dst, "src": sa.src, "role": sa.role,
                                   "role_from": sa.role_from, "type": sa.sa_type, "state": sa.state,
                                   "deleted": sa.deleted, "line": sa.line} for sa in t.sas]} for t in self.tunnels],
                "mode": self.mode}


def fits(text: str, *, source: str = "-", peer: str | None = None) -> Fits:
    """The state fit of every candidate, as :func:`diagnose` computes it, from the shipped signatures."""
    observation = showparse.parse(text, source)
    notes = list(observation.notes)
    devices = observation.devices
    tunnels = tuple(_select(d, devices[1 - i] if len(devices) == 2 else None, peer, notes)
                    for i, d in enumerate(devices))
    lab_list = _stored_labs()
    candidates = [NO_FAULT] + list(faults.CATALOGUE)
    mode = "joint"
    matches = _best_matches(tunnels, candidates, False, get=stored_signature, lab_list=lab_list)
    if len(tunnels) == 2 and matches and not any(m.fit > 0 for m in matches.values()):
        separate = _best_matches(tunnels, candidates, True, get=stored_signature, lab_list=lab_list)
        if any(m.fit > 0 for m in separate.values()):
            matches, mode = separate, "separate"
            notes.append("no simulated instant shows both pasted outputs together (were they taken at different "
                         "times?): each device is matched on its own")
    found = tuple(Fit(name, m.fit, m.lab.name) for name, m in matches.items() if m.fit > 0)
    if not found:
        mode = "none"
        seen = sorted({sa.state for t in tunnels for sa in t.sas})
        if seen:
            notes.append(f"the simulator models IKEv1 Main Mode with pre-shared keys; no fault in the catalogue "
                         f"makes the devices show {', '.join(seen)} as pasted")
    return Fits(observation, tunnels, found, tuple(notes), mode)

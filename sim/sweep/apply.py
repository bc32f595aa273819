"""One cell of a sweep applied to a scenario, through the public types only (``dataclasses.replace``)."""

from __future__ import annotations

import dataclasses

from ..engine.path import Delay, Loss
from ..scenario import Scenario
from .grid import PROFILES

TIMER_FIELDS = ("interval", "retries", "remove_after")


def apply_cell(scenario: Scenario, names: tuple[str, ...], values: tuple) -> Scenario:
    """``scenario`` with each ``names[i]`` set to ``values[i]``: loss and delay become path rules after the
    scenario's own (both directions), timer values replace both devices' retransmission profile or one field of it
    (the rest of each device's profile, e.g. ``reinitiate``, is kept)."""
    rules = []
    timers: dict[str, object] = {}
    for name, value in zip(names, values):
        if name == "loss":
            rules.append(Loss(float(value), None, f"sweep: loss {value:g}"))
        elif name == "delay":
            rules.append(Delay(float(value), None, f"sweep: delay {value:g} s"))
        elif name == "timers":
            profile = PROFILES[value]
            timers.update({field: getattr(profile, field) for field in TIMER_FIELDS})
        elif name in TIMER_FIELDS:
            timers[name] = int(value) if name == "retries" else float(value)
        else:  # pragma: no cover - grid.VARIABLES and this function name the same variables
            raise KeyError(name)
    changes: dict[str, object] = {}
    if rules:
        changes["path"] = tuple(scenario.path) + tuple(rules)
    if timers:
        for role in ("initiator", "responder"):
            device = getattr(scenario, role)
            changes[role] = dataclasses.replace(device, timers=dataclasses.replace(device.timers, **timers))
    return dataclasses.replace(scenario, **changes) if changes else scenario

"""Both directions as in-memory scenarios: A starts toward B, and B toward A, through the ``--path`` rules.

A direction is not simulated when the configs already say it cannot start: the initiator has crypto map entries but
none for the responder's address (it would start Main Mode toward someone else, or never), or the responder sits
behind a PAT rule (a connection from outside finds no translation; only the box behind PAT can start).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import api
from ..scenario import DeviceSpec, Scenario
from ..platforms.registry import platform_for
from . import paths
from .evidence import Evidence, read_evidence
from .topology import Side, Topology

SEED = 1
#: how long a direction is simulated: every retransmission profile (ASA 32 s, IOS 60 s) runs out well before
HORIZON = 120.0


@dataclass(frozen=True)
class Direction:
    initiator: Side
    responder: Side
    scenario: Scenario | None
    evidence: Evidence | None  # None when not simulated
    blocked: str | None = None  # why not simulated: "no-crypto-map-entry" | "behind-pat"
    applicable: bool = True  # False: a direction the network cannot carry by design (the responder is behind PAT)


def _device(side: Side, role: str) -> DeviceSpec:
    platform = platform_for(side.box.platform)
    return DeviceSpec(role, side.box.hostname, side.box.platform, side.address, side.box.text, side.box.config, 1,
                      platform.default_retransmit)


def scenario_for(topology: Topology, initiator: str, rules: list[paths.PathRule]) -> Scenario:
    ini, res = topology.side(initiator), topology.other(initiator)
    return Scenario(
        name=f"check-{ini.box.hostname}-to-{res.box.hostname}",
        title=f"{ini.box.hostname} starts Main Mode toward {res.box.hostname}",
        description=f"ikesim check of {ini.box.source} and {res.box.source}",
        initiator=_device(ini, "initiator"),
        responder=_device(res, "responder"),
        path=paths.for_direction(rules, initiator),
        look=5.0,
        seed=SEED,
        notice=None,
        fix=None,
        source=f"{ini.box.source}+{res.box.source}",
    )


def starts_toward(side: Side, peer: str) -> bool:
    """Would this box start Main Mode toward ``peer``: no crypto map entries at all (a fragment: the simulator's
    usual assumption), or an entry that names ``peer``."""
    entries = side.box.config.map_peers()
    return not entries or any(peer in e.peers for e in entries)


def run_direction(topology: Topology, initiator: str, rules: list[paths.PathRule], at: float | None) -> Direction:
    ini, res = topology.side(initiator), topology.other(initiator)
    if res.public != res.address:
        return Direction(ini, res, None, None, "behind-pat", applicable=False)
    if not starts_toward(ini, res.public):
        return Direction(ini, res, None, None, "no-crypto-map-entry")
    scenario = scenario_for(topology, initiator, rules)
    run = api.run(scenario, until=max(HORIZON, (at or 0.0) + 1.0))
    return Direction(ini, res, scenario, read_evidence(run.trace, ini.box.hostname, res.box.hostname, at))

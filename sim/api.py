"""The public Python API: what the CLI does, for notebooks and scripts.

    >>> import sim
    >>> result = sim.run("psk-mismatch")          # a bundled scenario's name, or a path to a YAML file
    >>> print(result.show("ASA-LAB2"))             # at the scenario's look time
    >>> print(result.show("ASA-LAB1", "show isakmp sa | begin 50.56.229.98", at=40))
    >>> result.trace                               # everything that happened (sim.engine.trace.Trace)
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError
from .scenario import Scenario, list_bundled, load_scenario, load_scenario_text



@dataclass
class Run:
    """A finished run: the scenario it came from and its Trace. Every view renders from these two."""

    scenario: Scenario
    trace: "object"

    @property
    def look(self) -> float:
        """The instant ``show`` is taken by default: ``look`` seconds after the first datagram."""
        return self.trace.first_datagram + self.scenario.look

    def show(self, hostname: str, command: str | None = None, at: float | None = None) -> str:
        """What ``command`` prints on ``hostname`` at simulated second ``at`` (default: the look time). The default
        command is the platform's SA table (``show isakmp sa`` on ASA, ``show crypto isakmp sa`` on IOS)."""
        from .platforms.registry import platform_for

        device = self.scenario.device(hostname)
        platform = platform_for(device.platform)
        t = self.look if at is None else at
        if t < 0:
            raise InputError(f"time {t:g} is before the run started", field="at")
        return platform.show(self.trace, device.hostname, t, command or platform.default_command)

    def transcript(self, commands: list[str] | None = None, at: float | None = None, on: str | None = None) -> str:
        """Prompt lines and outputs, device by device, as a trainee would see them on the consoles."""
        from .platforms.registry import platform_for

        devices = [self.scenario.device(on)] if on else list(self.scenario.devices)
        blocks = []
        for device in devices:
            for command in commands or [platform_for(device.platform).default_command]:
                prompt = platform_for(device.platform).prompt(device.hostname)
                blocks.append(f"{prompt}{command}\n" + self.show(device.hostname, command, at))
        return "\n".join(blocks)


def replace_config(scenario: Scenario, device: str, config_text: str) -> Scenario:
    """``scenario`` with one device's configuration text replaced (``device``: its hostname, or ``initiator`` /
    ``responder``), parsed again by its platform. Raises InputError for a bad config."""
    import dataclasses

    from .scenario import reparse_device

    role = device if device in ("initiator", "responder") else scenario.device(device).role
    spec = getattr(scenario, role)
    return dataclasses.replace(scenario, **{role: reparse_device(spec, config_text=config_text,
                                                                 source=scenario.source)})


def lab_of(scenario: Scenario):
    """The engine's plain-data view of ``scenario``: each device's IkeConfig as its platform builds it, the path."""
    from .engine.simulator import Lab, Node

    nodes = [Node(d.hostname, d.role, d.outside, d.platform, d.ike_config(), d.version) for d in scenario.devices]
    return Lab(scenario.name, scenario.title, nodes[0], nodes[1], tuple(scenario.path), scenario.seed)


def run(scenario: str | Scenario, seed: int | None = None, until: float | None = None) -> Run:
    """Run a scenario (a :class:`Scenario`, a bundled scenario's name or a YAML path) and return the :class:`Run`.

    ``until`` (simulated seconds) defaults to 300, or later if the scenario looks later. Python's cyclic garbage
    collector is paused while the simulation runs (its records are many small tuples; scanning them made long runs
    super-linear) and restored afterwards."""
    import gc

    from .engine.simulator import DEFAULT_HORIZON, BudgetExceeded, simulate

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise InputError(f"seed must be a whole number >= 0, not {seed!r}", field="seed")
    horizon = max(DEFAULT_HORIZON, scenario.look + 1.0) if until is None else until
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        trace = simulate(lab_of(scenario), seed=seed, until=horizon)
    except BudgetExceeded as exc:
        raise InputError(str(exc), source=scenario.source) from None
    finally:
        if was_enabled:
            gc.enable()
    return Run(scenario, trace)


__all__ = ["Run", "run", "lab_of", "replace_config", "load_scenario", "load_scenario_text", "list_bundled", "Scenario",
           "InputError"]

"""The one interface every platform (ASA, later IOS) implements.

The core knows nothing of platforms. A platform turns a device's configuration into the core's
:class:`~sim.ike.config.IkeConfig` (policy, keys, timers, vendor IDs), and renders what the device shows: state names,
``show`` output and log lines, from the Trace alone.
"""

from __future__ import annotations

from typing import Protocol

from ..engine.trace import Trace
from ..ike.config import IkeConfig, Retransmit


class Platform(Protocol):
    name: str
    #: the retransmission profile a device of this platform has unless its scenario says otherwise
    default_retransmit: Retransmit
    #: the command ``ikesim run`` types when none is given
    default_command: str

    def parse_config(self, text: str):
        """Configuration text -> this platform's config object (InputError with ``line`` for bad lines)."""

    def check_outside(self, config, address: str) -> None:
        """Raise InputError if ``address`` cannot be the device's outside address in ``config`` (may do nothing)."""

    def ike_config(self, device) -> IkeConfig:
        """The core's view of a :class:`sim.scenario.DeviceSpec` of this platform."""

    def state_name(self, role: str, state: str) -> str:
        """The core state (ASA names) as this platform shows it."""

    def show(self, trace: Trace, hostname: str, t: float, command: str) -> str:
        """The output of ``command`` on ``hostname`` at simulated time ``t``. Raises InputError if unknown."""

    def commands(self) -> list[str]:
        """The commands :meth:`show` understands, for help texts."""

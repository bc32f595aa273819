"""Port address translation on the path (a PAT device in front of one peer), deterministic from the seed."""

from __future__ import annotations

import random

from .path import Nat


class Translator:
    """Holds the PAT table of one :class:`~sim.engine.path.Nat` rule for one run."""

    def __init__(self, rule: Nat, inside_address: str, seed: int):
        self.rule = rule
        self.inside_address = inside_address
        self._rng = random.Random(f"ikesim/nat/{seed}/{rule.address}")
        self._out: dict[int, int] = {}  # inside port -> public port
        self._back: dict[int, int] = {}  # public port -> inside port

    def outbound(self, sport: int) -> tuple[str, int]:
        """Source address and port after translation of a datagram leaving the inside peer."""
        if sport not in self._out:
            while True:
                port = self._rng.randrange(1024, 65536)
                if port not in self._back:
                    break
            self._out[sport], self._back[port] = port, sport
        return self.rule.address, self._out[sport]

    def inbound(self, dport: int) -> tuple[str, int] | None:
        """Destination after translation of a datagram sent to the NAT's address (None: no mapping, dropped)."""
        if dport not in self._back:
            return None
        return self.inside_address, self._back[dport]

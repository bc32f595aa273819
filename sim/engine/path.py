"""The network path between the two outside interfaces, as an ordered list of rules.

Each rule applies to datagrams sent by one side (``direction`` = the sending role) or both (``None``). The first rule
that decides a datagram's fate is recorded in the Trace by its ``label``.
"""

from __future__ import annotations

import random
from typing import NamedTuple

ROLES = ("initiator", "responder")


class Drop(NamedTuple):
    """An ACL on a firewall in between: drop ``protocol`` (``udp`` or ``ip``) to destination ``port`` (None = any)."""

    protocol: str = "udp"
    port: int | None = 500
    direction: str | None = None
    name: str | None = None
    count: int | None = None  # only the first ``count`` matching datagrams (a transient outage); None = all

    @property
    def label(self) -> str:
        what = self.protocol + (f"/{self.port}" if self.port is not None else "")
        side = f" from {self.direction}" if self.direction else ""
        return self.name or f"ACL drop {what}{side}"


class NoRoute(NamedTuple):
    direction: str | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        side = f" from {self.direction}" if self.direction else ""
        return self.name or f"no route{side}"


class Loss(NamedTuple):
    probability: float
    direction: str | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        side = f" from {self.direction}" if self.direction else ""
        return self.name or f"random loss {self.probability:g}{side}"


class Delay(NamedTuple):
    seconds: float
    direction: str | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        side = f" from {self.direction}" if self.direction else ""
        return self.name or f"delay {self.seconds:g} s{side}"


class Nat(NamedTuple):
    """A PAT device in front of ``inside``: its source address becomes ``address`` and each source port is mapped to
    a port of the NAT's own (deterministic from the seed); replies to a mapping are translated back."""

    inside: str
    address: str
    name: str | None = None
    direction = None  # applies both ways

    @property
    def label(self) -> str:
        return self.name or f"PAT in front of the {self.inside} as {self.address}"


Rule = Drop | NoRoute | Loss | Delay | Nat

#: one-way delay when a scenario names none, so that the order of messages is visible on a time axis
DEFAULT_DELAY = 0.005


class Verdict(NamedTuple):
    delivered: bool
    delay: float
    rule: str | None  # the label of the rule that dropped it (None when delivered)


def decide(rules: tuple[Rule, ...] | list[Rule], sender_role: str, protocol: str, dport: int, rng: random.Random,
           dropped: dict[int, int] | None = None) -> Verdict:
    """The fate of one datagram sent by ``sender_role`` to ``protocol``/``dport``.

    Rules are evaluated in order; drops, no-route and loss stop at the first that applies; delays add up (a scenario
    with no delay rule gets :data:`DEFAULT_DELAY`). ``rng`` is consumed once per applicable loss rule, so runs are
    reproducible from the seed. ``dropped`` counts, per rule index, what each counted drop rule has dropped so
    far (the caller keeps it across datagrams).
    """
    delay = 0.0
    has_delay = False
    dropped = {} if dropped is None else dropped
    for index, rule in enumerate(rules):
        if rule.direction is not None and rule.direction != sender_role:
            continue
        if isinstance(rule, Drop):
            if rule.protocol in ("ip", protocol) and (rule.port is None or rule.port == dport):
                if rule.count is not None and dropped.get(index, 0) >= rule.count:
                    continue
                dropped[index] = dropped.get(index, 0) + 1
                return Verdict(False, 0.0, rule.label)
        elif isinstance(rule, NoRoute):
            return Verdict(False, 0.0, rule.label)
        elif isinstance(rule, Loss):
            if rng.random() < rule.probability:
                return Verdict(False, 0.0, rule.label)
        elif isinstance(rule, Delay):
            delay += rule.seconds
            has_delay = True
        # Nat rules translate addresses (sim.engine.nat); they never decide a fate
    return Verdict(True, delay if has_delay else DEFAULT_DELAY, None)

"""``--path RULE``: the network between the two boxes, in words, turned into the simulator's path rules.

Grammar (A and B are the first and second config, or their hostnames)::

    drop udp/500|udp/4500|udp|ip [from A|B]     an ACL in between drops it (from: the sending side)
    no-route [from A|B]                          datagrams from that side are lost
    loss PROBABILITY [from A|B]                  random loss, 0..1
    delay SECONDS [from A|B]                     one-way delay
    nat A|B PUBLIC-IP                            a PAT device in front of that box, which the other sees as PUBLIC-IP

Rules keep the sides by label; :func:`for_direction` maps them to the simulator's initiator/responder roles.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from ..engine.path import Delay, Drop, Loss, Nat, NoRoute
from ..errors import InputError
from ..scenario import DROP_TARGETS


@dataclass(frozen=True)
class PathRule:
    text: str
    kind: str  # drop | no-route | loss | delay | nat
    side: str | None  # "A" | "B" | None (both)
    value: object = None


def _side(word: str, names: dict[str, str], rule: str) -> str:
    label = names.get(word) or names.get(word.lower())
    if label is None:
        known = ", ".join(sorted({k for k in names if k not in ("a", "b")}))
        raise InputError(f"--path '{rule}': '{word}' is not a side (expected A, B or a hostname: {known})",
                         field="path")
    return label


def parse_rule(text: str, names: dict[str, str]) -> PathRule:
    """``names``: "A", "B", "a", "b" and both hostnames -> label."""
    words = text.split()
    usage = ("expected 'drop udp/500 [from A]', 'no-route [from A]', 'loss 0.1 [from A]', 'delay 0.5 [from A]' or "
             "'nat A 192.0.2.1'")
    if not words:
        raise InputError(f"--path '': empty rule ({usage})", field="path")
    kind = words[0].lower()
    if kind == "nat":
        if len(words) != 3:
            raise InputError(f"--path '{text}': {usage}", field="path")
        try:
            public = str(ipaddress.IPv4Address(words[2]))
        except ValueError:
            raise InputError(f"--path '{text}': '{words[2]}' is not an IPv4 address", field="path") from None
        return PathRule(text, "nat", _side(words[1], names, text), public)
    rest = words[1:]
    side = None
    if len(rest) >= 2 and rest[-2].lower() == "from":
        side = _side(rest[-1], names, text)
        rest = rest[:-2]
    if kind == "drop" and len(rest) == 1 and rest[0].lower() in DROP_TARGETS:
        return PathRule(text, "drop", side, rest[0].lower())
    if kind == "no-route" and not rest:
        return PathRule(text, "no-route", side)
    if kind in ("loss", "delay") and len(rest) == 1:
        try:
            value = float(rest[0])
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or (kind == "loss" and value > 1):
            bound = "a probability from 0 to 1" if kind == "loss" else "seconds >= 0"
            raise InputError(f"--path '{text}': '{rest[0]}' is not {bound}", field="path")
        return PathRule(text, kind, side, value)
    raise InputError(f"--path '{text}': {usage}", field="path")


def nat_addresses(rules: list[PathRule]) -> dict[str, str]:
    """label -> public address of the nat rules."""
    out: dict[str, str] = {}
    for rule in rules:
        if rule.kind == "nat":
            if rule.side in out:
                raise InputError(f"--path '{rule.text}': a second nat rule for the same side", field="path")
            out[rule.side] = rule.value
    return out


def for_direction(rules: list[PathRule], initiator: str) -> tuple:
    """The simulator's rules when the box labelled ``initiator`` starts."""
    def role(label: str | None) -> str | None:
        if label is None:
            return None
        return "initiator" if label == initiator else "responder"

    out = []
    for rule in rules:
        direction = role(rule.side)
        if rule.kind == "drop":
            protocol, port = DROP_TARGETS[rule.value]
            out.append(Drop(protocol, port, direction, rule.text))
        elif rule.kind == "no-route":
            out.append(NoRoute(direction, rule.text))
        elif rule.kind == "loss":
            out.append(Loss(rule.value, direction, rule.text))
        elif rule.kind == "delay":
            out.append(Delay(rule.value, direction, rule.text))
        else:
            out.append(Nat(direction, rule.value, rule.text))
    return tuple(out)

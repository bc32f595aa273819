"""``ikesim check``: read both configs, infer who talks to whom, simulate both directions, explain each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from ..platforms import registry
from . import paths
from .directions import Direction, run_direction
from .fixes import Explanation, Finding, explain, findings
from .read import Box, read_box
from .topology import Topology, infer


@dataclass(frozen=True)
class CheckResult:
    boxes: tuple[Box, Box]
    topology: Topology
    rules: tuple[paths.PathRule, ...]
    directions: tuple[Direction, Direction]
    explanations: tuple[Explanation | None, Explanation | None]
    findings: tuple[Finding, ...]

    @property
    def exit_code(self) -> int:
        """0 when every direction the network can carry comes up and nothing else stops the tunnel, else 1."""
        down = any(d.applicable and not (d.evidence is not None and d.evidence.up) for d in self.directions)
        return 1 if down or self.findings else 0


def _pairs(options, what: str, texts: dict[str, str]) -> dict[str, str]:
    """``["A=1.2.3.4", "R-BRANCH=..."]`` -> {label: value}; a name is A, B or a hostname in one of the texts."""
    out: dict[str, str] = {}
    for option in options or ():
        name, sep, value = option.partition("=")
        if not sep or not name or not value:
            raise InputError(f"--{what} '{option}': expected NAME=VALUE, NAME being A, B or a hostname",
                             field=what)
        label = name.upper() if name.upper() in ("A", "B") else None
        if label is None:
            found = [lbl for lbl, text in texts.items()
                     if re.search(rf"^hostname {re.escape(name)}\s*$", text, re.M | re.I)]
            if len(found) != 1:
                raise InputError(f"--{what} '{option}': '{name}' is neither A, B nor the hostname of one config",
                                 field=what)
            label = found[0]
        if label in out:
            raise InputError(f"--{what} '{option}': given twice for {label}", field=what)
        out[label] = value
    return out


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read the config: {exc.strerror or exc}", source=path) from None
    if not text.strip():
        raise InputError("the config file is empty", source=path)
    return text.replace("\r\n", "\n")


def check(path_a: str, path_b: str, **options) -> CheckResult:
    """Check two config files (see :func:`check_texts` for the options)."""
    return check_texts(_read(path_a), _read(path_b), path_a, path_b, **options)


def check_texts(text_a: str, text_b: str, source_a: str = "A", source_b: str = "B", *, path=(), at: float | None = None,
                keys=(), peers=(), addresses=(), platforms=()) -> CheckResult:
    """``path``: ``--path`` rules; ``keys``/``peers``/``addresses``/``platforms``: ``NAME=VALUE`` strings."""
    texts = {"A": text_a, "B": text_b}
    key = _pairs(keys, "key", texts)
    platform = _pairs(platforms, "platform", texts)
    for label, value in platform.items():
        if value not in registry.names():
            raise InputError(f"--platform {label}={value}: expected {' or '.join(registry.names())}",
                             field="platform")
    a = read_box("A", text_a, source_a, platform.get("A"), key.get("A"))
    b = read_box("B", text_b, source_b, platform.get("B"), key.get("B"))
    if a.hostname.lower() == b.hostname.lower():
        raise InputError(f"both configs are for hostname {a.hostname}: give two boxes' configs", source=source_b)
    names = {"A": "A", "B": "B", "a": "A", "b": "B", a.hostname: "A", b.hostname: "B",
             a.hostname.lower(): "A", b.hostname.lower(): "B"}
    rules = [paths.parse_rule(rule, names) for rule in path or ()]
    topology = infer(a, b, paths.nat_addresses(rules), _pairs(addresses, "address", texts), _pairs(peers, "peer", texts))
    directions = (run_direction(topology, "A", rules, at), run_direction(topology, "B", rules, at))
    return CheckResult((a, b), topology, tuple(rules), directions, tuple(explain(d) for d in directions),
                       findings(topology))

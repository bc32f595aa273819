"""Scenario files: two Cisco peers (ASA or IOS), their configurations and the network path between them, in YAML.

Schema (every key is listed; anything else is an error naming the allowed keys)::

    title: Pre-shared keys differ            # required, string
    description: ...                        # required, string
    initiator:                              # required: the device that starts Main Mode (sends MM1)
      hostname: ASA-LAB1                    # required; [A-Za-z][A-Za-z0-9_.-]{0,63}
      platform: asa                         # optional: asa (default) or ios
      outside: 50.57.228.150                # required IPv4 address of the interface named "outside" (ASA), or
                                            # of the interface whose `ip address` it is (IOS: that interface
                                            # faces the peer, and needs a `crypto map` for IKE to run)
      config: |                             # required ASA configuration text (use a literal "|" block so
        hostname ASA-LAB1                   #   errors point at the right line of this file)
        crypto ikev1 enable outside
        ...
      timers: {interval: 8, retries: 3, remove_after: 8}   # optional, overrides the platform's retransmission
                                            # profile: resend every `interval` s, `retries` times, then remove
                                            # the SA `remove_after` s later (any of the three may be left out);
                                            # `reinitiate: 2` (initiator): interesting traffic keeps flowing, so a
                                            # new Main Mode starts 2 s after the SA was removed
    responder: { same keys }                # required: the device that answers
    path:                                   # optional list of rules between the two outside interfaces,
                                            # evaluated in order for every datagram
      - drop: udp/500                       # udp/500, udp/4500, udp (any port), ip (everything)
        from: initiator                     # optional: initiator|responder (the sending side); both when absent
        name: ACL outside_in on FW-EDGE     # optional label shown in traces
      - no-route: true                      # datagrams are lost; from optional
      - loss: 0.1                           # probability in [0, 1]; from optional
      - delay: 0.05                         # seconds >= 0, one way; from optional
      - nat: {inside: initiator, address: 192.0.2.1}   # a PAT device in front of `inside`: its source address
                                            # becomes `address`, source ports are remapped; no `from`
    look: 5                                 # optional, seconds >= 0 after the first datagram at which `show`
                                            # is taken (default 5)
    seed: 1                                 # optional integer >= 0 (default 1): same seed, same run
    notice: ...                             # optional string: what the trainee should notice
    fix: ...                                # optional string: the fix

The two devices must have different hostnames and different outside addresses. The ``hostname`` line inside a
config, when present, must agree with the device's ``hostname``.

Every problem is reported as an :class:`~sim.errors.InputError` located in the file: ``source`` is the path as the
user gave it, ``line`` the 1-based line of the YAML file (for a config error: the file line of the offending config
line), ``field`` the dotted field (``responder.outside``, ``path[1].loss``, ``initiator.config``; path rules are
counted from 0, so ``path[1]`` is the second rule).

Bundled scenarios live in the top-level ``scenarios/`` folder of the source tree and are installed as the package
data folder ``sim/_bundled_scenarios``; :func:`load_scenario` accepts a file path or a bundled scenario's name.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.engine.path import Delay, Drop, Loss, Nat, NoRoute, Rule
from sim.errors import InputError
from sim.ike.config import IkeConfig, Retransmit
from sim.platforms import registry
from sim.reconfigure import reparse_device  # noqa: F401 - sim.api.replace_config uses it from here

ROLES = ("initiator", "responder")
OUTSIDE_INTERFACE = "outside"
DEFAULT_LOOK = 5.0
DEFAULT_SEED = 1
HOSTNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")

TOP_KEYS = ("title", "description", "base", "faults", "initiator", "responder", "path", "look", "seed", "notice",
            "fix")
DEVICE_KEYS = ("hostname", "platform", "outside", "config", "timers")
TIMER_KEYS = ("interval", "retries", "remove_after", "reinitiate")
RULE_KINDS = ("drop", "no-route", "loss", "delay", "nat")
NAT_KEYS = ("inside", "address")
RULE_OPTIONS = ("from", "name")
DROP_TARGETS: dict[str, tuple[str, int | None]] = {
    "udp/500": ("udp", 500),
    "udp/4500": ("udp", 4500),
    "udp": ("udp", None),
    "ip": ("ip", None),
}
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class DeviceSpec:
    """One device of a scenario. ``config_line`` is the file line holding the first line of ``config_text``."""

    role: str
    hostname: str
    platform: str
    outside: str
    config_text: str
    config: Any  # the platform's parsed config object (its ``parse_config`` result)
    config_line: int
    timers: Retransmit

    def ike_config(self) -> IkeConfig:
        """The core's configuration for this device's outside interface, as its platform builds it."""
        return registry.get(self.platform).ike_config(self)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    initiator: DeviceSpec
    responder: DeviceSpec
    path: tuple[Rule, ...]
    look: float
    seed: int
    notice: str | None
    fix: str | None
    source: str

    @property
    def devices(self) -> tuple[DeviceSpec, DeviceSpec]:
        return (self.initiator, self.responder)

    def device(self, hostname: str) -> DeviceSpec:
        """The device called ``hostname`` (exact match first, then case-insensitive)."""
        for spec in self.devices:
            if spec.hostname == hostname:
                return spec
        for spec in self.devices:
            if spec.hostname.lower() == hostname.lower():
                return spec
        known = ", ".join(spec.hostname for spec in self.devices)
        raise InputError(f"no device '{hostname}' in this scenario (devices: {known})", source=self.source)


# ----------------------------------------------------------------------------------------------------------------
# finding files


def bundled_dir() -> Path:
    """The folder of bundled scenarios: package data in a wheel, else ``scenarios/`` of the source tree.

    A wheel installs ``scenarios/`` as the package folder ``sim/_bundled_scenarios`` (pyproject force-include); an
    editable install or a source checkout has only the top-level folder. (Plain paths rather than
    importlib.resources: the package is always on the file system, and the import costs ~7 ms per command.)
    """
    package = Path(sys.modules[__package__].__file__).resolve().parent  # the package as imported
    packaged = package / "_bundled_scenarios"
    if packaged.is_dir():
        return packaged
    return package.parent / "scenarios"


def _bundled_files() -> list[Path]:
    folder = bundled_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def list_bundled() -> list[tuple[str, str]]:
    """(name, title) of every bundled scenario, sorted by name."""
    return sorted((path.stem, load_scenario_text(_read(path, str(path)), str(path)).title) for path in _bundled_files())


def _read(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file ({exc.reason} at byte {exc.start})", source=shown) from None
    except OSError as exc:
        raise InputError(f"cannot read the scenario file: {exc.strerror or exc}", source=shown) from None


def load_scenario(path_or_name: str) -> Scenario:
    """Load a scenario from a YAML file path, or a bundled scenario by name (``healthy``, ``psk-mismatch``...)."""
    given = str(path_or_name)
    path = Path(given)
    if path.is_dir():
        raise InputError("is a directory, not a scenario file", source=given)
    if path.is_file():
        return load_scenario_text(_read(path, given), given)
    looks_like_name = "/" not in given and "\\" not in given
    if looks_like_name:
        stem = given[: -len(path.suffix)] if path.suffix in SUFFIXES else given
        for candidate in _bundled_files():
            if candidate.stem == stem:
                return load_scenario_text(_read(candidate, str(candidate)), str(candidate))
    raise InputError(f"no such scenario file or bundled scenario '{given}' (try: ikesim list)")


# ----------------------------------------------------------------------------------------------------------------
# reading YAML with line numbers


class _Doc:
    """Walks the composed YAML node tree so every value keeps its line number."""

    def __init__(self, text: str, source: str):
        self.source = source
        # libyaml's parser when PyYAML was built with it (several times faster), the pure-Python one otherwise;
        # both give the same nodes and marks
        self.loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)

    def error(self, message: str, node: yaml.Node | None, field: str | None) -> InputError:
        line = node.start_mark.line + 1 if node is not None else None
        return InputError(message, source=self.source, line=line, field=field)

    def value(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, field: str | None, allowed: tuple[str, ...], what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """{key: (key node, value node)} of a mapping node, rejecting non-string, duplicate and unknown keys."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(f"{what} must be a mapping of keys to values, not {self.describe(node)}", node, field)
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            where = f"{field}.{key}" if field else str(key)
            if not isinstance(key, str):
                raise self.error(f"keys must be words, not {key!r} (allowed keys: {', '.join(allowed)})", key_node, field)
            if key in result:
                raise self.error(f"duplicate key '{key}'", key_node, where)
            if key not in allowed:
                raise self.error(f"unknown key '{key}' in {what} (allowed keys: {', '.join(allowed)})", key_node, where)
            result[key] = (key_node, value_node)
        return result

    def describe(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        value = self.value(node)
        if value is None:
            return "nothing"
        return f"{type(value).__name__} {value!r}" if not isinstance(value, str) else f"the text {value!r}"

    # typed getters -------------------------------------------------------------------------------------------

    def string(self, node: yaml.Node, field: str) -> str:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str):
            raise self.error(f"must be a string, not {self.describe(node)}", node, field)
        if not value.strip():
            raise self.error("must not be empty", node, field)
        return value

    def optional_string(self, node: yaml.Node | None, field: str) -> str | None:
        if node is None or (isinstance(node, yaml.ScalarNode) and self.value(node) is None):
            return None
        return self.string(node, field)

    def number(self, node: yaml.Node, field: str, *, low: float, high: float | None = None, unit: str = "") -> float:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(f"must be a number, not {self.describe(node)}", node, field)
        unit = f" {unit}" if unit else ""
        if not math.isfinite(value) or value < low or (high is not None and value > high):
            expected = f"between {low:g} and {high:g}{unit}" if high is not None else f"{low:g}{unit} or more"
            raise self.error(f"{value!r} is out of range (expected {expected})", node, field)
        return float(value)

    def integer(self, node: yaml.Node, field: str, *, low: int) -> int:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be a whole number, not {self.describe(node)}", node, field)
        if value < low:
            raise self.error(f"{value} is out of range (expected {low} or more)", node, field)
        return value


def _required(doc: _Doc, fields: dict, key: str, parent_node: yaml.Node, field: str | None, what: str) -> yaml.Node:
    if key not in fields:
        where = f"{field}.{key}" if field else key
        raise doc.error(f"missing required key '{key}' in {what}", parent_node, where)
    return fields[key][1]


def _config_first_line(node: yaml.Node) -> int:
    """File line (1-based) of the first line of a config scalar's text."""
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        return node.start_mark.line + 2  # the block's content starts on the line after the indicator
    return node.start_mark.line + 1


def _device(doc: _Doc, key_node: yaml.Node, node: yaml.Node, role: str) -> tuple[DeviceSpec, dict[str, yaml.Node]]:
    """The device under ``role``, and its value nodes by key (for errors that involve both devices)."""
    if isinstance(node, yaml.ScalarNode) and doc.value(node) is None:
        raise doc.error(f"the {role} device has no keys (needs hostname, outside and config)", key_node, role)
    fields = doc.mapping(node, role, DEVICE_KEYS, f"the {role} device")
    node = key_node  # missing keys are reported on the "initiator:"/"responder:" line

    hostname_node = _required(doc, fields, "hostname", node, role, f"the {role} device")
    hostname = doc.string(hostname_node, f"{role}.hostname")
    if not HOSTNAME_RE.fullmatch(hostname):
        raise doc.error(
            f"'{hostname}' is not a valid hostname (a letter, then up to 63 letters, digits, '-', '_' or '.')",
            hostname_node, f"{role}.hostname",
        )

    platform = registry.names()[0]
    if "platform" in fields:
        platform_node = fields["platform"][1]
        platform = doc.string(platform_node, f"{role}.platform").strip().lower()
        if platform not in registry.names():
            raise doc.error(f"platform '{platform}' is not supported yet (supported: {', '.join(registry.names())})",
                            platform_node, f"{role}.platform")

    outside_node = _required(doc, fields, "outside", node, role, f"the {role} device")
    outside_value = doc.value(outside_node) if isinstance(outside_node, yaml.ScalarNode) else None
    try:
        if not isinstance(outside_value, str):
            raise ValueError
        address = ipaddress.IPv4Address(outside_value.strip())
    except ValueError:
        shown = f"'{outside_value}'" if isinstance(outside_value, str) else doc.describe(outside_node)
        raise doc.error(f"{shown} is not a valid IPv4 address (expected four numbers 0-255, e.g. 50.57.228.150)",
                        outside_node, f"{role}.outside") from None
    broadcast = ipaddress.IPv4Address("255.255.255.255")
    if address.is_unspecified or address.is_multicast or address.is_loopback or address == broadcast:
        raise doc.error(f"{address} cannot be an interface address (use a unicast address such as 50.57.228.150)",
                        outside_node, f"{role}.outside")

    config_node = _required(doc, fields, "config", node, role, f"the {role} device")
    config_text = doc.string(config_node, f"{role}.config")
    config_line = _config_first_line(config_node)
    platform_profile = registry.get(platform)
    try:
        # a platform object parses its own config text; the ASA's falls back to its parser function
        config = platform_profile.parse_config(config_text)
        platform_profile.check_outside(config, str(address))
    except InputError as exc:
        line = config_line + exc.line - 1 if exc.line is not None else config_node.start_mark.line + 1
        raise InputError(exc.message, source=doc.source, line=line, field=f"{role}.config") from None
    if config.hostname is not None and config.hostname != hostname:
        line = next(
            (i for i, text in enumerate(config_text.splitlines(), start=config_line) if text.split()[:1] == ["hostname"]),
            config_line,
        )
        raise InputError(f"the config says 'hostname {config.hostname}' but the scenario calls this device "
                         f"'{hostname}'", source=doc.source, line=line, field=f"{role}.config")

    # the platform's retransmission profile (ASA: ike-facts.md 3.7, the Retransmit defaults; IOS: 4.4)
    timers = platform_profile.default_retransmit
    if "timers" in fields:
        timers_node = fields["timers"][1]
        timer_fields = doc.mapping(timers_node, f"{role}.timers", TIMER_KEYS, f"{role}.timers")
        changes: dict[str, Any] = {}
        if "interval" in timer_fields:
            interval_node = timer_fields["interval"][1]
            changes["interval"] = doc.number(interval_node, f"{role}.timers.interval", low=0, unit="seconds")
            if changes["interval"] <= 0:
                raise doc.error("must be more than 0 seconds", interval_node, f"{role}.timers.interval")
        if "retries" in timer_fields:
            changes["retries"] = doc.integer(timer_fields["retries"][1], f"{role}.timers.retries", low=0)
        if "reinitiate" in timer_fields:
            changes["reinitiate"] = doc.number(timer_fields["reinitiate"][1], f"{role}.timers.reinitiate", low=0,
                                               unit="seconds")
        if "remove_after" in timer_fields:
            changes["remove_after"] = doc.number(timer_fields["remove_after"][1], f"{role}.timers.remove_after",
                                                 low=0, unit="seconds")
        timers = dataclasses.replace(timers, **changes)

    spec = DeviceSpec(role, hostname, platform, str(address), config_text, config, config_line, timers)
    return spec, {key: value for key, (_, value) in fields.items()}


def _rule(doc: _Doc, node: yaml.Node, index: int) -> Rule:
    field = f"path[{index}]"
    allowed = RULE_KINDS + RULE_OPTIONS
    fields = doc.mapping(node, field, allowed, f"path rule {field}")
    kinds = [key for key in fields if key in RULE_KINDS]
    if len(kinds) != 1:
        found = f"found {', '.join(kinds)}" if kinds else "found none"
        raise doc.error(f"a path rule needs exactly one of {', '.join(RULE_KINDS)} ({found})", node, field)
    kind = kinds[0]
    value_node = fields[kind][1]
    where = f"{field}.{kind}"

    direction = None
    if "from" in fields:
        from_node = fields["from"][1]
        direction = doc.string(from_node, f"{field}.from").strip().lower()
        if direction not in ROLES:
            raise doc.error(f"'{direction}' is not a side (expected initiator or responder: the sending side)",
                            from_node, f"{field}.from")
    name = doc.optional_string(fields["name"][1], f"{field}.name") if "name" in fields else None

    if kind == "drop":
        target = doc.string(value_node, where).strip().lower()
        if target not in DROP_TARGETS:
            raise doc.error(f"unknown drop target '{target}' (expected {', '.join(DROP_TARGETS)})", value_node, where)
        protocol, port = DROP_TARGETS[target]
        return Drop(protocol, port, direction, name)
    if kind == "no-route":
        if doc.value(value_node) is not True:
            raise doc.error("must be true (to restore the route, remove the rule)", value_node, where)
        return NoRoute(direction, name)
    if kind == "loss":
        return Loss(doc.number(value_node, where, low=0, high=1), direction, name)
    if kind == "nat":
        if direction is not None:
            raise doc.error("a nat rule translates both ways: leave out `from`", fields["from"][1], f"{field}.from")
        nat_fields = doc.mapping(value_node, where, NAT_KEYS, "nat rule")
        for key in NAT_KEYS:
            if key not in nat_fields:
                raise doc.error(f"missing '{key}' (a nat rule needs inside: initiator|responder and address: "
                                f"the public IPv4 address)", value_node, where)
        inside_node = nat_fields["inside"][1]
        inside = doc.string(inside_node, f"{where}.inside").strip().lower()
        if inside not in ROLES:
            raise doc.error(f"'{inside}' is not a side (expected initiator or responder)", inside_node,
                            f"{where}.inside")
        address_node = nat_fields["address"][1]
        text = doc.string(address_node, f"{where}.address").strip()
        try:
            public = ipaddress.IPv4Address(text)
        except ValueError:
            raise doc.error(f"'{text}' is not an IPv4 address", address_node, f"{where}.address") from None
        return Nat(inside, str(public), name)
    return Delay(doc.number(value_node, where, low=0, unit="seconds"), direction, name)


def load_scenario_text(text: str, source: str) -> Scenario:
    """Parse scenario YAML ``text``; ``source`` names it in errors (and its stem becomes the scenario's name)."""
    doc = _Doc(text, source)
    try:
        try:
            root = doc.loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(exc, source) from None
        except yaml.YAMLError as exc:
            raise InputError(f"YAML error: {exc}", source=source) from None
        if root is None:
            raise InputError("the scenario file is empty", source=source, line=1)
        try:
            return _scenario(doc, root, source)
        except yaml.MarkedYAMLError as exc:  # constructing a value (e.g. a bad !!tag)
            mark = exc.problem_mark or exc.context_mark
            raise InputError(f"YAML error: {exc.problem or exc}", source=source,
                             line=mark.line + 1 if mark is not None else None) from None
    finally:
        doc.loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, source: str) -> InputError:
    """YAML's own error, on the line where the parser gave up, naming the line where the construct started."""
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.problem.startswith("but ") and exc.context:
        message = f"{exc.context} {exc.problem}"  # "expected a single document in the stream but found another"
    elif exc.context and exc.problem:
        context_line = exc.context_mark.line + 1 if exc.context_mark is not None else None
        if context_line is not None and mark is not None and context_line != mark.line + 1:
            message += f" ({exc.context}, started on line {context_line})"
        else:
            message += f" ({exc.context})"
    if "'\\t'" in message or "tab character" in message:  # the pure-Python and the libyaml wording
        message += "; indent YAML with spaces, not tabs"
    return InputError(f"YAML syntax error: {message}", source=source, line=mark.line + 1 if mark is not None else None)


_LOADING_BASES: set[str] = set()  # bundled scenarios being loaded as a base right now (cycle guard)


def _scenario(doc: _Doc, root: yaml.Node, source: str) -> Scenario:
    fields = doc.mapping(root, None, TOP_KEYS, "the scenario")
    title = doc.string(_required(doc, fields, "title", root, None, "the scenario"), "title").strip()
    description = doc.string(_required(doc, fields, "description", root, None, "the scenario"), "description").strip()
    base = None
    if "base" in fields:
        base_node = fields["base"][1]
        base_name = doc.string(base_node, "base").strip()
        for role in ROLES:
            if role in fields:
                raise doc.error(f"give either 'base' or the devices, not both ('{role}' is given)", fields[role][0],
                                role)
        if base_name not in {path.stem for path in _bundled_files()}:
            raise doc.error(f"'{base_name}' is not a bundled scenario (try: ikesim list)", base_node, "base")
        if base_name in _LOADING_BASES:
            raise doc.error(f"'{base_name}' is its own base (a cycle of 'base:' references)", base_node, "base")
        _LOADING_BASES.add(base_name)
        try:
            base = load_scenario(base_name)
        finally:
            _LOADING_BASES.discard(base_name)
        devices = [(base.initiator, None), (base.responder, None)]
    else:
        devices = []
        for role in ROLES:
            _required(doc, fields, role, root, None, "the scenario")
            devices.append(_device(doc, *fields[role], role))
    (initiator, _), (responder, responder_fields) = devices
    if base is None and initiator.hostname.lower() == responder.hostname.lower():
        raise doc.error(f"both devices are called '{responder.hostname}': give the responder another hostname",
                        responder_fields["hostname"], "responder.hostname")
    if base is None and initiator.outside == responder.outside:
        raise doc.error(f"both devices have outside address {responder.outside}: give the responder another one",
                        responder_fields["outside"], "responder.outside")

    rules: list[Rule] = list(base.path) if base is not None else []
    if "path" in fields:
        path_node = fields["path"][1]
        if isinstance(path_node, yaml.SequenceNode):
            rules += [_rule(doc, item, index) for index, item in enumerate(path_node.value)]
        elif not (isinstance(path_node, yaml.ScalarNode) and doc.value(path_node) is None):
            raise doc.error(f"must be a list of rules (each starting with '- '), not {doc.describe(path_node)}",
                            path_node, "path")

    default_look, default_seed = (base.look, base.seed) if base is not None else (DEFAULT_LOOK, DEFAULT_SEED)
    look = doc.number(fields["look"][1], "look", low=0, unit="seconds") if "look" in fields else default_look
    seed = doc.integer(fields["seed"][1], "seed", low=0) if "seed" in fields else default_seed
    notice = doc.optional_string(fields["notice"][1], "notice") if "notice" in fields else None
    fix = doc.optional_string(fields["fix"][1], "fix") if "fix" in fields else None

    name = Path(source).stem if Path(source).suffix in SUFFIXES else Path(source).name
    scenario = Scenario(
        name=name,
        title=title,
        description=description,
        initiator=initiator,
        responder=responder,
        path=tuple(rules),
        look=look,
        seed=seed,
        notice=notice.strip() if notice else None,
        fix=fix.strip() if fix else None,
        source=source,
    )
    if "faults" in fields:
        scenario = _apply_faults(doc, scenario, fields["faults"][1])
    return scenario


def _apply_faults(doc: _Doc, scenario: Scenario, node: yaml.Node) -> Scenario:
    """``faults: [name, ...]``: each catalogue fault applied in order (see :mod:`sim.faults`)."""
    from sim import faults

    if not isinstance(node, yaml.SequenceNode):
        raise doc.error(f"must be a list of fault names (see the README's fault catalogue), not "
                        f"{doc.describe(node)}", node, "faults")
    for index, item in enumerate(node.value):
        name = doc.string(item, f"faults[{index}]").strip()
        if name not in faults.CATALOGUE:
            raise doc.error(f"unknown fault '{name}' (known: {', '.join(faults.CATALOGUE)})", item, f"faults[{index}]")
        try:
            scenario = faults.apply(scenario, [name])
        except InputError as exc:
            raise doc.error(exc.message, item, f"faults[{index}]") from None
    return scenario

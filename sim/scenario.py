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
                                            # new Main Mode starts 2 s after the SA was removed. Bounds
                                            # (TIMER_BOUNDS): interval 1-120 s, retries 0-10, remove_after
                                            # 0-3600 s, reinitiate 1-3600 s
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
    seed: 1                                 # optional integer 0 to 2**64-1 (default 1): same seed, same run
    notice: ...                             # optional string: what the trainee should notice
    fix: ...                                # optional string: the fix

The two devices must have different hostnames and different outside addresses. The ``hostname`` line inside a
config, when present, must agree with the device's ``hostname``.

Every problem is reported as an :class:`~sim.errors.InputError` located in the file: ``source`` is the path as the
user gave it, ``line`` the 1-based line of the YAML file (for a config error: the file line of the offending config
line), ``field`` the dotted field (``responder.outside``, ``path[1].loss``, ``initiator.config``; path rules are
counted from 0, so ``path[1]`` is the second rule).

Hostile files cost little: the text is at most :data:`MAX_TEXT` characters without control characters; YAML
aliases may add at most :data:`ALIAS_BUDGET` values and never recurse (a "billion laughs" is refused while it is a
graph of a few nodes); only scalars are ever constructed; a conversion YAML cannot do (``!!int abc``, a 13th month,
a 5,000-digit number) is an error on its line; echoed values are clipped to :data:`ECHO_LIMIT` characters.

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

# Limits that keep a hostile or mistaken file from costing more than a moment and a few megabytes (README,
# "Reliability"). A bundled scenario is ~4 KB and ~100 YAML values.
#: largest scenario file read, in characters
MAX_TEXT = 1_000_000
#: most YAML values a file may expand to through aliases (``*name``) beyond the values written in it
ALIAS_BUDGET = 10_000
#: longest piece of a user's value echoed in an error message (the rest becomes "...")
ECHO_LIMIT = 60
#: largest seed: a 64-bit number
MAX_SEED = 2**64 - 1
#: bounds of ``timers:`` keys, as (low, high), in seconds except ``retries``. The boxes fix these: an ASA resends
#: every 8 s, 3 times; IOS every 10 s, 5 times (ike-facts.md 3.7 and 4.4; neither has a knob for IKEv1 Phase 1).
#: The bounds leave room for experiments around those values; the lower ones keep a run to at most about one
#: datagram per simulated second (the event budget in sim.engine.simulator stops anything longer).
TIMER_BOUNDS: dict[str, tuple[float, float]] = {
    "interval": (1.0, 120.0),
    "retries": (0, 10),
    "remove_after": (0.0, 3600.0),
    "reinitiate": (1.0, 3600.0),
}
#: characters YAML 1.1 does not allow in a stream (C0 controls but tab/newline/CR, DEL, C1 but NEL, surrogates,
#: U+FFFE/U+FFFF); found before parsing, so the error names the line
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")

TOP_KEYS = ("title", "description", "base", "faults", "initiator", "responder", "path", "look", "seed", "notice",
            "fix")
DEVICE_KEYS = ("hostname", "platform", "outside", "config", "timers", "version")
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
    #: the software version the scenario names (``version: "8.2(5)"``); empty: the config's own version line, if any
    version_given: str = ""

    @property
    def version(self) -> str:
        """The software the device runs, for the platform's output profile: the scenario's ``version``, else the
        config's version line (``ASA Version 9.12(4)``, ``version 15.9``), else empty (the platform's default)."""
        return self.version_given or (getattr(self.config, "version", None) or "")

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
        raise InputError(f"no device {shown(hostname)} in this scenario (devices: {known})",
                         source=_shown_source(self.source))


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, with "..." when something was cut (for echoing user values)."""
    return text if len(text) <= limit else text[:limit] + "..."


def shown(value: Any) -> str:
    """A user's value as an error message echoes it: quoted and clipped text, a short form of huge numbers."""
    if isinstance(value, str):
        if len(value) <= ECHO_LIMIT:
            return repr(value)
        quoted = repr(value[:ECHO_LIMIT])
        return quoted[:-1] + "..." + quoted[-1]
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    return clip(repr(value))


def _shown_source(source: str) -> str:
    """The source as the user would name it: a bundled scenario by its name, anything else as given."""
    path = Path(source)
    if path.suffix in SUFFIXES and path.parent == bundled_dir():
        return path.stem
    return source


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
        if path.stat().st_size > 4 * MAX_TEXT:  # UTF-8: at most 4 bytes a character; the text is checked again
            raise InputError(f"the scenario file is larger than {MAX_TEXT:,} characters", source=shown)
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
    raise InputError(f"no such scenario file or bundled scenario {shown(given)} (try: ikesim list)")


# ----------------------------------------------------------------------------------------------------------------
# reading YAML with line numbers


class _Collection:
    """What :meth:`_Doc.value` gives for a mapping or a list: a placeholder, never equal to a scalar value."""

    def __repr__(self) -> str:
        return "a collection"


_COLLECTION = _Collection()

#: YAML tags by what a user would call them, for conversion errors
_TAG_WORDS = {"int": "whole number", "float": "number", "timestamp": "date", "bool": "true/false value",
              "binary": "base64 text", "null": "null"}


def _conversion_problem(node: yaml.ScalarNode, exc: Exception) -> str:
    """One line for a scalar YAML could not convert to its tag's type (``!!int abc``, ``2001-13-45``...)."""
    tag = node.tag.rsplit(":", 1)[-1] if node.tag.startswith("tag:yaml.org,2002:") else node.tag
    what = _TAG_WORDS.get(tag, f"!!{clip(tag)} value")
    text = node.value if isinstance(node.value, str) else str(node.value)
    if (tag in ("int", "float") and "limit" in str(exc)) or len(text) > 1000:
        return f"YAML cannot read a {what} from {len(text):,} characters (too long)"
    reason = clip(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 100)
    return f"YAML cannot read {shown(text)} as a {what} ({reason})"


def _check_text(text: str, source: str) -> None:
    """Refuse texts YAML would choke on, or that cost too much, before parsing: too long, control characters."""
    if len(text) > MAX_TEXT:
        raise InputError(f"the scenario file is larger than {MAX_TEXT:,} characters", source=source)
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        char = bad.group()
        name = "a NUL character" if char == "\0" else f"the control character U+{ord(char):04X}"
        raise InputError(f"column {column} holds {name}, which YAML does not allow (is this a text file?)",
                         source=source, line=line)


def _check_aliases(root: yaml.Node, source: str) -> None:
    """Refuse a node graph whose aliases expand it beyond :data:`ALIAS_BUDGET` values (a "billion laughs") or make
    it recursive (``&a [*a]``). Iterative and linear in the distinct nodes: every node is sized once."""
    size: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            total = 1 + sum(size[id(child)] for child in children)
            size[key] = total
            if total - distinct > ALIAS_BUDGET:
                raise InputError(f"YAML aliases expand this value to more than {ALIAS_BUDGET:,} values (a "
                                 f"'billion laughs'?): write the values out, or use fewer aliases",
                                 source=source, line=node.start_mark.line + 1)
            continue
        if key in size:
            continue
        if key in on_path:
            raise InputError("a YAML alias refers to a value that contains it (a recursive structure)",
                             source=source, line=node.start_mark.line + 1)
        on_path.add(key)
        distinct += 1
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)) if id(child) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


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

    def value(self, node: yaml.Node, field: str | None = None) -> Any:
        """The Python value of a scalar node (a collection gives :data:`_COLLECTION`: it is never constructed, so
        no alias expansion happens here). A tag conversion that fails (``!!int abc``, a 13th month, a number too
        long for Python) is an InputError on the node's line."""
        if not isinstance(node, yaml.ScalarNode):
            return _COLLECTION
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, ArithmeticError, LookupError, TypeError, AttributeError) as exc:
            # PyYAML's constructors trust the resolver's patterns: an explicit tag on the wrong text fails inside
            # them in many ways (`!!int ''` IndexError, `!!bool x` KeyError, `!!timestamp x` AttributeError)
            raise self.error(_conversion_problem(node, exc), node, field) from None

    def mapping(self, node: yaml.Node, field: str | None, allowed: tuple[str, ...], what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """{key: (key node, value node)} of a mapping node, rejecting non-string, duplicate and unknown keys."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(f"{what} must be a mapping of keys to values, not {self.describe(node)}", node, field)
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node, field)
            if not isinstance(key, str):
                raise self.error(f"keys must be words, not {self.describe(key_node)} (allowed keys: "
                                 f"{', '.join(allowed)})", key_node, field)
            where = f"{field}.{clip(key)}" if field else clip(key)
            if key in result:
                raise self.error(f"duplicate key {shown(key)}", key_node, where)
            if key not in allowed:
                raise self.error(f"unknown key {shown(key)} in {what} (allowed keys: {', '.join(allowed)})", key_node,
                                 where)
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
        return f"{type(value).__name__} {shown(value)}" if not isinstance(value, str) else f"the text {shown(value)}"

    # typed getters -------------------------------------------------------------------------------------------

    def string(self, node: yaml.Node, field: str) -> str:
        value = self.value(node, field)
        if not isinstance(value, str):
            raise self.error(f"must be a string, not {self.describe(node)}", node, field)
        if not value.strip():
            raise self.error("must not be empty", node, field)
        return value

    def optional_string(self, node: yaml.Node | None, field: str) -> str | None:
        if node is None or self.value(node, field) is None:
            return None
        return self.string(node, field)

    def number(self, node: yaml.Node, field: str, *, low: float, high: float | None = None, unit: str = "") -> float:
        value = self.value(node, field)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(f"must be a number, not {self.describe(node)}", node, field)
        unit = f" {unit}" if unit else ""
        # int/float comparisons are exact in Python, also for ints too large for a float (math.isfinite would
        # raise OverflowError on those)
        finite = isinstance(value, int) or math.isfinite(value)
        if not finite or value < low or (high is not None and value > high) or abs(value) > 1e300:
            expected = f"between {low:g} and {high:g}{unit}" if high is not None else f"{low:g}{unit} or more"
            raise self.error(f"{shown(value)} is out of range (expected {expected})", node, field)
        return float(value)

    def integer(self, node: yaml.Node, field: str, *, low: int, high: int | None = None) -> int:
        value = self.value(node, field)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be a whole number, not {self.describe(node)}", node, field)
        if value < low or (high is not None and value > high):
            expected = f"between {low} and {high}" if high is not None else f"{low} or more"
            raise self.error(f"{shown(value)} is out of range (expected {expected})", node, field)
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
    if doc.value(node, role) is None:
        raise doc.error(f"the {role} device has no keys (needs hostname, outside and config)", key_node, role)
    fields = doc.mapping(node, role, DEVICE_KEYS, f"the {role} device")
    node = key_node  # missing keys are reported on the "initiator:"/"responder:" line

    hostname_node = _required(doc, fields, "hostname", node, role, f"the {role} device")
    hostname = doc.string(hostname_node, f"{role}.hostname")
    if not HOSTNAME_RE.fullmatch(hostname):
        raise doc.error(
            f"{shown(hostname)} is not a valid hostname (a letter, then up to 63 letters, digits, '-', '_' or '.')",
            hostname_node, f"{role}.hostname",
        )

    platform = registry.names()[0]
    if "platform" in fields:
        platform_node = fields["platform"][1]
        platform = doc.string(platform_node, f"{role}.platform").strip().lower()
        if platform not in registry.names():
            raise doc.error(f"platform {shown(platform)} is not supported yet (supported: {', '.join(registry.names())})",
                            platform_node, f"{role}.platform")

    outside_node = _required(doc, fields, "outside", node, role, f"the {role} device")
    outside_value = doc.value(outside_node, f"{role}.outside")
    try:
        if not isinstance(outside_value, str):
            raise ValueError
        address = ipaddress.IPv4Address(outside_value.strip())
    except ValueError:
        echo = shown(outside_value) if isinstance(outside_value, str) else doc.describe(outside_node)
        raise doc.error(f"{echo} is not a valid IPv4 address (expected four numbers 0-255, e.g. 50.57.228.150)",
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
        raise InputError(clip(exc.message, 300), source=doc.source, line=line, field=f"{role}.config") from None
    if config.hostname is not None and config.hostname != hostname:
        line = next(
            (i for i, text in enumerate(config_text.splitlines(), start=config_line) if text.split()[:1] == ["hostname"]),
            config_line,
        )
        raise InputError(f"the config says 'hostname {clip(config.hostname)}' but the scenario calls this device "
                         f"'{hostname}'", source=doc.source, line=line, field=f"{role}.config")

    # the platform's retransmission profile (ASA: ike-facts.md 3.7, the Retransmit defaults; IOS: 4.4)
    timers = platform_profile.default_retransmit
    if "timers" in fields:
        timers_node = fields["timers"][1]
        timer_fields = doc.mapping(timers_node, f"{role}.timers", TIMER_KEYS, f"{role}.timers")
        changes: dict[str, Any] = {}
        for key, (_, timer_node) in timer_fields.items():
            low, high = TIMER_BOUNDS[key]
            where = f"{role}.timers.{key}"
            if key == "retries":
                changes[key] = doc.integer(timer_node, where, low=int(low), high=int(high))
            else:
                changes[key] = doc.number(timer_node, where, low=low, high=high, unit="seconds")
        if "interval" in changes and timers.duplicate_holdoff is not None and timers.interval > 0:
            # the duplicate holdoff is a fixed share of the retransmission interval (see the platforms)
            changes["duplicate_holdoff"] = timers.duplicate_holdoff * changes["interval"] / timers.interval
        timers = dataclasses.replace(timers, **changes)

    version = ""
    if "version" in fields:
        version_node = fields["version"][1]
        version = doc.string(version_node, f"{role}.version").strip()
        if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)*(?:\([0-9A-Za-z.]+\))?[A-Za-z0-9.]*", version) or len(version) > 30:
            raise doc.error(f"{shown(version)} is not a software version (e.g. 9.12(4), 8.2(5), 15.9, 17.3)",
                            version_node, f"{role}.version")
    spec = DeviceSpec(role, hostname, platform, str(address), config_text, config, config_line, timers, version)
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
            raise doc.error(f"{shown(direction)} is not a side (expected initiator or responder: the sending side)",
                            from_node, f"{field}.from")
    name = doc.optional_string(fields["name"][1], f"{field}.name") if "name" in fields else None

    if kind == "drop":
        target = doc.string(value_node, where).strip().lower()
        if target not in DROP_TARGETS:
            raise doc.error(f"unknown drop target {shown(target)} (expected {', '.join(DROP_TARGETS)})", value_node, where)
        protocol, port = DROP_TARGETS[target]
        return Drop(protocol, port, direction, name)
    if kind == "no-route":
        if doc.value(value_node, where) is not True:
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
            raise doc.error(f"{shown(inside)} is not a side (expected initiator or responder)", inside_node,
                            f"{where}.inside")
        address_node = nat_fields["address"][1]
        text = doc.string(address_node, f"{where}.address").strip()
        try:
            public = ipaddress.IPv4Address(text)
        except ValueError:
            raise doc.error(f"{shown(text)} is not an IPv4 address", address_node, f"{where}.address") from None
        return Nat(inside, str(public), name)
    return Delay(doc.number(value_node, where, low=0, unit="seconds"), direction, name)


def load_scenario_text(text: str, source: str) -> Scenario:
    """Parse scenario YAML ``text``; ``source`` names it in errors (and its stem becomes the scenario's name)."""
    _check_text(text, source)
    doc = _Doc(text, source)
    try:
        try:
            root = doc.loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(exc, source) from None
        except yaml.YAMLError as exc:
            raise InputError(f"YAML error: {clip(str(exc).splitlines()[0], 200)}", source=source) from None
        except RecursionError:  # the pure-Python composer on deeply nested lists (libyaml has its own limit)
            raise InputError("YAML nested too deeply", source=source) from None
        if root is None:
            raise InputError("the scenario file is empty", source=source, line=1)
        _check_aliases(root, source)
        try:
            return _scenario(doc, root, source)
        except yaml.MarkedYAMLError as exc:  # constructing a value (e.g. a bad !!tag)
            mark = exc.problem_mark or exc.context_mark
            problem = str(exc.problem or exc).splitlines()[0]
            raise InputError(f"YAML error: {clip(problem, 200)}", source=source,
                             line=mark.line + 1 if mark is not None else None) from None
    finally:
        doc.loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, source: str) -> InputError:
    """YAML's own error, on the line where the parser gave up, naming the line where the construct started."""
    mark = exc.problem_mark or exc.context_mark
    message = clip(exc.problem or exc.context or "invalid YAML", 200)
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
            raise doc.error(f"{shown(base_name)} is not a bundled scenario (try: ikesim list)", base_node, "base")
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
        elif doc.value(path_node, "path") is not None:
            raise doc.error(f"must be a list of rules (each starting with '- '), not {doc.describe(path_node)}",
                            path_node, "path")

    default_look, default_seed = (base.look, base.seed) if base is not None else (DEFAULT_LOOK, DEFAULT_SEED)
    look = doc.number(fields["look"][1], "look", low=0, unit="seconds") if "look" in fields else default_look
    seed = doc.integer(fields["seed"][1], "seed", low=0, high=MAX_SEED) if "seed" in fields else default_seed
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
            raise doc.error(f"unknown fault {shown(name)} (known: {', '.join(faults.CATALOGUE)})", item, f"faults[{index}]")
        try:
            scenario = faults.apply(scenario, [name])
        except InputError as exc:
            raise doc.error(exc.message, item, f"faults[{index}]") from None
    return scenario

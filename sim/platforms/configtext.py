"""What every Cisco dialect's config parser and ``show`` command share.

* :class:`ConfigError`: raise it inside a parser with a message; :meth:`BlockParser.parse_lines` turns it into an
  :class:`~sim.errors.InputError` with the current line and ``field="config"``.
* :class:`BlockParser`: the line structure of Cisco configuration text: top-level commands, and indented
  sub-commands that belong to the last block-opening command. A dialect implements ``command(line)`` and names the
  handler of each block kind in ``SUB_HANDLERS``.
* :func:`choices`: ``["a", "b", "c"]`` -> ``"a, b or c"`` for error messages.
* :func:`integer`: a whole number within bounds, or a ConfigError naming what was expected.
* :func:`matches_keywords`: does a typed command (each word possibly abbreviated) match a keyword sequence.
* :func:`apply_filter`: ``| begin|include|exclude|grep REGEX`` on a command's output text.
* :func:`abbreviation`: the full keyword a proper prefix stands for (``encr`` -> ``encryption``), for the error that
  tells a hand-typed abbreviation from a saved running-config.
* :func:`other_dialect`: the error for a line written in the other Cisco dialect (ASA syntax in an IOS config...).

Whole running-configs: :class:`BlockParser` also skips multi-line banners (``banner motd ^C`` ... ``^C``) when a
dialect sets ``self.skip_until`` to the closing delimiter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InputError

FILTERS = ("begin", "include", "exclude", "grep")


class ConfigError(Exception):
    """Raised inside a parser with a message; turned into InputError with the current line."""


def choices(words: list[str] | tuple[str, ...]) -> str:
    words = list(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def integer(text: str, what: str, bounds: tuple[int, int], unit: str = "") -> int:
    low, high = bounds
    unit = f" {unit}" if unit else ""
    if not re.fullmatch(r"[0-9]+", text):
        raise ConfigError(f"{what} '{text}' is not a number (expected {low} to {high}{unit})")
    value = int(text)
    if not low <= value <= high:
        raise ConfigError(f"{what} {value} is out of range (expected {low} to {high}{unit})")
    return value


@dataclass
class PolicyDraft:
    """An ISAKMP policy block being read: its number, its line, and the settings given so far."""

    priority: int
    line: int
    settings: dict = field(default_factory=dict)


class BlockParser:
    """Cisco configuration text, line by line.

    A line that starts with a blank is a sub-command of the last block-opening command (``self.block``, a pair
    ``(kind, target)`` that ``command`` sets: ``("policy", draft)``, ``("leaf", line)`` for a command that takes no
    sub-commands, ``("ignore", None)`` for blocks that do not matter to IKE...). Sub-lines keep their trailing blanks
    (a pre-shared key is everything after its keyword, as the box stores it).
    """

    #: lines starting with these are comments
    COMMENTS: tuple[str, ...] = ("!",)
    #: block kind -> name of the method that takes ``(target, line)``; other kinds swallow their sub-lines
    SUB_HANDLERS: dict[str, str] = {}
    #: named in the error for an indented line outside any block
    BLOCK_EXAMPLE = "crypto isakmp policy 10"
    #: what the error for a sub-command under a leaf command suggests instead
    LEAF_HINT = "policy settings go under 'crypto isakmp policy N'"

    text: str
    block: tuple | None = None
    lineno: int = 0
    #: a banner's closing delimiter: lines up to and including the one that contains it are skipped
    skip_until: str | None = None

    def command(self, line: str) -> None:  # pragma: no cover - every dialect implements it
        raise NotImplementedError

    def parse_lines(self) -> None:
        for self.lineno, raw in enumerate(self.text.splitlines(), start=1):
            if self.skip_until is not None:
                if self.skip_until in raw:
                    self.skip_until = None
                continue
            stripped = raw.strip()
            if not stripped or stripped.startswith(self.COMMENTS):
                continue
            try:
                if raw[0].isspace():
                    self.sub_command(raw.lstrip().rstrip("\r\n"))
                else:
                    self.command(stripped)
            except ConfigError as exc:
                raise InputError(str(exc), line=self.lineno, field="config") from None

    def sub_command(self, line: str) -> None:
        shown = line.strip()
        if self.block is None:
            raise ConfigError(f"indented line '{shown}' is not inside any block (a sub-command must follow the "
                              f"command that opens its block, e.g. '{self.BLOCK_EXAMPLE}')")
        kind, target = self.block
        if kind == "leaf":
            raise ConfigError(f"indented line '{shown}' follows '{target}', which takes no sub-commands "
                              f"({self.LEAF_HINT})")
        handler = self.SUB_HANDLERS.get(kind)
        if handler is not None:
            getattr(self, handler)(target, line)


def abbreviation(word: str, keywords: tuple[str, ...] | list[str]) -> str | None:
    """The one keyword of ``keywords`` that ``word`` is a proper prefix of (case-insensitive), else None."""
    word = word.lower()
    if not word or word in keywords:
        return None
    found = [k for k in keywords if k.startswith(word)]
    return found[0] if len(found) == 1 else None


def abbreviated(shown: str, full: str) -> ConfigError:
    """The error for an abbreviated IKE keyword: a saved running-config writes keywords in full."""
    return ConfigError(f"'{shown}' is an abbreviation of '{full}': a running-config as saved from the box writes "
                       f"keywords in full, so write '{full}' (abbreviations are not expanded, so that nothing "
                       "is read differently from the box)")


def other_dialect(shown: str, this: str, other: str, hint: str = "") -> ConfigError:
    """The error for a line of the ``other`` platform's syntax in a ``this`` config."""
    return ConfigError(f"'{shown}' looks like {other} syntax, but this is an {this} config" + (f": {hint}" if hint else ""))


def matches_keywords(words: list[str], keywords: tuple[str, ...]) -> bool:
    return len(words) == len(keywords) and all(k.startswith(w) and w for w, k in zip(words, keywords))


def apply_filter(text: str, flt: str) -> str:
    """``| begin REGEX``, ``| include REGEX``, ``| exclude REGEX``, ``| grep [-v] REGEX`` (case-sensitive)."""
    parts = flt.strip().split(None, 1)
    if len(parts) < 2:
        raise InputError(f"filter '| {flt.strip()}' needs a regular expression", field="command")
    verb, pattern = parts[0], parts[1]
    names = [f for f in FILTERS if f.startswith(verb.lower())]
    if len(names) != 1:
        raise InputError(f"unknown filter '| {verb}' (expected begin, include, exclude or grep)", field="command")
    verb = names[0]
    invert = False
    if verb == "grep" and pattern.startswith("-v "):
        invert, pattern = True, pattern[3:].strip()
    regex = compile_filter(pattern)
    lines = output_lines(text)
    if verb == "begin":
        for i, line in enumerate(lines):
            if regex.search(line):
                kept = lines[i:]
                break
        else:
            kept = []
    elif verb == "include" or (verb == "grep" and not invert):
        kept = [line for line in lines if regex.search(line)]
    else:
        kept = [line for line in lines if not regex.search(line)]
    return "\n".join(kept) + ("\n" if kept else "")


def compile_filter(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InputError(f"bad regular expression {pattern!r}: {exc}", field="command") from None


def output_lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def config_blocks(text: str) -> list[list[str]]:
    """Top-level lines with their indented sub-lines (``!`` and blank lines dropped), for running-config views."""
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith("!"):
            continue
        if line[0].isspace() and blocks:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def find_interface(text: str, word: str) -> str | None:
    """The interface of config ``text`` called ``word`` (case-insensitive, the type may be abbreviated:
    ``gi0/0``), spelled as the config spells it; None if there is none."""
    match = re.fullmatch(r"([A-Za-z-]+)\s*([0-9/.:]+)", word)
    if not match:
        return None
    kind, number = match.group(1).lower(), match.group(2)
    for line in text.splitlines():
        found = re.fullmatch(r"interface ([A-Za-z-]+)([0-9/.:]+)\s*", line)
        if found and found.group(1).lower().startswith(kind) and found.group(2) == number:
            return found.group(1) + found.group(2)
    return None


def not_modelled(words: list[str], table) -> str | None:
    """If ``words`` (as typed, each possibly abbreviated) start a real command the simulator does not model, one line
    saying so; ``table`` holds (keywords, why) pairs of the platform. None otherwise."""
    lower = [w.lower() for w in words if w]
    for keywords, why in table:
        if len(lower) >= len(keywords) and all(k.startswith(w) for w, k in zip(lower, keywords)):
            return f"'{' '.join(keywords)}' is a real command, but ikesim does not model it: {why}"
    return None

"""The one interface every platform implements; :mod:`sim.platforms.registry` lists the implementations.

The core knows nothing of platforms, and nothing outside ``sim/platforms/`` names one: callers get a platform
object from the registry (``registry.get(device.platform)``) and use only what is declared here. A platform turns a
device's configuration into the core's :class:`~sim.ike.config.IkeConfig` (policy, keys, timers, vendor IDs), edits
that configuration for faults, and renders what the device shows (state names, ``show`` output, log lines, its
console) from the Trace alone; it also reads that output back when a trainee pastes it (``paste_parser``) and
writes the configs of generated labs.

A platform lives in ``sim/platforms/<name>/``: ``platform.py`` (the object below, exported as ``PLATFORM``),
``config.py`` (parser), ``edits.py`` (:mod:`sim.platforms.intents` in its dialect), ``show.py`` and ``logs.py``
(views of the Trace), ``console.py`` (running-config views), ``showparse.py`` (pasted ``show`` output),
``lab.py`` (generated lab configs). ``tests/test_architecture.py`` checks that every registered platform has every
member listed in :data:`MEMBERS`.
"""

from __future__ import annotations

import random
from types import ModuleType
from typing import Protocol

from ..engine.trace import Trace
from ..ike.config import IkeConfig, Retransmit


class Platform(Protocol):
    # -- identity -----------------------------------------------------------------------------------------------
    #: the name scenarios use in ``platform:`` (lower case)
    name: str
    #: how prose names it ("ASA", "IOS")
    label: str

    # -- profile --------------------------------------------------------------------------------------------------
    #: the retransmission profile (timers) a device of this platform has unless its scenario says otherwise
    default_retransmit: Retransmit
    #: the SA table command: what ``ikesim run`` types when none is given, what quiz and diagnosis show
    default_command: str

    # -- configuration --------------------------------------------------------------------------------------------
    #: regular expressions (multi-line) of lines only this dialect has, for :func:`registry.detect`
    config_markers: tuple[str, ...]
    #: True when a key keeps a trailing blank (everything after the keyword is the key)
    keeps_key_trailing_blank: bool
    #: why a trailing blank cannot be stored when it cannot ("IOS keys are single words"), else ""
    key_blank_note: str

    def parse_config(self, text: str):
        """Configuration text -> this platform's config object (InputError with ``line`` for bad lines)."""

    def check_outside(self, config, address: str) -> None:
        """Raise InputError if ``address`` cannot be the device's outside address in ``config`` (may do nothing)."""

    def ike_config(self, device) -> IkeConfig:
        """The core's view of a :class:`sim.scenario.DeviceSpec` (or any object with ``config``, ``outside`` and
        ``timers``) of this platform."""

    def edit(self, text: str, intent) -> str:
        """``text`` with one :mod:`sim.platforms.intents` intent applied; ``EditError`` if nothing fits."""

    # -- what the device shows ------------------------------------------------------------------------------------
    def state_name(self, role: str, state: str) -> str:
        """The core state (ASA names) as this platform shows it."""

    def show(self, trace: Trace, hostname: str, t: float, command: str) -> str:
        """The output of ``command`` on ``hostname`` at simulated time ``t``. Raises InputError if unknown."""

    def commands(self) -> list[str]:
        """The commands :meth:`show` understands, for help texts."""

    #: the same in one line, for ``ikesim run --help``
    command_summary: str

    def notable_log(self, line: str) -> bool:
        """True for a log line of this platform worth looking for (the cheat sheet's selection)."""

    #: what :meth:`notable_log` keeps, in a few words ("ASA severity 0-5")
    notable_logs: str

    # -- the console ------------------------------------------------------------------------------------------------
    def prompt(self, hostname: str) -> str:
        """The exec prompt as the box prints it (``ASA-LAB1# ``, ``R1#``)."""

    #: keyword sequences of the device commands the console accepts (``<interface>``, ``<level>`` are arguments)
    console_grammar: tuple[tuple[str, ...], ...]
    #: the output filters after ``|``, in the order ``?`` lists them
    console_filters: tuple[str, ...]
    #: the output filters as ``--help`` shows them (``begin, include, exclude, grep [-v] REGEX``)
    filter_help: str
    #: what ``?`` says about each word (and argument) of :attr:`console_grammar`
    console_word_help: dict[str, str]
    #: what an error line starts with (``ERROR: % `` or ``% ``)
    error_prefix: str
    #: the incomplete-command message after the prefix
    incomplete_message: str

    def console_help(self) -> tuple[list[tuple[str, str]], str]:
        """(command, what it shows) rows for the console's ``help`` and the output modifiers line."""

    def running_config(self, text: str, words: tuple[str, ...]) -> str:
        """``show running-config ...`` / ``more system:running-config`` (``words``, spelled out) of config ``text``."""

    def config_views(self, device) -> list[str]:
        """The configuration commands an engineer looks at for the IKE policy and keys of ``device``."""

    def blank_relative(self, text: str) -> str:
        """``text`` (views of a device) with the values that are only right or wrong relative to the peer's
        (policy values, keys shown in clear) blanked, for the quiz's one-sided evidence."""

    # -- reading pasted output and writing labs ----------------------------------------------------------------------
    #: the module reading this platform's pasted ``show`` output (see :mod:`sim.training.showparse`)
    paste_parser: ModuleType
    #: the formats it reads, in a few words ("IOS table"), for ``ikesim diagnose --help``
    paste_formats: str

    #: hostname prefixes of generated labs (``ASA``, ``FW``)
    lab_hostname_prefixes: tuple[str, ...]
    #: hash -> weight for generated policies (only hashes the platform's IKEv1 policies support)
    lab_hash_weights: dict[str, int]

    def lab_legacy(self, rng: random.Random) -> bool:
        """Whether a generated site uses the older config syntax (drawn from ``rng``; may draw nothing)."""

    def lab_config(self, site, peer, policy, key: str, rng: random.Random) -> str:
        """The running-config text of a generated lab's ``site`` (see :mod:`sim.training.labs`)."""


#: every member a platform must have (checked by tests/test_architecture.py)
MEMBERS = tuple(name for name in list(Platform.__annotations__) + [
    n for n, v in vars(Platform).items() if callable(v) and not n.startswith("_")])


class PlatformModules:
    """What every platform object gets from the modules of its own folder (``sim/platforms/<name>/``): its
    ``fixlines`` and ``pastes`` modules and its ``words`` for reason codes, imported when first asked for."""

    def _module(self, name: str):
        import importlib

        return importlib.import_module(f"{type(self).__module__.rsplit('.', 1)[0]}.{name}")

    @property
    def fixlines(self):
        """This platform's configuration lines and words for ``ikesim check`` (``fixlines.py``)."""
        return self._module("fixlines")

    @property
    def pastes(self):
        """How this platform's pasted syslog and debug lines read (``pastes.py``), for the diagnosis."""
        return self._module("pastes")

    def reason_words(self, reason, detail, message, removal: bool = False) -> str | None:
        """The core's reason in this platform's terms (``words.py``), or None for the neutral words."""
        return self._module("words").reason_words(reason, detail, message, removal)

    def reason_short(self, reason, detail, message, removal: bool = False) -> str | None:
        return self._module("words").reason_short(reason, detail, message, removal)

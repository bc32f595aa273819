"""``ikesim console``: a device prompt over a finished run.

The run is over before the prompt appears; the console only looks at it. ``show`` commands render from the Trace at
the console's current instant (the scenario's look time to start with; ``clock set`` moves it), configuration views
from the device's config text. Nothing here reaches back into the engine.

    >>> import io, sim
    >>> from sim.training.console import Console
    >>> console = Console(sim.run("psk-mismatch"))
    >>> console.loop(io.StringIO("sh isa sa\\nswitch\\nsh run tun\\n"), out := io.StringIO())

Commands (each keyword may be abbreviated as on the box: ``sh isa sa``, ``sh run tun``, ``sh cry isa sa``):

=========================================  ===========================================================================
ASA                                        what it shows
=========================================  ===========================================================================
``show isakmp sa [detail]``                the platform's show output (also ``show crypto isakmp sa``, ``show crypto
                                           ikev1 sa``)
``show logging``                           the buffered syslog up to now
``debug crypto ikev1 [1-255]``             what the debug would have printed up to now
``show running-config``                    the config, keys masked as the ASA masks them (``*****``)
``show running-config crypto [ikev1]``     the ``crypto ...`` lines (``crypto ikev1``/``crypto isakmp``: only those),
                                           policies with their sub-lines
``show running-config tunnel-group``       tunnel-groups and their attributes, keys masked
``more system:running-config``             the config with the keys in clear
=========================================  ===========================================================================

IOS: ``show crypto isakmp sa [detail]``, ``show logging``, ``debug crypto isakmp``, ``show running-config`` (keys
shown as the router shows them without ``service password-encryption``: in clear), ``show running-config interface
NAME``. Output filters after ``|``: ASA ``begin|include|exclude|grep``, IOS ``begin|include|exclude|section|count``.

Simulator commands on both: ``clock`` (the simulated instant), ``clock set SECONDS`` (move it: show output follows),
``switch [HOSTNAME]`` (to the other device; the prompt changes), ``?`` / ``help`` (also ``show ?``, ``sh?``),
``exit`` / ``quit`` / end of input.

Each platform's device commands, filters, error prefix, help rows and running-config views come from its platform
object (``sim/platforms/<name>/console.py`` behind ``Platform.console_grammar``, ``running_config`` ...); this
module is the neutral part: parsing, completion, ``?``, the clock and the loop.

Errors answer like the device: an unknown word gets the caret line under it (``^`` at the word's column, counting the
prompt, since the typed line is on the screen above) and ``ERROR: % Invalid input detected at '^' marker.`` (IOS:
``% Invalid input detected at '^' marker.``); ``% Incomplete command`` and ``% Ambiguous command`` likewise.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import Callable, TextIO

from ..errors import InputError
from ..platforms import registry
from ..platforms.configtext import apply_filter, find_interface, not_modelled

#: Commands every console has; each platform adds its device commands (``Platform.console_grammar``).
#: ``<...>`` is an argument; each sequence is one complete command.
_COMMON = [
    ("clock",),
    ("clock", "set", "<seconds>"),
    ("switch",),
    ("switch", "<hostname>"),
    ("help",),
    ("explain",),
    ("exit",),
    ("quit",),
]
#: the first words of commands that take ``| filter REGEX``
_FILTERABLE = ("show", "more")

#: what ``?`` says about each word of the common commands (the platform adds its own: ``console_word_help``)
HELP = {
    "show": "Show running system information",
    "more": "Display the contents of a file",
    "debug": "Debugging functions (replayed from the run)",
    "clock": "Show or set the simulated time (seconds)",
    "switch": "Go to the other device's console",
    "help": "Describe the commands",
    "explain": "What this scenario is about: what to notice, and the fix",
    "exit": "Leave the console",
    "quit": "Leave the console",
    "set": "Move the simulated time",
    "<seconds>": "Simulated seconds since the run started",
    "<hostname>": "The device to switch to",
    "|": "Output modifiers",
}

INVALID = "Invalid input detected at '^' marker."


class CommandError(InputError):
    """A command the device would reject: ``kind`` is invalid | incomplete | ambiguous, ``column`` the 0-based
    position (in the typed line) of the word the caret points at."""

    def __init__(self, message: str, kind: str = "invalid", column: int = 0):
        super().__init__(message, field="command")
        self.kind = kind
        self.column = column


@dataclass(frozen=True)
class Parsed:
    """A command resolved against the grammar: its full keywords (arguments as typed) and its output filters."""

    words: tuple[str, ...]
    filters: tuple[str, ...]  # "include REGEX", with the verb spelled out

    @property
    def text(self) -> str:
        return " ".join(self.words) + "".join(f" | {f}" for f in self.filters)


def _is_arg(token: str) -> bool:
    return token.startswith("<")


def _tokens(text: str, offset: int = 0) -> list[tuple[str, int]]:
    return [(m.group(), m.start() + offset) for m in re.finditer(r"\S+", text)]


def _number(word: str) -> float | None:
    try:
        value = float(word)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


class Console:
    """One console session over ``run`` (a :class:`sim.api.Run`), on ``on`` (default: the initiator), at ``at``
    simulated seconds (default: the run's look time)."""

    def __init__(self, run, on: str | None = None, at: float | None = None):
        self.run = run
        self.device = run.scenario.device(on) if on else run.scenario.initiator
        if at is not None and _number(str(at)) is None:
            raise InputError(f"time must be a number of seconds >= 0, not {at!r}", field="at")
        self.t = float(run.look if at is None else at)

    # -- state --------------------------------------------------------------------------------------------------
    @property
    def hostname(self) -> str:
        return self.device.hostname

    @property
    def platform(self) -> str:
        return self.device.platform

    @property
    def box(self):
        """The device's platform object (:class:`sim.platforms.base.Platform`)."""
        return registry.get(self.device.platform)

    @property
    def grammar(self) -> list[tuple[str, ...]]:
        return list(self.box.console_grammar) + _COMMON

    @property
    def prompt(self) -> str:
        """The prompt as the box prints it (``Platform.prompt``: ``ASA-LAB1# ``, ``R1#``)."""
        return self.box.prompt(self.hostname)

    def other(self):
        return next(d for d in self.run.scenario.devices if d is not self.device)

    def banner(self) -> str:
        s = self.run.scenario
        devices = ", ".join(f"{d.hostname} ({registry.get(d.platform).label}, {d.role}, {d.outside})"
                            for d in s.devices)
        return (f"ikesim console: {s.title}\nDevices: {devices}.\nThe run is over: you look at it {self.t:g} s "
                "after it started ('clock set SECONDS' moves that instant).\nType ? for the commands, exit to "
                "leave.\n")

    # -- parsing --------------------------------------------------------------------------------------------------
    def _accepts(self, token: str, word: str) -> bool:
        if token == "<seconds>":
            return _number(word) is not None
        if token == "<level>":
            return word.isdigit() and 1 <= int(word) <= 255
        if token == "<hostname>":
            return any(d.hostname.lower() == word.lower() for d in self.run.scenario.devices)
        if token == "<interface>":
            return self._interface(word) is not None
        return False

    def _interface(self, word: str) -> str | None:
        """The config's interface called ``word`` (case-insensitive, the type may be abbreviated: ``gi0/0``)."""
        return find_interface(self.device.config_text, word)

    def _resolve(self, typed: list[tuple[str, int]], line: str) -> tuple[tuple[str, ...], tuple]:
        """Match typed words against the grammar. Returns (full words, the command's grammar entry)."""
        candidates = self.grammar
        words: list[str] = []
        for i, (word, column) in enumerate(typed):
            longer = [p for p in candidates if len(p) > i]
            lower = word.lower()
            keywords = sorted({p[i] for p in longer if not _is_arg(p[i]) and p[i].startswith(lower)})
            if lower in keywords:
                keywords = [lower]
            if len(keywords) > 1:
                raise CommandError(f'Ambiguous command:  "{line.strip()}"', "ambiguous", column)
            if keywords:
                candidates = [p for p in longer if p[i] == keywords[0]]
                words.append(keywords[0])
                continue
            args = [p for p in longer if _is_arg(p[i]) and self._accepts(p[i], word)]
            if not args:
                raise CommandError("Invalid input detected at '^' marker.", "invalid", column)
            candidates = args
            words.append(word)
        complete = [p for p in candidates if len(p) == len(typed)]
        if not typed or not complete:
            raise CommandError("Incomplete command", "incomplete", len(line))
        return tuple(words), complete[0]

    def parse(self, line: str) -> Parsed:
        """Resolve ``line`` (abbreviations, arguments, ``| filter REGEX`` parts). Raises :class:`CommandError`."""
        base, bar, rest = line.partition("|")
        words, _entry = self._resolve(_tokens(base), line)
        filters: list[str] = []
        if bar:
            if words[0] not in _FILTERABLE:
                raise CommandError("Invalid input detected at '^' marker.", "invalid", len(base))
            offset = len(base) + 1
            for part in rest.split("|"):
                filters.append(self._filter(part, offset, line))
                offset += len(part) + 1
        return Parsed(words, tuple(filters))

    def _filter(self, part: str, offset: int, line: str) -> str:
        tokens = _tokens(part, offset)
        if not tokens:
            raise CommandError("Incomplete command", "incomplete", offset)
        verb, column = tokens[0]
        verbs = [v for v in self.box.console_filters if v.startswith(verb.lower())]
        if len(verbs) != 1:
            kind = "ambiguous" if verbs else "invalid"
            raise CommandError(f'Ambiguous command:  "{line.strip()}"' if verbs else
                               "Invalid input detected at '^' marker.", kind, column)
        pattern = part[tokens[1][1] - offset:].strip() if len(tokens) > 1 else ""
        if not pattern:
            raise CommandError("Incomplete command", "incomplete", offset + len(part))
        return f"{verbs[0]} {pattern}"

    # -- output ---------------------------------------------------------------------------------------------------
    def output(self, line: str) -> str:
        """What ``line`` prints. Raises :class:`CommandError` for what the device would reject, InputError for a
        bad regular expression or a command the platform cannot render yet."""
        parsed = self.parse(line)
        words = parsed.words
        head = words[0]
        if head in ("show", "more", "debug"):
            text = self._device_command(words)
            for flt in parsed.filters:
                text = self._apply_filter(text, flt)
            return text
        if head == "clock":
            if len(words) == 3:
                self.t = float(words[2])
                return f"Clock set to {self.t:g} s.{self._after_end_note()}\n"
            return f"{self.t:g} s (simulated seconds since the run started){self._after_end_note()}\n"
        if head == "switch":
            self.device = self.run.scenario.device(words[1]) if len(words) == 2 else self.other()
            d = self.device
            return f"Now on {d.hostname} ({registry.get(d.platform).label}, {d.role}, {d.outside}).\n"
        if head == "help":
            return self.help_text()
        if head == "explain":
            from .explain import explain_scenario

            return explain_scenario(self.run.scenario)
        raise CommandError("Invalid input detected at '^' marker.", "invalid", 0)  # pragma: no cover

    def _after_end_note(self) -> str:
        end = getattr(self.run.trace, "end", 0.0)
        if end and self.t > end:
            return f" (the run ended at {end:g} s: nothing changes after that)"
        return ""

    def _device_command(self, words: tuple[str, ...]) -> str:
        if words[:2] == ("show", "running-config") or words[0] == "more":
            return self.box.running_config(self.device.config_text, words)
        platform = self.box
        try:
            return platform.show(self.run.trace, self.hostname, self.t, " ".join(words))
        except InputError as exc:
            raise InputError(f"'{' '.join(words)}' is not available in this version of ikesim ({exc.message})",
                             field="command") from None

    def _apply_filter(self, text: str, flt: str) -> str:
        verb, pattern = flt.split(" ", 1)
        if verb in ("section", "count"):
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                raise InputError(f"bad regular expression {pattern!r}: {exc}", field="command") from None
            lines = text.splitlines()
            if verb == "count":
                return f"Number of lines which match regexp = {sum(1 for x in lines if regex.search(x))}\n"
            return "".join(line + "\n" for line in section(lines, regex))
        return apply_filter(text, flt)

    # -- help and completion ----------------------------------------------------------------------------------------
    def help_text(self) -> str:
        rows, modifiers = self.box.console_help()
        rows += [
            ("clock", "the simulated time"),
            ("clock set SECONDS", "move the simulated time; show output follows"),
            ("switch [HOSTNAME]", f"go to {self.other().hostname}"),
            ("explain", "what the scenario is about: what to notice, and the fix"),
            ("exit, quit", "leave"),
        ]
        width = max(len(command) for command, _ in rows)
        lines = [f"  {command:<{width}}  {what}" for command, what in rows]
        lines.append(f"Output modifiers after show: | {modifiers} REGEX. Words may be abbreviated (sh isa sa).")
        return "\n".join(lines) + "\n"

    def _next_tokens(self, words: list[str]) -> list[str] | None:
        """The grammar tokens that may follow ``words`` (``<cr>`` if the command may end there, ``|`` if it also
        takes output modifiers); None if ``words`` do not begin any command."""
        candidates = self.grammar
        for i, word in enumerate(words):
            longer = [p for p in candidates if len(p) > i]
            lower = word.lower()
            keywords = {p[i] for p in longer if not _is_arg(p[i]) and p[i].startswith(lower)}
            if lower in keywords:
                keywords = {lower}
            if len(keywords) == 1:
                candidates = [p for p in longer if p[i] in keywords]
            else:
                candidates = [p for p in longer if _is_arg(p[i]) and self._accepts(p[i], word)]
            if not candidates:
                return None
        n = len(words)
        tokens = sorted({p[n] for p in candidates if len(p) > n})
        if any(len(p) == n for p in candidates):
            tokens.append("<cr>")
            if n and candidates[0][0] in _FILTERABLE:
                tokens.append("|")
        return tokens

    def question(self, line: str) -> str:
        """The answer to ``?`` typed at the end of ``line`` (``show ?``: what may follow; ``sh?``: what matches)."""
        before = line[:line.rindex("?")]
        if "|" in before:
            return "".join(f"  {verb:<22}Filter the output\n" for verb in self.box.console_filters)
        words = before.split()
        partial = words.pop() if before and not before[-1].isspace() else ""
        tokens = self._next_tokens(words)
        if tokens is None:
            try:
                self._resolve(_tokens(before), before)
            except CommandError as exc:
                if exc.kind != "incomplete":
                    return self._error_text(exc, before)
            return self._error_text(CommandError("Invalid input detected at '^' marker.", "invalid", 0), before)
        if partial:
            matches = [t for t in tokens if not _is_arg(t) and t not in ("<cr>", "|") and t.startswith(partial.lower())]
            if not matches:
                return self._error_text(CommandError("Invalid input detected at '^' marker.", "invalid",
                                                     len(before) - len(partial)), before)
            return "  ".join(matches) + "\n"
        words = {**HELP, **self.box.console_word_help}
        return "".join(f"  {t:<22}{words.get(t, '')}".rstrip() + "\n" for t in tokens)

    def completions(self, line: str) -> list[str]:
        """Words that complete the last (partial) word of ``line`` (for tab completion)."""
        partial = line.split()[-1] if line and not line[-1].isspace() else ""
        if "|" in line:
            after = line.rsplit("|", 1)[1].split()
            if after in ([], [partial]):
                return [v for v in self.box.console_filters if v.startswith(partial.lower())]
            return []
        words = line.split()[:-1] if partial else line.split()
        tokens = self._next_tokens(words) or []
        out = [t for t in tokens if not _is_arg(t) and t not in ("<cr>", "|") and t.startswith(partial.lower())]
        if "<hostname>" in tokens:
            out += [d.hostname for d in self.run.scenario.devices if d.hostname.lower().startswith(partial.lower())]
        return out

    # -- the loop -------------------------------------------------------------------------------------------------
    def _error_text(self, exc: CommandError, line: str) -> str:
        prefix = self.box.error_prefix
        if exc.kind == "incomplete":
            return prefix + self.box.incomplete_message + "\n"
        if exc.kind == "ambiguous":
            return prefix + exc.message + "\n"
        caret = " " * (len(self.prompt) + exc.column) + "^"
        return caret + "\n" + prefix + INVALID + "\n"

    def execute(self, line: str) -> str:
        """What the console prints for one typed line (device-style errors included). ``exit``/``quit`` print
        nothing: use :meth:`onecmd` to know when to stop."""
        if not line.strip():
            return ""
        if line.rstrip().endswith("?"):
            return self.question(line.rstrip())
        try:
            return self.output(line)
        except CommandError as exc:
            plain = not_modelled(line.split("|", 1)[0].split(), getattr(self.box, "not_modelled", ()))
            if plain is not None and exc.kind in ("invalid", "incomplete"):
                return f"% {plain}\n"
            return self._error_text(exc, line)
        except InputError as exc:
            return self.box.error_prefix + exc.message + "\n"

    def onecmd(self, line: str, write: Callable[[str], object]) -> bool:
        """Run one line, writing its output; False when the session should end (exit, quit)."""
        if line.strip() and not line.rstrip().endswith("?"):
            try:
                if self.parse(line).words[0] in ("exit", "quit"):
                    return False
            except CommandError:
                pass
        write(self.execute(line))
        return True

    def loop(self, stdin: TextIO | None = None, stdout: TextIO | None = None, *, banner: bool = True,
             interactive: bool | None = None) -> int:
        """Read commands until exit/quit/end of input. With a terminal on both ends (``interactive``, default:
        detected) the prompt goes through :func:`input` with readline history and tab completion; otherwise
        each line is read from ``stdin`` and echoed after the prompt, so the transcript reads like a session.
        Returns 0 (the exit status)."""
        stdin = sys.stdin if stdin is None else stdin
        stdout = sys.stdout if stdout is None else stdout
        if interactive is None:
            interactive = stdin is sys.stdin and stdout is sys.stdout and stdin.isatty() and stdout.isatty()
        if banner:
            stdout.write(self.banner())
        readline = _setup_readline(self) if interactive else None
        pending = ""
        while True:
            if interactive:
                if readline is not None:  # after "show ?" the box shows "show " again, ready to go on
                    readline.set_startup_hook((lambda text=pending: readline.insert_text(text)) if pending else None)
                try:
                    line = input(self.prompt)
                except EOFError:
                    stdout.write("\n")
                    break
                except KeyboardInterrupt:
                    stdout.write("\n")
                    continue
            else:
                raw = stdin.readline()
                if not raw:
                    stdout.write(self.prompt + "\n")
                    break
                line = raw.rstrip("\r\n")
                stdout.write(self.prompt + line + "\n")
            pending = line.rstrip()[:-1] if line.rstrip().endswith("?") else ""
            if not self.onecmd(line, stdout.write):
                break
            stdout.flush()
        stdout.flush()
        return 0


def section(lines: list[str], regex: re.Pattern) -> list[str]:
    """IOS ``| section REGEX``: each matching line with the more-indented lines under it."""
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not regex.search(line):
            continue
        kept.append(line)
        indent = len(line) - len(line.lstrip())
        while i < len(lines) and lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) > indent:
            kept.append(lines[i])
            i += 1
    return kept


def render(run, hostname: str, command: str, at: float | None = None) -> str:
    """What ``command`` prints on ``hostname`` at ``at`` (default: the look time), as the console would print it;
    raises :class:`CommandError`/InputError instead of printing an error (for the quiz and scripts)."""
    return Console(run, on=hostname, at=at).output(command)


def _setup_readline(console: Console):
    """Tab completion from the console's grammar, and ``?`` answered without Enter, as on the box; history is
    readline's own (this session only, no file)."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return None

    def complete(text: str, state: int):
        buffer = readline.get_line_buffer()[:readline.get_endidx()]
        options = [word + " " for word in console.completions(buffer)]
        return options[state] if state < len(options) else None

    readline.set_completer_delims(" \t|")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
    if "libedit" not in (getattr(readline, "__doc__", "") or ""):
        # '?' answers at once, as on the box: insert it literally and accept the line (GNU readline macro)
        readline.parse_and_bind(r'"?": "\C-v?\C-j"')
    return readline


def main(scenario: str, on: str | None = None, seed: int | None = None, at: float | None = None,
         stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """``ikesim console SCENARIO [--on HOSTNAME] [--seed N] [--at SECONDS]``: run the scenario, then the console.
    Bad input (unknown scenario or hostname) raises :class:`InputError` before any prompt."""
    from ..api import run as run_scenario

    result = run_scenario(scenario, seed=seed, until=None if at is None else max(300.0, at + 1))
    console = Console(result, on=on, at=at)
    return console.loop(stdin, stdout)

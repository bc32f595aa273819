"""``ikesim quiz``: find the cause behind what the devices show.

Each round takes a generated healthy lab (:mod:`sim.training.labs`), breaks it with one catalogue fault
(:func:`sim.faults.apply`), runs it, and shows what an engineer would see:

* **level 1**: both peers, at the lab's look time: their IKE configuration (as ``show running-config`` prints it,
  keys masked on an ASA) and ``show isakmp sa`` / ``show crypto isakmp sa``;
* **level 2**: the same for one side only ("the other side belongs to another company");
* **level 3**: one side, its config, its SA table and its log buffer (``show logging``), at a random instant: the SA
  may just have been removed, and then the log is all there is.

The trainee picks the cause among four faults, numbered 1-4 in a seeded order. The three distractors are chosen by
*running* every other applicable fault on the same lab and comparing what the trainee would see: a fault whose
visible output is identical to the true one's can never be a distractor (it could not be told apart), and among the
others the closest come first (same SA states on the visible side, then on both, then the most similar text).

After each answer: right or wrong, the true cause (title and explanation), the evidence from the Trace (each
datagram that died, where and why: the path rule that dropped it or the reason the receiver discarded it; the
messages that went through; SA removals; what the other side showed at that instant) and the fix. A score at the end.

The engine is pure: :class:`Quiz` makes :class:`Round` objects from its seed (same seed, same rounds, byte for byte);
:func:`run_quiz` asks through a callable and prints through another, so the CLI drives it from a terminal
(:func:`terminal_ask`) or from a file of answers (:func:`answers_ask`), and tests drive it from lists.
"""

from __future__ import annotations

import difflib
import json
import random
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, TextIO

from .. import faults
from ..api import Run, run
from ..engine.trace import DatagramDropped, DatagramProcessed, DatagramSent, Logged, SaChanged
from ..errors import InputError
from ..ike import events as ev
from ..platforms import registry
from ..render.reasons import explain
from . import labs
from .console import CommandError, render

LEVELS = (1, 2, 3)
CHOICES = 4
MAX_ROUNDS = 100
#: level 3 shows at most this many log messages (the most recent ones)
LOG_MESSAGES = 40
#: level 3 instants: from 1 s after the first datagram to 15 s after the last thing happened, capped
INSTANT_MARGIN, INSTANT_CAP, INSTANT_MIN_SPAN = 15, 150, 30
WIDTH = 100
RULE = "-" * 72

Ask = Callable[[str, list[str]], "str | None"]
Out = Callable[[str], object]

_HEX = re.compile(r"\b(?:0x)?[0-9a-fA-F]{6,}\b")
_LOG_LINE = re.compile(r"^\*?[A-Z][a-z]{2} +\d+ ")


# -- what the trainee sees ------------------------------------------------------------------------------------------


def sa_command(platform: str) -> str:
    return registry.get(platform).default_command


def config_commands(device) -> list[str]:
    """The configuration views shown for ``device``: its IKE policy and keys, as an engineer would look at them."""
    return registry.get(device.platform).config_views(device)


def _log_view(result: Run, hostname: str, t: float) -> str:
    """``show logging`` as the quiz shows it: what the box prints (its settings header, then the buffer), with only
    the most recent :data:`LOG_MESSAGES` messages of a long buffer and a note saying how many were left out."""
    try:
        text = render(result, hostname, "show logging", t)
    except (CommandError, InputError):
        return "[show logging is not available for this platform in this version of ikesim]\n"
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if _LOG_LINE.match(line)), len(lines))
    header, messages = lines[:first], lines[first:]
    note = []
    if len(messages) > LOG_MESSAGES:
        note = [f"[{len(messages) - LOG_MESSAGES} earlier messages not shown; the last {LOG_MESSAGES} follow]"]
        messages = messages[-LOG_MESSAGES:]
    return "\n".join(header + note + messages) + "\n"


def views(result: Run, hostname: str, t: float, logs: bool) -> list[tuple[str, str]]:
    """(command, output) pairs for one device at ``t``: configuration views, the SA table, and the logs if asked."""
    device = result.scenario.device(hostname)
    shown = [(command, render(result, hostname, command, t)) for command in config_commands(device)]
    command = sa_command(device.platform)
    shown.append((command, render(result, hostname, command, t)))
    if logs:
        shown.append(("show logging", _log_view(result, hostname, t)))
    return shown


def prompt(device) -> str:
    return registry.get(device.platform).prompt(device.hostname)


def transcript(result: Run, hostname: str, shown: list[tuple[str, str]]) -> str:
    device = result.scenario.device(hostname)
    return "".join(f"{prompt(device)}{command}\n{output.rstrip()}\n\n" for command, output in shown)


def _signature(text: str, both_sides: bool) -> str:
    """What the trainee can tell from what they see: the text with incidental hex (cookies, message ids, struct
    addresses) blanked out and, when only one side is visible, the policy values and keys in clear blanked too (each
    platform's ``blank_relative``): those
    are only right or wrong relative to the other side's, which the trainee cannot see (an ``encryption 3des``
    line is no evidence of a mismatch). What a single side shows on its own (a missing ``crypto ikev1 enable``, a
    missing key, a tunnel-group named after the wrong address, the SA states, the logs) still counts."""
    text = _HEX.sub("#", text)
    if not both_sides:
        for platform in registry.all_platforms():  # the views may come from either side's platform
            text = platform.blank_relative(text)
    return text


def _states(result: Run, hostname: str, t: float) -> tuple:
    return tuple((u.role, u.state) for u, _, _ in result.trace.sa_table(hostname, t))


def state_summary(result: Run, t: float) -> str:
    parts = []
    for device in result.scenario.devices:
        rows = result.trace.sa_table(device.hostname, t)
        platform = registry.get(device.platform)
        states = ", ".join(platform.state_name(u.role, u.state) for u, _, _ in rows) or "no SA"
        parts.append(f"{device.hostname} ({device.role}) {states}")
    return "; ".join(parts)


# -- evidence from the Trace ----------------------------------------------------------------------------------------


def _span(times: list[float]) -> str:
    if len(times) == 1:
        return f"at {times[0]:g} s"
    return f"{len(times)} copies, {times[0]:g} s to {times[-1]:g} s"


_NO_START = {
    ev.IkeDisabled: "IKE is not enabled on {host}'s outside interface, so it never started Main Mode",
    ev.NoPolicy: "{host} has no ISAKMP policy, so it never started Main Mode",
    ev.NoKeyToInitiate: "{host} has no pre-shared key for {peer}, so it never started Main Mode (no MM1 without a "
                        "key)",
}


def evidence(result: Run) -> list[str]:
    """What the Trace says happened, one line each: the messages accepted, every datagram that died (where and why,
    copies grouped), and SA removals. Pure function of the run."""
    trace = result.trace
    scenario = result.scenario
    names = {d.hostname: d for d in scenario.devices}
    lines: list[str] = []
    sent = trace.of(DatagramSent)
    if not sent:
        initiator = scenario.initiator
        reason = next((_NO_START[type(r.event)] for r in trace.of(Logged, initiator.hostname)
                       if type(r.event) in _NO_START), "{host} never started Main Mode")
        lines.append("No datagram was ever sent: " + reason.format(host=initiator.hostname,
                                                                   peer=scenario.responder.outside) + ".")
    accepted: list[str] = []
    died: dict[tuple, list[float]] = {}
    fates = {}
    for record in trace.records:
        if isinstance(record, (DatagramDropped, DatagramProcessed)):
            fates.setdefault(record.id, record)
    for datagram in sent:
        fate = fates.get(datagram.id)
        receiver = next((h for h in names if h != datagram.device), "?")
        if isinstance(fate, DatagramProcessed) and fate.outcome == "accepted":
            label = f"{datagram.message} ({datagram.device} -> {fate.device})"
            if label not in accepted:
                accepted.append(label)
            continue
        if isinstance(fate, DatagramDropped):
            where = "on the path" if fate.where == "path" else f"at {fate.where}"
            what = f"dropped {where} by rule '{fate.rule}'"
        elif isinstance(fate, DatagramProcessed) and fate.outcome == "duplicate":
            what = f"reached {fate.device} as a duplicate of one already processed"
        elif isinstance(fate, DatagramProcessed):
            platform = registry.get(names[fate.device].platform) if fate.device in names else None
            what = f"reached {fate.device} and was discarded: {explain(fate.reason, fate.detail, fate.message, platform)}"
        else:
            what = "still in flight when the run ended"
        key = (datagram.message, datagram.device, receiver, datagram.dport, what)
        died.setdefault(key, []).append(datagram.t)
    if accepted:
        lines.append("Accepted on arrival: " + ", ".join(accepted) + ".")
    timed: list[tuple[float, str]] = []
    for (message, sender, receiver, port, what), times in died.items():
        timed.append((times[0], f"{message} {sender} -> {receiver} (UDP {port}), {_span(times)}: {what}."))
    for record in trace.of(SaChanged):
        if record.update.state is None:
            device = names.get(record.device)
            was = registry.get(device.platform).state_name(record.update.role, record.update.previous) \
                if device is not None and record.update.previous else record.update.previous
            platform = registry.get(device.platform) if device is not None else None
            reason = explain(record.update.reason, record.update.detail, platform=platform, removal=True)
            timed.append((record.t, f"{record.device} removed its SA (it was {was}) at {record.t:g} s: {reason}."))
    return lines + [text for _, text in sorted(timed, key=lambda item: item[0])]


# -- rounds ---------------------------------------------------------------------------------------------------------


@dataclass
class Round:
    """One question: the broken lab, what the trainee sees, the choices (fault names), the right one."""

    number: int
    total: int
    level: int
    lab: labs.Lab
    fault: faults.Fault
    result: Run  # the faulted run
    at: float
    visible: tuple[str, ...]
    choices: tuple[str, ...]  # fault names, in display order
    correct: int  # 0-based index into choices
    shown: dict[str, list[tuple[str, str]]] = field(repr=False, default_factory=dict)

    # -- the question ---------------------------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        """The choices as printed: ``Pre-shared keys differ (psk-mismatch)``."""
        return [f"{faults.CATALOGUE[name].title} ({name})" for name in self.choices]

    @property
    def question(self) -> str:
        s = self.result.scenario
        i, r = s.initiator, s.responder
        kinds = {name: registry.get(name).label for name in registry.names()}
        lines = ["", RULE, f"Round {self.number} of {self.total}   (level {self.level}, "
                       f"{kinds[i.platform]} to {kinds[r.platform]})", RULE]
        lines += textwrap.wrap(
            f"Site-to-site VPN between {i.hostname} ({kinds[i.platform]}, {i.outside}) "
            f"and {r.hostname} ({kinds[r.platform]}, {r.outside}). Traffic from "
            f"{i.hostname}'s LAN starts the tunnel: {i.hostname} initiates Main Mode.", WIDTH)
        if self.level > 1:
            (mine,) = self.visible
            other = next(d.hostname for d in s.devices if d.hostname != mine)
            lines.append(f"You only have access to {mine}; the other side ({other}) belongs to another company.")
        when = f"{self.at:g} s after traffic first tried to use the tunnel"
        if self.level == 3:
            lines.append(f"It is now {when}. What you see on {self.visible[0]}, logs included:")
        else:
            lines.append(f"What you see {when}:")
        lines.append("")
        body = "\n".join(lines) + "\n"
        for hostname in self.visible:
            body += transcript(self.result, hostname, self.shown[hostname])
        body += "Which of these explains what you see?\n"
        body += "".join(f"  {n}. {label}\n" for n, label in enumerate(self.labels, start=1))
        return body + "\n"

    @property
    def prompt(self) -> str:
        return f"Your answer (1-{len(self.choices)}, or the name in brackets): "

    def parse(self, text: str | None) -> int | None:
        """The 0-based choice ``text`` names (a number, a fault name, or a unique prefix of one), else None."""
        return parse_answer(text, list(self.choices))

    # -- after the answer -----------------------------------------------------------------------------------------
    def feedback(self, answer: int | None, note: str = "") -> str:
        """What the trainee reads after answering choice ``answer`` (0-based; None: no valid answer)."""
        fault = self.fault
        if answer == self.correct:
            verdict = "RIGHT."
        elif answer is None:
            verdict = "WRONG: no valid answer" + (f" ({note})" if note else "") + "."
        else:
            verdict = f"WRONG: you chose {answer + 1} ({faults.CATALOGUE[self.choices[answer]].title})."
        out = [verdict, "", f"The cause: {fault.title} ({fault.name}), choice {self.correct + 1}."]
        out += textwrap.wrap(fault.explanation, WIDTH, initial_indent="  ", subsequent_indent="  ")
        out += ["", "Evidence from the run (simulated seconds):"]
        for line in evidence(self.result):
            out += textwrap.wrap(line, WIDTH, initial_indent="  - ", subsequent_indent="    ")
        out += textwrap.wrap(f"When you looked ({self.at:g} s): {state_summary(self.result, self.at)}.", WIDTH,
                             initial_indent="  - ", subsequent_indent="    ")
        hidden = [d for d in self.result.scenario.devices if d.hostname not in self.visible]
        for device in hidden:
            command = sa_command(device.platform)
            text = render(self.result, device.hostname, command, self.at).rstrip()
            out += ["", f"What {device.hostname}, the other side, showed at that instant:",
                    textwrap.indent(f"{prompt(device)}{command}\n{text}", "    ")]
        out += ["", "The fix:"]
        out += textwrap.wrap(fault.fix, WIDTH, initial_indent="  ", subsequent_indent="  ")
        return "\n".join(out) + "\n"

    def record(self, quiz_seed: int, platform: str, answer: str | None, index: int | None,
               note: str = "") -> dict:
        """The round as one JSON object for the instructor's record."""
        data = {
            "quiz_seed": quiz_seed,
            "round": self.number,
            "rounds": self.total,
            "level": self.level,
            "platform": platform,
            "scenario": self.lab.summary(),
            "visible": list(self.visible),
            "at": self.at,
            "fault": self.fault.name,
            "choices": list(self.choices),
            "correct_choice": self.correct + 1,
            "answer": answer,
            "answer_choice": None if index is None else index + 1,
            "answer_fault": None if index is None else self.choices[index],
            "correct": index == self.correct,
        }
        if note:
            data["note"] = note
        return data


def parse_answer(text: str | None, choices: list[str]) -> int | None:
    """``"2"`` -> 1; ``"psk-mismatch"`` (or a prefix naming one choice, any case) -> its index; else None."""
    if text is None:
        return None
    text = text.strip().lower()
    if not text:
        return None
    if text.isdigit():
        n = int(text)
        return n - 1 if 1 <= n <= len(choices) else None
    if text in choices:
        return choices.index(text)
    matches = [i for i, name in enumerate(choices) if name.startswith(text)]
    return matches[0] if len(matches) == 1 else None


class Quiz:
    """``rounds`` questions at ``level`` (1-3) on ``platform`` labs (asa | ios | mixed), all from ``seed``.

    ``seed=None`` draws one (see :attr:`seed`, printed by :func:`run_quiz` so a quiz can be replayed). Rounds are
    made on demand, in order (a fault is not asked twice before every applicable one has been asked)."""

    def __init__(self, rounds: int = 5, seed: int | None = None, level: int = 1, platform: str = registry.names()[0]):
        if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
            raise InputError(f"rounds must be a whole number from 1 to {MAX_ROUNDS}, not {rounds!r}", field="rounds")
        if isinstance(level, bool) or level not in LEVELS:
            raise InputError(f"level must be 1, 2 or 3, not {level!r}", field="level")
        if platform not in labs.PLATFORMS:
            raise InputError(f"unknown platform {platform!r} (expected {', '.join(labs.PLATFORMS)})",
                             field="platform")
        if platform not in labs.available_platforms():
            raise InputError(f"platform {platform!r} is not available yet: this version of ikesim cannot load its "
                             f"scenarios (use --platform {registry.names()[0]})", field="platform")
        if seed is None:
            seed = random.SystemRandom().randrange(1, 1_000_000)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InputError(f"seed must be a whole number >= 0, not {seed!r}", field="seed")
        self.rounds = rounds
        self.seed = seed
        self.level = level
        self.platform = platform
        deck = faults.names()
        random.Random(f"ikesim/quiz/{seed}/deck").shuffle(deck)
        self._deck = deck
        self._asked: list[str] = []
        self._made: list[Round] = []

    def __iter__(self):
        for number in range(1, self.rounds + 1):
            yield self.round(number)

    def round(self, number: int) -> Round:
        """Round ``number`` (1-based)."""
        if not 1 <= number <= self.rounds:
            raise IndexError(number)
        while len(self._made) < number:
            self._made.append(self._make(len(self._made) + 1))
        return self._made[number - 1]

    # -- making a round -------------------------------------------------------------------------------------------
    def _make(self, number: int) -> Round:
        rng = random.Random(f"ikesim/quiz/{self.seed}/round/{number}")
        for _attempt in range(20):
            lab = labs.generate_lab(rng.randrange(1_000_000), self.platform)
            broken = _broken_runs(lab)
            if len(broken) > CHOICES:
                break
        fault = self._pick(broken)
        result = broken[fault]
        devices = result.scenario.devices
        visible = tuple(d.hostname for d in devices) if self.level == 1 else (rng.choice(devices).hostname,)
        at = result.look if self.level < 3 else _random_instant(result, rng)
        logs = self.level == 3
        seen = {name: {h: views(r, h, at, logs) for h in visible} for name, r in broken.items()}
        signature = {name: _signature("".join(transcript(broken[name], h, shown[h]) for h in visible),
                                      both_sides=len(visible) == 2)
                     for name, shown in seen.items()}
        distractors = _distractors(fault, broken, signature, visible, at, rng)
        choices = [fault, *distractors]
        rng.shuffle(choices)
        return Round(number, self.rounds, self.level, lab, faults.CATALOGUE[fault], result, float(at), visible,
                     tuple(choices), choices.index(fault), seen[fault])

    def _pick(self, broken: dict[str, Run]) -> str:
        fresh = [name for name in self._deck if name in broken and name not in self._asked]
        if not fresh:
            self._asked.clear()
            fresh = [name for name in self._deck if name in broken]
        self._asked.append(fresh[0])
        return fresh[0]


def _broken_runs(lab: labs.Lab) -> dict[str, Run]:
    """Every catalogue fault that applies to ``lab`` and changes its run, with that run (catalogue order)."""
    healthy = run(lab.scenario)
    broken: dict[str, Run] = {}
    for name in faults.names():
        try:
            scenario = faults.apply(lab.scenario, [name])
        except InputError:
            continue  # the lab lacks the line this fault edits (e.g. an IOS policy that omits a default value)
        result = run(scenario)
        if result.trace.records != healthy.trace.records:
            broken[name] = result
    return broken


def _random_instant(result: Run, rng: random.Random) -> float:
    trace = result.trace
    first = trace.first_datagram
    times = [r.t for r in trace.records if isinstance(r, (DatagramSent, SaChanged))] or [first]
    last = max(times)
    high = min(max(first + INSTANT_MIN_SPAN, last + INSTANT_MARGIN), first + INSTANT_CAP)
    return float(rng.randint(int(first) + 1, int(high)))


def _distractors(fault: str, broken: dict[str, Run], signature: dict[str, str], visible: tuple[str, ...], at: float,
                 rng: random.Random) -> list[str]:
    """Up to three other faults the trainee can tell apart from ``fault``, closest symptoms first."""
    truth = broken[fault]
    truth_lines = signature[fault].splitlines()
    everyone = [d.hostname for d in truth.scenario.devices]

    def closeness(name: str) -> tuple:
        other = broken[name]
        same_visible = sum(_states(other, h, at) == _states(truth, h, at) for h in visible)
        same_all = sum(_states(other, h, at) == _states(truth, h, at) for h in everyone)
        ratio = difflib.SequenceMatcher(None, truth_lines, signature[name].splitlines(), autojunk=False).ratio()
        return (same_visible, same_all, round(ratio, 1))

    candidates = [name for name in broken if name != fault and signature[name] != signature[fault]]
    rng.shuffle(candidates)
    candidates.sort(key=closeness, reverse=True)
    chosen: list[str] = []
    for name in candidates:  # distinct from each other too, while that is possible
        if signature[name] not in {signature[c] for c in chosen}:
            chosen.append(name)
        if len(chosen) == CHOICES - 1:
            return chosen
    for name in candidates:
        if name not in chosen:
            chosen.append(name)
        if len(chosen) == CHOICES - 1:
            break
    return chosen


# -- running a quiz -------------------------------------------------------------------------------------------------


@dataclass
class Score:
    right: int = 0
    asked: int = 0
    planned: int = 0

    @property
    def text(self) -> str:
        score = f"Score: {self.right}/{self.asked}"
        if self.asked < self.planned:
            score += f" (the quiz ended after {self.asked} of {self.planned} rounds)"
        return score


def run_quiz(quiz: Quiz, ask: Ask, out: Out, record: Path | str | None = None,
             now: Callable[[], str] | None = None, pause: Callable[[], bool] | None = None) -> Score:
    """Play ``quiz``: for each round print the question with ``out``, get the answer with ``ask(prompt, choices)``
    (``choices``: the fault names in display order; the return value: what the trainee typed, None at end of
    input), print the feedback. An answer that names no choice counts as wrong, with a note; None ends the quiz
    with the score so far. ``record``: append one JSON line per answered round (with ``"time": now()`` when a clock
    is given; none by default, so records are reproducible). ``pause``: called after each round's feedback but the
    last, so the explanation does not scroll away before it is read (at a terminal: "Enter for the next round");
    it returns False to stop there. Returns the :class:`Score` (also printed)."""
    handle: TextIO | None = None
    if record is not None:
        try:
            handle = open(record, "a", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot append to the record file: {exc.strerror or exc}", source=str(record),
                             field="record") from None
    score = Score(planned=quiz.rounds)
    try:
        out(f"ikesim quiz: {quiz.rounds} round{'s' if quiz.rounds != 1 else ''}, level {quiz.level}, platform "
            f"{quiz.platform}, seed {quiz.seed} (the same seed asks the same questions).\n")
        for current in quiz:
            out(current.question)
            answer = ask(current.prompt, list(current.choices))
            if answer is None:
                out("\nThe quiz stops here.\n")
                break
            index = current.parse(answer)
            note = ""
            if index is None:
                shown = answer.strip()
                note = (f"'{shown}' is neither 1-{len(current.choices)} nor one of the names in brackets" if shown
                        else "the answer was empty") + ": counted as wrong"
            score.asked += 1
            score.right += index == current.correct
            out("\n" + current.feedback(index, note))
            if handle is not None:
                data = current.record(quiz.seed, quiz.platform, answer, index, note)
                if now is not None:
                    data["time"] = now()
                handle.write(json.dumps(data, ensure_ascii=False) + "\n")
                handle.flush()
            if pause is not None and score.asked < quiz.rounds and not pause():
                out("\nThe quiz stops here.\n")
                break
    except KeyboardInterrupt:  # Ctrl-C while a round is prepared or printed: end with the score so far
        out("\nThe quiz stops here.\n")
    finally:
        if handle is not None:
            handle.close()
    out(score.text + "\n")
    return score


def terminal_ask(read: Callable[[str], str] = input, out: Out = print) -> Ask:
    """Ask at a terminal: re-ask (with a short hint) until the answer names a choice; ``q``/``quit``, end of input
    (Ctrl-D) or Ctrl-C ends the quiz with the score so far."""

    def ask(prompt: str, choices: list[str]) -> str | None:
        while True:
            try:
                text = read(prompt)
            except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: stop with the score so far
                return None
            if text.strip().lower() in ("q", "quit", "exit"):
                return None
            if parse_answer(text, choices) is not None:
                return text
            out(f"Please type a number from 1 to {len(choices)} (or the fault's name in brackets); q ends the quiz.")

    return ask


def answers_ask(lines: Iterable[str], out: Out | None = None) -> Ask:
    """Answers from a file (or stdin), one per line, for ``--answers``: each line is one round's answer as typed (an
    empty or unknown one counts as wrong, with a note); when the lines run out the quiz ends with the score so far.
    With ``out``, the prompt and the answer are printed, so the transcript reads like a session."""
    iterator = iter(lines)

    def ask(prompt: str, choices: list[str]) -> str | None:
        line = next(iterator, None)
        if line is None:
            return None
        answer = line.rstrip("\r\n")
        if out is not None:
            out(prompt + answer)
        return answer

    return ask


def main(rounds: int = 5, seed: int | None = None, level: int = 1, platform: str = registry.names()[0],
         answers: str | None = None, record: str | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None, now: Callable[[], str] | None = None) -> int:
    """``ikesim quiz [--rounds N] [--seed N] [--level 1|2|3] [--platform asa|ios|mixed] [--answers FILE|-]
    [--record FILE]``. ``answers``: a file path, ``-`` for stdin, None to ask at the terminal. Returns the exit
    status (0). Bad options raise :class:`InputError` before anything is printed or written."""
    import sys

    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    quiz = Quiz(rounds=rounds, seed=seed, level=level, platform=platform)

    def out(text: str) -> None:
        stdout.write(text if text.endswith("\n") else text + "\n")
        stdout.flush()

    if answers is None:
        def read(text: str) -> str:
            if stdin is sys.stdin and stdout is sys.stdout:
                return input(text)
            stdout.write(text)
            stdout.flush()
            line = stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip("\r\n")

        def pause() -> bool:
            try:
                return read("\n[Enter for the next round, q to stop] ").strip().lower() not in ("q", "quit", "exit")
            except (EOFError, KeyboardInterrupt):
                return False

        ask = terminal_ask(read, out)
        try:
            run_quiz(quiz, ask, out, Path(record) if record else None, now, pause=pause)
        except KeyboardInterrupt:  # pragma: no cover - Ctrl-C outside a prompt: the score was printed by run_quiz
            pass
        return 0
    if answers == "-":
        run_quiz(quiz, answers_ask(stdin, out), out, Path(record) if record else None, now)
        return 0
    try:
        with open(answers, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the answers: {exc.strerror or exc}", source=answers, field="answers") from None
    run_quiz(quiz, answers_ask(lines, out), out, Path(record) if record else None, now)
    return 0

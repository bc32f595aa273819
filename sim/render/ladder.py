"""Ladder diagrams of a run: a Mermaid ``sequenceDiagram`` for documentation and an RFC-style text ladder.

Both draw one arrow per datagram, in the order sent, at its send time: delivered ones end on the receiver, lost ones
(dropped on the path, or discarded by the receiver) end in a cross with the reason. State changes appear beside
the device, in the platform's own state names, and so does the removal of an SA with its reason. More than
:data:`GAP` seconds with nothing sent and no state change shows as ``~ 8.0 s ~``. A long reason is written in
full the first time; when it repeats (retransmissions) it shortens to its first clause and "(as above)".

* :func:`mermaid` returns the bare diagram (for a ``.mmd`` file, or to paste into a ```` ```mermaid ```` block);
  :func:`mermaid_markdown` a Markdown document around it (title, scenario, seed, description, fenced diagram),
  which GitHub renders as is.
* :func:`ascii_ladder` a plain-text ladder for terminals and runbooks, at most ``width`` columns.

Mermaid text cannot hold ``;`` or ``#`` (statement separator, comment); they are written as Mermaid entity codes
(``#59;``, ``#35;``), which Mermaid (and GitHub) display as the characters.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ..engine.trace import DatagramSent, SaChanged, Trace
from .labels import Fate, describe_fate, fates, format_time, message_label, retransmit_suffix
from .reasons import explain

__all__ = ["GAP", "MIN_WIDTH", "NOTHING", "mermaid", "mermaid_markdown", "ascii_ladder"]

#: idle time (seconds) above which a ladder shows a ``~ n s ~`` gap line
GAP = 2.0
#: narrowest text ladder :func:`ascii_ladder` draws
MIN_WIDTH = 80

_ALIASES = {"initiator": "I", "responder": "R"}
#: what a ladder says when the run sent no datagram and changed no SA (e.g. an initiator without a key)
NOTHING = "(no datagram sent, no SA created)"


# -- what a ladder shows, in order -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    t: float
    role: str  # the sender (datagram) or the device (state change, removal)
    kind: str  # "datagram" | "state" | "removed"
    text: str  # the state name, or the removal reason
    sent: DatagramSent | None = None
    fate: Fate | None = None


def _steps(trace: Trace) -> list[_Step]:
    from ..platforms.registry import platform_for

    devices = {d.hostname: d for d in trace.devices}
    outcome = fates(trace)
    steps: list[_Step] = []
    for record in trace.records:
        if isinstance(record, DatagramSent):
            steps.append(_Step(record.t, record.role, "datagram", "", record, outcome[record.id]))
        elif isinstance(record, SaChanged):
            device = devices[record.device]
            update = record.update
            if update.state is None:
                was = platform_for(device.platform).state_name(update.role, update.previous) if update.previous else ""
                head = f"SA removed in {was}" if was else "SA removed"  # the state in this platform's words
                why = explain(update.reason, update.detail, platform=platform_for(device.platform), removal=True)
                steps.append(_Step(record.t, device.role, "removed", f"{head}: {why}"))
            elif update.state != update.previous:
                name = platform_for(device.platform).state_name(update.role, update.state)
                steps.append(_Step(record.t, device.role, "state", name))
    return steps


def _gap(previous: float | None, t: float) -> str | None:
    if previous is not None and t - previous > GAP:
        return f"~ {t - previous:.1f} s ~"
    return None


class _Reasons:
    """The line under an arrow: why it was lost, or that it was a duplicate (None for a plain delivery).

    A long reason is written in full the first time; a repetition shortens to its first clause and "(as above)",
    so that a run of retransmissions stays readable."""

    def __init__(self, width: int):
        self.width = width
        self.seen: set[str] = set()

    def __call__(self, step: _Step) -> str | None:
        if step.fate is None or step.fate.kind == "delivered":
            return None
        full = describe_fate(step.fate, with_device=False)
        if full not in self.seen:
            self.seen.add(full)
            return full
        if len(full) <= self.width:
            return full
        kind = step.fate.kind
        short = f"{kind}: {step.fate.short} (as above)"
        return short if len(short) <= self.width else f"{kind} (as above)"


def _arrow_label(step: _Step) -> str:
    return message_label(step.sent) + retransmit_suffix(step.sent)


def _devices(trace: Trace) -> dict[str, object]:
    return {d.role: d for d in trace.devices}


# -- Mermaid ---------------------------------------------------------------------------------------------------------

_MERMAID_ESCAPES = str.maketrans({"#": "#35;", ";": "#59;", "%": "#37;", "<": "#60;", ">": "#62;", "\n": " ",
                                  "\r": " "})
_MERMAID_WRAP = 60


def _m(text: str) -> str:
    return text.translate(_MERMAID_ESCAPES)


def _m_wrapped(text: str, width: int = _MERMAID_WRAP) -> str:
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
    return "<br/>".join(_m(line) for line in lines)


def mermaid(trace: Trace, scenario) -> str:
    """The run as a Mermaid ``sequenceDiagram`` (bare, no fence), newline-terminated.

    Arrows are numbered (``autonumber``) in the order sent: arrow *n* is frame *n* of the ``both`` capture."""
    devices = _devices(trace)
    lines = [
        "sequenceDiagram",
        f"    %% ikesim: scenario {_m(trace.scenario)}, seed {trace.seed}, times in simulated seconds",
        "    autonumber",
    ]
    for role in ("initiator", "responder"):
        d = devices[role]
        lines.append(f"    participant {_ALIASES[role]} as {_m(d.hostname)} ({role})<br/>{_m(d.address)}")
    previous = None
    reasons = _Reasons(_MERMAID_WRAP)
    steps = _steps(trace)
    if not steps:
        lines.append(f"    Note over I,R: {NOTHING}")
    for step in steps:
        gap = _gap(previous, step.t)
        if gap:
            lines.append(f"    Note over I,R: {gap}")
        previous = step.t
        me = _ALIASES[step.role]
        if step.kind == "datagram":
            other = "R" if me == "I" else "I"
            if step.fate.lost:
                arrow = "-x"
            elif step.fate.kind == "in-flight":
                arrow = "-)"
            else:
                arrow = "->>"
            text = f"{format_time(step.t)} {_m(_arrow_label(step))}"
            extra = reasons(step)
            if extra:
                text += "<br/>" + _m_wrapped(extra)
            lines.append(f"    {me}{arrow}{other}: {text}")
        elif step.kind == "state":
            lines.append(f"    Note over {me}: {_m(step.text)}")
        else:
            lines.append(f"    Note over {me}: {format_time(step.t)} {_m_wrapped(step.text, 40)}")
    return "\n".join(lines) + "\n"


def mermaid_markdown(trace: Trace, scenario) -> str:
    """A Markdown document with the Mermaid ladder: title, scenario name and seed, the scenario's description,
    the fenced diagram and a legend (for ``--mermaid FILE.md``; GitHub renders the diagram)."""
    devices = _devices(trace)
    i, r = devices["initiator"], devices["responder"]
    description = " ".join((getattr(scenario, "description", "") or "").split())
    parts = [
        f"# {trace.title}",
        "",
        f"Scenario `{trace.scenario}`, seed {trace.seed}: {i.hostname} (initiator, {i.address}) and "
        f"{r.hostname} (responder, {r.address}), IKEv1 Main Mode.",
        "",
    ]
    if description:
        parts += [description, ""]
    parts += [
        "```mermaid",
        mermaid(trace, scenario).rstrip("\n"),
        "```",
        "",
        "Times are simulated seconds from the first datagram. A solid arrow was delivered, an arrow ending in a "
        "cross was lost (dropped on the path, or discarded by the receiver: the reason is under it). `*` marks an "
        "encrypted message. Notes show each device's state as it would show it.",
        "",
    ]
    return "\n".join(parts)


# -- text ladder -----------------------------------------------------------------------------------------------------

_TIME_W = 9  # " 32.015s " -- the time column


@dataclass
class _Row:
    t: float | None
    arrow: str = ""  # the middle of the first line (between the lifelines)
    middle: list[str] | None = None  # lines under the arrow
    left: list[str] | None = None  # annotations beside the initiator
    right: list[str] | None = None  # annotations beside the responder
    sender: str | None = None


class _Canvas:
    def __init__(self, width: int):
        if width < MIN_WIDTH:
            raise ValueError(f"ascii_ladder needs width >= {MIN_WIDTH}, not {width}")
        self.width = width
        self.side = max(15, min(21, (width - _TIME_W - 2 - 47) // 2))  # annotation columns beside a lifeline
        self.left_line = _TIME_W + self.side  # column of the initiator's lifeline
        self.mid = width - _TIME_W - 2 - 2 * self.side  # columns between the lifelines
        self.right_line = self.left_line + 1 + self.mid

    def blank(self) -> list[str]:
        line = [" "] * self.width
        line[self.left_line] = "|"
        line[self.right_line] = "|"
        return line

    @staticmethod
    def put(line: list[str], col: int, text: str) -> None:
        line[col:col + len(text)] = list(text)

    def center(self, line: list[str], col: int, text: str) -> None:
        start = max(0, min(col - len(text) // 2, self.width - len(text)))
        self.put(line, start, text)

    def arrow(self, label: str, rightwards: bool, end: str) -> str:
        """The text between the lifelines: ``end`` is "deliver", "receiver" (lost at it), "path" (lost on the way)
        or "flight" (still on its way)."""
        if end in ("deliver", "receiver"):
            length = self.mid
        else:  # stops short of the receiver: 3/4 of the way on the path, half way when still in flight
            share = self.mid * 3 // 4 if end == "path" else self.mid // 2
            length = max(share, min(len(label) + 6, self.mid - 5))
        head = {"deliver": ">" if rightwards else "<", "receiver": "X", "path": "X",
                "flight": ">" if rightwards else "<"}[end]
        body_len = length - 1
        text = f" {label} "
        if len(text) > body_len - 2:
            text = ""
        left_dashes = (body_len - len(text)) // 2
        right_dashes = body_len - len(text) - left_dashes
        if rightwards:
            shaft = "-" * left_dashes + text + "-" * right_dashes
            drawn = shaft + head
            return drawn.ljust(self.mid)
        shaft = "-" * right_dashes + text + "-" * left_dashes
        drawn = head + shaft
        return drawn.rjust(self.mid)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def ascii_ladder(trace: Trace, scenario, width: int = 100) -> str:
    """The run as an RFC-style text ladder, at most ``width`` columns wide (>= :data:`MIN_WIDTH`)."""
    canvas = _Canvas(width)
    devices = _devices(trace)
    note_w = canvas.side - 1
    rows: list[_Row] = []
    previous_t: float | None = None
    reasons = _Reasons(canvas.mid - 3)
    steps = _steps(trace)
    if not steps:
        rows.append(_Row(None, middle=[NOTHING.center(canvas.mid)]))
    for step in steps:
        gap = _gap(previous_t, step.t)
        if gap:
            rows.append(_Row(None, middle=[gap.center(canvas.mid)]))
        previous_t = step.t
        if step.kind == "datagram":
            rightwards = step.role == "initiator"
            fate = step.fate
            end = {"dropped": "path", "discarded": "receiver", "in-flight": "flight"}.get(fate.kind, "deliver")
            label = _arrow_label(step)
            arrow = canvas.arrow(label, rightwards, end)
            middle = []
            if arrow.strip("-<>X ") == "":  # the label did not fit on the shaft: put it on its own line
                middle.append(label)
            extra = reasons(step)
            if extra:
                middle += _wrap(extra, canvas.mid - 3)
            rows.append(_Row(step.t, arrow, middle, sender=step.role))
            continue
        text = _wrap(step.text, note_w)
        last = rows[-1] if rows else None
        side = "left" if step.role == "initiator" else "right"
        if (step.kind == "state" and last is not None and last.t == step.t and last.sender == step.role
                and not getattr(last, side)):
            setattr(last, side, text)  # the state the sender entered by sending: on the arrow's line
        else:
            rows.append(_Row(step.t, **{side: text}))

    out: list[str] = []
    title = _wrap(trace.title, width)
    out += title + ["=" * max(map(len, title)), ""]
    for getter in (lambda d: d.hostname, lambda d: d.role, lambda d: d.address):
        line = [" "] * width
        canvas.center(line, canvas.left_line, getter(devices["initiator"]))
        canvas.center(line, canvas.right_line, getter(devices["responder"]))
        out.append("".join(line).rstrip())
    out.append("".join(canvas.blank()).rstrip())
    for row in rows:
        middle = row.middle or []
        left = row.left or []
        right = row.right or []
        height = max(1 + len(middle) if row.arrow else len(middle), len(left), len(right), 1)
        for k in range(height):
            line = canvas.blank()
            if k == 0 and row.t is not None:
                canvas.put(line, 0, format_time(row.t).rjust(_TIME_W - 1))
            if row.arrow:
                mid_text = row.arrow if k == 0 else (middle[k - 1] if k - 1 < len(middle) else "")
                if k > 0 and mid_text:
                    mid_text = "  " + mid_text
            else:
                mid_text = middle[k] if k < len(middle) else ""
            if mid_text:
                canvas.put(line, canvas.left_line + 1, mid_text[:canvas.mid])
            if k < len(left):  # a block flush against the initiator's lifeline, its lines aligned on the left
                canvas.put(line, canvas.left_line - 1 - max(map(len, left)), left[k])
            if k < len(right):
                canvas.put(line, canvas.right_line + 2, right[k])
            out.append("".join(line).rstrip())
    out.append("".join(canvas.blank()).rstrip())
    out.append("")
    out += _wrap(f"Scenario {trace.scenario}, seed {trace.seed}. Times are simulated seconds from the first datagram.",
                 width)
    legend = ("---> delivered. ---X lost, reason below: X short of the line = dropped on the path, X at the line = "
              "discarded by the receiver. * encrypted. ~ n s ~ nothing happens for n seconds.")
    out += _wrap(legend, width)
    return "\n".join(out) + "\n"

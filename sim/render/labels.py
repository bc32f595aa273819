"""Labels every renderer shares: what a datagram was (RFC 2409 notation) and what became of it.

Small and stable on purpose (ladders, captures and charts import it)::

    message_label(sent)      "MM1: SA", "MM3: KE, Ni", "MM5*: IDii, HASH_I" (* = encrypted),
                             "Informational: N(NO-PROPOSAL-CHOSEN)"
    retransmit_suffix(sent)  "" for an original, " (retransmit 2)" for the second resend
    fate(trace, sent)        Fate(kind, t, reason, device, code, short): delivered | dropped | discarded | duplicate |
                             in-flight; ``reason`` in words (sim.render.reasons, the receiver's platform first)
    fates(trace)             {datagram id: Fate} for every DatagramSent, computed once per Trace
    describe_fate(f)         "delivered at 0.005 s", "dropped: <path rule>", "discarded by ASA-LAB2: <reason>", ...

The payload text comes from :data:`sim.ike.states.TRANSITIONS` (the ``payloads`` of the row that ``sends`` the
message, without its ``HDR, `` / ``HDR*, ``), so it cannot drift from the protocol rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import views
from ..engine.trace import DatagramSent, Trace
from ..ike.constants import Notify
from ..ike.messages import NotifyPayload
from ..ike.states import TRANSITIONS
from ..ike.types import Msg, Reason, Trigger
from . import reasons

__all__ = ["Fate", "FATE_KINDS", "message_label", "retransmit_suffix", "fate", "fates", "describe_fate",
           "format_time"]

#: every value ``Fate.kind`` takes
FATE_KINDS = ("delivered", "dropped", "discarded", "duplicate", "in-flight")


def _payload_texts() -> dict[str, tuple[bool, str]]:
    texts: dict[str, tuple[bool, str]] = {}
    for row in TRANSITIONS:
        if not row.sends:
            continue
        encrypted = row.payloads.startswith("HDR*")
        head, _, rest = row.payloads.partition(", ")
        texts[row.sends] = (encrypted, rest if head in ("HDR", "HDR*") else row.payloads)
    return texts


_PAYLOADS = _payload_texts()


def format_time(t: float) -> str:
    """Simulated seconds as every renderer prints them: ``0.005s`` (millisecond resolution)."""
    return f"{t:.3f}s"


def message_label(sent: DatagramSent) -> str:
    """The datagram in RFC 2409 notation: ``MM5*: IDii, HASH_I``; a notification names its type."""
    if sent.message in _PAYLOADS:
        encrypted, payloads = _PAYLOADS[sent.message]
        return f"{sent.message}{'*' if encrypted else ''}: {payloads}"
    if sent.message == Msg.NOTIFY:
        return _notify_label(sent)
    return str(sent.message)


def _notify_label(sent: DatagramSent) -> str:
    """``Informational: N(NO-PROPOSAL-CHOSEN)``, from the payloads the Trace recorded."""
    if sent.encrypted:
        return "Informational*"
    notify = next((p for p in sent.payloads if isinstance(p, NotifyPayload)), None)
    if notify is None:
        return "Informational"
    try:
        name = Notify(notify.notify_type).name.replace("_", "-")
    except ValueError:
        name = str(notify.notify_type)
    return f"Informational: N({name})"


def retransmit_suffix(sent: DatagramSent) -> str:
    """``" (retransmit n)"`` for the n-th timer retransmission of a message (n never exceeds the configured
    retries), ``" (resent on duplicate)"`` for a resend a duplicate of the message it answers caused, else ``""``."""
    if not sent.attempt:
        return ""
    if sent.trigger == Trigger.DUPLICATE:
        return " (resent on duplicate)"
    return f" (retransmit {sent.attempt})"


@dataclass(frozen=True)
class Fate:
    """What became of one datagram.

    ``kind``: ``delivered`` (the receiver used it), ``dropped`` (on the path; ``reason`` = the rule's label),
    ``discarded`` (it reached ``device``, which threw it away; ``code`` says why and ``reason`` in words),
    ``duplicate`` (``device`` had processed it already; it may have resent its last message), ``in-flight`` (the run
    ended first). ``t``: when it was dropped, arrived or was discarded (for ``in-flight``: the send time).
    ``short``: the reason's short form, for repetitions.
    """

    kind: str
    t: float
    reason: str = ""
    device: str | None = None
    code: Reason | None = None
    short: str = field(default="", compare=False)

    @property
    def lost(self) -> bool:
        """Did it die on the way: dropped on the path or discarded by the receiver."""
        return self.kind in ("dropped", "discarded")


def _rule_head(label: str) -> str:
    """A path rule's label without its parenthesised detail (the user's own words, shortened for repetitions)."""
    return label.split(" (", 1)[0]


def fates(trace: Trace) -> dict[int, Fate]:
    """The :class:`Fate` of every datagram of ``trace``, by datagram id (from the shared datagram view)."""
    from ..platforms.registry import platform_for

    def build(trace: Trace) -> dict[int, Fate]:
        platforms = {d.hostname: platform_for(d.platform) for d in trace.devices}
        result: dict[int, Fate] = {}
        for datagram_id, d in views.datagrams(trace).items():
            kind = d.fate
            if d.dropped is not None:
                rule = d.dropped.rule
                device = None if d.dropped.where == "path" else d.dropped.where
                result[datagram_id] = Fate(kind, d.dropped.t, rule, device, None, _rule_head(rule))
            elif d.processed is not None:
                p = d.processed
                platform = platforms.get(p.device)
                arrived = d.delivered.t if d.delivered is not None else p.t
                result[datagram_id] = Fate(kind, arrived, reasons.explain(p.reason, p.detail, p.message, platform),
                                           p.device, p.reason, reasons.summary(p.reason, p.detail, p.message, platform))
            elif d.delivered is not None:
                result[datagram_id] = Fate("delivered", d.delivered.t, "", d.delivered.device)
            else:
                result[datagram_id] = Fate("in-flight", d.sent.t)
        return result

    return trace.view("fates", build)


def fate(trace: Trace, sent: DatagramSent) -> Fate:
    """What became of ``sent``."""
    return fates(trace)[sent.id]


def describe_fate(f: Fate, with_device: bool = True) -> str:
    """One phrase: ``delivered at 0.005 s``, ``dropped: <rule>``, ``discarded by ASA-LAB2: <reason>``,
    ``duplicate at ASA-LAB2: <reason>``, ``in flight when the run ended``. ``with_device=False`` leaves out
    the receiver's name (for a ladder, where the arrow already points at it)."""
    by = f" by {f.device}" if with_device and f.device else ""
    at = f" at {f.device}" if with_device and f.device else ""
    if f.kind == "delivered":
        return f"delivered at {f.t:.3f} s"
    if f.kind == "dropped":
        return f"dropped: {f.reason}"
    if f.kind == "discarded":
        return f"discarded{by}: {f.reason}" if f.reason else f"discarded{by}"
    if f.kind == "duplicate":
        return f"duplicate{at}: {f.reason}" if f.reason else f"duplicate{at}"
    return "in flight when the run ended"

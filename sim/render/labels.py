"""Labels every renderer shares: what a datagram was (RFC 2409 notation) and what became of it.

Small and stable on purpose (ladders, captures and charts import it)::

    message_label(sent)      "MM1: SA", "MM3: KE, Ni", "MM5*: IDii, HASH_I" (* = encrypted),
                             "Informational: N(NO-PROPOSAL-CHOSEN)"
    retransmit_suffix(sent)  "" for an original, " (retransmit 2)" for the second resend
    fate(trace, sent)        Fate(kind, t, reason, device): delivered | dropped | discarded | duplicate | in-flight
    fates(trace)             {datagram id: Fate} for every DatagramSent, in one pass
    describe_fate(f)         "delivered at 0.005 s", "dropped: <path rule>", "discarded by ASA-LAB2: <reason>", ...

The payload text comes from :data:`sim.ike.states.TRANSITIONS` (the ``payloads`` of the row that ``sends`` the
message, without its ``HDR, `` / ``HDR*, ``), so it cannot drift from the protocol rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.trace import DatagramDelivered, DatagramDropped, DatagramProcessed, DatagramSent, Trace
from ..ike.constants import NAT_T_PORT, NON_ESP_MARKER, Notify
from ..ike.states import TRANSITIONS

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
    if sent.message == "NOTIFY":
        return _notify_label(sent)
    return sent.message


def _notify_label(sent: DatagramSent) -> str:
    from ..ike import messages  # scapy: only when a notification is actually labelled

    data = bytes(sent.data)
    if NAT_T_PORT in (sent.sport, sent.dport) and data.startswith(NON_ESP_MARKER):
        data = data[len(NON_ESP_MARKER):]  # (DatagramSent.isakmp does the same, where the Trace has it)
    try:
        message = messages.parse(data)
    except messages.MalformedMessage:
        return "Informational"
    if message.header.encrypted:
        return "Informational*"
    notify = message.first(messages.NotifyPayload)
    if notify is None:
        return "Informational"
    try:
        name = Notify(notify.notify_type).name.replace("_", "-")
    except ValueError:
        name = str(notify.notify_type)
    return f"Informational: N({name})"


def retransmit_suffix(sent: DatagramSent) -> str:
    """``" (retransmit n)"`` for the n-th resend of a message (timer- or duplicate-triggered), else ``""``."""
    return f" (retransmit {sent.attempt})" if sent.attempt else ""


@dataclass(frozen=True)
class Fate:
    """What became of one datagram.

    ``kind``: ``delivered`` (the receiver used it), ``dropped`` (on the path; ``reason`` = the rule's label),
    ``discarded`` (it reached ``device``, which threw it away; ``reason`` = why, e.g. "could not decrypt MM5: ..."),
    ``duplicate`` (``device`` had processed it already; it may have resent its last message), ``in-flight`` (the run
    ended first). ``t``: when it was dropped, arrived or was discarded (for ``in-flight``: the send time).
    """

    kind: str
    t: float
    reason: str = ""
    device: str | None = None

    @property
    def lost(self) -> bool:
        """Did it die on the way: dropped on the path or discarded by the receiver."""
        return self.kind in ("dropped", "discarded")


def fates(trace: Trace) -> dict[int, Fate]:
    """The :class:`Fate` of every datagram of ``trace``, by datagram id (one pass over the records)."""
    sent: dict[int, DatagramSent] = {}
    delivered: dict[int, DatagramDelivered] = {}
    result: dict[int, Fate] = {}
    for r in trace.records:
        if isinstance(r, DatagramSent):
            sent[r.id] = r
        elif isinstance(r, DatagramDelivered):
            delivered.setdefault(r.id, r)
        elif isinstance(r, DatagramDropped) and r.id not in result:
            if r.where == "path":
                result[r.id] = Fate("dropped", r.t, r.rule)
            else:  # it reached the device, which had no listener for it
                result[r.id] = Fate("discarded", r.t, r.rule, r.where)
        elif isinstance(r, DatagramProcessed) and r.id not in result:
            kind = {"accepted": "delivered", "duplicate": "duplicate"}.get(r.outcome, "discarded")
            arrived = delivered[r.id].t if r.id in delivered else r.t
            result[r.id] = Fate(kind, arrived, r.reason, r.device)
    for datagram_id, r in sent.items():
        if datagram_id not in result:
            if datagram_id in delivered:
                arrival = delivered[datagram_id]
                result[datagram_id] = Fate("delivered", arrival.t, "", arrival.device)
            else:
                result[datagram_id] = Fate("in-flight", r.t)
    return {datagram_id: result[datagram_id] for datagram_id in sent}


def fate(trace: Trace, sent: DatagramSent) -> Fate:
    """What became of ``sent``: from the DatagramDropped / DatagramDelivered / DatagramProcessed with its id."""
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

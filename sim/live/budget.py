"""What a live Trace keeps: bounded in records and in bytes, whatever the network sends.

A long-running responder records every datagram, timer and log event until the Trace holds ``max_records``
records; after that only SA changes, up to ``max_sa_records`` more; after that nothing but the notes that say so.
Independently, the datagram bytes it stores (``DatagramSent.data`` and the decoded payloads of each
``DatagramProcessed``, counted by their length) are capped at ``max_datagram_bytes``: past it, datagrams keep their
first :data:`KEPT_BYTES` bytes (the ISAKMP header: cookies, exchange, flags) and no decoded payloads. Each limit,
when first reached, adds a :class:`~sim.engine.trace.Note` to the Trace and is reported to the caller once.
"""

from __future__ import annotations

from ..engine.trace import DatagramProcessed, DatagramSent, Note, SaChanged, Trace

#: records of every kind a live Trace keeps
MAX_RECORDS = 100_000
#: SA changes it keeps past MAX_RECORDS
MAX_SA_RECORDS = 20_000
#: bytes of datagram data (and decoded payloads, by their length) it keeps in whole
MAX_DATAGRAM_BYTES = 16 * 1024 * 1024
#: what a datagram keeps of its data once the byte budget is spent: the 28-byte ISAKMP header (and the marker)
KEPT_BYTES = 32
#: a live run's chart shows at most its last this many datagrams (the chart renderer's time grows faster than
#: linearly with the datagrams: about 10 s for 100 today; raise this when it is near-linear)
CHART_DATAGRAMS = 100


class Budget:
    def __init__(self, max_records: int = MAX_RECORDS, max_sa_records: int = MAX_SA_RECORDS,
                 max_datagram_bytes: int = MAX_DATAGRAM_BYTES):
        self.max_records = max_records
        self.max_sa_records = max_sa_records
        self.max_datagram_bytes = max_datagram_bytes
        self.records = 0  # records admitted (not counting the notes)
        self.sa_records = 0  # SA changes admitted past max_records
        self.datagram_bytes = 0
        self.full = self.sa_full = self.bytes_spent = False

    def admit(self, rec, device: str) -> tuple[object | None, list[Note]]:
        """The record to keep (``rec``, a trimmed copy, or None) and the notes to add before it."""
        notes: list[Note] = []
        if self.records >= self.max_records:
            if not self.full:
                self.full = True
                notes.append(Note(rec.t, device, f"trace full ({self.max_records} records): from now on only SA "
                                                 "changes are recorded"))
            if not isinstance(rec, SaChanged):
                return None, notes
            if self.sa_records >= self.max_sa_records:
                if not self.sa_full:
                    self.sa_full = True
                    notes.append(Note(rec.t, device, f"trace full ({self.max_sa_records} more SA changes): from "
                                                     "now on nothing is recorded; the live SA table stays current"))
                return None, notes
            self.sa_records += 1
        kind = type(rec)
        if kind is DatagramSent or kind is DatagramProcessed:
            size = len(rec.data) if kind is DatagramSent else rec.length if rec.payloads else 0
            if self.datagram_bytes + size > self.max_datagram_bytes:
                if not self.bytes_spent:
                    self.bytes_spent = True
                    mb = self.max_datagram_bytes / (1024 * 1024)
                    notes.append(Note(rec.t, device, f"datagram budget spent ({mb:g} MB): from now on a datagram "
                                                     f"keeps only its first {KEPT_BYTES} bytes and no decoded "
                                                     "payloads"))
                rec = (rec._replace(data=rec.data[:KEPT_BYTES], payloads=()) if kind is DatagramSent
                       else rec._replace(payloads=()))
                size = min(size, KEPT_BYTES) if kind is DatagramSent else 0
            self.datagram_bytes += size
        self.records += 1
        return rec, notes


def tail(trace: Trace, datagrams: int = CHART_DATAGRAMS) -> tuple[Trace, int]:
    """``trace`` from its ``datagrams``-th last datagram on (for a chart of a long live run), and how many datagrams
    it had in all. The same Trace when it has no more than that."""
    starts = [i for i, r in enumerate(trace.records) if type(r) is DatagramSent]
    if len(starts) <= datagrams:
        return trace, len(starts)
    cut = starts[-datagrams]
    return (Trace(scenario=trace.scenario, title=trace.title, seed=trace.seed, devices=trace.devices,
                  records=trace.records[cut:], end=trace.end), len(starts))

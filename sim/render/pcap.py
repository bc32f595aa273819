"""pcapng captures of a run, as seen from one device's outside interface or from the path between them.

Every frame is a real IPv4 + UDP datagram (link type ``LINKTYPE_RAW`` 101: no made-up Ethernet addresses) carrying
the ``DatagramSent.data`` bytes unchanged (on UDP 4500 they already start with the non-ESP marker). Wireshark and
tshark dissect it as ISAKMP and, given a key table (:mod:`sim.render.keys`), decrypt MM5 and MM6.

Vantage points (``vantage``):

* ``initiator`` / ``responder`` (or that device's hostname): a capture on the device's outside interface. It holds
  the datagrams the device sent, at send time (also those that later died on the path: that is where they were
  seen), and the datagrams that reached it, at arrival time, with the addresses and ports it saw them with (after
  any NAT on the path), also those it then discarded. Each frame carries the pcapng direction flag (outbound /
  inbound).
* ``both``: every datagram once, at send time, as sent (addresses before any NAT), in the order sent: frame *n* is
  the *n*-th datagram of the run, the *n*-th arrow of the Mermaid ladder.

Fixed, so that the same run gives the same bytes:

* time stamps: :data:`EPOCH` (2026-01-01 00:00:00 UTC) + the simulated seconds, microsecond resolution;
* IPv4: TTL 64, no options, DF clear, identification = the datagram's number in the run (the same datagram has the
  same ID in every vantage); IPv4 and UDP checksums computed;
* section header: ``shb_userappl`` = "ikesim <version>" and a comment naming scenario, seed and vantage; no
  hardware or OS strings. Interface name: "<hostname> outside" or "path <initiator> - <responder>".

Each frame's comment (``opt_comment``) says what it was and what became of it, e.g.
``MM5*: IDii, HASH_I (retransmit 1); trigger: timer; discarded by ASA-LAB2: could not decrypt MM5: ...``.
"""

from __future__ import annotations

import ipaddress
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from .. import __version__

from ..engine.trace import DatagramDelivered, DatagramSent, Trace
from ..errors import InputError
from .files import write_atomic
from .labels import describe_fate, fates, message_label, retransmit_suffix

__all__ = ["EPOCH", "LINKTYPE_RAW", "VANTAGES", "Frame", "capture", "pcap_bytes", "write_pcap", "ipv4_udp",
           "frame_comment", "resolve_vantage"]

#: 2026-01-01 00:00:00 UTC, in seconds since the Unix epoch: simulated second 0 in every capture
EPOCH = 1767225600
#: pcapng/libpcap link type of a frame that starts with the IPv4 header
LINKTYPE_RAW = 101
VANTAGES = ("initiator", "responder", "both")
TTL = 64
INTERFACE = "outside"

_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_END, _OPT_COMMENT = 0, 1
_SHB_USERAPPL = 4
_IF_NAME, _IF_DESCRIPTION, _IF_TSRESOL = 2, 3, 9
_EPB_FLAGS = 2
_INBOUND, _OUTBOUND = 0b01, 0b10


@dataclass(frozen=True)
class Frame:
    """One captured frame: when (simulated seconds), which datagram, the IPv4 packet, its comment, and the
    direction seen from the capturing device ("in", "out"; "" on the path)."""

    t: float
    sent: DatagramSent
    packet: bytes
    comment: str
    direction: str


def resolve_vantage(trace: Trace, vantage: str) -> str:
    """``both``, or the role (``initiator``/``responder``) of the device named by role or hostname (any case);
    InputError(field="vantage") for anything else."""
    if vantage in VANTAGES:
        return vantage
    for device in trace.devices:
        if device.hostname.lower() == str(vantage).lower():
            return device.role
    known = ", ".join(list(VANTAGES) + [d.hostname for d in trace.devices])
    raise InputError(f"unknown capture vantage {vantage!r} (use one of: {known})", field="vantage")


def capture(trace: Trace, scenario, vantage: str = "both") -> list[Frame]:
    """The frames a capture at ``vantage`` holds, in capture order (see the module docstring)."""
    role = resolve_vantage(trace, vantage)
    outcome = fates(trace)
    if role == "both":
        return [_frame(s, s.t, "", outcome) for s in trace.of(DatagramSent)]
    hostname = next(d.hostname for d in trace.devices if d.role == role)
    sent_by_id: dict[int, DatagramSent] = {}
    frames: list[Frame] = []
    for record in trace.records:
        if isinstance(record, DatagramSent):
            sent_by_id[record.id] = record
            if record.device == hostname:
                frames.append(_frame(record, record.t, "out", outcome))
        elif isinstance(record, DatagramDelivered) and record.device == hostname and record.id in sent_by_id:
            frames.append(_frame(sent_by_id[record.id], record.t, "in", outcome, record))
    return frames


def _frame(sent: DatagramSent, t: float, direction: str, outcome, arrived: DatagramDelivered | None = None) -> Frame:
    return Frame(t, sent, ipv4_udp(sent, arrived), frame_comment(sent, outcome[sent.id]), direction)


def frame_comment(sent: DatagramSent, fate) -> str:
    """``<label>[ (retransmit n); trigger: <timer|duplicate>]; <fate>``."""
    parts = [message_label(sent) + retransmit_suffix(sent)]
    if sent.attempt:
        parts.append(f"trigger: {sent.trigger}")
    parts.append(describe_fate(fate))
    return "; ".join(parts)


# -- IPv4 / UDP ------------------------------------------------------------------------------------------------------


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_udp(sent: DatagramSent, arrived: DatagramDelivered | None = None) -> bytes:
    """The IPv4 packet (header + UDP header + ``sent.data``) for one datagram, checksums filled in.

    With ``arrived``, the addresses and ports are the ones the receiver saw (after NAT on the path), where the
    Trace recorded them; otherwise the ones it was sent with."""
    src, sport, dst, dport = sent.src, sent.sport, sent.dst, sent.dport
    if arrived is not None and arrived.src:
        src, sport, dst, dport = arrived.src, arrived.sport, arrived.dst, arrived.dport
    payload = bytes(sent.data)
    src_b = ipaddress.IPv4Address(src).packed
    dst_b = ipaddress.IPv4Address(dst).packed
    udp_length = 8 + len(payload)
    total = 20 + udp_length
    if total > 0xFFFF:
        raise ValueError(f"datagram {sent.id} is too long for IPv4 ({total} bytes)")
    pseudo = src_b + dst_b + struct.pack("!BBH", 0, 17, udp_length)
    udp_sum = _checksum(pseudo + struct.pack("!HHHH", sport, dport, udp_length, 0) + payload) or 0xFFFF
    udp = struct.pack("!HHHH", sport, dport, udp_length, udp_sum)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, sent.id & 0xFFFF, 0, TTL, 17, 0, src_b, dst_b)
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return header + udp + payload


# -- pcapng blocks ---------------------------------------------------------------------------------------------------


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def _options(options: list[tuple[int, bytes]]) -> bytes:
    if not options:
        return b""
    return b"".join(_option(code, value) for code, value in options) + struct.pack("<HH", _OPT_END, 0)


def _block(block_type: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def _text(value: str) -> bytes:
    return value.encode("utf-8")


def pcap_bytes(trace: Trace, scenario, vantage: str = "both") -> bytes:
    """The pcapng file (one section, one interface) of the capture at ``vantage``."""
    role = resolve_vantage(trace, vantage)
    frames = capture(trace, scenario, role)
    names = {d.role: d.hostname for d in trace.devices}
    if role == "both":
        if_name = f"path {names['initiator']} - {names['responder']}"
        if_description = "between the two outside interfaces: every datagram once, at send time"
    else:
        if_name = f"{names[role]} {INTERFACE}"
        if_description = f"{names[role]} ({role}) {INTERFACE} interface: datagrams sent and received"
    shb_comment = f"ikesim scenario {trace.scenario}, seed {trace.seed}, vantage {role}: {trace.title}"
    shb = _block(_SHB, struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1) + _options(
        [(_OPT_COMMENT, _text(shb_comment)), (_SHB_USERAPPL, _text(f"ikesim {__version__}"))]))
    idb = _block(_IDB, struct.pack("<HHI", LINKTYPE_RAW, 0, 0) + _options(
        [(_IF_NAME, _text(if_name)), (_IF_DESCRIPTION, _text(if_description)), (_IF_TSRESOL, bytes([6]))]))
    blocks = [shb, idb]
    for frame in frames:
        micros = EPOCH * 1_000_000 + round(frame.t * 1_000_000)
        packet = frame.packet
        options = [(_OPT_COMMENT, _text(frame.comment))]
        if frame.direction:
            options.append((_EPB_FLAGS, struct.pack("<I", _INBOUND if frame.direction == "in" else _OUTBOUND)))
        body = (struct.pack("<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(packet), len(packet)) + packet
                + b"\x00" * (-len(packet) % 4) + _options(options))
        blocks.append(_block(_EPB, body))
    return b"".join(blocks)


def write_pcap(trace: Trace, scenario, path: str | os.PathLike, vantage: str = "both") -> Path:
    """Write :func:`pcap_bytes` to ``path`` atomically (nothing is written if the vantage is unknown)."""
    data = pcap_bytes(trace, scenario, vantage)
    return write_atomic(path, data)

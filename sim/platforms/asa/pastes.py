"""What ASA log lines look like when a person pastes them: buffered syslog ``%ASA-5-713904: ...`` (any box
timestamp or none, also ``%PIX-``), console debug ``[IKEv1]`` / ``[IKEv1 DEBUG]`` (with or without a colon), and
ASDM / syslog-viewer exports ``7|Oct 14 2016|22:46:14|713035|||||...``.

:func:`read_line` turns one line into a :class:`~sim.platforms.pastelines.LogLine` (or None when it is not an ASA
line). The roles and phase marks are what the line's own words say (``IKE Initiator``, ``Generating keys for
Responder``, ``PHASE 1 COMPLETED``, Quick Mode wording); nothing here says what caused anything.
"""

from __future__ import annotations

import re

from ..pastelines import IPV4, LogLine, abstract, role_and_phase

_SYSLOG = re.compile(r"^(?P<pre>.{0,40}?)%(?:ASA|PIX|FWSM)-(?:session-)?(?P<sev>\d)-(?P<id>\d{6})\s*:\s*(?P<body>.*)$")
_CONSOLE = re.compile(r"^(?P<pre>.{0,40}?)\[IKEv1(?P<debug> DEBUG)?\]\s*:?\s*(?P<body>.*)$")
_ASDM = re.compile(r"^\s*(?P<sev>\d)\|[^|]*\|[^|]*\|(?P<id>\d{6})\|(?:[^|]*\|){0,6}(?P<body>.*)$")
_PRE_OK = re.compile(r"^[\sA-Za-z0-9:.*\-/]*$")
_PREFIX = re.compile(r"^(?:Group\s*=\s*[^,]*,\s*)?(?:Username\s*=\s*[^,]*,\s*)?(?:IP\s*=\s*(?P<ip>[^,]*),\s*)?")

_INITIATOR = re.compile(r"\bIKE Initiator\b|keys for Initiator|MM Initiator|Initiator starting QM", re.I)
_RESPONDER = re.compile(r"\bIKE Responder\b|keys for Responder|MM Responder|Responder starting QM", re.I)
_P1DONE = re.compile(r"PHASE 1 COMPLETED", re.I)
_P2DONE = re.compile(r"PHASE 2 COMPLETED", re.I)
_QMFAIL = re.compile(r"no matching crypto map entry|crypto map policy not found|QM FSM error|Rejecting IPSec tunnel"
                     r"|IPSec SA Proposal .*(?:not acceptable|rejected)|PFS|transform .*(?:mismatch|not)", re.I)
_DECODE_NOISE = re.compile(r"\s*\+\s*(?:VENDOR \(13\)|IOS KEEPALIVE \(128\))|\s*total length\s*:\s*\d*", re.I)
_DETAIL = re.compile(r"\bVID\b|Vendor ID|fragmentation capability|keep alive payload|Keep-alive type", re.I)
_QM = re.compile(r"\bQM\b|Quick Mode|Received (?:local|remote) (?:IP )?Proxy|_SUBNET ID|IPSec SA|IPSec nonce",
                 re.I)
#: phase patterns, checked in this order (the first that matches names the phase)
_PHASES = (("p1done", _P1DONE), ("p2done", _P2DONE), ("qmfail", _QMFAIL), ("qm", _QM))


def read_line(line: str, number: int = 0) -> LogLine | None:
    """One ASA line (box timestamp allowed, terminal-logger timestamp already removed), or None."""
    kind = "syslog"
    match = _SYSLOG.match(line)
    if match:
        msgid = match["id"]
    elif (match := _ASDM.match(line)) is not None:
        msgid = match["id"]
    elif (match := _CONSOLE.match(line)) is not None:
        msgid, kind = None, "debug"
    else:
        return None
    pre = match.groupdict().get("pre") or ""
    if not _PRE_OK.match(pre):
        return None
    body = match["body"].replace("\u00a0", " ").rstrip()
    prefix = _PREFIX.match(body)
    peer = None
    if prefix and prefix["ip"] is not None:
        found = IPV4.search(prefix["ip"])
        peer = found.group(1) if found else None
    text = body[prefix.end():] if prefix else body
    role, phase = role_and_phase(text, _INITIATOR, _RESPONDER, _PHASES)
    wording = _DECODE_NOISE.sub("", text) if text.startswith("IKE_DECODE") else text
    return LogLine(number, line.strip(), "asa", kind, msgid, text, abstract(wording), peer, role, phase,
                   bool(_DETAIL.search(text)))


#: what to ask the ASA for, to see its side of the negotiation
DEBUG_COMMAND = "debug crypto ikev1 127"
LOG_COMMAND = "show logging | include 71[345]"


def simulated_lines(trace, hostname: str) -> list[str]:
    """Every line this ASA would have logged in a run (buffered syslog and ``debug crypto ikev1 127``), rendered by
    the platform's own log renderer: what the signatures are read from (the one place that reads a Trace here)."""
    from .logs import debug_lines, syslog_lines

    return syslog_lines(trace, hostname, trace.end) + debug_lines(trace, hostname, trace.end)


def mm1_role(lines) -> tuple[str, object] | None:
    """Who sent MM1, from this box's first Main Mode decode line: ``SENDING`` a message with an SA payload first
    means this box sent MM1 (initiator); ``RECEIVED`` one first means it got MM1 (responder). (role, line) or None."""
    for line in lines:
        if line.body.startswith("IKE_DECODE") and "(msgid=0)" in line.body.replace(" ", ""):
            if "HDR + SA" not in line.body:
                return None
            if " SENDING " in f" {line.body} ":
                return "initiator", line
            if " RECEIVED " in f" {line.body} ":
                return "responder", line
            return None
    return None

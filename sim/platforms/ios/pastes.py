"""What IOS log lines look like when a person pastes them: ``debug crypto isakmp`` in its three prefix styles
(12.x ``ISAKMP (0:1):``, 15.x ``ISAKMP:(1001):``, IOS-XE ``ISAKMP: (1001):``, also ``ISAKMP-PAK``/``ISAKMP-ERROR``
and the bare ``ISAKMP:``), ``%CRYPTO-4-IKMP_...`` syslogs (also as copy-paste leaves them: ``%CRYPTO4IKMP_...``,
``#CRYPTO...``), after any box timestamp (``*Mar  1 00:42:09.431:``, ``1d00h:``, ``000123:``) or none.

:func:`read_line` turns one line into a :class:`~sim.platforms.pastelines.LogLine` or None. Roles come from the
line's own marks (``(I)``/``(R)``, ``IKE_I_MM``/``IKE_R_MM``, ``beginning Main Mode``, ``(N)``: a packet for a new SA, i.e. MM1 arriving).
"""

from __future__ import annotations

import re

from ..pastelines import IPV4, LogLine, abstract, role_and_phase

_PRE = r"(?P<pre>[\s*.\dA-Za-z:]{0,40}?)"
_DEBUG = re.compile(_PRE + r"(?<![A-Za-z])ISAKMP(?:-PAK|-ERROR|-EVENT)?\s*(?:\(\d+:\d+\)\s*:|:\s*\(\d+\)\s*:|:)"
                    r"\s*:?(?P<body>.*)$")
_SYSLOG = re.compile(_PRE + r"[%#]\s?CRYPTO-?(?P<sev>\d)-?(?P<mnem>[A-Z][A-Z0-9_]+)\s*:\s*(?P<body>.*)$")
_IPSEC = re.compile(_PRE + r"(?P<body>IPSEC\(\w+\).*)$")
_PEER = re.compile(r"(?:\bto|\bfrom|matching|\bpeer|\bat|\bwith|\bfor|\bsrc)\s+(?:remote peer\s+(?:at\s+)?)?"
                   + IPV4.pattern)

_INITIATOR = re.compile(r"\(I\)|IKE_I_MM|beginning Main Mode|QM Initiator|isakmp_initiator")
_RESPONDER = re.compile(r"\(R\)|IKE_R_MM|\(N\)|QM Responder")
_P1DONE = re.compile(r"IKE_P1_COMPLETE|IKE_PHASE1_COMPLETE")
_P2DONE = re.compile(r"IKE_QM_PHASE2_COMPLETE|IPSEC\(create_sa\)|Creating IPSec SAs")
_QMFAIL = re.compile(r"proxy identities not supported|phase 2 SA policy not acceptable|transform proposal not "
                     r"supported|Quick mode failed|IKMP_MODE_FAILURE|IPSEC\(validate_proposal|PROPOSAL_NOT_CHOSEN "
                     r"protocol 3|IPSec policy invalidated", re.I)
_DETAIL = re.compile(r"vendor id|VID|NAT-T vendor|speaking to another IOS box", re.I)
_QM = re.compile(r"Quick Mode|IKE_QM_|QM_I_QM|QM_R_QM|IPSEC\(|INIT_QM", re.I)
#: phase patterns, checked in this order (the first that matches names the phase)
_PHASES = (("p1done", _P1DONE), ("p2done", _P2DONE), ("qmfail", _QMFAIL), ("qm", _QM))


def read_line(line: str, number: int = 0) -> LogLine | None:
    """One IOS line (box timestamp allowed, terminal-logger timestamp already removed), or None."""
    match = _SYSLOG.match(line)
    if match:
        msgid = f"CRYPTO-{match['sev']}-{match['mnem']}"
        kind = "syslog"
    elif (match := _DEBUG.match(line)) is not None or (match := _IPSEC.match(line)) is not None:
        msgid, kind = None, "debug"
    else:
        return None
    body = match["body"].replace("\t", " ").strip()
    if not body:
        return None
    found = _PEER.search(body)
    peer = found.group(1) if found else None
    if msgid and peer is None:
        any_address = IPV4.search(body)
        peer = any_address.group(1) if any_address else None
    key = (match["mnem"].lower() + ": " if msgid else "") + abstract(body)
    role, phase = role_and_phase(body, _INITIATOR, _RESPONDER, _PHASES)
    return LogLine(number, line.strip(), "ios", kind, msgid, body, key, peer, role, phase, bool(_DETAIL.search(body)))


DEBUG_COMMAND = "debug crypto isakmp"
LOG_COMMAND = "show logging | include CRYPTO"


def simulated_lines(trace, hostname: str) -> list[str]:
    """Every console line (``%CRYPTO-`` syslogs and ``debug crypto isakmp``) of this router in a run, rendered by
    the platform's own log renderer (the one place that reads a Trace here)."""
    from .logs import console, format_line

    return [format_line(t, text) for t, _kind, text in console(trace, hostname, trace.end)]


def mm1_role(lines) -> tuple[str, object] | None:
    """Who sent MM1: ``beginning Main Mode exchange`` or ``(I)``/``(R)`` marks already say it (:func:`read_line`
    sets the role); a first ``received packet from ... (N) NEW SA`` is the responder's. (role, line) or None."""
    return None

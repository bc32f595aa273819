"""Reason codes in words: what ladders, charts, capture comments, the quiz and live progress say about a discard, a
duplicate or a removal.

The core records a :class:`~sim.ike.types.Reason` and its detail fields; this module turns them into one phrase.
A platform may word a reason in its own terms (an ASA speaks of tunnel-groups, IOS of ``crypto isakmp key``): its
``reason_words(reason, detail, message, removal)`` is asked first and returns a phrase or None. Nothing here parses
prose: it only formats codes.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..ike.types import Msg, Reason

__all__ = ["explain", "summary", "DISCARD_WORDS"]


def _ke_problem(d: Mapping[str, Any]) -> str:
    problem = d.get("problem")
    if problem == "ke-length":
        return f"KE of {d.get('got')} bytes (group {d.get('group')} needs {d.get('want')})"
    if problem == "ke-range":
        return "KE value out of range (must be between 1 and p-1)"
    if problem == "nonce-length":
        return f"nonce of {d.get('got')} bytes (must be 8 to 256)"
    return str(problem)


def _missing(d: Mapping[str, Any], message: Msg | None) -> str:
    names = [str(n).replace("Payload", "").upper().replace("VENDORID", "VENDOR ID") for n in d.get("missing", ())]
    what = " and ".join(names) if names else "a required"
    return f"{message or 'the message'} without its {what} payload{'s' if len(names) > 1 else ''}"


def _hash(message: Msg | None) -> str:
    if message == Msg.MM6:
        return "HASH_R does not verify"
    return "HASH_I does not verify: pre-shared keys differ"


def _port(d: Mapping[str, Any]) -> Any:
    return d.get("port", 500)


#: neutral words for each reason: a function of (detail, message)
DISCARD_WORDS = {
    Reason.IKE_DISABLED: lambda d, m: f"IKE is not enabled on this interface: nothing listens on UDP {_port(d)}",
    Reason.NAT_T_DISABLED: lambda d, m: f"NAT traversal is not enabled: nothing listens on UDP {_port(d)}",
    Reason.NOT_IKE_PORT: lambda d, m: f"not an IKE port: nothing listens on UDP {_port(d)}",
    Reason.NAT_KEEPALIVE: lambda d, m: "NAT keepalive",
    Reason.ESP_WITHOUT_SA: lambda d, m: "ESP on UDP 4500 with no IPsec SA",
    Reason.MALFORMED: lambda d, m: f"malformed ISAKMP datagram: {d.get('problem', '')}",
    Reason.UNSUPPORTED_EXCHANGE: lambda d, m: f"exchange type {d.get('exchange')} not supported",
    Reason.NO_MATCHING_SA: lambda d, m: "no matching SA (cookies unknown)",
    Reason.HALF_OPEN_LIMIT: lambda d, m: ("too many half-open SAs from this peer" if d.get("scope") == "peer"
                                          else "too many half-open SAs"),
    Reason.ENCRYPTED_INFORMATIONAL: lambda d, m: "encrypted informational exchange: not handled in phase 1",
    Reason.UNAUTHENTICATED_NOTIFY: lambda d, m: (f"un-encrypted {d.get('notify')} notify: it cannot be "
                                                 "authenticated, dropped"),
    Reason.NO_SA_PAYLOAD: lambda d, m: "MM1 without an SA payload",
    Reason.DIFFERENT_MM1: lambda d, m: "a different MM1 for an SA already negotiating",
    Reason.RCOOKIE_MISMATCH: lambda d, m: "responder cookie does not match this SA",
    Reason.ZERO_RCOOKIE: lambda d, m: "responder cookie is zero",
    Reason.UNEXPECTED_MESSAGE: lambda d, m: (f"not expected now (waiting for {d['awaited']})" if d.get("awaited")
                                             else "not expected now (nothing is awaited)"),
    Reason.MISSING_PAYLOADS: lambda d, m: _missing(d, m),
    Reason.DUPLICATE_RESENT: lambda d, m: "already processed; last message resent",
    Reason.DUPLICATE_NOTHING_TO_RESEND: lambda d, m: "already processed; nothing to resend",
    Reason.DUPLICATE_RATE_LIMITED: lambda d, m: "already processed; its answer went out moments ago, not resent",
    Reason.NO_PROPOSAL_CHOSEN: lambda d, m: (f"no acceptable proposal: {d.get('attribute')} received "
                                             f"{d.get('received')}, configured {d.get('configured')}"),
    Reason.TRANSFORM_NOT_OFFERED: lambda d, m: "responder chose a transform that was not offered",
    Reason.BAD_KE: lambda d, m: f"invalid KE or nonce: {_ke_problem(d)}",
    Reason.NO_PEER_KEY: lambda d, m: f"no pre-shared key for {d.get('peer')}",
    Reason.GROUP_WITHOUT_KEY: lambda d, m: f"the key entry {d.get('group')} has no pre-shared key",
    Reason.NO_LOCAL_KEY: lambda d, m: "no pre-shared key for the peer: cannot generate keys after MM4",
    Reason.NO_CERTIFICATE: lambda d, m: f"{d.get('auth')} authentication needs a certificate (not simulated)",
    Reason.DECRYPT_FAILED: lambda d, m: (f"could not decrypt {m or 'the message'}: payloads malformed after "
                                         f"decryption ({d.get('problem', '')}): probably mismatched pre-shared key"),
    Reason.HASH_MISMATCH: lambda d, m: _hash(m),
    Reason.RETRANSMIT_LIMIT: lambda d, m: "retransmission limit reached",
}


def explain(reason: Reason | None, detail: Mapping[str, Any] | None = None, message: Msg | None = None,
            platform=None, removal: bool = False) -> str:
    """One phrase for ``reason`` (with its ``detail`` fields; ``message``: the datagram it is about). ``platform``:
    an object with ``reason_words`` (see the module docstring) whose words win. ``removal``: the phrase explains
    why an SA was removed rather than why a datagram was discarded."""
    if reason is None:
        return ""
    detail = detail or {}
    if platform is not None:
        words = getattr(platform, "reason_words", None)
        if words is not None:
            text = words(reason, detail, message, removal)
            if text:
                return text
    render = DISCARD_WORDS.get(reason)
    return render(detail, message) if render is not None else str(reason)


#: short forms (for a repeated cross on a chart or ladder): a function of (detail, message)
SHORT_WORDS = {
    Reason.IKE_DISABLED: lambda d, m: "IKE is not enabled on this interface",
    Reason.NAT_T_DISABLED: lambda d, m: "NAT traversal is not enabled",
    Reason.NOT_IKE_PORT: lambda d, m: "not an IKE port",
    Reason.MALFORMED: lambda d, m: "malformed ISAKMP datagram",
    Reason.UNAUTHENTICATED_NOTIFY: lambda d, m: f"un-encrypted {d.get('notify')} notify",
    Reason.UNEXPECTED_MESSAGE: lambda d, m: "not expected now",
    Reason.DUPLICATE_RESENT: lambda d, m: "already processed",
    Reason.DUPLICATE_NOTHING_TO_RESEND: lambda d, m: "already processed",
    Reason.DUPLICATE_RATE_LIMITED: lambda d, m: "already processed",
    Reason.NO_PROPOSAL_CHOSEN: lambda d, m: "no acceptable proposal",
    Reason.BAD_KE: lambda d, m: "invalid KE or nonce",
    Reason.NO_LOCAL_KEY: lambda d, m: "no pre-shared key for the peer",
    Reason.DECRYPT_FAILED: lambda d, m: f"could not decrypt {m or 'the message'}",
    Reason.HASH_MISMATCH: lambda d, m: "HASH_I does not verify" if m != Msg.MM6 else "HASH_R does not verify",
}


def summary(reason: Reason | None, detail: Mapping[str, Any] | None = None, message: Msg | None = None,
            platform=None, removal: bool = False) -> str:
    """The short form of :func:`explain` (for repeated crosses on a chart or ladder); the full phrase where a reason
    has no shorter form."""
    if reason is None:
        return ""
    if platform is not None and getattr(platform, "reason_short", None) is not None:
        text = platform.reason_short(reason, detail or {}, message, removal)
        if text:
            return text
    render = SHORT_WORDS.get(reason)
    return render(detail or {}, message) if render is not None else explain(reason, detail, message, platform,
                                                                            removal)

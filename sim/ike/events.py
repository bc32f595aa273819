"""Protocol events the core reports for the device's log: one small record per kind, platform-neutral.

The core says *what happened* (a proposal was accepted, a key was found, a message did not decrypt) in these typed
records; each platform decides whether and how its log shows it (``sim/platforms/<name>/logs.py``), and must say for
every kind in :data:`EVENT_TYPES` that it renders it or ignores it (tested). Datagrams themselves (what was sent,
what arrived and how it was classified, with their payloads) are not events: they are the ``Send`` and ``Received``
effects. Every event names the SA (its id, the initiator cookie in hex; None for datagrams no SA took) and the peer.
"""

from __future__ import annotations

from typing import NamedTuple

from .policy import Policy
from .types import HistoryStep, Msg, Reason, Role, State


class Initiated(NamedTuple):
    """Interesting traffic started Main Mode toward ``peer``: MM1 offers ``policies`` transforms."""

    sa: str
    peer: str
    policies: int


class IkeDisabled(NamedTuple):
    """Main Mode could not start: IKE does not run on the interface facing the peer (``why``: IKE_DISABLED, or
    NO_CRYPTO_MAP when IKE is enabled but no crypto map is bound there)."""

    sa: None
    peer: str
    why: Reason = Reason.IKE_DISABLED


class NoPolicy(NamedTuple):
    """Main Mode could not start: no ISAKMP policy is configured."""

    sa: None
    peer: str


class NoKeyToInitiate(NamedTuple):
    """Main Mode could not start: this device needs the peer's key before MM1 and has none (IOS)."""

    sa: None
    peer: str


class Processing(NamedTuple):
    """The SA began processing the payloads of ``message`` (they are on the ``Received`` of the same cause)."""

    sa: str
    peer: str
    message: Msg


class NotListening(NamedTuple):
    """A datagram arrived on ``port`` where nothing listens (``why``: IKE_DISABLED, NO_CRYPTO_MAP, NAT_T_DISABLED,
    NOT_IKE_PORT)."""

    sa: None
    peer: str
    port: int
    why: Reason


class NoMatchingSa(NamedTuple):
    sa: None
    peer: str
    encrypted: bool
    icookie: str


class Malformed(NamedTuple):
    sa: None
    peer: str
    problem: str  # the parser's technical description ("payload length 3 < 4")


class UnsupportedExchange(NamedTuple):
    sa: None
    peer: str
    exchange: int


class HalfOpenLimit(NamedTuple):
    """A new MM1 was refused: ``scope`` "global" (all peers) or "peer" (this address) reached ``limit``."""

    sa: None
    peer: str
    limit: int
    scope: str


class NotifyDropped(NamedTuple):
    sa: None
    peer: str
    notify: str  # the notify type's name, e.g. "INVALID_COOKIE", or its number
    encrypted: bool


class ProposalAccepted(NamedTuple):
    """The SA agreed on ``policy`` (transform ``transform`` as numbered on the wire) matching local policy
    ``priority``."""

    sa: str
    peer: str
    priority: int
    transform: int
    policy: Policy


class ProposalRejected(NamedTuple):
    """No offered transform matched: the first offer against the best local policy differs in ``attribute``.
    ``no_key``: the device refused pre-share because it has no key for the peer (IOS looks it up at MM1)."""

    sa: str
    peer: str
    attribute: str  # "Encryption", "Hash", "Auth", "D-H Group", "Lifetime", "Proposal"
    received: str
    configured: str
    no_key: bool = False


class TransformNotOffered(NamedTuple):
    sa: str
    peer: str


class PeerKeyFound(NamedTuple):
    """The key for the peer was found: in ``group`` (ASA tunnel-group name, IOS key address), maybe the default."""

    sa: str
    peer: str
    group: str
    via_default: bool


class PeerKeyMissing(NamedTuple):
    """No tunnel-group (key) matches the peer's address and the default group has no key."""

    sa: str
    peer: str


class GroupWithoutKey(NamedTuple):
    sa: str
    peer: str
    group: str


class NoLocalKey(NamedTuple):
    """The initiator has no key for the responder after MM4 (``group``: the group it found, if any)."""

    sa: str
    peer: str
    group: str | None


class NoCertificate(NamedTuple):
    sa: str
    peer: str
    auth: str


class BadKe(NamedTuple):
    sa: str
    peer: str
    message: Msg
    problem: str  # "ke-length" | "ke-range" | "nonce-length"
    got: int
    want: str


class DecryptFailed(NamedTuple):
    sa: str
    peer: str
    message: Msg
    problem: str  # the parser's description of the garbled plaintext


class HashMismatch(NamedTuple):
    sa: str
    peer: str
    message: Msg


class Duplicate(NamedTuple):
    """A copy of ``message`` (already processed) arrived; ``resent`` is what the SA resent (None: nothing), and
    ``limited`` says a resend was due but held back by the duplicate-resend rate limit."""

    sa: str
    peer: str
    message: Msg
    resent: Msg | None
    limited: bool = False


class Retransmitted(NamedTuple):
    """The timer resent ``message`` (resend number ``attempt`` of this message, ``left`` more allowed)."""

    sa: str
    peer: str
    message: Msg
    attempt: int
    left: int
    state: State


class NatDetected(NamedTuple):
    sa: str
    peer: str
    local_behind: bool
    peer_behind: bool


class NatDMissing(NamedTuple):
    sa: str
    peer: str


class NatTFloat(NamedTuple):
    """From MM5 on, this SA talks on UDP ``port`` (4500) with the non-ESP marker."""

    sa: str
    peer: str
    port: int


class PhaseOneComplete(NamedTuple):
    sa: str
    peer: str
    role: Role
    lifetime: int


class SaRemoved(NamedTuple):
    """The SA is deleted (it disappears from ``show``): ``state`` it was in, ``reason`` code, its FSM history."""

    sa: str
    peer: str
    role: Role
    state: State | None
    reason: Reason
    history: tuple[HistoryStep, ...]


Event = (Initiated | IkeDisabled | NoPolicy | NoKeyToInitiate | Processing | NotListening | NoMatchingSa | Malformed
         | UnsupportedExchange | HalfOpenLimit | NotifyDropped | ProposalAccepted | ProposalRejected
         | TransformNotOffered | PeerKeyFound | PeerKeyMissing | GroupWithoutKey | NoLocalKey | NoCertificate | BadKe
         | DecryptFailed | HashMismatch | Duplicate | Retransmitted | NatDetected | NatDMissing | NatTFloat
         | PhaseOneComplete | SaRemoved)

#: every event kind the core emits; each platform's log renderer says for each whether it renders or ignores it
EVENT_TYPES: tuple[type, ...] = (
    Initiated, IkeDisabled, NoPolicy, NoKeyToInitiate, Processing, NotListening, NoMatchingSa, Malformed,
    UnsupportedExchange, HalfOpenLimit, NotifyDropped, ProposalAccepted, ProposalRejected, TransformNotOffered,
    PeerKeyFound, PeerKeyMissing, GroupWithoutKey, NoLocalKey, NoCertificate, BadKe, DecryptFailed, HashMismatch,
    Duplicate, Retransmitted, NatDetected, NatDMissing, NatTFloat, PhaseOneComplete, SaRemoved,
)

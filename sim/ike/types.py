"""The core's typed vocabulary: roles, states, messages, outcomes, reason codes and history steps.

Every value is a string enum, so it prints and compares as the plain word it stands for (``State.MM_WAIT_MSG2 ==
"MM_WAIT_MSG2"``), serialises to JSON as is, and a renderer can switch on it without parsing prose. Platform wording
(ASA ``EV_RETRY``, IOS ``IKE_I_MM3``, a syslog sentence) is made from these codes by the platform, never stored here.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple


class Word(str, Enum):
    """A string enum that formats as its value on every Python from 3.10 on."""

    __str__ = str.__str__
    __format__ = str.__format__

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class Role(Word):
    INITIATOR = "initiator"
    RESPONDER = "responder"

    @property
    def other(self) -> "Role":
        return Role.RESPONDER if self is Role.INITIATOR else Role.INITIATOR


class State(Word):
    """Main Mode states, named (as a Cisco ASA names them) after the message the SA is waiting for: even numbers
    belong to the initiator, odd ones to the responder. Platforms map them to their own names."""

    MM_WAIT_MSG2 = "MM_WAIT_MSG2"
    MM_WAIT_MSG3 = "MM_WAIT_MSG3"
    MM_WAIT_MSG4 = "MM_WAIT_MSG4"
    MM_WAIT_MSG5 = "MM_WAIT_MSG5"
    MM_WAIT_MSG6 = "MM_WAIT_MSG6"
    MM_ACTIVE = "MM_ACTIVE"


class Msg(Word):
    """What a datagram was, as the core classified it (or, for ``Send``, what it is)."""

    MM1 = "MM1"
    MM2 = "MM2"
    MM3 = "MM3"
    MM4 = "MM4"
    MM5 = "MM5"
    MM6 = "MM6"
    NOTIFY = "NOTIFY"  # an informational exchange with a notification (sent, or received and dropped)
    DATAGRAM = "datagram"  # could not be classified (malformed, unknown, not for IKE)
    NAT_KEEPALIVE = "NAT-keepalive"
    ESP = "ESP"

    @property
    def number(self) -> int:
        """1..6 for MM1..MM6, 0 otherwise."""
        return int(self.value[2]) if self.value.startswith("MM") else 0


class Outcome(Word):
    ACCEPTED = "accepted"  # the SA used it and took its step
    DUPLICATE = "duplicate"  # a copy of a message already processed (it may have made the SA resend)
    DISCARDED = "discarded"  # thrown away: ``reason`` says why


class Trigger(Word):
    """Why a datagram was sent."""

    PROTOCOL = "protocol"  # the next message of the exchange (or a notify answering a refused MM1)
    TIMER = "timer"  # a retransmission on the timer
    DUPLICATE = "duplicate"  # a resend because a copy of the message it answers arrived


class Purpose(Word):
    RETRANSMIT = "retransmit"
    REMOVE = "remove"


class Reason(Word):
    """Why a datagram was discarded, an SA refused or removed, or a resend not made. Renderers turn the code and the
    ``detail`` fields named here into words (neutral ones in :mod:`sim.render.reasons`, the platform's own in the
    platform)."""

    # -- datagrams the endpoint cannot give to any SA ------------------------------------------------------------
    IKE_DISABLED = "ike-disabled"  # nothing listens: IKE is not enabled on the interface (detail: port)
    NO_CRYPTO_MAP = "no-crypto-map"  # IKE is enabled, but no crypto map is bound to the interface (detail: port)
    NAT_T_DISABLED = "nat-t-disabled"  # UDP 4500, but NAT traversal is off (detail: port)
    NOT_IKE_PORT = "not-ike-port"  # neither UDP 500 nor 4500 (detail: port)
    NAT_KEEPALIVE = "nat-keepalive"  # a one-byte NAT keepalive on 4500
    ESP_WITHOUT_SA = "esp-without-sa"  # UDP 4500 without the non-ESP marker: ESP, and no IPsec SA
    MALFORMED = "malformed"  # not a well-formed ISAKMP message (detail: problem)
    UNSUPPORTED_EXCHANGE = "unsupported-exchange"  # not Main Mode or informational (detail: exchange)
    NO_MATCHING_SA = "no-matching-sa"  # cookies (and peer) unknown, and not a first MM1
    HALF_OPEN_LIMIT = "half-open-limit"  # too many half-open SAs (detail: limit, scope "global" or "peer")
    ENCRYPTED_INFORMATIONAL = "encrypted-informational"  # not handled in phase 1
    UNAUTHENTICATED_NOTIFY = "unauthenticated-notify"  # a clear notify cannot be authenticated (detail: notify)
    # -- datagrams an SA does not take ---------------------------------------------------------------------------
    NO_SA_PAYLOAD = "no-sa-payload"  # an MM1 without an SA payload
    DIFFERENT_MM1 = "different-mm1"  # another MM1 for an SA already negotiating
    RCOOKIE_MISMATCH = "rcookie-mismatch"  # the responder cookie is not this SA's
    ZERO_RCOOKIE = "zero-rcookie"  # an MM2 with a zero responder cookie
    UNEXPECTED_MESSAGE = "unexpected-message"  # not what this state waits for (detail: awaited, a Msg or None)
    MISSING_PAYLOADS = "missing-payloads"  # lacks a payload its row requires (detail: missing, tuple of names)
    DUPLICATE_RESENT = "duplicate-resent"  # a copy of a processed message: the last message was resent
    DUPLICATE_NOTHING_TO_RESEND = "duplicate-nothing-to-resend"  # a copy, and nothing to resend (or not allowed)
    DUPLICATE_RATE_LIMITED = "duplicate-rate-limited"  # a copy, but the answer went out less than the holdoff ago
    # -- refusals by a row's handler -----------------------------------------------------------------------------
    NO_PROPOSAL_CHOSEN = "no-proposal-chosen"  # no offered transform matches (detail: attribute, received,
    #                                            configured; no_key=True when an IOS-style lookup found no key)
    TRANSFORM_NOT_OFFERED = "transform-not-offered"  # the responder chose a transform we did not offer
    BAD_KE = "bad-ke"  # KE or nonce unusable (detail: problem "ke-length"|"ke-range"|"nonce-length", got, want)
    NO_PEER_KEY = "no-peer-key"  # responder: no tunnel-group / key for the initiator's address (detail: peer)
    GROUP_WITHOUT_KEY = "group-without-key"  # the peer's group has no pre-shared key (detail: group)
    NO_LOCAL_KEY = "no-local-key"  # initiator after MM4: no pre-shared key for the responder (detail: group)
    NO_CERTIFICATE = "no-certificate"  # certificate authentication agreed; no PKI is simulated (detail: auth)
    DECRYPT_FAILED = "decrypt-failed"  # MM5/MM6 does not decrypt into valid payloads (detail: problem)
    HASH_MISMATCH = "hash-mismatch"  # HASH_I / HASH_R does not verify (the keys differ)
    # -- timers --------------------------------------------------------------------------------------------------
    RETRANSMIT_LIMIT = "retransmit-limit"  # the last retransmission went unanswered


class StepKind(Word):
    """One step of an SA's FSM history (for the ASA's 715065 "FSM error history" and the like)."""

    START = "start"  # the SA was created and sent its first message (``sent``)
    STEP = "step"  # ``received`` was accepted; ``sent`` went out (None: nothing to send) and the state moved
    RETRY = "retry"  # the retransmission timer fired and the last message was resent
    TIMEOUT = "timeout"  # the timer fired with no retry left
    ERROR = "error"  # ``received`` arrived and could not be processed: the SA is being torn down
    REMOVED = "removed"  # the SA is gone


class HistoryStep(NamedTuple):
    """``state``: the SA's state after the step (None once removed)."""

    state: State | None
    kind: StepKind
    received: Msg | None = None
    sent: Msg | None = None

"""One ISAKMP SA and the dispatcher that runs it from the transition table (:mod:`sim.ike.states`).

What both roles share lives here: classifying an inbound message by the rows of the SA's role, duplicates and their
resends, the cookie check, decrypting MM5/MM6 (RFC 2409 appendix B IV chaining), the payload check, calling the
row's handler, sending the row's message, the retransmission timer, moving state, the FSM history and removal. The
roles (:mod:`sim.ike.initiator`, :mod:`sim.ike.responder`) only implement the handlers: what each message means.

A handler gets ``(msg, payloads, out, now)``, may append events to ``out``, and returns an :class:`Accept` (with the
payloads of the row's message to send), a :class:`Refuse` (the message is discarded: a reason code, its detail, and
whether the SA must be torn down) or an :class:`Abort` (the message was taken, but the SA cannot go on).
"""

from __future__ import annotations

import hmac
import itertools
from typing import Any, Iterator, Mapping, NamedTuple

from . import crypto, messages
from .config import IkeConfig
from .constants import IKE_PORT, NAT_T_PORT, NON_ESP_MARKER, VID_NAT_T_RFC3947, IdType, Payload
from .effects import (NO_DETAIL, CancelTimer, Effect, KeysDerived, Log, Received, SaUpdate, Send, SetTimer,
                      detail as make_detail)
from .events import DecryptFailed, Duplicate, NatDetected, NatDMissing, Processing, Retransmitted, SaRemoved
from .policy import Policy
from .secrets import Secrets
from .states import RECEIVING, Transition, expected, lookup
from .types import HistoryStep, Msg, Outcome, Purpose, Reason, Role, State, StepKind, Trigger

UDP = 17


class Accept(NamedTuple):
    """The handler took the message: send ``payloads`` as the row's message (ignored when the row sends nothing);
    ``after``: events to report once the state has moved (e.g. phase 1 complete)."""

    payloads: tuple = ()
    after: tuple = ()


class Refuse(NamedTuple):
    """The handler did not take the message: discard it for ``reason``; ``remove``: tear the SA down."""

    reason: Reason
    detail: Mapping[str, Any] = NO_DETAIL
    remove: bool = False


class Abort(NamedTuple):
    """The handler took the message (it was the right one, well formed) but cannot go on: the SA is torn down for
    ``reason`` (e.g. the initiator has no key after MM4)."""

    reason: Reason
    detail: Mapping[str, Any] = NO_DETAIL


def classify(role: Role, msg: messages.Message) -> tuple[Msg, Transition | None]:
    """Which message this is for an SA of ``role``, by the rows that role receives: an encrypted one is the row's
    encrypted message; a clear one the first row whose ``signature`` payload it carries (and a zero responder cookie
    when the row creates the SA)."""
    encrypted = msg.header.encrypted
    zero = not any(msg.header.rcookie)
    for row in RECEIVING[role]:
        if row.encrypted_in:
            if encrypted:
                return row.receives, row
        elif not encrypted and msg.first(row.signature) is not None and (zero or not row.first):
            return row.receives, row
    return Msg.DATAGRAM, None


class MainModeSA:
    """One SA of ``role`` toward ``peer``; subclasses implement the row handlers."""

    role: Role

    def __init__(self, *, config: IkeConfig, secrets: Secrets, peer: str, peer_port: int, icookie: bytes,
                 timer_ids: Iterator[int] | None = None):
        self.config = config
        self.secrets = secrets
        self.peer = peer
        self.peer_port = peer_port
        self.local_port = IKE_PORT
        self.rx_port = IKE_PORT  # the local port and peer port of the datagram being processed
        self.rx_peer_port = peer_port
        self.icookie = icookie
        self.rcookie = bytes(8)
        self.state: State | None = None
        self.group: str | None = None
        self.policy: Policy | None = None
        self.sai_b = b""
        self.last_sent: Send | None = None
        self.last_received: bytes | None = None
        self.last_row: Transition | None = None  # the row that took ``last_received``
        self.last_decoded: tuple[tuple, int] = ((), 0)  # its payloads and length as decoded
        self.last_send_at: float | None = None  # when the last message went out (first time or resent)
        self.retries_left = 0
        self.timer_resends = 0  # timer retransmissions of the last message sent
        self.peer_vids: set[bytes] = set()  # vendor IDs the peer sent in the messages this SA took
        # Timer ids come from the endpoint, so that a later SA with the same cookies (a late copy of MM1 after
        # the first SA was removed) never reuses the id of a timer that was cancelled before it was born.
        self.timer_ids = timer_ids if timer_ids is not None else itertools.count(1)
        self.timer_id = 0  # the armed timer (0: none)
        self.history: list[HistoryStep] = []
        # key exchange
        self.dh_private = 0
        self.g_xi = b""
        self.g_xr = b""
        self.ni_b = b""
        self.nr_b = b""
        self.skeyid = b""
        self.keys: crypto.Phase1Keys | None = None
        self.spec: crypto.CipherSpec | None = None
        self.iv = b""
        self.next_iv = b""  # the IV after the message being processed (set by decryption, kept on acceptance)
        # NAT traversal (RFC 3947)
        self.nat_t = False  # both sides announced RFC 3947 support
        self.local_behind_nat = False
        self.peer_behind_nat = False

    # -- identity -------------------------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.icookie.hex()

    def _log(self, out: list[Effect], kind: type, **fields) -> None:
        out.append(Log(kind(sa=self.id, peer=self.peer, **fields)))

    def _processing(self, out: list[Effect], message: Msg) -> None:
        self._log(out, Processing, message=message)

    # -- the dispatcher -------------------------------------------------------------------------------------------
    def receive(self, msg: messages.Message, now: float) -> list[Effect]:
        """One inbound message for this SA (for a new responder SA: the first MM1, with ``state`` None)."""
        out: list[Effect] = []
        name, _ = classify(self.role, msg)
        received = dict(message=name, encrypted=msg.header.encrypted, message_id=msg.header.message_id,
                        payloads=msg.payloads, length=len(msg.raw))
        if self.last_received is not None and msg.raw == self.last_received:
            if msg.header.encrypted:  # a byte-identical copy decodes as the original did
                received.update(payloads=self.last_decoded[0], length=self.last_decoded[1])
            self._duplicate(name, out, now, received)
            return out
        row = lookup(self.role, self.state, name)
        if row is None:
            if name is Msg.MM1 and self.state is not None:
                reason, info = Reason.DIFFERENT_MM1, NO_DETAIL
            else:
                reason, info = Reason.UNEXPECTED_MESSAGE, make_detail(awaited=expected(self.role, self.state))
            out.append(self._verdict(Outcome.DISCARDED, reason, info, received))
            return out
        if self.state is not None and not (row.receives is Msg.MM2) and msg.header.rcookie != self.rcookie:
            out.append(self._verdict(Outcome.DISCARDED, Reason.RCOOKIE_MISMATCH, NO_DETAIL, received))
            return out
        payloads = msg.payloads
        if row.encrypted_in:
            try:
                payloads, length = self._decrypt(msg)
            except ValueError as exc:  # MalformedMessage, or a ciphertext the cipher cannot take
                out.append(self._verdict(Outcome.DISCARDED, Reason.DECRYPT_FAILED, make_detail(problem=str(exc)),
                                         received))
                self._log(out, DecryptFailed, message=name, problem=str(exc))
                return out
            received.update(payloads=payloads, length=length)
        missing = tuple(kind.__name__ for kind in row.requires if not any(isinstance(p, kind) for p in payloads))
        if missing:
            out.append(self._verdict(Outcome.DISCARDED, Reason.MISSING_PAYLOADS, make_detail(missing=missing),
                                     received))
            return out
        self.peer_vids.update(p.data for p in payloads if isinstance(p, messages.VendorIdPayload))
        result = getattr(self, row.handler)(msg, payloads, out, now)
        if isinstance(result, Refuse):
            out.append(self._verdict(Outcome.DISCARDED, result.reason, result.detail, received))
            if result.remove:
                self.history.append(HistoryStep(self.state, StepKind.ERROR, received=name))
                self.remove(out, result.reason, now, result.detail)
            return out
        self.last_received = msg.raw
        self.last_decoded = (tuple(payloads), received["length"])
        self.last_row = row
        if isinstance(result, Abort):
            out.append(self._verdict(Outcome.ACCEPTED, None, NO_DETAIL, received))
            self.history.append(HistoryStep(self.state, StepKind.ERROR, received=name))
            self.remove(out, result.reason, now, result.detail)
            return out
        if row.encrypted_in:
            self.iv = self.next_iv  # CBC chaining advances only on acceptance (RFC 2409 appendix B)
        out.append(self._verdict(Outcome.ACCEPTED, None, NO_DETAIL, received))
        if row.sends is not None:
            self._send(row, result.payloads, out, now)
        else:
            self.last_sent = None  # nothing left to resend
            self._disarm(out)
        self._move(row.next, out, HistoryStep(row.next, StepKind.STEP, received=name, sent=row.sends))
        out.extend(Log(event) for event in result.after)
        return out

    def start(self, now: float) -> list[Effect]:
        """Start on our own: the row that receives nothing (the initiator's MM1)."""
        out: list[Effect] = []
        row = lookup(self.role, None, None)
        result = getattr(self, row.handler)(None, (), out, now)
        self._send(row, result.payloads, out, now)
        self._move(row.next, out, HistoryStep(row.next, StepKind.START, sent=row.sends))
        return out

    def _verdict(self, outcome: Outcome, reason: Reason | None, info: Mapping[str, Any], received: dict) -> Received:
        return Received(self.id, self.peer, received["message"], outcome, reason, info, tuple(received["payloads"]),
                        received["length"], received["encrypted"], received["message_id"])

    # -- state ----------------------------------------------------------------------------------------------------
    def _move(self, new: State | None, out: list[Effect], step: HistoryStep, reason: Reason | None = None,
              info: Mapping[str, Any] = NO_DETAIL) -> None:
        previous = self.state
        self.state = new
        self.history.append(step)
        out.append(SaUpdate(self.id, self.role, self.peer, new, previous, self.group, self.policy, reason, info))

    def remove(self, out: list[Effect], reason: Reason, now: float, info: Mapping[str, Any] = NO_DETAIL) -> None:
        """Delete the SA: it disappears from ``show`` from now on."""
        self._disarm(out)
        self._log(out, SaRemoved, role=self.role, state=self.state, reason=reason, history=tuple(self.history))
        self._move(None, out, HistoryStep(None, StepKind.REMOVED), reason, info)

    # -- sending and retransmission -------------------------------------------------------------------------------
    def _send(self, row: Transition, payloads, out: list[Effect], now: float) -> None:
        payloads = tuple(payloads)
        if row.encrypted_out:
            data, length = self._encrypt(payloads)
        else:
            data = messages.build(self.icookie, self.rcookie, payloads)
            length = len(data)
        if self.local_port == NAT_T_PORT:
            data = NON_ESP_MARKER + data  # RFC 3948 section 2.2: IKE on 4500 carries the non-ESP marker
        send = Send(self.id, self.peer, self.local_port, self.peer_port, data, row.sends, 0, Trigger.PROTOCOL,
                    payloads, length, row.encrypted_out)
        self.last_sent = send
        self.last_send_at = now
        self.timer_resends = 0
        out.append(send)
        if row.retransmit:
            self.retries_left = self.config.retransmit.retries
            self._arm(out, now + self.config.retransmit.interval, Purpose.RETRANSMIT, row.sends)
        else:
            self._disarm(out)

    def _arm(self, out: list[Effect], at: float, purpose: Purpose, message: Msg | None = None) -> None:
        if self.timer_id:
            out.append(CancelTimer(self.timer_id))
        self.timer_id = next(self.timer_ids)
        out.append(SetTimer(self.timer_id, at, purpose, self.id, message))

    def _disarm(self, out: list[Effect]) -> None:
        if self.timer_id:
            out.append(CancelTimer(self.timer_id))
            self.timer_id = 0

    def _resend(self, out: list[Effect], trigger: Trigger) -> None:
        """Resend the last message: a timer resend is numbered among the timer resends (1..retries, so a label
        never counts past the configured retries); a resend caused by a duplicate is attempt 1, told apart by its
        trigger (the box labels the two differently, and only the timer spends retries)."""
        assert self.last_sent is not None
        if trigger is Trigger.TIMER:
            self.timer_resends += 1
            attempt = self.timer_resends
        else:
            attempt = 1
        resend = self.last_sent._replace(attempt=attempt, trigger=trigger)
        self.last_sent = resend
        out.append(resend)

    def timer(self, timer_id: int, now: float) -> list[Effect]:
        """A timer fired: resend the last message, or remove the SA when the retries are spent."""
        out: list[Effect] = []
        if timer_id != self.timer_id or self.state is None or self.last_sent is None:
            return out  # stale timer
        self.timer_id = 0
        if self.retries_left > 0:
            self.retries_left -= 1
            self.history.append(HistoryStep(self.state, StepKind.RETRY, sent=self.last_sent.message))
            self._resend(out, Trigger.TIMER)
            self.last_send_at = now
            self._log(out, Retransmitted, message=self.last_sent.message, attempt=self.last_sent.attempt,
                      left=self.retries_left, state=self.state)
            if self.retries_left > 0:
                self._arm(out, now + self.config.retransmit.interval, Purpose.RETRANSMIT, self.last_sent.message)
            else:
                self._arm(out, now + self.config.retransmit.remove_after, Purpose.REMOVE)
        else:
            self.history.append(HistoryStep(self.state, StepKind.TIMEOUT))
            self.remove(out, Reason.RETRANSMIT_LIMIT, now)
        return out

    def _duplicate(self, message: Msg, out: list[Effect], now: float, received: dict) -> None:
        """A copy of a message already processed: resend our answer to it (ASA 713201), unless the row says not to,
        there is nothing to resend, or we sent it (first, on the timer or for another copy) less than
        ``duplicate_holdoff`` seconds ago: a box does not send the same message twice within one interval."""
        profile = self.config.retransmit
        allowed = (profile.resend_on_duplicate and self.last_sent is not None
                   and (self.last_row is None or self.last_row.resend_on_duplicate))
        holdoff = profile.duplicate_holdoff
        limited = (allowed and holdoff is not None and self.last_send_at is not None
                   and now - self.last_send_at < holdoff - 1e-6)  # a copy a whole interval later is answered
        if allowed and not limited:
            out.append(self._verdict(Outcome.DUPLICATE, Reason.DUPLICATE_RESENT, NO_DETAIL, received))
            self._log(out, Duplicate, message=message, resent=self.last_sent.message)
            self.last_send_at = now
            self._resend(out, Trigger.DUPLICATE)
        else:
            reason = Reason.DUPLICATE_RATE_LIMITED if limited else Reason.DUPLICATE_NOTHING_TO_RESEND
            out.append(self._verdict(Outcome.DUPLICATE, reason, NO_DETAIL, received))
            self._log(out, Duplicate, message=message, resent=None, limited=limited)

    # -- keys -----------------------------------------------------------------------------------------------------
    def _dh_start(self) -> bytes:
        group = crypto.GROUPS[self.policy.group]
        self.dh_private = crypto.dh_private(group, self.secrets.read(32))
        return crypto.dh_public(group, self.dh_private)

    def _ke_problem(self, ke: bytes, nonce: bytes) -> Mapping[str, Any] | None:
        """Why a peer's KE and nonce cannot be used (None: they can). Checked before anything changes, so a forged
        or garbled MM3/MM4 is simply discarded and the genuine one still completes the exchange."""
        group = crypto.GROUPS[self.policy.group]
        if len(ke) != group.length:
            return make_detail(problem="ke-length", got=len(ke), want=str(group.length), group=group.number)
        if not 1 < int.from_bytes(ke, "big") < group.prime - 1:
            return make_detail(problem="ke-range", got=0, want="1 < KE < p-1", group=group.number)
        if not 8 <= len(nonce) <= 256:
            return make_detail(problem="nonce-length", got=len(nonce), want="8 to 256", group=group.number)
        return None

    def _derive(self, psk: bytes, peer_public: bytes, out: list[Effect]) -> None:
        """Compute g^xy, SKEYID and friends, the cipher key and IV0 (RFC 2409 section 5, appendix B)."""
        policy = self.policy
        group = crypto.GROUPS[policy.group]
        g_xy = crypto.dh_shared(group, self.dh_private, peer_public)
        self.spec = crypto.cipher_spec(policy.encryption, policy.key_length)
        self.keys = crypto.derive_phase1_keys(
            hash_id=policy.hash, encryption=policy.encryption, key_length=policy.key_length, psk=psk,
            ni_b=self.ni_b, nr_b=self.nr_b, g_xy=g_xy, cky_i=self.icookie, cky_r=self.rcookie,
            g_xi=self.g_xi, g_xr=self.g_xr,
        )
        self.skeyid = self.keys.skeyid
        self.iv = self.keys.iv
        k = self.keys
        out.append(KeysDerived(self.id, self.role, self.peer, self.icookie, self.rcookie, self.spec.name,
                               policy.hash_name, policy.group, g_xy, k.skeyid, k.skeyid_d, k.skeyid_a, k.skeyid_e,
                               k.enc_key, k.iv))

    def _own_id(self) -> tuple[int, int, int, bytes]:
        return IdType.IPV4_ADDR, UDP, IKE_PORT, bytes(int(x) for x in self.config.address.split("."))

    def _auth_payloads(self, hash_value: bytes) -> tuple:
        """ID and HASH (and the platform's extra MM5/MM6 payloads) of our MM5/MM6."""
        id_type, proto, port, data = self._own_id()
        return tuple(messages.auth_payloads(id_type, proto, port, data, hash_value, self._auth_extras()))

    def _auth_extras(self) -> tuple:
        """The platform's extra MM5/MM6 payloads: those it sends only to a peer that announced a vendor ID, then
        those it always sends."""
        conditional = tuple(p for vid, extra in self.config.auth_extras_if_peer_sent if vid in self.peer_vids
                            for p in extra)
        return conditional + tuple(self.config.auth_extras)

    def _encrypt(self, payloads: tuple) -> tuple[bytes, int]:
        """Encrypt the payload chain of MM5/MM6 with the current IV and advance the IV (CBC chaining).
        Returns (the message, its length without padding)."""
        first, chain = messages.encode_payloads(payloads)
        ciphertext = crypto.encrypt(self.spec, self.keys.enc_key, self.iv, chain)
        self.iv = crypto.last_block(self.spec, ciphertext)
        return messages.build_encrypted(self.icookie, self.rcookie, first, ciphertext), len(chain) + 28

    def _decrypt(self, msg: messages.Message) -> tuple[tuple, int]:
        """Decrypt an MM5/MM6 body with the current IV and parse its payloads; MalformedMessage says why not. The IV
        only advances when the message is accepted (retransmissions must not move it): ``next_iv`` holds it."""
        if msg.encrypted_body is None:
            raise messages.MalformedMessage("expected an encrypted message (E flag not set)")
        plaintext = crypto.decrypt(self.spec, self.keys.enc_key, self.iv, msg.encrypted_body)
        payloads = messages.parse_chain(msg.header.next_payload, plaintext)
        self.next_iv = crypto.last_block(self.spec, msg.encrypted_body)
        return payloads, 28 + messages.chain_length(payloads)

    # -- NAT traversal ---------------------------------------------------------------------------------------------
    @staticmethod
    def _announces_nat_t(msg: messages.Message) -> bool:
        return any(v.data == VID_NAT_T_RFC3947 for v in msg.all(messages.VendorIdPayload))

    def _natd_hash(self, address: str, port: int) -> bytes:
        """HASH(CKY-I | CKY-R | IP | port) with the negotiated hash, not HMAC (RFC 3947 section 3.2)."""
        ip = bytes(int(x) for x in address.split("."))
        return crypto.hash_digest(self.policy.hash, self.icookie + self.rcookie + ip + port.to_bytes(2, "big"))

    def _natd_payloads(self) -> tuple[bytes, ...]:
        """NAT-D for MM3/MM4: first the peer's address and port as we send to them, then our own."""
        if not self.nat_t:
            return ()
        return (self._natd_hash(self.peer, self.peer_port), self._natd_hash(self.config.address, self.local_port))

    def _detect_nat(self, msg: messages.Message, out: list[Effect]) -> None:
        """Compare the received NAT-D hashes with the addresses this datagram really carried (RFC 3947 3.2)."""
        if not self.nat_t:
            return
        natd = msg.all(messages.NatDPayload)
        if not natd:
            self._log(out, NatDMissing)
            self.nat_t = False
            return
        self.local_behind_nat = natd[0].data != self._natd_hash(self.config.address, self.local_port)
        seen = self._natd_hash(self.peer, self.peer_port)
        self.peer_behind_nat = not any(p.data == seen for p in natd[1:])
        self._log(out, NatDetected, local_behind=self.local_behind_nat, peer_behind=self.peer_behind_nat)

    @property
    def nat_found(self) -> bool:
        return self.nat_t and (self.local_behind_nat or self.peer_behind_nat)

    @staticmethod
    def _hash_ok(expected_value: bytes, received_value: bytes) -> bool:
        return hmac.compare_digest(expected_value, received_value)


__all__ = ["Accept", "Refuse", "Abort", "classify", "MainModeSA", "Payload"]

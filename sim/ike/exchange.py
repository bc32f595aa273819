"""What the Main Mode initiator and responder share: one ISAKMP SA's data, its retransmission timer, duplicates,
removal, and the encrypted MM5/MM6 leg (RFC 2409 appendix B IV chaining)."""

from __future__ import annotations

import hmac
import itertools
from typing import Iterator

from . import crypto, messages
from .config import IkeConfig
from .constants import IKE_PORT, NAT_T_PORT, NON_ESP_MARKER, VID_NAT_T_RFC3947, IdType, Payload
from .effects import CancelTimer, Effect, Event, KeysDerived, Received, SaUpdate, Send, SetTimer
from .policy import Policy
from .secrets import Secrets

UDP = 17


class MainModeSA:
    """State shared by both roles. Subclasses implement ``receive`` for their expected messages."""

    role = ""

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
        self.state: str | None = None
        self.group: str | None = None
        self.policy: Policy | None = None
        self.sai_b = b""
        self.last_sent: Send | None = None
        self.last_received: bytes | None = None
        self.retries_left = 0
        # Timer ids come from the endpoint, so that a later SA with the same cookies (a late copy of MM1 after
        # the first SA was removed) never reuses the id of a timer that was cancelled before it was born.
        self.timer_ids = timer_ids if timer_ids is not None else itertools.count(1)
        self.timer_generation = 0
        self.history: list[tuple[str, str]] = []  # (state, event) pairs for the FSM error history
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
        # NAT traversal (RFC 3947)
        self.nat_t = False  # both sides announced RFC 3947 support
        self.local_behind_nat = False
        self.peer_behind_nat = False

    # -- identity -------------------------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.icookie.hex()

    def _event(self, name: str, **fields) -> Event:
        return Event(name, sa=self.id, peer=self.peer, fields=fields)

    def _received(self, message: str, outcome: str, reason: str = "") -> Received:
        return Received(self.id, self.peer, message, outcome, reason)

    # -- state ----------------------------------------------------------------------------------------------------
    def _move(self, new: str | None, out: list[Effect], reason: str) -> None:
        previous = self.state
        self.state = new
        self.history.append((new or "MM_DONE", reason))
        out.append(SaUpdate(self.id, self.role, self.peer, new, previous, self.group, self.policy, reason))

    def remove(self, out: list[Effect], reason: str, now: float) -> None:
        """Delete the SA: it disappears from ``show`` from now on."""
        was = self.state
        self._disarm(out)
        out.append(self._event("sa_removed", reason=reason, state=was, history=list(self.history)))
        self._move(None, out, reason)

    # -- sending and retransmission -------------------------------------------------------------------------------
    def _send(self, data: bytes, message: str, out: list[Effect], now: float, *, expect_reply: bool = True) -> None:
        if self.local_port == NAT_T_PORT:
            data = NON_ESP_MARKER + data  # RFC 3948 section 2.2: IKE on 4500 carries the non-ESP marker
        send = Send(self.id, self.peer, self.local_port, self.peer_port, data, message)
        self.last_sent = send
        out.append(send)
        out.append(self._event("sending", message=message, length=len(data), attempt=0))
        if expect_reply:
            self.retries_left = self.config.retransmit.retries
            self._arm(out, now + self.config.retransmit.interval, f"retransmit {message}")
        else:
            self._disarm(out)

    def _arm(self, out: list[Effect], at: float, purpose: str) -> None:
        if self.timer_generation:
            out.append(CancelTimer((self.id, self.role, self.timer_generation)))
        self.timer_generation = next(self.timer_ids)
        out.append(SetTimer((self.id, self.role, self.timer_generation), at, purpose))

    def _disarm(self, out: list[Effect]) -> None:
        if self.timer_generation:
            out.append(CancelTimer((self.id, self.role, self.timer_generation)))
            self.timer_generation = next(self.timer_ids)

    def _resend(self, out: list[Effect], trigger: str) -> None:
        assert self.last_sent is not None
        resend = self.last_sent._replace(attempt=self.last_sent.attempt + 1, trigger=trigger)
        self.last_sent = resend
        out.append(resend)
        out.append(self._event("sending", message=resend.message, length=len(resend.data), attempt=resend.attempt,
                               trigger=trigger))

    def timer(self, generation: int, now: float) -> list[Effect]:
        """A retransmission timer fired: resend the last message, or remove the SA when the budget is spent."""
        out: list[Effect] = []
        if generation != self.timer_generation or self.state is None or self.last_sent is None:
            return out  # stale timer
        if self.retries_left > 0:
            self.retries_left -= 1
            self.history.append((self.state, "EV_RETRY"))
            self._resend(out, "timer")
            out.append(self._event("retransmit", message=self.last_sent.message, attempt=self.last_sent.attempt,
                                   left=self.retries_left, state=self.state))
            if self.retries_left > 0:
                self._arm(out, now + self.config.retransmit.interval, f"retransmit {self.last_sent.message}")
            else:
                self._arm(out, now + self.config.retransmit.remove_after, "remove SA")
        else:
            self.history.append((self.state, "EV_TIMEOUT"))
            # no state name in the text: the snapshot's ``previous`` carries it, and each platform names it its way
            self.remove(out, "retransmission limit reached", now)
        return out

    def duplicate(self, message: str, out: list[Effect]) -> None:
        """A copy of a message already processed: resend our answer to it (ASA 713201)."""
        if self.config.retransmit.resend_on_duplicate and self.last_sent is not None:
            out.append(self._received(message, "duplicate", "already processed; last message resent"))
            out.append(self._event("duplicate", message=message, resent=self.last_sent.message))
            self._resend(out, "duplicate")
        else:
            out.append(self._received(message, "duplicate", "already processed; nothing to resend"))
            out.append(self._event("duplicate", message=message, resent=None))

    # -- keys -----------------------------------------------------------------------------------------------------
    def _dh_start(self) -> bytes:
        group = crypto.GROUPS[self.policy.group]
        self.dh_private = crypto.dh_private(group, self.secrets.read(32))
        return crypto.dh_public(group, self.dh_private)

    def _ke_problem(self, ke: bytes, nonce: bytes) -> str | None:
        """Why a peer's KE and nonce cannot be used (None: they can). Checked before anything changes, so a forged
        or garbled MM3/MM4 is simply discarded and the genuine one still completes the exchange."""
        group = crypto.GROUPS[self.policy.group]
        if len(ke) != group.length:
            return f"KE of {len(ke)} bytes (group {group.number} needs {group.length})"
        if not 1 < int.from_bytes(ke, "big") < group.prime - 1:
            return "KE value out of range (must be between 1 and p-1)"
        if not 8 <= len(nonce) <= 256:
            return f"nonce of {len(nonce)} bytes (must be 8 to 256)"
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

    def _encrypt_auth(self, hash_value: bytes) -> bytes:
        """Build and encrypt the ID+HASH chain of MM5/MM6 with the current IV; advance the IV (CBC chaining)."""
        id_type, proto, port, data = self._own_id()
        chain = messages.build_auth_chain(id_type, proto, port, data, hash_value)
        ciphertext = crypto.encrypt(self.spec, self.keys.enc_key, self.iv, chain)
        self.iv = crypto.last_block(self.spec, ciphertext)
        return messages.build_encrypted(self.icookie, self.rcookie, Payload.ID, ciphertext)

    def _decrypt_auth(self, msg: messages.Message) -> tuple[messages.IdPayload, messages.HashPayload, bytes]:
        """Decrypt an MM5/MM6 body with the current IV and parse ID and HASH. Raises ValueError with the reason.

        The IV only advances when the caller accepts the message (retransmissions must not move it)."""
        if not msg.header.encrypted or msg.encrypted_body is None:
            raise ValueError("expected an encrypted message (E flag not set)")
        plaintext = crypto.decrypt(self.spec, self.keys.enc_key, self.iv, msg.encrypted_body)
        try:
            payloads = messages.parse_chain(msg.header.next_payload, plaintext)
        except messages.MalformedMessage as exc:
            raise ValueError(f"payloads malformed after decryption ({exc}): probably mismatched pre-shared key") from None
        ident = next((p for p in payloads if isinstance(p, messages.IdPayload)), None)
        hashp = next((p for p in payloads if isinstance(p, messages.HashPayload)), None)
        if ident is None or hashp is None:
            raise ValueError("decrypted message lacks ID or HASH payload")
        return ident, hashp, crypto.last_block(self.spec, msg.encrypted_body)

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
            out.append(self._event("nat_d_missing"))
            self.nat_t = False
            return
        self.local_behind_nat = natd[0].data != self._natd_hash(self.config.address, self.local_port)
        seen = self._natd_hash(self.peer, self.peer_port)
        self.peer_behind_nat = not any(p.data == seen for p in natd[1:])
        out.append(self._event("nat_detection", local_behind=self.local_behind_nat,
                               peer_behind=self.peer_behind_nat))

    @property
    def nat_found(self) -> bool:
        return self.nat_t and (self.local_behind_nat or self.peer_behind_nat)

    @staticmethod
    def _hash_ok(expected: bytes, received: bytes) -> bool:
        return hmac.compare_digest(expected, received)

"""The Main Mode initiator (RFC 2409 section 5, pre-shared keys): MM1 -> MM3 -> MM5, then MM_ACTIVE."""

from __future__ import annotations

from . import crypto, messages
from .constants import Auth
from .effects import Effect
from .constants import NAT_T_PORT, NAT_T_VENDOR_IDS
from .exchange import MainModeSA
from .secrets import cookie
from .states import INITIATOR, MM_WAIT_MSG2, MM_WAIT_MSG4, MM_WAIT_MSG6, transition


class Initiator(MainModeSA):
    role = INITIATOR

    def start(self, now: float) -> list[Effect]:
        """Send MM1 offering every local policy (one transform each, in priority order)."""
        out: list[Effect] = []
        self.icookie = cookie(self.secrets)
        offers = sorted(self.config.policies, key=lambda p: p.priority)
        vids = self.config.vendor_ids_mm1 + (NAT_T_VENDOR_IDS if self.config.nat_traversal else ())
        data = messages.build_mm1(self.icookie, offers, vids)
        self.sai_b = messages.parse(data).first(messages.SaPayload).body
        out.append(self._event("initiate", policies=len(offers)))
        row = transition(INITIATOR, None, None)
        self._send(data, row.sends, out, now)
        self._move(row.next, out, "sent MM1")
        return out

    def receive(self, msg: messages.Message, now: float) -> list[Effect]:
        out: list[Effect] = []
        if self.last_received is not None and msg.raw == self.last_received:
            self.duplicate(self._name(msg), out)
            return out
        if self.state != MM_WAIT_MSG2 and msg.header.rcookie != self.rcookie:
            out.append(self._received(self._name(msg), "discarded", "responder cookie does not match this SA"))
            return out
        if self.state == MM_WAIT_MSG2:
            self._on_mm2(msg, out, now)
        elif self.state == MM_WAIT_MSG4:
            self._on_mm4(msg, out, now)
        elif self.state == MM_WAIT_MSG6:
            self._on_mm6(msg, out, now)
        else:
            out.append(self._received(self._name(msg), "discarded", "not expected now (nothing is awaited)"))
        return out

    @staticmethod
    def _name(msg: messages.Message) -> str:
        if msg.header.encrypted:
            return "MM6"
        if msg.first(messages.SaPayload) is not None:
            return "MM2"
        if msg.first(messages.KePayload) is not None:
            return "MM4"
        return "datagram"

    def _on_mm2(self, msg: messages.Message, out: list[Effect], now: float) -> None:
        sa = msg.first(messages.SaPayload)
        if sa is None or msg.header.encrypted:
            out.append(self._received(self._name(msg), "discarded", "MM2 expected: no SA payload"))
            return
        if not any(msg.header.rcookie):
            out.append(self._received("MM2", "discarded", "responder cookie is zero"))
            return
        offered = sorted(self.config.policies, key=lambda p: p.priority)
        chosen = sa.offers[0].policy if len(sa.offers) == 1 else None
        match = next((p for p in offered if chosen is not None and p.same_suite(chosen)
                      and chosen.lifetime <= p.lifetime), None)
        if match is None:
            out.append(self._received("MM2", "discarded", "responder chose a transform that was not offered"))
            out.append(self._event("sa_not_offered"))
            return
        self.last_received = msg.raw
        self.rcookie = msg.header.rcookie
        self.policy = chosen
        self.nat_t = self.config.nat_traversal and self._announces_nat_t(msg)
        out.append(self._received("MM2", "accepted"))
        out.append(self._event("received", message="MM2", payloads=msg.summary, length=len(msg.raw)))
        out.append(self._event("proposal_accepted", priority=match.priority, cipher=chosen.cipher_name,
                               hash=chosen.hash_name, group=chosen.group, lifetime=chosen.lifetime))
        self.g_xi = self._dh_start()
        self.ni_b = self.secrets.read(self.config.nonce_length)
        data = messages.build_ke_nonce(self.icookie, self.rcookie, self.g_xi, self.ni_b, self.config.vendor_ids_mm3,
                                       self._natd_payloads())
        row = transition(INITIATOR, MM_WAIT_MSG2, "MM2")
        self._send(data, row.sends, out, now)
        self._move(row.next, out, "received MM2, sent MM3")

    def _on_mm4(self, msg: messages.Message, out: list[Effect], now: float) -> None:
        ke = msg.first(messages.KePayload)
        nonce = msg.first(messages.NoncePayload)
        if msg.header.encrypted or ke is None or nonce is None:
            out.append(self._received(self._name(msg), "discarded", "MM4 expected: KE and NONCE payloads missing"))
            return
        problem = self._ke_problem(ke.data, nonce.data)
        if problem is not None:
            out.append(self._received("MM4", "discarded", f"invalid KE or nonce: {problem}"))
            out.append(self._event("bad_ke", reason=problem))
            return
        self.last_received = msg.raw
        self.g_xr = ke.data
        self.nr_b = nonce.data
        out.append(self._received("MM4", "accepted"))
        out.append(self._event("received", message="MM4", payloads=msg.summary, length=len(msg.raw)))
        self._detect_nat(msg, out)
        if self.policy.auth != Auth.PRE_SHARED_KEY:
            # Both sides agreed on certificate authentication; this simulator has no PKI, so, as a box without a
            # usable certificate, the initiator cannot build MM5 and gives up.
            out.append(self._event("no_certificate", auth=self.policy.auth_name))
            self.history.append((self.state, "EV_ERROR"))
            self.remove(out, f"{self.policy.auth_name} authentication needs a certificate (not simulated)", now)
            return
        key = self.config.key_for(self.peer)
        if key is None or key.psk is None:
            # ASA-profile choice (ike-facts.md 2.5 marks it uncertain): the keys cannot be generated, MM5 is never
            # sent and the SA is torn down at once.
            out.append(self._event("no_key", group=key.group if key else None))
            self.history.append((self.state, "EV_ERROR"))
            self.remove(out, "no pre-shared key for the peer: cannot generate keys after MM4", now)
            return
        self.group = key.group
        out.append(self._event("group_found", group=key.group, via_default=key.via_default))
        self._derive(key.psk, ke.data, out)
        out.append(self._event("keys_generated"))
        id_type, proto, port, id_data = self._own_id()
        hash_i = crypto.hash_i(self.policy.hash, self.skeyid, self.g_xi, self.g_xr, self.icookie, self.rcookie,
                               self.sai_b, messages.id_body(id_type, proto, port, id_data))
        if self.nat_found:
            # RFC 3947 section 4: from MM5 on, both ports float to 4500 with the non-ESP marker
            self.local_port = self.peer_port = NAT_T_PORT
            out.append(self._event("nat_t_float", port=NAT_T_PORT))
        data = self._encrypt_auth(hash_i)
        row = transition(INITIATOR, MM_WAIT_MSG4, "MM4")
        self._send(data, row.sends, out, now)
        self._move(row.next, out, "received MM4, sent MM5")

    def _on_mm6(self, msg: messages.Message, out: list[Effect], now: float) -> None:
        try:
            ident, hashp, next_iv = self._decrypt_auth(msg)
        except ValueError as exc:
            out.append(self._received("MM6", "discarded", f"could not decrypt MM6: {exc}"))
            out.append(self._event("decrypt_failed", message="MM6", reason=str(exc)))
            return
        expected = crypto.hash_r(self.policy.hash, self.skeyid, self.g_xi, self.g_xr, self.icookie, self.rcookie,
                                 self.sai_b, ident.body)
        if not self._hash_ok(expected, hashp.data):
            out.append(self._received("MM6", "discarded", "HASH_R does not verify"))
            out.append(self._event("hash_failed", message="MM6"))
            return
        self.iv = next_iv
        self.last_received = msg.raw
        out.append(self._received("MM6", "accepted"))
        out.append(self._event("received", message="MM6", payloads="HDR + ID (5) + HASH (8) + NONE (0)",
                               length=len(msg.raw)))
        self.last_sent = None  # nothing left to resend
        self._disarm(out)
        row = transition(INITIATOR, MM_WAIT_MSG6, "MM6")
        self._move(row.next, out, "received MM6: phase 1 complete")
        out.append(self._event("phase1_completed", lifetime=self.policy.lifetime))


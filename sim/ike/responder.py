"""The Main Mode responder (RFC 2409 section 5, pre-shared keys): MM2 -> MM4 -> MM6, then MM_ACTIVE.

The responder picks the pre-shared key by the initiator's *address* when MM3 arrives (in Main Mode with PSK it has to
know the key before it has seen the initiator's identity, RFC 2409 section 5.4): that is where a missing tunnel-group
bites, and why the initiator then waits for MM4 forever.
"""

from __future__ import annotations

from . import crypto, messages, policy
from .constants import NAT_T_PORT, VID_NAT_T_RFC3947, Auth, Notify
from .effects import Effect, Send
from .exchange import MainModeSA
from .secrets import cookie
from .states import MM_WAIT_MSG3, MM_WAIT_MSG5, RESPONDER, expected, transition


class Responder(MainModeSA):
    role = RESPONDER

    def start(self, mm1: messages.Message, now: float) -> list[Effect]:
        """Answer a first MM1: choose a transform and send MM2, or reject it (the caller discards this SA)."""
        out: list[Effect] = []
        sa = mm1.first(messages.SaPayload)
        if sa is None:
            out.append(self._received("MM1", "discarded", "MM1 without an SA payload"))
            return out
        out.append(self._event("received", message="MM1", payloads=mm1.summary, length=len(mm1.raw)))
        offers = [o.policy for o in sa.offers if o.policy is not None]
        numbers = [o.number for o in sa.offers if o.policy is not None]
        local = list(self.config.policies)
        if self.config.psk_lookup_at_mm1:
            key = self.config.key_for(self.peer)
            if key is None or key.psk is None:
                local = [p for p in local if p.auth != Auth.PRE_SHARED_KEY]
        choice = policy.select(offers, local)
        if isinstance(choice, policy.Mismatch) and len(local) < len(self.config.policies):
            choice = policy.Mismatch("Auth", "pre-share", f"no pre-shared key for {self.peer}")
        if isinstance(choice, policy.Mismatch):
            reason = (f"no acceptable proposal: {choice.attribute} received {choice.received}, "
                      f"configured {choice.configured}")
            out.append(self._received("MM1", "discarded", reason))
            out.append(self._event("proposal_rejected", attribute=choice.attribute, received=choice.received,
                                   configured=choice.configured))
            if self.config.notify_no_proposal:
                rcookie = cookie(self.secrets)
                message_id = int.from_bytes(self.secrets.read(4), "big") or 1
                data = messages.build_notify(self.icookie, rcookie, Notify.NO_PROPOSAL_CHOSEN, message_id)
                self.last_sent = None
                out.append(Send(self.id, self.peer, self.local_port, self.peer_port, data, "NOTIFY"))
                out.append(self._event("sending", message="NOTIFY", length=len(data), attempt=0,
                                       notify="NO_PROPOSAL_CHOSEN"))
            return out
        index, chosen = choice
        self.policy = chosen
        self.sai_b = sa.body
        self.last_received = mm1.raw
        self.rcookie = cookie(self.secrets)
        self.nat_t = self.config.nat_traversal and self._announces_nat_t(mm1)
        out.append(self._received("MM1", "accepted"))
        out.append(self._event("proposal_accepted", priority=chosen.priority, cipher=chosen.cipher_name,
                               hash=chosen.hash_name, group=chosen.group, lifetime=chosen.lifetime))
        vids = self.config.vendor_ids_mm2 + ((VID_NAT_T_RFC3947,) if self.nat_t else ())
        data = messages.build_mm2(self.icookie, self.rcookie, chosen, numbers[index], vids)
        row = transition(RESPONDER, None, "MM1")
        self._send(data, row.sends, out, now)
        self._move(row.next, out, "received MM1, sent MM2")
        return out

    def receive(self, msg: messages.Message, now: float) -> list[Effect]:
        out: list[Effect] = []
        name = self._name(msg)
        if name == "MM1" or (self.last_received is not None and msg.raw == self.last_received):
            if msg.raw == self.last_received:
                self.duplicate(name, out)
            else:
                out.append(self._received(name, "discarded", "a different MM1 for an SA already negotiating"))
            return out
        if msg.header.rcookie != self.rcookie:
            out.append(self._received(name, "discarded", "responder cookie does not match this SA"))
            return out
        if self.state == MM_WAIT_MSG3:
            self._on_mm3(msg, out, now)
        elif self.state == MM_WAIT_MSG5:
            self._on_mm5(msg, out, now)
        else:
            out.append(self._received(name, "discarded", f"not expected now (waiting for {expected(RESPONDER, self.state) or 'nothing'})"))
        return out

    @staticmethod
    def _name(msg: messages.Message) -> str:
        if msg.header.encrypted:
            return "MM5"
        if not any(msg.header.rcookie):
            return "MM1"
        if msg.first(messages.KePayload) is not None:
            return "MM3"
        return "datagram"

    def _on_mm3(self, msg: messages.Message, out: list[Effect], now: float) -> None:
        ke = msg.first(messages.KePayload)
        nonce = msg.first(messages.NoncePayload)
        if msg.header.encrypted or ke is None or nonce is None:
            out.append(self._received(self._name(msg), "discarded", "MM3 expected: KE and NONCE payloads missing"))
            return
        problem = self._ke_problem(ke.data, nonce.data)
        if problem is not None:
            out.append(self._received("MM3", "discarded", f"invalid KE or nonce: {problem}"))
            out.append(self._event("bad_ke", reason=problem))
            return
        out.append(self._event("received", message="MM3", payloads=msg.summary, length=len(msg.raw)))
        self._detect_nat(msg, out)
        key = self.config.key_for(self.peer)
        if key is None:
            # No tunnel-group named by the initiator's address and no DefaultL2LGroup key: the responder cannot
            # compute SKEYID, so it drops MM3, sends no MM4 and deletes the SA.
            out.append(self._received("MM3", "discarded",
                                      f"no tunnel-group for {self.peer} and no DefaultL2LGroup pre-shared key"))
            out.append(self._event("group_missing", group=self.peer))
            self.history.append((self.state, "EV_ERROR"))
            self.remove(out, f"no tunnel-group matches {self.peer}", now)
            return
        if key.psk is None:
            out.append(self._received("MM3", "discarded", f"tunnel-group {key.group} has no pre-shared key"))
            out.append(self._event("group_no_key", group=key.group))
            self.history.append((self.state, "EV_ERROR"))
            self.remove(out, f"tunnel-group {key.group} has no pre-shared key", now)
            return
        self.group = key.group
        out.append(self._event("group_found", group=key.group, via_default=key.via_default))
        self.g_xi = ke.data
        self.ni_b = nonce.data
        self.g_xr = self._dh_start()
        self.nr_b = self.secrets.read(self.config.nonce_length)
        self._derive(key.psk, ke.data, out)
        self.last_received = msg.raw
        out.append(self._received("MM3", "accepted"))
        out.append(self._event("keys_generated"))
        data = messages.build_ke_nonce(self.icookie, self.rcookie, self.g_xr, self.nr_b, self.config.vendor_ids_mm4,
                                       self._natd_payloads())
        row = transition(RESPONDER, MM_WAIT_MSG3, "MM3")
        self._send(data, row.sends, out, now)
        self._move(row.next, out, "received MM3, sent MM4")

    def _on_mm5(self, msg: messages.Message, out: list[Effect], now: float) -> None:
        try:
            ident, hashp, next_iv = self._decrypt_auth(msg)
        except ValueError as exc:
            out.append(self._received("MM5", "discarded", f"could not decrypt MM5: {exc}"))
            out.append(self._event("decrypt_failed", message="MM5", reason=str(exc)))
            return
        expected = crypto.hash_i(self.policy.hash, self.skeyid, self.g_xi, self.g_xr, self.icookie, self.rcookie,
                                 self.sai_b, ident.body)
        if not self._hash_ok(expected, hashp.data):
            out.append(self._received("MM5", "discarded", "HASH_I does not verify: pre-shared keys differ"))
            out.append(self._event("hash_failed", message="MM5"))
            return
        self.iv = next_iv
        self.last_received = msg.raw
        if self.rx_port == NAT_T_PORT:
            # the initiator floated: answer on 4500, to the port its NAT gave the 4500 flow
            self.local_port, self.peer_port = NAT_T_PORT, self.rx_peer_port
        out.append(self._received("MM5", "accepted"))
        out.append(self._event("received", message="MM5", payloads="HDR + ID (5) + HASH (8) + NONE (0)",
                               length=len(msg.raw)))
        hash_r = crypto.hash_r(self.policy.hash, self.skeyid, self.g_xi, self.g_xr, self.icookie, self.rcookie,
                               self.sai_b, messages.id_body(*self._own_id()))
        data = self._encrypt_auth(hash_r)
        row = transition(RESPONDER, MM_WAIT_MSG5, "MM5")
        self._send(data, row.sends, out, now, expect_reply=False)
        self._move(row.next, out, "received MM5, sent MM6: phase 1 complete")
        out.append(self._event("phase1_completed", lifetime=self.policy.lifetime))


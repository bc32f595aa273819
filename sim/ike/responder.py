"""The Main Mode responder's row handlers (RFC 2409 section 5, pre-shared keys): MM2 -> MM4 -> MM6, then MM_ACTIVE.

The responder picks the pre-shared key by the initiator's *address* when MM3 arrives (in Main Mode with PSK it has to
know the key before it has seen the initiator's identity, RFC 2409 section 5.4): that is where a missing tunnel-group
bites, and why the initiator then waits for MM4 forever. (A device whose profile looks the key up at MM1, as IOS
does, refuses MM1 instead.)
"""

from __future__ import annotations

from . import crypto, messages, policy
from .constants import NAT_T_PORT, VID_NAT_T_RFC3947, Auth, Notify
from .effects import Effect, Send, detail
from .events import (BadKe, GroupWithoutKey, HashMismatch, PeerKeyFound, PeerKeyMissing, PhaseOneComplete,
                     ProposalAccepted, ProposalRejected)
from .exchange import Accept, MainModeSA, Refuse
from .secrets import cookie
from .types import Msg, Reason, Role, Trigger


class Responder(MainModeSA):
    role = Role.RESPONDER

    def on_mm1(self, mm1: messages.Message, payloads, out: list[Effect], now: float) -> Accept | Refuse:
        """Choose a transform and answer with MM2, or refuse MM1 (the endpoint then forgets this SA)."""
        sa = mm1.first(messages.SaPayload)
        self._processing(out, Msg.MM1)
        offers = [o.policy for o in sa.offers if o.policy is not None]
        numbers = [o.number for o in sa.offers if o.policy is not None]
        local = list(self.config.policies)
        if self.config.psk_lookup_at_mm1:
            key = self.config.key_for(self.peer)
            if key is None or key.psk is None:
                local = [p for p in local if p.auth != Auth.PRE_SHARED_KEY]
        choice = policy.select(offers, local)
        no_key = isinstance(choice, policy.Mismatch) and len(local) < len(self.config.policies)
        if no_key:
            choice = policy.Mismatch("Auth", "pre-share", f"no pre-shared key for {self.peer}")
        if isinstance(choice, policy.Mismatch):
            self._log(out, ProposalRejected, attribute=choice.attribute, received=choice.received,
                      configured=choice.configured, no_key=no_key)
            if self.config.notify_no_proposal:
                rcookie = cookie(self.secrets)
                message_id = int.from_bytes(self.secrets.read(4), "big") or 1
                notify = messages.notify_payload(self.icookie, rcookie, Notify.NO_PROPOSAL_CHOSEN)
                data = messages.build(self.icookie, rcookie, [notify], messages.Exchange.INFORMATIONAL, message_id)
                self.last_sent = None
                out.append(Send(self.id, self.peer, self.local_port, self.peer_port, data, Msg.NOTIFY, 0,
                                Trigger.PROTOCOL, (notify,), len(data), False, message_id))
            return Refuse(Reason.NO_PROPOSAL_CHOSEN, detail(attribute=choice.attribute, received=choice.received,
                                                           configured=choice.configured, no_key=no_key))
        index, chosen = choice
        self.policy = chosen
        self.sai_b = sa.body
        self.rcookie = cookie(self.secrets)
        self.nat_t = self.config.nat_traversal and self._announces_nat_t(mm1)
        self._log(out, ProposalAccepted, priority=chosen.priority, transform=numbers[index], policy=chosen)
        vids = ((VID_NAT_T_RFC3947,) if self.nat_t else ()) + self.config.vendor_ids_mm2
        return Accept(tuple(messages.mm2_payloads(chosen, numbers[index], vids)))

    def on_mm3(self, msg: messages.Message, payloads, out: list[Effect], now: float) -> Accept | Refuse:
        ke = msg.first(messages.KePayload)
        nonce = msg.first(messages.NoncePayload)
        problem = self._ke_problem(ke.data, nonce.data)
        if problem is not None:
            self._log(out, BadKe, message=Msg.MM3, problem=problem["problem"], got=problem["got"],
                      want=problem["want"])
            return Refuse(Reason.BAD_KE, problem)
        self._processing(out, Msg.MM3)
        self._detect_nat(msg, out)
        key = self.config.key_for(self.peer)
        if key is None:
            # No tunnel-group named by the initiator's address and no default-group key: the responder cannot
            # compute SKEYID, so it drops MM3, sends no MM4 and deletes the SA.
            self._log(out, PeerKeyMissing)
            return Refuse(Reason.NO_PEER_KEY, detail(peer=self.peer), remove=True)
        if key.psk is None:
            self._log(out, GroupWithoutKey, group=key.group)
            return Refuse(Reason.GROUP_WITHOUT_KEY, detail(group=key.group), remove=True)
        self.group = key.group
        self._log(out, PeerKeyFound, group=key.group, via_default=key.via_default)
        self.g_xi = ke.data
        self.ni_b = nonce.data
        self.g_xr = self._dh_start()
        self.nr_b = self.secrets.read(self.config.nonce_length)
        self._derive(key.psk, ke.data, out)
        return Accept(tuple(messages.ke_nonce_payloads(self.g_xr, self.nr_b, self.config.vendor_ids_mm4,
                                                       self._natd_payloads())))

    def on_mm5(self, msg: messages.Message, payloads, out: list[Effect], now: float) -> Accept | Refuse:
        ident = next(p for p in payloads if isinstance(p, messages.IdPayload))
        hashp = next(p for p in payloads if isinstance(p, messages.HashPayload))
        expected = crypto.hash_i(self.policy.hash, self.skeyid, self.g_xi, self.g_xr, self.icookie, self.rcookie,
                                 self.sai_b, ident.body)
        if not self._hash_ok(expected, hashp.data):
            self._log(out, HashMismatch, message=Msg.MM5)
            return Refuse(Reason.HASH_MISMATCH)
        if self.rx_port == NAT_T_PORT:
            # the initiator floated: answer on 4500, to the port its NAT gave the 4500 flow
            self.local_port, self.peer_port = NAT_T_PORT, self.rx_peer_port
        self._processing(out, Msg.MM5)
        hash_r = crypto.hash_r(self.policy.hash, self.skeyid, self.g_xi, self.g_xr, self.icookie, self.rcookie,
                               self.sai_b, messages.id_body(*self._own_id()))
        return Accept(self._auth_payloads(hash_r),
                      after=(PhaseOneComplete(self.id, self.peer, self.role, self.policy.lifetime),))

"""The Main Mode initiator's row handlers (RFC 2409 section 5, pre-shared keys): MM1 -> MM3 -> MM5, then MM_ACTIVE.

The dispatcher in :mod:`sim.ike.exchange` runs the rows of :mod:`sim.ike.states`; these methods say what each
message means to the initiator.
"""

from __future__ import annotations

from . import crypto, messages
from .constants import NAT_T_PORT, Auth
from .effects import Effect, detail
from .events import (Initiated, NatTFloat, NoCertificate, NoLocalKey, PeerKeyFound, PhaseOneComplete,
                     ProposalAccepted, TransformNotOffered, BadKe)
from .exchange import Abort, Accept, MainModeSA, Refuse
from .secrets import cookie
from .types import Msg, Reason, Role


class Initiator(MainModeSA):
    role = Role.INITIATOR

    def start(self, now: float) -> list[Effect]:
        """Send MM1 offering every local policy (one transform each, in priority order)."""
        self.icookie = cookie(self.secrets)
        return super().start(now)

    def begin(self, msg, payloads, out: list[Effect], now: float) -> Accept:
        offers = sorted(self.config.policies, key=lambda p: p.priority)
        vids = (self.config.nat_t_vendor_ids if self.config.nat_traversal else ()) + self.config.vendor_ids_mm1
        mm1 = messages.mm1_payloads(offers, vids)
        self.sai_b = mm1[0].body
        self._log(out, Initiated, policies=len(offers))
        return Accept(tuple(mm1))

    def on_mm2(self, msg: messages.Message, payloads, out: list[Effect], now: float) -> Accept | Refuse:
        if not any(msg.header.rcookie):
            return Refuse(Reason.ZERO_RCOOKIE)
        sa = msg.first(messages.SaPayload)
        offered = sorted(self.config.policies, key=lambda p: p.priority)
        chosen = sa.offers[0].policy if len(sa.offers) == 1 else None
        match = next((p for p in offered if chosen is not None and p.same_suite(chosen)
                      and chosen.lifetime <= p.lifetime), None)
        if match is None:
            self._log(out, TransformNotOffered)
            return Refuse(Reason.TRANSFORM_NOT_OFFERED)
        self.rcookie = msg.header.rcookie
        self.policy = chosen
        self.nat_t = self.config.nat_traversal and self._announces_nat_t(msg)
        self._processing(out, Msg.MM2)
        self._log(out, ProposalAccepted, priority=match.priority, transform=sa.offers[0].number, policy=chosen)
        self.g_xi = self._dh_start()
        self.ni_b = self.secrets.read(self.config.nonce_length)
        return Accept(tuple(messages.ke_nonce_payloads(self.g_xi, self.ni_b, self.config.vendor_ids_mm3,
                                                       self._natd_payloads())))

    def on_mm4(self, msg: messages.Message, payloads, out: list[Effect], now: float) -> Accept | Refuse | Abort:
        ke = msg.first(messages.KePayload)
        nonce = msg.first(messages.NoncePayload)
        problem = self._ke_problem(ke.data, nonce.data)
        if problem is not None:
            self._log(out, BadKe, message=Msg.MM4, problem=problem["problem"], got=problem["got"],
                      want=problem["want"])
            return Refuse(Reason.BAD_KE, problem)
        self.g_xr = ke.data
        self.nr_b = nonce.data
        self._processing(out, Msg.MM4)
        self._detect_nat(msg, out)
        if self.policy.auth != Auth.PRE_SHARED_KEY:
            # Both sides agreed on certificate authentication; this simulator has no PKI, so, as a box without a
            # usable certificate, the initiator cannot build MM5 and gives up.
            self._log(out, NoCertificate, auth=self.policy.auth_name)
            return Abort(Reason.NO_CERTIFICATE, detail(auth=self.policy.auth_name))
        key = self.config.key_for(self.peer)
        if key is None or key.psk is None:
            # ASA-profile choice (ike-facts.md 2.5 marks it uncertain): the keys cannot be generated, MM5 is never
            # sent and the SA is torn down at once.
            group = key.group if key else None
            self._log(out, NoLocalKey, group=group)
            return Abort(Reason.NO_LOCAL_KEY, detail(group=group))
        self.group = key.group
        self._log(out, PeerKeyFound, group=key.group, via_default=key.via_default)
        self._derive(key.psk, ke.data, out)
        id_type, proto, port, id_data = self._own_id()
        hash_i = crypto.hash_i(self.policy.hash, self.skeyid, self.g_xi, self.g_xr, self.icookie, self.rcookie,
                               self.sai_b, messages.id_body(id_type, proto, port, id_data))
        if self.nat_found:
            # RFC 3947 section 4: from MM5 on, both ports float to 4500 with the non-ESP marker
            self.local_port = self.peer_port = NAT_T_PORT
            self._log(out, NatTFloat, port=NAT_T_PORT)
        return Accept(self._auth_payloads(hash_i))

    def on_mm6(self, msg: messages.Message, payloads, out: list[Effect], now: float) -> Accept | Refuse:
        ident = next(p for p in payloads if isinstance(p, messages.IdPayload))
        hashp = next(p for p in payloads if isinstance(p, messages.HashPayload))
        expected = crypto.hash_r(self.policy.hash, self.skeyid, self.g_xi, self.g_xr, self.icookie, self.rcookie,
                                 self.sai_b, ident.body)
        if not self._hash_ok(expected, hashp.data):
            from .events import HashMismatch

            self._log(out, HashMismatch, message=Msg.MM6)
            return Refuse(Reason.HASH_MISMATCH)
        self._processing(out, Msg.MM6)
        return Accept(after=(PhaseOneComplete(self.id, self.peer, self.role, self.policy.lifetime),))

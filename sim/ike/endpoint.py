"""One device's IKE endpoint on one interface: it owns the SAs and dispatches datagrams and timers to them.

Sans-IO: ``initiate``, ``receive`` and ``timer`` take plain data and the current time and return effects
(:mod:`sim.ike.effects`). Drivers: :mod:`sim.engine.simulator` (SimPy) and :mod:`sim.live` (UDP sockets).

SAs are told apart by initiator cookie, role *and* peer address: an MM1 that reuses a negotiating SA's cookie from
another address starts (or is refused as) an SA of its own and never disturbs the first one.
"""

from __future__ import annotations

import itertools

from . import messages
from .config import IkeConfig
from .constants import IKE_PORT, NAT_T_PORT, NON_ESP_MARKER, Exchange, Notify
from .effects import Effect, Log, Received, SetTimer, CancelTimer, detail
from .events import (HalfOpenLimit, IkeDisabled, Malformed, NoKeyToInitiate, NoMatchingSa, NoPolicy, NotifyDropped,
                     NotListening, UnsupportedExchange)
from .exchange import MainModeSA
from .initiator import Initiator
from .responder import Responder
from .secrets import Secrets
from .types import Msg, Outcome, Reason, Role, State

INFORMATIONAL_NAMES = {int(n): n.name for n in Notify}


class Endpoint:
    def __init__(self, config: IkeConfig, secrets: Secrets):
        self.config = config
        self.secrets = secrets
        self.sas: dict[tuple[bytes, Role, str], MainModeSA] = {}
        self.timer_ids = itertools.count(1)  # unique per endpoint (see MainModeSA)
        self.timers: dict[int, MainModeSA] = {}  # armed timer id -> its SA

    # -- inputs ---------------------------------------------------------------------------------------------------
    def initiate(self, peer: str, now: float, peer_port: int = IKE_PORT) -> list[Effect]:
        """Start Main Mode toward ``peer`` (as interesting traffic hitting a crypto map would)."""
        if not self.config.listening:
            return [Log(IkeDisabled(None, peer, self._closed_because()))]
        if not self.config.policies:
            return [Log(NoPolicy(None, peer))]
        if self.config.key_required_to_initiate:
            key = self.config.key_for(peer)
            if key is None or key.psk is None:
                return [Log(NoKeyToInitiate(None, peer))]
        sa = Initiator(config=self.config, secrets=self.secrets, peer=peer, peer_port=peer_port, icookie=bytes(8),
                       timer_ids=self.timer_ids)
        out = sa.start(now)
        self.sas[(sa.icookie, sa.role, peer)] = sa
        return self._track(sa, out)

    def receive(self, data: bytes, peer: str, peer_port: int, now: float, local_port: int = IKE_PORT) -> list[Effect]:
        """A UDP datagram (its payload ``data``) arrived from ``peer``:``peer_port`` on local port ``local_port``."""
        if not self.config.listening or local_port not in (IKE_PORT, NAT_T_PORT) or (
                local_port == NAT_T_PORT and not self.config.nat_traversal):
            why = (self._closed_because() if not self.config.listening
                   else Reason.NAT_T_DISABLED if local_port == NAT_T_PORT else Reason.NOT_IKE_PORT)
            return [Received(None, peer, Msg.DATAGRAM, Outcome.DISCARDED, why, detail(port=local_port),
                             length=len(data)),
                    Log(NotListening(None, peer, local_port, why))]
        if local_port == NAT_T_PORT:
            if data == b"\xff":
                return [Received(None, peer, Msg.NAT_KEEPALIVE, Outcome.DISCARDED, Reason.NAT_KEEPALIVE,
                                 length=len(data))]
            if not data.startswith(NON_ESP_MARKER):
                return [Received(None, peer, Msg.ESP, Outcome.DISCARDED, Reason.ESP_WITHOUT_SA, length=len(data)),
                        Log(NoMatchingSa(None, peer, True, ""))]
            data = data[len(NON_ESP_MARKER):]
        try:
            msg = messages.parse(data)
        except messages.MalformedMessage as exc:
            return [Received(None, peer, Msg.DATAGRAM, Outcome.DISCARDED, Reason.MALFORMED, detail(problem=str(exc)),
                             length=len(data)),
                    Log(Malformed(None, peer, str(exc)))]
        header = msg.header
        if header.exchange == Exchange.INFORMATIONAL:
            return self._informational(msg, peer)
        if header.exchange != Exchange.IDENTITY_PROTECTION:
            return [Received(None, peer, Msg.DATAGRAM, Outcome.DISCARDED, Reason.UNSUPPORTED_EXCHANGE,
                             detail(exchange=header.exchange), msg.payloads, len(msg.raw), header.encrypted,
                             header.message_id),
                    Log(UnsupportedExchange(None, peer, header.exchange))]
        sa = self._find(msg, peer)
        if sa is None:
            if not any(header.rcookie) and not header.encrypted and msg.first(messages.SaPayload) is not None:
                return self._new_responder(msg, peer, peer_port, now, local_port)
            return [Received(None, peer, Msg.MM5 if header.encrypted else Msg.DATAGRAM, Outcome.DISCARDED,
                             Reason.NO_MATCHING_SA, detail(icookie=header.icookie.hex()), msg.payloads, len(msg.raw),
                             header.encrypted, header.message_id),
                    Log(NoMatchingSa(None, peer, header.encrypted, header.icookie.hex()))]
        sa.rx_port, sa.rx_peer_port = local_port, peer_port
        out = sa.receive(msg, now)
        return self._track(sa, out)

    def timer(self, timer_id: int, now: float) -> list[Effect]:
        """The timer armed by a :class:`~sim.ike.effects.SetTimer` with this ``id`` fired."""
        sa = self.timers.pop(timer_id, None)
        if sa is None:
            return []
        return self._track(sa, sa.timer(timer_id, now))

    # -- views ----------------------------------------------------------------------------------------------------
    def half_open(self, peer: str | None = None) -> int:
        """Responder SAs not yet established (toward ``peer``, or toward anyone)."""
        return sum(1 for sa in self.sas.values()
                   if sa.role is Role.RESPONDER and sa.state is not State.MM_ACTIVE and (peer is None or sa.peer == peer))

    # -- internals ------------------------------------------------------------------------------------------------
    def _closed_because(self) -> Reason:
        """Why IKE does not run on this interface (the platform's code, IKE_DISABLED unless it said otherwise)."""
        return Reason(self.config.not_listening_because or Reason.IKE_DISABLED)

    def _find(self, msg: messages.Message, peer: str) -> MainModeSA | None:
        return (self.sas.get((msg.header.icookie, Role.INITIATOR, peer))
                or self.sas.get((msg.header.icookie, Role.RESPONDER, peer)))

    def _new_responder(self, msg: messages.Message, peer: str, peer_port: int, now: float,
                       local_port: int = IKE_PORT) -> list[Effect]:
        limits = (("peer", self.config.half_open_per_peer, self.half_open(peer)),
                  ("global", self.config.half_open_limit, self.half_open()))
        for scope, limit, count in limits:
            if limit is not None and count >= limit:
                return [Received(None, peer, Msg.MM1, Outcome.DISCARDED, Reason.HALF_OPEN_LIMIT,
                                 detail(limit=limit, scope=scope), msg.payloads, len(msg.raw)),
                        Log(HalfOpenLimit(None, peer, limit, scope))]
        sa = Responder(config=self.config, secrets=self.secrets, peer=peer, peer_port=peer_port,
                       icookie=msg.header.icookie, timer_ids=self.timer_ids)
        sa.local_port = sa.rx_port = local_port
        out = sa.receive(msg, now)
        if sa.state is not None:
            self.sas[(sa.icookie, sa.role, peer)] = sa
        return self._track(sa, out)

    def _informational(self, msg: messages.Message, peer: str) -> list[Effect]:
        notify = msg.first(messages.NotifyPayload)
        name = INFORMATIONAL_NAMES.get(notify.notify_type, str(notify.notify_type)) if notify else "informational"
        reason = Reason.ENCRYPTED_INFORMATIONAL if msg.header.encrypted else Reason.UNAUTHENTICATED_NOTIFY
        return [Received(None, peer, Msg.NOTIFY, Outcome.DISCARDED, reason, detail(notify=name), msg.payloads,
                         len(msg.raw), msg.header.encrypted, msg.header.message_id),
                Log(NotifyDropped(None, peer, name, msg.header.encrypted))]

    def _track(self, sa: MainModeSA, out: list[Effect]) -> list[Effect]:
        """Keep the timer-id -> SA map in step with the effects, and forget a removed SA."""
        for effect in out:
            if isinstance(effect, SetTimer):
                self.timers[effect.id] = sa
            elif isinstance(effect, CancelTimer):
                self.timers.pop(effect.id, None)
        if sa.state is None:
            self.sas.pop((sa.icookie, sa.role, sa.peer), None)
        return out

"""One device's IKE endpoint on one interface: it owns the SAs and dispatches datagrams and timers to them.

Sans-IO: ``initiate``, ``receive`` and ``timer`` take plain data and the current time and return effects
(:mod:`sim.ike.effects`). Drivers: :mod:`sim.engine.simulator` (SimPy) and :mod:`sim.live` (UDP sockets).
"""

from __future__ import annotations

import itertools

from . import messages
from .config import IkeConfig
from .constants import IKE_PORT, NAT_T_PORT, NON_ESP_MARKER, Exchange, Notify
from .effects import Effect, Event, Received
from .exchange import MainModeSA
from .initiator import Initiator
from .responder import Responder
from .secrets import Secrets
from .states import MM_ACTIVE

INFORMATIONAL_NAMES = {int(n): n.name for n in Notify}


class Endpoint:
    def __init__(self, config: IkeConfig, secrets: Secrets):
        self.config = config
        self.secrets = secrets
        self.sas: dict[tuple[bytes, str], MainModeSA] = {}
        self.timer_ids = itertools.count(1)  # unique per endpoint (see MainModeSA)

    # -- inputs ---------------------------------------------------------------------------------------------------
    def initiate(self, peer: str, now: float, peer_port: int = 500) -> list[Effect]:
        """Start Main Mode toward ``peer`` (as interesting traffic hitting a crypto map would)."""
        if not self.config.listening:
            return [Event("ike_disabled", peer=peer, fields={"action": "initiate",
                                                             "why": self.config.not_listening_because})]
        if not self.config.policies:
            return [Event("no_policy", peer=peer)]
        if self.config.key_required_to_initiate:
            key = self.config.key_for(peer)
            if key is None or key.psk is None:
                return [Event("no_key_to_initiate", peer=peer)]
        sa = Initiator(config=self.config, secrets=self.secrets, peer=peer, peer_port=peer_port, icookie=bytes(8),
                       timer_ids=self.timer_ids)
        out = sa.start(now)
        self.sas[(sa.icookie, sa.role)] = sa
        return out

    def receive(self, data: bytes, peer: str, peer_port: int, now: float, local_port: int = IKE_PORT) -> list[Effect]:
        """A UDP datagram (its payload ``data``) arrived from ``peer``:``peer_port`` on local port ``local_port``."""
        if not self.config.listening or local_port not in (IKE_PORT, NAT_T_PORT) or (
                local_port == NAT_T_PORT and not self.config.nat_traversal):
            why = ("IKE is not enabled on this interface" if not self.config.listening
                   else "NAT traversal is not enabled" if local_port == NAT_T_PORT else "not an IKE port")
            return [Received(None, peer, "datagram", "discarded", f"{why}: nothing listens on UDP {local_port}"),
                    Event("not_listening", peer=peer, fields={"port": local_port,
                                                              "why": self.config.not_listening_because})]
        if local_port == NAT_T_PORT:
            if data == b"\xff":
                return [Received(None, peer, "NAT-keepalive", "discarded", "NAT keepalive")]
            if not data.startswith(NON_ESP_MARKER):
                return [Received(None, peer, "ESP", "discarded", "ESP on UDP 4500 with no IPsec SA"),
                        Event("no_sa", peer=peer, fields={"encrypted": True, "icookie": ""})]
            data = data[len(NON_ESP_MARKER):]
        try:
            msg = messages.parse(data)
        except messages.MalformedMessage as exc:
            return [Received(None, peer, "datagram", "discarded", f"malformed ISAKMP datagram: {exc}"),
                    Event("malformed", peer=peer, fields={"reason": str(exc)})]
        header = msg.header
        if header.exchange == Exchange.INFORMATIONAL:
            return self._informational(msg, peer)
        if header.exchange != Exchange.IDENTITY_PROTECTION:
            return [Received(None, peer, "datagram", "discarded", f"exchange type {header.exchange} not supported"),
                    Event("unsupported_exchange", peer=peer, fields={"exchange": header.exchange})]
        sa = self._find(msg, peer)
        if sa is None:
            if not any(header.rcookie) and not header.encrypted and msg.first(messages.SaPayload) is not None:
                return self._new_responder(msg, peer, peer_port, now, local_port)
            return [Received(None, peer, "MM5" if header.encrypted else "datagram", "discarded",
                             "no matching SA (cookies unknown)"),
                    Event("no_sa", peer=peer, fields={"encrypted": header.encrypted,
                                                      "icookie": header.icookie.hex()})]
        sa.rx_port, sa.rx_peer_port = local_port, peer_port
        out = sa.receive(msg, now)
        self._reap(sa)
        return out

    def timer(self, key: tuple, now: float) -> list[Effect]:
        """A timer armed by a :class:`~sim.ike.effects.SetTimer` with this ``key`` fired."""
        sa_id, role, generation = key
        sa = self.sas.get((bytes.fromhex(sa_id), role))
        if sa is None:
            return []
        out = sa.timer(generation, now)
        self._reap(sa)
        return out

    # -- views ----------------------------------------------------------------------------------------------------
    def half_open(self) -> int:
        return sum(1 for sa in self.sas.values() if sa.role == "responder" and sa.state != MM_ACTIVE)

    # -- internals ------------------------------------------------------------------------------------------------
    def _find(self, msg: messages.Message, peer: str) -> MainModeSA | None:
        mine = self.sas.get((msg.header.icookie, "initiator"))
        if mine is not None and mine.peer == peer:
            return mine
        theirs = self.sas.get((msg.header.icookie, "responder"))
        if theirs is not None and theirs.peer == peer:
            return theirs
        return None

    def _new_responder(self, msg: messages.Message, peer: str, peer_port: int, now: float,
                       local_port: int = IKE_PORT) -> list[Effect]:
        if self.half_open() >= self.config.half_open_limit:
            return [Received(None, peer, "MM1", "discarded", "too many half-open SAs"),
                    Event("half_open_limit", peer=peer, fields={"limit": self.config.half_open_limit})]
        sa = Responder(config=self.config, secrets=self.secrets, peer=peer, peer_port=peer_port,
                       icookie=msg.header.icookie, timer_ids=self.timer_ids)
        sa.local_port = sa.rx_port = local_port
        out = sa.start(msg, now)
        if sa.state is not None:
            self.sas[(sa.icookie, sa.role)] = sa
        return out

    def _informational(self, msg: messages.Message, peer: str) -> list[Effect]:
        notify = msg.first(messages.NotifyPayload)
        name = INFORMATIONAL_NAMES.get(notify.notify_type, str(notify.notify_type)) if notify else "informational"
        if msg.header.encrypted:
            reason = "encrypted informational exchange: not handled in phase 1"
        else:
            reason = f"un-encrypted {name} notify: it cannot be authenticated, dropped"
        return [Received(None, peer, "NOTIFY", "discarded", reason),
                Event("notify_dropped", peer=peer, fields={"notify": name, "encrypted": msg.header.encrypted})]

    def _reap(self, sa: MainModeSA) -> None:
        if sa.state is None:
            self.sas.pop((sa.icookie, sa.role), None)

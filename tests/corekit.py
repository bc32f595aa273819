"""A tiny manual driver for the sans-IO core (aioquic style): two endpoints, a list of datagrams, a hand clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.ike.config import IkeConfig, PeerKey
from sim.ike.effects import Log, Received, SaUpdate, Send, SetTimer
from sim.ike.endpoint import Endpoint
from sim.ike.policy import Policy
from sim.ike.secrets import SeedStream

I_ADDR = "192.0.2.1"
R_ADDR = "198.51.100.2"


def config(address: str, peer: str, psk: bytes | None = b"secret", policies=(Policy(),), **kw) -> IkeConfig:
    peers = {peer: PeerKey(peer, psk)} if psk is not None or kw.pop("group_without_key", False) else {}
    return IkeConfig(address=address, policies=tuple(policies), peers=peers,
                     default_peer=PeerKey("DefaultL2LGroup", kw.pop("default_psk", None), via_default=True), **kw)


@dataclass
class Pair:
    initiator: Endpoint
    responder: Endpoint
    effects: dict = field(default_factory=lambda: {"initiator": [], "responder": []})
    timers: dict = field(default_factory=lambda: {"initiator": [], "responder": []})

    @classmethod
    def make(cls, icfg: IkeConfig, rcfg: IkeConfig, seed: int = 1) -> "Pair":
        return cls(Endpoint(icfg, SeedStream(seed, "i")), Endpoint(rcfg, SeedStream(seed, "r")))

    def endpoint(self, role: str) -> Endpoint:
        return self.initiator if role == "initiator" else self.responder

    def record(self, role: str, effects: list) -> list:
        self.effects[role].extend(effects)
        self.timers[role].extend(e for e in effects if isinstance(e, SetTimer))
        return effects

    def sends(self, role: str) -> list[Send]:
        return [e for e in self.effects[role] if isinstance(e, Send)]

    def state(self, role: str) -> str | None:
        updates = [e for e in self.effects[role] if isinstance(e, SaUpdate)]
        return updates[-1].state if updates else None

    def received(self, role: str) -> list[Received]:
        return [e for e in self.effects[role] if isinstance(e, Received)]

    def events(self, role: str, kind: type | None = None) -> list:
        """The typed log events (:mod:`sim.ike.events`) ``role`` reported so far, only those of ``kind`` if given."""
        return [e.event for e in self.effects[role]
                if isinstance(e, Log) and (kind is None or isinstance(e.event, kind))]

    def start(self, now: float = 0.0) -> list:
        return self.record("initiator", self.initiator.initiate(R_ADDR, now))

    def deliver(self, send: Send, to: str, now: float) -> list:
        src = I_ADDR if to == "responder" else R_ADDR
        return self.record(to, self.endpoint(to).receive(send.data, src, send.sport, now))

    def pump(self, now: float = 0.0, drop=lambda send, to: False, limit: int = 50) -> None:
        """Deliver every datagram sent so far, in order, until nothing new is sent (no timers fire)."""
        done = {"initiator": 0, "responder": 0}
        for _ in range(limit):
            progressed = False
            for role, to in (("initiator", "responder"), ("responder", "initiator")):
                pending = self.sends(role)[done[role]:]
                done[role] += len(pending)
                for send in pending:
                    progressed = True
                    if not drop(send, to):
                        self.deliver(send, to, now)
            if not progressed:
                return
        raise AssertionError("exchange did not settle")

    def fire(self, role: str, timer: SetTimer) -> list:
        return self.record(role, self.endpoint(role).timer(timer.id, timer.at))

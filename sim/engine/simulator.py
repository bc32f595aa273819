"""The SimPy driver: two sans-IO endpoints, the path between their outside interfaces, simulated seconds.

It only moves bytes and timers and writes down what happened; every protocol decision is the core's.
"""

from __future__ import annotations

import random

import simpy

from ..errors import InputError
from ..ike.effects import CancelTimer, Event, KeysDerived, Received, SaUpdate, Send, SetTimer
from ..ike.endpoint import Endpoint
from ..ike.secrets import SeedStream
from ..platforms.registry import platform_for
from . import path as pathrules
from .nat import Translator
from .trace import (DatagramDelivered, DatagramDropped, DatagramProcessed, DatagramSent, DeviceInfo, KeysRecord,
                    Logged, SaChanged, TimerRecord, Trace)

#: how long a run goes on when nothing asks for longer (simulated seconds); a run also ends when nothing is pending
DEFAULT_HORIZON = 300.0
#: most SimPy events one run may process (the largest bundled scenario needs ~700 in 300 s): past it the run stops
#: with an InputError, so timers that never let a run settle, or a far `look`/`--at`, cost seconds, not hours
EVENT_BUDGET = 50_000


class _Node:
    def __init__(self, hostname: str, role: str, address: str, endpoint: Endpoint):
        self.hostname = hostname
        self.role = role
        self.address = address
        self.endpoint = endpoint


class Simulation:
    def __init__(self, scenario, seed: int | None = None):
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.env = simpy.Environment()
        self.rng = random.Random(f"ikesim/path/{self.seed}")
        self.nodes: dict[str, _Node] = {}
        for spec in scenario.devices:
            ike = platform_for(spec.platform).ike_config(spec)
            endpoint = Endpoint(ike, SeedStream(self.seed, f"{spec.role}/{spec.hostname}"))
            self.nodes[spec.role] = _Node(spec.hostname, spec.role, spec.outside, endpoint)
        self.trace = Trace(
            scenario=scenario.name, title=scenario.title, seed=self.seed,
            devices=tuple(DeviceInfo(s.hostname, s.role, s.outside, s.platform) for s in scenario.devices),
        )
        self._datagrams = 0
        self._cancelled: set[tuple] = set()
        self._dropped: dict[int, int] = {}  # per path rule: datagrams dropped so far (for counted drops)
        self.nats = [Translator(rule, self.nodes[rule.inside].address, self.seed)
                     for rule in scenario.path if isinstance(rule, pathrules.Nat)]

    # -- running ----------------------------------------------------------------------------------------------------
    def run(self, until: float = DEFAULT_HORIZON) -> Trace:
        initiator = self.nodes["initiator"]
        responder = self.nodes["responder"]
        self._apply(initiator, initiator.endpoint.initiate(responder.address, self.env.now), None)
        env, events = self.env, 0
        while env.peek() < until:  # env.run(until=until), counting events (events at `until` are not processed)
            events += 1
            if events > EVENT_BUDGET:
                raise InputError(f"simulation exceeded its event budget of {EVENT_BUDGET:,} events at "
                                 f"t={env.now:.3f} s: the timers keep it busy for too long; look earlier or "
                                 f"use longer timers", source=getattr(self.scenario, "source", None))
            env.step()
        self.trace.end = float(until)
        return self.trace

    def _other(self, node: _Node) -> _Node:
        return self.nodes["responder" if node.role == "initiator" else "initiator"]

    def _apply(self, node: _Node, effects: list, datagram_id: int | None) -> None:
        now = self.env.now
        record = self.trace.records.append
        for effect in effects:
            if isinstance(effect, Send):
                self._send(node, effect)
            elif isinstance(effect, SetTimer):
                record(TimerRecord(now, node.hostname, effect.key, "set", effect.at, effect.purpose))
                self.env.process(self._timer(node, effect))
            elif isinstance(effect, CancelTimer):
                self._cancelled.add(effect.key)
                record(TimerRecord(now, node.hostname, effect.key, "cancelled"))
            elif isinstance(effect, SaUpdate):
                record(SaChanged(now, node.hostname, effect))
                if effect.state is None and effect.role == "initiator":
                    self._traffic_restarts(node)
            elif isinstance(effect, Event):
                record(Logged(now, node.hostname, effect))
            elif isinstance(effect, KeysDerived):
                record(KeysRecord(now, node.hostname, effect))
            elif isinstance(effect, Received):
                record(DatagramProcessed(now, -1 if datagram_id is None else datagram_id, node.hostname,
                                         effect.message, effect.outcome, effect.reason))
            else:  # pragma: no cover - a new effect type must be handled here
                raise TypeError(f"unhandled effect {effect!r}")

    def _traffic_restarts(self, node: _Node) -> None:
        """Interesting traffic is still flowing: a new Main Mode starts ``reinitiate`` s after the removal."""
        delay = node.endpoint.config.retransmit.reinitiate
        if delay is not None:
            self.env.process(self._reinitiate(node, delay))

    def _reinitiate(self, node: _Node, delay: float):
        yield self.env.timeout(delay)
        peer = self._other(node)
        self._apply(node, node.endpoint.initiate(peer.address, self.env.now), None)

    def _send(self, node: _Node, send: Send) -> None:
        now = self.env.now
        self._datagrams += 1
        datagram_id = self._datagrams
        self.trace.records.append(DatagramSent(now, datagram_id, node.hostname, node.role, node.address, send.sport,
                                               send.peer, send.dport, send.data, send.message, send.attempt,
                                               send.trigger, send.sa))
        verdict = pathrules.decide(self.scenario.path, node.role, "udp", send.dport, self.rng, self._dropped)
        if not verdict.delivered:
            self.trace.records.append(DatagramDropped(now, datagram_id, "path", verdict.rule))
            return
        src, sport, dst, dport = node.address, send.sport, send.peer, send.dport
        for nat in self.nats:
            if nat.rule.inside == node.role:
                src, sport = nat.outbound(sport)
            elif dst == nat.rule.address:
                back = nat.inbound(dport)
                if back is None:
                    self.trace.records.append(DatagramDropped(now, datagram_id, "path",
                                                              f"{nat.rule.label}: no translation for {dst}:{dport}"))
                    return
                dst, dport = back
        receiver = self._other(node)
        if dst != receiver.address:
            self.trace.records.append(DatagramDropped(now, datagram_id, "path", f"no route to {dst}"))
            return
        self.env.process(self._deliver(receiver, (src, sport, dst, dport), send, datagram_id, verdict.delay))

    def _deliver(self, receiver: _Node, addresses: tuple, send: Send, datagram_id: int, delay: float):
        yield self.env.timeout(delay)
        src, sport, dst, dport = addresses
        self.trace.records.append(DatagramDelivered(self.env.now, datagram_id, receiver.hostname, src, sport, dst,
                                                    dport))
        effects = receiver.endpoint.receive(send.data, src, sport, self.env.now, local_port=dport)
        self._apply(receiver, effects, datagram_id)

    def _timer(self, node: _Node, timer: SetTimer):
        yield self.env.timeout(max(0.0, timer.at - self.env.now))
        if timer.key in self._cancelled:
            return
        self.trace.records.append(TimerRecord(self.env.now, node.hostname, timer.key, "fired", timer.at,
                                              timer.purpose))
        self._apply(node, node.endpoint.timer(timer.key, self.env.now), None)


def simulate(scenario, seed: int | None = None, until: float | None = None) -> Trace:
    """Run ``scenario`` (a :class:`sim.scenario.Scenario`) and return its Trace.

    ``until`` (simulated seconds) defaults to :data:`DEFAULT_HORIZON`, or later if the scenario looks later.
    """
    horizon = max(DEFAULT_HORIZON, scenario.look + 1.0) if until is None else until
    return Simulation(scenario, seed).run(horizon)

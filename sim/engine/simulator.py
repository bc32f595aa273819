"""The SimPy driver: two sans-IO endpoints, the path between their outside interfaces, simulated seconds.

It only moves bytes and timers and writes down what happened (through the shared :class:`~.recorder.Recorder`);
every protocol decision is the core's. It imports nothing above the core: its input is a :class:`Lab` of plain data
(each device's :class:`~sim.ike.config.IkeConfig`, built by its platform before the run) and the path rules.
"""

from __future__ import annotations

import random
from typing import NamedTuple

import simpy

from ..ike.config import IkeConfig
from ..ike.effects import CancelTimer, SaUpdate, Send, SetTimer
from ..ike.endpoint import Endpoint
from ..ike.secrets import SeedStream
from . import path as pathrules
from .nat import Translator
from .recorder import Recorder, sent_record
from .trace import (START, Cause, CauseKind, DatagramDelivered, DatagramDropped, DeviceInfo, TimerFired, Trace)

#: how long a run goes on when nothing asks for longer (simulated seconds); a run also ends when nothing is pending
DEFAULT_HORIZON = 300.0
#: most SimPy events one run may process (the largest bundled scenario needs ~700 in 300 s): past it the run stops
#: with BudgetExceeded (the API turns it into an InputError), so timers that never let a run settle, or a far
#: `look`/`--at`, cost seconds, not hours
EVENT_BUDGET = 50_000


class BudgetExceeded(RuntimeError):
    """The run processed more events than its budget."""

    def __init__(self, budget: int, t: float):
        super().__init__(f"simulation exceeded its event budget of {budget:,} events at t={t:.3f} s: the timers keep "
                         "it busy for too long; look earlier or use longer timers")
        self.budget = budget
        self.t = t


class Node(NamedTuple):
    """One device as the engine needs it."""

    hostname: str
    role: str  # "initiator" | "responder"
    address: str
    platform: str  # a label for the renderers; the engine does nothing with it
    ike: IkeConfig
    version: str = ""  # likewise: the software version the renderers follow


class Lab(NamedTuple):
    name: str
    title: str
    initiator: Node
    responder: Node
    path: tuple = ()
    seed: int = 1


class _Node:
    def __init__(self, spec: Node, endpoint: Endpoint):
        self.hostname = spec.hostname
        self.role = spec.role
        self.address = spec.address
        self.endpoint = endpoint


class Simulation:
    def __init__(self, lab: Lab, seed: int | None = None, budget: int | None = None):
        self.lab = lab
        self.seed = lab.seed if seed is None else seed
        self.budget = EVENT_BUDGET if budget is None else budget
        self.env = simpy.Environment()
        self.rng = random.Random(f"ikesim/path/{self.seed}")
        self.nodes: dict[str, _Node] = {}
        self.by_host: dict[str, _Node] = {}
        for spec in (lab.initiator, lab.responder):
            endpoint = Endpoint(spec.ike, SeedStream(self.seed, f"{spec.role}/{spec.hostname}"))
            node = _Node(spec, endpoint)
            self.nodes[spec.role] = node
            self.by_host[spec.hostname] = node
        self.trace = Trace(
            scenario=lab.name, title=lab.title, seed=self.seed,
            devices=tuple(DeviceInfo(s.hostname, s.role, s.address, s.platform, s.version)
                          for s in (lab.initiator, lab.responder)),
        )
        self.records = self.trace.records
        self.recorder = Recorder(self.records.append, self)
        self._datagrams = 0
        self._restarts = 0
        self._cancelled: set[tuple[str, int]] = set()
        self._dropped: dict[int, int] = {}  # per path rule: datagrams dropped so far (for counted drops)
        self.nats = [Translator(rule, self.nodes[rule.inside].address, self.seed)
                     for rule in lab.path if isinstance(rule, pathrules.Nat)]

    def _append(self, record) -> None:
        self.records.append(record)

    # -- running ----------------------------------------------------------------------------------------------------
    def run(self, until: float = DEFAULT_HORIZON) -> Trace:
        initiator = self.nodes["initiator"]
        responder = self.nodes["responder"]
        self._apply(initiator, initiator.endpoint.initiate(responder.address, self.env.now), START)
        env, events = self.env, 0
        while env.peek() < until:  # env.run(until=until), counting events (events at `until` are not processed)
            events += 1
            if events > self.budget:
                raise BudgetExceeded(self.budget, env.now)
            env.step()
        self.trace.end = float(until)
        return self.trace

    def _other(self, node: _Node) -> _Node:
        return self.nodes["responder" if node.role == "initiator" else "initiator"]

    def _apply(self, node: _Node, effects: list, cause: Cause) -> None:
        self.recorder.apply(node.hostname, effects, cause, self.env.now)

    # -- the recorder's driver interface ----------------------------------------------------------------------------
    def schedule(self, device: str, timer: SetTimer) -> None:
        self.env.process(self._timer(self.by_host[device], timer))

    def cancel(self, device: str, timer: CancelTimer) -> None:
        self._cancelled.add((device, timer.id))

    def removed(self, device: str, update: SaUpdate) -> None:
        """Interesting traffic is still flowing: a new Main Mode starts ``reinitiate`` s after the removal."""
        node = self.by_host[device]
        delay = node.endpoint.config.retransmit.reinitiate
        if update.role == "initiator" and delay is not None:
            self.env.process(self._reinitiate(node, delay))

    def transmit(self, device: str, send: Send, cause: Cause) -> None:
        node = self.by_host[device]
        now = self.env.now
        self._datagrams += 1
        datagram_id = self._datagrams
        self._append(sent_record(now, datagram_id, node.hostname, node.role, node.address, send.peer, send, cause))
        verdict = pathrules.decide(self.lab.path, node.role, "udp", send.dport, self.rng, self._dropped)
        if not verdict.delivered:
            self._append(DatagramDropped(now, datagram_id, "path", verdict.rule))
            return
        src, sport, dst, dport = node.address, send.sport, send.peer, send.dport
        for nat in self.nats:
            if nat.rule.inside == node.role:
                src, sport = nat.outbound(sport)
            elif dst == nat.rule.address:
                back = nat.inbound(dport)
                if back is None:
                    self._append(DatagramDropped(now, datagram_id, "path",
                                                 f"{nat.rule.label}: no translation for {dst}:{dport}"))
                    return
                dst, dport = back
        receiver = self._other(node)
        if dst != receiver.address:
            self._append(DatagramDropped(now, datagram_id, "path", f"no route to {dst}"))
            return
        self.env.process(self._deliver(receiver, (src, sport, dst, dport), send, datagram_id, verdict.delay))

    # -- processes --------------------------------------------------------------------------------------------------
    def _reinitiate(self, node: _Node, delay: float):
        yield self.env.timeout(delay)
        self._restarts += 1
        peer = self._other(node)
        self._apply(node, node.endpoint.initiate(peer.address, self.env.now), Cause(CauseKind.RESTART, self._restarts))

    def _deliver(self, receiver: _Node, addresses: tuple, send: Send, datagram_id: int, delay: float):
        yield self.env.timeout(delay)
        src, sport, dst, dport = addresses
        self._append(DatagramDelivered(self.env.now, datagram_id, receiver.hostname, src, sport, dst, dport))
        effects = receiver.endpoint.receive(send.data, src, sport, self.env.now, local_port=dport)
        self._apply(receiver, effects, Cause.delivery(datagram_id))

    def _timer(self, node: _Node, timer: SetTimer):
        yield self.env.timeout(max(0.0, timer.at - self.env.now))
        if (node.hostname, timer.id) in self._cancelled:
            return
        self._append(TimerFired(self.env.now, node.hostname, timer.id))
        self._apply(node, node.endpoint.timer(timer.id, self.env.now), Cause.timer(timer.id))


def simulate(lab: Lab, seed: int | None = None, until: float = DEFAULT_HORIZON,
             budget: int | None = None) -> Trace:
    """Run ``lab`` and return its Trace (simulated up to ``until`` seconds; it raises :class:`BudgetExceeded` past
    ``budget`` events, :data:`EVENT_BUDGET` by default)."""
    return Simulation(lab, seed, budget).run(until)

"""The live driver: one sans-IO :class:`~sim.ike.endpoint.Endpoint` on a real UDP socket, with a real clock.

asyncio and the standard library only. The driver moves bytes and timers and writes down what happened, exactly as
the SimPy driver (:mod:`sim.engine.simulator`) does, into a :class:`~sim.engine.trace.Trace` whose times are seconds
since the run started (the event loop's monotonic clock). So every renderer works on a live run: ``show`` (through
the device's platform, ``Platform.show``), ``show logging``/``debug``, pcap, key tables, charts, ladders.

How a live run maps onto the Trace
----------------------------------
* Two devices: ours (hostname from the config, role ``initiator`` or ``responder``) and the remote peer
  (hostname :data:`PEER_HOSTNAME`, the other role, the registry's default platform only so that renderers can name
  states;
  it never has SA records: we only see its datagrams).
* A datagram we send: ``DatagramSent`` with our real address and ports. A datagram we receive: a ``DatagramSent``
  by the peer (at arrival time: we cannot know when it left), then ``DatagramDelivered`` with the real source
  address and ports, then our ``DatagramProcessed`` (how the core classified it, or why the driver dropped it).
* Timers: ``TimerSet`` / ``TimerFired`` / ``TimerCancelled``; they run on ``loop.call_at``. Every effect of the core is
  written by the same recorder as in the simulator (:mod:`sim.engine.recorder`), with its cause.
* The ``data`` of a datagram in the Trace is the ISAKMP message as the simulator records it; the 4-byte non-ESP
  marker the driver adds on non-500 ports (below) is left out, so that logs and captures decode it like any other
  IKE message. (UDP 4500 keeps its marker in the Trace, as in the simulator.)

Ports and the non-ESP marker
----------------------------
The core thinks in UDP 500 and 4500. The driver's main socket (any port) is the core's 500, the optional NAT-T
socket its 4500. When neither our port nor the peer's is 500, real IKE daemons (strongSwan charon, libreswan pluto)
treat the flow as NAT-T framed: they expect the 4-byte zero non-ESP marker (RFC 3948 section 2.2) in front of every
IKE datagram and silently drop datagrams without it. With ``marker=True`` (the default) the driver therefore adds the
marker to every datagram it sends in that case and requires it (and strips it) on every datagram it receives there;
a datagram without it is dropped and logged as malformed. With ``marker=False`` datagrams on such ports are plain
ISAKMP (only useful between two ikesim endpoints). On port 500 (ours or the peer's) the marker is never used.

NAT traversal (``crypto isakmp nat-traversal``) stays on only when the main socket is UDP 500 and the NAT-T socket
UDP 4500: the core's NAT-D hashes name those ports, so on any other port the peer would detect a NAT that is not
there. Otherwise the driver switches it off and says so (a ``note`` event).

Untrusted input
---------------
Every datagram is untrusted. The core drops anything malformed, of an unknown exchange, with unknown cookies, ... with
a ``Received(discarded)`` and a log event, and never raises; the driver wraps every call into the core anyway and logs
an ``internal_error`` event instead of stopping. The SAs are bounded by the core (``IkeConfig.half_open_per_peer``
and ``half_open_limit``, set for live devices in :mod:`sim.live.device`), and so are duplicate-triggered resends
(``Retransmit.duplicate_holdoff``). What the Trace keeps is bounded in records and in bytes (:mod:`sim.live.budget`);
``LiveResult.states`` keeps the live SAs and the last :data:`KEEP_REMOVED` removed ones; the current SA table is kept
incrementally (:mod:`sim.live.table`), so ``show isakmp sa`` after each state change costs O(live SAs), not O(run).

Stopping
--------
SIGINT and SIGTERM stop a run the same way whether or not it has a time limit: the run ends, its sockets close and a
:class:`LiveResult` is returned (responder: exit code 0, "stopped by a signal"; initiator: exit code 1 unless it was
MM_ACTIVE), so the caller writes the outputs it was asked for.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from ..engine.recorder import Recorder, sent_record
from ..engine.trace import (START, Cause, DatagramDelivered, DatagramDropped, DatagramProcessed, DatagramSent,
                            DeviceInfo, Note, SaChanged, TimerFired, Trace)
from ..errors import InputError
from ..ike.config import IkeConfig, Retransmit
from ..ike.constants import IKE_PORT, NAT_T_PORT, NON_ESP_MARKER
from ..ike.effects import CancelTimer, Log, Received, SaUpdate, Send, SetTimer, detail
from ..ike.endpoint import Endpoint
from ..ike.events import IkeDisabled, Malformed, NoKeyToInitiate, NoPolicy
from ..ike.types import Msg, Outcome, Reason, Trigger
from ..render.reasons import explain
from ..ike.secrets import SystemRandom
from ..ike.states import MM_ACTIVE
from ..platforms import registry
from .budget import MAX_DATAGRAM_BYTES, MAX_RECORDS, MAX_SA_RECORDS, Budget
from .device import LIVE_INTERFACE, LiveDevice, ipv4, is_wildcard, load_device, nat_t_usable, route_source
from .table import CurrentSas, is_sa_table_command

__all__ = ["PEER_HOSTNAME", "DEFAULT_TIMEOUT", "MAX_RECORDS", "Listening", "LiveEvent", "LiveResult",
           "run_initiator", "run_responder", "format_progress"]

#: hostname of the remote peer in a live Trace
PEER_HOSTNAME = "peer"
#: how long an initiator waits at most (seconds) before giving up on its own; the core gives up earlier when the
#: retransmissions run out (ASA profile: 8 s x 3 retries + 8 s per message)
DEFAULT_TIMEOUT = 120.0
#: ``LiveResult.states`` keeps the live SAs and this many of the most recently removed ones
KEEP_REMOVED = 1000


def _platform(trace: Trace, hostname: str):
    """The platform object of ``hostname`` in a live Trace."""
    return registry.get(trace.device(hostname).platform)


def _source(platform, current, trace, command: str):
    """The Trace to render ``command`` from: the small live-SA Trace for the SA table where the platform's table
    needs only SA changes (``sa_table_from_changes``), else the whole Trace."""
    if current is not None and is_sa_table_command(command) and getattr(platform, "sa_table_from_changes", False):
        return current
    return trace

_OTHER_ROLE = {"initiator": "responder", "responder": "initiator"}


@dataclass(frozen=True)
class Listening:
    """Where a live device listens: the main socket (the core's UDP 500) and the NAT-T socket (its 4500), if any."""

    address: str
    port: int
    nat_t_port: int | None = None


@dataclass(frozen=True)
class LiveEvent:
    """Progress of a live run, for ``on_event`` callbacks (print them with :func:`format_progress`).

    ``kind``: ``listening`` (``record`` is a :class:`Listening`), ``note`` (something the driver decided, e.g. NAT-T
    switched off), ``sent`` / ``received`` (``record`` is the ``DatagramSent`` / ``DatagramProcessed``), ``state``
    (an SA changed, ``record`` is the ``SaChanged``), ``finished`` (``record`` is the :class:`LiveResult`).
    ``t`` is seconds since the run started. ``current`` (state events): a small Trace of the SAs alive now.
    """

    t: float
    kind: str
    hostname: str
    text: str
    record: object = None
    trace: Trace | None = field(default=None, repr=False, compare=False)
    current: Trace | None = field(default=None, repr=False, compare=False)

    def show(self, command: str | None = None) -> str:
        """The device's output of ``command`` (default: its SA table) at this moment, rendered by the device's
        platform (the SA table from the live SAs where the platform allows it, logs from the whole Trace)."""
        platform = _platform(self.trace, self.hostname)
        command = command or platform.default_command
        return platform.show(_source(platform, self.current, self.trace, command), self.hostname, self.t, command)


@dataclass
class LiveResult:
    """The end of a live run. ``exit_code``: initiator 0 on MM_ACTIVE, 1 when it gave up (or never started);
    responder 0 when stopped. ``final_state``: the last state of our initiator SA (initiator) or of the most recently
    changed SA (responder); None if there never was one. ``states``: the last state of every live SA by its id
    (the initiator cookie in hex) and of the last :data:`KEEP_REMOVED` removed ones (``None``). ``current``: a small
    Trace of the SAs alive at the end (``show`` at the end renders the SA table from it)."""

    trace: Trace
    hostname: str
    role: str
    exit_code: int
    final_state: str | None
    reason: str
    listening: Listening
    peer: tuple[str, int] | None
    config: IkeConfig | None
    states: dict[str, str | None] = field(default_factory=dict)
    current: Trace | None = field(default=None, repr=False)

    def show(self, command: str | None = None, at: float | None = None) -> str:
        """``command`` (default: the SA table) on our device at ``at`` seconds (default: the end of the run)."""
        platform = _platform(self.trace, self.hostname)
        command = command or platform.default_command
        if at is None:
            return platform.show(_source(platform, self.current, self.trace, command), self.hostname, self.trace.end,
                                 command)
        return platform.show(self.trace, self.hostname, at, command)


class _Socket(asyncio.DatagramProtocol):
    def __init__(self, live: "_Live", logical: int):
        self.live = live
        self.logical = logical  # the port the core sees: 500 or 4500
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data: bytes, addr) -> None:
        self.live.datagram(self, data, addr)

    def error_received(self, exc: Exception) -> None:
        self.live.note(f"UDP {self.port}: {exc}")


class _Live:
    """One device on live sockets: the part of :mod:`sim.engine.simulator` that has a network and a clock."""

    def __init__(self, device: LiveDevice, role: str, *, marker: bool, on_event, max_records: int,
                 local_address: str | None, peer_hostname: str, max_sa_records: int = MAX_SA_RECORDS,
                 max_datagram_bytes: int = MAX_DATAGRAM_BYTES):
        self.loop = asyncio.get_running_loop()
        self.start = self.loop.time()
        self.device = device
        self.hostname = device.hostname
        self.role = role
        self.marker = marker
        self.on_event = on_event
        self.callback_error: BaseException | None = None
        self.budget = Budget(max_records, max_sa_records, max_datagram_bytes)
        self.sas = CurrentSas()
        self.local_address = local_address
        self.peer_hostname = peer_hostname
        self.peer_role = _OTHER_ROLE[role]
        self.peer_address = ""
        self.address = ""
        self.nat_t = False
        self.config: IkeConfig | None = None
        self.endpoint: Endpoint | None = None
        self.sockets: dict[int, _Socket] = {}
        self.timers: dict[int, asyncio.TimerHandle] = {}
        self.datagrams = 0
        self.states: dict[str, str | None] = {}
        self.forgotten: dict[str, None] = {}  # removed SA ids, oldest first (to forget them from ``states``)
        self.last_update: SaUpdate | None = None  # the most recent SA change (the responder's final state)
        self.watch_update: SaUpdate | None = None  # the most recent change of the initiator's own SA
        self.watch_sa: str | None = None
        self._last_src = ""
        self.done: asyncio.Future | None = None
        self.trace = Trace(scenario="live", title=f"live {role}: {self.hostname}", seed=0, devices=())
        self.recorder = Recorder(self._recorded, self)
        self._devices()

    # -- time, records, progress ----------------------------------------------------------------------------------
    def now(self) -> float:
        return max(0.0, self.loop.time() - self.start)

    def _devices(self) -> None:
        ours = DeviceInfo(self.hostname, self.role, self.address, self.device.platform,
                          getattr(self.device.config, "version", None) or "")
        peer = DeviceInfo(self.peer_hostname, self.peer_role, self.peer_address, registry.default().name)
        self.trace.devices = (ours, peer) if self.role == "initiator" else (peer, ours)

    def record(self, rec) -> None:
        kept, notes = self.budget.admit(rec, self.hostname)
        for note in notes:
            self.trace.records.append(note)
            self.emit("note", note.text)
        if kept is not None:
            self.trace.records.append(kept)

    def _recorded(self, rec) -> None:
        """The recorder's output: into the (bounded) Trace, and progress for the ``on_event`` callback."""
        self.record(rec)
        kind = type(rec)
        if kind is DatagramProcessed:
            peer = self.peer_address
            why = f": {explain(rec.reason, rec.detail)}" if rec.reason else ""
            self.emit("received", f"<- {rec.message} from {self._last_src} {rec.outcome}{why}", rec)
        elif kind is SaChanged:
            update = rec.update
            self.sas.update(rec)
            self._sa_changed(update, rec)
            self._remember(update)

    def _remember(self, update: SaUpdate) -> None:
        """``states`` (bounded: live SAs and the last KEEP_REMOVED removed ones) and the final-state bookkeeping."""
        self.states[update.sa] = update.state
        self.last_update = update
        if update.sa == self.watch_sa and update.role == "initiator":
            self.watch_update = update
        self.forgotten.pop(update.sa, None)
        if update.state is None:
            self.forgotten[update.sa] = None
            while len(self.forgotten) > KEEP_REMOVED:
                old = next(iter(self.forgotten))
                del self.forgotten[old]
                if self.states.get(old, "") is None:
                    del self.states[old]

    def emit(self, kind: str, text: str, record: object = None) -> None:
        if self.on_event is None:
            return
        try:
            current = self.sas.trace(self.trace) if kind == "state" else None
            self.on_event(LiveEvent(self.now(), kind, self.hostname, text, record, self.trace, current))
        except Exception as exc:  # noqa: BLE001 - a broken callback must not stop the device; re-raised at the end
            if self.callback_error is None:
                self.callback_error = exc

    def note(self, text: str) -> None:
        self.emit("note", text)

    # -- sockets ------------------------------------------------------------------------------------------------
    async def open(self, bind: tuple[str, int], nat_t_port: int | None) -> None:
        host, port = ipv4(bind[0], "bind"), int(bind[1])
        main = await self._bind(host, port, IKE_PORT)
        if nat_t_port is None and main.port == IKE_PORT and self.device.wants_nat_t:
            nat_t_port = NAT_T_PORT
        if nat_t_port is not None:
            try:
                await self._bind(host, nat_t_port, NAT_T_PORT)
            except InputError as exc:
                self.note(f"no NAT-T socket: {exc.message}")
        natt = self.sockets.get(NAT_T_PORT)
        self.nat_t = nat_t_usable(main.port, natt.port if natt else None)
        if self.device.wants_nat_t and not self.nat_t:
            self.note("NAT traversal switched off: it needs UDP 500 and 4500 (the NAT-D hashes name those ports)")
        self.listening = Listening(host, main.port, natt.port if natt else None)
        if self.local_address is None and not is_wildcard(host):
            self.local_address = host
        if self.local_address is not None:
            self._make_endpoint(self.local_address)
        where = f"UDP {host}:{main.port}" + (f" and {natt.port} (NAT-T)" if natt else "")
        state = ("IKEv1 enabled" if self.device.listening
                 else f"IKEv1 NOT enabled on it (no 'crypto ikev1 enable {LIVE_INTERFACE}'): it will not negotiate")
        self.emit("listening", f"listening on {where}, as interface {LIVE_INTERFACE}: {state}",
                  self.listening)

    async def _bind(self, host: str, port: int, logical: int) -> _Socket:
        try:
            _, proto = await self.loop.create_datagram_endpoint(lambda: _Socket(self, logical), local_addr=(host, port),
                                                                family=socket.AF_INET)
        except OSError as exc:
            hint = ""
            if exc.errno == errno.EACCES and port < 1024:
                hint = " (ports below 1024 need root; ADDR:0 takes any free port)"
            elif exc.errno == errno.EADDRINUSE:
                hint = " (another IKE daemon or ikesim may be listening there)"
            raise InputError(f"cannot listen on UDP {host}:{port}: {exc.strerror or exc}{hint}", field="bind") from None
        self.sockets[logical] = proto
        return proto

    def close(self) -> None:
        for handle in self.timers.values():
            handle.cancel()
        self.timers.clear()
        for sock in self.sockets.values():
            if sock.transport is not None:
                sock.transport.close()
        self.trace.end = self.now()

    def _make_endpoint(self, address: str) -> Endpoint:
        self.address = address
        self.config = self.device.ike_config(address, nat_t=self.nat_t)
        self.endpoint = Endpoint(self.config, SystemRandom())
        self._devices()
        return self.endpoint

    def _framed(self, local_port: int, peer_port: int) -> bool:
        """Does a datagram between these ports carry the non-ESP marker (see the module docstring)?"""
        return self.marker and local_port != IKE_PORT and peer_port != IKE_PORT

    # -- inbound ------------------------------------------------------------------------------------------------
    def datagram(self, sock: _Socket, data: bytes, addr) -> None:
        try:
            self._datagram(sock, bytes(data), str(addr[0]), int(addr[1]))
        except Exception as exc:  # noqa: BLE001 - never let one datagram stop the device
            self.note(f"internal error on a datagram from {addr[0]}:{addr[1]}: {type(exc).__name__}: {exc}")

    def _datagram(self, sock: _Socket, data: bytes, src: str, sport: int) -> None:
        t = self.now()
        if not self.peer_address:
            self.peer_address = src
            self._devices()
        endpoint = self.endpoint or self._make_endpoint(route_source(src, sport))
        self.datagrams += 1
        datagram_id = self.datagrams
        self._last_src = f"{src}:{sport}"
        isakmp = data
        if sock.logical == IKE_PORT and self._framed(sock.port, sport):
            if data.startswith(NON_ESP_MARKER):
                isakmp = data[len(NON_ESP_MARKER):]
                effects = self._core(endpoint.receive, isakmp, src, sport, t, local_port=IKE_PORT)
            else:
                problem = (f"no non-ESP marker: between UDP {sport} and {sock.port} (neither is 500) every IKE "
                           "datagram starts with 4 zero bytes")
                effects = [Received(None, src, Msg.DATAGRAM, Outcome.DISCARDED, Reason.MALFORMED,
                                    detail(problem=problem), length=len(data)),
                           Log(Malformed(None, src, problem))]
        else:
            effects = self._core(endpoint.receive, data, src, sport, t, local_port=sock.logical)
            if sock.logical == NAT_T_PORT and NAT_T_PORT not in (sock.port, sport) and data.startswith(NON_ESP_MARKER):
                isakmp = data[len(NON_ESP_MARKER):]  # the Trace strips the marker by the 4500 port only
        received = next((e for e in effects if isinstance(e, Received)), None)
        message = received.message if received is not None else Msg.DATAGRAM
        sa = (received.sa if received is not None else None) or ""
        self.record(DatagramSent(t, datagram_id, self.peer_hostname, self.peer_role, src, sport, self.address,
                                 sock.port, isakmp, message, 0, Trigger.PROTOCOL, sa))
        self.record(DatagramDelivered(t, datagram_id, self.hostname, src, sport, self.address, sock.port))
        self.recorder.apply(self.hostname, effects, Cause.delivery(datagram_id), t)

    def _core(self, call, *args, **kwargs) -> list:
        """Call into the core; an exception (a core bug) becomes a note and a discard instead of stopping the
        device."""
        try:
            return call(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the network must not be able to stop the device
            problem = f"internal error in the IKE core: {type(exc).__name__}: {exc}"
            self.record(Note(self.now(), self.hostname, problem))
            self.note(problem)
            peer = str(args[1]) if len(args) > 1 else ""
            return [Received(None, peer, Msg.DATAGRAM, Outcome.DISCARDED, Reason.MALFORMED, detail(problem=problem))]

    # -- the recorder's driver interface ------------------------------------------------------------------------
    def schedule(self, device: str, timer: SetTimer) -> None:
        old = self.timers.pop(timer.id, None)
        if old is not None:
            old.cancel()
        self.timers[timer.id] = self.loop.call_at(self.start + timer.at, self.fire, timer)

    def cancel(self, device: str, timer: CancelTimer) -> None:
        handle = self.timers.pop(timer.id, None)
        if handle is not None:
            handle.cancel()

    def removed(self, device: str, update: SaUpdate) -> None:
        pass

    def _sa_changed(self, update: SaUpdate, rec: SaChanged) -> None:
        previous = update.previous or "-"
        state = update.state or "removed"
        self.emit("state", f"{update.peer} {update.role} SA {update.sa}: {previous} -> {state}"
                           + (f" ({explain(update.reason)})" if update.reason else ""), rec)
        if self.done is None or self.done.done():
            return
        if self.watch_sa is None and update.role == "initiator":
            self.watch_sa = update.sa
        if update.sa != self.watch_sa or update.role != "initiator":
            return
        if update.state == MM_ACTIVE:
            self.done.set_result((0, "phase 1 complete: MM_ACTIVE"))
        elif update.state is None:
            was = f" in {update.previous}" if update.previous else ""
            self.done.set_result((1, f"gave up: {explain(update.reason)}{was}"))

    def transmit(self, device: str, send: Send, cause: Cause) -> None:
        now = self.now()
        logical = NAT_T_PORT if send.sport == NAT_T_PORT else IKE_PORT
        sock = self.sockets.get(logical)
        sport = sock.port if sock is not None else send.sport
        self.datagrams += 1
        datagram_id = self.datagrams
        data = send.data
        if logical == NAT_T_PORT and NAT_T_PORT not in (sport, send.dport) and data.startswith(NON_ESP_MARKER):
            data = data[len(NON_ESP_MARKER):]
        rec = sent_record(now, datagram_id, self.hostname, self.role, self.address, send.peer,
                          send._replace(sport=sport, data=data), cause)
        self.record(rec)
        again = f" (retransmit {send.attempt}, {send.trigger})" if send.attempt else ""
        self.emit("sent", f"-> {send.message} to {send.peer}:{send.dport}, {len(send.data)} bytes{again}", rec)
        if sock is None or sock.transport is None:
            self.record(DatagramDropped(now, datagram_id, "path", f"not sent: no socket for the core's UDP {logical}"))
            return
        wire = send.data
        if logical == IKE_PORT and self._framed(sock.port, send.dport):
            wire = NON_ESP_MARKER + wire
        try:
            sock.transport.sendto(wire, (send.peer, send.dport))
        except OSError as exc:  # pragma: no cover - asyncio reports most send errors through error_received
            self.record(DatagramDropped(now, datagram_id, "path", f"not sent: {exc}"))

    def fire(self, timer: SetTimer) -> None:
        if self.timers.pop(timer.id, None) is None:
            return
        now = self.now()
        self.record(TimerFired(now, self.hostname, timer.id))
        if self.endpoint is not None:
            self.recorder.apply(self.hostname, self._core(self.endpoint.timer, timer.id, now), Cause.timer(timer.id),
                                now)

    # -- results ------------------------------------------------------------------------------------------------
    def result(self, exit_code: int, reason: str, final_state: str | None, peer) -> LiveResult:
        res = LiveResult(self.trace, self.hostname, self.role, exit_code, final_state, reason, self.listening, peer,
                         self.config, dict(self.states), self.sas.trace(self.trace))
        self.emit("finished", reason, res)
        if self.callback_error is not None:
            raise self.callback_error
        return res


def _last_state(update: SaUpdate | None) -> str | None:
    """The state of an SA after its last change (before its removal, if that was the change)."""
    if update is None:
        return None
    return update.state if update.state is not None else update.previous


class _Signals:
    """SIGINT and SIGTERM call ``stop`` while installed (when the loop can take signal handlers: the main thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stop: Callable[[], None]):
        self.loop = loop
        self.installed: list[int] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop)
                self.installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / no signals here
                pass

    def remove(self) -> None:
        for sig in self.installed:
            self.loop.remove_signal_handler(sig)
        self.installed.clear()


async def run_initiator(config_text: str, peer: str, peer_port: int = IKE_PORT,
                        bind: tuple[str, int] = ("0.0.0.0", IKE_PORT), *, timeout: float | None = DEFAULT_TIMEOUT,
                        on_event: Callable[[LiveEvent], None] | None = None, retransmit: Retransmit | None = None,
                        marker: bool = True, nat_t_port: int | None = None, local_address: str | None = None,
                        peer_hostname: str = PEER_HOSTNAME, max_records: int = MAX_RECORDS,
                        platform: str | None = None) -> LiveResult:
    """Start Main Mode from the device described by ``config_text`` (of ``platform``, default: recognised from the
    text, see :func:`sim.live.device.load_device`) toward ``peer``:
    ``peer_port`` and run it until our SA is MM_ACTIVE (exit code 0) or the core gives up after its retransmissions,
    or ``timeout`` seconds pass (exit code 1).

    ``bind``: our socket (default UDP 500 on all addresses; port 0 = any free port). ``retransmit``: the
    retransmission profile (default: the platform's; ``Retransmit(interval=1, retries=2, remove_after=1)`` for quick
    tests). ``marker``: see the module docstring. ``nat_t_port``: also listen there as the core's UDP 4500 (default:
    4500 when bound to 500 and the config enables NAT-T). ``local_address``: the address we put in our ID payload
    (default: the bound address, or the one the kernel routes toward the peer). Raises InputError on a bad config,
    address or a port that cannot be bound.
    """
    device = load_device(config_text, retransmit, platform)
    peer = ipv4(peer, "peer")
    peer_port = int(peer_port)
    if local_address is None and is_wildcard(ipv4(bind[0], "bind")):
        local_address = route_source(peer, peer_port)
    elif local_address is not None:
        local_address = ipv4(local_address, "local address")
    live = _Live(device, "initiator", marker=marker, on_event=on_event, max_records=max_records,
                 local_address=local_address, peer_hostname=peer_hostname)
    live.peer_address = peer
    live._devices()
    signals = None
    try:
        await live.open(bind, nat_t_port)
        live.done = live.loop.create_future()

        def stopped() -> None:
            if not live.done.done():
                live.done.set_result((1, "stopped by a signal"))

        signals = _Signals(live.loop, stopped)
        effects = live._core(live.endpoint.initiate, peer, live.now(), peer_port)
        live.recorder.apply(live.hostname, effects, START, live.now())
        if not live.done.done() and live.watch_sa is None:
            why = next((type(e.event) for e in effects if isinstance(e, Log)), None)
            live.done.set_result((1, f"did not start: {_NOT_STARTED.get(why, 'nothing happened')}"))
        try:
            code, reason = await asyncio.wait_for(asyncio.shield(live.done), timeout)
        except asyncio.TimeoutError:
            state = live.states.get(live.watch_sa or "")
            code, reason = 1, f"gave up: no MM_ACTIVE within {timeout:g} s (still {state})"
    finally:
        if signals is not None:
            signals.remove()
        live.close()
    return live.result(code, reason, _last_state(live.watch_update), (peer, peer_port))


_NOT_STARTED = {
    IkeDisabled: f"IKEv1 is not enabled on {LIVE_INTERFACE} (crypto ikev1 enable {LIVE_INTERFACE})",
    NoPolicy: "no crypto ikev1 policy configured",
    NoKeyToInitiate: "no pre-shared key for the peer",
}


async def run_responder(config_text: str, bind: tuple[str, int] = ("0.0.0.0", IKE_PORT),
                        until: asyncio.Event | float | None = None, *,
                        on_event: Callable[[LiveEvent], None] | None = None, retransmit: Retransmit | None = None,
                        marker: bool = True, nat_t_port: int | None = None, local_address: str | None = None,
                        peer_hostname: str = PEER_HOSTNAME, max_records: int = MAX_RECORDS,
                        platform: str | None = None) -> LiveResult:
    """Answer Main Mode on ``bind`` as the device described by ``config_text`` until ``until`` is set (an
    asyncio.Event), ``until`` seconds have passed (a number; None: no limit), or SIGINT/SIGTERM (Ctrl-C) arrives,
    whichever comes first. Exit code 0. Options as for :func:`run_initiator`; with a wildcard ``bind`` and no ``local_address`` our ID
    payload carries the address the kernel routes toward the first peer that talks to us.
    """
    device = load_device(config_text, retransmit, platform)
    if local_address is not None:
        local_address = ipv4(local_address, "local address")
    live = _Live(device, "responder", marker=marker, on_event=on_event, max_records=max_records,
                 local_address=local_address, peer_hostname=peer_hostname)
    signals = None
    waiters: list[asyncio.Task] = []
    try:
        await live.open(bind, nat_t_port)
        signalled = asyncio.Event()
        signals = _Signals(live.loop, signalled.set)  # the same rule with or without ``until``
        waiters.append(asyncio.ensure_future(signalled.wait()))
        if isinstance(until, asyncio.Event):
            waiters.append(asyncio.ensure_future(until.wait()))
            reason = "stopped"
        elif until is not None:
            waiters.append(asyncio.ensure_future(asyncio.sleep(float(until))))
            reason = f"stopped after {float(until):g} s"
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if signalled.is_set():
            reason = "stopped by a signal"
    finally:
        for waiter in waiters:
            waiter.cancel()
        if signals is not None:
            signals.remove()
        live.close()
    return live.result(0, reason, _last_state(live.last_update), None)


def format_progress(event: LiveEvent) -> str:
    """One line per event (``[  1.234s] ASA-LAB1: ...``); a state change is followed by the device's
    SA table (its platform's default command) at that moment, indented. Newline-terminated."""
    head = f"[{event.t:8.3f}s] {event.hostname}: "
    if event.kind == "finished":
        res = event.record
        text = f"{event.text} (exit {res.exit_code})" if isinstance(res, LiveResult) else event.text
        return head + text + "\n"
    line = head + event.text + "\n"
    if event.kind == "state" and event.trace is not None:
        show = event.show()
        platform = _platform(event.trace, event.hostname)
        line += f"{platform.prompt(event.hostname)}{platform.default_command}\n" + "".join(
            f"    {row}\n" if row else "\n" for row in show.rstrip("\n").split("\n"))
    return line

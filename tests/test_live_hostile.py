"""Live mode against a hostile peer (issue 15, items 1-6), black-box over real UDP sockets on loopback.

The responder under attack is our own live responder, either in this process (``run_responder``) or as the
``ikesim live responder`` command in a child process (stopped by its PID). The attackers are plain UDP sockets
bound to other loopback addresses (127.0.0.2, 127.0.0.3: all of 127/8 is the loopback interface on Linux). Nothing
leaves the machine. Every wait has a deadline; nothing asserts on time taken.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interop.asa_configs import asa_config
from sim.engine.trace import KeysRecord, Logged, Note, SaChanged
from sim.ike import messages
from sim.ike.config import Retransmit
from sim.ike.constants import NON_ESP_MARKER, Encryption, Hash
from sim.ike.events import Duplicate, HalfOpenLimit
from sim.ike.policy import Policy
from sim.live import LiveEvent, run_initiator, run_responder
from sim.platforms.asa.platform import ASA

VICTIM = "127.0.0.1"
ATTACKER = "127.0.0.2"
KEY = "Live-Key-1"
FAST = Retransmit(interval=0.5, retries=1, remove_after=0.5)
#: what asa_config() configures by default: aes (128), sha, group 14, 86400 s
ASA_DEFAULT = Policy(encryption=Encryption.AES_CBC, key_length=128, group=14)
MM1 = messages.build_mm1(bytes(8), [ASA_DEFAULT])  # cookie patched in per use
#: an MM1 the responder refuses (no matching policy): answered with NO_PROPOSAL_CHOSEN, no SA made (a probe)
PROBE = messages.build_mm1(bytes(8), [Policy(encryption=Encryption.DES_CBC, hash=Hash.MD5, group=1)])


#: the sockets made by udp() in the running test (closed when its event loop ends)
_OPEN: list = []


def run(coro, bound: float = 120.0):
    async def closing():
        try:
            return await asyncio.wait_for(coro, bound)
        finally:
            for proto in _OPEN:
                proto.transport.close()
            _OPEN.clear()
            await asyncio.sleep(0)

    return asyncio.run(closing())


def mm1(icookie: bytes) -> bytes:
    return icookie + MM1[8:]


def mm3(icookie: bytes, rcookie: bytes) -> bytes:
    """A well-formed MM3 (group 14 KE in range, 20-byte nonce)."""
    return messages.build_ke_nonce(icookie, rcookie, b"\x01" + os.urandom(255), os.urandom(20))


class Udp(asyncio.DatagramProtocol):
    """A peer socket: everything it receives is queued (ISAKMP, the non-ESP marker stripped)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        self.queue.put_nowait((data[4:] if data[:4] == NON_ESP_MARKER else data, addr))

    def send(self, isakmp: bytes, where: tuple[str, int]) -> None:
        self.transport.sendto(NON_ESP_MARKER + isakmp, where)

    async def recv(self, timeout: float = 5.0) -> bytes:
        return (await asyncio.wait_for(self.queue.get(), timeout))[0]

    def drain(self) -> list[bytes]:
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait()[0])
        return out


async def udp(address: str) -> Udp:
    _, proto = await asyncio.get_running_loop().create_datagram_endpoint(Udp, local_addr=(address, 0))
    _OPEN.append(proto)
    return proto


class Responder:
    """Our live responder in this process, on 127.0.0.1 (a free port), counting what it processed."""

    def __init__(self, config: str, **kw):
        self.config = config
        self.kw = kw
        self.stop = asyncio.Event()
        self.processed = 0
        self.events: list[LiveEvent] = []

    async def __aenter__(self) -> "Responder":
        ready = asyncio.get_running_loop().create_future()

        def on_event(event: LiveEvent) -> None:
            if event.kind == "received":
                self.processed += 1
            elif event.kind != "sent":
                self.events.append(event)
            if event.kind == "listening" and not ready.done():
                ready.set_result(event.record)

        self.task = asyncio.create_task(run_responder(self.config, (VICTIM, 0), self.stop, on_event=on_event,
                                                      **self.kw))
        await asyncio.wait({ready, self.task}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        self.where = (VICTIM, ready.result().port)
        return self

    async def until_processed(self, n: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.processed < n:
            assert time.monotonic() < deadline, f"responder processed {self.processed} of {n}"
            await asyncio.sleep(0.001)

    async def __aexit__(self, *exc) -> None:
        self.stop.set()
        self.result = await asyncio.wait_for(self.task, 10)


async def relay(target: tuple[str, int], on_forward) -> tuple[Udp, Udp]:
    """A UDP forwarder on 127.0.0.1: the victim's initiator talks to it, it talks to ``target``. ``on_forward(data)``
    sees every datagram the victim sends (what an on-path attacker sees). Returns (victim side, responder side)."""
    front, back = await udp(VICTIM), await udp(VICTIM)
    victim_addr: list = []

    def from_victim(data: bytes, addr) -> None:
        victim_addr[:] = [addr]
        back.transport.sendto(data, target)
        on_forward(data[4:] if data[:4] == NON_ESP_MARKER else data)

    def from_responder(data: bytes, addr) -> None:
        if victim_addr:
            front.transport.sendto(data, victim_addr[0])

    front.datagram_received = from_victim
    back.datagram_received = from_responder
    return front, back


def victim_config() -> str:
    return asa_config("I-LIVE", VICTIM, KEY)


def responder_config() -> str:
    return asa_config("R-LIVE", VICTIM, KEY)


# -- 1. cookie hijack -------------------------------------------------------------------------------------------------
def test_same_cookie_mm1_from_another_address_leaves_the_victims_sa_alone():
    """The victim's MM1, copied by an attacker on 127.0.0.2 (before MM3, and again later), makes an SA of the
    attacker's own; the victim's SA goes on to MM_ACTIVE and is never removed."""
    async def go():
        async with Responder(responder_config(), retransmit=FAST) as responder:
            attacker = await udp(ATTACKER)

            def copy(data: bytes) -> None:
                msg = messages.parse(data)
                if not msg.header.encrypted or msg.header.exchange == 2:
                    attacker.send(mm1(msg.header.icookie), responder.where)  # the victim's cookie

            front, back = await relay(responder.where, copy)
            victim = await run_initiator(victim_config(), VICTIM, front.transport.get_extra_info("sockname")[1],
                                         (VICTIM, 0), retransmit=FAST, timeout=8)
            answers = attacker.drain()
        return victim, responder.result, answers

    victim, responder, answers = run(go())
    assert (victim.exit_code, victim.final_state) == (0, "MM_ACTIVE")
    changes = [r.update for r in responder.trace.of(SaChanged)]
    sa = changes[0].sa
    ours = [u for u in changes if u.peer == VICTIM]
    theirs = [u for u in changes if u.peer == ATTACKER]
    assert {u.sa for u in ours} == {u.sa for u in theirs} == {sa}  # the same cookie, two SAs
    assert [u.state for u in ours] == ["MM_WAIT_MSG3", "MM_WAIT_MSG5", "MM_ACTIVE"]  # never removed
    assert theirs and theirs[0].state == "MM_WAIT_MSG3"
    assert answers and all(messages.parse(a).header.icookie == bytes.fromhex(sa) for a in answers)
    # both shows (from the live table and from the whole Trace) list the victim's SA as active, beside the other
    for text in (responder.show(), ASA.show(responder.trace, "R-LIVE", responder.trace.end, "show isakmp sa")):
        assert "Total IKE SA: 2" in text
        block = text.split(f"IKE Peer: {VICTIM}")[1].split("IKE Peer")[0]
        assert "State   : MM_ACTIVE" in block


# -- 2. replays -------------------------------------------------------------------------------------------------------
def test_replays_of_an_mm1_get_at_most_a_handful_of_answers():
    """200 copies of one MM1 within a second: the SA answers the first, resends MM2 for at most one copy per
    retransmission interval (8 s, the ASA's), and logs the others as rate limited."""
    async def go():
        async with Responder(responder_config()) as responder:
            attacker = await udp(ATTACKER)
            start = responder.processed
            for _ in range(200):
                attacker.send(mm1(b"\x42" * 8), responder.where)
                await asyncio.sleep(0.003)
            await responder.until_processed(start + 200)
            await asyncio.sleep(0.05)
            return attacker.drain(), responder

    answers, responder = run(go())
    result = responder.result
    assert 1 <= len(answers) <= 3
    duplicates = [r.event for r in result.trace.of(Logged) if isinstance(r.event, Duplicate)]
    assert len(duplicates) == 199
    assert sum(d.limited for d in duplicates) >= 197 and all(d.resent is None for d in duplicates if d.limited)
    assert "Duplicate first packet detected.  Ignoring packet." in ASA.show(result.trace, "R-LIVE", result.trace.end,
                                                                         "show logging")


def test_copies_of_mm5_to_an_established_sa_are_not_reflected():
    """3,000 copies of the victim's MM5 after its SA is MM_ACTIVE get at most a handful of MM6s."""
    async def go():
        async with Responder(responder_config(), retransmit=Retransmit(interval=8, retries=1, remove_after=8)) \
                as responder:
            seen: list[bytes] = []
            front, back = await relay(responder.where, seen.append)
            victim = await run_initiator(victim_config(), VICTIM, front.transport.get_extra_info("sockname")[1],
                                         (VICTIM, 0), retransmit=FAST, timeout=8)
            mm5 = next(d for d in seen if messages.parse(d).header.encrypted)
            back.drain()
            before = len(back.drain())
            back.datagram_received = lambda data, addr: back.queue.put_nowait((data, addr))
            start = responder.processed
            for n in range(3000):
                back.send(mm5, responder.where)
                if n % 20 == 19:
                    await responder.until_processed(start + n - 40)
            await responder.until_processed(start + 3000)
            await asyncio.sleep(0.05)
            return victim, back.drain(), before

    victim, answers, before = run(go())
    assert victim.exit_code == 0 and before == 0
    assert len(answers) <= 3  # none at all when the copies come within the holdoff of the MM6 itself


# -- 3. lockout -------------------------------------------------------------------------------------------------------
def test_an_mm1_flood_from_one_address_does_not_lock_out_another_peer():
    """3,000 MM1s (fresh cookies) from 127.0.0.2 fill only its per-address quota (10); the victim on 127.0.0.1
    still completes Main Mode, and the log says which limit refused the flood."""
    async def go():
        async with Responder(responder_config(), retransmit=Retransmit(interval=30, retries=1, remove_after=30)) \
                as responder:
            attacker = await udp(ATTACKER)
            start = responder.processed
            for n in range(3000):
                attacker.send(mm1(n.to_bytes(4, "big") + b"\x99" * 4), responder.where)
                if n % 50 == 49:
                    await responder.until_processed(start + n - 100)
            await responder.until_processed(start + 3000)
            victim = await run_initiator(victim_config(), VICTIM, responder.where[1], (VICTIM, 0), retransmit=FAST,
                                         timeout=8)
            return victim, responder

    victim, responder = run(go())
    result = responder.result
    assert (victim.exit_code, victim.final_state) == (0, "MM_ACTIVE")
    refusals = [r.event for r in result.trace.of(Logged) if isinstance(r.event, HalfOpenLimit)]
    assert len(refusals) == 3000 - 10 and {(e.scope, e.limit, e.peer) for e in refusals} == {("peer", 10, ATTACKER)}
    alive = [u for u in (r.update for r in result.current.records) if u.peer == ATTACKER]
    assert len({u.sa for u in alive}) == 10
    log = ASA.show(result.trace, "R-LIVE", result.trace.end, "show logging")
    assert "Maximum in-negotiation SAs from this peer (10) reached" in log


def test_many_addresses_meet_the_global_limit():
    """12 attacking addresses x 10 half-open SAs: the global cap (100) refuses the rest, saying so."""
    async def go():
        async with Responder(responder_config(), retransmit=Retransmit(interval=30, retries=1, remove_after=30)) \
                as responder:
            start = responder.processed
            for a in range(12):
                attacker = await udp(f"127.0.1.{a + 1}")
                for n in range(12):
                    attacker.send(mm1(bytes([a, n]) + b"\x77" * 6), responder.where)
                await responder.until_processed(start + 12 * (a + 1))
            return responder

    result = run(go()).result
    refusals = [r.event for r in result.trace.of(Logged) if isinstance(r.event, HalfOpenLimit)]
    scopes = {e.scope for e in refusals}
    assert scopes == {"peer", "global"}
    assert len({(r.update.sa, r.update.peer) for r in result.current.records}) == 100
    assert "Maximum in-negotiation SAs (100) reached" in ASA.show(result.trace, "R-LIVE", result.trace.end,
                                                                  "show logging")


def test_an_mm3_flood_costs_at_most_one_diffie_hellman_per_sa():
    """With a default-group key (so MM3 from anyone gets as far as the DH), 100 different MM3s for each of the
    attacker's 10 half-open SAs, plus 500 MM3s with unknown cookies: one key derivation per SA, no more."""
    config = responder_config() + ("tunnel-group DefaultL2LGroup ipsec-attributes\n"
                                   " ikev1 pre-shared-key Default-Key-9\n")

    async def go():
        async with Responder(config, retransmit=Retransmit(interval=30, retries=1, remove_after=30)) as responder:
            attacker = await udp(ATTACKER)
            cookies = [n.to_bytes(8, "big") for n in range(1, 11)]
            for c in cookies:
                attacker.send(mm1(c), responder.where)
            rcookies = {}
            for _ in cookies:
                msg = messages.parse(await attacker.recv())
                rcookies[msg.header.icookie] = msg.header.rcookie
            start = responder.processed
            sent = 0
            for _ in range(100):
                for c in cookies:
                    attacker.send(mm3(c, rcookies[c]), responder.where)
                sent += len(cookies)
                for _ in range(5):
                    attacker.send(mm3(os.urandom(8), os.urandom(8)), responder.where)
                sent += 5
                await responder.until_processed(start + sent - 20)
            await responder.until_processed(start + sent)
            return responder

    result = run(go()).result
    derived = result.trace.of(KeysRecord)
    assert len(derived) == 10 and len({k.keys.sa for k in derived}) == 10


# -- 4. memory --------------------------------------------------------------------------------------------------------
def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class Child:
    """``ikesim live responder`` in a child process (its progress goes to a file), stopped by its PID."""

    def __init__(self, tmp: Path, *extra: str):
        self.config = tmp / "r.cfg"
        self.config.write_text(responder_config())
        self.out = tmp / "out.txt"
        self.err = tmp / "err.txt"
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "sim", "live", "responder", "--config",
                                          str(self.config), "--bind", f"{VICTIM}:0", *extra], stdout=out, stderr=err)
        deadline = time.monotonic() + 20
        while True:
            found = re.search(r"listening on UDP 127\.0\.0\.1:(\d+)", self.out.read_text())
            if found:
                self.where = (VICTIM, int(found.group(1)))
                break
            assert self.proc.poll() is None, self.err.read_text()
            assert time.monotonic() < deadline, "the responder did not start"
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            return self.proc.wait(60)
        finally:
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


async def _probe(sock: Udp, where, n: int) -> None:
    """An MM1 the responder refuses with a notify (no SA): its answer proves everything sent before was handled."""
    sock.send(n.to_bytes(8, "big") + PROBE[8:], where)
    while True:
        msg = messages.parse(await sock.recv(20))
        if msg.header.icookie == n.to_bytes(8, "big") and msg.header.exchange == 5:
            return


def test_memory_stays_flat_under_big_datagrams_and_sa_churn(tmp_path):
    """15,000 maximum-size (65,507-byte) datagrams, then 20,000 MM1/MM3 churn cycles (each SA made, then removed
    because the attacker's address has no key): the responder's resident memory grows by less than 100 MB, where
    keeping every datagram would take a gigabyte."""
    child = Child(tmp_path)
    try:
        async def go():
            sock = await udp(ATTACKER)
            await _probe(sock, child.where, 1)
            base = _rss_mb(child.proc.pid)
            big = os.urandom(65_507 - 4)
            for n in range(15_000):
                sock.send(big[:8] + n.to_bytes(8, "big") + big[16:], child.where)
                if n % 3 == 2:
                    await _probe(sock, child.where, 10 + n)
            after_big = _rss_mb(child.proc.pid)
            template = mm3(bytes(8), bytes(8))  # the same KE and nonce for all: the SA is removed before DH
            for batch in range(2000):
                cookies = [(batch * 10 + k + 1).to_bytes(4, "big") + b"\x55" * 4 for k in range(10)]
                for c in cookies:
                    sock.send(mm1(c), child.where)
                rcookies = {}
                while len(rcookies) < 10:
                    answer = await sock.recv(20)  # MM2: the cookies are the first 16 bytes
                    rcookies[answer[:8]] = answer[8:16]
                for c in cookies:
                    sock.send(c + rcookies[c] + template[16:], child.where)
            await _probe(sock, child.where, 2)
            return base, after_big, _rss_mb(child.proc.pid)

        base, after_big, end = run(go(), 600)
    finally:
        code = child.stop()
    assert code == 0
    assert after_big - base < 100 and end - base < 100, (base, after_big, end)
    out = child.out.read_text()
    assert "datagram budget spent" in out and "trace full" in out


# -- 5 and 6. show per event, outputs on exit ------------------------------------------------------------------------
@pytest.mark.parametrize("sig, noise", [(signal.SIGTERM, 150), (signal.SIGINT, 0)])
def test_a_signal_writes_the_outputs_asked_for_even_with_a_timeout(tmp_path, sig, noise):
    """SIGTERM and SIGINT both end a responder that has --timeout after writing its pcap, keys and chart; a run
    too long to chart (150 junk datagrams first) is charted from its last 100 datagrams, saying so."""
    keys = tmp_path / "keys"
    keys.mkdir()
    child = Child(tmp_path, "--timeout", "300", "--pcap", str(tmp_path / "x.pcapng"), "--keys", str(keys),
                  "--chart", str(tmp_path / "x.svg"))
    try:
        async def go():
            sock = await udp(ATTACKER)
            for n in range(noise):
                sock.send(os.urandom(40), child.where)
                if n % 50 == 49:
                    await _probe(sock, child.where, n)
            victim = await run_initiator(victim_config(), VICTIM, child.where[1], (VICTIM, 0), retransmit=FAST,
                                         timeout=8)
            return victim

        victim = run(go())
    finally:
        code = child.stop(sig)
    assert victim.exit_code == 0
    assert code == 0, child.err.read_text()
    assert (tmp_path / "x.pcapng").read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    assert (keys / "R-LIVE.ikev1_decryption_table").read_text().count("\n") == 1
    assert (tmp_path / "x.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert "stopped by a signal (exit 0)" in child.out.read_text()
    assert ("the chart shows the last 100" in child.err.read_text()) == bool(noise)


def test_show_after_each_state_change_renders_the_live_sas_only():
    """The progress show after a state change comes from the live SA table: under churn it lists the SAs alive
    then, not every SA the run ever had."""
    shows: list[str] = []

    async def go():
        async with Responder(responder_config(), retransmit=FAST) as responder:
            responder_events = responder.events
            attacker = await udp(ATTACKER)
            for batch in range(30):
                cookies = [bytes([batch, k]) + b"\x33" * 6 for k in range(5)]
                for c in cookies:
                    attacker.send(mm1(c), responder.where)
                rcookies = {}
                while len(rcookies) < 5:
                    msg = messages.parse(await attacker.recv())
                    rcookies[msg.header.icookie] = msg.header.rcookie
                for c in cookies:
                    attacker.send(mm3(c, rcookies[c]), responder.where)
            await responder.until_processed(300)
            shows.extend(e.show() for e in responder_events if e.kind == "state")
            return responder

    result = run(go()).result
    assert len(shows) == 300  # created and removed, 150 SAs
    assert max(int(re.search(r"Total IKE SA: (\d+)", s).group(1)) for s in shows if "Total" in s) <= 5
    assert "There are no IKEv1 SAs" in shows[-1] and "There are no IKEv1 SAs" in result.show()
    assert not result.trace.of(Note)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_a_waiting_initiator_writes_its_capture(tmp_path, sig):
    """An initiator waiting for an MM2 that never comes (--timeout 300): a signal ends it with exit 1 and the pcap
    written."""
    import socket

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind((VICTIM, 0))
    config = tmp_path / "i.cfg"
    config.write_text(victim_config())
    out = tmp_path / "out.txt"
    try:
        with open(out, "w") as handle:
            proc = subprocess.Popen([sys.executable, "-m", "sim", "live", "initiator", "--config", str(config),
                                     "--peer", f"{VICTIM}:{silent.getsockname()[1]}", "--bind", f"{VICTIM}:0",
                                     "--timeout", "300", "--pcap", str(tmp_path / "i.pcapng")],
                                    stdout=handle, stderr=subprocess.STDOUT)
        try:
            silent.settimeout(20)
            silent.recvfrom(65535)  # its MM1: it is waiting now
            os.kill(proc.pid, sig)
            code = proc.wait(60)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(5)
    finally:
        silent.close()
    assert code == 1, out.read_text()
    assert "stopped by a signal (exit 1)" in out.read_text()
    assert (tmp_path / "i.pcapng").read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"

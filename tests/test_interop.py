"""Interop: our live driver (sim.live) against real IKEv1 daemons from Debian packages.

* strongSwan charon and ike-scan on the host's loopback (charon at 127.0.0.2 on free ports, in a private mount
  namespace for its pid file; we are 127.0.0.1). Neither side uses port 500, so both sides frame every datagram
  with the non-ESP marker, as charon requires (the driver's ``marker=True``).
* libreswan's pluto, run from the unpacked package (interop-recipes.md: it conflicts with strongSwan's packages), in
  a network namespace made by the test; our side runs in a second namespace (``tests/interop/live_peer.py`` in a
  subprocess), joined by a veth pair, 10.99.N.1 (us) and 10.99.N.2 (pluto), on port 500.

A missing binary skips (fails when ``CI`` is set: CI installs them); a daemon that cannot start here skips. Every
daemon is stopped by its PID in a ``finally``; the namespaces are deleted at the end. Short retransmission timers
on our side, and every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from interop.asa_configs import asa_config
from interop.helpers import Charon, Netns, Pluto, free_udp_port, need, wait_until
from sim.engine.trace import DatagramProcessed, DatagramSent, Logged
from sim.ike.config import Retransmit
from sim.ike.types import Reason
from sim.live import LiveEvent, run_initiator, run_responder

US, CHARON_ADDR = "127.0.0.1", "127.0.0.2"
KEY, WRONG = "Interop-Key-1", "Not-The-Key-2"
FAST = Retransmit(interval=0.5, retries=2, remove_after=0.5)
LIVE_PEER = Path(__file__).parent / "interop" / "live_peer.py"


def bounded(coro, seconds: float = 20.0):
    return asyncio.run(asyncio.wait_for(coro, seconds))


def discarded(result, message: str) -> list[str]:
    return [p.reason for p in result.trace.of(DatagramProcessed, result.hostname)
            if p.message == message and p.outcome == "discarded"]


# -- strongSwan charon -----------------------------------------------------------------------------------------------

def start_charon(tmp_path: Path, psk: str, proposals: str, remote_port: int | None = None) -> Charon:
    charon = Charon(tmp_path, address=CHARON_ADDR, port=free_udp_port(), nat_t_port=free_udp_port())
    return charon.start(remote=US, psk=psk, proposals=proposals, remote_port=remote_port)


CHARON_SUITES = [
    pytest.param("aes", 14, "aes128-sha1-modp2048", "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048", id="aes128-g14"),
    pytest.param("3des", 2, "3des-sha1-modp1024", "3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024", id="3des-g2"),
]


@pytest.mark.parametrize("encryption,group,proposal,shown", CHARON_SUITES)
def test_our_initiator_with_charon_as_responder(tmp_path, encryption, group, proposal, shown):
    charon = start_charon(tmp_path, KEY, proposal)
    try:
        result = bounded(run_initiator(asa_config("ASA-LIVE", CHARON_ADDR, KEY, encryption=encryption, group=group),
                                       CHARON_ADDR, charon.port, (US, 0), retransmit=FAST, timeout=8))
        assert (result.exit_code, result.final_state) == (0, "MM_ACTIVE"), result.reason
        assert charon.daemon.wait_for(r"IKE_SA lab\[\d+\] established between 127\.0\.0\.2", 5), charon.log()
        sas = charon.list_sas()
        assert "ESTABLISHED, IKEv1" in sas and shown in sas, sas
        # the show output of a live run, rendered by the ASA platform from the Trace
        detail = result.show("show crypto isakmp sa detail")
        assert "State   : MM_ACTIVE" in detail and f"IKE Peer: {CHARON_ADDR}" in detail
    finally:
        charon.stop()


def test_our_initiator_with_the_wrong_key_stalls_in_msg6_and_charon_cannot_decrypt(tmp_path):
    charon = start_charon(tmp_path, KEY, "aes128-sha1-modp2048")
    try:
        result = bounded(run_initiator(asa_config("ASA-LIVE", CHARON_ADDR, WRONG), CHARON_ADDR, charon.port, (US, 0),
                                       retransmit=FAST, timeout=8))
        assert (result.exit_code, result.final_state) == (1, "MM_WAIT_MSG6"), result.reason
        assert charon.daemon.wait_for(r"could not decrypt payloads|invalid ID_V1 payload length, decryption failed\?",
                                      5), charon.log()
        assert "ESTABLISHED" not in charon.list_sas()
    finally:
        charon.stop()


async def _responder_with(initiate, config: str, *, until_state: str | None, wait: float, marker: bool = True):
    """Run our responder on 127.0.0.1, call ``initiate(port)`` (a coroutine) once it listens, and stop it when an
    SA reaches ``until_state`` (or ``wait`` seconds after ``initiate`` returned)."""
    stop = asyncio.Event()
    ready = asyncio.get_running_loop().create_future()
    reached = asyncio.Event()

    def on_event(event: LiveEvent) -> None:
        if event.kind == "listening" and not ready.done():
            ready.set_result(event.record)
        if event.kind == "state" and until_state and event.record.update.state == until_state:
            reached.set()

    task = asyncio.create_task(run_responder(config, (US, 0), stop, on_event=on_event, retransmit=FAST,
                                             marker=marker))
    try:
        where = await asyncio.wait_for(ready, 5)
        outcome = await initiate(where.port)
        try:
            await asyncio.wait_for(reached.wait(), wait)
        except asyncio.TimeoutError:
            pass
    finally:
        stop.set()
    return await asyncio.wait_for(task, 5), outcome


async def _command(argv: list[str], timeout: float, env=None) -> str:
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT, env=env)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
    return out.decode(errors="replace")


def test_charon_initiating_against_our_responder(tmp_path):
    our_port = free_udp_port(US)
    charon = start_charon(tmp_path, KEY, "aes128-sha1-modp2048", remote_port=our_port)
    try:
        responder, swanctl = bounded(_charon_to_us(charon, our_port, KEY))
        assert responder.final_state == "MM_ACTIVE", responder.states
        assert "initiate completed successfully" in swanctl, swanctl
        assert charon.daemon.wait_for(r"IKE_SA lab\[\d+\] established between 127\.0\.0\.2", 5), charon.log()
        assert "ESTABLISHED, IKEv1" in charon.list_sas()
    finally:
        charon.stop()


async def _charon_to_us(charon: Charon, port: int, key: str, until_state: str | None = "MM_ACTIVE"):
    """Our responder on the fixed ``port`` charon's connection names; charon initiates the IKE SA."""
    stop = asyncio.Event()
    ready = asyncio.get_running_loop().create_future()
    reached = asyncio.Event()
    mm5 = asyncio.Event()

    def on_event(event: LiveEvent) -> None:
        if event.kind == "listening" and not ready.done():
            ready.set_result(event.record)
        elif event.kind == "state" and event.record.update.state == until_state:
            reached.set()
        elif event.kind == "received" and event.record.message == "MM5":
            mm5.set()

    task = asyncio.create_task(run_responder(asa_config("ASA-LIVE", CHARON_ADDR, key), (US, port), stop,
                                             on_event=on_event, retransmit=FAST))
    try:
        await asyncio.wait_for(ready, 5)
        swanctl = asyncio.create_task(_command(charon.initiate_argv(3), 8, charon.env))
        try:
            await asyncio.wait_for((reached if until_state else mm5).wait(), 6)
        except asyncio.TimeoutError:
            pass
        if not until_state:
            await asyncio.sleep(0.3)  # the retransmitted MM5 too
        out = await swanctl
    finally:
        stop.set()
    return await asyncio.wait_for(task, 5), out


def test_charon_initiating_with_the_wrong_key_leaves_our_responder_in_msg5(tmp_path):
    our_port = free_udp_port(US)
    charon = start_charon(tmp_path, WRONG, "aes128-sha1-modp2048", remote_port=our_port)
    try:
        responder, _ = bounded(_charon_to_us(charon, our_port, KEY, until_state=None))
        assert responder.final_state == "MM_WAIT_MSG5", responder.states
        reasons = discarded(responder, "MM5")
        assert reasons and all(r == Reason.DECRYPT_FAILED for r in reasons), reasons
        assert "ESTABLISHED" not in charon.list_sas()
    finally:
        charon.stop()


# -- ike-scan --------------------------------------------------------------------------------------------------------

def _ike_scan(config: str, args: list[str], *, marker: bool):
    ike_scan = need("ike-scan")

    async def go(port: int) -> str:
        # options first: --nat-t resets both ports to 4500, so --dport/--sport must come after it
        return await _command([ike_scan, *args, f"--dport={port}", "--sport=0", "--retry=1", "--timeout=2000", US],
                              10)

    return bounded(_responder_with(go, config, until_state=None, wait=0, marker=marker))


def test_ike_scan_gets_a_main_mode_handshake_with_the_transform_we_chose():
    """ike-scan's default MM1 (8 transforms, DES/3DES x MD5/SHA1 x groups 1/2, 28800 s): our ASA takes 3DES/SHA/2.
    ike-scan sends plain ISAKMP from a random port, so our responder runs without the non-ESP marker here."""
    responder, out = _ike_scan(asa_config("ASA-LIVE", US, KEY, encryption="3des", group=2, lifetime=28800), [],
                               marker=False)
    assert "Main Mode Handshake returned" in out, out
    assert "SA=(Enc=3DES Hash=SHA1 Group=2:modp1024 Auth=PSK LifeType=Seconds LifeDuration=28800)" in out, out
    assert "1 returned handshake; 0 returned notify" in out
    mm1 = [p for p in responder.trace.of(DatagramProcessed) if p.message == "MM1"]
    assert [p.outcome for p in mm1] == ["accepted"]
    assert [s.message for s in responder.trace.of(DatagramSent, "ASA-LIVE")][:1] == ["MM2"]


def test_ike_scan_nat_t_framing_and_an_aes_group_14_transform():
    """``--nat-t`` makes ike-scan put the non-ESP marker in front (as charon and pluto do on non-500 ports)."""
    responder, out = _ike_scan(asa_config("ASA-LIVE", US, KEY, encryption="aes", group=14, lifetime=28800),
                               ["--nat-t", "--trans=(1=7,14=128,2=2,3=1,4=14)"], marker=True)
    assert "Main Mode Handshake returned" in out, out
    assert "SA=(Enc=AES KeyLength=128 Hash=SHA1 Group=14:modp2048 Auth=PSK" in out, out
    assert responder.final_state == "MM_WAIT_MSG3"


def test_ike_scan_without_an_acceptable_proposal_gets_no_proposal_chosen():
    responder, out = _ike_scan(asa_config("ASA-LIVE", US, KEY, encryption="aes-256", group=14), [], marker=False)
    assert "Notify message 14 (NO-PROPOSAL-CHOSEN)" in out, out
    assert "0 returned handshake; 1 returned notify" in out
    processed = [p for p in responder.trace.of(DatagramProcessed, responder.hostname) if p.message == "MM1"]
    assert [(p.reason, p.detail["attribute"], p.detail["received"], p.detail["configured"]) for p in processed] == [
        (Reason.NO_PROPOSAL_CHOSEN, "Encryption", "3des", "aes-256")], processed
    assert [s.message for s in responder.trace.of(DatagramSent, "ASA-LIVE")] == ["NOTIFY"]
    assert responder.final_state is None and "There are no IKEv1 SAs" in responder.show()
    assert any(type(r.event).__name__ == "ProposalRejected" for r in responder.trace.of(Logged))


# -- libreswan pluto, in network namespaces --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def netns():
    need("ip")
    ns = Netns()
    try:
        yield ns.create()
    finally:
        ns.delete()


def _ours_in_ns(ns: Netns, tmp_path: Path, role: str, config: str, *, duration: float = 3.0,
                timeout: float = 6.0, ready: bool = False) -> tuple[subprocess.Popen, Path, Path]:
    cfg = tmp_path / f"{role}.cfg"
    cfg.write_text(config)
    out, flag = tmp_path / f"{role}.result", tmp_path / f"{role}.ready"
    argv = ns.exec_prefix(ns.a) + [sys.executable, str(LIVE_PEER), role, "--config", str(cfg), "--bind",
                                   f"{ns.addr_a}:500", "--out", str(out), "--retransmit", "0.5,2,0.5"]
    if role == "initiator":
        argv += ["--peer", f"{ns.addr_b}:500", "--timeout", str(timeout)]
    else:
        argv += ["--duration", str(duration), "--ready", str(flag)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc, out, flag


def _result(proc: subprocess.Popen, out: Path, timeout: float = 20.0):
    """Wait (bounded) for our live peer's subprocess, kill it if it overstays, and load its LiveResult."""
    try:
        text, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        text, _ = proc.communicate(timeout=5)
    assert out.exists(), f"our live peer wrote no result (exit {proc.returncode}): {text.decode(errors='replace')}"
    return pickle.loads(out.read_bytes())


def _initiate_in_ns(ns: Netns, tmp_path: Path, config: str):
    proc, out, _ = _ours_in_ns(ns, tmp_path, "initiator", config)
    try:
        return _result(proc, out)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=5)


def _pluto(tmp_path: Path, ns: Netns, psk: str, ike: str, *, ikepad: bool) -> Pluto:
    return Pluto(tmp_path / "pluto", ns, left=ns.addr_b, right=ns.addr_a, psk=psk, ike=ike, ikepad=ikepad).start()


PLUTO_SUITES = [
    pytest.param("aes", 14, "aes128-sha1;modp2048", "cipher=AES_CBC_128 integ=HMAC_SHA1 group=MODP2048", False,
                 id="aes128-g14"),
    pytest.param("3des", 5, "3des-sha1;modp1536", "cipher=3DES_CBC_192 integ=HMAC_SHA1 group=MODP1536", False,
                 id="3des-g5"),
    pytest.param("aes", 14, "aes128-sha1;modp2048", "cipher=AES_CBC_128 integ=HMAC_SHA1 group=MODP2048", True,
                 id="aes128-g14-nat-t"),
]


@pytest.mark.parametrize("encryption,group,ike,shown,nat_t", PLUTO_SUITES)
def test_our_initiator_with_pluto_as_responder(tmp_path, netns, encryption, group, ike, shown, nat_t):
    """With ``crypto isakmp nat-traversal`` our side listens on 500 and 4500, announces RFC 3947 and checks NAT-D:
    no NAT, no float. (pluto with ``ikepad=no`` here; its default padding has a test of its own below.)"""
    pluto = _pluto(tmp_path, netns, KEY, ike, ikepad=False)
    try:
        result = _initiate_in_ns(netns, tmp_path, asa_config("ASA-LIVE", netns.addr_b, KEY, encryption=encryption,
                                                             group=group, nat_t=nat_t))
        assert (result.exit_code, result.final_state) == (0, "MM_ACTIVE"), result.reason
        assert result.config.nat_traversal is nat_t
        assert result.listening.nat_t_port == (4500 if nat_t else None)
        detections = [{"local_behind": r.event.local_behind, "peer_behind": r.event.peer_behind}
                      for r in result.trace.of(Logged) if type(r.event).__name__ == "NatDetected"]
        assert detections == ([{"local_behind": False, "peer_behind": False}] if nat_t else [])
        assert pluto.daemon.wait_for(r"IKE SA established \{auth=PRESHARED_KEY " + re.escape(shown), 5), pluto.log()
        assert "STATE_MAIN_R3" in pluto.whack("--showstates")
    finally:
        pluto.stop()


def test_our_initiator_accepts_plutos_padded_mm2(tmp_path, netns):
    """libreswan pads clear IKEv1 messages to a multiple of 4 bytes (ikepad=yes, its default; RFC 2408 allows it).
    When our MM1 carried scapy's 3-byte LifeDuration TLV, pluto's MM2 echoed it and ended in one zero byte, which
    the parser once rejected. Our MM1 now carries Cisco's 4-byte TLV, so the echo needs no padding; the exchange
    must still complete with pluto's default padding (trailing zero bytes are covered by tests/test_messages.py)."""
    pluto = _pluto(tmp_path, netns, KEY, "aes128-sha1;modp2048", ikepad=True)
    try:
        result = _initiate_in_ns(netns, tmp_path, asa_config("ASA-LIVE", netns.addr_b, KEY))
        assert (result.exit_code, result.final_state) == (0, "MM_ACTIVE"), discarded(result, "datagram")
        mm2 = next(s for s in result.trace.of(DatagramSent, "peer") if s.message == "MM2")
        assert len(mm2.data) % 4 == 0
    finally:
        pluto.stop()


def test_our_initiator_with_the_wrong_key_stalls_in_msg6_and_pluto_blames_the_psk(tmp_path, netns):
    pluto = _pluto(tmp_path, netns, KEY, "aes128-sha1;modp2048", ikepad=False)
    try:
        result = _initiate_in_ns(netns, tmp_path, asa_config("ASA-LIVE", netns.addr_b, WRONG))
        assert (result.exit_code, result.final_state) == (1, "MM_WAIT_MSG6"), result.reason
        assert pluto.daemon.wait_for(r"probable authentication failure \(mismatch of preshared secrets\?\)", 5), \
            pluto.log()
        assert "established" not in pluto.whack("--showstates").lower()
    finally:
        pluto.stop()


def _pluto_to_us(tmp_path: Path, ns: Netns, pluto: Pluto, key: str, duration: float):
    proc, out, ready = _ours_in_ns(ns, tmp_path, "responder", asa_config("ASA-LIVE", ns.addr_b, key),
                                   duration=duration)
    try:
        assert wait_until(lambda: ready.exists() or proc.poll() is not None, 15), "our responder did not start"
        assert ready.exists(), proc.communicate(timeout=5)[0].decode(errors="replace")
        pluto.whack("--initiate", "--name", "lab", "--asynchronous")
        return _result(proc, out, duration + 15)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=5)


def test_pluto_initiating_against_our_responder(tmp_path, netns):
    """pluto as initiator with its default padding: its own MM1/MM3/MM5 need none, and we answer MM1 with a
    4-byte-multiple SA payload."""
    pluto = _pluto(tmp_path, netns, KEY, "aes128-sha1;modp2048", ikepad=True)
    try:
        responder = _pluto_to_us(tmp_path, netns, pluto, KEY, 2.0)
        assert responder.final_state == "MM_ACTIVE", responder.states
        assert pluto.daemon.wait_for(r'"lab" #\d+: IKE SA established', 5), pluto.log()
    finally:
        pluto.stop()


def test_pluto_initiating_with_the_wrong_key_leaves_our_responder_in_msg5(tmp_path, netns):
    pluto = _pluto(tmp_path, netns, WRONG, "aes128-sha1;modp2048", ikepad=True)
    try:
        responder = _pluto_to_us(tmp_path, netns, pluto, KEY, 2.0)
        assert responder.final_state == "MM_WAIT_MSG5", responder.states
        reasons = discarded(responder, "MM5")
        assert reasons and all(r == Reason.DECRYPT_FAILED for r in reasons), reasons
        assert "IKE SA established" not in pluto.log()
    finally:
        pluto.stop()

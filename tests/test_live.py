"""Live mode (sim.live): our initiator against our responder over real UDP sockets on 127.0.0.1.

Traffic only to 127.0.0.1, on ports the kernel picks. Short retransmission timers; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import socket

import pytest

from interop.asa_configs import asa_config
from sim.engine.trace import DatagramDelivered, DatagramProcessed, DatagramSent, Logged, Note, SaChanged
from sim.errors import InputError
from sim.ike import events as ev
from sim.ike import messages
from sim.ike.config import Retransmit
from sim.ike.constants import NON_ESP_MARKER, Encryption
from sim.ike.events import DecryptFailed, HalfOpenLimit, Malformed, NoMatchingSa
from sim.ike.types import Reason
from sim.ike.policy import Policy
from sim.ike.types import Msg, Outcome, Reason, State
from sim.live import Listening, LiveEvent, format_progress, parse_endpoint, run_initiator, run_responder
from sim.platforms.asa.platform import ASA

LOOP = "127.0.0.1"
FAST = Retransmit(interval=0.5, retries=1, remove_after=0.5)
KEY = "Live-Key-1"
#: the most any single live test may take (seconds)
BOUND = 20.0


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, BOUND))


async def responder_task(config: str, stop: asyncio.Event, **kw):
    """Start a responder on 127.0.0.1 (a free port); returns (task, Listening)."""
    ready = asyncio.get_running_loop().create_future()
    events: list[LiveEvent] = kw.pop("events", [])

    def on_event(event: LiveEvent) -> None:
        events.append(event)
        if event.kind == "listening" and not ready.done():
            ready.set_result(event.record)

    task = asyncio.create_task(run_responder(config, (LOOP, 0), stop, on_event=on_event,
                                             retransmit=kw.pop("retransmit", FAST), **kw))
    done, _ = await asyncio.wait({ready, task}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises what the responder raised
    assert ready in done, "responder did not start listening"
    return task, ready.result()


async def pair(initiator_key: str | None, responder_key: str | None, *, timeout: float = 8.0, **kw):
    stop = asyncio.Event()
    events: list[LiveEvent] = []
    task, where = await responder_task(asa_config("R-LIVE", LOOP, responder_key, **kw), stop, events=events)
    try:
        result = await run_initiator(asa_config("I-LIVE", LOOP, initiator_key, **kw), LOOP, where.port, (LOOP, 0),
                                     retransmit=FAST, timeout=timeout)
    finally:
        stop.set()
    return result, await asyncio.wait_for(task, 5), events


def test_healthy_pair_reaches_mm_active_on_both_sides():
    initiator, responder, _ = run(pair(KEY, KEY))
    assert (initiator.exit_code, initiator.final_state) == (0, "MM_ACTIVE")
    assert initiator.reason == "phase 1 complete: MM_ACTIVE"
    assert responder.exit_code == 0 and responder.final_state == "MM_ACTIVE"
    assert list(responder.states.values()) == ["MM_ACTIVE"]
    # real, non-default ports on both sides, recorded as they were
    assert initiator.listening.port not in (0, 500) and responder.listening.port not in (0, 500)
    delivered = responder.trace.of(DatagramDelivered, "R-LIVE")
    assert {(d.src, d.sport, d.dport) for d in delivered} == {(LOOP, initiator.listening.port,
                                                               responder.listening.port)}
    sent = [s.message for s in initiator.trace.of(DatagramSent)]
    assert sent == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6"]  # ours and the peer's, in arrival order


def test_psk_mismatch_stalls_in_msg6_and_msg5():
    initiator, responder, _ = run(pair(KEY, "Other-Key-2"))
    assert (initiator.exit_code, initiator.final_state) == (1, "MM_WAIT_MSG6")
    assert initiator.reason.startswith("gave up: retransmission limit reached in MM_WAIT_MSG6")
    assert responder.final_state == "MM_WAIT_MSG5"
    discarded = [p for p in responder.trace.of(DatagramProcessed, "R-LIVE") if p.outcome == Outcome.DISCARDED]
    assert discarded and all((p.message, p.reason) == (Msg.MM5, Reason.DECRYPT_FAILED) for p in discarded)
    assert any(isinstance(r.event, ev.DecryptFailed) for r in responder.trace.of(Logged, "R-LIVE"))
    # while it waited, the responder showed MM_WAIT_MSG5
    waiting = next(r.t for r in responder.trace.of(SaChanged) if r.update.state == "MM_WAIT_MSG5")
    assert "State   : MM_WAIT_MSG5" in responder.show(at=waiting + 0.01)


def test_live_trace_renders_like_a_simulated_one(tmp_path):
    from sim.render import keys, ladder, pcap

    initiator, responder, _ = run(pair(KEY, KEY))
    for res in (initiator, responder):
        text = ASA.show(res.trace, res.hostname, res.trace.end, "show crypto isakmp sa detail")
        assert "State   : MM_ACTIVE" in text and "Encrypt : aes" in text
        assert "PHASE 1 COMPLETED" in ASA.show(res.trace, res.hostname, res.trace.end, "show logging")
        assert ladder.ascii_ladder(res.trace, None).count("MM") >= 6
        assert "sequenceDiagram" in ladder.mermaid(res.trace, None)
        frames = pcap.capture(res.trace, None, res.role)
        assert [f.direction for f in frames] == ["out", "in"] * 3 if res.role == "initiator" else ["in", "out"] * 3
        assert pcap.pcap_bytes(res.trace, None, "both")[:4] == b"\x0a\x0d\x0d\x0a"
        assert keys.decryption_table(res.trace, res.hostname).count("\n") == 1
    # both sides derived the same keys: the peers really agreed
    assert keys.decryption_table(initiator.trace, "I-LIVE") == keys.decryption_table(responder.trace, "R-LIVE")


def test_live_trace_draws_a_chart():
    from sim.render.chart import chart_bytes

    initiator, _, _ = run(pair(KEY, KEY))
    assert chart_bytes(initiator.trace, None, "svg").lstrip().startswith(b"<?xml")


def test_progress_prints_states_and_show_output():
    lines: list[str] = []

    async def go():
        stop = asyncio.Event()
        _, where = await responder_task(asa_config("R-LIVE", LOOP, KEY), stop)
        try:
            return await run_initiator(asa_config("I-LIVE", LOOP, KEY), LOOP, where.port, (LOOP, 0),
                                       retransmit=FAST, timeout=8, on_event=lambda e: lines.append(format_progress(e)))
        finally:
            stop.set()

    result = run(go())
    text = "".join(lines)
    assert result.exit_code == 0
    assert lines[0].startswith("[") and "I-LIVE: listening on UDP 127.0.0.1:" in lines[0]
    assert "-> MM1 to 127.0.0.1:" in text and "<- MM2 from 127.0.0.1:" in text
    assert "initiator SA " in text and ": MM_WAIT_MSG6 -> MM_ACTIVE\n" in text
    assert "I-LIVE# show isakmp sa" in text and "    1   IKE Peer: 127.0.0.1" in text
    assert lines[-1].rstrip().endswith("phase 1 complete: MM_ACTIVE (exit 0)")
    assert all(line.endswith("\n") for line in lines)


#: what asa_config() configures by default: aes (128), sha, group 14, 86400 s
ASA_DEFAULT = Policy(encryption=Encryption.AES_CBC, key_length=128, group=14)


def _mm1(icookie: bytes, policy: Policy = ASA_DEFAULT) -> bytes:
    return messages.build_mm1(icookie, [policy])


def test_garbage_datagrams_are_logged_and_ignored():
    """Truncated, oversized, wrong-version, unknown-cookie, marker-less and random datagrams: each is discarded with
    a log event; the responder keeps working and then completes a real exchange."""
    mm1 = _mm1(bytes.fromhex("1122334455667788"))
    wrong_version = mm1[:17] + b"\x20" + mm1[18:]
    unknown_cookie = messages.build_encrypted(os.urandom(8), os.urandom(8), 5, bytes(32))
    garbage = [b"", b"\x00" * 3, NON_ESP_MARKER + mm1[:20], NON_ESP_MARKER + wrong_version,
               NON_ESP_MARKER + unknown_cookie, NON_ESP_MARKER + os.urandom(200), NON_ESP_MARKER + b"\xff" * 60000,
               mm1,  # a good MM1 but without the non-ESP marker these ports need
               b"\xff"]

    async def go():
        stop = asyncio.Event()
        task, where = await responder_task(asa_config("R-LIVE", LOOP, KEY), stop)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((LOOP, 0))
            for data in garbage:
                sock.sendto(data, (LOOP, where.port))
            await asyncio.sleep(0.2)
            healthy = await run_initiator(asa_config("I-LIVE", LOOP, KEY), LOOP, where.port, (LOOP, 0),
                                          retransmit=FAST, timeout=8)
        finally:
            sock.close()
            stop.set()
        return healthy, await asyncio.wait_for(task, 5)

    healthy, responder = run(go())
    assert healthy.exit_code == 0
    processed = responder.trace.of(DatagramProcessed, "R-LIVE")
    early = processed[:len(garbage)]
    assert len(early) == len(garbage) and all(p.outcome == Outcome.DISCARDED for p in early)
    problems = [p.detail["problem"] for p in early if p.reason == Reason.MALFORMED]
    assert any(p.startswith("truncated") for p in problems) and "bad version 0x20" in problems
    assert any(p.startswith("no non-ESP marker") for p in problems)
    assert [p.message for p in early if p.reason == Reason.NO_MATCHING_SA] == [Msg.MM5]
    assert {p.reason for p in early} == {Reason.MALFORMED, Reason.NO_MATCHING_SA}
    kinds = [type(r.event) for r in responder.trace.of(Logged, "R-LIVE")]
    assert kinds.count(ev.Malformed) + kinds.count(ev.NoMatchingSa) >= len(garbage)
    assert not [n for n in responder.trace.of(Note) if "internal error" in n.text]
    assert not [p for p in problems if p.startswith("internal error")]
    assert list(responder.states.values()) == ["MM_ACTIVE"]  # the garbage made no SA


def test_flood_of_mm1s_is_bounded_by_the_half_open_limit():
    async def go():
        stop = asyncio.Event()
        task, where = await responder_task(asa_config("R-LIVE", LOOP, KEY), stop, retransmit=Retransmit(30, 1, 30),
                                           max_records=2000)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((LOOP, 0))
            template = _mm1(bytes(range(1, 9)))
            for n in range(400):
                sock.sendto(NON_ESP_MARKER + n.to_bytes(4, "big") + b"\x99\x99\x99\x99" + template[8:],
                            (LOOP, where.port))
                if n % 50 == 49:
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
        finally:
            sock.close()
            stop.set()
        return await asyncio.wait_for(task, 5)

    responder = run(go())
    alive = [s for s in responder.states.values() if s is not None]
    assert 0 < len(alive) <= 10  # the live per-address half-open limit (sim.live.device)
    assert any(isinstance(r.event, ev.HalfOpenLimit) for r in responder.trace.of(Logged))
    assert len(responder.trace.records) <= 2000 + 200  # bounded: only SA changes go on past max_records


def test_marker_is_added_on_non_500_ports_and_left_off_with_marker_false():
    async def first_datagram(marker: bool) -> bytes:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((LOOP, 0))
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        try:
            task = asyncio.create_task(run_initiator(asa_config("I-LIVE", LOOP, KEY), LOOP, sock.getsockname()[1],
                                                     (LOOP, 0), retransmit=FAST, timeout=0.3, marker=marker))
            data = await asyncio.wait_for(loop.sock_recv(sock, 65535), 5)
            result = await task
        finally:
            sock.close()
        assert result.exit_code == 1 and result.final_state == "MM_WAIT_MSG2"
        # the Trace holds the ISAKMP message without the marker either way
        assert messages.parse(result.trace.of(DatagramSent)[0].data).header.exchange == 2
        return data

    framed = run(first_datagram(True))
    plain = run(first_datagram(False))
    assert framed[:4] == NON_ESP_MARKER and messages.parse(framed[4:]).first(messages.SaPayload) is not None
    assert plain[:4] != NON_ESP_MARKER and messages.parse(plain).first(messages.SaPayload) is not None


def test_initiator_without_ike_on_outside_sends_nothing():
    events: list[LiveEvent] = []
    result = run(run_initiator(asa_config("I-LIVE", LOOP, KEY, interface="inside"), LOOP, 9, (LOOP, 0),
                               timeout=2, on_event=events.append))
    assert result.exit_code == 1 and result.final_state is None
    assert "did not start: IKEv1 is not enabled on outside" in result.reason
    assert not result.trace.of(DatagramSent)
    assert "IKEv1 NOT enabled on it" in events[0].text


def test_nat_traversal_is_switched_off_on_non_standard_ports():
    events: list[LiveEvent] = []
    result = run(run_initiator(asa_config("I-LIVE", LOOP, KEY, nat_t=True), LOOP, 9, (LOOP, 0), timeout=0.2,
                               on_event=events.append, retransmit=FAST))
    assert result.config.nat_traversal is False
    assert any(e.kind == "note" and "NAT traversal switched off" in e.text for e in events)


def test_bad_inputs_are_input_errors():
    with pytest.raises(InputError, match="peer must be an IPv4 address"):
        run(run_initiator(asa_config("I", LOOP, KEY), "not-an-address", 500, (LOOP, 0)))
    with pytest.raises(InputError, match="line 3"):
        run(run_initiator("hostname X\ncrypto ikev1 enable outside\ncrypto ikev1 frobnicate\n", LOOP, 500, (LOOP, 0)))
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind((LOOP, 0))
    try:
        with pytest.raises(InputError, match="cannot listen on UDP 127.0.0.1:"):
            run(run_responder(asa_config("R", LOOP, KEY), (LOOP, holder.getsockname()[1]), 0.1))
    finally:
        holder.close()
    assert parse_endpoint("192.0.2.7", 500, "peer") == ("192.0.2.7", 500)
    assert parse_endpoint("192.0.2.7:4501", 500, "peer") == ("192.0.2.7", 4501)
    with pytest.raises(InputError, match="bad port"):
        parse_endpoint("192.0.2.7:x", 500, "peer")


def test_listening_event_and_result_describe_the_sockets():
    events: list[LiveEvent] = []
    result = run(run_responder(asa_config("R-LIVE", LOOP, KEY), (LOOP, 0), 0.05, on_event=events.append))
    assert isinstance(events[0].record, Listening) and events[0].record.port == result.listening.port
    assert (result.exit_code, result.final_state, result.reason) == (0, None, "stopped after 0.05 s")
    assert "There are no IKEv1 SAs" in result.show()


def test_wildcard_bind_uses_the_address_toward_the_peer():
    """Bound to 0.0.0.0, each side puts the address the kernel routes toward the peer into its ID payload."""
    async def go():
        stop = asyncio.Event()
        ready = asyncio.get_running_loop().create_future()

        def on_event(event: LiveEvent) -> None:
            if event.kind == "listening" and not ready.done():
                ready.set_result(event.record)

        task = asyncio.create_task(run_responder(asa_config("R-LIVE", LOOP, KEY), ("0.0.0.0", 0), stop,
                                                 on_event=on_event, retransmit=FAST))
        where = await asyncio.wait_for(ready, 5)
        try:
            initiator = await run_initiator(asa_config("I-LIVE", LOOP, KEY), LOOP, where.port, ("0.0.0.0", 0),
                                            retransmit=FAST, timeout=8)
        finally:
            stop.set()
        return initiator, await asyncio.wait_for(task, 5)

    initiator, responder = run(go())
    assert initiator.final_state == responder.final_state == "MM_ACTIVE"
    assert initiator.config.address == responder.config.address == LOOP
    assert responder.listening.address == "0.0.0.0"
    assert responder.trace.device("R-LIVE").address == LOOP and responder.trace.device("peer").address == LOOP

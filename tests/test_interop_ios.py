"""Live mode plays an IOS router too: the same core, the IOS platform's config and profile, against strongSwan's
charon on loopback (charon at 127.0.0.2, us at 127.0.0.1). Needs charon (installed by .ci/run)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from interop.helpers import Charon, free_udp_port
from interop.ios_configs import ios_config
from sim.ike.config import Retransmit
from sim.ike.events import NoKeyToInitiate
from sim.engine.trace import Logged
from sim.live import LiveEvent, run_initiator, run_responder

pytestmark = pytest.mark.external

US, CHARON_ADDR = "127.0.0.1", "127.0.0.2"
KEY = "Interop-Key-1"
FAST = Retransmit(interval=0.5, retries=2, remove_after=0.5)


def bounded(coro, seconds: float = 20.0):
    return asyncio.run(asyncio.wait_for(coro, seconds))


def start_charon(tmp_path: Path, proposals: str, remote_port: int | None = None) -> Charon:
    charon = Charon(tmp_path, address=CHARON_ADDR, port=free_udp_port(), nat_t_port=free_udp_port())
    return charon.start(remote=US, psk=KEY, proposals=proposals, remote_port=remote_port)


def test_an_ios_initiator_completes_main_mode_with_charon(tmp_path):
    charon = start_charon(tmp_path, "aes128-sha1-modp2048")
    try:
        result = bounded(run_initiator(ios_config("R-LIVE", CHARON_ADDR, KEY), CHARON_ADDR, charon.port, (US, 0),
                                       retransmit=FAST, timeout=8, platform="ios"))
        assert (result.exit_code, result.final_state) == (0, "MM_ACTIVE"), result.reason
        assert charon.daemon.wait_for(r"IKE_SA lab\[\d+\] established between 127\.0\.0\.2", 5), charon.log()
        assert "ESTABLISHED, IKEv1" in charon.list_sas()
        # rendered by the IOS platform: the router's table, its state name and a conn-id
        table = result.show("show crypto isakmp sa")
        assert "QM_IDLE" in table and "1001" in table, table
        assert "Old State = IKE_I_MM5  New State =" in result.show("debug crypto isakmp")
    finally:
        charon.stop()


def test_an_ios_responder_answers_charon(tmp_path):
    our_port = free_udp_port(US)
    charon = start_charon(tmp_path, "aes128-sha1-modp2048", remote_port=our_port)

    async def scenario():
        stop = asyncio.Event()
        ready = asyncio.get_running_loop().create_future()
        up = asyncio.Event()

        def on_event(event: LiveEvent) -> None:
            if event.kind == "listening" and not ready.done():
                ready.set_result(event.record)
            elif event.kind == "state" and event.record.update.state == "MM_ACTIVE":
                up.set()

        task = asyncio.create_task(run_responder(ios_config("R-LIVE", CHARON_ADDR, KEY), (US, our_port), stop,
                                                 on_event=on_event, retransmit=FAST, platform="ios"))
        await asyncio.wait_for(ready, 5)
        proc = await asyncio.create_subprocess_exec(*charon.initiate_argv(3), stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT, env=charon.env)
        try:
            await asyncio.wait_for(up.wait(), 6)
        except asyncio.TimeoutError:
            pass
        out, _ = await asyncio.wait_for(proc.communicate(), 8)
        stop.set()
        return await asyncio.wait_for(task, 5), out.decode(errors="replace")

    try:
        responder, swanctl = bounded(scenario())
        assert responder.final_state == "MM_ACTIVE", (responder.states, swanctl)
        assert "QM_IDLE" in responder.show("show crypto isakmp sa")
    finally:
        charon.stop()


def test_an_ios_initiator_without_a_key_sends_nothing_as_a_router_would(tmp_path):
    result = bounded(run_initiator(ios_config("R-LIVE", CHARON_ADDR, None), CHARON_ADDR, 500, (US, 0),
                                   retransmit=FAST, timeout=3, platform="ios"))
    assert result.exit_code == 1 and result.final_state is None
    assert any(isinstance(r.event, NoKeyToInitiate) for r in result.trace.of(Logged))

"""The bundled scenarios run end to end: states, the seed's show blocks, causes found in the Trace, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.ike import events as ev
from sim.ike.types import Msg, Outcome, Reason
from sim.engine.trace import DatagramDropped, DatagramProcessed, DatagramSent, Logged, SaChanged

GOLDEN = Path(__file__).parent / "golden" / "seed_blocks.txt"
INITIATOR, RESPONDER = "ASA-LAB1", "ASA-LAB2"


def seed_blocks():
    blocks, current = [], None
    for line in GOLDEN.read_text().splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("=== "):
            scenario, host, command = line[4:].split(" ", 2)
            current = (scenario, host, command, [])
            blocks.append(current)
        else:
            current[3].append(line)
    return blocks


def contains_block(output: str, block: list[str]) -> bool:
    lines = [line.rstrip() for line in output.splitlines()]
    want = [line.rstrip() for line in block]
    return any(lines[i:i + len(want)] == want for i in range(len(lines) - len(want) + 1))


@pytest.mark.parametrize("scenario,host,command,block", seed_blocks(),
                         ids=[f"{s}-{h}-{c}" for s, h, c, _ in seed_blocks()])
def test_seed_block_appears_line_for_line(scenario, host, command, block):
    output = sim.run(scenario).show(host, command)
    assert contains_block(output, block), output


def states(run, t=None):
    t = run.look if t is None else t
    return {host: [u.state for u, _, _ in run.trace.sa_table(host, t)] for host in (INITIATOR, RESPONDER)}


# (scenario, states at the look time, states after every stuck SA was removed)
EXPECTED = [
    ("healthy", ["MM_ACTIVE"], ["MM_ACTIVE"], ["MM_ACTIVE"], ["MM_ACTIVE"]),
    ("udp500-blocked", ["MM_WAIT_MSG2"], [], [], []),
    ("return-path-blocked", ["MM_WAIT_MSG2"], ["MM_WAIT_MSG3"], [], []),
    ("missing-tunnel-group", ["MM_WAIT_MSG4"], [], [], []),
    ("psk-mismatch", ["MM_WAIT_MSG6"], ["MM_WAIT_MSG5"], [], []),
    ("initiator-no-psk", [], ["MM_WAIT_MSG5"], [], []),
]


@pytest.mark.parametrize("name,i_look,r_look,i_late,r_late", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_bundled_scenario_states_at_two_instants(name, i_look, r_look, i_late, r_late):
    run = sim.run(name)
    assert states(run) == {INITIATOR: i_look, RESPONDER: r_look}
    assert states(run, 60.0) == {INITIATOR: i_late, RESPONDER: r_late}


def test_show_after_removal_says_there_are_no_sas():
    out = sim.run("psk-mismatch").show(INITIATOR, at=60)
    assert "There are no IKEv1 SAs" in out and "IKE Peer" not in out


def discards(trace, device, message):
    return [r for r in trace.records
            if isinstance(r, DatagramProcessed) and r.device == device and r.message == message
            and r.outcome == Outcome.DISCARDED]


def test_psk_mismatch_cause_is_mm5_not_decrypting_at_the_responder():
    trace = sim.run("psk-mismatch").trace
    failed = discards(trace, RESPONDER, Msg.MM5)
    assert failed, "the responder never failed on MM5"
    assert all(r.reason == Reason.DECRYPT_FAILED and r.payloads == () for r in failed)
    # every copy of MM5 the initiator sent reached the responder and died there
    mm5 = [r for r in trace.of(DatagramSent, INITIATOR) if r.message == "MM5"]
    assert len(mm5) == len(failed) >= 2
    assert not [r for r in trace.of(DatagramSent, RESPONDER) if r.message == "MM6"]
    # and the keys really differ
    from sim.engine.trace import KeysRecord

    ikey, rkey = (trace.of(KeysRecord, h)[0].keys for h in (INITIATOR, RESPONDER))
    assert ikey.enc_key != rkey.enc_key and ikey.g_xy == rkey.g_xy


def test_missing_tunnel_group_cause_is_mm3_dropped_by_the_responder():
    trace = sim.run("missing-tunnel-group").trace
    failed = discards(trace, RESPONDER, Msg.MM3)
    assert failed and failed[0].reason == Reason.NO_PEER_KEY and failed[0].detail["peer"] == "50.57.228.150"
    assert [r.message for r in trace.of(DatagramSent, RESPONDER)] == ["MM2"]
    later = [r for r in trace.records if isinstance(r, DatagramProcessed) and r.device == RESPONDER][1:]
    assert all(r.outcome == Outcome.DISCARDED and r.reason == Reason.NO_MATCHING_SA for r in later[1:])


def test_return_path_cause_is_the_acl_on_the_way_back():
    trace = sim.run("return-path-blocked").trace
    dropped = trace.of(DatagramDropped)
    sent = {r.id: r for r in trace.of(DatagramSent)}
    assert dropped and all(sent[d.id].device == RESPONDER and sent[d.id].message == "MM2" for d in dropped)
    assert all(d.rule for d in dropped)
    # the initiator's retransmitted MM1 reaches the responder, which resends MM2 (duplicate)
    assert any(r.outcome == Outcome.DUPLICATE for r in trace.records
               if isinstance(r, DatagramProcessed) and r.device == RESPONDER)


def test_udp500_blocked_nothing_reaches_the_responder():
    trace = sim.run("udp500-blocked").trace
    assert not [r for r in trace.records if isinstance(r, DatagramProcessed) and r.device == RESPONDER]
    sent = trace.of(DatagramSent, INITIATOR)
    assert [s.t for s in sent] == [0.0, 8.0, 16.0, 24.0] and {s.message for s in sent} == {"MM1"}
    removed = [r for r in trace.of(SaChanged, INITIATOR) if r.update.state is None]
    assert removed and removed[0].t == 32.0


def test_initiator_without_key_sends_no_mm5():
    trace = sim.run("initiator-no-psk").trace
    assert [r.message for r in trace.of(DatagramSent, INITIATOR)] == ["MM1", "MM3"]
    assert any(isinstance(r.event, ev.NoLocalKey) for r in trace.of(Logged, INITIATOR))


def test_same_seed_gives_identical_output_and_other_seed_other_bytes():
    a, b = sim.run("healthy", seed=5), sim.run("healthy", seed=5)
    assert [r.data for r in a.trace.of(DatagramSent)] == [r.data for r in b.trace.of(DatagramSent)]
    assert a.transcript() == b.transcript()
    c = sim.run("healthy", seed=6)
    assert [r.data for r in a.trace.of(DatagramSent)] != [r.data for r in c.trace.of(DatagramSent)]


def test_lossy_path_is_reproducible_and_recovers(tmp_path):
    text = (Path(sim.scenario.bundled_dir()) / "healthy.yaml").read_text()
    assert "\npath:" not in text
    text = text.replace("look: 5", "look: 60") + "\npath:\n  - loss: 0.3\n"
    f = tmp_path / "lossy.yaml"
    f.write_text(text)
    outcomes = set()
    for seed in range(12):
        first = sim.run(str(f), seed=seed)
        again = sim.run(str(f), seed=seed)
        assert first.transcript() == again.transcript()
        outcomes.add(tuple(tuple(v) for v in states(first, 60).values()))
    assert (("MM_ACTIVE",), ("MM_ACTIVE",)) in outcomes  # loss that retransmission repairs


def test_show_filters_and_detail():
    run = sim.run("healthy")
    assert run.show(INITIATOR, "show crypto isakmp sa") == run.show(INITIATOR, "show isakmp sa")
    assert run.show(INITIATOR, "show isakmp sa | include State") == "    Rekey   : no              State   : MM_ACTIVE \n"
    detail = run.show(INITIATOR, "sh cry isa sa det")
    assert "    Encrypt : aes-256         Hash    : SHA\n" in detail
    assert "    Auth    : preshared       Lifetime: 86400\n" in detail
    assert "    Lifetime Remaining: 86395\n" in detail
    assert run.show(INITIATOR, "show isakmp sa | begin NOPE") == ""
    with pytest.raises(sim.InputError):
        run.show(INITIATOR, "show isakmp bogus")


def test_interesting_traffic_reinitiates_after_removal():
    """With traffic still flowing, a stuck SA disappears and reappears with new cookies, as on real gear."""
    import dataclasses

    from sim import faults

    scenario = faults.apply(sim.load_scenario("healthy"), ["psk-mismatch"])
    timers = dataclasses.replace(scenario.initiator.timers, reinitiate=2.0)
    scenario = dataclasses.replace(scenario, initiator=dataclasses.replace(scenario.initiator, timers=timers))
    run = sim.run(scenario)
    first = run.trace.sa_table(INITIATOR, 5)[0][0]
    assert first.state == "MM_WAIT_MSG6"
    assert run.trace.sa_table(INITIATOR, 33.0) == []
    again = run.trace.sa_table(INITIATOR, 40.0)[0][0]
    assert again.state == "MM_WAIT_MSG6" and again.sa != first.sa
    starts = [s.t for s in run.trace.of(DatagramSent, INITIATOR) if s.message == "MM1"]
    assert starts[:2] == [0.0, pytest.approx(34.02, abs=0.01)]


def test_reinitiate_from_a_scenario_file():
    run = sim.run("stuck-sa-comes-back")
    assert run.scenario.initiator.timers.reinitiate == 2.0
    assert "MM_WAIT_MSG6" in run.show(INITIATOR, at=5)
    assert "There are no IKEv1 SAs" in run.show(INITIATOR, at=33)
    assert "MM_WAIT_MSG6" in run.show(INITIATOR, at=40)


def test_asa_filter_regex_may_use_alternation():
    out = sim.run("healthy").show(INITIATOR, "show isakmp sa | include State|IKE Peer")
    assert out.splitlines() == ["1   IKE Peer: 50.56.229.98", "    Rekey   : no              State   : MM_ACTIVE "]


def test_asa_accepts_the_pre_8_4_debug_command_name():
    run = sim.run("psk-mismatch")
    assert run.show(RESPONDER, "debug crypto isakmp 127") == run.show(RESPONDER, "debug crypto ikev1 127")
    assert "had problems decrypting packet" in run.show(RESPONDER, "debug crypto isakmp 127")

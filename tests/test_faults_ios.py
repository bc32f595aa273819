"""The fault catalogue on mixed pairs (ASA -> IOS and IOS -> ASA): states in each platform's own words, while stuck
and after removal. IOS timers (10 s x 5) keep its SAs longer than an ASA's (8 s x 3)."""

from __future__ import annotations

import pytest

import sim
from sim import faults
from sim.engine.trace import Logged
from sim.ike import events as ev
from sim.platforms.registry import platform_for

STUCK_NONE = ([], [])
# fault: (states at the look time in (initiator, responder) order, states at 90 s)
ASA_TO_IOS = {
    "udp500-blocked": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    "return-path-blocked": ((["MM_WAIT_MSG2"], ["MM_SA_SETUP"]), STUCK_NONE),
    "no-route": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    "ikev1-disabled-initiator": (STUCK_NONE, STUCK_NONE),
    "ikev1-disabled-responder": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    "proposal-encryption": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    "proposal-hash": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    "proposal-group": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    "proposal-auth": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    "lifetime-longer-responder": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    # an IOS responder looks the key up at MM1: without one its pre-share policies cannot match
    "missing-tunnel-group": ((["MM_WAIT_MSG2"], []), STUCK_NONE),
    "missing-tunnel-group-default-key": ((["MM_ACTIVE"], ["QM_IDLE"]), (["MM_ACTIVE"], ["QM_IDLE"])),
    "psk-mismatch": ((["MM_WAIT_MSG6"], ["MM_KEY_EXCH"]), STUCK_NONE),
    "psk-trailing-space": ((["MM_WAIT_MSG6"], ["MM_KEY_EXCH"]), STUCK_NONE),
    "psk-special-char": ((["MM_WAIT_MSG6"], ["MM_KEY_EXCH"]), STUCK_NONE),
    "initiator-no-psk": (([], ["MM_KEY_EXCH"]), STUCK_NONE),
    "nat-t": ((["MM_ACTIVE"], ["QM_IDLE"]), (["MM_ACTIVE"], ["QM_IDLE"])),
    "nat-t-4500-blocked": ((["MM_WAIT_MSG6"], ["MM_KEY_EXCH"]), STUCK_NONE),
    "loss-recovers": ((["MM_WAIT_MSG2"], ["MM_SA_SETUP"]), (["MM_ACTIVE"], ["QM_IDLE"])),
    "delay": ((["MM_WAIT_MSG2"], ["MM_SA_SETUP"]), (["MM_ACTIVE"], ["QM_IDLE"])),
}
IOS_TO_ASA = {
    "udp500-blocked": ((["MM_NO_STATE"], []), STUCK_NONE),
    "return-path-blocked": ((["MM_NO_STATE"], ["MM_WAIT_MSG3"]), STUCK_NONE),
    "no-route": ((["MM_NO_STATE"], []), STUCK_NONE),
    "ikev1-disabled-initiator": (STUCK_NONE, STUCK_NONE),
    "ikev1-disabled-responder": ((["MM_NO_STATE"], []), STUCK_NONE),
    "proposal-encryption": ((["MM_NO_STATE"], []), STUCK_NONE),
    "proposal-hash": ((["MM_NO_STATE"], []), STUCK_NONE),
    "proposal-group": ((["MM_NO_STATE"], []), STUCK_NONE),
    "proposal-auth": ((["MM_NO_STATE"], []), STUCK_NONE),
    "lifetime-longer-responder": ((["MM_NO_STATE"], []), STUCK_NONE),
    "missing-tunnel-group": ((["MM_SA_SETUP"], []), STUCK_NONE),
    "missing-tunnel-group-default-key": ((["QM_IDLE"], ["MM_ACTIVE"]), (["QM_IDLE"], ["MM_ACTIVE"])),
    "psk-mismatch": ((["MM_KEY_EXCH"], ["MM_WAIT_MSG5"]), STUCK_NONE),
    "psk-trailing-space": ((["MM_KEY_EXCH"], ["MM_WAIT_MSG5"]), STUCK_NONE),
    "psk-special-char": ((["MM_KEY_EXCH"], ["MM_WAIT_MSG5"]), STUCK_NONE),
    "initiator-no-psk": (STUCK_NONE, STUCK_NONE),  # IOS sends nothing without a key
    "nat-t": ((["QM_IDLE"], ["MM_ACTIVE"]), (["QM_IDLE"], ["MM_ACTIVE"])),
    "nat-t-4500-blocked": ((["MM_KEY_EXCH"], ["MM_WAIT_MSG5"]), STUCK_NONE),
    "loss-recovers": ((["MM_NO_STATE"], ["MM_WAIT_MSG3"]), (["QM_IDLE"], ["MM_ACTIVE"])),
    "delay": ((["MM_NO_STATE"], ["MM_WAIT_MSG3"]), (["QM_IDLE"], ["MM_ACTIVE"])),
}
IOS_TO_IOS = {
    **{f: ((["MM_NO_STATE"], []), STUCK_NONE) for f in (
        "udp500-blocked", "no-route", "ikev1-disabled-responder", "proposal-encryption", "proposal-hash",
        "proposal-group", "proposal-auth", "lifetime-longer-responder")},
    "return-path-blocked": ((["MM_NO_STATE"], ["MM_SA_SETUP"]), STUCK_NONE),
    "ikev1-disabled-initiator": (STUCK_NONE, STUCK_NONE),
    "missing-tunnel-group": ((["MM_NO_STATE"], []), STUCK_NONE),  # refused at MM1, as above
    "missing-tunnel-group-default-key": ((["QM_IDLE"], ["QM_IDLE"]), (["QM_IDLE"], ["QM_IDLE"])),
    "psk-mismatch": ((["MM_KEY_EXCH"], ["MM_KEY_EXCH"]), STUCK_NONE),
    "psk-special-char": ((["MM_KEY_EXCH"], ["MM_KEY_EXCH"]), STUCK_NONE),
    "initiator-no-psk": (STUCK_NONE, STUCK_NONE),
    "nat-t": ((["QM_IDLE"], ["QM_IDLE"]), (["QM_IDLE"], ["QM_IDLE"])),
    "nat-t-4500-blocked": ((["MM_KEY_EXCH"], ["MM_KEY_EXCH"]), STUCK_NONE),
    "loss-recovers": ((["MM_NO_STATE"], ["MM_SA_SETUP"]), (["QM_IDLE"], ["QM_IDLE"])),
    "delay": ((["MM_NO_STATE"], ["MM_SA_SETUP"]), (["QM_IDLE"], ["QM_IDLE"])),
}
CASES = [("asa-to-ios-healthy", f, *v) for f, v in ASA_TO_IOS.items()] + \
        [("ios-to-asa-healthy", f, *v) for f, v in IOS_TO_ASA.items()] + \
        [("ios-to-ios-healthy", f, *v) for f, v in IOS_TO_IOS.items()]


def shown(run, hostname, t):
    platform = platform_for(run.scenario.device(hostname).platform)
    return [platform.state_name(u.role, u.state) for u, _, _ in run.trace.sa_table(hostname, t)]


def test_every_fault_but_loss_fatal_is_covered_on_the_ios_pairs():
    assert set(ASA_TO_IOS) == set(IOS_TO_ASA) == set(faults.names()) - {"loss-fatal"}
    assert set(IOS_TO_IOS) == set(faults.names()) - {"loss-fatal", "psk-trailing-space"}  # IOS keys: single words


@pytest.mark.parametrize("base,fault,look,late", CASES, ids=[f"{b[:10]}-{f}" for b, f, _, _ in CASES])
def test_fault_on_mixed_pair(base, fault, look, late):
    run = sim.run(faults.apply(sim.load_scenario(base), [fault]))
    i, r = run.scenario.initiator.hostname, run.scenario.responder.hostname
    assert (shown(run, i, run.look), shown(run, r, run.look)) == look
    assert (shown(run, i, 90), shown(run, r, 90)) == late


@pytest.mark.parametrize("base,fault", [(b, f) for b, f, _, _ in CASES], ids=[f"{b[:10]}-{f}" for b, f, _, _ in CASES])
def test_cause_is_found_in_the_trace_on_mixed_pairs(base, fault):
    """The same Trace evidence as on the ASA pair: the core's records are platform-neutral."""
    from test_faults import CASES as ASA_CASES

    run = sim.run(faults.apply(sim.load_scenario(base), [fault]))
    i, r = run.scenario.initiator.hostname, run.scenario.responder.hostname
    if base.startswith("ios-to") and fault == "initiator-no-psk":  # IOS refuses to start: a different, logged cause
        assert [type(rec.event) for rec in run.trace.of(Logged)] == [ev.NoKeyToInitiate]
        return
    if base.endswith("-ios-healthy") and fault == "missing-tunnel-group":  # an IOS responder refuses at MM1
        rejected = [rec.event for rec in run.trace.of(Logged, r) if isinstance(rec.event, ev.ProposalRejected)]
        assert rejected and rejected[0].no_key and rejected[0].peer == run.trace.device(i).address
        return
    assert ASA_CASES[fault][3](run.trace, i, r)


def test_ios_initiator_without_key_logs_why_nothing_was_sent():
    run = sim.run(faults.apply(sim.load_scenario("ios-to-asa-healthy"), ["initiator-no-psk"]))
    assert run.trace.records and not [r for r in run.trace.records if type(r).__name__ == "DatagramSent"]
    assert "No pre-shared key with 198.51.100.1" in run.show("R-BRANCH", "debug crypto isakmp")


def test_trailing_space_cannot_apply_between_two_ios_routers():

    from sim.errors import InputError

    sim.load_scenario("asa-to-ios-healthy")
    ios_only = sim.load_scenario("ios-to-ios-healthy")
    with pytest.raises(InputError, match="single words"):
        faults.apply(ios_only, ["psk-trailing-space"])


@pytest.mark.parametrize("base", ["asa-to-ios-healthy", "ios-to-asa-healthy", "ios-to-ios-healthy"])
def test_loss_fatal_gives_up_on_ios_pairs_too(base):
    """Where it sticks depends on which datagrams died; what holds for every seed: the initiator does not end up
    established, and the path's loss rule is what dropped datagrams."""
    scenario = faults.apply(sim.load_scenario(base), ["loss-fatal"])
    for seed in range(4):
        run = sim.run(scenario, seed=seed)
        i = run.scenario.initiator.hostname
        assert shown(run, i, 150) != [platform_for(run.scenario.initiator.platform).state_name("initiator",
                                                                                                 "MM_ACTIVE")]
        assert any("85 % loss" in d.rule for d in run.trace.records if type(d).__name__ == "DatagramDropped")

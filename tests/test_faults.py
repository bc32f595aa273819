"""Every catalogue fault, applied to the healthy ASA lab: both peers' states while stuck and after removal, and the
cause found in the Trace (never in the fault's name)."""

from __future__ import annotations

import pytest

import sim
from sim import faults
from sim.engine.trace import DatagramDropped, DatagramProcessed, DatagramSent, Logged
from sim.ike import events as ev
from sim.ike.types import Msg, Outcome, Reason

I, R = "ASA-LAB1", "ASA-LAB2"


def dropped_on_path(trace, rule_fragment):
    return [d for d in trace.of(DatagramDropped) if rule_fragment in d.rule]


def discarded(trace, device, reason, message=None, **detail):
    """The datagrams ``device`` discarded with ``reason`` (about ``message`` if given), whose detail fields include
    ``detail``."""
    return [r for r in trace.of(DatagramProcessed) if r.device == device and r.outcome == Outcome.DISCARDED
            and r.reason == reason and (message is None or r.message == message)
            and all(r.detail.get(k) == v for k, v in detail.items())]


def logged(trace, device, kind):
    return [r for r in trace.of(Logged, device) if isinstance(r.event, kind)]


# fault: (initiator, responder at the look time 5 s), (at 40 s), (at 90 s), the cause in the Trace
# (a check of the Trace given the initiator's and the responder's hostnames; test_faults_ios reuses them)
CASES = {
    "udp500-blocked": ((["MM_WAIT_MSG2"], []), ([], []), ([], []),
                       lambda t, I, R: len(dropped_on_path(t, "deny udp any any eq isakmp"))
                       == len(t.of(DatagramSent, I)) >= 4),  # every copy of MM1 (ASA: 1 + 3 resends; IOS: 1 + 5)
    "return-path-blocked": ((["MM_WAIT_MSG2"], ["MM_WAIT_MSG3"]), ([], []), ([], []),
                            lambda t, I, R: dropped_on_path(t, "eq isakmp any (outbound)")),
    "no-route": ((["MM_WAIT_MSG2"], []), ([], []), ([], []), lambda t, I, R: dropped_on_path(t, "no route")),
    "ikev1-disabled-initiator": (([], []), ([], []), ([], []),
                                 lambda t, I, R: not t.of(DatagramSent) and logged(t, I, ev.IkeDisabled)),
    "ikev1-disabled-responder": ((["MM_WAIT_MSG2"], []), ([], []), ([], []),
                                 lambda t, I, R: discarded(t, R, Reason.IKE_DISABLED)
                                 or discarded(t, R, Reason.NO_CRYPTO_MAP)),
    "proposal-encryption": ((["MM_WAIT_MSG2"], []), ([], []), ([], []),
                            lambda t, I, R: logged(t, R, ev.ProposalRejected)[0].event.attribute == "Encryption"
                            and discarded(t, I, Reason.UNAUTHENTICATED_NOTIFY, Msg.NOTIFY,
                                          notify="NO_PROPOSAL_CHOSEN")),
    "proposal-hash": ((["MM_WAIT_MSG2"], []), ([], []), ([], []),
                      lambda t, I, R: logged(t, R, ev.ProposalRejected)[0].event.attribute == "Hash"),
    "proposal-group": ((["MM_WAIT_MSG2"], []), ([], []), ([], []),
                       lambda t, I, R: logged(t, R, ev.ProposalRejected)[0].event.attribute == "D-H Group"),
    "proposal-auth": ((["MM_WAIT_MSG2"], []), ([], []), ([], []),
                      lambda t, I, R: logged(t, R, ev.ProposalRejected)[0].event.attribute == "Auth"),
    "lifetime-longer-responder": ((["MM_WAIT_MSG2"], []), ([], []), ([], []),
                                  lambda t, I, R: logged(t, R, ev.ProposalRejected)[0].event.attribute
                                  == "Lifetime"),
    "missing-tunnel-group": ((["MM_WAIT_MSG4"], []), ([], []), ([], []),
                             lambda t, I, R: discarded(t, R, Reason.NO_PEER_KEY, Msg.MM3, peer=t.device(I).address)),
    "missing-tunnel-group-default-key": ((["MM_ACTIVE"], ["MM_ACTIVE"]), (["MM_ACTIVE"], ["MM_ACTIVE"]),
                                         (["MM_ACTIVE"], ["MM_ACTIVE"]),
                                         lambda t, I, R: logged(t, R, ev.PeerKeyFound)[0].event.via_default),
    "psk-mismatch": ((["MM_WAIT_MSG6"], ["MM_WAIT_MSG5"]), ([], []), ([], []),
                     lambda t, I, R: discarded(t, R, Reason.DECRYPT_FAILED, Msg.MM5)),
    "psk-trailing-space": ((["MM_WAIT_MSG6"], ["MM_WAIT_MSG5"]), ([], []), ([], []),
                           lambda t, I, R: discarded(t, R, Reason.DECRYPT_FAILED, Msg.MM5)),
    "psk-special-char": ((["MM_WAIT_MSG6"], ["MM_WAIT_MSG5"]), ([], []), ([], []),
                         lambda t, I, R: discarded(t, R, Reason.DECRYPT_FAILED, Msg.MM5)),
    "initiator-no-psk": (([], ["MM_WAIT_MSG5"]), ([], []), ([], []),
                         lambda t, I, R: logged(t, I, ev.NoLocalKey) and
                         [s.message for s in t.of(DatagramSent, I)] == ["MM1", "MM3"]),
    "nat-t": ((["MM_ACTIVE"], ["MM_ACTIVE"]), (["MM_ACTIVE"], ["MM_ACTIVE"]), (["MM_ACTIVE"], ["MM_ACTIVE"]),
              lambda t, I, R: {s.dport for s in t.of(DatagramSent, I) if s.message == "MM5"} == {4500}),
    "nat-t-4500-blocked": ((["MM_WAIT_MSG6"], ["MM_WAIT_MSG5"]), ([], []), ([], []),
                           lambda t, I, R: dropped_on_path(t, "eq 4500")
                           and all(s.dport == 4500 for s in t.of(DatagramSent, I) if s.message == "MM5")),
    "loss-recovers": ((["MM_WAIT_MSG2"], ["MM_WAIT_MSG3"]), (["MM_ACTIVE"], ["MM_ACTIVE"]),
                      (["MM_ACTIVE"], ["MM_ACTIVE"]),
                      lambda t, I, R: len(dropped_on_path(t, "first datagram only")) == 1
                      and len([r for r in t.of(DatagramProcessed) if r.device == I and r.message == "MM2"
                               and r.outcome == Outcome.ACCEPTED]) == 1),  # a later copy of MM2 got through
    "delay": ((["MM_WAIT_MSG2"], ["MM_WAIT_MSG3"]), (["MM_ACTIVE"], ["MM_ACTIVE"]), (["MM_ACTIVE"], ["MM_ACTIVE"]),
              lambda t, I, R: [r for r in t.of(DatagramProcessed) if r.outcome == Outcome.DUPLICATE]),
}


def states(run, t):
    return tuple([u.state for u, _, _ in run.trace.sa_table(h, t)] for h in (I, R))


def test_every_fault_has_a_case():
    assert set(CASES) | {"loss-fatal"} == set(faults.names())
    for fault in faults.CATALOGUE.values():
        assert fault.title and len(fault.explanation) > 80 and fault.fix


@pytest.mark.parametrize("name", sorted(CASES))
def test_fault_states_at_two_instants_and_cause_in_trace(name):
    look, mid, late, cause = CASES[name]
    run = sim.run(faults.apply(sim.load_scenario("healthy"), [name]))
    assert states(run, run.look) == look
    assert states(run, 40) == mid
    assert states(run, 90) == late
    assert cause(run.trace, I, R)


def test_loss_fatal_gives_up_for_every_seed_tried():
    scenario = faults.apply(sim.load_scenario("healthy"), ["loss-fatal"])
    for seed in range(6):
        run = sim.run(scenario, seed=seed)
        i_late, _ = states(run, 120)
        assert i_late != ["MM_ACTIVE"] and dropped_on_path(run.trace, "85 % loss")


def test_faults_edit_the_config_text_a_trainee_reads():
    base = sim.load_scenario("healthy")
    broken = faults.apply(base, ["missing-tunnel-group"])
    assert "tunnel-group 50.57.228.15 type ipsec-l2l" in broken.responder.config_text
    assert "tunnel-group 50.57.228.150" not in broken.responder.config_text
    assert broken.initiator == base.initiator
    spaced = faults.apply(base, ["psk-trailing-space"]).responder.config_text
    assert " ikev1 pre-shared-key Vpn-Lab-Key1 \n" in spaced


def test_faults_compose_and_unknown_names_are_errors():
    scenario = faults.apply(sim.load_scenario("healthy"), ["nat-t", "psk-mismatch"])
    run = sim.run(scenario)
    assert states(run, run.look) == (["MM_WAIT_MSG6"], ["MM_WAIT_MSG5"])
    with pytest.raises(sim.InputError, match="unknown fault 'nope'"):
        faults.apply(scenario, ["nope"])


def test_fault_that_does_not_fit_the_lab_is_an_error():
    once = faults.apply(sim.load_scenario("healthy"), ["initiator-no-psk"])
    with pytest.raises(sim.InputError, match="no pre-shared key"):
        faults.apply(once, ["initiator-no-psk"])


def test_scenario_file_with_base_and_faults(tmp_path):
    f = tmp_path / "lesson.yaml"
    f.write_text("title: Lesson\ndescription: d\nbase: healthy\nfaults: [psk-mismatch]\nlook: 6\n"
                 "path:\n  - delay: 0.02\n")
    scenario = sim.load_scenario(str(f))
    assert scenario.look == 6 and scenario.path[-1].seconds == 0.02
    assert "MM_WAIT_MSG5" in sim.run(scenario).show("ASA-LAB2")


@pytest.mark.parametrize("text,where", [
    ("title: t\ndescription: d\nbase: healthy\nfaults: [psk-mismach]\n", ":4: faults[0]: unknown fault"),
    ("title: t\ndescription: d\nbase: nothere\n", ":3: base: 'nothere' is not a bundled scenario"),
    ("title: t\ndescription: d\nbase: healthy\nfaults: psk-mismatch\n", ":4: faults: must be a list"),
])
def test_bad_base_or_faults_are_located(tmp_path, text, where):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario(str(f))
    assert where in str(info.value)

"""NAT traversal (RFC 3947/3948): NAT-D in MM3/MM4, float to UDP 4500 with the non-ESP marker at MM5."""

from __future__ import annotations

import pytest

import sim
from sim.engine.trace import DatagramDelivered, DatagramDropped, DatagramSent, Logged
from sim.ike import events as ev
from sim.ike import messages
from sim.ike.constants import NAT_T_PORT, VID_NAT_T_RFC3947


def nat_scenario(extra_path: str = "", nat_t: tuple[bool, bool] = (True, True)) -> sim.Scenario:
    text = (sim.scenario.bundled_dir() / "healthy.yaml").read_text()
    # the initiator sits behind a PAT device: inside 10.0.0.2, seen by the responder as 192.0.2.1
    text = text.replace("outside: 50.57.228.150", "outside: 10.0.0.2")
    text = text.replace("ip address 50.57.228.150 255.255.255.0", "ip address 10.0.0.2 255.255.255.0")
    text = text.replace("tunnel-group 50.57.228.150", "tunnel-group 192.0.2.1")
    text = text.replace("crypto map outside_map 10 set peer 50.57.228.150", "crypto map outside_map 10 set peer 192.0.2.1")
    parts = text.split("responder:", 1)
    for i, on in enumerate(nat_t):  # NAT-T is on by default on an ASA (8.3 on): off takes the 'no' form
        line = "    crypto isakmp nat-traversal 20\n" if on else "    no crypto isakmp nat-traversal\n"
        parts[i] = parts[i].replace("    crypto ikev1 enable outside\n", "    crypto ikev1 enable outside\n" + line)
    text = "responder:".join(parts)
    text += "path:\n  - nat: {inside: initiator, address: 192.0.2.1}\n" + extra_path
    return sim.load_scenario_text(text, "nat-t.yaml")


def test_nat_t_floats_to_4500_and_completes():
    run = sim.run(nat_scenario())
    sent = run.trace.of(DatagramSent)
    assert [s.message for s in sent] == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6"]
    ports = {s.message: (s.sport, s.dport) for s in sent}
    assert ports["MM1"] == ports["MM3"] == (500, 500)
    assert ports["MM5"] == (NAT_T_PORT, NAT_T_PORT)
    mm6 = next(s for s in sent if s.message == "MM6")
    assert mm6.sport == NAT_T_PORT and mm6.dport not in (500, NAT_T_PORT)  # to the PAT's 4500 mapping
    for s in sent:
        assert s.data.startswith(bytes(4)) == (s.message in ("MM5", "MM6"))  # the non-ESP marker
        messages.parse(s.isakmp)
    # NAT-D payloads ride in MM3 and MM4, RFC 3947 VID in MM1 and MM2
    for name in ("MM3", "MM4"):
        assert len(messages.parse(next(s for s in sent if s.message == name).data).all(messages.NatDPayload)) == 2
    for name in ("MM1", "MM2"):
        vids = messages.parse(next(s for s in sent if s.message == name).data).all(messages.VendorIdPayload)
        assert VID_NAT_T_RFC3947 in [v.data for v in vids]
    # the responder saw the translated address, the initiator learnt it is behind NAT
    delivered = {d.id: d for d in run.trace.of(DatagramDelivered)}
    mm1 = next(s for s in sent if s.message == "MM1")
    assert delivered[mm1.id].src == "192.0.2.1" and delivered[mm1.id].sport != 500
    detection = {r.device: (r.event.local_behind, r.event.peer_behind) for r in run.trace.of(Logged)
                 if isinstance(r.event, ev.NatDetected)}
    assert detection == {"ASA-LAB1": (True, False), "ASA-LAB2": (False, True)}
    assert "MM_ACTIVE" in run.show("ASA-LAB1") and "IKE Peer: 192.0.2.1" in run.show("ASA-LAB2")


def test_nat_t_with_4500_blocked_sticks_at_msg6_and_msg5():
    run = sim.run(nat_scenario("  - drop: udp/4500\n    from: initiator\n"))
    assert "MM_WAIT_MSG6" in run.show("ASA-LAB1") and "MM_WAIT_MSG5" in run.show("ASA-LAB2")
    dropped = {d.id for d in run.trace.of(DatagramDropped)}
    mm5 = [s for s in run.trace.of(DatagramSent) if s.message == "MM5"]
    assert mm5 and all(s.id in dropped and s.dport == NAT_T_PORT for s in mm5)


def test_without_nat_t_on_the_responder_nat_d_is_not_used():
    run = sim.run(nat_scenario(nat_t=(True, False)))
    sent = run.trace.of(DatagramSent)
    assert all(s.dport == 500 or s.message in ("MM2", "MM4", "MM6") for s in sent)
    assert not messages.parse(next(s for s in sent if s.message == "MM3").data).all(messages.NatDPayload)
    assert "MM_ACTIVE" in run.show("ASA-LAB1")


def test_nat_rule_errors_are_located():
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario_text((sim.scenario.bundled_dir() / "healthy.yaml").read_text()
                               + "path:\n  - nat: {inside: router, address: 192.0.2.1}\n", "x.yaml")
    assert "path[0].nat.inside" in str(info.value)

"""The shipped log/debug signatures (sim/training/diagnosis/signatures.json) are exactly what the simulator prints
today: regenerate them with ``python tools/make_signatures.py`` when this fails."""

from __future__ import annotations

import json

from sim.training.diagnosis import signatures


def test_shipped_signatures_equal_a_fresh_simulation():
    shipped = json.loads(signatures.SHIPPED.read_text(encoding="utf-8"))
    fresh = json.loads(signatures.dump(signatures.compute()))
    assert shipped["fingerprint"] == signatures.fingerprint(), "stale: run tools/make_signatures.py"
    assert shipped == fresh


def test_every_lab_and_fault_has_both_sides_and_no_fault():
    data = signatures.load()
    assert {tuple(lab["platforms"]) for lab in data["labs"]} >= {("asa", "asa")}
    for lab in data["labs"]:
        assert signatures.NO_FAULT in lab["faults"]
        for entry in lab["faults"].values():
            assert len(entry["sides"]) == 2


def test_each_fault_s_own_simulated_log_of_either_box_puts_it_among_the_best_fits():
    """Round trip: what the platform renderer prints for a fault's run on one box (syslog and debug), pasted
    alone, is explained by that fault at least as well as by any other (those with the same fit cannot be told
    apart from that box's log: the answer groups them)."""
    from sim import faults
    from sim.api import run
    from sim.errors import InputError
    from sim.scenario import load_scenario
    from sim.training.diagnose import diagnose
    from sim.training.diagnosis.states import labs

    checked = 0
    for lab in labs()[0]:
        healthy = load_scenario(lab.name)
        for name in [signatures.NO_FAULT] + faults.names():
            try:
                scenario = healthy if name == signatures.NO_FAULT else faults.apply(healthy, [name])
            except InputError:
                continue
            trace = run(scenario).trace
            for device in scenario.devices:
                text = "\n".join(signatures.readers()[device.platform].simulated_lines(trace, device.hostname))
                if not text.strip():
                    continue  # the box printed nothing (e.g. a responder that never got MM1)
                peer = diagnose(text).peers[0]
                best = {c.name for c in peer.causes if abs(c.fit - peer.causes[0].fit) < 1e-12}
                assert name in best, (lab.name, name, device.hostname, [c.name for c in peer.causes[:3]])
                checked += 1
    assert checked > 100

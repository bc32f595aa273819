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

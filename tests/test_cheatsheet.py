"""The cheat sheet is generated from the transition table and catalogue runs, and the committed copy is current."""

from __future__ import annotations

from pathlib import Path

from sim.ike.states import TRANSITIONS
from sim.training.cheatsheet import cheatsheet_markdown, sightings

COMMITTED = Path(__file__).parent.parent / "docs" / "cheatsheet.md"


def test_committed_cheatsheet_is_current():
    assert COMMITTED.read_text() == cheatsheet_markdown(), "regenerate: ikesim cheatsheet --output docs/cheatsheet.md"


def test_every_waiting_state_has_a_section_with_both_platform_names():
    text = cheatsheet_markdown()
    for row in TRANSITIONS:
        if row.state and row.state != "MM_ACTIVE":
            assert f"## {row.state} ({row.role})" in text
    assert "`MM_KEY_EXCH` on IOS" in text and "`MM_NO_STATE` on IOS" in text


def test_causes_come_from_simulation():
    found = sightings()
    assert {s.fault for s in found[("initiator", "MM_WAIT_MSG4")]} == {"missing-tunnel-group"}
    assert {s.fault for s in found[("responder", "MM_WAIT_MSG3")]} >= {"return-path-blocked"}
    psk = {s.fault for s in found[("responder", "MM_WAIT_MSG5")]}
    assert {"psk-mismatch", "initiator-no-psk", "nat-t-4500-blocked"} <= psk
    # the decrypt error is among the lines to look for on a responder stuck in MM_WAIT_MSG5
    lines = [line for s in found[("responder", "MM_WAIT_MSG5")] if s.fault == "psk-mismatch" for line in s.own_logs]
    assert any("had problems decrypting packet" in line for line in lines)

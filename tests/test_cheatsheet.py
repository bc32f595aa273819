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


def test_what_the_sheet_says_of_a_random_fault_holds_for_other_seeds_too():
    """loss-fatal is random: every state the sheet lists the other side in, and every state it lists a side in, is
    one some seed produces; it claims no log line for it. Check seeds the sheet never ran against its claims."""
    import sim
    from sim import faults
    from sim.scenario import load_scenario
    from sim.training.cheatsheet import RANDOM_SEEDS

    found = sightings()
    claims = [s for seen in found.values() for s in seen if s.fault == "loss-fatal"]
    assert claims and all(s.random and not s.own_logs and not s.other_logs for s in claims)
    assert "loss-fatal`: random loss" in cheatsheet_markdown()
    # a seed outside the sampled ones lands in a state the sheet lists for loss-fatal, or in none stuck
    listed = {(role, state) for (role, state), seen in found.items() if any(s.fault == "loss-fatal" for s in seen)}
    base = load_scenario("healthy")
    for seed in range(100, 104):
        assert seed not in RANDOM_SEEDS
        result = sim.run(faults.apply(base, ["loss-fatal"]), seed=seed)
        for device in result.scenario.devices:
            for u, _, _ in result.trace.sa_table(device.hostname, result.look):
                if u.state != "MM_ACTIVE":
                    assert (device.role, u.state) in listed, (seed, device.role, u.state)


def test_bullets_stay_short_and_the_platform_prefixes_have_a_legend():
    text = cheatsheet_markdown()
    assert "Legend for the log lines" in text
    for line in text.splitlines():
        if line.lstrip().startswith("- "):
            assert len(line) <= 200, line


def test_cheatsheet_text_is_computed_once_then_read_from_the_cache(tmp_path, monkeypatch):
    """A fresh `ikesim cheatsheet` reads the sheet from the user's cache, keyed by the code that made it: the first
    call computes and stores it, the next does not simulate, and a changed source file gives a new key."""
    from sim.training import cheatsheet

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = cheatsheet.cheatsheet_text()
    assert first == COMMITTED.read_text()
    [entry] = (tmp_path / "ikesim").glob("cheatsheet-*.md")
    assert entry.read_text() == first

    def no_simulation():
        raise AssertionError("the cached sheet was not used")

    monkeypatch.setattr(cheatsheet, "cheatsheet_markdown", no_simulation)
    assert cheatsheet.cheatsheet_text() == first
    changed = tmp_path / "changed.py"
    changed.write_text("# a changed source file\n")
    monkeypatch.setattr(cheatsheet, "sources", lambda: [changed])
    try:
        cheatsheet.cheatsheet_text()
    except AssertionError as err:
        assert "not used" in str(err)
    else:
        raise AssertionError("a changed source still hit the old cache entry")


def test_an_unwritable_cache_still_gives_the_text(tmp_path, monkeypatch):
    from sim.training.cache import cached_text

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the cache directory would go
    calls = []
    assert cached_text("x", "k", lambda: calls.append(1) or "text") == "text"
    assert cached_text("x", "k", lambda: calls.append(1) or "text") == "text"
    assert len(calls) == 2 and not list(tmp_path.glob("**/*.tmp"))

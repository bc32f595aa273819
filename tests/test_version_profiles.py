"""Output follows the software a device runs (issue 10, version profiles): IOS 12.x / 15.x / IOS XE, ASA 8.2 / 9.x.

The version comes from the scenario's ``version:`` or the config's version line; the defaults stay the seed's ASA
9.x and a current IOS XE (the golden transcripts, unchanged)."""

from __future__ import annotations

import dataclasses
import re

import pytest

import sim
from sim.errors import InputError
from sim.platforms.asa import versions as asa_versions
from sim.platforms.ios import versions as ios_versions
from sim.scenario import load_scenario, load_scenario_text


def with_version(name: str, role: str, version: str) -> sim.Run:
    scenario = load_scenario(name)
    device = dataclasses.replace(getattr(scenario, role), version_given=version)
    return sim.run(dataclasses.replace(scenario, **{role: device}))


@pytest.mark.parametrize("version,profile", [("12.4", "12"), ("12.4(24)T", "12"), ("15.9", "15"), ("16.12", "xe"),
                                             ("17.3", "xe"), ("", "xe")])
def test_ios_profiles(version, profile):
    assert ios_versions.profile(version) == profile


@pytest.mark.parametrize("version,profile", [("8.2(5)", "8.2"), ("8.0(4)", "8.2"), ("7.2(4)", "8.2"),
                                             ("8.4(7)", "9"), ("9.12(4)", "9"), ("", "9")])
def test_asa_profiles(version, profile):
    assert asa_versions.profile(version) == profile


def test_an_ios_12_router_prints_the_slot_table_and_the_old_debug_prefix():
    """As the itcertnotes 12.x capture: 'dst src state conn-id slot', conn-id 1, slot 0, 'ISAKMP (0:1):'."""
    run = with_version("asa-to-ios-psk-mismatch", "responder", "12.4")
    host = run.scenario.responder.hostname
    table = run.show(host, "show crypto isakmp sa")
    lines = table.splitlines()
    assert lines[0] == "dst             src             state           conn-id    slot"
    assert re.fullmatch(r"\S+ +\S+ +MM_KEY_EXCH +1 +0", lines[1]), lines[1]
    assert "IPv4 Crypto ISAKMP SA" not in table and "ACTIVE" not in table
    debug = run.show(host, "debug crypto isakmp")
    assert "ISAKMP (0:1): processing" in debug or "ISAKMP (0:1):" in debug
    assert "ISAKMP (0:0):" in debug and "ISAKMP: (" not in debug and "ISAKMP-PAK" not in debug


def test_an_ios_15_router_prints_the_15x_debug_prefix():
    run = with_version("asa-to-ios-psk-mismatch", "responder", "15.9")
    debug = run.show(run.scenario.responder.hostname, "debug crypto isakmp")
    assert "ISAKMP:(1001):" in debug and "ISAKMP:(0):" in debug and "ISAKMP: (" not in debug


def test_an_asa_82_prints_its_block_without_the_ikev1_heading_and_the_ikev2_line():
    run = with_version("psk-mismatch", "initiator", "8.2(5)")
    text = run.show("ASA-LAB1")
    assert "IKEv1 SAs:" not in text and "IKEv2" not in text
    assert "   Active SA: 1\n" in text and "State   : MM_WAIT_MSG6" in text
    assert run.show("ASA-LAB1", at=100) == "\nThere are no isakmp sas\n"
    # the other box stays 9.x
    assert "IKEv1 SAs:" in run.show("ASA-LAB2")


def test_the_scenario_version_field_is_checked():
    text = (sim.scenario.bundled_dir() / "healthy.yaml").read_text()
    good = text.replace("  hostname: ASA-LAB1\n", "  hostname: ASA-LAB1\n  version: 8.2(5)\n", 1)
    assert load_scenario_text(good, "v.yaml").initiator.version == "8.2(5)"
    bad = text.replace("  hostname: ASA-LAB1\n", "  hostname: ASA-LAB1\n  version: latest\n", 1)
    with pytest.raises(InputError) as info:
        load_scenario_text(bad, "v.yaml")
    assert "initiator.version" in str(info.value) and "not a software version" in str(info.value)

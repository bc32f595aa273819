"""Diagnosis of pasted show output: reading real pastes, ranking causes by simulation, errors, determinism.

The long show-only answer (why / tell / groups per cause, one lab's wording) is now the engine of
:mod:`sim.training.diagnosis.states`, which the new short answer (:func:`sim.training.diagnose.diagnose`) builds its
state fit on: tests of that long format call ``states.diagnose``; the rankings are checked on both.

The pasted samples live in tests/golden/pasted/: each block of the seed article as a user would paste it (prompts
included), the seed article itself, older ASA formats and realistic IOS tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim import faults
from sim.errors import InputError
from sim.training import diagnose as dg
from sim.training.diagnosis import reader, states
from sim.training import showparse
from sim.training.diagnose import NO_FAULT, diagnose, what_would_i_see

PASTED = Path(__file__).parent / "golden" / "pasted"
PSK_GROUP = {"psk-mismatch", "psk-trailing-space", "psk-special-char", "nat-t-4500-blocked"}
NO_ANSWER = {"udp500-blocked", "no-route", "ikev1-disabled-responder", "proposal-encryption", "proposal-hash",
             "proposal-group", "proposal-auth", "lifetime-longer-responder", "return-path-blocked",
             "missing-tunnel-group"}  # an IOS responder without a key refuses at MM1: no answer either


def paste(name: str) -> str:
    return (PASTED / name).read_text(encoding="utf-8")


def top_group(diagnosis) -> list[str]:
    """The first cause and every cause the diagnosis says show cannot tell from it."""
    first = diagnosis.causes[0]
    if first.group is None:
        return [first.name]
    return list(diagnosis.groups[first.group].members)


def needs_ios_labs():
    have = {lab.platforms for lab in dg.labs()[0]}
    if not {("asa", "ios"), ("ios", "asa")} & have:
        pytest.skip("no bundled ASA/IOS lab (asa-to-ios-healthy, ios-to-asa-healthy)")


# -- the seed's samples, one at a time and the MSG6 + MSG5 pair -----------------------------------------------------

SEED_CASES = [
    ("seed-mm-active.txt", NO_FAULT),
    ("seed-mm-active-begin.txt", NO_FAULT),
    ("seed-mm-wait-msg2.txt", "udp500-blocked"),
    ("seed-mm-wait-msg3.txt", "return-path-blocked"),
    ("seed-mm-wait-msg4.txt", "missing-tunnel-group"),
    ("seed-mm-wait-msg5.txt", "psk-mismatch"),
    ("seed-mm-wait-msg6.txt", "psk-mismatch"),
    ("seed-msg6-msg5-pair.txt", "psk-mismatch"),
    ("msg5-initiator-no-sa.txt", "initiator-no-psk"),
]


@pytest.mark.parametrize("name,cause", SEED_CASES, ids=[c[0] for c in SEED_CASES])
def test_seed_sample_ranks_the_seeds_cause_first(name, cause):
    result = diagnose(paste(name), source=name)
    assert result.causes[0].name == cause, result.render()
    assert result.causes[0].score == max(c.score for c in result.causes)


def test_msg2_alone_is_the_no_answer_family_and_says_show_cannot_tell_them_apart():
    result = states.diagnose(paste("seed-mm-wait-msg2.txt"))
    group = set(top_group(result))
    assert group <= NO_ANSWER and {"udp500-blocked", "no-route", "proposal-group", "return-path-blocked"} <= group
    assert "Indistinguishable from 'show' alone" in result.render()
    tells = {c.name: c.tell for c in result.causes if c.name in group}
    assert "MM_WAIT_MSG3" in tells["return-path-blocked"]  # the responder's state tells it apart
    assert "dropped on the path" in tells["udp500-blocked"]
    assert "713257" in tells["proposal-group"] and "Group" in tells["proposal-group"]


def test_msg6_msg5_pair_groups_the_four_indistinguishable_causes_psk_mismatch_first():
    result = states.diagnose(paste("seed-msg6-msg5-pair.txt"), source="pair.txt")
    assert top_group(result) == ["psk-mismatch", "psk-trailing-space", "psk-special-char", "nat-t-4500-blocked"]
    assert result.ranking()[:4] == top_group(result)
    by_name = {c.name: c for c in result.causes}
    assert "UDP 4500" in by_name["nat-t-4500-blocked"].tell
    assert "<space>" in by_name["psk-trailing-space"].tell
    assert "<U+2013>" in by_name["psk-special-char"].tell
    first = by_name["psk-mismatch"]
    assert "MM_WAIT_MSG6" in first.why and "MM_WAIT_MSG5" in first.why and "from 0 s to 32 s" in first.why
    assert any("decrypt" in hint and "responder" in hint for hint in first.confirm)
    assert first.fix == faults.CATALOGUE["psk-mismatch"].fix
    assert first.explanation == faults.CATALOGUE["psk-mismatch"].explanation


def test_msg5_alone_keeps_initiator_no_psk_in_the_group_told_apart_by_the_initiator():
    result = states.diagnose(paste("seed-mm-wait-msg5.txt"))
    group = top_group(result)
    assert group[0] == "psk-mismatch" and "initiator-no-psk" in group
    tell = next(c.tell for c in result.causes if c.name == "initiator-no-psk")
    assert "no IKEv1 SA" in tell and "initiator" in tell


def test_the_whole_seed_article_pasted_reads_both_devices_last_outputs():
    assert diagnose(paste("seed-article.txt")).causes[0].name == "psk-mismatch"
    result = states.diagnose(paste("seed-article.txt"), source="article")
    shown = {t.name: [sa.state for sa in t.sas] for t in result.tunnels}
    assert shown == {"ASA-LAB1": ["MM_WAIT_MSG6"], "ASA-LAB2": ["MM_WAIT_MSG5"]}
    assert result.causes[0].name == "psk-mismatch"
    assert any("5 outputs pasted" in note for note in result.notes)


# -- IOS tables --------------------------------------------------------------------------------------------------------


def test_ios_initiator_in_mm_key_exch_with_the_asa_responder_is_a_psk_mismatch():
    needs_ios_labs()
    result = states.diagnose(paste("ios-initiator-mm-key-exch-with-asa.txt"))
    router = result.tunnels[0]
    assert router.name == "BRANCH-RTR" and router.platform == "ios"
    assert (router.sas[0].role, router.sas[0].role_from, router.sas[0].peer) == ("initiator", "addresses",
                                                                               "198.51.100.20")
    assert result.causes[0].name == "psk-mismatch"
    assert "MM_KEY_EXCH" in result.causes[0].why and "ios-to-asa-healthy" in result.causes[0].why


def test_ios_hub_resolves_its_own_address_and_picks_the_stuck_tunnel():
    needs_ios_labs()
    result = states.diagnose(paste("ios-hub-initiator-mm-key-exch.txt"))
    tunnel = result.tunnels[0]
    assert tunnel.device.local == "203.0.113.10"
    assert [(sa.state, sa.role) for sa in tunnel.sas] == [("MM_KEY_EXCH", "initiator")]
    assert any("2 tunnels" in note and "not up" in note for note in result.notes)
    assert result.causes[0].name == "psk-mismatch"
    chosen = states.diagnose(paste("ios-hub-initiator-mm-key-exch.txt"), peer="198.51.100.77")
    assert [sa.state for sa in chosen.tunnels[0].sas] == ["QM_IDLE"]


def test_ios_mm_no_state_is_no_answer_or_no_proposal():
    needs_ios_labs()
    result = diagnose(paste("ios-mm-no-state.txt"))
    assert result.tunnels[0].sas[0].role == "initiator" and result.tunnels[0].sas[0].role_from == "state"
    assert result.causes[0].name == "udp500-blocked"
    assert {"proposal-encryption", "proposal-group", "no-route"} <= set(top_group(result))


def test_ios_12_table_with_slot_and_deleted_rows():
    observation = showparse.parse(paste("ios-12-slot-deleted.txt"))
    (device,) = observation.devices
    assert device.format == "ios-slot"
    assert [(sa.state, sa.deleted) for sa in device.sas] == [("MM_NO_STATE", True), ("MM_NO_STATE", False)]
    needs_ios_labs()
    assert diagnose(paste("ios-12-slot-deleted.txt")).causes[0].name == "udp500-blocked"


def test_nat_seen_in_the_addresses_puts_nat_t_4500_blocked_first():
    needs_ios_labs()
    result = states.diagnose(paste("ios-behind-pat-mm-key-exch-with-asa.txt"))
    assert result.causes[0].name == "nat-t-4500-blocked"
    second = next(c for c in result.causes if c.name == "psk-mismatch")
    assert "NAT" in second.why


def test_empty_ios_table_is_an_observation_of_no_sa():
    (device,) = showparse.parse(paste("ios-empty-table.txt")).devices
    assert device.platform == "ios" and device.no_sa


# -- older ASA formats -----------------------------------------------------------------------------------------------


def test_asa_82_block_without_heading_parses_and_diagnoses():
    (device,) = showparse.parse(paste("asa-8.2-block.txt")).devices
    assert (device.name, device.format) == ("ASA-OLD", "asa-8.2")
    assert [(sa.peer, sa.role, sa.sa_type, sa.state) for sa in device.sas] == [
        ("198.51.100.7", "initiator", "user", "MM_WAIT_MSG4")]
    assert diagnose(paste("asa-8.2-block.txt")).causes[0].name == "missing-tunnel-group"


def test_asa_7x_columnar_table_parses_and_aggressive_mode_is_not_explained():
    (device,) = showparse.parse(paste("asa-7.x-table.txt")).devices
    assert (device.name, device.format) == ("ciscoasa", "asa-7")
    assert [(sa.peer, sa.role, sa.sa_type, sa.state, sa.rekey) for sa in device.sas] == [
        ("209.165.200.225", "responder", "user", "AM_ACTIVE", False)]
    result = diagnose(paste("asa-7.x-table.txt"))
    assert result.causes == () and result.mode == "none"
    assert "No simulated fault reproduces" in result.render() and "AM_ACTIVE" in result.render()


def test_pix_no_isakmp_sas_is_no_sa():
    (device,) = showparse.parse(paste("pix-7-no-sa.txt")).devices
    assert device.name == "pixfirewall" and device.no_sa


# -- tolerance: CRLF, tabs, fragments, several devices --------------------------------------------------------------


def test_crlf_tabs_and_nbsp_change_nothing():
    text = paste("seed-msg6-msg5-pair.txt")
    mangled = text.replace("    Type    : ", "\tType\t: ").replace("Role    :", "Role\t:").replace("\n", "\r\n")
    mangled = mangled.replace("IKE Peer: ", "IKE Peer:\u00a0")
    assert diagnose(mangled).as_dict()["causes"] == diagnose(text).as_dict()["causes"]


def test_begin_fragments_with_and_without_prompt():
    with_prompt = diagnose(paste("seed-mm-active-begin.txt"))
    assert with_prompt.tunnels[0].device.begin == "50.56.229.98"
    assert with_prompt.tunnels[0].device.format == "asa-entries"
    bare = diagnose(paste("begin-fragment-no-prompt.txt"))
    assert bare.tunnels[0].name == "device 1"
    assert bare.causes[0].name == "return-path-blocked"


def test_two_devices_without_prompts_are_two_devices():
    result = diagnose(paste("two-devices-no-prompts.txt"))
    assert [t.name for t in result.tunnels] == ["device 1", "device 2"]
    assert result.causes[0].name == "psk-mismatch"


def test_stray_lines_prompts_of_other_commands_and_ikev2_sections_are_ignored():
    text = ("some chatter before\nASA-LAB1# show run tunnel-group\ntunnel-group 1.2.3.4 type ipsec-l2l\n"
            "ASA-LAB1(config)# sh cry isa sa\n\nIKEv1 SAs:\n\n   Active SA: 1\n    Rekey SA: 0\nTotal IKE SA: 1\n\n"
            "1   IKE Peer: 50.56.229.98\n    Type    : user            Role    : initiator\n"
            "    Rekey   : no              State   : MM_WAIT_MSG4\n\nIKEv2 SAs:\n\nSession-id:1, Status:UP-ACTIVE\n"
            "Tunnel-id Local Remote Status Role\n  1234 10.0.0.1/500 10.0.0.2/500 READY INITIATOR\n")
    (device,) = showparse.parse(text).devices
    assert device.name == "ASA-LAB1" and [sa.state for sa in device.sas] == ["MM_WAIT_MSG4"]


def test_type_mismatch_is_a_partial_match_not_a_miss():
    text = paste("seed-mm-wait-msg6.txt").replace("user   ", "L2L    ")
    result = states.diagnose(text)
    assert result.causes[0].name == "psk-mismatch"
    assert "partial match" in result.causes[0].why


# -- bad input ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"], ids=["empty", "blank"])
def test_empty_input_is_one_clear_error(text):
    with pytest.raises(InputError) as info:
        diagnose(text, source="paste.txt")
    message = str(info.value)
    assert message.startswith("paste.txt: no input") and "IKE Peer:" in message and "dst src state" in message
    assert "\n" not in message


def test_garbage_says_what_was_expected():
    with pytest.raises(InputError) as info:
        diagnose(paste("garbage.txt"), source="garbage.txt")
    assert str(info.value) == f"garbage.txt: nothing readable: {reader.EXPECTED}"
    assert "\n" not in str(info.value) and "'1   IKE Peer: 192.0.2.1'" in str(info.value)


@pytest.mark.parametrize("text,line,words", [
    ("1   IKE Peer: 192.0.2.1\n    Type    : L2L     Role    : initiatr\n", 2, "initiator or responder"),
    ("1   IKE Peer: 192.0.2.1\n    Type : L2L  Role : initiator\n    Rekey : no  State : waiting\n", 3,
     "IKE state"),
    ("R1#show crypto isakmp sa\ndst  src  state  conn-id status\n1.2.3.4  5.6.7.8  QM_IDLE\n", 3, "<conn-id>"),
    ("   IKE Peer   Type  Dir  Rky  State\n1  192.0.2.9  User  Sideways  No  MM_ACTIVE\n", 2, "<Init|Resp>"),
    ("1   IKE Peer: 192.0.2.1\n    Type    : L2L             Role    : initiator\n", 1, "no 'State :' line"),
], ids=["role", "state", "ios-row", "asa7-row", "no-state"])
def test_malformed_line_is_named(text, line, words):
    with pytest.raises(InputError) as info:
        diagnose(text, source="p.txt")
    assert info.value.line == line and words in str(info.value)
    assert str(info.value).startswith(f"p.txt:{line}: ")


def test_three_devices_is_an_error():
    text = "\n".join(paste(name) for name in ("seed-mm-wait-msg6.txt", "seed-mm-wait-msg5.txt", "asa-8.2-block.txt"))
    with pytest.raises(InputError, match="3 devices"):
        diagnose(text)


def test_ios_detail_only_says_to_paste_the_plain_table():
    text = ("R1#show crypto isakmp sa detail\nIPv4 Crypto ISAKMP SA\n\n"
            "C-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime Cap.\n\n"
            "1001  203.0.113.10    198.51.100.1           ACTIVE aes  sha    psk  14 23:59:55 D\n")
    with pytest.raises(InputError, match="no state column"):
        diagnose(text)


# -- the result as data, determinism, the reverse question ---------------------------------------------------------


def test_scores_are_ranked_normalised_and_json_ready():
    result = diagnose(paste("seed-mm-wait-msg2.txt"))
    scores = [c.score for c in result.causes]
    assert scores == sorted(scores, reverse=True) and abs(sum(scores) - 1) < 1e-9
    assert all(0 < c.score <= 1 and 0 < c.fit <= 1 for c in result.causes)
    assert [c.rank for c in result.causes] == list(range(1, len(result.causes) + 1))
    data = json.loads(json.dumps(result.as_dict()))
    assert data["causes"][0]["name"] == "udp500-blocked" and data["read"][0]["device"] == "ASA-LAB1"


def test_ranking_is_deterministic_even_with_cold_caches():
    text = paste("seed-msg6-msg5-pair.txt")
    first = states.diagnose(text)
    again = states.diagnose(text)
    states.signature.cache_clear()
    states._new_log_lines.cache_clear()
    states._log_counts.cache_clear()
    cold = states.diagnose(text)
    assert first.render() == again.render() == cold.render()
    assert first.as_dict() == cold.as_dict()


def test_outputs_taken_at_different_times_are_matched_one_by_one():
    text = paste("seed-mm-wait-msg6.txt") + paste("seed-mm-wait-msg3.txt")
    result = states.diagnose(text)
    assert result.mode == "separate" and any("different times" in note for note in result.notes)
    assert "never both at the same instant" in result.causes[0].why


def test_render_headlines_match_the_golden_file(golden):
    """The summary and the ranked headlines (the indented detail is checked by the tests above)."""
    rendered = states.diagnose(paste("seed-msg6-msg5-pair.txt"), source="seed-msg6-msg5-pair.txt").render()
    headlines = "\n".join(line for line in rendered.splitlines() if not line.startswith("   ")) + "\n"
    golden(PASTED / "seed-msg6-msg5-pair.expected", headlines)


def test_render_numbers_the_causes_and_summarises_what_was_read():
    text = states.diagnose(paste("seed-msg6-msg5-pair.txt"), source="pair.txt").render()
    lines = text.splitlines()
    assert lines[0] == "Read from pair.txt:"
    assert lines[1].startswith("  ASA-LAB1: ASA 8.4+/9.x 'show isakmp sa': 1 SA: peer 50.56.229.98, initiator, "
                               "Type user, MM_WAIT_MSG6")
    assert "1. psk-mismatch: Pre-shared keys differ (score " in text
    assert "\n2. psk-trailing-space: " in text and "Fix: " in text and "Confirm: " in text


def test_what_would_i_see_shows_both_sides():
    text = what_would_i_see("psk-mismatch")
    assert "ASA-LAB1# show isakmp sa" in text and "ASA-LAB2# show isakmp sa" in text
    assert "State   : MM_WAIT_MSG6" in text and "State   : MM_WAIT_MSG5" in text
    assert "There are no IKEv1 SAs" in what_would_i_see("psk-mismatch", at=60)


TRANSIENT = {"loss-recovers", "loss-fatal", "delay"}  # what shows depends on the instant: not first by design


@pytest.mark.parametrize("fault", [NO_FAULT] + faults.names())
def test_what_would_i_see_round_trips_through_diagnose(fault):
    result = diagnose(what_would_i_see(fault))
    assert fault in result.ranking()
    if fault not in TRANSIENT:
        assert fault in top_group(result), result.render()


@pytest.mark.parametrize("platform", ["asa/ios", "ios/asa"])
def test_what_would_i_see_round_trips_for_mixed_pairs(platform):
    needs_ios_labs()
    for fault in [NO_FAULT] + faults.names():
        result = diagnose(what_would_i_see(fault, platform))
        assert fault in result.ranking(), (platform, fault)
        # An ASA initiator without a key shows no SA and the router MM_KEY_EXCH: nothing in that paste says
        # which end is the router, and an IOS initiator stuck by a PSK mismatch looks the same once the ASA
        # responder has given up, so the prior puts psk-mismatch first.
        if fault not in TRANSIENT and (platform, fault) != ("asa/ios", "initiator-no-psk"):
            assert fault in top_group(result), (platform, fault, result.render())


def test_what_would_i_see_rejects_unknown_faults_platforms_and_times():
    with pytest.raises(InputError, match="unknown fault 'psk-mismach'"):
        what_would_i_see("psk-mismach")
    with pytest.raises(InputError, match="no bundled lab for platform 'junos'"):
        what_would_i_see("psk-mismatch", "junos")
    with pytest.raises(InputError, match="'at' must be"):
        what_would_i_see("psk-mismatch", at=-1)

"""ASA device logs from the Trace (sim.platforms.asa.logs): ``show logging`` and the ``debug crypto ikev1`` replay.

Golden files: ``tests/golden/logs/<scenario>-<hostname>.log`` (``show logging`` at the end of the run) and
``<scenario>-<hostname>.debug.log`` (``debug crypto ikev1 127``). ``IKESIM_REGEN_GOLDEN=1`` rewrites them; read the
diff as an ASA engineer before committing it.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from pathlib import Path

import pytest

import sim
from sim.ike.events import EVENT_TYPES
from sim.ike.types import HistoryStep, Msg, State, StepKind
from sim.errors import InputError
from sim.platforms.asa import logs
from sim.scenario import bundled_dir, load_scenario_text

GOLDEN_DIR = Path(__file__).parent / "golden" / "logs"
INITIATOR, RESPONDER = "ASA-LAB1", "ASA-LAB2"
SCENARIOS = ("healthy", "udp500-blocked", "return-path-blocked", "missing-tunnel-group", "psk-mismatch",
             "initiator-no-psk")
STAMP = re.compile(r"^(\w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2}): %ASA-(\d)-(\d{6}): ")


@functools.lru_cache(maxsize=None)
def run(name: str):
    return sim.run(name)


def buffer(name: str, host: str, at: float | None = None) -> list[str]:
    """The buffer lines of ``show logging`` (header stripped)."""
    r = run(name)
    text = r.show(host, "show logging", at=r.trace.end if at is None else at)
    return [line for line in text.splitlines() if STAMP.match(line)]


def when(line: str) -> datetime:
    return datetime.strptime(STAMP.match(line).group(1), "%b %d %Y %H:%M:%S")


# -- goldens ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", (INITIATOR, RESPONDER))
@pytest.mark.parametrize("name", SCENARIOS)
def test_show_logging_golden(name, host, golden):
    r = run(name)
    golden(GOLDEN_DIR / f"{name}-{host}.log", r.show(host, "show logging", at=r.trace.end))


@pytest.mark.parametrize("host", (INITIATOR, RESPONDER))
@pytest.mark.parametrize("name", SCENARIOS)
def test_debug_replay_golden(name, host, golden):
    r = run(name)
    golden(GOLDEN_DIR / f"{name}-{host}.debug.log", r.show(host, "debug crypto ikev1 127", at=r.trace.end))


# -- what each fault looks like, independent of the goldens -------------------------------------------------------

def test_healthy_both_sides_log_phase1_completed_once():
    for host in (INITIATOR, RESPONDER):
        lines = [line for line in buffer("healthy", host) if "%ASA-5-713119: " in line]
        assert len(lines) == 1, host
        assert lines[0].endswith("PHASE 1 COMPLETED")
        assert "Group = " in lines[0]  # the tunnel-group is known by then


def test_healthy_encrypted_messages_are_decoded_with_the_devices_own_keys():
    sent = [line for line in buffer("healthy", INITIATOR) if "IKE_DECODE SENDING" in line]
    # MM5 as in the tunnelsup capture: the IOS keep-alive payload and the DPD VID, 96 bytes unpadded
    tail = "HDR + ID (5) + HASH (8) + IOS KEEPALIVE (128) + VENDOR (13) + NONE (0) total length : 96"
    assert sent[-1].endswith(tail)
    received = [line for line in buffer("healthy", INITIATOR) if "IKE_DECODE RECEIVED" in line]
    assert received[-1].endswith(tail)  # MM6


def test_psk_mismatch_responder_cannot_decrypt_and_never_completes():
    lines = buffer("psk-mismatch", RESPONDER)
    text = "\n".join(lines)
    assert "Received encrypted Oakley Main Mode packet with invalid payloads, MessID = 0" in text
    assert "ERROR, had problems decrypting packet, probably due to mismatched pre-shared key.  Aborting" in text
    assert "713119" not in text
    assert "713119" not in "\n".join(buffer("psk-mismatch", INITIATOR))
    # no decode line for an MM5 that does not decrypt
    assert not any("IKE_DECODE RECEIVED" in line and "ID (5)" in line for line in lines)


def test_missing_tunnel_group_responder_cannot_find_a_group_and_initiator_resends_mm3_every_8s():
    responder = buffer("missing-tunnel-group", RESPONDER)
    # the SARANSK capture's wording (713138 is the syslog guide's; see on_group_missing)
    assert any(line.endswith("Group = 50.57.228.150, IP = 50.57.228.150, Can't find a valid tunnel group, "
                             "aborting...!") for line in responder)
    mm3 = [line for line in buffer("missing-tunnel-group", INITIATOR)
           if "713236" in line and "HDR + KE (4) + NONCE (10)" in line and "SENDING" in line]
    assert "IKE_DECODE SENDING" in mm3[0] and all("IKE_DECODE RESENDING" in line for line in mm3[1:])
    assert len(mm3) == 4
    gaps = [(when(b) - when(a)).total_seconds() for a, b in zip(mm3, mm3[1:])]
    assert gaps == [8.0, 8.0, 8.0]


def test_return_path_blocked_responder_logs_duplicates_and_resends():
    lines = buffer("return-path-blocked", RESPONDER)
    # the copies are of MM1: "first packet" (DAREN capture). A copy that arrives as the responder's own timer resends
    # MM2 is not answered again (the duplicate holdoff); the others are, with the resend right after.
    dups = [i for i, line in enumerate(lines) if "Duplicate first packet detected" in line]
    assert len(dups) == 3
    answered = [i for i in dups if lines[i].endswith("Duplicate first packet detected.")]
    assert answered and all(lines[i].endswith("Duplicate first packet detected.  Ignoring packet.")
                            for i in dups if i not in answered)
    for i in answered:
        assert "IKE_DECODE RESENDING" in lines[i + 1] and "HDR + SA (1)" in lines[i + 1]


def test_udp500_blocked_initiator_ends_with_fsm_history_after_last_resend_and_responder_log_is_empty():
    lines = buffer("udp500-blocked", INITIATOR)
    last_resend = max(i for i, line in enumerate(lines) if "IKE_DECODE RESENDING" in line)
    fsm = [i for i, line in enumerate(lines) if "%ASA-7-715065: " in line]
    assert fsm == [last_resend + 1]
    history = lines[fsm[0]]
    assert ("IKE MM Initiator FSM error history (struct &0x" in history and history.endswith(
        "<state>, <event>:  MM_DONE, EV_ERROR-->MM_WAIT_MSG2, EV_RETRY-->MM_WAIT_MSG2, EV_TIMEOUT-->MM_WAIT_MSG2, "
        "NullEvent-->MM_SND_MSG1, EV_SND_MSG-->MM_SND_MSG1, EV_START_TMR-->MM_SND_MSG1, EV_RESEND_MSG-->"
        "MM_WAIT_MSG2, EV_RETRY"))
    assert (when(history) - when(lines[last_resend])).total_seconds() == 8.0
    # what follows is only the teardown of that SA, at the same second
    assert all(when(line) == when(history) for line in lines[fsm[0]:])
    assert [STAMP.match(line).group(3) for line in lines[fsm[0]:]] == ["715065", "713906", "713902", "713903"]
    r = run("udp500-blocked")
    assert buffer("udp500-blocked", RESPONDER) == []
    assert "Buffer logging: level debugging, 0 messages logged" in r.show(RESPONDER, "show logging", at=r.trace.end)
    assert r.show(RESPONDER, "debug crypto ikev1 127", at=r.trace.end) == ""


def test_initiator_no_psk_fails_locally_after_mm4():
    lines = buffer("initiator-no-psk", INITIATOR)
    text = "\n".join(lines)
    assert "Connection landed on tunnel_group 50.56.229.98" in text
    assert "Can't find a valid tunnel group, aborting...!" in text
    assert "Generating keys for Initiator" not in text
    # the responder's MM4 resends, after the SA is gone (the SARANSK line for a clear message without SA payload)
    assert "Header invalid, missing SA payload! (next payload = 4)" in text


def test_timestamps_follow_simulated_time():
    r = run("missing-tunnel-group")
    early = buffer("missing-tunnel-group", INITIATOR, at=r.look)
    late = buffer("missing-tunnel-group", INITIATOR)
    assert late[:len(early)] == early and len(late) > len(early)
    stamps = [when(line) for line in late]
    assert stamps == sorted(stamps)
    assert stamps[0] == logs.CLOCK_BASE and stamps[-1] == datetime(2026, 11, 27, 10, 0, 32)
    assert all(when(line) <= datetime(2026, 11, 27, 10, 0, 5) for line in early)
    # another wall clock
    moved = logs.syslog_lines(r.trace, INITIATOR, r.trace.end, base=datetime(2010, 6, 10, 17, 36, 5))
    assert moved[0].startswith("Jun 10 2010 17:36:05: %ASA-7-715077: ")
    assert moved[-1].startswith("Jun 10 2010 17:36:37: ")


def test_show_logging_header_counts_the_buffer():
    r = run("healthy")
    text = r.show(RESPONDER, "show logging", at=r.trace.end)
    lines = text.splitlines()
    assert lines[0] == "Syslog logging: enabled"
    assert f"    Buffer logging: level debugging, {len(buffer('healthy', RESPONDER))} messages logged" in lines
    assert text.endswith("\n")


def test_show_logging_include_filter_and_abbreviations():
    r = run("healthy")
    full = r.show(INITIATOR, "show logging", at=r.trace.end)
    wanted = [line for line in full.splitlines() if "713119" in line]
    assert r.show(INITIATOR, "show logging | include 713119", at=r.trace.end) == "\n".join(wanted) + "\n"
    assert r.show(INITIATOR, "sh log | i 713119", at=r.trace.end) == "\n".join(wanted) + "\n"
    only_713 = r.show(INITIATOR, "show logging | include 713", at=r.trace.end).splitlines()
    assert only_713 and all("713" in line for line in only_713)
    assert r.show(INITIATOR, "deb cry ikev1 | include PHASE", at=r.trace.end) == (
        "Nov 27 10:00:00 [IKEv1]Group = 50.56.229.98, IP = 50.56.229.98, PHASE 1 COMPLETED\n")


def test_debug_levels_and_format():
    r = run("healthy")
    low = r.show(INITIATOR, "debug crypto ikev1", at=r.trace.end).splitlines()
    high = r.show(INITIATOR, "debug crypto ikev1 255", at=r.trace.end).splitlines()
    assert low and all(" [IKEv1]" in line for line in low)
    assert any(" [IKEv1 DEBUG]" in line for line in high) and set(low) < set(high)
    assert re.match(r"^Nov 27 10:00:00 \[IKEv1\]IP = 50\.56\.229\.98, IKE Initiator: New Phase 1, Intf inside, "
                    r"IKE Peer 50\.56\.229\.98$", low[0])
    assert "[IKEv1 DEBUG]Pitcher: received a key acquire message, spi 0x0" in high[0]
    for bad in ("debug crypto ikev1 0", "debug crypto ikev1 256", "debug crypto ikev1 x"):
        with pytest.raises(InputError):
            r.show(INITIATOR, bad)


def test_same_scenario_same_logs():
    for name in SCENARIOS:
        a, b = sim.run(name), run(name)
        for host in (INITIATOR, RESPONDER):
            assert logs.syslog_lines(a.trace, host, a.trace.end) == logs.syslog_lines(b.trace, host, b.trace.end)
            assert logs.debug_lines(a.trace, host, a.trace.end) == logs.debug_lines(b.trace, host, b.trace.end)


def test_unknown_device_is_an_input_error():
    r = run("healthy")
    with pytest.raises(InputError):
        logs.syslog_lines(r.trace, "NO-SUCH-ASA", 10)


# -- faults that no bundled scenario covers, on variants of the healthy one ---------------------------------------

def variant(old: str, new: str):
    text = (bundled_dir() / "healthy.yaml").read_text()
    cut = text.index("responder:")
    head, tail = text[:cut], text[cut:]
    assert old in tail
    return sim.run(load_scenario_text(head + tail.replace(old, new), "variant.yaml"))


def test_proposal_mismatch_713257_on_responder_and_dropped_notify_on_initiator():
    r = variant("     group 14\n", "     group 5\n")
    responder = logs.syslog_lines(r.trace, RESPONDER, r.trace.end)
    assert any(line.endswith("%ASA-5-713257: IP = 50.57.228.150, Phase 1 failure: Mismatched attribute types for "
                             "class Group: Rcv'd: Group 14 Cfg'd: Group 5") for line in responder)
    assert any("IKE_DECODE SENDING Message (msgid=" in line and "HDR + NOTIFY (11) + NONE (0)" in line
               for line in responder)
    initiator = logs.syslog_lines(r.trace, INITIATOR, r.trace.end)
    i = next(i for i, line in enumerate(initiator) if "%ASA-5-713904: " in line)
    assert initiator[i].endswith("Received an un-encrypted NO_PROPOSAL_CHOSEN notify message, dropping")
    assert initiator[i + 1].endswith("%ASA-4-713903: IP = 50.56.229.98, Information Exchange processing failed")
    assert "IKE_DECODE RECEIVED" in initiator[i - 1] and "HDR + NOTIFY (11)" in initiator[i - 1]


def test_default_group_key_713139():
    r = variant("    tunnel-group 50.57.228.150 type ipsec-l2l\n    tunnel-group 50.57.228.150 ipsec-attributes\n",
                "    tunnel-group DefaultL2LGroup ipsec-attributes\n")
    lines = logs.syslog_lines(r.trace, RESPONDER, r.trace.end)
    assert any(line.endswith("%ASA-5-713139: IP = 50.57.228.150, 50.57.228.150 not found, using BASE GROUP default "
                             "preshared key") for line in lines)
    assert any("Group = DefaultL2LGroup, IP = 50.57.228.150, PHASE 1 COMPLETED" in line for line in lines)


def test_ike_not_enabled_on_the_responder_denies_udp_500():
    r = variant("    crypto ikev1 enable outside\n", "")
    lines = logs.syslog_lines(r.trace, RESPONDER, r.trace.end)
    assert len(lines) == 4 and all(line.endswith("%ASA-3-710003: UDP access denied by ACL from 50.57.228.150/500 "
                                                 "to outside:50.56.229.98/500") for line in lines)


def test_nat_t_detection_and_the_float_to_4500():
    r = sim.run("nat-t")  # healthy with the initiator behind PAT (10.0.0.2 seen as 192.0.2.1), NAT-T on both
    initiator = logs.syslog_lines(r.trace, INITIATOR, r.trace.end)
    responder = logs.syslog_lines(r.trace, RESPONDER, r.trace.end)
    assert any(line.endswith("%ASA-6-713172: IP = 50.56.229.98, Automatic NAT Detection Status:    Remote end is NOT "
                             "behind a NAT device    This  end  IS  behind a NAT device") for line in initiator)
    assert any(line.endswith("Automatic NAT Detection Status:    Remote end  IS  behind a NAT device    This  end "
                             "is NOT behind a NAT device") for line in responder)
    assert any("constructing NAT-Traversal VID ver RFC payload" in line for line in initiator)
    assert any("IKE_DECODE RECEIVED" in line and "NAT-D (20) + NAT-D (20)" in line for line in responder)
    # MM5 arrives on 4500 with the non-ESP marker, from the translated address, and still decodes
    assert any(line.endswith("IP = 192.0.2.1, IKE_DECODE RECEIVED Message (msgid=0) with payloads : HDR + ID (5) + "
                             "HASH (8) + IOS KEEPALIVE (128) + VENDOR (13) + NONE (0) total length : 96")
               for line in responder)
    assert all(any("713119" in line for line in lines) for lines in (initiator, responder))


# -- the table and the FSM history ---------------------------------------------------------------------------------

def test_every_core_event_kind_is_in_the_asa_table_of_the_docstring():
    doc = logs.__doc__
    for kind in EVENT_TYPES:
        assert re.search(rf"^{kind.__name__}\s", doc, re.MULTILINE) or logs.HANDLED[kind] is None, \
            f"{kind.__name__} missing from the module docstring table"


def test_fsm_history_reads_like_the_observed_asa_sample():
    history = ([HistoryStep(State.MM_WAIT_MSG2, StepKind.START, sent=Msg.MM1)]
               + [HistoryStep(State.MM_WAIT_MSG2, StepKind.RETRY, sent=Msg.MM1)] * 3
               + [HistoryStep(State.MM_WAIT_MSG2, StepKind.TIMEOUT)])
    text = logs.fsm_history_text("initiator", "a087750a0b0c0d0e", history)
    assert text == ("IKE MM Initiator FSM error history (struct &0x00007fffa0877508)  <state>, <event>:  MM_DONE, EV_ERROR-->"
                    "MM_WAIT_MSG2, EV_RETRY-->MM_WAIT_MSG2, EV_TIMEOUT-->MM_WAIT_MSG2, NullEvent-->MM_SND_MSG1, "
                    "EV_SND_MSG-->MM_SND_MSG1, EV_START_TMR-->MM_SND_MSG1, EV_RESEND_MSG-->MM_WAIT_MSG2, EV_RETRY")
    pairs = logs.fsm_pairs([HistoryStep(State.MM_WAIT_MSG3, StepKind.STEP, received=Msg.MM1, sent=Msg.MM2),
                            HistoryStep(State.MM_WAIT_MSG3, StepKind.ERROR, received=Msg.MM3)])
    assert pairs == [("MM_START", "EV_RCV_MSG"), ("MM_SND_MSG2", "EV_START_TMR"), ("MM_SND_MSG2", "EV_SND_MSG"),
                     ("MM_WAIT_MSG3", "NullEvent"), ("MM_WAIT_MSG3", "EV_RCV_MSG"), ("MM_DONE", "EV_ERROR")]

"""The paste reader: every way a person pastes ASA/IOS output is read the same, roles come from the lines, several
peers are told apart, and unreadable input is one line, exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.errors import InputError
from sim.training.diagnose import diagnose
from sim.training.diagnosis import matching, reader

PSK_ASA = ("%ASA-3-713902: Group = 198.51.100.7, IP = 198.51.100.7, ERROR, had problems decrypting packet, "
           "probably due to mismatched pre-shared key.  Aborting")


@pytest.mark.parametrize("line", [
    "Jun 10 2010 17:36:13: " + PSK_ASA,
    PSK_ASA,
    "[2025-11-27 10:01:02] Jun 10 17:36:13 " + PSK_ASA,
    "10:01:02.123 " + PSK_ASA,
    "Jun 10 17:36:13 [IKEv1]: Group = 198.51.100.7, IP = 198.51.100.7, ERROR, had problems decrypting packet, "
    "probably due to mismatched pre-shared key.  Aborting",
    "Jun 10 17:36:13 [IKEv1]Group = 198.51.100.7, IP = 198.51.100.7, ERROR, had problems decrypting packet, "
    "probably due to mismatched pre-shared key.  Aborting",
    "3|Jun 10 2010|17:36:13|713902|||||Group = 198.51.100.7, IP = 198.51.100.7, ERROR, had problems decrypting "
    "packet, probably due to mismatched pre-shared key.  Aborting",
], ids=["box-stamp", "bare", "logger-stamp", "ms-stamp", "console-colon", "console", "asdm"])
def test_every_asa_form_reads_to_the_same_wording_and_names_the_cause(line):
    (read,) = reader.read(f"Here is my log:\r\n{line}\r\n<--- More --->\r\nthanks!\r\n").logs
    assert read.platform == "asa" and read.peer == "198.51.100.7" and read.number == 2
    assert read.key == "error, had problems decrypting packet, probably due to mismatched pre-shared key. aborting"
    assert diagnose(line).causes[0].name == "psk-mismatch"


@pytest.mark.parametrize("prefix", ["ISAKMP (0:1): ", "ISAKMP:(1001):", "ISAKMP: (1001):",
                                    "*Mar  1 00:42:09.431: ISAKMP:(1001):", "000123: ISAKMP: (1001):"])
def test_the_three_ios_debug_prefixes_and_box_stamps(prefix):
    (read,) = reader.read(prefix + "sending packet to 10.10.10.2 (R) MM_SA_SETUP\n").logs
    assert (read.platform, read.peer, read.role) == ("ios", "10.10.10.2", "responder")
    assert read.key == "sending packet to <a> (r) mm_sa_setup"


def test_ios_crypto_syslog_also_as_copy_paste_leaves_it():
    for text in ("%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 10.11.12.13 failed its sanity check or is malformed",
                 "1d00h:%CRYPTO4IKMP_BAD_MESSAGE: IKE message from 10.11.12.13 failed its sanity check or is "
                 "malformed"):
        (read,) = reader.read(text).logs
        assert read.msgid == "CRYPTO-4-IKMP_BAD_MESSAGE" and read.peer == "10.11.12.13"


def test_roles_come_from_the_lines_not_the_state_names():
    logs = reader.read("ISAKMP:(0): beginning Main Mode exchange\n"
                       "ISAKMP:(0): sending packet to 192.0.2.9 my_port 500 peer_port 500 (I) MM_NO_STATE\n").logs
    (peer,) = matching.group(logs)
    assert [(b.platform, b.side) for b in peer.boxes] == [("ios", 0)]


def test_ios_12_slot_table_under_a_real_prompt_is_read_with_debug_around_it():
    text = ("RT2#sh crypto isakmp sa\ndst             src             state           conn-id    slot\n"
            "11.11.11.2      10.10.10.2      MM_SA_SETUP           1       0\n\n"
            "ISAKMP (0:1): sending packet to 10.10.10.2 (R) MM_SA_SETUP\n")
    paste = reader.read(text)
    assert paste.observation.devices[0].sas[0].state == "MM_SA_SETUP" and len(paste.logs) == 1
    assert diagnose(text).causes


def test_asa_show_crypto_isakmp_without_sa_is_read():
    text = ("asa# sh cry isa\n\nIKEv1 SAs:\n\n   Active SA: 1\n    Rekey SA: 0\nTotal IKE SA: 1\n\n"
            "1   IKE Peer: 198.51.100.7\n    Type    : L2L             Role    : initiator\n"
            "    Rekey   : no              State   : MM_ACTIVE\n")
    assert diagnose(text).causes[0].name == "no-fault"


def test_several_peers_are_diagnosed_each_and_peer_picks_one():
    a = [f"%ASA-3-713902: Group = 198.51.100.{n}, IP = 198.51.100.{n}, ERROR, had problems decrypting packet, "
         "probably due to mismatched pre-shared key.  Aborting" for n in (7, 7, 7)]
    b = [f"%ASA-5-713119: Group = 203.0.113.{n}, IP = 203.0.113.{n}, PHASE 1 COMPLETED" for n in (9, 9, 9)]
    b.append("%ASA-3-713061: Group = 203.0.113.9, IP = 203.0.113.9, Rejecting IPSec tunnel: no matching crypto "
             "map entry for remote proxy 10.0.0.0/255.255.0.0/0/0 local proxy 10.1.0.0/255.255.255.0/0/0 on "
             "interface outside")
    result = diagnose("\n".join(a + b))
    assert [p.peer for p in result.peers] == ["203.0.113.9", "198.51.100.7"]
    assert result.peers[0].phase2 and result.peers[0].causes[0].name == "phase2"
    assert result.peers[1].causes[0].name == "psk-mismatch"
    only = diagnose("\n".join(a + b), peer="198.51.100.7")
    assert [p.peer for p in only.peers] == ["198.51.100.7"]
    with pytest.raises(InputError, match="no such peer"):
        diagnose("\n".join(a), peer="192.0.2.1")


def test_phase2_answer_quotes_the_phase1_line_and_the_quick_mode_line():
    text = ("Dec 04 2014 12:37:51: %ASA-5-713119: Group = 77.88.99.100, IP = 77.88.99.100, PHASE 1 COMPLETED\n"
            "Dec 04 2014 12:37:51: %ASA-5-713259: Group = 77.88.99.100, IP = 77.88.99.100, Session is being torn "
            "down. Reason: crypto map policy not found\n")
    cause = diagnose(text).causes[0]
    assert cause.name == "phase2" and [q.line for q in cause.support] == [1, 2]
    assert "Phase 2" in diagnose(text).render()


def test_fix_speaks_the_pasted_addresses():
    text = ("%ASA-7-713906: IP = 203.0.113.5, Generating keys for Responder...\n"
            "%ASA-3-713902: Group = 203.0.113.5, IP = 203.0.113.5, ERROR, had problems decrypting packet, "
            "probably due to mismatched pre-shared key.  Aborting\n")
    first = diagnose(text).causes[0]
    assert first.name == "psk-mismatch"
    assert [q.line for q in first.support] == [2]
    assert any("<the same key on both peers>" in f for f in first.fix_config)
    assert "203.0.113.5" in first.other_box


@pytest.mark.parametrize("text", ["", "hello\nthis is not a log\n"])
def test_unreadable_input_is_one_line_and_exit_2(text):
    done = subprocess.run([sys.executable, "-m", "sim", "diagnose"], input=text, capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "expected ASA syslog" in done.stderr


def test_cli_json_and_all():
    import json

    text = PSK_ASA + "\n"
    done = subprocess.run([sys.executable, "-m", "sim", "diagnose", "--json"], input=text, capture_output=True,
                          text=True, check=True)
    data = json.loads(done.stdout)
    assert data["causes"][0]["name"] == "psk-mismatch" and data["causes"][0]["support"][0]["line"] == 1
    short = subprocess.run([sys.executable, "-m", "sim", "diagnose"], input=text, capture_output=True, text=True)
    full = subprocess.run([sys.executable, "-m", "sim", "diagnose", "--all"], input=text, capture_output=True,
                          text=True)
    assert "--all" in short.stdout and len(full.stdout) > len(short.stdout)


def test_who_sent_mm1_gives_the_role_when_no_line_names_it():
    sent = ("%ASA-7-713236: IP = 192.0.2.9, IKE_DECODE SENDING Message (msgid=0) with payloads : HDR + SA (1) + "
            "VENDOR (13) + NONE (0) total length : 124\n")
    got = sent.replace("SENDING", "RECEIVED")
    assert [b.side for b in matching.group(reader.read(sent).logs)[0].boxes] == [0]
    assert [b.side for b in matching.group(reader.read(got).logs)[0].boxes] == [1]

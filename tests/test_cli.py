"""The ikesim command as a user runs it: output, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

SEED_MSG6 = """\
ASA-LAB1# show isakmp sa

IKEv1 SAs:

   Active SA: 1
    Rekey SA: 0 (A tunnel will report 1 Active and 1 Rekey SA during rekey)
Total IKE SA: 1

1   IKE Peer: 50.56.229.98
    Type    : user            Role    : initiator 
    Rekey   : no              State   : MM_WAIT_MSG6 

There are no IKEv2 SAs
"""


def ikesim(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


def test_run_prints_prompt_and_show_for_each_device():
    result = ikesim("run", "psk-mismatch")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(SEED_MSG6)
    assert "ASA-LAB2# show isakmp sa\n" in result.stdout and "State   : MM_WAIT_MSG5" in result.stdout


def test_run_on_one_device_with_commands_and_time(capsys):
    assert main(["run", "psk-mismatch", "--on", "ASA-LAB1", "--command", "show isakmp sa | begin 50.56.229.98",
                 "--command", "show crypto isakmp sa", "--at", "60"]) == 0
    out = capsys.readouterr().out
    assert out == ("ASA-LAB1# show isakmp sa | begin 50.56.229.98\n\n"
                   "ASA-LAB1# show crypto isakmp sa\n\nThere are no IKEv1 SAs\n\nThere are no IKEv2 SAs\n")
    assert "ASA-LAB2" not in out


def test_seed_option_changes_nothing_visible_but_is_accepted(capsys):
    assert main(["run", "healthy", "--seed", "42"]) == 0
    assert capsys.readouterr().out.count("MM_ACTIVE") == 2


def test_list_names_every_bundled_scenario(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("healthy", "udp500-blocked", "return-path-blocked", "missing-tunnel-group", "psk-mismatch",
                 "initiator-no-psk"):
        assert any(line.split()[0] == name for line in out.splitlines())


def test_run_accepts_a_path(tmp_path):
    import sim.scenario

    src = sim.scenario.bundled_dir() / "healthy.yaml"
    copy = tmp_path / "mine.yaml"
    copy.write_text(src.read_text())
    result = ikesim("run", str(copy), "--on", "ASA-LAB2")
    assert result.returncode == 0 and "MM_ACTIVE" in result.stdout


BAD = {
    "unknown key": ("title: x\ndescription: y\nbogus: 1\n", ":3: bogus:"),
    "bad address": (None, "responder.outside"),
    "config error": (None, "initiator.config"),
    "yaml syntax": ("title: [unclosed\n", ":"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_gives_one_line_and_exit_2(tmp_path, case):
    import sim.scenario

    text, needle = BAD[case]
    healthy = (sim.scenario.bundled_dir() / "healthy.yaml").read_text()
    if case == "bad address":
        text = healthy.replace("outside: 50.56.229.98", "outside: 50.56.229.300")
    elif case == "config error":
        text = healthy.replace(" encryption aes-256", " encryption aes-512", 1)
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    result = ikesim("run", str(f))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ikesim: error: ") and str(f) in lines[0] and needle in lines[0]
    assert "Traceback" not in result.stderr


def test_config_error_names_the_file_line():
    import sim.scenario

    healthy = (sim.scenario.bundled_dir() / "healthy.yaml").read_text()
    bad = healthy.replace(" encryption aes-256", " encryption aes-512", 1)
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "aes-512" in text)
    path = Path(__file__).parent / "_tmp_bad_line.yaml"
    try:
        path.write_text(bad)
        result = ikesim("run", str(path))
    finally:
        path.unlink()
    assert f"_tmp_bad_line.yaml:{line}: initiator.config: " in result.stderr


@pytest.mark.parametrize("args,needle", [
    (["run", "no-such-scenario"], "no such scenario"),
    (["run", "healthy", "--on", "ASA-NOPE"], "ASA-NOPE"),
    (["run", "healthy", "--command", "show running-config"], "unknown command"),
    (["run", "healthy", "--command", "show isakmp sa | begin ("], "regular expression"),
])
def test_bad_arguments_give_one_line_and_exit_2(args, needle):
    result = ikesim(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and needle in result.stderr


@pytest.mark.parametrize("args", [["run", "healthy", "--at", "-1"], ["run", "healthy", "--seed", "x"], ["bogus"]])
def test_bad_options_exit_2_without_traceback(args):
    result = ikesim(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_help_mentions_every_option():
    result = ikesim("run", "--help")
    for option in ("--seed", "--at", "--on", "--command"):
        assert option in result.stdout


def test_documentation_outputs_are_written(tmp_path, capsys):
    out = tmp_path / "docs"
    out.mkdir()
    args = ["run", "psk-mismatch", "--no-show", "--ladder", "--mermaid", str(out / "l.md"), "--pcap",
            str(out / "c.pcapng"), "--keys", str(out / "keys"), "--chart", str(out / "c.svg")]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Pre-shared keys differ\n") and "MM5*: IDii, HASH_I" in printed
    assert "ASA-LAB1# " not in printed  # --no-show
    assert (out / "l.md").read_text().count("```mermaid") == 1
    assert (out / "c.pcapng").read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    assert (out / "c.svg").read_text().lstrip().startswith("<?xml")
    tables = sorted(p.name for p in (out / "keys").iterdir())
    assert tables == ["ASA-LAB1.ikev1_decryption_table", "ASA-LAB2.ikev1_decryption_table"]
    # two runs give byte-identical files
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert main(args) == 0
    assert first == {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


@pytest.mark.parametrize("option,value,needle", [
    ("--pcap", "{missing}/c.pcapng", "cannot write"),
    ("--chart", "{dir}/c.gif", "chart format"),
    ("--vantage", "router", "vantage"),
])
def test_bad_output_options_write_nothing(tmp_path, option, value, needle):
    target = value.format(missing=tmp_path / "nope", dir=tmp_path)
    extra = ["--pcap", str(tmp_path / "c.pcapng")] if option == "--vantage" else []
    result = ikesim("run", "healthy", option, target, "--mermaid", str(tmp_path / "l.md"), *extra)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and needle in result.stderr
    assert list(tmp_path.iterdir()) == []  # no half-written or partial output at all


PASTED = Path(__file__).parent / "golden" / "pasted"


def test_diagnose_reads_a_file_or_stdin():
    by_file = ikesim("diagnose", str(PASTED / "seed-mm-wait-msg4.txt"))
    assert by_file.returncode == 0 and "1. missing-tunnel-group" in by_file.stdout
    by_stdin = subprocess.run([sys.executable, "-m", "sim", "diagnose", "-"], capture_output=True, text=True,
                              input=(PASTED / "seed-mm-wait-msg6.txt").read_text())
    assert by_stdin.returncode == 0 and "1. psk-mismatch" in by_stdin.stdout
    as_json = ikesim("diagnose", "--json", str(PASTED / "seed-mm-wait-msg3.txt"))
    import json

    assert json.loads(as_json.stdout)["causes"][0]["name"] == "return-path-blocked"


@pytest.mark.parametrize("name", ["garbage.txt", None])
def test_diagnose_unreadable_input_is_one_line_and_exit_2(name, tmp_path):
    path = PASTED / name if name else tmp_path / "missing.txt"
    result = ikesim("diagnose", str(path))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_quiz_runs_from_the_command_line_with_answers_on_stdin(tmp_path):
    record = tmp_path / "record.jsonl"
    result = subprocess.run([sys.executable, "-m", "sim", "quiz", "--rounds", "2", "--seed", "3", "--answers", "-",
                             "--record", str(record)], capture_output=True, text=True, input="1\n2\n")
    assert result.returncode == 0, result.stderr
    assert "Round 2 of 2" in result.stdout and "Score" in result.stdout
    assert len(record.read_text().splitlines()) == 2


def test_console_runs_commands_from_stdin():
    result = subprocess.run([sys.executable, "-m", "sim", "console", "psk-mismatch"], capture_output=True, text=True,
                            input="show isakmp sa | include State\nswitch\nshow isakmp sa | include State\nexit\n")
    assert result.returncode == 0, result.stderr
    assert "MM_WAIT_MSG6" in result.stdout and "MM_WAIT_MSG5" in result.stdout and "ASA-LAB2#" in result.stdout


LIVE_CONFIG = """\
hostname {host}
crypto ikev1 enable outside
crypto ikev1 policy 10
 authentication pre-share
 encryption aes
 hash sha
 group 14
tunnel-group {peer} type ipsec-l2l
tunnel-group {peer} ipsec-attributes
 ikev1 pre-shared-key {key}
"""


@pytest.mark.parametrize("keys,expected_rc,state", [(("k1", "k1"), 0, "MM_ACTIVE"), (("k1", "k2"), 1, "MM_WAIT_MSG6")])
def test_live_initiator_and_responder_on_loopback(tmp_path, keys, expected_rc, state):
    """Two ikesim processes over real UDP on 127.0.0.1/127.0.0.2, ports chosen per test; stopped by PID."""
    import random
    import time

    port = random.Random(str(tmp_path)).randrange(20000, 40000)
    (tmp_path / "r.cfg").write_text(LIVE_CONFIG.format(host="ASA-R", peer="127.0.0.1", key=keys[1]))
    (tmp_path / "i.cfg").write_text(LIVE_CONFIG.format(host="ASA-I", peer="127.0.0.2", key=keys[0]))
    responder = subprocess.Popen([sys.executable, "-m", "sim", "live", "responder", "--bind", f"127.0.0.2:{port}",
                                  "--config", str(tmp_path / "r.cfg"), "--timeout", "20"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        result = subprocess.run([sys.executable, "-m", "sim", "live", "initiator", "--peer", f"127.0.0.2:{port}",
                                 "--bind", f"127.0.0.1:{port + 1}", "--config", str(tmp_path / "i.cfg"),
                                 "--interval", "0.5", "--retries", "1", "--timeout", "15",
                                 "--pcap", str(tmp_path / "live.pcapng"), "--keys", str(tmp_path / "keys")],
                                capture_output=True, text=True, timeout=60)
    finally:
        responder.terminate()  # by PID
        responder.communicate(timeout=10)
    assert result.returncode == expected_rc, result.stdout + result.stderr
    assert f"State   : {state}" in result.stdout
    assert (tmp_path / "live.pcapng").read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    assert (tmp_path / "keys" / "ASA-I.ikev1_decryption_table").exists()


def test_live_with_a_bad_config_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "bad.cfg").write_text("crypto ikev1 policy 10\n encryption aes-512\n")
    result = ikesim("live", "initiator", "--peer", "127.0.0.1:1", "--config", str(tmp_path / "bad.cfg"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and "bad.cfg:2" in result.stderr


def test_output_is_identical_across_processes_with_different_hash_seeds(tmp_path):
    """Same scenario and seed, byte-identical output: also when Python randomises str hashing differently."""
    outputs = []
    for hash_seed in ("1", "2"):
        folder = tmp_path / hash_seed
        folder.mkdir()
        env = {**__import__("os").environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run([sys.executable, "-m", "sim", "run", "psk-mismatch", "--command", "show logging",
                                 "--ladder", "--pcap", str(folder / "c.pcapng"), "--mermaid", str(folder / "m.md")],
                                capture_output=True, text=True, env=env, cwd=folder)
        assert result.returncode == 0, result.stderr
        outputs.append((result.stdout, (folder / "c.pcapng").read_bytes(), (folder / "m.md").read_text()))
    assert outputs[0] == outputs[1]

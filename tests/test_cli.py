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


@pytest.mark.parametrize("seed", ["9" * 5000, str(2**64), "0x10"])
def test_a_huge_or_odd_seed_option_is_one_short_line(capsys, seed):
    with pytest.raises(SystemExit) as info:
        main(["run", "healthy", "--seed", seed])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "from 0 to 2**64-1" in err and len(err.splitlines()[-1]) < 200


def test_help_mentions_every_option():
    result = ikesim("run", "--help")
    for option in ("--seed", "--at", "--on", "--command"):
        assert option in result.stdout


def test_run_help_lists_every_filter_per_platform():
    """Every filter the platforms accept is in `ikesim run --help` (and only those: each one works)."""
    from sim.platforms import configtext
    from sim.platforms.ios import show as ios_show

    text = " ".join(ikesim("run", "--help").stdout.split())
    asa = text.split("ASA: begin", 1)[1].split(";", 1)[0]
    ios = text.split("IOS: begin", 1)[1].split("REGEX", 1)[0]
    assert [f for f in configtext.FILTERS if f not in "begin" + asa] == []
    assert "grep [-v]" in asa
    assert [f for f in ios_show.FILTERS if f not in "begin" + ios] == []
    for command in ("show isakmp sa | grep -v Rekey", "show isakmp sa | exclude Rekey"):
        assert main(["run", "healthy", "--on", "ASA-LAB1", "--command", command]) == 0
    for command in ("show crypto isakmp sa | section IPv4", "show crypto isakmp sa | count QM"):
        assert main(["run", "ios-to-ios-healthy", "--command", command]) == 0


def test_ikesim_alone_prints_the_full_help_and_exits_0():
    result = ikesim()
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == ikesim("--help").stdout
    assert result.stdout.startswith("usage: ikesim") and "examples:" in result.stdout


def test_unknown_device_error_names_the_bundled_scenario_as_given():
    result = ikesim("run", "healthy", "--on", "FOO")
    assert result.returncode == 2
    assert result.stderr == "ikesim: error: healthy: no device 'FOO' in this scenario (devices: ASA-LAB1, ASA-LAB2)\n"


def test_unknown_device_error_names_a_file_as_given(tmp_path, capsys):
    import sim.scenario

    copy = tmp_path / "mine.yaml"
    copy.write_text((sim.scenario.bundled_dir() / "healthy.yaml").read_text())
    assert main(["run", str(copy), "--on", "FOO"]) == 2
    assert capsys.readouterr().err.startswith(f"ikesim: error: {copy}: no device 'FOO'")


def test_keys_on_a_run_without_keys_writes_nothing_and_says_why(tmp_path, capsys):
    """udp500-blocked never gets to MM3/MM4: no device derives keys. --keys alone (with --no-show) asked for
    nothing else: exit 2; with the show output it is a note and exit 0. No 0-byte files either way."""
    keys = tmp_path / "keys"
    keys.mkdir()
    assert main(["run", "udp500-blocked", "--no-show", "--keys", str(keys)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("ikesim: error: --keys: nothing written: no table for ASA-LAB1 or ASA-LAB2: neither "
                          "derived keys")
    assert main(["run", "udp500-blocked", "--keys", str(keys)]) == 0
    out, err = capsys.readouterr()
    assert "ASA-LAB1# show isakmp sa" in out
    assert err.startswith("ikesim: note: --keys: no table for ASA-LAB1 or ASA-LAB2") and err.count("\n") == 1
    assert list(keys.iterdir()) == []
    # one side with keys: its table only, and a note for the other
    assert main(["run", "initiator-no-psk", "--no-show", "--keys", str(keys)]) == 0
    out, err = capsys.readouterr()
    assert [p.name for p in keys.iterdir()] == ["ASA-LAB2.ikev1_decryption_table"]
    assert out == f"wrote {keys / 'ASA-LAB2.ikev1_decryption_table'} (keys of ASA-LAB2, 1 SA, 82 bytes)\n"
    assert err == ("ikesim: note: --keys: no table for ASA-LAB1: it derived no keys in this run (keys come from "
                   "the Diffie-Hellman exchange of MM3/MM4)\n")


@pytest.mark.parametrize("option,target", [("--chart", "out/c.png"), ("--pcap", "out/c.pcapng"), ("--keys", "out"),
                                           ("--mermaid", "out/l.md"), ("--chart", "out/deeper/c.svg")])
def test_one_rule_for_missing_directories_refuse_and_name_it(tmp_path, capsys, monkeypatch, option, target):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "psk-mismatch", "--no-show", option, target]) == 2
    err = capsys.readouterr().err
    if option == "--keys":
        assert err == "ikesim: error: cannot write keys into out: no such directory (create it first)\n"
    else:
        assert err == f"ikesim: error: cannot write {target}: no such directory {target.rsplit('/', 1)[0]} (create it " \
                      f"first)\n"
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_keys_onto_an_existing_file_is_a_clear_line(tmp_path, capsys):
    (tmp_path / "keys").write_text("mine\n")
    assert main(["run", "psk-mismatch", "--keys", str(tmp_path / "keys"), "--pcap", str(tmp_path / "c.pcapng")]) == 2
    assert capsys.readouterr().err == f"ikesim: error: cannot write keys into {tmp_path / 'keys'}: it is a file, not " \
                                      f"a directory\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keys"] and (tmp_path / "keys").read_text() == "mine\n"


def test_chart_pcap_and_keys_are_written_all_or_none(tmp_path, capsys):
    """A read-only key table refuses the whole run's outputs, before any file is written (it used to fail after
    the chart and the capture were written), and is not replaced (as cp without -f)."""
    keys = tmp_path / "keys"
    keys.mkdir()
    locked = keys / "ASA-LAB2.ikev1_decryption_table"
    locked.write_text("old\n")
    locked.chmod(0o444)
    args = ["run", "psk-mismatch", "--no-show", "--chart", str(tmp_path / "c.svg"), "--pcap",
            str(tmp_path / "c.pcapng"), "--keys", str(keys)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == f"ikesim: error: cannot write {locked}: the file exists and is read-only (remove it or make it " \
                  f"writable first)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys"]
    assert [p.name for p in keys.iterdir()] == [locked.name] and locked.read_text() == "old\n"
    assert oct(locked.stat().st_mode & 0o777) == "0o444"
    locked.chmod(0o640)  # writable again: replaced, keeping its mode
    assert main(args) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    assert oct(locked.stat().st_mode & 0o777) == "0o640" and locked.read_text() != "old\n"


def test_documentation_outputs_are_written(tmp_path, capsys):
    out = tmp_path / "docs"
    (out / "keys").mkdir(parents=True)
    args = ["run", "psk-mismatch", "--no-show", "--ladder", "--mermaid", str(out / "l.md"), "--pcap",
            str(out / "c.pcapng"), "--keys", str(out / "keys"), "--chart", str(out / "c.svg")]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Pre-shared keys differ\n") and "MM5*: IDii, HASH_I" in printed
    assert "ASA-LAB1# " not in printed  # --no-show
    # --no-show says what was written, one line per file, after the ladder
    wrote = [line for line in printed.splitlines() if line.startswith("wrote ")]
    assert [line.split()[1] for line in wrote] == [str(out / "c.svg"), str(out / "l.md"), str(out / "c.pcapng"),
                                                   str(out / "keys" / "ASA-LAB1.ikev1_decryption_table"),
                                                   str(out / "keys" / "ASA-LAB2.ikev1_decryption_table")]
    assert printed.endswith("\n".join(wrote) + "\n")
    assert f"wrote {out / 'c.svg'} (chart, " in printed and " KB)" in wrote[0]
    assert wrote[3].endswith("(keys of ASA-LAB1, 1 SA, 82 bytes)")
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


def test_explain_prints_the_scenarios_notice_and_fix_after_the_output(capsys):
    from sim.scenario import load_scenario

    assert main(["run", "psk-mismatch", "--explain"]) == 0
    out = capsys.readouterr().out
    scenario = load_scenario("psk-mismatch")
    show, _, explained = out.partition("== psk-mismatch: ")
    assert "MM_WAIT_MSG6" in show and explained.startswith(scenario.title)
    flat = " ".join(explained.split())
    for text in (scenario.description, scenario.notice, scenario.fix):
        assert " ".join(text.split()) in flat
    assert main(["run", "psk-mismatch", "--no-show", "--explain"]) == 0
    assert capsys.readouterr().out.startswith("== psk-mismatch: ")


def test_run_says_plainly_which_real_commands_are_not_modelled(capsys):
    assert main(["run", "psk-mismatch", "--on", "ASA-LAB1", "--command", "sh cry ipsec sa"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'show crypto ipsec sa' is a real command, but ikesim does not model it" in err
    assert main(["run", "ios-to-ios-healthy", "--on", "R-BRANCH", "--command", "show clock"]) == 2
    assert "'show clock' is a real command" in capsys.readouterr().err

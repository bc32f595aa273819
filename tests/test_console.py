"""The device console over a finished run, driven through its command loop with injected streams."""

from __future__ import annotations

import io

import pytest

import sim
from sim import faults
from sim.errors import InputError
from sim.scenario import list_bundled
from sim.training import labs
from sim.training.console import CommandError, Console, main, render

I, R = "ASA-LAB1", "ASA-LAB2"
IOS_SCENARIO = "asa-to-ios-healthy"
needs_ios = pytest.mark.skipif(IOS_SCENARIO not in [name for name, _ in list_bundled()],
                               reason="the IOS platform's bundled scenario has not landed yet")


@pytest.fixture(scope="module")
def psk():
    return sim.run("psk-mismatch")


def session(console: Console, *lines: str) -> str:
    out = io.StringIO()
    assert console.loop(io.StringIO("".join(line + "\n" for line in lines)), out, banner=False) == 0
    return out.getvalue()


def answer(console: Console, line: str) -> str:
    """The output of one line (without the echoed prompt line)."""
    return console.execute(line)


# -- show commands --------------------------------------------------------------------------------------------------


def test_show_isakmp_sa_delegates_to_the_platform(psk):
    console = Console(psk)
    assert console.prompt == "ASA-LAB1# "
    assert console.t == psk.look
    assert answer(console, "show isakmp sa") == psk.show(I, "show isakmp sa")
    assert answer(console, "show crypto isakmp sa detail") == psk.show(I, "show crypto isakmp sa detail")
    assert "MM_WAIT_MSG6" in answer(console, "show isakmp sa")


@pytest.mark.parametrize("typed, full", [
    ("sh isa sa", "show isakmp sa"),
    ("SH ISA SA", "show isakmp sa"),
    ("sh cry isa sa", "show crypto isakmp sa"),
    ("sh cry ikev1 sa det", "show crypto ikev1 sa detail"),
    ("sh run tun", "show running-config tunnel-group"),
    ("sh run cry ike", "show running-config crypto ikev1"),
    ("sh log", "show logging"),
    ("sh isa sa | inc State", "show isakmp sa | include State"),
    ("sh isa sa | b IKE Peer", "show isakmp sa | begin IKE Peer"),
])
def test_abbreviations_as_on_the_box(psk, typed, full):
    assert Console(psk).parse(typed).text == full
    assert answer(Console(psk), typed) == answer(Console(psk), full)


def test_filters(psk):
    console = Console(psk)
    state_line = "    Rekey   : no              State   : MM_WAIT_MSG6 \n"
    assert answer(console, "show isakmp sa | include State") == state_line
    begun = answer(console, "show isakmp sa | begin IKE Peer")
    assert begun.startswith("1   IKE Peer: 50.56.229.98\n")
    assert answer(console, "show logging | include 713902") == psk.show(I, "show logging | include 713902")


def test_show_logging_delegates(psk):
    console = Console(psk, on=R)
    assert answer(console, "show logging") == psk.show(R, "show logging")
    assert "mismatched pre-shared key" in answer(console, "show logging")


def test_show_running_config_crypto_ikev1(psk):
    text = answer(Console(psk), "show running-config crypto ikev1")
    assert text == ("crypto ikev1 enable outside\n"
                    "crypto ikev1 policy 10\n"
                    " authentication pre-share\n"
                    " encryption aes-256\n"
                    " hash sha\n"
                    " group 14\n"
                    " lifetime 86400\n")
    assert answer(Console(psk), "show running-config crypto isakmp") == "crypto isakmp identity address\n"
    everything = answer(Console(psk), "show running-config crypto")
    assert "crypto map outside_map 10 set peer 50.56.229.98\n" in everything
    assert "tunnel-group" not in everything


def test_tunnel_group_keys_are_masked_as_the_asa_masks_them(psk):
    console = Console(psk)
    assert answer(console, "show running-config tunnel-group") == ("tunnel-group 50.56.229.98 type ipsec-l2l\n"
                                                                    "tunnel-group 50.56.229.98 ipsec-attributes\n"
                                                                    " ikev1 pre-shared-key *****\n")
    full = answer(console, "show running-config")
    assert "Vpn-Lab-Key" not in full and " ikev1 pre-shared-key *****\n" in full
    assert " ikev1 pre-shared-key Vpn-Lab-Key1\n" in answer(console, "more system:running-config")


def test_masking_hides_a_trailing_space_that_more_system_running_config_shows():
    broken = sim.run(faults.apply(sim.load_scenario("healthy"), ["psk-trailing-space"]))
    console = Console(broken, on=R)
    assert " ikev1 pre-shared-key *****\n" in answer(console, "show running-config tunnel-group")
    assert " ikev1 pre-shared-key Vpn-Lab-Key1 \n" in answer(console, "more system:running-config")


def test_pre_8_4_keys_are_masked_too():
    lab = next(lab for lab in (labs.generate_lab(seed) for seed in range(60))
               if " pre-shared-key " in lab.scenario.initiator.config_text
               and "ikev1 pre-shared-key" not in lab.scenario.initiator.config_text)
    console = Console(sim.run(lab.scenario))
    assert answer(console, "sh run tun").endswith("ipsec-attributes\n pre-shared-key *****\n")
    assert "crypto isakmp policy" in answer(console, "sh run cry isakmp")


# -- time and devices -----------------------------------------------------------------------------------------------


def test_clock_and_clock_set_move_the_instant(psk):
    console = Console(psk)
    assert answer(console, "clock") == "5 s (simulated seconds since the run started)\n"
    assert "MM_WAIT_MSG6" in answer(console, "show isakmp sa")
    assert answer(console, "clock set 40") == "Clock set to 40 s.\n"
    assert console.t == 40
    assert answer(console, "show isakmp sa") == psk.show(I, at=40)
    assert "There are no IKEv1 SAs" in answer(console, "show isakmp sa")
    assert answer(console, "clock set 2.5") == "Clock set to 2.5 s.\n"
    assert "MM_WAIT_MSG6" in answer(console, "sh isa sa")
    assert "nothing changes after that" in answer(console, "clock set 1000")


def test_switch_changes_device_and_prompt(psk):
    console = Console(psk)
    text = session(console, "switch", "show isakmp sa", "switch", "switch ASA-LAB2", "switch asa-lab1")
    assert "ASA-LAB1# switch\nNow on ASA-LAB2 (ASA, responder, 50.56.229.98).\nASA-LAB2# show isakmp sa\n" in text
    assert psk.show(R) in text
    assert "ASA-LAB2# switch\nNow on ASA-LAB1" in text
    assert "ASA-LAB1# switch ASA-LAB2\nNow on ASA-LAB2" in text
    assert console.hostname == I


def test_console_starts_on_the_device_asked_for(psk):
    assert Console(psk, on="asa-lab2").prompt == "ASA-LAB2# "
    with pytest.raises(InputError, match="no device"):
        Console(psk, on="R9")


# -- errors as the box prints them ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, word", [
    ("show isakmp foo", "foo"),
    ("shw isakmp sa", "shw"),
    ("show isakmp sa detail extra", "extra"),
    ("sh isa sa | foo bar", "foo"),
    ("clock set abc", "abc"),
    ("clock set -3", "-3"),
    ("switch R9", "R9"),
    ("show crypto ikev2 sa", "ikev2"),
    ("clock | include x", "|"),
])
def test_invalid_input_gets_the_caret_under_the_first_bad_word(psk, typed, word):
    console = Console(psk)
    text = session(console, typed)
    echoed, caret, error, _end = text.split("\n", 3)
    assert echoed == "ASA-LAB1# " + typed
    assert error == "ERROR: % Invalid input detected at '^' marker."
    assert caret.strip() == "^"
    assert caret.index("^") == len("ASA-LAB1# ") + typed.index(word)
    assert echoed[caret.index("^"):].startswith(word)


def test_incomplete_and_ambiguous(psk):
    console = Console(psk)
    assert answer(console, "show") == "ERROR: % Incomplete command\n"
    assert answer(console, "show isakmp") == "ERROR: % Incomplete command\n"
    assert answer(console, "clock set") == "ERROR: % Incomplete command\n"
    assert answer(console, "sh isa sa | include") == "ERROR: % Incomplete command\n"
    assert answer(console, "s") == 'ERROR: % Ambiguous command:  "s"\n'
    assert answer(console, "sh isa sa | e MM_") == answer(console, "show isakmp sa | exclude MM_")


def test_render_raises_instead_of_printing(psk):
    assert render(psk, I, "sh isa sa", at=40) == psk.show(I, at=40)
    with pytest.raises(CommandError) as info:
        render(psk, I, "show isakmp foo")
    assert info.value.kind == "invalid" and info.value.column == len("show isakmp ")


# -- help, completion, leaving --------------------------------------------------------------------------------------


def test_question_mark_and_help(psk):
    console = Console(psk)
    top = answer(console, "?")
    for word in ("show", "clock", "switch", "exit", "quit", "help", "more", "debug"):
        assert f"  {word} " in top
    assert answer(console, "show ?").split() == ["crypto", "Encryption", "module", "isakmp", "Show", "ISAKMP",
                                                  "logging", "Show", "the", "contents", "of", "the", "logging",
                                                  "buffer", "running-config", "Current", "operating",
                                                  "configuration"]
    assert "<cr>" in answer(console, "show isakmp sa ?") and "detail" in answer(console, "sh isa sa ?")
    assert answer(console, "sh?") == "show\n"
    assert answer(console, "sh run t?") == "tunnel-group\n"
    assert "begin" in answer(console, "sh isa sa | ?")
    assert "Invalid input" in answer(console, "show foo ?")
    helped = answer(console, "help")
    assert "show isakmp sa [detail]" in helped and "clock set SECONDS" in helped and "switch" in helped


def test_tab_completion(psk):
    console = Console(psk)
    assert console.completions("") == ["clock", "debug", "exit", "explain", "help", "more", "quit", "show", "switch"]
    assert console.completions("sh ") == ["crypto", "isakmp", "logging", "running-config"]
    assert console.completions("sh r") == ["running-config"]
    assert console.completions("sh run ") == ["crypto", "tunnel-group"]
    assert console.completions("sh isa sa | ") == ["begin", "include", "exclude", "grep"]
    assert console.completions("sh isa sa | in") == ["include"]
    assert console.completions("switch ") == [I, R]
    assert console.completions("sh foo ") == []


def test_exit_quit_and_end_of_input(psk):
    text = session(Console(psk), "exit", "show isakmp sa")
    assert text == "ASA-LAB1# exit\n"
    text = session(Console(psk), "sh isa sa", "qu", "switch")
    assert text.endswith("ASA-LAB1# qu\n") and "Now on" not in text
    text = session(Console(psk), "", "sh isa sa")
    assert text.endswith("ASA-LAB1# \n")  # end of input: a last prompt, then the console returns
    assert text.startswith("ASA-LAB1# \nASA-LAB1# sh isa sa\n")


def test_banner_names_the_devices_and_the_instant(psk):
    out = io.StringIO()
    Console(psk).loop(io.StringIO(""), out)
    banner = out.getvalue()
    assert "ASA-LAB1 (ASA, initiator, 50.57.228.150)" in banner and "ASA-LAB2 (ASA, responder" in banner
    assert "you look at it 5 s after it started" in banner and "Type ? for the commands" in banner


def test_main_runs_a_scenario_then_the_console():
    out = io.StringIO()
    assert main("psk-mismatch", on="ASA-LAB2", at=8, stdin=io.StringIO("sh isa sa\n"), stdout=out) == 0
    text = out.getvalue()
    assert "ASA-LAB2# sh isa sa\n" in text and "MM_WAIT_MSG5" in text
    with pytest.raises(InputError):
        main("psk-mismatch", on="NOPE", stdin=io.StringIO(""), stdout=io.StringIO())
    with pytest.raises(InputError):
        main("no-such-scenario", stdin=io.StringIO(""), stdout=io.StringIO())


# -- IOS ------------------------------------------------------------------------------------------------------------


@needs_ios
def test_ios_console():
    result = sim.run(IOS_SCENARIO)
    router = result.scenario.responder
    assert router.platform == "ios"
    console = Console(result, on=router.hostname)
    assert console.prompt == f"{router.hostname}#"
    assert answer(console, "sh cry isa sa") == result.show(router.hostname, "show crypto isakmp sa")
    assert answer(console, "show logging") == result.show(router.hostname, "show logging")
    isakmp = answer(console, "show running-config | section crypto isakmp")
    assert isakmp.startswith("crypto isakmp policy ")
    key_line = next(line for line in router.config_text.splitlines() if line.startswith("crypto isakmp key"))
    assert key_line + "\n" in isakmp  # IOS shows the key as configured
    interface = answer(console, "sh run int gi0/0")
    assert interface.startswith("Building configuration...\n") and "interface GigabitEthernet0/0\n" in interface
    assert interface.endswith("end\n") and " crypto map " in interface
    assert answer(console, "sh run | count crypto isakmp") == "Number of lines which match regexp = " \
        f"{sum('crypto isakmp' in line for line in router.config_text.splitlines())}\n"

    text = session(Console(result, on=router.hostname), "show isakmp sa")
    echoed, caret, error, _ = text.split("\n", 3)
    assert error == "% Invalid input detected at '^' marker."
    assert caret.index("^") == len(f"{router.hostname}#show ")
    assert answer(console, "show") == "% Incomplete command.\n"
    assert answer(console, "sh run crypto").startswith(" " * len(console.prompt + "sh run ") + "^")
    assert console.completions("sh run | ") == ["begin", "include", "exclude", "section", "count"]

    text = session(Console(result, on=router.hostname), "switch", "sh run tun")
    assert f"{result.scenario.initiator.hostname}# sh run tun\n" in text and "*****" in text


def test_explain_tells_what_the_scenario_is_about(psk):
    text = answer(Console(psk), "explain")
    assert text.startswith(f"== psk-mismatch: {psk.scenario.title}")
    assert "What to notice:" in text and "The fix:" in text


def test_real_commands_the_simulator_does_not_model_say_so_plainly(psk):
    console = Console(psk)
    for line in ("show crypto ipsec sa", "sh cry ipsec sa", "show clock", "conf t"):
        text = answer(console, line)
        assert text.startswith("% '") and "is a real command, but ikesim does not model it" in text, (line, text)
    assert "Invalid input" in answer(console, "show fooo")


def test_show_crypto_isakmp_on_an_asa_prints_the_sa_table(psk):
    console = Console(psk)
    assert "State   : MM_WAIT_MSG6" in answer(console, "show crypto isa")


def test_question_mark_answers_at_once_on_a_terminal():
    """At a terminal, '?' gives the help without Enter and the typed words come back, as on the box."""
    import os
    import pty
    import select
    import signal
    import sys
    import time

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execv(sys.executable, [sys.executable, "-m", "sim", "console", "psk-mismatch"])
    out = b""
    try:
        def read_until(marker: bytes, seconds: float = 20.0, after: bytes = b"") -> None:
            nonlocal out
            end = time.monotonic() + seconds
            while marker not in out[out.find(after) if after in out else len(out):] and time.monotonic() < end:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if ready:
                    try:
                        out += os.read(fd, 4096)
                    except OSError:
                        return

        read_until(b"ASA-LAB1# ")
        os.write(fd, b"sh ?")  # no Enter
        read_until(b"Current operating configuration")
        read_until(b"ASA-LAB1# sh ", after=b"Current operating configuration")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    text = out.decode(errors="replace")
    assert "Current operating configuration" in text and text.rstrip().endswith("ASA-LAB1# sh"), text[-300:]

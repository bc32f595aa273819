"""Labels (sim.render.labels) and ladders (sim.render.ladder): goldens, determinism, structure, Mermaid syntax.

Golden files live in tests/golden/ladders/<scenario>.mmd and .txt. After an intended change, regenerate them with
``IKESIM_REGEN_GOLDEN=1 python -m pytest tests/test_ladder.py`` and read the diff before committing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim.engine.trace import (DatagramDelivered, DatagramDropped, DatagramProcessed, DatagramSent, DeviceInfo,
                              Trace)
from sim.ike.constants import NON_ESP_MARKER, Notify
from sim.ike.states import TRANSITIONS
from sim.ike.types import Reason
from sim.render.labels import FATE_KINDS, Fate, describe_fate, fate, fates, message_label, retransmit_suffix
from sim.render.ladder import MIN_WIDTH, NOTHING, ascii_ladder, mermaid, mermaid_markdown
from sim.scenario import list_bundled, load_scenario_text

BUNDLED = ("healthy", "udp500-blocked", "return-path-blocked", "missing-tunnel-group", "psk-mismatch",
           "initiator-no-psk")
ALL_BUNDLED = tuple(name for name, _ in list_bundled())  # the six above and any added since: structure checks
GOLDEN = Path(__file__).parent / "golden" / "ladders"
ROOT = Path(__file__).resolve().parent.parent

_runs: dict[str, sim.Run] = {}


def run_of(name: str) -> sim.Run:
    if name not in _runs:
        _runs[name] = sim.run(name)
    return _runs[name]


def policy_mismatch() -> sim.Run:
    """healthy, except that the responder only accepts 3des: it answers MM1 with N(NO-PROPOSAL-CHOSEN)."""
    if "policy-mismatch" not in _runs:
        text = (ROOT / "scenarios" / "healthy.yaml").read_text()
        at = text.index("responder:")
        text = text[:at] + text[at:].replace("encryption aes-256", "encryption 3des")
        _runs["policy-mismatch"] = sim.run(load_scenario_text(text, "policy-mismatch.yaml"))
    return _runs["policy-mismatch"]


def sent_of(run: sim.Run) -> list[DatagramSent]:
    return run.trace.of(DatagramSent)


# -- labels ---------------------------------------------------------------------------------------------------------


def _sent(message: str, attempt: int = 0, data: bytes = b"", sport: int = 500, dport: int = 500, payloads=(),
          encrypted: bool = False) -> DatagramSent:
    return DatagramSent(0.0, 1, "A", "initiator", "192.0.2.1", sport, "198.51.100.2", dport, data, message, attempt,
                        "timer" if attempt else "protocol", "00", payloads, 0, encrypted)


def test_message_labels_in_rfc_notation():
    expected = {"MM1": "MM1: SA", "MM2": "MM2: SA", "MM3": "MM3: KE, Ni", "MM4": "MM4: KE, Nr",
                "MM5": "MM5*: IDii, HASH_I", "MM6": "MM6*: IDir, HASH_R"}
    assert {m: message_label(_sent(m)) for m in expected} == expected


def test_message_labels_follow_the_transition_rows():
    for row in TRANSITIONS:
        if row.sends:
            label = message_label(_sent(row.sends))
            payloads = row.payloads.split(", ", 1)[1]
            assert label.endswith(": " + payloads)
            assert ("*" in label.split(":")[0]) == row.payloads.startswith("HDR*")


def test_retransmit_suffix():
    assert retransmit_suffix(_sent("MM1")) == ""
    assert retransmit_suffix(_sent("MM5", attempt=3)) == " (retransmit 3)"


def test_notify_label_names_the_notify_type():
    notifies = [s for s in sent_of(policy_mismatch()) if s.message == "NOTIFY"]
    assert notifies
    assert {message_label(s) for s in notifies} == {"Informational: N(NO-PROPOSAL-CHOSEN)"}


def test_notify_label_comes_from_the_recorded_payloads():
    from sim.ike.messages import notify_payload

    invalid = notify_payload(b"\x11" * 8, b"\x22" * 8, Notify.INVALID_COOKIE)
    assert message_label(_sent("NOTIFY", payloads=(invalid,))) == "Informational: N(INVALID-COOKIE)"
    assert message_label(_sent("NOTIFY", payloads=(invalid,), sport=4500, dport=4500)) == \
        "Informational: N(INVALID-COOKIE)"
    unknown = notify_payload(b"\x11" * 8, b"\x22" * 8, 9999)
    assert message_label(_sent("NOTIFY", payloads=(unknown,))) == "Informational: N(9999)"
    assert message_label(_sent("NOTIFY")) == "Informational"
    assert message_label(_sent("NOTIFY", encrypted=True)) == "Informational*"
    assert message_label(_sent("QM1")) == "QM1"


# -- fates ----------------------------------------------------------------------------------------------------------


def test_healthy_datagrams_are_all_delivered():
    run = run_of("healthy")
    outcome = fates(run.trace)
    assert [(s.message, outcome[s.id].kind) for s in sent_of(run)] == [
        (m, "delivered") for m in ("MM1", "MM2", "MM3", "MM4", "MM5", "MM6")]
    first = sent_of(run)[0]
    assert fate(run.trace, first) == Fate("delivered", 0.005, "", "ASA-LAB2")
    assert describe_fate(fate(run.trace, first)) == "delivered at 0.005 s"


def test_fates_of_the_broken_scenarios():
    rp = run_of("return-path-blocked")
    rule = rp.scenario.path[0].label
    mm2 = [s for s in sent_of(rp) if s.message == "MM2"]
    # the original, 3 timer resends, 2 answers to copies of MM1 (the copy arriving with the first timer resend is
    # not answered again: the duplicate holdoff)
    assert {fate(rp.trace, s) for s in mm2} == {Fate("dropped", s.t, rule) for s in mm2} and len(mm2) == 6
    assert all(fate(rp.trace, s).lost for s in mm2)
    retransmitted = [s for s in sent_of(rp) if s.message == "MM1" and s.attempt]
    assert {fate(rp.trace, s).kind for s in retransmitted} == {"duplicate"}
    assert describe_fate(fate(rp.trace, mm2[0])) == f"dropped: {rule}"

    psk = run_of("psk-mismatch")
    mm5 = [s for s in sent_of(psk) if s.message == "MM5"]
    for s in mm5:
        f = fate(psk.trace, s)
        assert (f.kind, f.device, f.code) == ("discarded", "ASA-LAB2", Reason.DECRYPT_FAILED)
        assert f.reason.startswith("could not decrypt MM5: ")
        assert f.t > s.t
    assert describe_fate(fate(psk.trace, mm5[0])).startswith("discarded by ASA-LAB2: could not decrypt MM5: ")
    assert describe_fate(fate(psk.trace, mm5[0]), with_device=False).startswith("discarded: could not decrypt")


def test_fate_in_flight_and_no_listener():
    short = sim.run("healthy", until=0.002)
    (only,) = sent_of(short)
    assert fate(short.trace, only) == Fate("in-flight", 0.0)
    assert describe_fate(fate(short.trace, only)) == "in flight when the run ended"

    trace = Trace("t", "t", 1, (DeviceInfo("A", "initiator", "192.0.2.1", "asa"),
                                DeviceInfo("B", "responder", "198.51.100.2", "asa")))
    sent = DatagramSent(0.0, 1, "A", "initiator", "192.0.2.1", 4500, "198.51.100.2", 4500, b"x", "MM5", 0,
                        "protocol", "00")
    trace.records += [sent, DatagramDelivered(0.01, 1, "B"),
                      DatagramDropped(0.01, 1, "B", "nothing listens on UDP 4500")]
    assert fate(trace, sent) == Fate("discarded", 0.01, "nothing listens on UDP 4500", "B")
    trace.records[1:] = [DatagramDelivered(0.01, 1, "B")]
    assert fate(trace, sent) == Fate("delivered", 0.01, "", "B")
    trace.records[1:] = [DatagramDelivered(0.01, 1, "B"), DatagramProcessed(0.01, 1, "B", "MM5", "duplicate", "seen")]
    assert fate(trace, sent).kind == "duplicate"
    assert describe_fate(fate(trace, sent)) == "duplicate at B: seen"


def test_every_fate_kind_is_known():
    for name in ALL_BUNDLED:
        assert {f.kind for f in fates(run_of(name).trace).values()} <= set(FATE_KINDS)


# -- golden ladders ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_golden_mermaid(name, golden):
    run = run_of(name)
    golden(GOLDEN / f"{name}.mmd", mermaid(run.trace, run.scenario))


@pytest.mark.parametrize("name", BUNDLED)
def test_golden_ascii(name, golden):
    run = run_of(name)
    golden(GOLDEN / f"{name}.txt", ascii_ladder(run.trace, run.scenario))


def test_golden_set_is_exactly_the_bundled_scenarios():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(
        [f"{n}.mmd" for n in BUNDLED] + [f"{n}.txt" for n in BUNDLED])


@pytest.mark.parametrize("name", ["psk-mismatch", "return-path-blocked"])
def test_renderings_are_deterministic(name):
    a, b = sim.run(name), sim.run(name)
    assert a.trace is not b.trace
    assert mermaid(a.trace, a.scenario) == mermaid(b.trace, b.scenario)
    assert mermaid_markdown(a.trace, a.scenario) == mermaid_markdown(b.trace, b.scenario)
    assert ascii_ladder(a.trace, a.scenario) == ascii_ladder(b.trace, b.scenario)


# -- Mermaid structure and syntax ------------------------------------------------------------------------------------

ARROW = re.compile(r"^    ([IR])(->>|-x|-\))([IR]): (\d+\.\d{3})s (.+)$")
NOTE = re.compile(r"^    Note over (I|R|I,R): (.+)$")
PARTICIPANT = re.compile(r"^    participant ([IR]) as ([^#;\n]+)$")
ENTITY = re.compile(r"#\d+;")


def _arrows(diagram: str) -> list[re.Match]:
    return [m for m in map(ARROW.match, diagram.splitlines()) if m]


@pytest.mark.parametrize("name", ALL_BUNDLED + ("policy-mismatch",))
def test_mermaid_has_one_arrow_per_datagram_and_valid_lines(name):
    run = policy_mismatch() if name == "policy-mismatch" else run_of(name)
    diagram = mermaid(run.trace, run.scenario)
    lines = diagram.splitlines()
    assert lines[0] == "sequenceDiagram" and diagram.endswith("\n")
    # every statement is one the Mermaid sequence lexer knows; text holds no raw '#' or ';' (comment, separator)
    for line in lines[1:]:
        assert (line.startswith("    %% ") or line == "    autonumber" or ARROW.match(line) or NOTE.match(line)
                or PARTICIPANT.match(line)), line
        if not line.startswith("    %% "):
            bare = ENTITY.sub("", line)
            assert "#" not in bare and ";" not in bare, line
    arrows = _arrows(diagram)
    sent = sent_of(run)
    assert len(arrows) == len(sent)
    outcome = fates(run.trace)
    for m, s in zip(arrows, sent):
        me = "I" if s.role == "initiator" else "R"
        assert (m.group(1), m.group(3)) == (me, "R" if me == "I" else "I")
        assert m.group(4) == f"{s.t:.3f}"
        assert m.group(5).startswith(ENTITY.sub("", message_label(s) + retransmit_suffix(s)))
        assert (m.group(2) == "-x") == outcome[s.id].lost


def test_mermaid_participants_name_host_role_and_address():
    run = run_of("healthy")
    participants = [PARTICIPANT.match(line) for line in mermaid(run.trace, run.scenario).splitlines()]
    assert [m.groups() for m in participants if m] == [
        ("I", "ASA-LAB1 (initiator)<br/>50.57.228.150"), ("R", "ASA-LAB2 (responder)<br/>50.56.229.98")]


def test_mermaid_psk_mismatch_shows_mm5_lost_with_could_not_decrypt():
    run = run_of("psk-mismatch")
    mm5 = [m for m in _arrows(mermaid(run.trace, run.scenario)) if m.group(5).startswith("MM5*")]
    # the original and 3 timer resends: each copy of MM4 arrives as the timer resends MM5, so none is answered again
    assert len(mm5) == 4 and all(m.group(2) == "-x" for m in mm5)
    assert "discarded: could not decrypt MM5: payloads malformed" in mm5[0].group(5)
    assert all("could not decrypt MM5" in m.group(5) for m in mm5)


def test_mermaid_return_path_shows_mm2_dropped_by_the_acl():
    run = run_of("return-path-blocked")
    diagram = mermaid(run.trace, run.scenario)
    mm2 = [m for m in _arrows(diagram) if m.group(5).startswith("MM2")]
    assert mm2 and all((m.group(1), m.group(2), m.group(3)) == ("R", "-x", "I") for m in mm2)
    label = run.scenario.path[0].label
    assert "dropped: " + " ".join(label.split()[:5]) in mm2[0].group(5).replace("<br/>", " ")
    assert label in mm2[0].group(5).replace("<br/>", " ")


def test_mermaid_notes_use_platform_state_names_and_removals(monkeypatch):
    from sim.platforms.asa.platform import ASA

    run = run_of("psk-mismatch")
    diagram = mermaid(run.trace, run.scenario)
    notes = [m.groups() for m in map(NOTE.match, diagram.splitlines()) if m]
    assert ("I", "MM_WAIT_MSG2") in notes and ("R", "MM_WAIT_MSG5") in notes
    assert ("R", "32.015s SA removed in MM_WAIT_MSG5:<br/>retransmission limit reached") in notes
    assert ("I,R", "~ 8.0 s ~") in notes
    monkeypatch.setattr(ASA, "state_name", lambda role, state: {"MM_WAIT_MSG2": "MM_NO_STATE"}.get(state, state))
    assert "Note over I: MM_NO_STATE" in mermaid(run.trace, run.scenario)
    assert "MM_NO_STATE" in ascii_ladder(run.trace, run.scenario)


def test_mermaid_escapes_what_the_lexer_cannot_hold():
    run = run_of("return-path-blocked")
    text = (ROOT / "scenarios" / "return-path-blocked.yaml").read_text().replace(
        "(deny udp any eq isakmp any)", "(acl#3; deny udp any eq isakmp any)")
    odd = sim.run(load_scenario_text(text, "odd.yaml"))
    diagram = mermaid(odd.trace, odd.scenario)
    assert "(acl#35;3#59;" in diagram
    assert len(_arrows(diagram)) == len(sent_of(run))


def test_mermaid_markdown_wraps_the_diagram():
    run = run_of("psk-mismatch")
    doc = mermaid_markdown(run.trace, run.scenario)
    assert doc.startswith("# Pre-shared keys differ\n")
    assert "Scenario `psk-mismatch`, seed 1" in doc
    assert "```mermaid\n" + mermaid(run.trace, run.scenario) + "```\n" in doc
    assert doc.endswith("\n") and doc.count("```") == 2
    reseeded = sim.run("psk-mismatch", seed=7)
    assert "seed 7" in mermaid_markdown(reseeded.trace, reseeded.scenario)


# -- text ladder ------------------------------------------------------------------------------------------------------

TIMED = re.compile(r"^ *(\d+\.\d{3})s ")


def _arrow_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if TIMED.match(line) and re.search(r"\|[-<X]|[->X]\|", line)]


@pytest.mark.parametrize("name", ALL_BUNDLED + ("policy-mismatch",))
def test_ascii_ladder_structure(name):
    run = policy_mismatch() if name == "policy-mismatch" else run_of(name)
    text = ascii_ladder(run.trace, run.scenario)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 100
    assert all(line == line.rstrip() for line in lines) and text.endswith("\n")
    assert lines[0] == run.trace.title
    header = "\n".join(lines[:6])
    for device in run.trace.devices:
        assert device.hostname in header and device.role in header and device.address in header
    assert f"Scenario {run.trace.scenario}, seed {run.trace.seed}." in text
    arrows = _arrow_lines(text)
    sent = sent_of(run)
    assert len(arrows) == len(sent)
    outcome = fates(run.trace)
    for line, s in zip(arrows, sent):
        assert TIMED.match(line).group(1) == f"{s.t:.3f}"
        # on the arrow, or (too long for a short arrow) on the line below it
        below = lines[lines.index(line) + 1] if lines.index(line) + 1 < len(lines) else ""
        assert message_label(s) + retransmit_suffix(s) in line + below
        body = line[line.index("|"):line.rindex("|") + 1]
        lost = outcome[s.id].lost
        if s.role == "initiator":
            assert ("-X" in body) == lost and ("->|" in body) == (not lost)
        else:
            assert ("X-" in body) == lost and ("|<-" in body) == (not lost)


def test_ascii_psk_mismatch_and_return_path():
    psk = run_of("psk-mismatch")
    text = ascii_ladder(psk.trace, psk.scenario)
    first = text.index("MM5*: IDii, HASH_I ")
    assert "-X|" in text[first:first + 40]
    after = " ".join(part.strip(" |") for part in text[first:].splitlines()[1:5])
    assert after.startswith("discarded: could not decrypt MM5: payloads malformed")
    assert "MM_WAIT_MSG6" in text and "MM_WAIT_MSG5" in text and "~ 8.0 s ~" in text

    rp = run_of("return-path-blocked")
    text = ascii_ladder(rp.trace, rp.scenario)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "MM2: SA" in line)
    assert re.search(r"\| +X-+ MM2: SA -+\|", lines[at])  # X short of the initiator's line: lost on the path
    reason = " ".join(line.strip(" |") for line in lines[at + 1:at + 3])
    assert reason == "dropped: " + rp.scenario.path[0].label


@pytest.mark.parametrize("width", [MIN_WIDTH, 132])
def test_ascii_ladder_widths(width):
    run = run_of("psk-mismatch")
    text = ascii_ladder(run.trace, run.scenario, width=width)
    assert max(map(len, text.splitlines())) <= width
    assert len(_arrow_lines(text)) == len(sent_of(run))
    with pytest.raises(ValueError, match="width"):
        ascii_ladder(run.trace, run.scenario, width=MIN_WIDTH - 1)


def test_ascii_in_flight_and_notify():
    short = sim.run("healthy", until=0.002)
    text = ascii_ladder(short.trace, short.scenario)
    assert "in flight when the run ended" in text and "MM1: SA" in text
    pm = policy_mismatch()
    assert "Informational: N(NO-PROPOSAL-CHOSEN)" in ascii_ladder(pm.trace, pm.scenario)


def test_a_run_where_nothing_happens():
    trace = Trace("quiet", "Nothing happens", 3, (DeviceInfo("A", "initiator", "192.0.2.1", "asa"),
                                                   DeviceInfo("B", "responder", "198.51.100.2", "asa")))
    diagram = mermaid(trace, None)
    assert diagram.endswith(f"    Note over I,R: {NOTHING}\n")
    text = ascii_ladder(trace, None)
    assert NOTHING in text and "Scenario quiet, seed 3." in text and not _arrow_lines(text)
    assert mermaid_markdown(trace, None).startswith("# Nothing happens\n")

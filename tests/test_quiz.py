"""The quiz engine driven without a terminal, and the generated labs it stands on."""

from __future__ import annotations

import io
import ipaddress
import json
import re

import pytest
import yaml

import sim
from sim import faults
from sim.engine.trace import DatagramDropped, DatagramProcessed
from sim.errors import InputError
from sim.ike.types import Outcome
from sim.render import labels
from sim.training import labs
from sim.training.quiz import Quiz, Score, answers_ask, main, parse_answer, run_quiz, terminal_ask

DOC_NETS = [ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
IOS = pytest.mark.skipif("ios" not in labs.available_platforms(),
                         reason="the IOS platform has not landed in the scenario loader yet")


def flat(text: str) -> str:
    """Whitespace-insensitive text (feedback paragraphs are wrapped)."""
    return " ".join(text.split())


def play(quiz, answers, record=None, now=None):
    out: list[str] = []
    score = run_quiz(quiz, answers_ask(answers, out.append), out.append, record, now)
    return score, "\n".join(out)


def right(quiz):
    return [str(r.correct + 1) for r in quiz]


def wrong(quiz):
    return [str((r.correct + 1) % len(r.choices) + 1) for r in quiz]


@pytest.fixture(scope="module")
def level1():
    return Quiz(rounds=3, seed=7, level=1, platform="asa")


@pytest.fixture(scope="module")
def level2():
    return Quiz(rounds=3, seed=8, level=2, platform="asa")


@pytest.fixture(scope="module")
def level3():
    return Quiz(rounds=6, seed=9, level=3, platform="asa")


# -- labs -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_generated_asa_labs_are_healthy_documented_and_deterministic(seed):
    lab = labs.generate_lab(seed, "asa")
    assert labs.lab_text(seed, "asa")[0] == lab.text
    s = lab.scenario
    hostnames = [d.hostname for d in s.devices]
    assert hostnames[0] != hostnames[1]
    for device in s.devices:
        assert re.fullmatch(r"(ASA|FW)-[A-Z0-9]+", device.hostname)
        address = ipaddress.IPv4Address(device.outside)
        assert any(address in net for net in DOC_NETS)
        assert int(device.outside.rsplit(".", 1)[1]) not in (0, 1, 255)
        assert f"hostname {device.hostname}\n" in device.config_text
    assert ipaddress.IPv4Network(f"{s.initiator.outside}/24", strict=False) != \
        ipaddress.IPv4Network(f"{s.responder.outside}/24", strict=False)
    policies = [d.config.policies for d in s.devices]
    assert len(policies[0]) == len(policies[1]) == 1
    strip = [p[0].__class__(**{**p[0].__dict__, "priority": 0}) for p in policies]
    assert strip[0] == strip[1]
    result = sim.run(s)
    for device in s.devices:
        assert [u.state for u, _, _ in result.trace.sa_table(device.hostname, result.look)] == ["MM_ACTIVE"]


def test_labs_vary_with_the_seed():
    texts = {labs.lab_text(seed, "asa")[0] for seed in range(10)}
    assert len(texts) == 10
    summaries = [labs.generate_lab(seed).summary() for seed in range(30)]
    assert len({s["policy"]["encryption"] for s in summaries}) > 1
    assert len({s["policy"]["group"] for s in summaries}) > 1
    assert len({s["look"] for s in summaries}) > 1
    legacy = [labs.generate_lab(seed) for seed in range(30)]
    assert any("crypto isakmp policy" in lab.scenario.initiator.config_text for lab in legacy)
    assert any("crypto ikev1 policy" in lab.scenario.initiator.config_text for lab in legacy)


def test_lab_errors_are_input_errors():
    with pytest.raises(InputError, match="platform"):
        labs.generate_lab(1, "junos")
    with pytest.raises(InputError, match="seed"):
        labs.generate_lab(-1)


@IOS
@pytest.mark.parametrize("platform", ["ios", "mixed"])
def test_ios_and_mixed_labs(platform):
    from sim.platforms.ios.config import parse_ios_config

    kinds = set()
    for seed in range(8):
        lab = labs.generate_lab(seed, platform)
        kinds.add(tuple(d.platform for d in lab.scenario.devices))
        for device in lab.scenario.devices:
            if device.platform == "ios":
                parse_ios_config(device.config_text)
                assert re.fullmatch(r"(R|RTR|GW|CE)-[A-Z0-9]+", device.hostname)
                assert " crypto map " in device.config_text
        result = sim.run(lab.scenario)
        for device in lab.scenario.devices:
            assert len(result.trace.sa_table(device.hostname, result.look)) == 1
    if platform == "ios":
        assert kinds == {("ios", "ios")}
    else:
        assert kinds == {("asa", "ios"), ("ios", "asa")}


# -- answers --------------------------------------------------------------------------------------------------------


def test_right_answers_score_full(level1):
    score, text = play(level1, right(level1))
    assert score == Score(right=3, asked=3, planned=3)
    assert text.count("RIGHT.") == 3
    assert "Score: 3/3" in text


def test_wrong_answers_score_zero_with_cause_evidence_and_fix(level1):
    score, text = play(level1, wrong(level1))
    assert score.right == 0 and score.asked == 3
    assert text.count("WRONG: you chose") == 3
    assert "Score: 0/3" in text
    flat_text = flat(text)
    for current in level1:
        feedback = flat(current.feedback(current.parse(wrong([current])[0])))
        assert feedback in flat_text
        fault = current.fault
        assert f"The cause: {fault.title} ({fault.name})" in feedback
        assert flat(fault.explanation) in feedback
        assert flat(fault.fix) in feedback
        assert "Evidence from the run" in feedback
        trace = current.result.trace
        fates = labels.fates(trace)
        for record in trace.records:  # every way a datagram died is named: the path rule, or the reason code's words
            if isinstance(record, DatagramDropped):
                assert flat(record.rule) in feedback
            elif isinstance(record, DatagramProcessed) and record.outcome == Outcome.DISCARDED:
                assert fates[record.id].code == record.reason
                assert flat(fates[record.id].reason) in feedback


def test_mixed_answers_by_number_and_by_name(level1):
    rounds = list(level1)
    answers = [str(rounds[0].correct + 1), wrong([rounds[1]])[0], rounds[2].choices[rounds[2].correct].upper()]
    score, text = play(level1, answers)
    assert score == Score(right=2, asked=3, planned=3)
    assert "Score: 2/3" in text


def test_invalid_answers_count_as_wrong_with_a_note(level1):
    score, text = play(level1, ["7", "", "no-such-fault"])
    assert score == Score(right=0, asked=3, planned=3)
    assert "'7' is neither 1-4 nor one of the names in brackets: counted as wrong" in text
    assert "the answer was empty: counted as wrong" in text
    assert "'no-such-fault' is neither" in text
    assert text.count("WRONG: no valid answer") == 3


def test_parse_answer():
    choices = ["psk-mismatch", "psk-trailing-space", "udp500-blocked", "no-route"]
    assert parse_answer("1", choices) == 0
    assert parse_answer(" 4 ", choices) == 3
    assert parse_answer("UDP500-blocked", choices) == 2
    assert parse_answer("no", choices) == 3  # a unique prefix
    assert parse_answer("psk", choices) is None  # two choices start so
    for bad in ("0", "5", "", "   ", "x", None):
        assert parse_answer(bad, choices) is None


def test_end_of_input_ends_the_quiz_with_the_score_so_far(level1):
    score, text = play(level1, [str(level1.round(1).correct + 1)])
    assert score == Score(right=1, asked=1, planned=3)
    assert "The quiz stops here." in text
    assert "Score: 1/1 (the quiz ended after 1 of 3 rounds)" in text
    assert "Round 2 of 3" in text and "Round 3 of 3" not in text


def test_terminal_ask_reasks_with_a_hint_and_stops_on_eof_or_q():
    hints: list[str] = []
    typed = iter(["9", "", "maybe", "2"])
    ask = terminal_ask(lambda prompt: next(typed), hints.append)
    assert ask("answer: ", ["a-b", "c-d", "e-f", "g-h"]) == "2"
    assert len(hints) == 3 and all("1 to 4" in h for h in hints)

    def eof(prompt):
        raise EOFError

    assert terminal_ask(eof, hints.append)("answer: ", ["a", "b"]) is None
    assert terminal_ask(lambda prompt: "q", hints.append)("answer: ", ["a", "b"]) is None


# -- the record -----------------------------------------------------------------------------------------------------


def test_record_appends_one_json_line_per_round(level1, tmp_path):
    path = tmp_path / "class.jsonl"
    path.write_text('{"earlier": true}\n')
    answers = [str(level1.round(1).correct + 1), "", wrong([level1.round(3)])[0]]
    play(level1, answers, record=path)
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and json.loads(lines[0]) == {"earlier": True}
    rows = [json.loads(line) for line in lines[1:]]
    for number, (row, current) in enumerate(zip(rows, level1), start=1):
        assert row["quiz_seed"] == 7 and row["round"] == number and row["rounds"] == 3
        assert row["level"] == 1 and row["platform"] == "asa"
        assert row["fault"] == current.fault.name
        assert row["choices"] == list(current.choices) and len(row["choices"]) == 4
        assert row["correct_choice"] == current.correct + 1
        assert row["scenario"]["lab"] == current.lab.scenario.name
        assert row["scenario"]["initiator"]["hostname"] == current.lab.scenario.initiator.hostname
        assert row["scenario"]["policy"]["encryption"] == current.lab.policy.cipher
        assert row["visible"] == list(current.visible) and row["at"] == current.at
        assert "time" not in row
    assert [row["correct"] for row in rows] == [True, False, False]
    assert rows[0]["answer"] == answers[0] and rows[0]["answer_fault"] == rows[0]["fault"]
    assert rows[1]["answer"] == "" and rows[1]["answer_choice"] is None and "counted as wrong" in rows[1]["note"]
    assert rows[2]["answer_choice"] == int(answers[2])

    play(level1, answers[:1], record=path, now=lambda: "2026-11-27T10:00:00Z")
    lines = path.read_text().splitlines()
    assert len(lines) == 5
    assert json.loads(lines[-1])["time"] == "2026-11-27T10:00:00Z"


def test_record_that_cannot_be_written_is_one_input_error(level1, tmp_path):
    with pytest.raises(InputError, match="cannot append to the record file"):
        play(level1, ["1"], record=tmp_path / "no-such-dir" / "x.jsonl")


# -- levels ---------------------------------------------------------------------------------------------------------


def test_level_1_shows_both_peers_at_the_look_time(level1):
    for current in level1:
        s = current.result.scenario
        assert current.visible == (s.initiator.hostname, s.responder.hostname)
        assert current.at == current.result.look
        for device in s.devices:
            assert f"{device.hostname}# show isakmp sa\n" in current.question
            assert f"{device.hostname}# show running-config tunnel-group\n" in current.question
            assert sim.run(s).show(device.hostname, at=current.at).rstrip() in current.question
        assert "another company" not in current.question
        assert "show logging" not in current.question
        assert "*****" in current.question


def test_level_2_shows_one_side_and_says_which(level2):
    sides = set()
    for current in level2:
        (mine,) = current.visible
        other = next(d.hostname for d in current.result.scenario.devices if d.hostname != mine)
        sides.add(current.result.scenario.device(mine).role)
        assert f"You only have access to {mine}; the other side ({other}) belongs to another company." \
            in current.question
        assert f"{mine}# show isakmp sa" in current.question
        assert f"{other}# " not in current.question
        assert current.at == current.result.look
        feedback = current.feedback(current.correct)
        assert f"What {other}, the other side, showed at that instant:" in feedback
        assert current.result.show(other, at=current.at).strip().splitlines()[0] in feedback
    assert len(sides) >= 1


def test_level_3_adds_the_logs_at_varying_instants(level3):
    instants = [current.at for current in level3]
    assert len(set(instants)) > 2
    for current in level3:
        (mine,) = current.visible
        assert f"{mine}# show logging\n" in current.question
        assert f"It is now {current.at:g} s" in current.question
        shown = dict(current.shown[mine])["show logging"]
        buffered = current.result.show(mine, "show logging", at=current.at)
        for line in shown.splitlines():
            assert line.startswith("[") or line in buffered


def test_level_3_can_look_after_the_sa_was_removed():
    quiz = Quiz(rounds=12, seed=3, level=3, platform="asa")
    removed = [r for r in quiz if any(
        not r.result.trace.sa_table(h, r.at) and r.result.trace.sa_table(h, r.result.look) for h in r.visible)]
    assert removed, "no round looked after an SA had gone"


# -- choices --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3])
def test_distractors_are_unique_other_faults_that_can_be_told_apart(level):
    from sim.training.quiz import _signature, transcript

    quiz = Quiz(rounds=5, seed=20 + level, level=level, platform="asa")
    for current in quiz:
        assert len(current.choices) == 4 == len(set(current.choices))
        assert current.choices[current.correct] == current.fault.name
        assert all(name in faults.CATALOGUE for name in current.choices)
        assert current.labels[current.correct].startswith(current.fault.title)
        truth = _signature("".join(transcript(current.result, h, current.shown[h]) for h in current.visible),
                           both_sides=level == 1)
        lab = current.lab.scenario
        for name in current.choices:
            if name == current.fault.name:
                continue
            other = sim.run(faults.apply(lab, [name]))
            from sim.training.quiz import views

            seen = "".join(transcript(other, h, views(other, h, current.at, level == 3)) for h in current.visible)
            assert _signature(seen, both_sides=level == 1) != truth, (current.fault.name, name)


def test_distractors_prefer_close_symptoms():
    """Where another fault leaves the visible side in the same SA state and can still be told apart, the closest
    distractor shares that state."""
    quiz = Quiz(rounds=6, seed=31, level=1, platform="asa")
    shared = 0
    for current in quiz:
        states = {h: [u.state for u, _, _ in current.result.trace.sa_table(h, current.at)] for h in current.visible}
        for name in current.choices:
            if name == current.fault.name:
                continue
            other = sim.run(faults.apply(current.lab.scenario, [name]))
            if all([u.state for u, _, _ in other.trace.sa_table(h, current.at)] == states[h] for h in states):
                shared += 1
    assert shared >= 3


def test_the_same_seed_asks_the_same_questions():
    a = Quiz(rounds=3, seed=42, level=2, platform="asa")
    b = Quiz(rounds=3, seed=42, level=2, platform="asa")
    assert [r.question for r in a] == [r.question for r in b]
    assert [r.feedback(0) for r in a] == [r.feedback(0) for r in b]
    c = Quiz(rounds=3, seed=43, level=2, platform="asa")
    assert [r.question for r in a] != [r.question for r in c]


def test_faults_do_not_repeat_until_the_catalogue_is_used_up():
    quiz = Quiz(rounds=8, seed=5, level=1, platform="asa")
    names = [r.fault.name for r in quiz]
    assert len(set(names)) == len(names)


def test_bad_options_are_input_errors():
    for kwargs, field in (({"level": 4}, "level"), ({"rounds": 0}, "rounds"), ({"platform": "junos"}, "platform"),
                          ({"seed": -2}, "seed"), ({"rounds": True}, "rounds")):
        with pytest.raises(InputError) as info:
            Quiz(**kwargs)
        assert info.value.field == field


def test_seed_is_drawn_when_not_given():
    quiz = Quiz(rounds=1)
    assert isinstance(quiz.seed, int) and quiz.seed >= 0


@IOS
@pytest.mark.parametrize("platform", ["ios", "mixed"])
def test_ios_and_mixed_quizzes(platform):
    quiz = Quiz(rounds=3, seed=4, level=1, platform=platform)
    score, text = play(quiz, right(quiz))
    assert score.right == 3
    devices = [d for r in quiz for d in r.result.scenario.devices]
    assert any(d.platform == "ios" for d in devices)
    for d in devices:
        if d.platform == "ios":
            assert f"{d.hostname}#show crypto isakmp sa\n" in text
            assert f"{d.hostname}#show running-config | section crypto isakmp\n" in text
    level3 = Quiz(rounds=2, seed=4, level=3, platform=platform)
    for current in level3:
        assert f"{current.visible[0]}" in current.question and "show logging" in current.question


# -- the CLI entry point --------------------------------------------------------------------------------------------


def test_main_with_an_answers_file_and_a_record(tmp_path):
    quiz = Quiz(rounds=2, seed=11, level=2, platform="asa")
    answers = tmp_path / "answers.txt"
    answers.write_text("\n".join(right(quiz)) + "\n")
    record = tmp_path / "record.jsonl"
    out = io.StringIO()
    assert main(rounds=2, seed=11, level=2, platform="asa", answers=str(answers), record=str(record),
                stdout=out) == 0
    text = out.getvalue()
    assert "Score: 2/2" in text
    assert "Your answer (1-4, or the name in brackets): " in text
    assert len(record.read_text().splitlines()) == 2


def test_main_reads_answers_from_stdin_and_interactively(tmp_path):
    quiz = Quiz(rounds=2, seed=12, level=1, platform="asa")
    out = io.StringIO()
    main(rounds=2, seed=12, level=1, answers="-", stdin=io.StringIO("\n".join(right(quiz)) + "\n"), stdout=out)
    assert "Score: 2/2" in out.getvalue()
    out = io.StringIO()
    main(rounds=2, seed=12, level=1, stdin=io.StringIO(f"x\n{right(quiz)[0]}\n"), stdout=out)
    text = out.getvalue()
    assert "Please type a number from 1 to 4" in text
    assert "Score: 1/1 (the quiz ended after 1 of 2 rounds)" in text


def test_main_bad_answers_file_is_one_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the answers"):
        main(rounds=1, seed=1, answers=str(tmp_path / "missing.txt"), stdout=io.StringIO())


def test_lab_yaml_round_trips():
    text, _ = labs.lab_text(3, "asa")
    data = yaml.safe_load(text)
    assert data["initiator"]["config"].startswith("hostname ")
    assert data["look"] == labs.generate_lab(3).scenario.look


def test_the_quiz_pauses_after_each_feedback_and_q_or_ctrl_c_end_it_with_the_score():
    quiz = Quiz(rounds=3, seed=5, level=1)
    lines: list[str] = []
    pauses: list[int] = []

    def pause() -> bool:
        pauses.append(len(lines))
        return len(pauses) < 2  # Enter after round 1, q after round 2

    score = run_quiz(quiz, lambda prompt, choices: "1", lines.append, pause=pause)
    assert score.asked == 2 and len(pauses) == 2
    assert "The quiz stops here." in lines[-2] and lines[-1].startswith(score.text)

    def interrupted(prompt, choices):
        raise KeyboardInterrupt

    lines.clear()
    score = run_quiz(Quiz(rounds=2, seed=5, level=1), interrupted, lines.append)
    assert score.asked == 0 and "The quiz stops here." in lines[-2] and lines[-1].startswith(score.text)

"""Hostile scenario files and output files (issue 15, items 7-9): one clear line and exit 2, bounded work.

Every file the issue lists (a billion-laughs key, YAML conversions nobody caught, 5,000-digit numbers, timers that
made a run explode, a NUL, a 64 KB hostname) gives exactly one line naming file and line, exit 2, and no
traceback; a hypothesis property feeds generated hostile YAML and asserts: a Scenario that then runs within the
event budget, or an InputError, never another exception. The bounded memory is asserted by running the command
under an address-space limit (no timed asserts: speed belongs in benchmarks/).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.api import lab_of
import sim.engine.simulator as simulator
from sim.cli import main
from sim.errors import InputError
from sim.render.files import STALE_AFTER, clean_stale_temps, write_all_atomic, write_atomic
from sim.scenario import ALIAS_BUDGET, ECHO_LIMIT, TIMER_BOUNDS, bundled_dir, load_scenario_text

ROOT = Path(__file__).resolve().parent.parent
HEALTHY = (bundled_dir() / "healthy.yaml").read_text(encoding="utf-8")
LOOK = HEALTHY.splitlines().index("look: 5") + 1
SEED = HEALTHY.splitlines().index("seed: 1") + 1


def laughs(depth: int = 9, width: int = 9) -> str:
    """A flow list whose anchors define each level by ``width`` aliases of the one before: width**depth leaves."""
    names = [f"l{i}" for i in range(depth)]
    parts = [f"&{names[0]} [{', '.join(['lol'] * width)}]"]
    parts += [f"&{names[i]} [{', '.join(['*' + names[i - 1]] * width)}]" for i in range(1, depth)]
    return "[" + ", ".join(parts) + "]"


def with_timers(text: str, timers: str, path: str = "drop: ip") -> str:
    text = text.replace("  platform: asa\n  outside: 50.57", f"  platform: asa\n  timers: {timers}\n  outside: 50.57", 1)
    return text.replace("look: 5", f"path:\n  - {path}\nlook: 5")


#: name -> (file text, the line the error must name, a fragment of the message)
HOSTILE = {
    "billion laughs as a mapping key": (f"? {laughs()}\n: 1\n", 1, "YAML aliases expand"),
    "billion laughs as a value": (HEALTHY.replace("look: 5", f"look: {laughs()}"), LOOK, "YAML aliases expand"),
    "recursive alias": (HEALTHY.replace("look: 5", "look: &r [*r]"), LOOK, "recursive"),
    "seed: 2001-13-45": (HEALTHY.replace("seed: 1", "seed: 2001-13-45"), SEED, "'2001-13-45' as a date"),
    "title: !!timestamp 2001-02-30": (HEALTHY.replace('title: "Healthy tunnel: Main Mode completes"',
                                                      "title: !!timestamp 2001-02-30"), 1, "as a date"),
    "look: !!int abc": (HEALTHY.replace("look: 5", "look: !!int abc"), LOOK, "'abc' as a whole number"),
    "look: !!int ''": (HEALTHY.replace("look: 5", "look: !!int ''"), LOOK, "'' as a whole number"),
    "look: !!bool maybe": (HEALTHY.replace("look: 5", "look: !!bool maybe"), LOOK, "'maybe' as a true/false"),
    "look: !!timestamp soon": (HEALTHY.replace("look: 5", "look: !!timestamp soon"), LOOK, "'soon' as a date"),
    "look: !!float abc": (HEALTHY.replace("look: 5", "look: !!float abc"), LOOK, "'abc' as a number"),
    "seed with 5,000 digits": (HEALTHY.replace("seed: 1", "seed: " + "9" * 5000), SEED, "5,000 characters"),
    "seed 0x + 5,000 f's": (HEALTHY.replace("seed: 1", "seed: 0x" + "f" * 5000), SEED,
                            "a number of about 6021 digits is out of range"),
    "retries with 5,000 digits": (with_timers(HEALTHY, "{retries: %s}" % ("9" * 5000)), 9, "5,000 characters"),
    "interval 1 us, a billion retries": (with_timers(HEALTHY, "{interval: 0.000001, retries: 1000000000}"), 9,
                                         "expected between 1 and 120 seconds"),
    "timers at 0 with reinitiate 0": (with_timers(HEALTHY, "{interval: 0.001, retries: 0, remove_after: 0, "
                                                           "reinitiate: 0}"), 9, "expected between 1 and 120"),
    "a NUL character": (HEALTHY.replace("look: 5", "look: 5\x00"), LOOK, "column 8 holds a NUL character"),
    "a 64 KB hostname": (HEALTHY.replace("hostname: ASA-LAB1\n  platform", "hostname: " + "A" * 65536 +
                                         "\n  platform"), 7, "'" + "A" * ECHO_LIMIT + "...' is not a valid hostname"),
    "a 64 KB unknown key": (HEALTHY.replace("look: 5", "B" * 65536 + ": 5"), LOOK, "YAML syntax error"),
    "a 1 KB unknown key": (HEALTHY.replace("look: 5", "B" * 1000 + ": 5"), LOOK,
                           "unknown key '" + "B" * ECHO_LIMIT + "...'"),
    "!!binary garbage": (HEALTHY.replace("look: 5", "look: !!binary '!!!'"), LOOK, "must be a number, not bytes"),
    # a collection is never constructed, whatever its tag
    "a python tag": (HEALTHY.replace("look: 5", "look: !!python/object/apply:os.system [id]"), LOOK,
                     "must be a number, not a list"),
    "a python tag on a scalar": (HEALTHY.replace("look: 5", "look: !!python/name:os.system ''"), LOOK,
                                 "YAML error: could not determine a constructor"),
    "look 0x + 400 f's": (HEALTHY.replace("look: 5", "look: 0x" + "f" * 400), LOOK, "out of range"),
    "a control character": (HEALTHY.replace("seed: 1", "seed: 1\x1b[2J"), SEED, "U+001B"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_gives_one_line_and_exit_2(tmp_path, capsys, case):
    text, line, fragment = HOSTILE[case]
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "--no-show"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err[:500]
    assert err.startswith(f"ikesim: error: {path}:{line}: "), err[:500]
    assert fragment in err, err[:500]
    assert len(err) < 400  # what a value echoes is clipped


def test_the_worst_file_under_a_memory_limit(tmp_path):
    """The billion-laughs key took 3.1 GB and the 1-us timers 4 GB: under a 1 GB address-space limit the command
    now gives its one line (a MemoryError would be a traceback and exit 1)."""
    resource = pytest.importorskip("resource")
    for case in ("billion laughs as a mapping key", "interval 1 us, a billion retries"):
        path = tmp_path / "hostile.yaml"
        path.write_text(HOSTILE[case][0], encoding="utf-8")
        limit = 1 << 30
        result = subprocess.run(
            [sys.executable, "-m", "sim", "run", str(path), "--no-show"], capture_output=True, text=True,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
        )
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr[-500:]


def test_aliases_within_the_budget_still_work():
    """Sharing a value with an anchor is fine (both devices' timers here); only expansion past the budget is not."""
    text = HEALTHY.replace("  platform: asa\n  outside: 50.57", "  platform: asa\n  timers: &t {retries: 2}\n"
                                                                 "  outside: 50.57", 1)
    text = text.replace("  platform: asa\n  outside: 50.56", "  platform: asa\n  timers: *t\n  outside: 50.56", 1)
    scenario = load_scenario_text(text, "shared.yaml")
    assert scenario.initiator.timers.retries == scenario.responder.timers.retries == 2
    small = HEALTHY.replace("look: 5", f"notice2: {laughs(depth=3, width=3)}")  # 27 leaves: within the budget
    with pytest.raises(InputError) as info:
        load_scenario_text(small, "small.yaml")
    assert "unknown key 'notice2'" in info.value.message  # got as far as the schema
    assert 3 ** 4 < ALIAS_BUDGET < 9 ** 5


def test_timer_bounds_are_inclusive_and_a_run_at_the_bounds_is_legitimate():
    low = {key: bounds[0] for key, bounds in TIMER_BOUNDS.items()}
    text = with_timers(HEALTHY, "{interval: %g, retries: %d, remove_after: %g, reinitiate: %g}"
                       % (low["interval"], TIMER_BOUNDS["retries"][1], low["remove_after"], low["reinitiate"]))
    scenario = load_scenario_text(text, "fast.yaml")
    trace = simulator.simulate(lab_of(scenario))  # 300 s of MM1 resends and restarts: well within the budget
    assert trace.end == 300.0


def test_event_budget_stops_a_run_with_one_line(tmp_path, capsys):
    """Timers at their lower bounds with a far --at: the run would take hours; it stops at the budget."""
    path = tmp_path / "busy.yaml"
    path.write_text(with_timers(HEALTHY, "{interval: 1, retries: 10, remove_after: 0, reinitiate: 1}"))
    with mock.patch.object(simulator, "EVENT_BUDGET", 2_000):
        assert main(["run", str(path), "--at", "1000000"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"ikesim: error: {path}: simulation exceeded its event budget of 2,000 events at t=")
    assert "look earlier or use longer timers" in err


def test_the_event_budget_leaves_every_bundled_scenario_room():
    from sim.scenario import list_bundled, load_scenario

    with mock.patch.object(simulator, "EVENT_BUDGET", simulator.EVENT_BUDGET // 50):  # 1,000: 50x headroom
        for name, _ in list_bundled():
            simulator.simulate(lab_of(load_scenario(name)))


# ---------------------------------------------------------------------------------------------------------------
# property: generated hostile YAML

SCALARS = st.one_of(
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.integers(1, 6000).map(lambda n: "0x" + "f" * n),
    st.integers(1, 300).map(lambda n: "1" + "0" * n + ".5"),
    st.sampled_from([".nan", ".inf", "-.inf", "1e400", "-1e400", "1e-400", "0.000001", "1e300", "-0", "0o777",
                     "0b101", "1_000", "190:20:30", "~", "null", "yes", "off", "''", "'x'", "[]", "{}"]),
    st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)).map(lambda t: "%04d-%02d-%02d" % t),
    st.tuples(st.sampled_from(["int", "float", "timestamp", "bool", "null", "binary", "str", "set", "omap",
                               "python/object/apply:os.getpid", "weird"]),
              st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12))
    .map(lambda t: f"!!{t[0]} {t[1]!r}"),
    st.integers(-10**30, 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.characters(max_codepoint=0x2FF), max_size=20).map(repr),
    st.integers(60, 70_000).map(lambda n: "A" * n),
    st.tuples(st.integers(1, 12), st.integers(1, 12)).map(lambda t: laughs(*t)),
    st.just("&r [*r]"),
    st.just("*undefined"),
)
NUMBERS = st.one_of(st.floats(-5, 200).map(lambda x: f"{x:g}"), st.integers(-3, 20).map(str), SCALARS)
TOP = st.sampled_from(["seed", "look", "title", "notice", "description", "fix", "bogus"])


@st.composite
def hostile_yaml(draw) -> str:
    text = HEALTHY
    kind = draw(st.sampled_from(["top", "timers", "key", "path"]))
    if kind == "top":
        key = draw(TOP)
        value = draw(SCALARS)
        lines = [line for line in text.splitlines() if not line.startswith(key + ":")]
        text = "\n".join(lines) + f"\n{key}: {value}\n"
    elif kind == "timers":
        keys = draw(st.lists(st.sampled_from(sorted(TIMER_BOUNDS)), min_size=1, max_size=4, unique=True))
        timers = "{" + ", ".join(f"{key}: {draw(NUMBERS)}" for key in keys) + "}"
        text = with_timers(text, timers, draw(st.sampled_from(["drop: ip", "drop: udp/500", "loss: 0.5",
                                                               "delay: 0.5"])))
    elif kind == "key":
        text = f"? {draw(SCALARS)}\n: 1\n" + text
    else:
        rule = draw(st.sampled_from(["loss", "delay", "drop", "no-route"]))
        text = text.replace("look: 5", f"path:\n  - {rule}: {draw(SCALARS)}\nlook: 5")
    if draw(st.booleans()):  # a control character somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["\x00", "\x07", "\x1b", "\ufffe", "\t"])) + text[at:]
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_yaml())
def test_generated_hostile_yaml_loads_and_runs_within_the_budget_or_is_an_input_error(text):
    with mock.patch.object(simulator, "EVENT_BUDGET", 5_000):
        try:
            scenario = load_scenario_text(text, "hostile.yaml")
            trace = simulator.simulate(lab_of(scenario))
        except InputError as exc:
            message = str(exc)
            assert "\n" not in message and len(message) < 600, message[:700]
            return
    assert trace.end >= 300.0


# ---------------------------------------------------------------------------------------------------------------
# output files


def test_stale_temp_files_of_dead_processes_are_cleaned_on_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    left = tmp_path / f".c.png.{dead}.0123abcd.tmp"  # SIGKILLed mid-write
    left.write_bytes(b"half")
    alive = tmp_path / f".c.png.{os.getppid()}.0123abcd.tmp"  # a live process may be writing right now
    alive.write_bytes(b"busy")
    old = tmp_path / ".other.svg.89abcdef.tmp"  # the earlier naming, without a pid: by age
    old.write_bytes(b"old")
    fresh_old_style = tmp_path / ".other.svg.01234567.tmp"
    fresh_old_style.write_bytes(b"new")
    aged = time.time() - STALE_AFTER - 60
    os.utime(old, (aged, aged))
    not_ours = tmp_path / ".c.png.tmp"
    not_ours.write_bytes(b"someone else's")
    write_atomic(tmp_path / "c.png", b"png")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["c.png", alive.name, fresh_old_style.name, not_ours.name])
    aged_alive = time.time() - STALE_AFTER - 60
    os.utime(alive, (aged_alive, aged_alive))  # an hour old: stale even if its pid runs (pids are reused)
    assert clean_stale_temps(tmp_path) == [alive.name]


def test_write_all_atomic_leaves_every_target_as_it_was_when_one_fails(tmp_path, monkeypatch):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a")
    import sim.render.files as files

    real = files._write_all
    calls = []

    def failing(fd, data):
        calls.append(data)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(fd, data)

    monkeypatch.setattr(files, "_write_all", failing)
    with pytest.raises(OSError) as info:
        write_all_atomic([(first, "new a"), (second, "new b")])
    assert info.value.filename == str(second)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"] and first.read_text() == "old a"


def test_a_read_only_file_is_refused_and_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "c.pcapng"
    target.write_bytes(b"mine")
    target.chmod(0o400)
    with pytest.raises(PermissionError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"mine" and stat.S_IMODE(target.stat().st_mode) == 0o400
    target.chmod(0o600)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["c.pcapng"]


# ---------------------------------------------------------------------------------------------------------------
# fuzz/: the README's command lines are runnable

FUZZ = ROOT / "fuzz" / "atheris_endpoint.py"


def test_the_fuzz_target_is_an_executable_script():
    """libFuzzer's -jobs/-workers start the target by its path (argv[0]): it needs the executable bit and a
    shebang that finds the environment's Python."""
    assert FUZZ.read_text().startswith("#!/usr/bin/env python3\n")
    assert os.access(FUZZ, os.X_OK)
    readme = (ROOT / "fuzz" / "README.md").read_text()
    assert "-jobs=2 -workers=2" in readme and "fuzz/atheris_endpoint.py -runs=10" in readme


def _atheris_env() -> dict | None:
    """The environment to run the target in, if atheris can be imported there (else None)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for extra in ("", "/tmp/atheris-lib"):
        if extra:
            env["PYTHONPATH"] = extra + os.pathsep + env.get("PYTHONPATH", "")
        probe = subprocess.run([sys.executable, "-c", "import atheris"], env=env, capture_output=True)
        if probe.returncode == 0:
            return env
    return None


def test_the_fuzz_readme_command_lines_run(tmp_path):
    env = _atheris_env()
    if env is None:
        pytest.skip("atheris is not installed (pip install atheris, or --target /tmp/atheris-lib)")
    corpus = tmp_path / "corpus"
    seeds = subprocess.run([str(FUZZ), "--seeds", str(corpus)], env=env, capture_output=True, text=True, cwd=ROOT)
    assert seeds.returncode == 0, seeds.stderr
    assert len(list(corpus.iterdir())) == 48
    short = subprocess.run([str(FUZZ), "-runs=10", str(corpus)], env=env, capture_output=True, text=True,
                           cwd=tmp_path, timeout=300)
    assert short.returncode == 0, short.stderr[-2000:]
    jobs = subprocess.run([str(FUZZ), "-runs=10", "-jobs=2", "-workers=2", str(corpus)], env=env,
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert jobs.returncode == 0, jobs.stderr[-2000:]
    logs = sorted(p.name for p in tmp_path.glob("fuzz-*.log"))
    assert logs == ["fuzz-0.log", "fuzz-1.log"]
    assert all("Done " in (tmp_path / name).read_text() for name in logs)

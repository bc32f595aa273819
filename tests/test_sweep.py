"""ikesim sweep (issue 14): specs, cells applied to scenarios, the reduced record of known runs, determinism across
workers (1 and 2 processes, a Dask LocalCluster on loopback), known facts, the table, the plot, the CLI."""

from __future__ import annotations

import io
import sys

import pytest

import sim
from sim.cli import main
from sim.engine.path import Delay, Loss
from sim.errors import InputError
from sim.sweep import grid, sweep
from sim.sweep.apply import apply_cell
from sim.sweep.progress import Progress
from sim.sweep.reduce import FIELDS, reduce_trace
from sim.sweep.runner import run_seed
from sim.sweep.summary import wilson
from sim.sweep.table import columns, read_csv

SMALL = dict(runs=5, seed=3, until=60.0)
SMALL_VARY = ["loss=0,0.3", "timers=asa,ios"]


# -- specs ----------------------------------------------------------------------------------------------------------
def test_a_range_includes_its_stop_without_float_noise():
    variable = grid.parse_vary("loss=0:0.5:0.05")
    assert variable.name == "loss"
    assert len(variable.values) == 11
    assert variable.values[3] == 0.15 and variable.values[-1] == 0.5
    assert variable.bounds == (0.0, 0.5)


def test_lists_single_values_profiles_and_counts():
    assert grid.parse_vary("delay=0.005,0.5,2").values == (0.005, 0.5, 2.0)
    assert grid.parse_vary("delay=0.1").values == (0.1,)
    assert grid.parse_vary("timers=asa,IOS").values == ("asa", "ios")
    assert grid.parse_vary("retries=1:5:2").values == (1, 3, 5)
    assert all(isinstance(v, int) for v in grid.parse_vary("retries=1:5:2").values)
    assert grid.parse_vary("interval=2:6:4").values == (2.0, 6.0)
    assert grid.parse_vary("loss=0:0.3:0.2").values == (0.0, 0.2)  # STOP only when a step lands on it


@pytest.mark.parametrize("spec, words", [
    ("loss=2", "must be a probability >= 0 and <= 1"),
    ("loss=-0.1", "must be a probability"),
    ("jitter=0.1", "unknown variable 'jitter'"),
    ("loss=0.5:0:0.1", "is empty"),
    ("loss=0:0.5:0", "step of '0:0.5:0' must be more than 0"),
    ("loss=0:0.5", "START:STOP:STEP"),
    ("loss", "expected NAME=VALUES"),
    ("loss=", "no values given"),
    ("loss=a", "not a number"),
    ("delay=inf", "must be finite"),
    ("timers=junos", "unknown profile 'junos'"),
    ("retries=1.5", "must be a whole number"),
    ("interval=0", "more than 0"),
    ("loss=0.1,0.1", "listed twice"),
])
def test_bad_specs_are_one_line_input_errors(spec, words):
    with pytest.raises(InputError) as caught:
        grid.parse_vary(spec)
    text = str(caught.value)
    assert words in text and "\n" not in text and text.startswith("--vary: ")


def test_variables_are_checked_together():
    for specs, words in ((["loss=0", "loss=0.1"], "varied twice"), (["timers=asa", "interval=3"], "vary one"),
                         ([], "at least one")):
        with pytest.raises(InputError, match=words):
            grid.grid([grid.parse_vary(s) for s in specs])


def test_the_grid_changes_the_first_variable_slowest():
    cells = grid.grid([grid.parse_vary("loss=0,0.1"), grid.parse_vary("timers=asa,ios")])
    assert cells == [(0.0, "asa"), (0.0, "ios"), (0.1, "asa"), (0.1, "ios")]


def test_samples_are_seeded_and_stay_in_range():
    variables = [grid.parse_vary("loss=0:0.3:0.1"), grid.parse_vary("retries=1:5:1")]
    cells = grid.samples(variables, 200, seed=9)
    assert cells == grid.samples(variables, 200, seed=9) != grid.samples(variables, 200, seed=10)
    assert all(0 <= loss <= 0.3 and 1 <= retries <= 5 and isinstance(retries, int) for loss, retries in cells)
    assert len({loss for loss, _ in cells}) == 200  # uniform, not the grid's values
    assert {retries for _, retries in cells} == {1, 2, 3, 4, 5}
    profiles = grid.samples([grid.parse_vary("timers=asa,ios")], 50, seed=9)
    assert {timers for timers, in profiles} == {"asa", "ios"}


# -- a cell applied to a scenario -----------------------------------------------------------------------------------
def test_loss_and_delay_become_path_rules_after_the_scenarios_own():
    base = sim.load_scenario("udp500-blocked")
    changed = apply_cell(base, ("loss", "delay"), (0.2, 0.5))
    assert changed.path[: len(base.path)] == base.path
    loss, delay = changed.path[len(base.path):]
    assert isinstance(loss, Loss) and loss.probability == 0.2 and loss.direction is None
    assert isinstance(delay, Delay) and delay.seconds == 0.5 and delay.direction is None
    assert base.path == sim.load_scenario("udp500-blocked").path  # the base scenario is untouched


def test_timer_profiles_and_fields_apply_to_both_devices():
    base = sim.load_scenario("healthy")  # two ASAs: 8 s x 3
    ios = apply_cell(base, ("timers",), ("ios",))
    for device in ios.devices:
        assert (device.timers.interval, device.timers.retries, device.timers.remove_after) == (10.0, 5, 10.0)
    fields = apply_cell(base, ("interval", "retries"), (2.0, 7))
    for device in fields.devices:
        assert (device.timers.interval, device.timers.retries, device.timers.remove_after) == (2.0, 7, 8.0)
        assert device.timers.resend_on_duplicate == base.initiator.timers.resend_on_duplicate


def test_the_ios_profile_really_changes_the_run():
    scenario = apply_cell(sim.load_scenario("udp500-blocked"), ("timers",), ("ios",))
    record = dict(zip(FIELDS, reduce_trace(sim.run(scenario).trace)))
    assert record["timer_resends"] == 5 and record["initiator_removed_at"] == 5 * 10 + 10


# -- the record of known runs -----------------------------------------------------------------------------------------
def record_of(name: str) -> dict:
    return dict(zip(FIELDS, reduce_trace(sim.run(name).trace)))


def test_a_healthy_run_is_up_after_six_one_way_delays():
    assert record_of("healthy") == {
        "up": True, "time_to_active": 0.03, "initiator_state": "MM_ACTIVE", "responder_state": "MM_ACTIVE",
        "datagrams": 6, "dropped": 0, "resends": 0, "timer_resends": 0, "duplicate_resends": 0, "removed": False,
        "initiator_removed_at": None, "responder_removed_at": None}


def test_udp500_blocked_sends_mm1_four_times_and_removes_it_at_32s():
    # ASA: MM1 at 0, resent at 8, 16, 24 (3 retries), removed 8 s after the last: 32 s; the responder never saw it
    assert record_of("udp500-blocked") == {
        "up": False, "time_to_active": None, "initiator_state": "MM_WAIT_MSG2", "responder_state": "",
        "datagrams": 4, "dropped": 4, "resends": 3, "timer_resends": 3, "duplicate_resends": 0, "removed": True,
        "initiator_removed_at": 32.0, "responder_removed_at": None}


def test_loss_fatal_counts_timer_and_duplicate_resends_apart():
    # the bundled run (seed 1): the responder completes, the initiator gives up in MM_WAIT_MSG6 (see its notice)
    record = record_of("loss-fatal")
    assert (record["up"], record["initiator_state"], record["responder_state"]) == (False, "MM_WAIT_MSG6", "MM_ACTIVE")
    assert (record["resends"], record["timer_resends"], record["duplicate_resends"]) == (8, 8, 0)
    assert record["initiator_removed_at"] == 48.02 and record["responder_removed_at"] is None
    # return-path-blocked: the responder resends MM2 on its timer and for two copies of MM1 outside the holdoff
    record = record_of("return-path-blocked")
    assert (record["resends"], record["timer_resends"], record["duplicate_resends"]) == (8, 6, 2)
    assert (record["initiator_removed_at"], record["responder_removed_at"]) == (32.0, 32.005)


def test_only_reduce_reads_the_trace():
    from pathlib import Path

    from test_architecture import imports

    for path in sorted((Path(sim.__file__).parent / "sweep").glob("*.py")):
        if path.name != "reduce.py":
            assert not any(name.startswith("sim.engine.trace") for name in imports(path)), path.name
            assert ".trace." not in path.read_text().replace("run(scenario, seed=seed, until=task.until).trace", ""), \
                path.name


# -- seeds, determinism, known facts ------------------------------------------------------------------------------------
def test_run_seeds_depend_on_seed_cell_and_run_only():
    seeds = {run_seed(s, c, r) for s in range(3) for c in range(10) for r in range(10)}
    assert len(seeds) == 300 and all(0 <= s < 2 ** 63 for s in seeds)
    assert run_seed(1, 2, 3) == run_seed(1, 2, 3)


@pytest.fixture(scope="module")
def reference():
    return sweep("healthy", SMALL_VARY, jobs=1, **SMALL)


def test_same_seed_same_table_on_two_and_four_processes(reference):
    assert [row[:2] for row in reference.rows] == [(c, r) for c in range(4) for r in range(5)]
    for jobs in (2, 4):
        assert sweep("healthy", SMALL_VARY, jobs=jobs, **SMALL).table() == reference.table()


def test_same_seed_same_table_on_a_dask_local_cluster(reference):
    distributed = pytest.importorskip("distributed")
    # a worker process on loopback: tasks and results really cross a TCP connection, pickled
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        by_address = sweep("healthy", SMALL_VARY, scheduler=cluster.scheduler_address, **SMALL)
        with distributed.Client(cluster) as client:
            by_client = sweep("healthy", SMALL_VARY, scheduler=client, **SMALL)
    assert by_address.rows == reference.rows == by_client.rows


def test_another_seed_gives_other_runs(reference):
    other = sweep("healthy", SMALL_VARY, jobs=1, runs=5, seed=4, until=60.0)
    assert [row[2] for row in other.rows] != [row[2] for row in reference.rows]


def test_without_loss_every_run_is_up_and_through_a_blocked_udp500_none(reference):
    records = reference.records
    assert all(r["up"] and r["time_to_active"] == 0.03 for r in records if r["loss"] == 0)
    assert all(r["dropped"] == 0 and r["resends"] == 0 for r in records if r["loss"] == 0)
    assert sum(r["dropped"] for r in records if r["loss"] == 0.3) > 0
    blocked = sweep("udp500-blocked", ["loss=0,0.1"], jobs=1, **SMALL)
    assert not any(r["up"] for r in blocked.records)
    assert {r["initiator_state"] for r in blocked.records} == {"MM_WAIT_MSG2"}


def test_delay_shifts_time_to_active():
    result = sweep("healthy", ["delay=0.1,0.5"], jobs=1, runs=2, seed=1, until=60.0)
    assert [r["time_to_active"] for r in result.records] == [0.6, 0.6, 3.0, 3.0]  # six one-way delays


def test_interrupted_sweeps_keep_what_finished(reference):
    for jobs in (1, 2):
        def stop(done):
            if done:
                raise KeyboardInterrupt

        partial = sweep("healthy", SMALL_VARY, jobs=jobs, progress=stop, **SMALL)
        assert partial.interrupted and 0 < len(partial.rows) < partial.total == 20
        assert set(partial.rows) <= set(reference.rows)
        assert partial.rows == sorted(partial.rows, key=lambda row: (row[0], row[1]))


# -- table, summary, plot -------------------------------------------------------------------------------------------
def test_csv_round_trip(reference, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(reference.table(".csv"))
    assert read_csv(str(path)) == reference.records
    assert path.read_text().splitlines()[0] == ",".join(columns(("loss", "timers")))


def test_parquet_has_the_same_table(reference, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    path.write_bytes(reference.table(".parquet"))
    assert pq.read_table(path).to_pylist() == reference.records


def test_parquet_without_pyarrow_is_an_input_error(monkeypatch):
    from sim.sweep.table import table_format

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InputError, match="needs pyarrow"):
        table_format("x.parquet")


def test_wilson_interval_known_values():
    low, high = wilson(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson(0, 0) == (0.0, 1.0)


def test_summary_has_one_line_per_cell(reference):
    lines = reference.summary(30).splitlines()
    assert lines[0].split()[:4] == ["loss", "timers", "runs", "P(up<=30s)"]
    assert [line.split()[:4] for line in lines[1:3]] == [["0", "asa", "5", "1.00"], ["0", "ios", "5", "1.00"]]
    assert len(lines) == 5


def test_plot_png_and_svg_are_deterministic_and_svg_keeps_text(reference):
    png = reference.plot("png", 30)
    assert png.startswith(b"\x89PNG") and png == reference.plot("png", 30)
    svg = reference.plot("svg", 30).decode()
    assert "<text" in svg and "ios timers (10 s x 5)" in svg and "seed 3" in svg and "5 runs" in svg
    assert svg == reference.plot("svg", 30).decode()


def test_sampled_sweeps_plot_binned_probabilities():
    result = sweep("healthy", ["loss=0:0.4:0.1", "timers=asa,ios"], samples=12, jobs=1, runs=2, seed=2, until=60.0)
    layout = result.layout(30)
    assert layout.x == "loss" and layout.groups == ("timers",)
    assert sum(p.runs for p in layout.points) == 24
    assert result.plot("png").startswith(b"\x89PNG")


def test_progress_draws_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    ticks = iter([0.0, 10.0, 20.0, 20.0])
    stream = Tty()
    bar = Progress(4, stream, clock=lambda: next(ticks))
    bar(2)
    bar(4)
    bar.close()
    assert "2/4 runs  50%  0:10  ETA 0:10" in stream.getvalue() and stream.getvalue().endswith("\n")
    quiet = io.StringIO()
    Progress(4, quiet)(2)
    assert quiet.getvalue() == ""


# -- the command --------------------------------------------------------------------------------------------------------
def test_cli_writes_table_and_plot(tmp_path, capsys):
    out, plot = tmp_path / "r.csv", tmp_path / "r.svg"
    assert main(["sweep", "healthy", "--vary", "loss=0,0.3", "--vary", "timers=asa,ios", "--runs", "5", "--seed",
                 "3", "--until", "60", "--jobs", "1", "--out", str(out), "--plot", str(plot)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("loss  timers  runs")
    assert len(read_csv(str(out))) == 20 and plot.read_text().startswith("<?xml")


@pytest.mark.parametrize("args, words", [
    (["--vary", "loss=2"], "--vary: loss: must be a probability"),
    (["--vary", "jitter=1"], "unknown variable"),
    (["--vary", "loss=0:1:0"], "must be more than 0"),
    (["--vary", "loss=0", "--out", "r.txt"], "name a .csv or .parquet file"),
    (["--vary", "loss=0", "--plot", "r.pdf"], "name a .png or .svg file"),
    (["--vary", "loss=0", "--out", "no/such/dir/r.csv"], "no such directory"),
    (["--vary", "loss=0", "--runs", "0"], "--runs: must be a whole number"),
    (["--vary", "loss=0", "--jobs", "0"], "--jobs: must be 1 or more"),
])
def test_cli_bad_input_exits_2_with_one_line_and_no_file(args, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "healthy", "--runs", "2"] + args) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_ctrl_c_writes_the_partial_table_and_exits_130(tmp_path, capsys, monkeypatch):
    def interrupt(self, done):
        if done:
            raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "__call__", interrupt)
    out, plot = tmp_path / "r.csv", tmp_path / "r.png"
    assert main(["sweep", "healthy", "--vary", "loss=0,0.3", "--runs", "40", "--until", "60", "--jobs", "1",
                 "--out", str(out), "--plot", str(plot)]) == 130
    err = capsys.readouterr().err
    assert "interrupted:" in err and "of 80 runs finished" in err and "no plot drawn" in err
    assert 0 < len(read_csv(str(out))) < 80 and not plot.exists()


def test_python_dash_m_sim_sweep_works(tmp_path):
    import subprocess

    result = subprocess.run([sys.executable, "-m", "sim", "sweep", "healthy", "--vary", "loss=0", "--runs", "3",
                             "--jobs", "2"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines()[1].split()[:3] == ["0", "3", "1.00"]


def _children(pid: int) -> list[int]:
    from pathlib import Path

    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to see the workers start")
def test_a_real_ctrl_c_keeps_what_finished_and_exits_130(tmp_path):
    """SIGINT to the whole process group, as a terminal sends it, once the pool's workers run."""
    import os
    import signal
    import subprocess
    import time

    out = tmp_path / "r.csv"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", "healthy", "--vary", "loss=0:0.4:0.1", "--runs",
                             "2000", "--jobs", "2", "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(1.0)  # some tasks finish
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert "ikesim: interrupted: " in stderr and "of 10,000 runs finished; wrote them to" in stderr
    assert "Traceback" not in stderr and stderr.count("\n") == 1
    rows = read_csv(str(out))
    assert 0 < len(rows) < 10_000
    assert [(r["cell"], r["run"]) for r in rows] == sorted((r["cell"], r["run"]) for r in rows)
    assert stdout.startswith("loss  runs")


def test_a_sweep_over_profiles_only_plots_categories(tmp_path):
    result = sweep("udp500-blocked", ["timers=asa,ios"], jobs=1, runs=2, seed=1, until=120.0)
    assert [r["timer_resends"] for r in result.records] == [3, 3, 5, 5]
    svg = result.plot("svg", 60).decode()
    assert "asa timers (8 s x 3)" in svg and "ios timers (10 s x 5)" in svg


def test_missing_dask_and_bad_samples_are_input_errors(monkeypatch):
    with pytest.raises(InputError, match="--samples: must be between 1"):
        sweep("healthy", ["loss=0"], samples=0)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match=r"--scheduler: .*pip install 'ikesim\[sweep\]'"):
        sweep("healthy", ["loss=0"], runs=1, scheduler="tcp://127.0.0.1:8786")

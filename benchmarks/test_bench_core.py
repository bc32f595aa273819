"""Speed of the simulator (not part of the default test run).

Run: python -m pytest benchmarks --benchmark-only   (pyproject's testpaths keep these out of `pytest`)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import sim
from sim.api import lab_of
from sim.engine.simulator import simulate

sys.path.insert(0, str(Path(__file__).parent))
import cold_start  # noqa: E402

pytestmark = pytest.mark.benchmark


def test_healthy_group14_run_in_process(benchmark):
    scenario = sim.load_scenario("healthy")
    assert scenario.initiator.config.policies[0].group == 14
    lab = lab_of(scenario)
    trace = benchmark(simulate, lab)
    assert trace.sa_table("ASA-LAB1", 5)[0][0].state == "MM_ACTIVE"


def test_scenario_load_and_run(benchmark):
    run = benchmark(sim.run, "psk-mismatch")
    assert "MM_WAIT_MSG6" in run.show("ASA-LAB1")


def test_cold_ikesim_run_against_a_bare_scapy_import(benchmark):
    result = benchmark.pedantic(cold_start.measure, kwargs={"runs": 11}, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    print(f"\ncold start: floor {result['floor_s'] * 1000:.0f} ms, ikesim run {result['ikesim_run_s'] * 1000:.0f} ms, "
          f"ratio {result['ratio']:.2f} (target <= 1.30)")

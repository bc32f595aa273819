"""A wheel carries the bundled scenarios: installed from it (not editable), `ikesim list` and `run` find them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def test_wheel_install_finds_the_bundled_scenarios(tmp_path):
    pytest.importorskip("hatchling", reason="the test extras install hatchling to build the wheel offline")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("ikesim-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    bundled = {Path(n).name for n in names if n.startswith("sim/_bundled_scenarios/")}
    assert bundled == {p.name for p in (ROOT / "scenarios").glob("*.yaml")}
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = subprocess.run([sys.executable, "-c", "import sim, sim.scenario; print(sim.__file__); "
                            "print(sim.scenario.bundled_dir()); print(len(sim.list_bundled()))"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    module, folder, count = probe.stdout.split()
    assert module.startswith(str(target)) and folder == str(target / "sim" / "_bundled_scenarios")
    assert int(count) == len(bundled)
    run = subprocess.run([sys.executable, "-m", "sim", "run", "psk-mismatch", "--on", "ASA-LAB2"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0 and "MM_WAIT_MSG5" in run.stdout

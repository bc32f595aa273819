"""A golden transcript per bundled scenario: each device's SA table and `show logging` at the look time.

Regenerate after an intended change with IKESIM_REGEN_GOLDEN=1 and read the diff before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.platforms.registry import platform_for

GOLDEN = Path(__file__).parent / "golden" / "transcripts"


def transcript(name: str) -> str:
    run = sim.run(name)
    blocks = [f"# {run.scenario.title} (scenario {name}, seed {run.scenario.seed}, at {run.look:g} s)\n"]
    for device in run.scenario.devices:
        platform = platform_for(device.platform)
        for command in (platform.default_command, "show logging"):
            blocks.append(f"{platform.prompt(device.hostname)}{command}\n" + run.show(device.hostname, command))
    return "\n".join(blocks)


@pytest.mark.parametrize("name", [name for name, _ in sim.list_bundled()])
def test_golden_transcript(name, golden):
    golden(GOLDEN / f"{name}.txt", transcript(name))


def test_every_golden_belongs_to_a_bundled_scenario():
    names = {name for name, _ in sim.list_bundled()}
    assert {p.stem for p in GOLDEN.glob("*.txt")} <= names

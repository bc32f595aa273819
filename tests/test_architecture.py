"""The house rules of DEVELOPERS.md, checked on the source: the core is sans-IO and imports nothing else of sim;
renderers read the Trace and never reach into the engine that made it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).parent.parent / "sim"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    package = ".".join(path.relative_to(SIM.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
    return names


def calls(path: Path) -> set[str]:
    return {node.func.id for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


CORE = sorted((SIM / "ike").glob("*.py"))


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_core_is_sans_io_and_self_contained(path):
    for name in imports(path):
        if name.startswith("sim"):
            assert name.startswith("sim.ike"), f"{path.name} imports {name}: the core imports nothing else of sim"
        assert name.split(".")[0] not in ("simpy", "socket", "asyncio", "time", "random", "matplotlib"), \
            f"{path.name} imports {name}: no SimPy, sockets, clocks or global randomness in the core"
        assert name != "scapy.all", f"{path.name} imports scapy.all"
    assert not {"open", "print", "input"} & calls(path), f"{path.name} does I/O"


RENDERERS = sorted((SIM / "render").glob("*.py"))


@pytest.mark.parametrize("path", RENDERERS, ids=[p.name for p in RENDERERS])
def test_renderers_read_the_trace_not_the_engine(path):
    for name in imports(path):
        assert name not in ("sim.engine.simulator", "sim.ike.endpoint", "sim.live.driver", "simpy"), \
            f"{path.name} imports {name}: renderers are functions of the Trace"


def test_nothing_imports_scapy_all():
    for path in SIM.rglob("*.py"):
        assert "scapy.all" not in imports(path), path


def test_matplotlib_only_in_the_chart_module():
    for path in SIM.rglob("*.py"):
        if path.name != "chart.py" and path.relative_to(SIM).as_posix() != "sweep/plot.py":
            assert not any(n.startswith("matplotlib") for n in imports(path)), path


def test_the_import_reader_sees_relative_and_absolute_imports():
    assert {"sim.ike", "sim.ike.config", "sim.ike.constants"} <= imports(SIM / "ike" / "exchange.py")
    assert "sim.engine.trace" in imports(SIM / "render" / "labels.py")
    assert "matplotlib" in {n.split(".")[0] for n in imports(SIM / "render" / "chart.py")}
    assert "print" in calls(SIM / "cli.py")

"""The house rules of DEVELOPERS.md, checked on the source: the core is sans-IO and imports nothing else of sim;
renderers read the Trace and never reach into the engine that made it; there are no import circles in sim/; only
sim/platforms/ names a platform (everything else asks the registry); every platform implements the whole
Platform interface."""

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


CHART = SIM / "render" / "chart"


def test_matplotlib_only_in_the_chart_package_and_only_in_its_drawing_module():
    for path in SIM.rglob("*.py"):
        if path != CHART / "draw.py" and path.relative_to(SIM).as_posix() != "sweep/plot.py":
            assert not any(n.startswith("matplotlib") for n in imports(path)), path


def test_only_the_chart_model_reads_the_trace():
    """The Trace is being redesigned: the chart reads it in one small module only."""
    for path in sorted(CHART.glob("*.py")):
        reads = {n for n in imports(path) if n.startswith("sim.engine")}
        assert not reads or path.name == "model.py", (path, reads)


def test_the_import_reader_sees_relative_and_absolute_imports():
    assert {"sim.ike", "sim.ike.config", "sim.ike.constants"} <= imports(SIM / "ike" / "exchange.py")
    assert "sim.engine.trace" in imports(SIM / "render" / "labels.py")
    assert "matplotlib" in {n.split(".")[0] for n in imports(CHART / "draw.py")}
    assert "print" in calls(SIM / "cli.py")


ENGINE = sorted((SIM / "engine").glob("*.py"))


@pytest.mark.parametrize("path", ENGINE, ids=[p.name for p in ENGINE])
def test_the_engine_imports_nothing_above_the_core(path):
    for name in imports(path):
        if name == "sim" or name.startswith("sim."):
            assert name.startswith(("sim.ike", "sim.engine")), \
                f"{path.name} imports {name}: the engine imports only the core (and itself)"


def test_renderers_and_diagnosis_do_not_decrypt_again():
    """The Trace carries the decoded payloads of every datagram: nothing outside the core decrypts or parses
    the datagrams of a run to learn what they said."""
    for path in list((SIM / "render").rglob("*.py")) + list((SIM / "platforms").rglob("*.py")) \
            + list((SIM / "training").rglob("*.py")):
        source = path.read_text()
        assert "crypto.decrypt" not in source and "decrypt(" not in source.replace("def decrypt", ""), path


# -- the platform boundary -------------------------------------------------------------------------------------------

from sim.platforms import base, intents, registry  # noqa: E402

PLATFORM_NAMES = {name.lower() for name in registry.names()} | {registry.get(n).label.lower() for n in registry.names()}
OUTSIDE_PLATFORMS = sorted(p for p in SIM.rglob("*.py") if p.relative_to(SIM).parts[0] != "platforms")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of string constants that are statements of their own: docstrings (module, class, function, attribute)."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def platform_mentions(path: Path, source: str | None = None) -> list[str]:
    """Where ``path`` (or ``source`` given as its text) names a registered platform in code: a string literal that is
    a platform's name or label (``"asa"``, ``"IOS"``), or an import of ``sim.platforms.<name>``. Docstrings,
    comments and prose that merely mention a platform (a fault's explanation, a help text) do not count."""
    tree = ast.parse(path.read_text() if source is None else source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                and node.value.strip().lower() in PLATFORM_NAMES:
            found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [f"{node.module or ''}.{a.name}" for a in node.names]
            for module in modules:
                parts = module.lstrip(".").split(".")
                if "platforms" in parts and parts.index("platforms") + 1 < len(parts) \
                        and parts[parts.index("platforms") + 1] in registry.names():
                    found.append(f"line {node.lineno}: imports {module}")
    return found


@pytest.mark.parametrize("path", OUTSIDE_PLATFORMS, ids=[str(p.relative_to(SIM)) for p in OUTSIDE_PLATFORMS])
def test_only_the_platforms_name_a_platform(path):
    assert not platform_mentions(path), \
        f"{path.relative_to(SIM)} names a platform ({'; '.join(platform_mentions(path))}): ask sim.platforms.registry"


def test_the_platform_mention_finder_sees_literals_and_imports():
    name = registry.names()[0]
    label = registry.get(name).label
    sample = (f'"""Docstrings may say {label}."""\n# so may comments: {name}\n'
              f'from ..platforms.{name}.config import parse\nfrom ..platforms import {name}\n'
              f'x = "{label} severity 5"  # prose mentioning a platform is fine\n'
              f'if device.platform == "{name}":\n    prompt = "{label}"\n')
    found = platform_mentions(SIM / "sample.py", sample)
    assert [m.split(":")[0] for m in found] == ["line 3", "line 4", "line 6", "line 7"], found
    assert not platform_mentions(SIM / "faults.py")  # explanations mention platforms in prose


def _modules() -> dict[str, Path]:
    out = {}
    for path in SIM.rglob("*.py"):
        parts = path.relative_to(SIM.parent).with_suffix("").parts
        out[".".join(parts[:-1]) if parts[-1] == "__init__" else ".".join(parts)] = path
    return out


MODULES = _modules()


def import_edges(path: Path) -> set[str]:
    """The sim modules ``path`` imports, at module level *and* inside functions (a deferred import still closes a
    circle: the two modules cannot be understood, tested or split apart one without the other). Imports under
    ``if TYPE_CHECKING:`` (annotations only) do not count, nor does the registry's ``importlib`` lookup of a
    platform by its module name (a plug-in point, not an import statement). ``from package import module`` is an
    edge to the module."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(SIM.parent).with_suffix("").parts[:-1])
    edges: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for statement in child.orelse:
                    visit(statement)
                continue
            if isinstance(child, ast.Import):
                edges.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                for alias in child.names:
                    edges.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module)
            visit(child)

    visit(tree)
    name = next(m for m, p in MODULES.items() if p == path)
    return {m for m in edges if m in MODULES and m != name}


def import_cycles() -> list[list[str]]:
    """Strongly connected groups (more than one module) of the import graph of sim/ (Tarjan)."""
    graph = {m: import_edges(p) for m, p in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return cycles


def test_no_import_circles_in_sim():
    assert import_cycles() == [], "import circles (module-level or inside functions): " + "; ".join(
        " <-> ".join(c) for c in import_cycles())


def test_the_import_graph_sees_function_level_and_submodule_imports():
    assert "sim.platforms.ios.logs" in import_edges(SIM / "platforms" / "ios" / "show.py")  # inside run()
    assert "sim.platforms.registry" in import_edges(SIM / "faults.py")  # from .platforms import registry
    assert "sim.scenario" not in import_edges(SIM / "faults.py")  # only under TYPE_CHECKING
    assert "sim.faults" in import_edges(SIM / "scenario.py")


PLATFORM_MODULES = ("platform", "config", "edits", "show", "logs", "console", "showparse", "lab")
PARSER_MEMBERS = ("FORMATS", "EXPECTED", "SA_COMMAND", "TABLE_SECTIONS", "read_line", "entry_sa", "nothing_read",
                  "notes")


@pytest.mark.parametrize("name", registry.names())
def test_every_platform_implements_the_whole_interface(name):
    platform = registry.get(name)
    assert platform.name == name
    missing = [m for m in base.MEMBERS if not hasattr(platform, m)]
    assert not missing, f"platform {name!r} lacks {missing} (see sim/platforms/base.py)"
    for member in base.MEMBERS:
        declared = getattr(base.Platform, member, None)
        if callable(declared):
            assert callable(getattr(platform, member)), f"{name}.{member} should be a method"
    folder = SIM / "platforms" / name
    assert [m for m in PLATFORM_MODULES if not (folder / f"{m}.py").is_file()] == []
    assert [m for m in PARSER_MEMBERS if not hasattr(platform.paste_parser, m)] == []
    from sim.training.console import HELP

    words = {w for command in platform.console_grammar for w in command}
    assert words - set(platform.console_word_help) - set(HELP) == set(), "console words without '?' help"
    assert set(platform.paste_parser.FORMATS).isdisjoint(
        *(registry.get(other).paste_parser.FORMATS for other in registry.names() if other != name))


@pytest.mark.parametrize("name", registry.names())
def test_every_platform_applies_every_intent(name):
    """Each intent either changes the platform's healthy lab config or says what it lacks (EditError)."""
    from sim.training import labs

    device = labs.generate_lab(0, name).scenario.responder
    peer = labs.generate_lab(0, name).scenario.initiator.outside
    platform = registry.get(name)
    samples = {intents.SetKey: intents.SetKey(peer, lambda k: k + "x"), intents.RemoveKey: intents.RemoveKey(peer),
               intents.RenamePeer: intents.RenamePeer(peer, "192.0.2.99"),
               intents.SetPolicyValue: intents.SetPolicyValue("group", "5"), intents.DisableIke: intents.DisableIke(),
               intents.EnableNatT: intents.EnableNatT(),
               intents.MoveOutside: intents.MoveOutside(device.outside, "10.0.0.2"),
               intents.DefaultGroupKey: intents.DefaultGroupKey(peer)}
    assert set(samples) == set(intents.INTENTS)
    for intent in samples.values():
        try:
            text = platform.edit(device.config_text, intent)
        except intents.EditError:
            continue
        assert isinstance(text, str)
        if not isinstance(intent, intents.EnableNatT):  # may already be on
            assert text != device.config_text, f"{name}: {intent} changed nothing and said nothing"


def test_registry_lookups():
    assert registry.default() is registry.get(registry.names()[0])
    assert registry.all_platforms() == tuple(registry.get(n) for n in registry.names())
    with pytest.raises(Exception, match="not supported"):
        registry.get("junos")
    assert registry.detect("interface Ethernet0\n shutdown\n") is None


def test_registry_detects_the_platform_of_every_bundled_config():
    from sim.scenario import list_bundled, load_scenario

    for scenario_name, _ in list_bundled():
        for device in load_scenario(scenario_name).devices:
            detected = registry.detect(device.config_text)
            assert detected is not None and detected.name == device.platform, (scenario_name, device.hostname)


def test_a_trace_pickles_for_process_pools_and_dask():
    import pickle

    import sim

    trace = sim.run("missing-tunnel-group").trace
    again = pickle.loads(pickle.dumps(trace))
    assert again.records == trace.records
    assert any(getattr(r, "detail", None) for r in again.records)

"""The notebooks are stored executed, and their stored outputs are what a fresh run prints.

``tools/run_notebooks.py`` re-executes them in place (nbclient, a real ``python3`` kernel); the cells come from
``notebooks/build_notebooks.py``. Executing needs a Jupyter kernel: those tests are ``external``. Text outputs are
compared in full, images by their presence and type.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["training", "documentation"]
REFRESH = "python notebooks/build_notebooks.py && python tools/run_notebooks.py"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = _load(ROOT / "tools" / "run_notebooks.py", "run_notebooks")


def stored(name: str):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def stdout(nb) -> str:
    return "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)


def check_content(name: str, nb) -> None:
    """What each notebook is there to show (the same checks on the stored and on a fresh run)."""
    assert not runner.errors(nb)
    outputs = stdout(nb)
    if name == "training":
        assert "MM_WAIT_MSG6" in outputs and "MM_ACTIVE" in outputs and "MM_WAIT_MSG4" in outputs
    else:
        assert "sequenceDiagram" in outputs and "missing-tunnel-group.pcapng" in outputs
        images = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
                  if o.output_type == "display_data" and "image/png" in o.data]
        assert len(images) == 1


def test_committed_notebooks_match_their_generator():
    """The cells (ids, types, sources) and the kernel are the generator's; outputs come from executing them."""
    built = _load(NOTEBOOKS / "build_notebooks.py", "build_notebooks").build()
    assert sorted(built) == sorted(NAMES)
    for name, nb in built.items():
        on_disk = stored(name)
        assert [(c.id, c.cell_type, c.source) for c in on_disk.cells] == [
            (c.id, c.cell_type, c.source) for c in nb.cells], f"{name}.ipynb: run {REFRESH}"
        assert on_disk.metadata.kernelspec == nb.metadata.kernelspec


@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_is_executed_and_normalized(name):
    """Stored with outputs, counts 1, 2, 3 ..., no timing metadata: normalizing again changes nothing."""
    text = (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), f"run {REFRESH}"
    assert not any("execution" in cell.metadata for cell in code)
    assert sum(bool(cell.outputs) for cell in code) >= len(code) - 1, f"{name}.ipynb is stored without outputs"
    assert nbformat.writes(runner.normalize(nbformat.reads(text, as_version=4))) + "\n" == text
    nbformat.validate(nb)
    check_content(name, nb)


@pytest.mark.external  # starts a Jupyter kernel
@pytest.mark.parametrize("name", NAMES)
def test_stored_outputs_are_what_a_fresh_run_prints(name, tmp_path):
    pytest.importorskip("nbclient")
    fresh = runner.execute(stored(name), cwd=tmp_path)
    check_content(name, fresh)
    if runner.comparable(fresh) != runner.comparable(stored(name)):
        diff = list(difflib.unified_diff(runner.as_text(stored(name)).splitlines(), runner.as_text(fresh).splitlines(),
                                         f"{name}.ipynb (stored)", "a fresh run", lineterm=""))
        pytest.fail(f"{name}.ipynb's stored outputs are stale:\n" + "\n".join(diff[:60])
                    + f"\nrun `python tools/run_notebooks.py {name}` and review the diff", pytrace=False)

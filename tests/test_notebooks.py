"""The notebooks run top to bottom on a fresh install (executed with nbclient in a real kernel)."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"


@pytest.mark.parametrize("name", ["training", "documentation"])
def test_notebook_executes(name, tmp_path):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors
    if name == "training":
        assert "MM_WAIT_MSG6" in outputs and "MM_ACTIVE" in outputs and "MM_WAIT_MSG4" in outputs
    else:
        assert "sequenceDiagram" in outputs and "missing-tunnel-group.pcapng" in outputs


def test_committed_notebooks_match_their_generator():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, nb in module.build().items():
        assert nbformat.writes(nb) + "\n" == (NOTEBOOKS / f"{name}.ipynb").read_text(), "run notebooks/build_notebooks.py"

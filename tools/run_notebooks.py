"""Re-executes the notebooks in ``notebooks/`` in place, so they are stored with their outputs.

    python tools/run_notebooks.py                 # both notebooks
    python tools/run_notebooks.py training        # one of them (a name or a path)

Each notebook runs top to bottom in a fresh ``python3`` kernel (nbclient, from the ``test`` extra), in a temporary
working directory, and is written back normalized so that re-running it changes nothing unless an output changed: no
timing metadata, execution counts 1, 2, 3 ... in cell order, consecutive stream outputs merged, and the notebook
metadata reduced to the kernel and language names (no Python version). A cell that raises stops the run and
nothing is written. ``tests/test_notebooks.py`` executes them the same way and checks the stored outputs are current.

The cells themselves come from ``notebooks/build_notebooks.py``: after changing a cell, run that script, then this one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("training", "documentation")
TIMEOUT = 120  # seconds per cell
#: stderr text that says something about the machine, not about the notebook
NOISE = ("Matplotlib is building the font cache; this may take a moment.\n",)


def execute(nb: nbformat.NotebookNode, cwd: str | Path | None = None) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` (in place) in a fresh kernel, then normalize it; returns ``nb``."""
    import nbclient  # only when executing: reading and comparing notebooks needs nbformat alone

    with tempfile.TemporaryDirectory(prefix="ikesim-notebook-") as scratch:
        client = nbclient.NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", record_timing=False,
                                         extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                         resources={"metadata": {"path": str(cwd or scratch)}})
        client.execute()
    return normalize(nb)


def _merge_streams(outputs: list) -> list:
    merged: list = []
    for output in outputs:
        if output.output_type == "stream":
            text = output.text
            for noise in NOISE:
                text = text.replace(noise, "")
            if not text:
                continue
            if merged and merged[-1].output_type == "stream" and merged[-1].name == output.name:
                merged[-1].text += text
                continue
            output.text = text
        merged.append(output)
    return merged


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run or machine to machine; keep every output. Idempotent; returns ``nb``."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        cell.metadata.pop("execution", None)
        cell.execution_count = count
        cell.outputs = _merge_streams(cell.outputs)
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count
    language = nb.metadata.get("language_info", {}).get("name")
    nb.metadata = nbformat.from_dict({"kernelspec": nb.metadata.get("kernelspec", {}),
                                      **({"language_info": {"name": language}} if language else {})})
    return nb


def comparable(nb: nbformat.NotebookNode) -> list[list[tuple]]:
    """Per code cell, its outputs as they are compared: text in full, any other data (images) by its type only."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shown = []
        for output in cell.outputs:
            if output.output_type == "stream":
                shown.append(("stream", output.name, output.text))
            elif output.output_type == "error":
                shown.append(("error", output.ename, output.evalue))
            else:
                data = tuple(sorted((mime, value if mime.startswith("text/") else f"<{mime} data>")
                                    for mime, value in output.data.items()))
                shown.append((output.output_type, data))
        cells.append(shown)
    return cells


def as_text(nb: nbformat.NotebookNode) -> str:
    """:func:`comparable` as lines of text, one block per code cell (for a readable diff)."""
    lines = []
    for number, outputs in enumerate(comparable(nb), 1):
        lines.append(f"[cell {number}]")
        for output in outputs:
            if output[0] == "stream":
                lines.append(f"<{output[1]}>")
                lines.extend(output[2].splitlines())
            elif output[0] == "error":
                lines.append(f"<error> {output[1]}: {output[2]}")
            else:
                for mime, value in output[1]:
                    lines.append(f"<{output[0]} {mime}>")
                    lines.extend(value.splitlines())
    return "\n".join(lines) + "\n"


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """``ename: evalue`` of every error output."""
    return [f"{o.ename}: {o.evalue}" for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
            if o.output_type == "error"]


def path_of(name: str) -> Path:
    path = Path(name)
    if path.suffix != ".ipynb":
        path = NOTEBOOKS / f"{name}.ipynb"
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-execute ikesim's notebooks in place, outputs kept.")
    parser.add_argument("notebooks", nargs="*", default=list(NAMES),
                        help=f"names ({', '.join(NAMES)}) or .ipynb paths (default: both)")
    args = parser.parse_args(argv)
    for name in args.notebooks:
        path = path_of(name)
        if not path.is_file():
            print(f"run_notebooks: no notebook {path}", file=sys.stderr)
            return 2
        from nbclient.exceptions import CellExecutionError

        try:
            nb = execute(nbformat.read(path, as_version=4))
        except CellExecutionError as error:
            print(f"run_notebooks: {path.name}: a cell raised (not written):\n{error}", file=sys.stderr)
            return 1
        if errors(nb):
            print(f"run_notebooks: {path.name} raised: {'; '.join(errors(nb))} (not written)", file=sys.stderr)
            return 1
        nbformat.write(nb, path)
        print(f"executed {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

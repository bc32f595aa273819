"""Shared test helpers: the one golden-file check and its regeneration switch.

Golden files live under ``tests/golden/``. A test compares what the code renders now with its golden file::

    def test_show_logging_golden(golden):            # the fixture ...
        golden(GOLDEN / "healthy-ASA-LAB1.log", text)

    from conftest import check_golden                # ... or the plain function, where a fixture does not fit
    check_golden(GOLDEN / "healthy-ASA-LAB1.log", text)

``IKESIM_REGEN_GOLDEN=1 python -m pytest tests/test_x.py`` rewrites the golden files of the tests it runs instead of
comparing (and lists them at the end of the run); read ``git diff tests/golden`` before committing them. Without the
switch a missing golden file fails the test; nothing under ``tests/`` is ever written.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REGEN_VARIABLE = "IKESIM_REGEN_GOLDEN"
#: how many lines of the unified diff a failure shows
DIFF_LINES = 60

_regenerated: list[Path] = []


def regenerating() -> bool:
    """True when golden files are being rewritten (``IKESIM_REGEN_GOLDEN=1``)."""
    return os.environ.get(REGEN_VARIABLE, "").strip() == "1"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _regenerate_command() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "")  # "tests/test_x.py::test_y[a] (call)"
    test_file = current.split("::", 1)[0] if "::" in current else "tests"
    return f"{REGEN_VARIABLE}=1 python -m pytest {test_file}"


def _diff(expected: str, actual: str, shown: str) -> str:
    lines = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), fromfile=f"{shown} (golden)",
                                      tofile="rendered now", lineterm=""))
    if not lines:  # the same lines: only line endings or the final newline differ
        return (f"only the line endings differ: golden ends {expected[-2:]!r}, rendered ends {actual[-2:]!r} "
                f"(golden has {expected.count(chr(13))} CR, rendered {actual.count(chr(13))})")
    if len(lines) > DIFF_LINES:
        lines = lines[:DIFF_LINES] + [f"... ({len(lines) - DIFF_LINES} more diff lines)"]
    return "\n".join(lines)


def check_golden(path: Path | str, text: str) -> None:
    """Assert that ``text`` equals the golden file at ``path`` (UTF-8), or rewrite the file under the switch.

    A failure shows the first lines of a unified diff (golden -> rendered now) and the command that regenerates."""
    path = Path(path)
    shown = _shown(path)
    if not isinstance(text, str):
        raise TypeError(f"check_golden compares text, got {type(text).__name__} for {shown}")
    if regenerating():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            _regenerated.append(path)
        return
    how = f"if the change is intended, regenerate with `{_regenerate_command()}` and review `git diff tests/golden`"
    if not path.exists():
        pytest.fail(f"golden file {shown} is missing; create it with `{_regenerate_command()}` and review it",
                    pytrace=False)
    with open(path, encoding="utf-8", newline="") as handle:
        expected = handle.read()
    if text != expected:
        pytest.fail(f"{shown} differs from what is rendered now:\n{_diff(expected, text, shown)}\n{how}",
                    pytrace=False)


@pytest.fixture
def golden():
    """``golden(path, text)``: :func:`check_golden` as a fixture."""
    return check_golden


def pytest_terminal_summary(terminalreporter):
    if _regenerated:
        terminalreporter.write_sep("-", f"{REGEN_VARIABLE}=1: {len(_regenerated)} golden file(s) rewritten")
        for path in _regenerated:
            terminalreporter.write_line(_shown(path))

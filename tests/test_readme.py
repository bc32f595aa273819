"""The README stays true: its example output is what the command prints, and it names every scenario and fault."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim import faults
from sim.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text()


def console_blocks():
    """(command, expected output) for each ```console block whose command has its output right below it."""
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        lines = block.splitlines(keepends=True)
        if len(lines) > 1 and lines[0].startswith("$ ikesim run ") and not lines[1].startswith("$ "):
            yield lines[0][2:].strip(), "".join(lines[1:])


def test_readme_examples_print_what_the_readme_says(capsys, tmp_path, monkeypatch):
    checked = 0
    for command, expected in console_blocks():
        args = command.split()[1:]
        if args[1] == "broken.yaml":
            text = (sim.scenario.bundled_dir() / "healthy.yaml").read_text()
            (tmp_path / "broken.yaml").write_text(text.replace(" encryption aes-256", " encryption aes-512", 1))
            monkeypatch.chdir(tmp_path)
            assert main(args) == 2
            assert capsys.readouterr().err == expected
        else:
            assert main(args) == 0
            assert capsys.readouterr().out == expected
        checked += 1
    assert checked >= 2


def test_readme_names_every_bundled_scenario_and_fault():
    for name in faults.names():
        assert f"`{name}`" in README, name
    for name, _ in sim.list_bundled():
        assert name in README, name


def test_readme_starts_with_the_two_setup_commands_ci_uses():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text().strip().splitlines()[-1]
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block[0].endswith("ikesim run psk-mismatch")
    assert first_block[1] == ci


def test_readme_mermaid_ladder_is_what_the_cli_writes(tmp_path):
    out = tmp_path / "l.md"
    assert main(["run", "missing-tunnel-group", "--no-show", "--mermaid", str(out)]) == 0
    written = out.read_text()
    block = written[written.index("```mermaid"):]
    block = block[: block.index("```", 10) + 3]
    assert block in README


@pytest.mark.parametrize("name", ["psk-mismatch", "stuck-sa-comes-back"])
def test_readme_chart_images_are_current(name):
    """The README shows these charts: the committed PNGs are what `ikesim run NAME --chart NAME.png` writes now."""
    from sim.render.chart import chart_bytes

    image = Path(__file__).parent.parent / "docs" / "images" / f"{name}.png"
    assert f"docs/images/{name}.png" in README
    r = sim.run(name)
    assert image.read_bytes() == chart_bytes(r.trace, r.scenario, "png"), f"regenerate {image}"


def test_readme_console_and_diagnose_examples_are_real(tmp_path, monkeypatch):
    import io
    import subprocess
    import sys

    block = README.split("| ikesim console psk-mismatch --on ASA-LAB2\n", 1)[1].split("```", 1)[0]
    script = "show isakmp sa | include State\nshow running-config tunnel-group\nshow logging | include 713902\n" \
             "switch\nshow isakmp sa | include State\nexit\n"
    result = subprocess.run([sys.executable, "-m", "sim", "console", "psk-mismatch", "--on", "ASA-LAB2"],
                            input=script, capture_output=True, text=True)
    assert result.stdout == block
    paste = README.split("$ cat paste.txt\n", 1)[1].split("$ ikesim diagnose", 1)[0]
    expected = README.split("$ ikesim diagnose paste.txt\n", 1)[1].split("   ...\n", 1)[0]
    (tmp_path / "paste.txt").write_text(paste)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["diagnose", "paste.txt"]) == 0
    assert out.getvalue().startswith(expected)


def test_readme_scenario_table_lists_every_bundled_scenario_with_its_title():
    for name, title in sim.list_bundled():
        assert f"| `{name}` | {title} |" in README, name


def test_readme_check_example_is_a_real_run(capsys, monkeypatch):
    """The 'Before the change window' example: the command's output, byte for byte, and its exit status 1."""
    blocks = [b for b in re.findall(r"```console\n(.*?)```", README, re.S) if b.startswith("$ ikesim check ")]
    assert blocks
    monkeypatch.chdir(Path(__file__).parent.parent)
    for block in blocks:
        command, expected = block.split("\n", 1)
        assert main(command[2:].split()[1:]) == 1
        assert capsys.readouterr().out == expected


def test_readme_extending_guide_names_real_files_and_intents():
    from sim.platforms import base, intents, registry

    guide = README[README.index("## Extending ikesim"):README.index("## Choices where the facts are uncertain")]
    root = Path(__file__).parent.parent
    for path in set(re.findall(r"`((?:sim|tests|scenarios)/[\w/.<>-]+)`", guide)):
        if "<name>" in path:
            for name in registry.names():
                assert (root / path.replace("<name>", name)).exists(), path
        else:
            assert (root / path).exists(), path
    for intent in intents.INTENTS:
        assert f"`{intent.__name__}(" in guide, intent.__name__
    modules = re.findall(r"^\| `(\w+)\.py`(?:, `(\w+)\.py`)? \|", guide, re.M)
    listed = {m for pair in modules for m in pair if m}
    for name in registry.names():
        present = {p.stem for p in (root / "sim" / "platforms" / name).glob("*.py")} - {"__init__", "states"}
        assert present <= listed, present - listed
    assert "Platform" in guide and all(hasattr(base.Platform, m) for m in ("state_name", "show", "edit"))


def sweep_block() -> tuple[list[str], str]:
    """The README's small sweep example: its command (without `ikesim`) and the summary it prints."""
    block = README.split("```console\n$ ikesim sweep ", 1)[1].split("```", 1)[0]
    command, output = block.split("\n", 1)
    return command.split(), output


def test_readme_sweep_summary_is_what_the_command_prints(capsys):
    args, expected = sweep_block()
    assert main(["sweep"] + args + ["--jobs", "2"]) == 0
    assert capsys.readouterr().out == expected


def test_readme_sweep_figure_command_runs_and_writes_table_and_plot(tmp_path, monkeypatch, capsys):
    """The figure's command, exactly as in the README, but with 3 runs per cell instead of 100 (and files in tmp)."""
    line = next(line for line in README.splitlines() if line.startswith("ikesim sweep ") and "--plot" in line)
    args = line.split()[1:]
    assert args[args.index("--runs") + 1] == "100"
    args[args.index("--runs") + 1] = "3"
    (tmp_path / "docs" / "images").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert main(args) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 22  # a header and 22 cells
    assert (tmp_path / "sweep-loss.csv").read_text().count("\n") == 1 + 22 * 3
    assert (tmp_path / "docs" / "images" / "sweep-loss.png").read_bytes().startswith(b"\x89PNG")
    assert (Path(__file__).parent.parent / "docs" / "images" / "sweep-loss.png").exists()


def test_readme_python_api_example_runs(capsys):
    """The Python API block runs as written (README examples are run by the tests)."""
    block = README.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md (Python API)", "exec"), {})
    out = capsys.readouterr().out
    assert "MM_WAIT_MSG6" in out and "discarded no-peer-key" in out and "DatagramProcessed(" in out

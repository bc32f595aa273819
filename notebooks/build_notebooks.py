"""Writes notebooks/training.ipynb and notebooks/documentation.ipynb (unexecuted) from the cells below.

The notebooks are generated so that their code stays reviewable as plain Python, and stored executed: after a change
here run ``python notebooks/build_notebooks.py && python tools/run_notebooks.py`` (the second fills in the outputs).
tests/test_notebooks.py checks the stored cells are these and the stored outputs are what a fresh run prints.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

TRAINING = [
    new_markdown_cell("# ikesim for trainees\n\nRun a broken VPN, read what each box shows, change one config line, "
                      "run it again, and finish with a small quiz. Everything here uses the same public API as the "
                      "`ikesim` command (`import sim`)."),
    new_code_cell("import sim\n\nfor name, title in sim.list_bundled()[:8]:\n    print(f\"{name:28} {title}\")"),
    new_markdown_cell("## Run a scenario and look at both sides\n\n`sim.run` runs the two peers through Main Mode "
                      "in simulated time. `show` prints what the device prints, at the scenario's look time "
                      "(5 s after the first datagram) unless you say `at=`."),
    new_code_cell("result = sim.run(\"psk-mismatch\")\nprint(result.transcript())"),
    new_markdown_cell("The initiator waits for MM6, the responder for MM5. Look at the responder's log: the reason is "
                      "there."),
    new_code_cell("print(result.show(\"ASA-LAB2\", \"show logging | include 713902\"))"),
    new_markdown_cell("## Change one config line and run again\n\nThe scenario holds the devices' real configuration "
                      "text. Put the right key on the responder and run the same scenario again."),
    new_code_cell("scenario = result.scenario\n"
                  "print([line for line in scenario.responder.config_text.splitlines() if 'pre-shared-key' in line])\n"
                  "fixed_text = scenario.responder.config_text.replace('Vpn-Lab-Key2', 'Vpn-Lab-Key1')\n"
                  "fixed = sim.replace_config(scenario, 'responder', fixed_text)\n"
                  "print(sim.run(fixed).transcript())"),
    new_markdown_cell("## Break a healthy lab yourself\n\nFaults from the catalogue edit the config text (or the "
                      "path). Predict the states before you run it."),
    new_code_cell("broken = sim.faults.apply(sim.load_scenario(\"healthy\"), [\"missing-tunnel-group\"])\n"
                  "run = sim.run(broken)\n"
                  "print(run.show(\"ASA-LAB1\"))\n"
                  "print(run.show(\"ASA-LAB1\", at=40))  # the SA was removed after 32 s"),
    new_markdown_cell("## A small quiz\n\nThe quiz engine behind `ikesim quiz`. Here the answers are given in the "
                      "cell (change them, or use `ikesim quiz` in a terminal to answer interactively)."),
    new_code_cell("from sim.training.quiz import Quiz, answers_ask, run_quiz\n\n"
                  "quiz = Quiz(rounds=2, seed=11, level=1, platform=\"asa\")\n"
                  "score = run_quiz(quiz, answers_ask([\"2\", \"1\"]), print)\n"
                  "score"),
]

DOCUMENTATION = [
    new_markdown_cell("# ikesim for documentation writers\n\nA sequence chart, a Mermaid ladder, a text ladder and "
                      "a packet capture with key tables, all rendered from one run, byte-identical every time."),
    new_code_cell("import tempfile\nfrom pathlib import Path\n\nimport sim\nfrom sim.render.chart import chart_bytes\n"
                  "from sim.render.ladder import ascii_ladder, mermaid\nfrom sim.render.pcap import write_pcap\n"
                  "from sim.render.keys import write_key_tables\n\n"
                  "result = sim.run(\"missing-tunnel-group\")\nout = Path(tempfile.mkdtemp(prefix=\"ikesim-docs-\"))"),
    new_markdown_cell("## The sequence chart\n\nPNG for slides, SVG or PDF for print (`size=\"a4\"` for a page)."),
    new_code_cell("from IPython.display import Image, display\n\n"
                  "png = chart_bytes(result.trace, result.scenario, \"png\")\n"
                  "(out / \"missing-tunnel-group.svg\").write_bytes(chart_bytes(result.trace, result.scenario, \"svg\"))\n"
                  "display(Image(png, width=900))"),
    new_markdown_cell("## Ladders for runbooks\n\nMermaid renders on GitHub; the ASCII ladder fits a terminal."),
    new_code_cell("print(mermaid(result.trace, result.scenario))"),
    new_code_cell("print(ascii_ladder(result.trace, result.scenario))"),
    new_markdown_cell("## A capture and its key tables\n\nOpen the pcapng in Wireshark; load a device's key table "
                      "(Protocols → ISAKMP → IKEv1 Decryption Table) to decrypt MM5 and MM6 as that device could."),
    new_code_cell("capture = write_pcap(result.trace, result.scenario, out / \"missing-tunnel-group.pcapng\", "
                  "vantage=\"initiator\")\n"
                  "tables = write_key_tables(result.trace, result.scenario, out / \"keys\")\n"
                  "print(capture.name, capture.stat().st_size, \"bytes\")\n"
                  "for table in tables:\n    print(table.name, repr(table.read_text()))"),
]


def build() -> dict[str, nbformat.NotebookNode]:
    notebooks = {}
    for name, cells in (("training", TRAINING), ("documentation", DOCUMENTATION)):
        for index, cell in enumerate(cells):
            cell.id = f"{name}-{index:02d}"  # stable ids: regenerating gives the same files
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                "language": "python"}})
        notebooks[name] = nb
    return notebooks


if __name__ == "__main__":
    for name, nb in build().items():
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print(f"wrote {name}.ipynb (without outputs: now run python tools/run_notebooks.py)")

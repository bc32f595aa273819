"""Cold-start cost of `ikesim diagnose` (and `ikesim cheatsheet`) against the floor of a bare
`import scapy.layers.isakmp` (issue 11, item 5: target ratio <= 1.5).

Run: python benchmarks/cold_diagnose.py [--runs N]
Each paste of tests/corpus/pastes/ chosen below is diagnosed in a fresh interpreter; the median wall times and the
ratio to the floor are printed. The signatures are the shipped ones (sim/training/diagnosis/signatures.json), so no
simulation runs; byte-compiled as in benchmarks/cold_start.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from cold_start import FLOOR, byte_compile_package, median_seconds  # noqa: E402

PASTES = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "pastes"
CASES = ["002-tunnelsup-asa-mm-wait-msg4-invalid-cookie.txt", "013-thinknetsec-asa-responder-mm-wait-msg5.txt",
         "003-tunnelsup-ios-paranoid-keepalives-pfs.txt"]


def ikesim() -> list[str]:
    exe = shutil.which("ikesim", path=os.path.dirname(sys.executable)) or shutil.which("ikesim")
    return [exe] if exe else [sys.executable, "-m", "sim"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    byte_compile_package()
    commands = {name: ikesim() + ["diagnose", str(PASTES / name)] for name in CASES}
    commands["cheatsheet"] = ikesim() + ["cheatsheet"]
    for argv in commands.values():
        median_seconds(argv, 1)  # warm the bytecode caches once
    floor = statistics.median(median_seconds(FLOOR, 1) for _ in range(args.runs))
    print(f"floor  python -c 'import scapy.layers.isakmp': {floor * 1000:.0f} ms (median of {args.runs})")
    for name, argv in commands.items():
        took = statistics.median(median_seconds(argv, 1) for _ in range(args.runs))
        print(f"{name}: {took * 1000:.0f} ms, ratio {took / floor:.2f} (target <= 1.50)")


if __name__ == "__main__":
    main()

"""Cold-start cost of `ikesim run` against the floor of a bare `import scapy.layers.isakmp`.

Run: python benchmarks/cold_start.py [--runs N] [--scenario NAME]
Prints the median wall time of each (fresh interpreter each time) and the ratio. Target: ratio <= 1.3.

Both sides are measured with their bytecode compiled, as after a regular `pip install` (pip byte-compiles what it
installs, scapy included). An editable install compiles nothing, and where PYTHONDONTWRITEBYTECODE is set (as on
this project's machines) Python would recompile the package from source on every run, adding ~20 ms that a user's
install does not pay; so the package is byte-compiled first.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

FLOOR = [sys.executable, "-c", "import scapy.layers.isakmp"]


def command(scenario: str) -> list[str]:
    exe = shutil.which("ikesim", path=os.path.dirname(sys.executable)) or shutil.which("ikesim")
    return [exe, "run", scenario] if exe else [sys.executable, "-m", "sim", "run", scenario]


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def byte_compile_package() -> None:
    import sim

    compileall.compile_dir(os.path.dirname(sim.__file__), quiet=1)


def measure(runs: int = 21, scenario: str = "healthy") -> dict:
    byte_compile_package()
    argv = command(scenario)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)  # warm the bytecode caches once
    floor, cold = [], []
    for _ in range(runs):  # interleave, so drift in machine load hits both alike
        floor.append(median_seconds(FLOOR, 1))
        cold.append(median_seconds(argv, 1))
    f, c = statistics.median(floor), statistics.median(cold)
    return {"floor_s": f, "ikesim_run_s": c, "ratio": c / f, "command": " ".join(argv[-3:]), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--scenario", default="healthy")
    args = parser.parse_args()
    result = measure(args.runs, args.scenario)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"floor  python -c 'import scapy.layers.isakmp': {result['floor_s'] * 1000:.0f} ms (median of {args.runs})")
    print(f"ikesim {result['command']}: {result['ikesim_run_s'] * 1000:.0f} ms (median of {args.runs})")
    print(f"ratio: {result['ratio']:.2f} (target <= 1.30)")


if __name__ == "__main__":
    main()

"""Speed and memory of `ikesim sweep` (issue 14): 10,000 runs of the healthy lab, loss uniform in 0..0.3 and one-way
delay uniform in 0.005..0.5 s (random samples, one run each), on all cores.

Run: python benchmarks/sweep_bench.py [--runs N] [--jobs N] [--profile N]
Prints the wall time, the CPU seconds of all workers (and so what the sweep costs on idle cores), the load average
(other work on the machine slows the wall time, not the CPU time), and each worker's resident memory (VmRSS) when first
seen, half way and at the end: flat means no leak. Target: 10,000 runs in under 60 s on 2 cores.
``--profile N`` runs N runs in this process under cProfile and prints where the time goes, by package.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def sweep_command(runs: int, jobs: int | None, out: str) -> list[str]:
    command = [sys.executable, "-m", "sim", "sweep", "healthy", "--vary", "loss=0,0.3", "--vary", "delay=0.005,0.5",
               "--samples", str(runs), "--runs", "1", "--seed", "1", "--out", out]
    return command + (["--jobs", str(jobs)] if jobs else [])


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def measure(runs: int, jobs: int | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.csv")
        load_before = os.getloadavg()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(sweep_command(runs, jobs, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: dict[int, list[tuple[float, int]]] = {}
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                for child in children(proc.pid):
                    kib = rss_kib(child)
                    if kib:
                        samples.setdefault(child, []).append((time.perf_counter() - start, kib))
                stop.wait(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_after = os.getloadavg()
        if proc.returncode:
            sys.exit(f"sweep failed ({proc.returncode}): {err.decode()}")
        rows = sum(1 for _ in open(out)) - 1
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cores = jobs or len(os.sched_getaffinity(0))
    print(f"runs: {rows:,} on {cores} workers ({os.cpu_count()} cores)")
    print(f"wall: {wall:.1f} s ({wall / rows * 1e3:.2f} ms per run); target: < 60 s for 10,000 runs on 2 cores")
    print(f"CPU: {cpu:.1f} s in all processes ({cpu / rows * 1e3:.2f} ms per run); on {cores} idle cores that is "
          f"{cpu / cores:.1f} s")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    for index, (pid, series) in enumerate(sorted(samples.items(), key=lambda item: item[1][0][0])):
        if len(series) < 3:
            continue  # the forkserver or a short-lived helper, not a worker
        mid = series[len(series) // 2]
        print(f"worker {index + 1} (pid {pid}) RSS: first seen {series[0][1] / 1024:.1f} MiB at {series[0][0]:.1f} s, "
              f"half way {mid[1] / 1024:.1f} MiB, last {series[-1][1] / 1024:.1f} MiB at {series[-1][0]:.1f} s, "
              f"peak {max(kib for _, kib in series) / 1024:.1f} MiB")


def profile(runs: int) -> None:
    import cProfile
    import pstats

    from sim.sweep.runner import make_tasks, run_task
    from sim.sweep.study import plan

    scenario, variables, cells = plan("healthy", ["loss=0,0.3", "delay=0.005,0.5"], runs=1, seed=1, samples=runs)
    tasks = make_tasks(scenario, tuple(v.name for v in variables), cells, 1, 1, 300.0, 1)
    profiler = cProfile.Profile()
    profiler.enable()
    for task in tasks:
        run_task(task)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    groups: dict[str, float] = {}
    total = 0.0
    for (filename, _, function), (_, _, tottime, _, _) in stats.items():
        total += tottime
        name = _group(filename, function)
        groups[name] = groups.get(name, 0.0) + tottime
    print(f"profile of {runs} runs in one process: {total:.2f} s of own time (cProfile inflates it)")
    for name, seconds in sorted(groups.items(), key=lambda item: -item[1]):
        if seconds / total >= 0.005:
            print(f"  {seconds / total:6.1%}  {name}")


def _group(filename: str, function: str) -> str:
    if filename == "~":  # a C function: its name says whose
        for marker, name in (("gmpy2", "gmpy2 (Diffie-Hellman powmod)"), ("_hashlib", "hashlib / hmac"),
                             ("_hmac", "hashlib / hmac"), ("openssl", "hashlib / hmac"), ("rust", "cryptography")):
            if marker in function.lower():
                return name
        return "other built-ins (isinstance, getattr, dict and list methods)"
    path = filename.replace("\\", "/")
    for marker, name in (("/scapy/", "scapy (building and dissecting ISAKMP)"), ("/simpy/", "simpy"),
                         ("/cryptography/", "cryptography"), ("/sim/ike/", "sim.ike (the core)"),
                         ("/sim/engine/", "sim.engine"), ("/sim/platforms/", "sim.platforms"),
                         ("/sim/sweep/", "sim.sweep"), ("/sim/", "sim (other)")):
        if marker in path:
            return name
    return "the standard library (copy, hmac, struct, ...)" if "/lib/python" in path or path.startswith("<") else path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    parser.add_argument("--profile", type=int, metavar="N", help="also profile N runs in this process")
    args = parser.parse_args()
    measure(args.runs, args.jobs)
    if args.profile:
        profile(args.profile)


if __name__ == "__main__":
    main()

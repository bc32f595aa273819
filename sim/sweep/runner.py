"""Running the cells x runs of a sweep: in this process, on a process pool (default: all cores) or on an existing
Dask cluster (``distributed.Client``). Results do not depend on where a run ran: each run's seed comes from
(sweep seed, cell index, run index) alone (:func:`run_seed`), and rows come back sorted by (cell, run).

Runs travel in chunks (:class:`Task`) to keep the per-task overhead small. Inside a task the cyclic garbage
collector is off (the simulator makes reference cycles but little garbage worth scanning for) and one young-generation
collection runs at the end of the task; pool workers also freeze everything imported before their first task, so
memory per worker stays flat over a long sweep (``benchmarks/sweep_bench.py`` measures it).

Ctrl-C: pending tasks are cancelled, running ones are waited for, and :func:`execute` returns what finished with
``interrupted`` set (pool workers ignore SIGINT so that a task never dies half way).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
from typing import Callable, NamedTuple

from ..errors import InputError
from ..scenario import Scenario
from .apply import apply_cell
from .reduce import reduce_trace

#: most runs in one task: large enough to hide the per-task cost (well under 1 %), small enough for a smooth progress
#: bar and a quick Ctrl-C (the pool finishes the tasks it already handed out: about two per worker)
MAX_CHUNK = 16


class Task(NamedTuple):
    """Runs to do in one go: ``items`` are (cell index, cell values, run index, seed)."""

    scenario: Scenario
    names: tuple[str, ...]
    until: float
    items: tuple[tuple[int, tuple, int, int], ...]


class Outcome(NamedTuple):
    rows: list[tuple]  # (cell, run, seed, *reduce.FIELDS), sorted by (cell, run)
    total: int  # runs asked for
    interrupted: bool


def run_seed(seed: int, cell: int, run: int) -> int:
    """The seed of run ``run`` of cell ``cell`` in a sweep seeded ``seed``: 63 bits of SHA-256, whatever the worker."""
    digest = hashlib.sha256(f"ikesim/sweep/{seed}/{cell}/{run}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def run_task(task: Task) -> list[tuple]:
    """Run one task's runs and reduce each (module-level, so pool workers and Dask workers can import it)."""
    from ..api import run

    enabled = gc.isenabled()
    gc.disable()
    rows = []
    scenarios: dict[int, Scenario] = {}
    try:
        for cell, values, index, seed in task.items:
            scenario = scenarios.get(cell)
            if scenario is None:
                scenario = scenarios[cell] = apply_cell(task.scenario, task.names, values)
            rows.append((cell, index, seed) + reduce_trace(run(scenario, seed=seed, until=task.until).trace))
    finally:
        gc.collect(1)
        if enabled:
            gc.enable()
    return rows


def make_tasks(scenario: Scenario, names: tuple[str, ...], cells: list[tuple], runs: int, seed: int, until: float,
               workers: int) -> list[Task]:
    """Every (cell, run) in order, cut into chunks of at most :data:`MAX_CHUNK` runs, at least ~8 per worker."""
    items = [(c, values, r, run_seed(seed, c, r)) for c, values in enumerate(cells) for r in range(runs)]
    size = max(1, min(MAX_CHUNK, len(items) // (max(1, workers) * 8)))
    return [Task(scenario, names, until, tuple(items[i:i + size])) for i in range(0, len(items), size)]


def execute(tasks: list[Task], *, jobs: int | None = None, scheduler=None,
            progress: Callable[[int], None] | None = None) -> Outcome:
    """Run ``tasks``: on ``scheduler`` (a Dask ``distributed.Client`` or a scheduler address such as
    ``tcp://host:8786``) if given, else on ``jobs`` processes (default: all cores; 1 runs them in this process).
    ``progress(runs_done)`` is called as tasks finish."""
    total = sum(len(task.items) for task in tasks)
    done: list[tuple] = []

    def finished(rows: list[tuple]) -> None:
        done.extend(rows)
        if progress:
            progress(len(done))

    try:
        if scheduler is not None:
            _on_dask(tasks, scheduler, finished)
        elif (jobs or default_jobs()) == 1:
            for task in tasks:
                finished(run_task(task))
        else:
            _on_pool(tasks, jobs or default_jobs(), finished)
        interrupted = False
    except KeyboardInterrupt:
        interrupted = True
    done.sort(key=lambda row: (row[0], row[1]))
    return Outcome(done, total, interrupted)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _worker_start() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and lets running tasks finish
    from .. import api  # noqa: F401  (import the simulator before freezing)
    from ..engine import simulator  # noqa: F401

    gc.collect()
    gc.freeze()


def _pool_context():
    """fork where it is safe (one thread: fast, nothing imported twice), else forkserver (or the platform default)."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context()  # pragma: no cover - Windows


@contextlib.contextmanager
def _sigint_ignored():
    """SIGINT ignored in this process meanwhile (only the main thread may change it; elsewhere nothing changes)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _on_pool(tasks: list[Task], jobs: int, finished: Callable) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from .. import api  # noqa: F401  (forked workers start with the simulator imported)
    from ..engine import simulator  # noqa: F401

    with _sigint_ignored():  # workers are forked on the first submits: they must not see a Ctrl-C before they start
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context(), initializer=_worker_start)
        pending = {pool.submit(run_task, task) for task in tasks}
    try:
        while pending:
            ready, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                finished(future.result())
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        for future in pending:  # the tasks that were running when Ctrl-C came: keep what they finished
            if future.done() and not future.cancelled() and future.exception() is None:
                finished(future.result())
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _on_dask(tasks: list[Task], scheduler, finished: Callable) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("--scheduler needs Dask's distributed scheduler: pip install 'ikesim[sweep]'",
                         field="--scheduler") from None
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout=10)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}", field="--scheduler") from None
    else:
        client = scheduler
    futures = client.map(run_task, tasks, pure=False)
    try:
        for future in as_completed(futures):
            finished(future.result())
    except KeyboardInterrupt:
        client.cancel(futures)
        raise
    finally:
        if own:
            client.close()

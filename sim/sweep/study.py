"""A whole sweep: parse the variables, lay out the cells, run them, and keep the table (for the CLI and notebooks).

    >>> from sim.sweep import sweep
    >>> result = sweep("healthy", ["loss=0:0.3:0.1", "timers=asa,ios"], runs=20, seed=1)
    >>> result.records[0]["up"], result.summary(within=30)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api import load_scenario
from ..errors import InputError
from ..scenario import Scenario
from . import grid
from .runner import default_jobs, execute, make_tasks
from .table import columns, table_bytes, table_rows

#: simulated seconds each run lasts at most (a run also ends when nothing is pending any more)
DEFAULT_UNTIL = 300.0
MAX_RUNS = 1_000_000


@dataclass
class SweepResult:
    scenario: Scenario
    names: tuple[str, ...]
    cells: list[tuple]
    runs: int
    seed: int
    sampled: bool
    rows: list[tuple]  # table rows, sorted by (cell, run): see sim.sweep.table.columns
    total: int
    interrupted: bool

    @property
    def records(self) -> list[dict]:
        cols = columns(self.names)
        return [dict(zip(cols, row)) for row in self.rows]

    def table(self, fmt: str = ".csv") -> bytes:
        return table_bytes(self.names, self.rows, fmt)

    def layout(self, within: float):
        from .summary import layout

        return layout(self.names, self.records, within, self.sampled)

    def summary(self, within: float = 30.0) -> str:
        from .summary import summary_text

        return summary_text(self.names, self.layout(within), within)

    def footer(self) -> str:
        what = f"{len(self.cells)} random samples" if self.sampled else f"{len(self.cells)} cells"
        partial = f", interrupted: {len(self.rows):,} of {self.total:,} runs" if self.interrupted else ""
        return (f"ikesim sweep {self.scenario.name}: {what} x {self.runs} runs, seed {self.seed}{partial}; "
                f"bars: 95% Wilson intervals")

    def plot(self, fmt: str = "png", within: float = 30.0) -> bytes:
        from .plot import plot_bytes

        return plot_bytes(self.layout(within), within, self.footer(), fmt)


def plan(scenario: str | Scenario, vary: list[str], *, runs: int, seed: int, samples: int | None = None):
    """(scenario, variables, cells), checked: everything that can be wrong is found before anything runs."""
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        raise InputError(f"must be a whole number from 1 to {MAX_RUNS}, not {runs!r}", field="--runs")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    variables = [grid.parse_vary(text) for text in vary]
    cells = grid.samples(variables, samples, seed) if samples is not None else grid.grid(variables)
    if len(cells) * runs > 10 * MAX_RUNS:
        raise InputError(f"{len(cells)} cells x {runs} runs is too many runs", field="--runs")
    return scenario, variables, cells


def sweep(scenario: str | Scenario, vary: list[str], *, runs: int = 100, seed: int = 1, samples: int | None = None,
          until: float = DEFAULT_UNTIL, jobs: int | None = None, scheduler=None, progress=None) -> SweepResult:
    """Run ``runs`` seeds of every cell (``vary``: ``NAME=SPEC`` strings, see :mod:`sim.sweep.grid`) of
    ``scenario`` and return the table. ``jobs``: worker processes (default all cores; 1: this process);
    ``scheduler``: a Dask ``distributed.Client`` or scheduler address instead. ``progress(runs_done)`` is called as
    work finishes. Ctrl-C returns what finished, with ``interrupted`` set."""
    scenario, variables, cells = plan(scenario, vary, runs=runs, seed=seed, samples=samples)
    names = tuple(v.name for v in variables)
    workers = jobs or default_jobs()
    if scheduler is not None:
        workers = _dask_workers(scheduler, workers)
    tasks = make_tasks(scenario, names, cells, runs, seed, until, workers)
    outcome = execute(tasks, jobs=jobs, scheduler=scheduler, progress=progress)
    return SweepResult(scenario, names, cells, runs, seed, samples is not None, table_rows(names, cells, outcome.rows),
                       outcome.total, outcome.interrupted)


def _dask_workers(scheduler, fallback: int) -> int:
    nthreads = getattr(scheduler, "nthreads", None)
    if callable(nthreads):
        try:
            return max(1, sum(nthreads().values()))
        except Exception:  # pragma: no cover - the scheduler answers later, when the tasks are sent
            return fallback
    return fallback

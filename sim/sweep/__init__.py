"""``ikesim sweep``: what-if studies over path loss, delay and retransmission timers (issue 14).

Modules, one job each: :mod:`~sim.sweep.grid` (``--vary`` specs, grid and random cells), :mod:`~sim.sweep.apply`
(a cell applied to a scenario), :mod:`~sim.sweep.reduce` (one run's Trace to a small record: the only module here
that reads a Trace), :mod:`~sim.sweep.runner` (cells x seeds on this process, a process pool or a Dask cluster),
:mod:`~sim.sweep.table` (CSV / Parquet), :mod:`~sim.sweep.summary` (probabilities and the summary table),
:mod:`~sim.sweep.plot` (the figure, matplotlib), :mod:`~sim.sweep.progress` (the progress bar) and
:mod:`~sim.sweep.study` (all of it together: :func:`sweep`).
"""

from .study import SweepResult, sweep

__all__ = ["sweep", "SweepResult"]

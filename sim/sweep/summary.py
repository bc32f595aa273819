"""The numbers behind the plot and the summary table: per cell (a grid) or per bin of the first numeric variable
(random samples), the share of runs whose initiator reached MM_ACTIVE within T seconds, with a 95 % Wilson interval."""

from __future__ import annotations

import math
import statistics
from typing import NamedTuple

from .grid import VARIABLES

#: bins of the x variable for random samples
BINS = 10


class Point(NamedTuple):
    x: object  # the x variable's value (a bin's centre for samples; None when nothing numeric varies)
    group: tuple  # the values of the other variables that tell lines apart
    runs: int
    up_within: int
    low: float
    high: float
    median_time: float | None
    datagrams: float
    resends: float
    removed: float

    @property
    def p(self) -> float:
        return self.up_within / self.runs if self.runs else 0.0


class Layout(NamedTuple):
    x: str | None  # the variable on the x axis
    groups: tuple[str, ...]  # the variables that tell lines apart
    points: list[Point]


def layout(names: tuple[str, ...], records: list[dict], within: float, sampled: bool = False) -> Layout:
    """Group ``records`` (table rows as dicts) by x and by the other variables (categorical ones only, for samples)."""
    numeric = [name for name in names if not VARIABLES[name].choices]
    x = numeric[0] if numeric else None
    if sampled:
        groups = tuple(name for name in names if VARIABLES[name].choices)
    else:
        groups = tuple(name for name in names if name != x)
    keyed: dict[tuple, list[dict]] = {}
    order: list[tuple] = []
    edges = _bins(records, x) if (sampled and x) else None
    for record in records:
        xv = None if x is None else (_bin(record[x], edges) if edges else record[x])
        key = (tuple(record[g] for g in groups), xv)
        if key not in keyed:
            keyed[key] = []
            order.append(key)
        keyed[key].append(record)
    if sampled:
        order.sort(key=lambda k: (k[0], k[1]))
    points = [_point(xv, group, keyed[(group, xv)], within) for group, xv in order]
    return Layout(x, groups, points)


def summary_text(names: tuple[str, ...], found: Layout, within: float) -> str:
    """A small fixed-width table: one line per point."""
    head = ([found.x] if found.x else []) + list(found.groups)
    head += ["runs", f"P(up<={within:g}s)", "95% interval", "median s to up", "datagrams", "resends", "removed"]
    lines = [head]
    for point in found.points:
        values = ([_fmt(point.x)] if found.x else []) + [_fmt(v) for v in point.group]
        values += [str(point.runs), f"{point.p:.2f}", f"{point.low:.2f}-{point.high:.2f}",
                   "-" if point.median_time is None else f"{point.median_time:.2f}",
                   f"{point.datagrams:.1f}", f"{point.resends:.1f}", f"{point.removed:.0%}"]
        lines.append(values)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)).rstrip() + "\n" for line in lines)


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default); (0, 1) for no runs."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _point(x, group: tuple, records: list[dict], within: float) -> Point:
    times = [r["time_to_active"] for r in records if r["time_to_active"] is not None]
    up = sum(1 for t in times if t <= within)
    low, high = wilson(up, len(records))
    n = len(records)
    return Point(x, group, n, up, low, high, statistics.median(times) if times else None,
                 sum(r["datagrams"] for r in records) / n, sum(r["resends"] for r in records) / n,
                 sum(1 for r in records if r["removed"]) / n)


def _bins(records: list[dict], x: str) -> tuple[float, float]:
    values = [r[x] for r in records]
    return (min(values), max(values)) if values else (0.0, 0.0)


def _bin(value: float, edges: tuple[float, float]) -> float:
    low, high = edges
    if high <= low:
        return round(low, 9)
    width = (high - low) / BINS
    index = min(BINS - 1, int((value - low) / width))
    return round(low + (index + 0.5) * width, 9)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

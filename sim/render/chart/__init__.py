"""The sequence chart: two lifelines (and the NAT device between them, when there is one), one arrow per group of
datagrams on a true time axis, SA state bands in the platform's own names, where each side got stuck.

    >>> from sim.render.chart import chart_bytes, render_chart
    >>> run = sim.run("psk-mismatch")
    >>> png = chart_bytes(run.trace, run.scenario, "png")              # bytes ("png" | "svg" | "pdf")
    >>> render_chart(run.trace, run.scenario, "psk.svg", size="a4")     # writes the file (whole or not at all)

One job per module:

| module | job |
|---|---|
| ``model`` | the only reader of the Trace: plain chart data (datagrams, fates, ports, NAT, state intervals, removals) |
| ``layout`` | grouping, folding of repeated attempts, the time axis, every box and line, in inches (no matplotlib) |
| ``labels`` | label placement on a spatial grid: no overlap, no label across an arrow, inside the page |
| ``text`` | text sizes from a DejaVu Sans width table, so the layout needs no renderer |
| ``draw`` | matplotlib (imported only here, only when drawing), deterministic bytes |

Same run, same bytes (fixed metadata and SVG hash salt, matplotlib's defaults inside an ``rc_context``). SVG keeps
text as text; PNG is 150 dpi on a slide, 300 dpi on A4.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...errors import InputError
from ..files import write_atomic
from .draw import chart_rc  # (draw imports matplotlib only inside its functions)
from .layout import IDLE_GAP, SIZES, Layout, build
from .model import ChartData, chart_data

__all__ = ["FORMATS", "SIZES", "IDLE_GAP", "chart_bytes", "render_chart", "chart_format", "chart_layout",
           "chart_figure", "chart_rc", "chart_data", "ChartData", "Layout"]

#: output formats, by file suffix
FORMATS = ("png", "svg", "pdf")


def chart_format(path_or_format: str | os.PathLike) -> str:
    """The format a ``--chart`` argument asks for: ``"png"``, ``"svg"`` or ``"pdf"`` (a bare format or a file name)."""
    text = os.fspath(path_or_format)
    if text.lower() in FORMATS:
        return text.lower()
    suffix = Path(text).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise InputError(f"cannot tell the chart format of {text!r}: name a .png, .svg or .pdf file", field="chart")


def _size(size: str) -> str:
    if not isinstance(size, str) or size not in SIZES:
        raise InputError(f"chart size must be one of {', '.join(SIZES)}, not {size!r}", field="size")
    return size


def chart_layout(trace, scenario=None, *, size: str = "slide") -> Layout:
    """Every box, line and arrow of the chart, in inches (y down), without drawing anything."""
    return build(chart_data(trace, scenario), _size(size))


def chart_bytes(trace, scenario=None, fmt: str = "png", *, size: str = "slide") -> bytes:
    """The chart of ``trace`` as ``fmt`` (``png`` | ``svg`` | ``pdf``) bytes, ``size`` ``slide`` or ``a4``."""
    if fmt not in FORMATS:
        raise InputError(f"chart format must be one of {', '.join(FORMATS)}, not {fmt!r}", field="format")
    from .draw import save

    return save(chart_layout(trace, scenario, size=size), fmt)


def render_chart(trace, scenario, path_or_format: str | os.PathLike, *, size: str = "slide") -> bytes:
    """Render the chart. ``path_or_format`` is a format (``"png"``, ``"svg"``, ``"pdf"``: nothing is written) or a
    file path whose suffix names the format (written atomically: the whole file or nothing). Returns the bytes."""
    fmt = chart_format(path_or_format)
    data = chart_bytes(trace, scenario, fmt, size=size)
    if os.fspath(path_or_format).lower() not in FORMATS:
        write_atomic(path_or_format, data)
    return data


def chart_figure(trace, scenario=None, *, size: str = "slide"):
    """The drawn matplotlib Figure (Agg canvas attached), for notebooks and tests."""
    from .draw import figure

    lay = chart_layout(trace, scenario, size=size)
    with chart_rc():
        return figure(lay)

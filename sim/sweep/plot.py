"""The sweep's figure: the probability that Phase 1 is up (initiator in MM_ACTIVE) within T seconds against the
first numeric variable, one line per value of the other variables, with 95 % Wilson intervals and the scenario, run
count and seed in the footer.

Readable in greyscale (black and greys, a different dash and marker per line); SVG keeps its text as text; the bytes
depend only on the table (fixed metadata and SVG hash salt, matplotlib's default style whatever the user's). matplotlib
is imported only here, and this module only when a plot is asked for; it draws on a bare Figure, never pyplot.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import matplotlib.style as mstyle
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import InputError
from .grid import PROFILES
from .summary import Layout

FORMATS = ("png", "svg")
INKS = ("#000000", "#5a5a5a", "#8c8c8c", "#b4b4b4")
DASHES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P")
LABELS = {
    "loss": "loss probability (each direction)",
    "delay": "one-way delay (s)",
    "interval": "retransmission interval (s)",
    "retries": "retransmissions",
    "remove_after": "removed after the last retry (s)",
}
_RC = {
    "font.family": "DejaVu Sans",
    "svg.hashsalt": "ikesim-sweep",
    "svg.fonttype": "none",
    "text.usetex": False,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}


def plot_format(path: str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(f"cannot tell the plot format of {path!r}: name a .png or .svg file", field="--plot")
    return suffix


def plot_bytes(found: Layout, within: float, footer: str, fmt: str) -> bytes:
    """The figure of ``found`` (from :func:`sim.sweep.summary.layout`) as ``png`` or ``svg`` bytes."""
    with matplotlib.rc_context():
        mstyle.use("default")
        matplotlib.rcParams.update(_RC)
        fig = Figure(figsize=(8, 5), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.09, 0.17, 0.88, 0.73))
        groups: dict[tuple, list] = {}
        for point in found.points:
            groups.setdefault(point.group, []).append(point)
        categories = [] if found.x else [p.group for p in found.points]
        span = (max(p.x for p in found.points) - min(p.x for p in found.points)) if found.x else 1.0
        for i, (group, points) in enumerate(groups.items()):
            dodge = (i - (len(groups) - 1) / 2) * 0.004 * (span or 1.0)  # keep the intervals of lines apart
            xs = [p.x + dodge for p in points] if found.x else [categories.index(p.group) for p in points]
            ys = [p.p for p in points]
            errors = [[max(0.0, p.p - p.low) for p in points], [max(0.0, p.high - p.p) for p in points]]
            label = ", ".join(_label(name, value) for name, value in zip(found.groups, group)) or None
            ax.errorbar(xs, ys, yerr=errors, color=INKS[i % len(INKS)], linestyle=DASHES[i % len(DASHES)] if found.x
                        else "none", marker=MARKERS[i % len(MARKERS)], markersize=5, linewidth=1.6,
                        elinewidth=0.8, capsize=2.5, label=label if found.x else None)
        if found.x:
            ax.set_xlabel(LABELS.get(found.x, found.x))
            if len(groups) > 1 or found.groups:
                ax.legend(title=None, frameon=False, loc="best")
        else:
            ax.set_xticks(range(len(categories)))
            ax.set_xticklabels([", ".join(_label(n, v) for n, v in zip(found.groups, c)) for c in categories])
            ax.set_xlim(-0.5, len(categories) - 0.5)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(f"P(MM_ACTIVE within {within:g} s)")
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.suptitle(f"Phase 1 up within {within:g} s", x=0.09, ha="left", fontsize=13)
        fig.text(0.09, 0.03, footer, fontsize=8.5, color="#333333", ha="left")
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else {"Software": None})
    return buf.getvalue()


def _label(name: str, value) -> str:
    if name == "timers":
        profile = PROFILES[value]
        return f"{value} timers ({profile.interval:g} s x {profile.retries})"
    return f"{name}={_fmt(value)}"


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)

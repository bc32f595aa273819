"""The sequence chart (issue 4): two lifelines, one arrow per datagram, SA state bands, where each side got stuck.

    >>> from sim.render.chart import render_chart
    >>> run = sim.run("psk-mismatch")
    >>> png = render_chart(run.trace, run.scenario, "png")             # bytes ("png" | "svg" | "pdf")
    >>> render_chart(run.trace, run.scenario, "psk.svg", size="a4")    # writes the file (whole or not at all)

Everything on the chart is a pure function of the Trace (and the scenario, for its name): same run, same bytes (PNG,
SVG and PDF are written with fixed metadata and a fixed SVG hash salt, inside an ``rc_context`` that starts from
matplotlib's defaults, so neither a user's style nor the wall clock leaks in). matplotlib is imported by this module
only, and this module only when a chart is asked for; it draws on a bare ``Figure`` with the Agg canvas, never pyplot.

What is drawn
    * a header box per peer (hostname, role, outside address) on top of its lifeline;
    * time runs down a true simulated-time axis (tick labels in seconds, ``0.005s``);
    * one arrow per datagram from the sender's lifeline to the receiver's, slanted by its real delay, labelled in
      RFC 2409 notation (:func:`sim.render.labels.message_label` + the retransmission suffix); retransmissions
      (``attempt`` > 0, timer- or duplicate-triggered) are dashed;
    * a datagram that died ends in a cross: mid-path for a path drop (with the path rule's label), on the receiver's
      lifeline for a discard (with the receiver's reason). A reason is shown in full (one of three or more
      ``": "``-separated clauses is shortened to its first and last clause) at the first cross where that fits, and
      as its first clause at the other crosses; a fan of crosses with the same reason shows it once;
    * a narrow band per SA state interval along each lifeline, labelled with the platform's own state name;
    * a "stuck in ..." callout on the last SA state of each side when that state is not MM_ACTIVE: at the SA's
      removal (also marked "SA removed", with an end cap across the band, and the removal reason in the platform's
      state names) or at the end of the run;
    * a footer with the scenario name, title, seed and how far the run was simulated, and a legend.

Gap compression (the time axis rule)
    Every instant something is drawn (a send, an arrival or discard, the point where a path drop is drawn, an SA
    change, the end of the run when an SA is still alive then) is an event time. Event times closer than
    :data:`IDLE_GAP` (1 s) to the previous one, or joined to it by a datagram on the wire, form a *burst*. Inside a
    burst the axis is linear, with one scale for the whole chart: the smallest step between events (typically the
    5 ms one-way delay) gets about two label lines, less if the page is too short. The idle stretch between two bursts
    (e.g. the 8 s between retransmissions) is cut out and replaced by a break of fixed height, drawn as a zig-zag
    across both lifelines (and their state bands) and the time axis. Ticks sit at recorded instants only, always
    including the first and last of every burst, so there is a tick on both sides of every break (``0.025s`` above
    it, ``8.015s`` below) and the time cut out can be read off. When even one label line per smallest step and the
    smallest breaks do not fit the page, fonts and spacings shrink together (to no less than 70 %).

    Two datagrams that leave the same device at the same instant (a timer retransmission and a resend triggered by a
    duplicate) would be drawn on top of each other; the second and later are drawn parallel to the first, shifted
    down by one label line (a *fan*). A path drop is recorded at its send time with no position; it is drawn to
    mid-path, half a typical one-way delay later (the median delay of delivered datagrams from the same device, else
    of any, else 5 ms). That drawn instant gets no tick.

Labels are placed greedily (state names, message labels along their arrows, callouts, reasons), each at the first of
its candidate spots that hits nothing already drawn, then a repair pass re-places any that still collide.

SVG ids (``gid``): ``arrow-<id>`` (the shaft; ``arrowhead-<id>`` its head), ``label-<id>``, ``cross-<id>``,
``reason-<id>`` (on the first datagram of the cross group the reason belongs to), ``lifeline-<hostname>``,
``header-<hostname>``, ``state-<hostname>-<STATE>-<n>`` (the band; ``statelabel-...`` its label; ``n`` counts that
state's bands on that device from 0), ``stuck-<hostname>`` (the callout's first line; ``-detail``, ``-box`` and
``-leader`` the rest), ``removed-<hostname>-<n>`` (the end cap of the device's n-th removed SA), ``nosa-<hostname>``,
``nothing-sent``, ``break-<n>-<hostname>`` / ``break-<n>-axis``, ``tick-<n>`` / ``ticklabel-<n>``, ``title``,
``footer``, ``legend-<n>``.
"""

from __future__ import annotations

from ..platforms.registry import platform_for as _platform_for
from .reasons import explain as _explain

import contextlib
import dataclasses
import functools
import io
import math
import os
import statistics
import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib import patheffects
from matplotlib import style as mstyle
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle

from ..engine.trace import DatagramDropped, DatagramSent, SaChanged, Trace
from ..errors import InputError
from ..platforms.registry import platform_for
from .files import write_atomic
from .labels import fates, format_time, message_label, retransmit_suffix

__all__ = ["FORMATS", "SIZES", "IDLE_GAP", "render_chart", "chart_bytes", "chart_figure", "chart_format", "chart_rc"]

#: output formats, by file suffix
FORMATS = ("png", "svg", "pdf")
#: an idle stretch longer than this (simulated seconds) is cut out of the time axis
IDLE_GAP = 1.0
#: one-way delay assumed for drawing a path drop when no datagram was delivered at all
NOMINAL_DELAY = 0.005
ACTIVE = "MM_ACTIVE"


@dataclass(frozen=True)
class _Size:
    width: float  # inches
    height: float
    dpi: int  # PNG resolution (also used to measure text while laying out)
    font: float  # points: arrow labels, header details
    small: float  # reasons, ticks, legend, footer
    title: float
    host: float  # hostname in the header box
    axis_x: float  # x of the time axis
    side: float  # room between the axis (or the right edge) and a lifeline
    band: float  # width of a state band
    header_h: float
    row: float  # wanted height of the smallest step between events
    break_h: float
    fan: float
    cross: float  # half-size of a cross
    head: float  # arrowhead length
    wrap_inside: int  # characters per line for a reason between the lifelines
    min_break: float  # a break is shrunk down to this before the steps between events are


#: documentation sizes: a 16:9 slide and an A4 page (portrait)
SIZES = {
    "slide": _Size(width=2000 / 150, height=7.5, dpi=150, font=11.5, small=10, title=16, host=14.5, axis_x=0.95,
                   side=2.9, band=0.17, header_h=0.58, row=0.5, break_h=0.36, fan=0.28, cross=0.08, head=0.15,
                   wrap_inside=42, min_break=0.27),
    "a4": _Size(width=8.27, height=11.69, dpi=150, font=10, small=9, title=14, host=12.5, axis_x=0.8,
                side=2.0, band=0.15, header_h=0.56, row=0.5, break_h=0.42, fan=0.25, cross=0.075, head=0.13,
                wrap_inside=36, min_break=0.27),
}

# a restrained palette that survives greyscale printing (line styles and hatching carry the meaning as well)
INK = "#222222"
GREY = "#6b6b6b"
LIGHT = "#bdbdbd"
TO_RESPONDER = "#1f4e79"  # dark blue
TO_INITIATOR = "#7a4a12"  # dark brown
LOST = "#b3261e"  # crosses, reasons, stuck markers
WAIT_FACE = "#f6dfae"
WAIT_EDGE = "#9c6b1c"
WAIT_TEXT = "#7a500c"  # state names of waiting states: darker than the band edge, for greyscale print
ACTIVE_FACE = "#a9d5b0"
ACTIVE_EDGE = "#2e6b35"
HEADER_FACE = "#eef2f6"
RETRANSMIT_DASH = (0, (5, 3))

_RC = {
    "font.family": "DejaVu Sans",
    "font.monospace": ["DejaVu Sans Mono"],
    "svg.hashsalt": "ikesim-chart",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "hatch.linewidth": 0.9,
    "text.usetex": False,
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "figure.facecolor": "white",
}


# -- public API -------------------------------------------------------------------------------------------------------
def chart_format(path_or_format: str | os.PathLike) -> str:
    """The format a ``--chart`` argument asks for: ``"png"``, ``"svg"`` or ``"pdf"`` (a bare format or a file name)."""
    text = os.fspath(path_or_format)
    if text.lower() in FORMATS:
        return text.lower()
    suffix = Path(text).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise InputError(f"cannot tell the chart format of {text!r}: name a .png, .svg or .pdf file", field="chart")


def chart_bytes(trace: Trace, scenario=None, fmt: str = "png", *, size: str = "slide") -> bytes:
    """The chart of ``trace`` as ``fmt`` (``png`` | ``svg`` | ``pdf``) bytes, ``size`` ``slide`` or ``a4``."""
    if fmt not in FORMATS:
        raise InputError(f"chart format must be one of {', '.join(FORMATS)}, not {fmt!r}", field="format")
    spec = _size(size)
    with chart_rc():
        fig = _build(trace, scenario, spec)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=spec.dpi, metadata=_metadata(fmt))
    return buf.getvalue()


def render_chart(trace: Trace, scenario, path_or_format: str | os.PathLike, *, size: str = "slide") -> bytes:
    """Render the chart. ``path_or_format`` is a format (``"png"``, ``"svg"``, ``"pdf"``: nothing is written) or a
    file path whose suffix names the format (written atomically: the whole file or nothing). Returns the bytes."""
    fmt = chart_format(path_or_format)
    data = chart_bytes(trace, scenario, fmt, size=size)
    if os.fspath(path_or_format).lower() not in FORMATS:
        write_atomic(path_or_format, data)
    return data


def chart_figure(trace: Trace, scenario=None, *, size: str = "slide") -> Figure:
    """The laid-out matplotlib Figure (Agg canvas attached), for notebooks and tests. Save it inside
    :func:`chart_rc` (or use :func:`chart_bytes`) to get the deterministic bytes."""
    spec = _size(size)
    with chart_rc():
        return _build(trace, scenario, spec)


def _size(size: str) -> _Size:
    try:
        return SIZES[size]
    except (KeyError, TypeError):
        raise InputError(f"chart size must be one of {', '.join(SIZES)}, not {size!r}", field="size") from None


@contextlib.contextmanager
def chart_rc():
    """matplotlib's defaults (whatever the user's style) plus ours; nothing leaks out of the ``with``."""
    with matplotlib.rc_context():
        mstyle.use("default")
        matplotlib.rcParams.update(_RC)
        yield


def _metadata(fmt: str) -> dict:
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None, "ModDate": None}
    return {"Software": None}


# -- the model: what to draw, from the Trace alone ------------------------------------------------------------------
def _key(t: float) -> float:
    """Event times as layout keys: float noise (16.014999999999997) must not split one instant in two."""
    return round(t, 9)


@dataclass
class _Datagram:
    sent: DatagramSent
    sender: str
    receiver: str
    t0: float
    t1: float  # where the drawn line ends (arrival, discard, the drawn drop point, or the end of the run)
    end: str  # "arrive" | "discard" | "drop" | "in-flight"
    reason: str
    label: str
    fan: int = 0
    reach: float = 1.0  # fraction of the way to the receiver the line goes (drop: 0.5)


@dataclass
class _Band:
    device: str
    sa: tuple
    state: str  # core name
    shown: str  # the platform's name
    t0: float
    t1: float
    n: int = 0
    lane: int = 0
    seq: int = 0  # position among the device's bands (alternates the hatching)
    last: bool = False  # the SA's last state


@dataclass
class _Removal:
    device: str
    sa: tuple
    t: float
    previous: str | None
    reason: str
    n: int


@dataclass
class _Model:
    trace: Trace
    hosts: tuple[str, str]  # (initiator, responder): left, right
    datagrams: list[_Datagram]
    bands: list[_Band]
    removals: list[_Removal]
    stuck: dict[str, _Band]
    removed_at: dict[str, _Removal]
    no_sa: list[str]
    end: float
    times: list[float]  # every instant something is drawn at
    recorded: set[float]  # those that are times of records (ticks go only there)


def _model(trace: Trace) -> _Model:
    devices = list(trace.devices)
    if len(devices) != 2:
        raise InputError(f"a chart needs exactly two devices, the trace has {len(devices)}", field="devices")
    devices.sort(key=lambda d: 0 if d.role == "initiator" else 1)
    hosts = (devices[0].hostname, devices[1].hostname)
    by_address = {d.address: d.hostname for d in devices}
    fate_of = fates(trace)
    sents = trace.of(DatagramSent)
    drop_where = {r.id: r.where for r in trace.of(DatagramDropped)}

    # typical one-way delay per sending host (for drawing path drops)
    delays: dict[str, list[float]] = {h: [] for h in hosts}
    for s in sents:
        f = fate_of[s.id]
        if f.kind in ("delivered", "duplicate", "discarded") and f.t >= s.t:
            delays.setdefault(s.device, []).append(f.t - s.t)
    everything = [d for values in delays.values() for d in values]

    def typical(host: str) -> float:
        values = delays.get(host) or everything
        return statistics.median(values) if values else NOMINAL_DELAY

    last_event = max([trace.first_datagram] + [s.t for s in sents] + [r.t for r in trace.of(SaChanged)])
    datagrams: list[_Datagram] = []
    for s in sents:
        other = hosts[1] if s.device == hosts[0] else hosts[0]
        receiver = by_address.get(s.dst, other)
        if receiver == s.device:
            receiver = other
        f = fate_of[s.id]
        label = message_label(s) + retransmit_suffix(s)
        if f.kind == "dropped" and drop_where.get(s.id, "path") == "path":
            d = _Datagram(s, s.device, receiver, s.t, s.t + typical(s.device) / 2, "drop", f.reason, label, reach=0.5)
        elif f.kind == "discarded":
            d = _Datagram(s, s.device, receiver, s.t, f.t, "discard", f.reason, label)
        elif f.kind == "in-flight":
            delay = typical(s.device)
            t1 = min(max(trace.end, last_event), s.t + delay)
            reach = 0.85 if delay <= 0 else max(0.15, min(0.85, (t1 - s.t) / delay))
            d = _Datagram(s, s.device, receiver, s.t, t1, "in-flight", "in flight when the run ended",
                          label + " (in flight)", reach=reach)
        else:
            d = _Datagram(s, s.device, receiver, s.t, f.t, "arrive", f.reason, label)
        datagrams.append(d)
    fan_count: dict[tuple, int] = {}
    for d in datagrams:
        k = (d.sender, _key(d.t0))
        d.fan = fan_count.get(k, 0)
        fan_count[k] = d.fan + 1

    # SA state intervals
    platform = {d.hostname: platform_for(d.platform) for d in devices}
    open_: dict[tuple, tuple[str, float]] = {}  # (device, (sa, role)) -> (state, since)
    raw: list[tuple[str, tuple, str, float, float | None]] = []
    removals: list[_Removal] = []
    had_sa: set[str] = set()
    removed_n: dict[str, int] = {}
    for r in trace.of(SaChanged):
        sa = (r.update.sa, r.update.role)
        k = (r.device, sa)
        if k in open_:
            state, since = open_.pop(k)
            raw.append((r.device, sa, state, since, r.t))
        if r.update.state is None:
            n = removed_n.get(r.device, 0)
            removed_n[r.device] = n + 1
            why = _explain(r.update.reason, r.update.detail, platform=_platform_for(trace.device(r.device).platform),
                          removal=True)
            removals.append(_Removal(r.device, sa, r.t, r.update.previous, why, n))
        else:
            had_sa.add(r.device)
            open_[k] = (r.update.state, r.t)
    alive_at_end = bool(open_)
    recorded = {_key(d.t0) for d in datagrams} | {_key(d.t1) for d in datagrams if d.end in ("arrive", "discard")}
    recorded |= {_key(r.t) for r in trace.of(SaChanged)}
    if not recorded:
        recorded = {_key(trace.first_datagram)}
    times = recorded | {_key(d.t1) for d in datagrams}
    end = max(times)
    if alive_at_end and trace.end > end:
        end = trace.end
        times.add(_key(end))
        recorded.add(_key(end))
    for (device, sa), (state, since) in open_.items():
        raw.append((device, sa, state, since, None))

    bands: list[_Band] = []
    counter: dict[tuple[str, str], int] = {}
    lanes: dict[tuple[str, tuple], int] = {}
    for device, sa, state, t0, t1 in sorted(raw, key=lambda x: (x[3], x[0], x[1])):
        t1 = end if t1 is None else t1
        if (device, sa) not in lanes:
            busy = {lanes[(dv, s)] for (dv, s) in lanes if dv == device and _alive(raw, dv, s, t0)}
            lanes[(device, sa)] = min(i for i in range(len(busy) + 1) if i not in busy)
        if _key(t1) <= _key(t0):
            continue
        shown = platform[device].state_name(sa[1], state)
        n = counter.get((device, shown), 0)
        counter[(device, shown)] = n + 1
        seq = sum(1 for b in bands if b.device == device)
        bands.append(_Band(device, sa, state, shown, t0, t1, n, lanes[(device, sa)], seq))
    last_band: dict[tuple, _Band] = {}
    for b in bands:
        last_band[(b.device, b.sa)] = b
    for b in last_band.values():
        b.last = True

    # where each side got stuck: the last SA it created, if that SA's last state is not MM_ACTIVE
    stuck: dict[str, _Band] = {}
    removed_at: dict[str, _Removal] = {}
    for host in hosts:
        mine = [b for b in bands if b.device == host]
        if not mine:
            continue
        created: dict[tuple, float] = {}
        for b in mine:
            created.setdefault(b.sa, b.t0)
        newest = max(created, key=lambda sa: created[sa])
        final = next(b for b in mine if b.sa == newest and b.last)
        removal = next((r for r in removals if r.device == host and r.sa == final.sa), None)
        if final.state != ACTIVE:
            stuck[host] = final
            if removal is not None:
                removed_at[host] = removal
    no_sa = [h for h in hosts if h not in had_sa]
    return _Model(trace, hosts, datagrams, bands, removals, stuck, removed_at, no_sa, end, sorted(times), recorded)


def _alive(raw, device, sa, t) -> bool:
    starts = [x[3] for x in raw if x[0] == device and x[1] == sa]
    ends = [x[4] for x in raw if x[0] == device and x[1] == sa]
    if not starts:
        return False
    last_end = None if any(e is None for e in ends) else max(ends)
    return min(starts) <= t and (last_end is None or t < last_end)


# -- the time axis ----------------------------------------------------------------------------------------------------
@dataclass
class _Burst:
    first: float
    last: float
    y: float = 0.0  # where ``first`` is drawn
    extra: float = 0.0  # room for fans below the last event


@dataclass
class _Axis:
    bursts: list[_Burst]
    scale: float  # inches per simulated second inside a burst
    break_h: float
    top: float
    bottom: float = 0.0

    def y(self, t: float) -> float:
        t = _key(t)
        for i, b in enumerate(self.bursts):
            if t <= b.last or i == len(self.bursts) - 1:
                if t >= b.first or i == 0:
                    return b.y + (t - b.first) * self.scale
                prev = self.bursts[i - 1]  # inside a cut-out gap: proportionally across the break
                y_prev = prev.y + (prev.last - prev.first) * self.scale + prev.extra
                frac = (t - prev.last) / (b.first - prev.last)
                return y_prev + frac * (b.y - y_prev)
        return self.bursts[-1].y  # pragma: no cover - loop always returns

    def breaks(self) -> list[float]:
        """The y of the middle of each break."""
        out = []
        for a, b in zip(self.bursts, self.bursts[1:]):
            y_end = a.y + (a.last - a.first) * self.scale + a.extra
            out.append((y_end + b.y) / 2)
        return out


def _axis_groups(model: _Model) -> list[list[float]]:
    """The event times, grouped into bursts (see the module docstring)."""
    times = model.times
    links = [(_key(d.t0), _key(d.t1)) for d in model.datagrams]
    groups: list[list[float]] = [[times[0]]]
    for t in times[1:]:
        prev = groups[-1][-1]
        on_wire = any(a <= prev and b >= t for a, b in links)
        if t - prev > IDLE_GAP and not on_wire:
            groups.append([t])
        else:
            groups[-1].append(t)
    return groups


def _axis(model: _Model, spec: _Size, top: float, bottom: float, tail: float) -> _Axis:
    groups = _axis_groups(model)
    bursts = [_Burst(g[0], g[-1]) for g in groups]
    for b in bursts:
        fans = [d.fan for d in model.datagrams if b.first <= _key(d.t0) <= b.last]
        b.extra = max(fans, default=0) * spec.fan
    steps = [b2 - b1 for g in groups for b1, b2 in zip(g, g[1:]) if b2 - b1 > 0]
    duration = sum(b.last - b.first for b in bursts)
    lead = 0.32  # room above the first event (for its label); ``tail``: below the last
    break_h = spec.break_h
    scale = 0.0
    want = spec.row / min(steps) if steps else 0.0
    while True:
        fixed = lead + tail + break_h * (len(bursts) - 1) + sum(b.extra for b in bursts)
        room = bottom - top - fixed
        fit = room / duration if duration > 0 else want
        scale = max(0.0, min(want, fit))
        if scale >= want or break_h <= spec.min_break:
            break
        break_h = max(spec.min_break, break_h - 0.02)
    y = top + lead
    for b in bursts:
        b.y = y
        y += (b.last - b.first) * scale + b.extra + break_h
    axis = _Axis(bursts, scale, break_h, top)
    last = bursts[-1]
    axis.bottom = last.y + (last.last - last.first) * scale + last.extra + tail
    return axis


# -- placing text without overlaps ------------------------------------------------------------------------------------
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in inches from the top-left corner (y grows downwards)


def _clip_len(p, q, r: Rect) -> float:
    """Length of segment p-q inside rectangle r (Liang-Barsky)."""
    x0, y0 = p
    dx, dy = q[0] - x0, q[1] - y0
    lo, hi = 0.0, 1.0
    for pk, qk in ((-dx, x0 - r[0]), (dx, r[2] - x0), (-dy, y0 - r[1]), (dy, r[3] - y0)):
        if pk == 0:
            if qk < 0:
                return 0.0
        else:
            t = qk / pk
            if pk < 0:
                lo = max(lo, t)
            else:
                hi = min(hi, t)
    return max(0.0, hi - lo) * math.hypot(dx, dy)


def _overlap(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


@dataclass(frozen=True)
class _Box:
    """An oriented rectangle: centre, half width and half height, and the angle of its width axis (radians, in the
    chart's y-down inch frame: positive turns clockwise on the page)."""

    cx: float
    cy: float
    hw: float
    hh: float
    angle: float = 0.0

    @classmethod
    def of(cls, r: Rect) -> "_Box":
        return cls((r[0] + r[2]) / 2, (r[1] + r[3]) / 2, (r[2] - r[0]) / 2, (r[3] - r[1]) / 2)

    def grown(self, pad: float) -> "_Box":
        return _Box(self.cx, self.cy, self.hw + pad, self.hh + pad, self.angle)

    @functools.cached_property
    def _axes(self) -> tuple[tuple[float, float], tuple[float, float]]:
        c, s = math.cos(self.angle), math.sin(self.angle)
        return (c, s), (-s, c)

    def axes(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return self._axes

    def local(self, p) -> tuple[float, float]:
        (ux, uy), (vx, vy) = self.axes()
        dx, dy = p[0] - self.cx, p[1] - self.cy
        return dx * ux + dy * uy, dx * vx + dy * vy

    @functools.cached_property
    def _corners(self) -> list[tuple[float, float]]:
        (ux, uy), (vx, vy) = self.axes()
        return [(self.cx + sx * self.hw * ux + sy * self.hh * vx, self.cy + sx * self.hw * uy + sy * self.hh * vy)
                for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]

    def corners(self) -> list[tuple[float, float]]:
        return self._corners

    @functools.cached_property
    def _aabb(self) -> Rect:
        xs = [p[0] for p in self._corners]
        ys = [p[1] for p in self._corners]
        return (min(xs), min(ys), max(xs), max(ys))

    def aabb(self) -> Rect:
        return self._aabb


def _penetration(a: _Box, b: _Box) -> float:
    """How deep two oriented boxes overlap along their least-overlapping axis (0 when they do not: SAT)."""
    if _overlap(a.aabb(), b.aabb()) <= 0:
        return 0.0
    depth = math.inf
    a_axes, b_axes = a.axes(), b.axes()
    for axis in a_axes + b_axes:
        ra = a.hw * abs(a_axes[0][0] * axis[0] + a_axes[0][1] * axis[1]) + a.hh * abs(
            a_axes[1][0] * axis[0] + a_axes[1][1] * axis[1])
        rb = b.hw * abs(b_axes[0][0] * axis[0] + b_axes[0][1] * axis[1]) + b.hh * abs(
            b_axes[1][0] * axis[0] + b_axes[1][1] * axis[1])
        gap = abs((a.cx - b.cx) * axis[0] + (a.cy - b.cy) * axis[1])
        overlap = ra + rb - gap
        if overlap <= 0:
            return 0.0
        depth = min(depth, overlap)
    return depth


@dataclass
class _Candidate:
    x: float  # the anchor (for a turned label: its centre)
    y: float
    ha: str
    va: str
    text: str
    angle: float = 0.0  # turned labels are centred: ha = va = "center"


#: text extents by (text, font properties, dpi): the same in every figure, so measured once per process
_TEXT_SIZES: dict[tuple, tuple[float, float]] = {}


@dataclass
class _Placed:
    artist: object
    candidates: list[_Candidate]
    boxes: list[_Box]
    pad: float
    index: int

    @property
    def box(self) -> _Box:
        return self.boxes[self.index]


class _Placer:
    """Greedy label placement: every label tries its candidate spots in order and takes the first that hits no text,
    line, cross or band already on the chart (else the least bad one). A repair pass then re-places any label that
    still collides, against everything else."""

    def __init__(self, fig: Figure, spec: _Size, bounds: Rect):
        self.fig = fig
        self.spec = spec
        self.renderer = fig.canvas.get_renderer()
        self.bounds = bounds
        self.rects: list[Rect] = []  # fixed obstacles: headers, bands, crosses, ticks, callouts
        self.segments: list[tuple[tuple[float, float], tuple[float, float]]] = []  # lines: arrows, lifelines
        self.placed: list[_Placed] = []  # labels

    def size(self, artist, text: str) -> tuple[float, float]:
        """Width and height (inches) of ``text`` set in ``artist``'s font, upright (measured once per process)."""
        key = (text, artist.get_fontsize(), artist.get_fontfamily()[0], artist.get_fontweight(),
               artist.get_fontstyle(), artist.get_linespacing(), self.fig.dpi)
        if key not in _TEXT_SIZES:
            if len(_TEXT_SIZES) > 20000:
                _TEXT_SIZES.clear()
            rotation = artist.get_rotation()
            artist.set_rotation(0)
            artist.set_text(text)
            bb = artist.get_window_extent(self.renderer)
            artist.set_rotation(rotation)
            _TEXT_SIZES[key] = (bb.width / self.fig.dpi, bb.height / self.fig.dpi)
        return _TEXT_SIZES[key]

    @staticmethod
    def rect(x: float, y: float, w: float, h: float, ha: str, va: str) -> Rect:
        x0 = {"left": x, "right": x - w, "center": x - w / 2}[ha]
        y0 = {"top": y, "bottom": y - h, "center": y - h / 2}[va]  # y grows downwards
        return (x0, y0, x0 + w, y0 + h)

    def score(self, box: _Box, pad: float = 0.025, skip: _Placed | None = None) -> float:
        """0 when ``box`` (grown by ``pad``) hits nothing; else a measure of how badly it does."""
        g = box.grown(pad)
        s = 0.0
        ga = g.aabb()
        # covering text, a box or a band is much worse than crossing a line
        segments = [(a, b) for a, b in self.segments
                    if min(a[0], b[0]) < ga[2] and max(a[0], b[0]) > ga[0] and min(a[1], b[1]) < ga[3]
                    and max(a[1], b[1]) > ga[1]]
        if box.angle == 0:
            s += sum(_overlap(ga, o) for o in self.rects) * 200
            s += sum(_clip_len(a, b, ga) for a, b in segments) * 2
        else:
            s += sum(_penetration(g, _Box.of(o)) for o in self.rects if _overlap(ga, o) > 0) * 100
            local = (-g.hw, -g.hh, g.hw, g.hh)
            s += sum(_clip_len(g.local(a), g.local(b), local) for a, b in segments) * 2
        for p in self.placed:
            if p is skip:
                continue
            other = p.box
            if box.angle == 0 and other.angle == 0:
                s += _overlap(ga, other.aabb()) * 200
            else:
                s += _penetration(g, other) * 100
        bx0, by0, bx1, by1 = self.bounds
        for x, y in box.corners():
            s += (max(0.0, bx0 - x) + max(0.0, x - bx1) + max(0.0, by0 - y) + max(0.0, y - by1)) * 100
        return s

    def best(self, boxes: list[_Box], pad: float = 0.025, skip: _Placed | None = None,
             allowed: list[int] | None = None) -> int:
        """The index of the first box that hits nothing (else of the least bad one)."""
        best = None
        for i in (range(len(boxes)) if allowed is None else allowed):
            s = self.score(boxes[i], pad, skip)
            if best is None or s < best[0] - 1e-12:
                best = (s, i)
            if s <= 1e-12:
                break
        return best[1]

    def fit(self, artist, text: str, max_w: float) -> str:
        """``text`` wrapped at the most characters per line that keep it within ``max_w`` inches."""
        width = len(text)
        while True:
            wrapped = _wrap(text, width)
            if width <= 12 or self.size(artist, wrapped)[0] <= max_w:
                return wrapped
            width -= 2

    def place(self, artist, candidates: list[_Candidate], pad: float = 0.025) -> _Box:
        boxes = []
        for c in candidates:
            w, h = self.size(artist, c.text)
            if c.angle:
                boxes.append(_Box(c.x, c.y, w / 2, h / 2, c.angle))
            else:
                boxes.append(_Box.of(self.rect(c.x, c.y, w, h, c.ha, c.va)))
        placed = _Placed(artist, candidates, boxes, pad, self.best(boxes, pad))
        self._apply(placed)
        self.placed.append(placed)
        return placed.box

    def repair(self, rounds: int = 2) -> None:
        """Re-place every label that still hits something, keeping its text."""
        for _ in range(rounds):
            moved = False
            for p in self.placed:
                if self.score(p.box, p.pad, skip=p) <= 1e-12:
                    continue
                text = p.candidates[p.index].text
                allowed = [i for i, c in enumerate(p.candidates) if c.text == text]
                i = self.best(p.boxes, p.pad, skip=p, allowed=allowed)
                if i != p.index and self.score(p.boxes[i], p.pad, skip=p) < self.score(p.box, p.pad, skip=p):
                    p.index = i
                    self._apply(p)
                    moved = True
            if not moved:
                return

    @staticmethod
    def _apply(p: _Placed) -> None:
        c = p.candidates[p.index]
        p.artist.set_text(c.text)
        p.artist.set_position((c.x, c.y))
        p.artist.set_horizontalalignment(c.ha)
        p.artist.set_verticalalignment(c.va)
        p.artist.set_rotation(-math.degrees(c.angle) if c.angle else 0.0)
        p.artist.set_rotation_mode("anchor" if c.angle else "default")


# -- drawing ----------------------------------------------------------------------------------------------------------
def _add(ax, artist):
    """Add a line or patch without matplotlib's data-limit and clip-path bookkeeping (the limits are fixed and the
    axes cover the whole figure)."""
    artist.set_clip_on(False)
    ax.add_artist(artist)
    return artist


def _gid(*parts) -> str:
    text = "-".join(str(p) for p in parts)
    return "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in text)


def _short_reason(reason: str) -> tuple[str, str]:
    """(full, short) display forms of a reason: see the module docstring."""
    parts = [p for p in reason.split(": ") if p]
    if not parts:
        return "", ""
    full = parts[0] + ": " + parts[-1] if len(parts) >= 3 else reason
    short = parts[0] if len(parts) >= 2 else reason.split(" (")[0]
    return full, short


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, max(12, width), break_on_hyphens=False)) or text


def _fitted(model: _Model, spec: _Size) -> _Size:
    """``spec``, with fonts and spacings shrunk uniformly (to no less than 70 %) when the chart would not fit the
    page even with one label line per smallest step between events and the smallest breaks."""
    groups = _axis_groups(model)
    steps = [b - a for g in groups for a, b in zip(g, g[1:]) if b - a > 0]
    if not steps:
        return spec
    line = spec.font / 72 * 1.3
    duration = sum(g[-1] - g[0] for g in groups)
    fans = sum(max([d.fan for d in model.datagrams if g[0] <= _key(d.t0) <= g[-1]], default=0) for g in groups)
    need = duration * line / min(steps) + fans * spec.fan + (len(groups) - 1) * spec.min_break
    need = 0.32 + (0.9 if model.stuck else 0.3) + max(need, len(model.datagrams) * line * 0.6)
    avail = spec.height - 2.05  # title, headers, legend and footer
    if need <= avail:
        return spec
    f = max(0.7, avail / need)
    return dataclasses.replace(spec, font=spec.font * f, small=spec.small * f, row=spec.row * f, fan=spec.fan * f,
                               cross=spec.cross * f, head=spec.head * f, break_h=spec.break_h * f,
                               min_break=spec.min_break * f, band=spec.band * max(f, 0.85))


def _build(trace: Trace, scenario, spec: _Size) -> Figure:
    model = _model(trace)
    spec = _fitted(model, spec)
    W, H = spec.width, spec.height
    fig = Figure(figsize=(W, H), dpi=spec.dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, W)
    ax.set_ylim(H, 0)
    ax.set_axis_off()
    txt = dict(parse_math=False)
    placer = _Placer(fig, spec, (0.08, 0.0, W - 0.08, H))

    left_x = spec.axis_x + spec.side
    right_x = W - spec.side
    xs = {model.hosts[0]: left_x, model.hosts[1]: right_x}
    outward = {model.hosts[0]: -1, model.hosts[1]: 1}
    inner = (left_x + spec.band / 2 + 0.03, right_x - spec.band / 2 - 0.03)
    lane_step = spec.band + 0.05

    def band_x(host: str, lane: int) -> float:
        return xs[host] + outward[host] * lane * lane_step

    # what has to fit before the time axis can be scaled: the legend rows and the stuck callouts
    legend_h = _legend(ax, placer, spec, H, draw=False)
    footer_top = H - 0.42 - legend_h
    callouts = {host: _callout(ax, placer, model, spec, host, band, band_x, outward, txt)
                for host, band in model.stuck.items()}
    title_y = 0.28
    header_top = 0.52
    header_bottom = header_top + spec.header_h
    timeline_top = header_bottom + 0.12
    last_burst_start = _axis_groups(model)[-1][0]
    tail = 0.3
    for host, band in model.stuck.items():
        if _key(band.t1) >= last_burst_start:
            tail = max(tail, callouts[host]["h"] + 0.05)
    axis = _axis(model, spec, timeline_top, footer_top - 0.08, tail)
    chart_bottom = axis.bottom
    placer.bounds = (0.08, header_bottom + 0.02, W - 0.08, footer_top)

    name = getattr(scenario, "name", None) or trace.scenario
    title = getattr(scenario, "title", None) or trace.title
    ax.text(spec.axis_x - 0.45, title_y, title, fontsize=spec.title, fontweight="bold", color=INK, va="center",
            ha="left", gid="title", **txt)

    # headers and lifelines
    header_w = min(2 * spec.side - 0.6, 3.0)
    for host in model.hosts:
        info = trace.device(host)
        x = xs[host]
        _add(ax, FancyBboxPatch((x - header_w / 2, header_top), header_w, spec.header_h,
                                    boxstyle="round,pad=0,rounding_size=0.08", facecolor=HEADER_FACE, edgecolor=INK,
                                    linewidth=1.4, zorder=5, gid=_gid("header", host)))
        ax.text(x, header_top + spec.header_h * 0.35, host, fontsize=spec.host, fontweight="bold", color=INK,
                ha="center", va="center", zorder=6, gid=_gid("hostname", host), **txt)
        ax.text(x, header_top + spec.header_h * 0.75, f"{info.role}  \u00b7  {info.address}", fontsize=spec.small,
                color=INK, ha="center", va="center", zorder=6, gid=_gid("address", host), **txt)
        _add(ax, Line2D([x, x], [header_bottom, chart_bottom], color=GREY, linewidth=1.3, zorder=1,
                           gid=_gid("lifeline", host)))
        placer.segments.append(((x, header_bottom), (x, chart_bottom)))
        placer.rects.append((x - header_w / 2, header_top, x + header_w / 2, header_bottom))

    # the time axis
    _add(ax, Line2D([spec.axis_x, spec.axis_x], [timeline_top, chart_bottom], color=GREY, linewidth=1.0,
                       zorder=1, gid="axis"))
    placer.segments.append(((spec.axis_x, timeline_top), (spec.axis_x, chart_bottom)))
    ax.text(spec.axis_x, timeline_top - 0.05, "time", fontsize=spec.small, color=GREY, ha="center", va="bottom",
            gid="axis-title", **txt)
    for i, (t, y) in enumerate(_ticks(axis, spec, model.recorded)):
        _add(ax, Line2D([spec.axis_x - 0.06, spec.axis_x], [y, y], color=GREY, linewidth=1.0, zorder=1,
                           gid=f"tick-{i}"))
        label = ax.text(spec.axis_x - 0.1, y, format_time(t), fontsize=spec.small, color=INK, ha="right",
                        va="center", gid=f"ticklabel-{i}", **txt)
        w, h = placer.size(label, format_time(t))
        placer.rects.append(placer.rect(spec.axis_x - 0.1, y, w, h, "right", "center"))

    # state bands
    for b in model.bands:
        x = band_x(b.device, b.lane)
        y0, y1 = axis.y(b.t0), axis.y(b.t1)
        active = b.state == ACTIVE
        stuck = model.stuck.get(b.device) is b
        hatch = "" if active else ("////" if b.seq % 2 == 0 else "\\\\\\\\")
        _add(ax, Rectangle((x - spec.band / 2, y0), spec.band, y1 - y0,
                               facecolor=ACTIVE_FACE if active else WAIT_FACE,
                               edgecolor=LOST if stuck else (ACTIVE_EDGE if active else WAIT_EDGE),
                               linewidth=2.2 if stuck else 0.9, hatch=hatch, zorder=2,
                               gid=_gid("state", b.device, b.shown, b.n)))
        placer.rects.append((x - spec.band / 2, y0, x + spec.band / 2, y1))
    for r in model.removals:
        x = band_x(r.device, 0)
        y = axis.y(r.t)
        _add(ax, Line2D([x - spec.band / 2 - 0.07, x + spec.band / 2 + 0.07], [y, y],
                           color=LOST if model.removed_at.get(r.device) is r else INK, linewidth=3.5,
                           solid_capstyle="butt", zorder=6, gid=_gid("removed", r.device, r.n)))
        placer.rects.append((x - spec.band / 2 - 0.07, y - 0.03, x + spec.band / 2 + 0.07, y + 0.03))

    # datagrams: arrows and crosses (all geometry first, so that every label can avoid all of it)
    geometry = {}
    for d in model.datagrams:
        geometry[d.sent.id] = _draw_datagram(ax, placer, model, spec, axis, xs, d)

    # breaks: zig-zags across each lifeline (and its bands) and the axis
    for i, y in enumerate(axis.breaks()):
        for host in model.hosts:
            lanes = max([b.lane for b in model.bands if b.device == host], default=0)
            xs_band = [band_x(host, lane) for lane in range(lanes + 1)]
            x0 = min(xs_band) - spec.band / 2 - 0.06
            x1 = max(xs_band) + spec.band / 2 + 0.06
            _zigzag(ax, x0, x1, y, _gid("break", i, host))
            placer.rects.append((x0, y - 0.08, x1, y + 0.08))
        _zigzag(ax, spec.axis_x - 0.08, spec.axis_x + 0.08, y, _gid("break", i, "axis"))

    # labels, most tightly bound first: state names, message labels, the stuck callouts, then the reasons (which
    # have spots on both sides of a lifeline)
    line_h = spec.font / 72 * 1.25
    for b in model.bands:
        x = band_x(b.device, b.lane) + outward[b.device] * (spec.band / 2 + 0.09)
        ha = "right" if outward[b.device] < 0 else "left"
        y0 = axis.y(b.t0)
        label = ax.text(x, y0, b.shown, fontsize=spec.small, family="monospace", fontweight="bold",
                        color=ACTIVE_EDGE if b.state == ACTIVE else WAIT_TEXT, zorder=8,
                        gid=_gid("statelabel", b.device, b.shown, b.n), **txt)
        cands = [_Candidate(x, y0 + k * line_h * 0.4, ha, "top", b.shown) for k in range(0, 5)]
        cands += [_Candidate(x, y0 - k * line_h * 0.4, ha, "top", b.shown) for k in range(1, 3)]
        placer.place(label, cands)

    for d in model.datagrams:
        xa, ya, xb, yb, direction, color, _ = geometry[d.sent.id]
        label = ax.text(0, 0, d.label, fontsize=spec.font, color=color, zorder=8, gid=_gid("label", d.sent.id),
                        **txt)
        w, h = placer.size(label, d.label)
        placer.place(label, _label_candidates(d.label, xa, ya, xb, yb, w, h, inner), pad=0.02)

    for host, band in model.stuck.items():
        _place_callout(ax, placer, spec, callouts[host], axis.y(band.t1))

    shown_in_full: set[str] = set()
    for g in _cross_groups(model.datagrams):
        first = g[0]
        full, short = _short_reason(first.reason)
        if not full:
            continue
        crosses = [geometry[d.sent.id][6] for d in g]
        cx = sum(c[0] for c in crosses) / len(crosses)
        cy = (crosses[0][1] + crosses[-1][1]) / 2
        direction = geometry[first.sent.id][4]
        label = ax.text(cx, cy, full, fontsize=spec.small, color=LOST, style="italic", zorder=9, linespacing=1.15,
                        gid=_gid("reason", first.sent.id), **txt)
        # the full reason where it first fits next to its cross, the short one elsewhere (and where it does not)
        texts = [short] if first.reason in shown_in_full else [full, short]
        cands = [c for text in texts for c in _reason_candidates(placer, label, first, text, cx, cy, direction,
                                                                  crosses, spec, xs, inner, W, line_h)]
        placer.place(label, cands, pad=0.04)
        if label.get_text().replace("\n", " ") == full:
            shown_in_full.add(first.reason)

    placer.repair()

    if not model.datagrams:
        ax.text((left_x + right_x) / 2, axis.y(axis.bursts[0].first) + 0.15,
                f"no datagram was sent during the run ({format_time(trace.end)})", fontsize=spec.font, color=GREY,
                style="italic", ha="center", va="top", gid="nothing-sent", **txt)

    for host in model.no_sa:
        x = xs[host] + outward[host] * (spec.band / 2 + 0.07)
        label = ax.text(x, timeline_top, "no IKE SA", fontsize=spec.small, color=GREY, style="italic", zorder=8,
                        gid=_gid("nosa", host), **txt)
        y0 = axis.y(axis.bursts[0].first)
        placer.place(label, [_Candidate(x, y0 + k * 0.1, "right" if outward[host] < 0 else "left", "top",
                                        "no IKE SA") for k in range(8)])

    _legend(ax, placer, spec, H, draw=True)
    footer = f"scenario {name}  \u00b7  {title}  \u00b7  seed {trace.seed}"
    note = f"simulated to {format_time(trace.end)}  \u00b7  idle stretches over {IDLE_GAP:g} s are cut out (zig-zag)"
    _add(ax, Line2D([0.25, W - 0.25], [H - 0.36, H - 0.36], color=LIGHT, linewidth=0.8, gid="footer-rule"))
    foot = ax.text(spec.axis_x - 0.45, H - 0.19, footer, fontsize=spec.small - 1, color=GREY, ha="left",
                   va="center", gid="footer", **txt)
    note_artist = ax.text(W - 0.25, H - 0.19, note, fontsize=spec.small - 1.5, color=GREY, ha="right", va="center",
                          gid="footer-note", **txt)
    if placer.size(foot, footer)[0] + placer.size(note_artist, note)[0] > W - spec.axis_x + 0.45 - 0.25 - 0.3:
        note_artist.set_visible(False)  # narrow page: the run length goes into the footer line instead
        foot.set_text(f"{footer}  \u00b7  simulated to {format_time(trace.end)}")
    return fig


def _cross_groups(datagrams: list[_Datagram]) -> list[list[_Datagram]]:
    """Crosses that share a reason, a sender and an instant (a fan) get one reason text."""
    groups: list[list[_Datagram]] = []
    for d in datagrams:
        if d.end not in ("drop", "discard"):
            continue
        g = groups[-1] if groups else None
        if g and g[-1].sender == d.sender and _key(g[-1].t0) == _key(d.t0) and (g[-1].reason, g[-1].end) == (
                d.reason, d.end):
            g.append(d)
        else:
            groups.append([d])
    return groups


def _draw_datagram(ax, placer: _Placer, model: _Model, spec: _Size, axis: _Axis, xs: dict, d: _Datagram):
    direction = 1 if xs[d.receiver] > xs[d.sender] else -1
    xa = xs[d.sender] + direction * spec.band / 2
    xb_full = xs[d.receiver] - direction * spec.band / 2
    shift = d.fan * spec.fan
    ya = axis.y(d.t0) + shift
    yb = axis.y(d.t1) + shift
    if d.end == "drop":
        xb = (xs[d.sender] + xs[d.receiver]) / 2
    elif d.end == "in-flight":
        xb = xa + (xb_full - xa) * d.reach
    else:
        xb = xb_full
    color = TO_RESPONDER if d.sender == model.hosts[0] else TO_INITIATOR
    length = math.hypot(xb - xa, yb - ya) or 1.0
    ux, uy = (xb - xa) / length, (yb - ya) / length
    has_head = d.end in ("arrive", "discard")
    shaft_end = (xb - ux * spec.head * 0.7, yb - uy * spec.head * 0.7) if has_head else (xb, yb)
    _add(ax, Line2D([xa, shaft_end[0]], [ya, shaft_end[1]], color=color, linewidth=1.9,
                       linestyle=RETRANSMIT_DASH if d.sent.attempt > 0 else "-", solid_capstyle="butt",
                       dash_capstyle="butt", zorder=4, gid=_gid("arrow", d.sent.id)))
    if has_head:
        nx, ny = -uy, ux
        hw = spec.head * 0.36
        base = (xb - ux * spec.head, yb - uy * spec.head)
        _add(ax, Polygon([(xb, yb), (base[0] + nx * hw, base[1] + ny * hw), (base[0] - nx * hw, base[1] - ny * hw)],
                             closed=True, facecolor=color, edgecolor=color, linewidth=0.8, zorder=4,
                             gid=_gid("arrowhead", d.sent.id)))
    placer.segments.append(((xa, ya), (xb, yb)))
    cross_at = None
    if d.end == "drop":
        cross_at = (xb, yb)
    elif d.end == "discard":
        cross_at = (xs[d.receiver], yb)
    if cross_at is not None:
        c = spec.cross
        cx, cy = cross_at
        _add(ax, Line2D([cx - c, cx + c, math.nan, cx - c, cx + c], [cy - c, cy + c, math.nan, cy + c, cy - c],
                           color=LOST, linewidth=3.2, solid_capstyle="round", zorder=7,
                           path_effects=[patheffects.withStroke(linewidth=6.0, foreground="white")],
                           gid=_gid("cross", d.sent.id)))
        placer.rects.append((cx - c, cy - c, cx + c, cy + c))
    return xa, ya, xb, yb, direction, color, cross_at


def _callout(ax, placer: _Placer, model: _Model, spec: _Size, host: str, band: _Band, band_x, outward, txt) -> dict:
    """The "stuck in ..." callout's artists and size (placed later, once the time axis is known)."""
    removal = model.removed_at.get(host)
    right = outward[host] > 0
    x_edge = band_x(host, band.lane) + outward[host] * spec.band / 2
    x_text = x_edge + outward[host] * 0.3
    room = (spec.width - 0.2 - x_text) if right else (x_text - spec.axis_x - 0.15)
    head = ax.text(0, 0, f"stuck in {band.shown}", fontsize=spec.small, color=LOST, fontweight="bold", zorder=10,
                   gid=_gid("stuck", host), **txt)
    detail = ax.text(0, 0, "", fontsize=spec.small - 0.5, color=LOST, zorder=10, linespacing=1.2,
                     gid=_gid("stuck", host, "detail"), **txt)
    pad = 0.09
    if removal is not None:
        lines = [f"SA removed at {format_time(removal.t)}"]
        reason = _short_reason(removal.reason)[0]  # platform-neutral: the core names no state in it
        if reason:
            lines.append(reason)
    else:
        lines = ["still there when the run ended", f"({format_time(band.t1)})"]
    body = "\n".join(placer.fit(detail, line, room - 2 * pad) for line in lines)
    head.set_text(placer.fit(head, head.get_text(), room - 2 * pad))
    hw, hh = placer.size(head, head.get_text())
    dw, dh = placer.size(detail, body)
    detail.set_text(body)
    w, h = max(hw, dw) + 2 * pad, hh + dh + 0.06 + 2 * pad
    return dict(host=host, head=head, detail=detail, right=right, x_edge=x_edge, x_text=x_text, w=w, h=h, hh=hh,
                pad=pad)


def _place_callout(ax, placer: _Placer, spec: _Size, c: dict, y_end: float) -> None:
    w, h, pad, right = c["w"], c["h"], c["pad"], c["right"]
    x0 = c["x_text"] if right else c["x_text"] - w
    line = spec.small / 72 * 1.2
    offsets = [-0.15, -h / 2, -h + 0.15, -h * 0.75, -h * 0.25]
    offsets += [-h - k * line for k in range(0, 8)] + [k * line for k in range(1, 6)]
    rects = [(x0, y_end + o, x0 + w, y_end + o + h) for o in offsets]
    r = rects[placer.best([_Box.of(r) for r in rects], pad=0.08)]
    placer.rects.append(r)
    host = c["host"]
    _add(ax, FancyBboxPatch((r[0], r[1]), w, h, boxstyle="round,pad=0,rounding_size=0.06", facecolor="white",
                                edgecolor=LOST, linewidth=1.8, zorder=9, gid=_gid("stuck", host, "box")))
    tx = r[0] + pad if right else r[2] - pad
    ha = "left" if right else "right"
    c["head"].set(position=(tx, r[1] + pad), ha=ha, va="top")
    c["detail"].set(position=(tx, r[1] + pad + c["hh"] + 0.06), ha=ha, va="top")
    # the leader: from the callout's edge to the end of the stuck band
    x_box = r[0] if right else r[2]
    y_box = min(max(y_end, r[1] + 0.1), r[3] - 0.1)
    x_edge = c["x_edge"]
    _add(ax, Line2D([x_box, x_edge + (0.03 if right else -0.03)], [y_box, y_end], color=LOST, linewidth=1.8,
                       zorder=8, marker="o", markevery=[1], markersize=5, gid=_gid("stuck", host, "leader")))
    placer.segments.append(((x_box, y_box), (x_edge, y_end)))


def _label_candidates(text, xa, ya, xb, yb, w, h, inner) -> list[_Candidate]:
    """Spots for an arrow's label: along the arrow (turned parallel to it), just above it, near its middle first;
    then just below it."""
    x0, y0, x1, y1 = (xa, ya, xb, yb) if xb >= xa else (xb, yb, xa, ya)  # the direction that reads left to right
    angle = math.atan2(y1 - y0, x1 - x0)
    up = (math.sin(angle), -math.cos(angle))
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    half_x = w / 2 * math.cos(angle)
    out = []
    for side in (1, -1):
        for lift in (0.0, 0.06):
            for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85):
                px = xa + (xb - xa) * f
                px = min(max(px, inner[0] + half_x), inner[1] - half_x)
                py = y0 + (px - x0) * slope
                off = side * (h / 2 + 0.03 + lift)
                out.append(_Candidate(px + up[0] * off, py + up[1] * off, "center", "center", text, angle))
    return out


def _reason_candidates(placer: _Placer, artist, d: _Datagram, text: str, cx, cy, direction, crosses, spec: _Size,
                       xs, inner, W, line_h):
    """Spots for a cross's reason, all close to the cross: for a discard beyond the receiver's lifeline (the crossed
    out arrow "continues" into its reason), else inside below or above the arrowhead; for a path drop after the
    cross (towards the receiver it never reached), else below it."""
    cands = []
    half = line_h * 0.5
    low = max(c[1] for c in crosses) + spec.cross + 0.05
    high = min(c[1] for c in crosses) - spec.cross - 0.05
    inside_w = min(spec.wrap_inside * spec.small * 0.55 / 72, inner[1] - inner[0]) - 0.1
    if d.end == "discard":
        x_recv = xs[d.receiver]
        x_out = x_recv + direction * (spec.band / 2 + spec.cross + 0.12)
        ha_out = "left" if direction > 0 else "right"
        room = (W - 0.2 - x_out) if direction > 0 else (x_out - spec.axis_x - 0.2)
        wrapped = placer.fit(artist, text, room - 0.1)
        for k in (0, 1, -1, 2, -2, 3):
            cands.append(_Candidate(x_out, cy + k * half, ha_out, "center", wrapped))
        x_in = x_recv - direction * (spec.band / 2 + spec.cross + 0.1)
        ha_in = "right" if direction > 0 else "left"
        wrapped = placer.fit(artist, text, inside_w)
        for k in range(0, 3):
            cands.append(_Candidate(x_in, low + k * half, ha_in, "top", wrapped))
        for k in range(0, 2):
            cands.append(_Candidate(x_in, high - k * half, ha_in, "bottom", wrapped))
    else:
        x_after = cx + direction * (spec.cross + 0.1)
        room = (inner[1] - x_after) if direction > 0 else (x_after - inner[0])
        wrapped = placer.fit(artist, text, room - 0.15)
        ha = "left" if direction > 0 else "right"
        for k in (0, 1, -1, 2, -2):
            cands.append(_Candidate(x_after, cy + k * half, ha, "center", wrapped))
        cands.append(_Candidate(x_after, cy - spec.cross, ha, "top", wrapped))
        cands.append(_Candidate(x_after, cy + spec.cross, ha, "bottom", wrapped))
        wrapped = placer.fit(artist, text, inside_w)
        for k in range(0, 3):
            cands.append(_Candidate(cx, low + k * half, "center", "top", wrapped))
    return cands


def _ticks(axis: _Axis, spec: _Size, recorded: set[float]) -> list[tuple[float, float]]:
    """Tick times (and their y): the first and last recorded instant of every burst, then the other recorded
    instants, skipping any that would crowd a tick already kept."""
    min_gap = spec.small / 72 * 1.45
    wanted: list[float] = []
    for b in axis.bursts:
        mine = sorted(t for t in recorded if b.first <= t <= b.last)
        wanted += mine[:1] + mine[-1:]
    wanted += sorted(recorded)
    kept: list[tuple[float, float]] = []
    for t in wanted:
        y = axis.y(t)
        if all(abs(y - y2) >= min_gap for _, y2 in kept):
            kept.append((t, y))
    return sorted(kept)


def _zigzag(ax, x0: float, x1: float, y: float, gid: str) -> None:
    """A break mark: a white gap bounded by two parallel zig-zags."""
    n = max(2, round((x1 - x0) / 0.07))
    xs = [x0 + (x1 - x0) * i / n for i in range(n + 1)]
    amp, gap = 0.035, 0.05
    top = [(x, y - gap + (amp if i % 2 else -amp) * 0.5) for i, x in enumerate(xs)]
    bottom = [(x, y + gap + (amp if i % 2 else -amp) * 0.5) for i, x in enumerate(xs)]
    _add(ax, Polygon(top + bottom[::-1], closed=True, facecolor="white", edgecolor="none", zorder=3,
                         gid=gid + "-gap"))
    xs_line = [p[0] for p in top] + [math.nan] + [p[0] for p in bottom]
    ys_line = [p[1] for p in top] + [math.nan] + [p[1] for p in bottom]
    _add(ax, Line2D(xs_line, ys_line, color=GREY, linewidth=1.1, zorder=3, gid=gid))


def _legend(ax, placer: _Placer, spec: _Size, H: float, draw: bool) -> float:
    """The legend, in rows above the footer line; returns its height (``draw=False``: only measure)."""
    items = [("line", "-", "datagram"), ("line", RETRANSMIT_DASH, "retransmission"),
             ("cross", None, "lost: dropped on the path or discarded"), ("band", "wait", "SA state"),
             ("band", "active", "SA established"), ("stuck", None, "where a side is stuck")]
    sample_w = 0.42
    fontsize = spec.small - 0.5
    probe = ax.text(0, 0, "", fontsize=fontsize, parse_math=False)
    widths = [placer.size(probe, label)[0] for *_, label in items]
    probe.remove()
    x_start = spec.axis_x - 0.45
    rows: list[list[tuple[float, int]]] = [[]]
    x = x_start
    for i, w in enumerate(widths):
        if rows[-1] and x + sample_w + 0.08 + w > spec.width - 0.25:
            rows.append([])
            x = x_start
        rows[-1].append((x, i))
        x += sample_w + 0.08 + w + 0.28
    row_h = 0.26
    height = len(rows) * row_h
    if not draw:
        return height
    for r, row in enumerate(rows):
        y = H - 0.42 - height + row_h * (r + 0.5)
        for x, i in row:
            kind, style, label = items[i]
            gid = f"legend-{i}"
            if kind == "line":
                _add(ax, Line2D([x, x + sample_w - 0.08], [y, y], color=TO_RESPONDER, linewidth=1.9,
                                   linestyle=style, dash_capstyle="butt", gid=gid))
                _add(ax, Polygon([(x + sample_w, y), (x + sample_w - 0.12, y - 0.045),
                                      (x + sample_w - 0.12, y + 0.045)], closed=True, facecolor=TO_RESPONDER,
                                     edgecolor=TO_RESPONDER, gid=gid + "-head"))
            elif kind == "cross":
                c = spec.cross * 0.85
                m = x + sample_w / 2
                _add(ax, Line2D([m - c, m + c, math.nan, m - c, m + c], [y - c, y + c, math.nan, y + c, y - c],
                                   color=LOST, linewidth=3.0, solid_capstyle="round", gid=gid))
            elif kind == "band":
                active = style == "active"
                _add(ax, Rectangle((x, y - 0.07), sample_w, 0.14, facecolor=ACTIVE_FACE if active else WAIT_FACE,
                                       edgecolor=ACTIVE_EDGE if active else WAIT_EDGE, linewidth=0.9,
                                       hatch="" if active else "////", gid=gid))
            else:
                _add(ax, Rectangle((x, y - 0.07), sample_w, 0.14, facecolor=WAIT_FACE, edgecolor=LOST,
                                       linewidth=2.2, hatch="////", gid=gid))
            ax.text(x + sample_w + 0.08, y, label, fontsize=fontsize, color=INK, va="center", ha="left",
                    gid=gid + "-text", parse_math=False)
    return height

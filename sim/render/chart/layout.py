"""Where everything goes, from the plain chart data (:mod:`.model`): no Trace, no matplotlib.

Grouping
    Datagrams that one side sends at the same instant (a timer resend and the resends triggered by duplicates) are
    one *group*: one arrow at their common send time, labelled once with ``x5`` and the resend numbers, ending where
    the group's first datagram that reached the receiver arrived (or at its cross when all died).

Folding
    A run is cut into *attempts*: a new attempt starts when an SA appears while no SA is alive (a new Main Mode after
    a removal, as in stuck-sa-comes-back). An attempt whose datagrams, states and removals, relative to its start,
    equal attempt 1's (the last one may be cut short by the end of the run) is *folded*: attempts 2-n that repeat
    attempt 1 are replaced by one marker, "attempts 2-9 folded: same as attempt 1", with the real times on the axis
    on both sides, and the states alive when the run ended are drawn after the marker (with the stuck callout).
    The chart stays one page (slide or A4) in every format; no page is split.

Time axis
    Every instant something happens (a group's send, an arrival or discard, an SA change, the end of the run while
    an SA is alive) is a *key instant*; the axis is monotone through them and ticks carry their true times. Each step
    between consecutive key instants gets a height that grows with its length (one row for the shortest step of the
    chart, at most 2.2 rows); a step over :data:`IDLE_GAP` with nothing on the wire is cut (a zig-zag break). A path
    drop is drawn to mid-path, half a row below its send. When the page is too short, rows and fonts shrink (fonts
    to 70 %); below that the page grows taller (it is never drawn over).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..labels import format_time
from .labels import Grid
from .model import ACTIVE, ChartData, key
from .text import fit, text_size

__all__ = ["IDLE_GAP", "SIZES", "Size", "Layout", "build", "groups", "attempts", "fold"]

IDLE_GAP = 1.0


@dataclass(frozen=True)
class Size:
    width: float
    height: float
    dpi: int
    font: float
    small: float
    title: float
    side: float  # from the time axis (or the right edge) to a lifeline
    axis_x: float
    row: float  # wanted height of the shortest step
    band: float


SIZES = {
    "slide": Size(width=2000 / 150, height=7.5, dpi=150, font=10.5, small=9, title=14, side=3.0, axis_x=0.85,
                  row=0.42, band=0.16),
    "a4": Size(width=8.27, height=11.69, dpi=300, font=8.5, small=7.5, title=12, side=1.9, axis_x=0.7, row=0.4,
               band=0.14),
}


# -- what is drawn -------------------------------------------------------------------------------------------------
@dataclass
class Text:
    gid: str
    box: tuple  # (x0, y0, x1, y1): the reserved box; the text is drawn centred in it
    text: str
    size: float
    role: str  # label | reason | state | stuck | stuckhead | tick | header | host | title | footer | fold | note
    align: str = "center"  # multi-line alignment


@dataclass
class Line:
    gid: str
    xs: list
    ys: list
    role: str  # arrow | resend | lifeline | natline | leader | cross | zigzag | tick | rule | cap


@dataclass
class Rect:
    gid: str
    box: tuple
    role: str  # wait | active | stuckband | header | natbox | fold | gap | legend-*


@dataclass
class Arrow:
    gid: str
    ids: tuple
    t0: float
    t1: float | None  # the drawn end's time (None: a drop or in-flight, drawn half a row on)
    a: tuple
    b: tuple
    head: bool
    resend: bool
    sender: int
    natted: bool


@dataclass
class Layout:
    width: float
    height: float
    dpi: int
    texts: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    rects: list = field(default_factory=list)
    arrows: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)  # gids of labels that found no free spot (tests want none)
    folded: tuple = ()  # (first, last) attempt numbers folded, 1-based; () when nothing was folded
    checks: int = 0  # exact overlap tests the placer made
    nat_x: float | None = None  # x of the NAT lifeline
    time_y: dict = field(default_factory=dict)  # key instant -> y of every key instant drawn
    named: set = field(default_factory=set)  # state bands whose name the stuck callout gives

    @property
    def segments(self) -> list:
        """Every drawn segment a label must not cross: arrows (shaft to tip)."""
        return [(a.a, a.b) for a in self.arrows]


# -- grouping ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Group:
    members: tuple  # Datagrams, in id order
    sender: int
    t0: float

    @property
    def first(self):
        return self.members[0]

    @property
    def reached(self):
        return [d for d in self.members if d.fate in ("delivered", "duplicate", "discarded")]

    @property
    def lost(self):
        return [d for d in self.members if d.fate in ("dropped", "discarded")]

    def label(self) -> str:
        messages = []
        for d in self.members:
            if d.label not in messages:
                messages.append(d.label)
        text = " + ".join(messages)
        n = len(self.members)
        if n > 1:
            text += f" \u00d7{n}"
        resends = [d.resend for d in self.members if d.resend]
        if resends:
            text += f" (retransmit {_numbers(resends)})"
        if any(NAT_T in (d.sport, d.dport) for d in self.members):
            text += " \u00b7 UDP 4500"
        if all(d.fate == "in-flight" for d in self.members):
            text += " (in flight)"
        return text


NAT_T = 4500


def _numbers(ns: list[int]) -> str:
    ns = sorted(ns)
    if len(ns) > 2 and ns == list(range(ns[0], ns[-1] + 1)):
        return f"{ns[0]}-{ns[-1]}"
    return ", ".join(str(n) for n in ns)


def groups(data: ChartData) -> list[Group]:
    """Datagrams sent by one side at one instant, as one group each, in send order."""
    out: dict[tuple, list] = {}
    for d in data.datagrams:
        out.setdefault((d.sender, key(d.t0)), []).append(d)
    return [Group(tuple(ms), ms[0].sender, ms[0].t0) for ms in sorted(out.values(), key=lambda ms: (key(ms[0].t0),
                                                                                                   ms[0].id))]


# -- attempts and folding --------------------------------------------------------------------------------------------
def attempts(data: ChartData) -> list[float]:
    """Start times of the attempts: an SA appears while no SA is alive."""
    starts: dict[str, float] = {}
    for i in data.intervals:
        starts[i.sa] = min(starts.get(i.sa, math.inf), i.t0)
    stops: dict[str, float] = {}
    for r in data.removals:
        stops[r.sa] = max(stops.get(r.sa, -math.inf), r.t)
    out = []
    for sa, t in sorted(starts.items(), key=lambda kv: (kv[1], kv[0])):
        earlier = [s for s, t2 in starts.items() if t2 < t]
        if not out or all(s in stops and stops[s] <= t for s in earlier):
            if not out or key(t) > key(out[-1]):
                out.append(t)
    return out or [data.first]


def _signature(data: ChartData, gs: list[Group], t0: float, t1: float, cutoff: float) -> tuple:
    def rel(t):
        return None if t is None or t - t0 > cutoff + 1e-9 else key(t - t0)

    sig = []
    for g in gs:
        if t0 <= g.t0 < t1 and g.t0 - t0 <= cutoff + 1e-9:
            sig.append(("g", g.sender, g.label(), tuple(
                (d.fate if rel(d.t1) is not None else "in-flight", rel(d.t1) if d.fate != "in-flight" else None,
                 d.code or d.short) for d in g.members), rel(g.t0)))
    for i in data.intervals:
        if t0 <= i.t0 < t1 and i.t0 - t0 <= cutoff + 1e-9:
            sig.append(("i", i.side, i.shown, rel(i.t0), rel(i.t1)))
    for r in data.removals:
        if t0 <= r.t < t1 and r.t - t0 <= cutoff + 1e-9:
            sig.append(("r", r.side, rel(r.t), r.code or r.reason))
    return tuple(sorted(sig, key=repr))


def fold(data: ChartData, gs: list[Group]) -> tuple[int, int] | None:
    """(first, last) 0-based attempts to fold, or None."""
    starts = attempts(data)
    if len(starts) < 2:
        return None
    bounds = starts[1:] + [math.inf]
    n = len(starts)

    def same(k: int) -> bool:
        t0, t1 = starts[k], bounds[k]
        cutoff = (data.end - t0) if t1 == math.inf else math.inf
        width = (bounds[0] - starts[0]) if t1 == math.inf else (t1 - t0)
        if t1 != math.inf and key(width) != key(bounds[0] - starts[0]):
            return False
        return _signature(data, gs, t0, t1, cutoff) == _signature(data, gs, starts[0], bounds[0], min(cutoff, width))

    last = 0
    while last + 1 < n and same(last + 1):
        last += 1
    if last == 0:
        return None
    if last < n - 1 and last == 1 and n == 2:
        return None
    return 1, last


# -- the axis --------------------------------------------------------------------------------------------------------
class Axis:
    """Monotone map from simulated time to page y, through the key instants."""

    def __init__(self, keys: list[float], ys: list[float], hidden: list[tuple[float, float, float, float]]):
        self.keys, self.ys = keys, ys
        self.hidden = hidden  # folded (t0, t1, y_top, y_bottom)

    def y(self, t: float) -> float:
        k = key(t)
        for t0, t1, ytop, ybot in self.hidden:
            if t0 <= k < t1:
                return ybot
        keys, ys = self.keys, self.ys
        if k <= keys[0]:
            return ys[0]
        if k >= keys[-1]:
            return ys[-1]
        lo, hi = 0, len(keys) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if keys[mid] <= k:
                lo = mid
            else:
                hi = mid
        if keys[lo] == k:
            return ys[lo]
        f = (k - keys[lo]) / (keys[hi] - keys[lo])
        return ys[lo] + f * (ys[hi] - ys[lo])

    def y_end(self, t: float) -> float:
        """Like :meth:`y`, but an instant inside a fold maps to the fold's top (an interval ending there)."""
        k = key(t)
        for t0, t1, ytop, ybot in self.hidden:
            if t0 < k < t1:
                return ytop
        return self.y(t)


# -- the layout ------------------------------------------------------------------------------------------------------
def build(data: ChartData, size: str = "slide", folding: bool = True) -> Layout:
    """The layout of ``data`` on a ``size`` page (``folding=False``: draw every attempt, for benchmarks)."""
    spec = SIZES[size]
    best = None
    for row_factor in (1.0, 1.3, 1.7, 2.2):
        out = _layout(data, spec, row_factor, folding)
        if not out.unplaced:
            return out
        if best is None or len(out.unplaced) < len(best.unplaced):
            best = out
    return best


def _layout(data: ChartData, spec: Size, row_factor: float, folding: bool) -> Layout:
    gs = groups(data)
    folded = fold(data, gs) if folding else None
    starts = attempts(data)
    hide = None
    if folded:
        alive = any(i.t1 is None for i in data.intervals)
        hide = (key(starts[folded[0]]), key(starts[folded[1] + 1]) if folded[1] + 1 < len(starts)
                else key(data.end) if alive and data.end > starts[-1] else math.inf)

    def visible(t: float) -> bool:
        return hide is None or not (hide[0] <= key(t) < hide[1])

    shown = [g for g in gs if visible(g.t0)]
    alive_at_end = any(i.t1 is None for i in data.intervals)
    # key instants, and which are true record times (ticks)
    keys = set()
    for g in shown:
        keys.add(key(g.t0))
        for d in g.reached:
            if visible(d.t1):
                keys.add(key(d.t1))
    for i in data.intervals:
        for t in (i.t0, i.t1):
            if t is not None and visible(t):
                keys.add(key(t))
    for r in data.removals:
        if visible(r.t):
            keys.add(key(r.t))
    if alive_at_end:
        keys.add(key(max(data.end, max(keys, default=data.first))))
    if not keys:
        keys.add(key(data.first))
    keys = sorted(keys)
    # wire occupancy: steps with a datagram in flight are not cut
    on_wire = [(key(g.t0), key(d.t1)) for g in shown for d in g.reached if d.t1 > g.t0]
    hanging = {key(g.t0) for g in shown if not g.reached}  # a drop or in-flight arrow hangs below its send
    steps = []  # (kind, length) between keys[i] and keys[i+1]
    for a, b in zip(keys, keys[1:]):
        if hide and (a < hide[0] <= b or hide[0] <= a < hide[1]):
            steps.append(("fold+" if alive_at_end and b == keys[-1] else "fold", b - a))  # + the states at the end
        elif alive_at_end and b == keys[-1] and b - a > IDLE_GAP and not any(s < b and e > a for s, e in on_wire):
            steps.append(("end", b - a))  # a cut, then the states alive at the end get a row of their own
        elif b - a > IDLE_GAP and not any(s < b and e > a for s, e in on_wire):
            steps.append(("break+" if a in hanging else "break", b - a))
        else:
            steps.append(("step", b - a))
    gmin = min((n for k, n in steps if k == "step" and n > 0), default=1.0)

    def units(kind: str, n: float) -> float:
        if kind == "step":
            return min(2.2, 1 + 0.6 * math.log10(max(n / gmin, 1.0)))
        return {"break": 0.6, "break+": 1.0, "end": 1.1, "fold+": 1.0}.get(kind, 0.0)

    fold_h = 0.5 if hide else 0.0
    n_units = sum(units(k, n) for k, n in steps)

    font_scale = 1.0
    title_h, header_h = 0.42, 0.55 if not data.nats else 0.7
    top = 0.15 + title_h + header_h + 0.22
    legend_h = 0.55
    H = spec.height
    bottom = H - 0.4 - legend_h
    room = bottom - top - fold_h - 0.25
    row = spec.row * row_factor
    min_row = text_size("Mg", spec.font)[1] * 1.9 * row_factor
    if n_units * row < room * 0.7:  # a short run: taller rows, up to half as tall again
        row = min(row * 1.5, room * 0.7 / max(n_units, 1))
    if n_units * row > room:
        row = max(room / max(n_units, 1), min_row * 0.7)
        font_scale = max(0.7, min(1.0, row / min_row))
        if row < min_row * font_scale:
            row = min_row * font_scale
    if n_units * row > room:  # too tall even so: the page grows, nothing is drawn beyond it
        H += n_units * row - room
        bottom = H - 0.4 - legend_h
    font, small = spec.font * font_scale, spec.small * font_scale
    W = spec.width
    out = Layout(W, H, spec.dpi)

    # y of every key instant
    ys = [top]
    hidden = []
    for (kind, n), a, b in zip(steps, keys, keys[1:]):
        if kind.startswith("fold"):
            if not hidden:
                hidden.append((hide[0], hide[1], ys[-1] + 0.12, ys[-1] + 0.12 + fold_h))
                ys.append(ys[-1] + 0.12 + fold_h + max(0.12, units(kind, n) * row))
            else:
                ys.append(ys[-1])
        else:
            ys.append(ys[-1] + units(kind, n) * row)
    axis = Axis(keys, ys, hidden)
    out.time_y = {k: y for k, y in zip(keys, ys) if visible(k)}

    xs = [spec.axis_x + spec.side, W - spec.side]
    xm = (xs[0] + xs[1]) / 2
    grid = Grid((0.05, 0.05, W - 0.05, H - 0.05))
    y_bottom = ys[-1] + 0.5 * row
    # -- title, headers, lifelines
    title = f"{data.scenario}: {data.title}" if data.title else data.scenario
    _fixed(out, grid, "title", title, spec.title * font_scale, "title", 0.25, 0.12, "left", W - 0.5)
    for side, x in zip(data.sides, xs):
        text = f"{side.hostname}\n{side.role} \u00b7 {side.platform} \u00b7 {side.address}"
        w, h = text_size(text, font)
        hy = 0.15 + title_h
        box = (x - w / 2 - 0.1, hy, x + w / 2 + 0.1, hy + max(h + 0.08, header_h - 0.1))
        out.rects.append(Rect(f"header-{side.hostname}", box, "header"))
        out.texts.append(Text(f"hosttext-{side.hostname}", _inner(box, w, h), text, font, "host"))
        grid.add_box(box)
        out.lines.append(Line(f"lifeline-{side.hostname}", [x, x], [box[3], y_bottom], "lifeline"))
    for n, nat in enumerate(data.nats):
        inside = data.sides[nat.inside]
        text = fit(nat.name, small, xs[1] - xs[0] - 2.5, max_lines=1) + f"\nPAT: {inside.address} \u2192 {nat.address}"
        floated = next((d for d in data.datagrams if NAT_T in (d.sport, d.dport)), None)
        if floated is not None:
            text += f"\nNAT-T: from {floated.message} on UDP 4500"
        w, h = text_size(text, small)
        hy = 0.15 + title_h
        box = (xm - w / 2 - 0.1, hy, xm + w / 2 + 0.1, hy + h + 0.1)
        out.rects.append(Rect(f"nat-{n}", box, "natbox"))
        out.texts.append(Text(f"nattext-{n}", _inner(box, w, h), text, small, "nat"))
        grid.add_box(box)
        out.lines.append(Line(f"natline-{n}", [xm, xm], [box[3], y_bottom], "natline"))
        # not an obstacle: a label may sit across the dotted NAT line (it is no arrow)
        out.nat_x = xm
    for x in xs:
        grid.add_segment(((x, top - 0.3), (x, y_bottom)))

    # -- state bands
    lanes: dict[tuple, int] = {}
    life = _lifetimes(data)
    for i in data.intervals:
        if (i.side, i.sa) not in lanes:
            busy = {lanes[(s, sa)] for (s, sa) in lanes if s == i.side and life[(s, sa)][0] <= i.t0 < life[(s, sa)][1]}
            lanes[(i.side, i.sa)] = min(k for k in range(len(busy) + 1) if k not in busy)
    band_boxes = []
    counts: dict[tuple, int] = {}
    for i in data.intervals:
        t1 = i.t1 if i.t1 is not None else keys[-1]
        if hide and hide[0] <= key(i.t0) < hide[1] and (i.t1 is not None and key(i.t1) < hide[1]):
            continue  # wholly folded (a state alive at the end of the run is drawn after the fold marker)
        y0, y1 = axis.y(i.t0), axis.y_end(t1)
        if y1 - y0 < 1e-6:
            continue
        lane = lanes[(i.side, i.sa)]
        x = xs[i.side] + (-1 if i.side == 0 else 1) * lane * spec.band
        host = data.sides[i.side].hostname
        n = counts.get((host, i.shown), 0)
        counts[(host, i.shown)] = n + 1
        box = (x - spec.band / 2, y0, x + spec.band / 2, y1)
        out.rects.append(Rect(f"state-{host}-{i.shown}-{n}", box, "active" if i.state == ACTIVE else "wait"))
        band_boxes.append((i, host, n, box, lane))
        grid.add_segment(((box[0], y0), (box[0], y1)))
        grid.add_segment(((box[2], y0), (box[2], y1)))
    for r in data.removals:
        if not visible(r.t):
            continue
        host = data.sides[r.side].hostname
        x = xs[r.side] + (-1 if r.side == 0 else 1) * lanes.get((r.side, r.sa), 0) * spec.band
        y = axis.y(r.t)
        k = sum(1 for ln in out.lines if ln.gid.startswith(f"removed-{host}-"))
        out.lines.append(Line(f"removed-{host}-{k}", [x - spec.band * 0.9, x + spec.band * 0.9], [y, y], "cap"))

    # -- fold marker
    if hidden:
        t0, t1, ytop, ybot = hidden[0]
        last = folded[1] + 1
        end_note = " (the last cut short by the end of the run)" if folded[1] == len(starts) - 1 else ""
        first_t = starts[folded[0]]
        text = (f"attempts {folded[0] + 1}-{last} folded: same as attempt 1{end_note}\n"
                f"each a new Main Mode after the SA was removed; from {format_time(first_t)}")
        box = (xs[0] - spec.band * 2, ytop, xs[1] + spec.band * 2, ybot)
        out.rects.append(Rect("fold", box, "fold"))
        w, h = text_size(fit(text, font, box[2] - box[0] - 0.3, max_lines=2), font)
        out.texts.append(Text("fold-text", _inner(box, w, h), fit(text, font, box[2] - box[0] - 0.3, max_lines=2),
                              font, "fold"))
        grid.add_box(box)
        out.folded = (folded[0] + 1, last)

    # -- arrows
    inner = (xs[0] + spec.band * 1.5, xs[1] - spec.band * 1.5)
    for g in shown:
        _arrow(out, grid, axis, g, xs, spec, row, data)
    # -- breaks
    for (kind, _), a, b, ya, yb in zip(steps, keys, keys[1:], ys, ys[1:]):
        if kind.startswith("break") or kind == "end":
            y = ya + (yb - ya) * (0.3 if kind == "end" else 0.75)
            for side, x in zip(data.sides, xs):
                out.lines.append(Line(f"break-{a:.3f}-{side.hostname}", [x - 0.25, x + 0.25], [y, y], "zigzag"))
            out.lines.append(Line(f"break-{a:.3f}-axis", [spec.axis_x - 0.04, spec.axis_x + 0.2], [y, y], "zigzag"))

    # -- ticks (fixed column left of the axis)
    min_gap = text_size("0", small)[1] + 0.03
    kept = []
    ticks = sorted({key(g.t0) for g in shown} | {key(d.t1) for g in shown for d in g.reached if visible(d.t1)}
                   | {k for k in keys})
    for t in ticks:
        y = axis.y(t)
        if all(abs(y - y2) >= min_gap for y2 in kept):
            kept.append(y)
            label = format_time(t)
            w, h = text_size(label, small)
            box = (spec.axis_x - 0.08 - w, y - h / 2, spec.axis_x - 0.08, y + h / 2)
            out.texts.append(Text(f"ticklabel-{t:.3f}", box, label, small, "tick"))
            out.lines.append(Line(f"tick-{t:.3f}", [spec.axis_x - 0.05, spec.axis_x + 0.05], [y, y], "tick"))
            grid.add_box(box)
    out.lines.append(Line("axis", [spec.axis_x, spec.axis_x], [top - 0.1, y_bottom], "axisline"))

    _legend_and_footer(out, grid, data, spec, small, W, H, bool(data.nats), bottom)
    grid.add_box((0.0, bottom + 0.02, W, H))  # legend and footer: no label goes there
    # -- labels: arrows first (nearest their arrow), then reasons, stuck callouts, state names
    for a, g in zip(out.arrows, shown):
        _place_arrow_label(out, grid, a, g, font, inner, spec.band, spec.axis_x)
    _place_reasons(out, grid, shown, axis, xs, spec, small, W, inner)
    _place_stuck(out, grid, data, axis, xs, spec, small, band_boxes, keys, lanes)
    for i, host, n, box, lane in band_boxes:
        text = i.shown
        w, h = text_size(text, small)
        outward = -1 if i.side == 0 else 1
        x_edge = box[0] - 0.06 if outward < 0 else box[2] + 0.06
        cands = []
        ystep = h * 0.6
        k = 0
        while box[1] + k * ystep + h <= max(box[3], box[1] + h) + 1e-9 and k < 12:
            yy = box[1] + k * ystep
            cands.append((x_edge - w, yy, x_edge, yy + h) if outward < 0 else (x_edge, yy, x_edge + w, yy + h))
            k += 1
        cands += [(c[0], c[1] - h * 0.6, c[2], c[3] - h * 0.6) for c in cands[:1]]
        gid = f"statelabel-{host}-{i.shown}-{n}"
        box = grid.place(cands)
        if box is not None:
            out.texts.append(Text(gid, box, text, small, "state", "left"))
        elif f"state-{host}-{i.shown}-{n}" not in out.named:  # a stuck band's callout already names its state
            out.unplaced.append(gid)
    out.checks = grid.checks
    return out


def _inner(box, w, h):
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _fixed(out, grid, gid, text, size, role, x, y, ha, maxw):
    text = fit(text, size, maxw, bold=role == "title", max_lines=1)
    w, h = text_size(text, size, bold=role == "title")
    box = (x, y, x + w, y + h) if ha == "left" else (x - w, y, x, y + h)
    out.texts.append(Text(gid, box, text, size, role, "left"))
    grid.add_box(box)
    return box


def _place(out, grid, gid, text, size, role, candidates, align="center"):
    box = grid.place(candidates)
    if box is None:
        out.unplaced.append(gid)
        return None
    out.texts.append(Text(gid, box, text, size, role, align))
    return box


def _lifetimes(data) -> dict[tuple, tuple[float, float]]:
    """(side, sa) -> (created, removed or infinity)."""
    out: dict[tuple, tuple[float, float]] = {}
    for i in data.intervals:
        k = (i.side, i.sa)
        out[k] = (min(out.get(k, (math.inf,))[0], i.t0), math.inf)
    for r in data.removals:
        if (r.side, r.sa) in out:
            out[(r.side, r.sa)] = (out[(r.side, r.sa)][0], r.t)
    return out


def _arrow(out, grid, axis, g, xs, spec, row, data):
    s = g.sender
    r = 1 - s
    direction = 1 if xs[r] > xs[s] else -1
    xa = xs[s] + direction * spec.band / 2
    xb = xs[r] - direction * spec.band / 2
    ya = axis.y(g.t0)
    reached = g.reached
    if reached:
        t1 = reached[0].t1
        yb, head = axis.y(t1), True
    elif all(d.fate == "in-flight" for d in g.members):
        t1, yb, head = None, ya + 0.3 * row, False
        xb = xa + (xb - xa) * 0.55
    else:  # all dropped on the path: to mid-path
        t1, yb, head = None, ya + 0.3 * row, False
        xb = (xa + xb) / 2
    a = Arrow(f"arrow-{g.first.id}", tuple(d.id for d in g.members), g.t0, t1, (xa, ya), (xb, yb), head,
              any(d.resend for d in g.members), s, any(d.natted for d in g.members))
    out.arrows.append(a)
    grid.add_segment((a.a, a.b))
    if g.lost:
        if reached and any(d.fate == "discarded" for d in g.lost):
            cx, cy = xs[r], yb  # on the receiver's lifeline
        elif reached:  # some of the group died on the path, the others got through: mid-path
            cx, cy = (xa + xb) / 2, (ya + yb) / 2
        else:
            cx, cy = xb, yb
        c = 0.075
        out.lines.append(Line(f"cross-{g.first.id}", [cx - c, cx + c, math.nan, cx - c, cx + c],
                              [cy - c, cy + c, math.nan, cy + c, cy - c], "cross"))
        grid.add_box((cx - c, cy - c, cx + c, cy + c))


def _place_arrow_label(out, grid, a, g, font, inner, band, axis_right):
    text = g.label()
    variants = [text]
    for sep in (" \u00b7 ", " (retransmit", " \u00d7", ": "):
        if sep in text:
            head, _, tail = text.partition(sep)
            variants.append(head + ("\n" + sep.strip() + " " + tail if sep == " \u00b7 " else "\n" + sep.lstrip()
                                    + tail if sep != ": " else ":\n" + tail))
            break
    for v in variants:
        cands = _arrow_label_candidates(a, v, font, inner)
        box = grid.place(cands)
        if box is not None:
            out.texts.append(Text(f"label-{g.first.id}", box, v, font, f"label{g.sender}"))
            return
    # last resort: in the sender's outer margin, beside the arrow's start (no arrow runs there)
    outward = -1 if g.sender == 0 else 1
    x = a.a[0] + outward * (band * 3 + 0.1)
    room = (x - axis_right - 0.1) if outward < 0 else (grid.page[2] - x)
    v = fit(variants[0], font, max(room, 0.5), max_lines=3)
    w, h = text_size(v, font)
    cands = []
    for k in (0, -1, 1, -2, 2, -3, 3, -4, 4, 5, 6):
        y0 = a.a[1] - h / 2 + k * h * 0.5
        cands.append((x - w, y0, x, y0 + h) if outward < 0 else (x, y0, x + w, y0 + h))
    box = grid.place(cands)
    if box is not None:
        out.texts.append(Text(f"label-{g.first.id}", box, v, font, f"label{g.sender}",
                              "right" if outward < 0 else "left"))
        return
    out.unplaced.append(f"label-{g.first.id}")


def _arrow_label_candidates(a, text, font, inner):
    w, h = text_size(text, font)
    (xa, ya), (xb, yb) = a.a, a.b
    if xb < xa:
        (xa, ya), (xb, yb) = (xb, yb), (xa, ya)
    slope = (yb - ya) / (xb - xa) if xb != xa else 0.0

    def line_y(x):
        return ya + (x - xa) * slope

    lo, hi = max(inner[0], xa), min(inner[1], xb)
    if hi - lo < w:
        lo, hi = inner
    cands = []
    for lift in (0.03, 0.09, 0.16):
        for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9):
            cx = lo + (hi - lo) * f
            x0 = min(max(cx - w / 2, lo), hi - w)
            x1 = x0 + w
            top_line = min(line_y(x0), line_y(x1))
            bot_line = max(line_y(x0), line_y(x1))
            cands.append((x0, top_line - lift - h, x1, top_line - lift))
            cands.append((x0, bot_line + lift, x1, bot_line + lift + h))
    return cands


def _place_reasons(out, grid, shown, axis, xs, spec, small, W, inner):
    said = set()
    for g, a in zip(shown, out.arrows):
        if not g.lost:
            continue
        lost = g.lost
        reason = lost[0].reason or lost[0].fate
        kinds = {d.fate for d in lost}
        head = ""
        if len(g.members) > 1:
            head = f"{len(lost)} of {len(g.members)} lost: " if len(lost) < len(g.members) else ""
        text = head + (reason if reason not in said else (lost[0].short or reason))
        said.add(reason)
        cross = next(ln for ln in out.lines if ln.gid == f"cross-{g.first.id}")
        cx, cy = cross.xs[0] + 0.075, cross.ys[0] + 0.075
        direction = 1 if a.sender == 0 else -1  # towards the receiver
        cands = []
        if "discarded" in kinds and a.head:
            x_out = xs[1 - a.sender] + direction * (spec.band * 1.5 + 0.12)
            room = (W - 0.15 - x_out) if direction > 0 else (x_out - spec.axis_x - 0.15)
            txt = fit(text, small, max(room, 1.0), max_lines=4)
            w, h = text_size(txt, small)
            for k in (0, 1, -1, 2, -2, 3, -3, 4, 5, 6, -4, 7, 8):
                y0 = cy - h / 2 + k * h * 0.5
                cands.append((x_out, y0, x_out + w, y0 + h) if direction > 0 else (x_out - w, y0, x_out, y0 + h))
        else:
            txt = fit(text, small, (inner[1] - inner[0]) / 2 - 0.3, max_lines=3)
            w, h = text_size(txt, small)
            x0 = cx + 0.12 if direction > 0 else cx - 0.12 - w
            for k in (0, 1, -1, 2, -2, 3, -3, 4, 5, 6, -4, 7, 8):
                y0 = cy - h / 2 + k * h * 0.5
                cands.append((x0, y0, x0 + w, y0 + h))
        txt2 = fit(text, small, (inner[1] - inner[0]) / 2 - 0.3, max_lines=3)
        w2, h2 = text_size(txt2, small)
        n_first = len(cands)
        for k in range(0, 8):
            for dx in (0.0, -0.5, 0.5, -1.0, 1.0):
                y0 = cy + 0.1 + k * h2 * 0.5
                cands.append((cx + dx - w2 / 2, y0, cx + dx + w2 / 2, y0 + h2))
        box = grid.place(cands)
        if box is None:
            out.unplaced.append(f"reason-{g.first.id}")
            continue
        out.texts.append(Text(f"reason-{g.first.id}", box, txt if cands.index(box) < n_first else txt2, small, "reason",
                              "left"))


def _place_stuck(out, grid, data, axis, xs, spec, small, band_boxes, keys, lanes):
    for side, (shown, removed_t, reason) in sorted(data.stuck.items()):
        host = data.sides[side].hostname
        mine = [b for b in band_boxes if b[0].side == side and b[0].shown == shown]
        if not mine:
            continue
        interval, _, mine_n, box, lane = max(mine, key=lambda b: b[3][3])
        y_end = box[3]
        outward = -1 if side == 0 else 1
        x_edge = box[0] if outward < 0 else box[2]
        x_text = x_edge + outward * 0.3
        room = (x_text - spec.axis_x - 0.15) if outward < 0 else (spec.width - 0.15 - x_text)
        head = fit(f"stuck in {shown}", small, room - 0.2, bold=True, max_lines=2)
        if removed_t is not None:
            detail = f"SA removed at {format_time(removed_t)}" + (f": {reason}" if reason else "")
        else:
            detail = f"still there when the run ended ({format_time(data.end)})"
        detail = fit(detail, small * 0.95, room - 0.2, max_lines=4)
        hw, hh = text_size(head, small, bold=True)
        dw, dh = text_size(detail, small * 0.95)
        w, h = max(hw, dw) + 0.16, hh + dh + 0.14
        x0 = x_text if outward > 0 else x_text - w
        cands = []
        line = text_size("M", small)[1]
        for o in [-0.1, -h / 2, -h + 0.1] + [0.05 + k * line * 0.5 for k in range(40)] + [
                -h - k * line * 0.5 for k in range(30)]:
            c = (x0, y_end + o, x0 + w, y_end + o + h)
            (lx, ly) = (c[0] if outward > 0 else c[2], min(max(y_end, c[1] + 0.08), c[3] - 0.08))
            near = (lx + (x_edge - lx) * 0.75, ly + (y_end - ly) * 0.75)  # the last quarter may touch its cross
            if grid.segment_free(((lx, ly), near)):
                cands.append(c)
        frame = grid.place(cands)
        if frame is None:
            out.unplaced.append(f"stuck-{host}")
            continue
        out.rects.append(Rect(f"stuck-{host}-box", frame, "stuckbox"))
        inner_x0, inner_x1 = frame[0] + 0.08, frame[2] - 0.08
        hb = (inner_x0, frame[1] + 0.06, inner_x0 + hw, frame[1] + 0.06 + hh) if outward > 0 else (
            inner_x1 - hw, frame[1] + 0.06, inner_x1, frame[1] + 0.06 + hh)
        db = (inner_x0, hb[3] + 0.02, inner_x0 + dw, hb[3] + 0.02 + dh) if outward > 0 else (
            inner_x1 - dw, hb[3] + 0.02, inner_x1, hb[3] + 0.02 + dh)
        out.texts.append(Text(f"stuck-{host}", hb, head, small, "stuckhead", "left"))
        out.texts.append(Text(f"stuck-{host}-detail", db, detail, small * 0.95, "stuck",
                              "left" if outward > 0 else "right"))
        yb = min(max(y_end, frame[1] + 0.08), frame[3] - 0.08)
        xb = frame[0] if outward > 0 else frame[2]
        out.lines.append(Line(f"stuck-{host}-leader", [xb, x_edge], [yb, y_end], "leader"))
        out.rects.append(Rect(f"stuckband-{host}", box, "stuckband"))
        out.named.add(f"state-{host}-{shown}-{mine_n}")
    for side, s in enumerate(data.sides):
        if not any(i.side == side for i in data.intervals):
            text = "no IKE SA"
            w, h = text_size(text, small)
            outward = -1 if side == 0 else 1
            x = xs[side] + outward * (spec.band + 0.08)
            y = axis.ys[0]
            cands = [((x - w, y + k * 0.1, x, y + k * 0.1 + h) if outward < 0 else (x, y + k * 0.1, x + w,
                      y + k * 0.1 + h)) for k in range(12)]
            _place(out, grid, f"nosa-{s.hostname}", text, small, "note", cands)


LEGEND = [("arrow", "datagram"), ("resend", "retransmission (\u00d7n: sent together)"),
          ("cross", "lost: dropped on the path or discarded"), ("wait", "SA state"), ("active", "SA established"),
          ("stuckband", "where a side is stuck")]


def _legend_and_footer(out, grid, data, spec, small, W, H, nat, bottom):
    items = LEGEND + ([("natline", "NAT on the path (\u25c6 rewrote it)")] if nat else [])
    size = small * 0.95
    x = spec.axis_x - 0.45
    y = bottom + 0.2
    rows = 0
    for n, (kind, label) in enumerate(items):
        w, h = text_size(label, size)
        if x + 0.5 + w > W - 0.2:
            rows += 1
            x = spec.axis_x - 0.45
        yy = y + rows * 0.25
        out.rects.append(Rect(f"legend-{n}", (x, yy - 0.06, x + 0.4, yy + 0.06), f"legend-{kind}"))
        box = (x + 0.48, yy - h / 2, x + 0.48 + w, yy + h / 2)
        out.texts.append(Text(f"legend-{n}-text", box, label, size, "legend", "left"))
        grid.add_box(box)
        x += 0.48 + w + 0.3
    footer = f"scenario {data.scenario} \u00b7 seed {data.seed} \u00b7 simulated to {format_time(data.end)}"
    footer += f" \u00b7 idle stretches over {IDLE_GAP:g} s cut (zig-zag) \u00b7 times in simulated seconds"
    out.lines.append(Line("footer-rule", [0.25, W - 0.25], [H - 0.34, H - 0.34], "rule"))
    _fixed(out, grid, "footer", footer, size * 0.95, "footer", 0.3, H - 0.28, "left", W - 0.6)

"""Drawing a :class:`~.layout.Layout` with matplotlib: the only module of the package that imports matplotlib (and
only when called). A bare ``Figure`` on the Agg canvas, never pyplot; coordinates are inches, y down.

Determinism: every save runs inside :func:`chart_rc` (matplotlib's defaults plus ours, whatever the user's style),
with a fixed SVG hash salt and no dates or software names in the metadata. SVG keeps text as text
(``svg.fonttype = 'none'``); PDF embeds TrueType fonts (``pdf.fonttype = 42``).
"""

from __future__ import annotations

import contextlib
import io
import math

__all__ = ["chart_rc", "figure", "save"]

INK = "#222222"
GREY = "#6b6b6b"
LIGHT = "#bdbdbd"
TO_RESPONDER = "#1f4e79"
TO_INITIATOR = "#7a4a12"
LOST = "#b3261e"
WAIT_FACE = "#f6dfae"
WAIT_EDGE = "#9c6b1c"
WAIT_TEXT = "#7a500c"
ACTIVE_FACE = "#a9d5b0"
ACTIVE_EDGE = "#2e6b35"
HEADER_FACE = "#eef2f6"
NAT_EDGE = "#5b3b8c"
RESEND_DASH = (0, (5, 3))

RC = {
    "font.family": "DejaVu Sans",
    "svg.hashsalt": "ikesim-chart",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "hatch.linewidth": 0.9,
    "text.usetex": False,
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "figure.facecolor": "white",
}

TEXT_STYLE = {
    "label0": dict(color=TO_RESPONDER),  # a label in its arrow's colour
    "label1": dict(color=TO_INITIATOR),
    "reason": dict(color=LOST),
    "state": dict(color=WAIT_TEXT),
    "stuck": dict(color=LOST),
    "stuckhead": dict(color=LOST, fontweight="bold"),
    "tick": dict(color=GREY),
    "host": dict(color=INK),
    "nat": dict(color=NAT_EDGE),
    "title": dict(color=INK, fontweight="bold"),
    "footer": dict(color=GREY),
    "fold": dict(color=INK, style="italic"),
    "note": dict(color=GREY, style="italic"),
    "legend": dict(color=INK),
}


@contextlib.contextmanager
def chart_rc():
    """matplotlib's defaults plus ours; nothing leaks out of the ``with``."""
    import matplotlib
    from matplotlib import style

    with matplotlib.rc_context():
        style.use("default")
        matplotlib.rcParams.update(RC)
        yield


def metadata(fmt: str) -> dict:
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None, "ModDate": None}
    return {"Software": None}


def save(lay, fmt: str) -> bytes:
    with chart_rc():
        fig = figure(lay)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=lay.dpi, metadata=metadata(fmt))
    return buf.getvalue()


def figure(lay):
    """The Figure of a layout (call inside :func:`chart_rc`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle

    W, H = lay.width, lay.height
    fig = Figure(figsize=(W, H), dpi=lay.dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, W)
    ax.set_ylim(H, 0)
    ax.set_axis_off()

    def add(artist):
        artist.set_clip_on(False)
        ax.add_artist(artist)

    for r in lay.rects:
        x0, y0, x1, y1 = r.box
        w, h = x1 - x0, y1 - y0
        role = r.role.removeprefix("legend-")
        kw = dict(gid=r.gid, zorder=2)
        if role == "wait":
            p = Rectangle((x0, y0), w, h, facecolor=WAIT_FACE, edgecolor=WAIT_EDGE, linewidth=0.9, hatch="////", **kw)
        elif role == "active":
            p = Rectangle((x0, y0), w, h, facecolor=ACTIVE_FACE, edgecolor=ACTIVE_EDGE, linewidth=0.9, **kw)
        elif role == "stuckband":
            p = Rectangle((x0, y0), w, h, facecolor="none", edgecolor=LOST, linewidth=2.2, gid=r.gid, zorder=3)
        elif role == "stuckbox":
            p = FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0,rounding_size=0.05", facecolor="white",
                               edgecolor=LOST, linewidth=1.6, gid=r.gid, zorder=9)
        elif role == "header":
            p = FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0,rounding_size=0.06", facecolor=HEADER_FACE,
                               edgecolor=INK, linewidth=1.1, **kw)
        elif role in ("natbox", "natline"):
            p = FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0,rounding_size=0.06", facecolor="white",
                               edgecolor=NAT_EDGE, linewidth=1.1, linestyle=(0, (2, 2)) if role == "natline" else "-",
                               **kw)
        elif role == "fold":
            p = Rectangle((x0, y0), w, h, facecolor="#f2f2f2", edgecolor=GREY, linewidth=1.0, linestyle=(0, (4, 2)),
                          gid=r.gid, zorder=5)
        elif role == "arrow" or role == "resend":
            y = (y0 + y1) / 2
            add(Line2D([x0, x1 - 0.1], [y, y], color=TO_RESPONDER, linewidth=1.9, dash_capstyle="butt",
                       linestyle=RESEND_DASH if role == "resend" else "-", gid=r.gid))
            p = Polygon([(x1, y), (x1 - 0.12, y - 0.045), (x1 - 0.12, y + 0.045)], closed=True,
                        facecolor=TO_RESPONDER, edgecolor=TO_RESPONDER, gid=r.gid + "-head")
        elif role == "cross":
            c, m, y = 0.06, (x0 + x1) / 2, (y0 + y1) / 2
            p = Line2D([m - c, m + c, math.nan, m - c, m + c], [y - c, y + c, math.nan, y + c, y - c], color=LOST,
                       linewidth=3.0, solid_capstyle="round", gid=r.gid)
        else:
            continue
        add(p)

    styles = {
        "lifeline": dict(color=INK, linewidth=1.3, zorder=1),
        "natline": dict(color=NAT_EDGE, linewidth=1.2, linestyle=(0, (2, 3)), zorder=1),
        "axisline": dict(color=LIGHT, linewidth=1.0, zorder=1),
        "tick": dict(color=GREY, linewidth=1.0, zorder=1),
        "cap": dict(color=LOST, linewidth=2.6, solid_capstyle="butt", zorder=6),
        "leader": dict(color=LOST, linewidth=1.6, zorder=8, marker="o", markevery=[1], markersize=4.5),
        "rule": dict(color=LIGHT, linewidth=0.8),
        "cross": dict(color=LOST, linewidth=3.0, solid_capstyle="round", zorder=7),
    }
    for ln in lay.lines:
        if ln.role == "zigzag":
            _zigzag(ax, add, ln)
            continue
        add(Line2D(ln.xs, ln.ys, gid=ln.gid, **styles[ln.role]))

    for a in lay.arrows:
        color = TO_RESPONDER if a.sender == 0 else TO_INITIATOR
        (xa, ya), (xb, yb) = a.a, a.b
        length = math.hypot(xb - xa, yb - ya) or 1.0
        ux, uy = (xb - xa) / length, (yb - ya) / length
        head = 0.14
        end = (xb - ux * head * 0.7, yb - uy * head * 0.7) if a.head else (xb, yb)
        add(Line2D([xa, end[0]], [ya, end[1]], color=color, linewidth=1.9,
                   linestyle=RESEND_DASH if a.resend else "-", solid_capstyle="butt", dash_capstyle="butt",
                   zorder=4, gid=a.gid))
        if a.head:
            nx, ny = -uy, ux
            hw = head * 0.36
            base = (xb - ux * head, yb - uy * head)
            add(Polygon([(xb, yb), (base[0] + nx * hw, base[1] + ny * hw), (base[0] - nx * hw, base[1] - ny * hw)],
                        closed=True, facecolor=color, edgecolor=color, linewidth=0.8, zorder=4,
                        gid=a.gid.replace("arrow", "arrowhead")))
        if a.natted:
            xm = lay.nat_x
            if xm is not None and min(xa, xb) < xm < max(xa, xb):
                ym = ya + (yb - ya) * (xm - xa) / (xb - xa)
                add(Line2D([xm], [ym], marker="D", markersize=5.5, color=NAT_EDGE, linestyle="none", zorder=6,
                           gid=a.gid.replace("arrow", "natmark")))

    for t in lay.texts:
        x0, y0, x1, y1 = t.box
        ha = {"left": "left", "right": "right"}.get(t.align, "center")
        x = x0 + 0.01 if ha == "left" else x1 - 0.01 if ha == "right" else (x0 + x1) / 2
        ax.text(x, (y0 + y1) / 2, t.text, fontsize=t.size, ha=ha, va="center", multialignment=ha, gid=t.gid,
                zorder=10, parse_math=False, clip_on=False, **TEXT_STYLE.get(t.role, {}),
                **({"bbox": dict(boxstyle="square,pad=0.05", facecolor="white", edgecolor="none")}
                   if t.role.startswith("label") and lay.nat_x is not None else {}))
    return fig


def _zigzag(ax, add, ln):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    x0, x1 = ln.xs
    y = ln.ys[0]
    n = max(2, round((x1 - x0) / 0.07))
    xs = [x0 + (x1 - x0) * i / n for i in range(n + 1)]
    amp, gap = 0.035, 0.05
    top = [(x, y - gap + (amp if i % 2 else -amp) * 0.5) for i, x in enumerate(xs)]
    bottom = [(x, y + gap + (amp if i % 2 else -amp) * 0.5) for i, x in enumerate(xs)]
    add(Polygon(top + bottom[::-1], closed=True, facecolor="white", edgecolor="none", zorder=3, gid=ln.gid + "-gap"))
    add(Line2D([p[0] for p in top] + [math.nan] + [p[0] for p in bottom],
               [p[1] for p in top] + [math.nan] + [p[1] for p in bottom], color=GREY, linewidth=1.1, zorder=3,
               gid=ln.gid))

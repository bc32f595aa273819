"""Text sizes without matplotlib: DejaVu Sans advance widths (em, measured once with matplotlib's Agg renderer), so
the layout can be computed, and tested, without drawing. Boxes are a little generous (kerning only narrows)."""

from __future__ import annotations

_NORMAL = (
    " 0.32 !0.4 \"0.46 #0.84 $0.64 %0.95 &0.78 '0.27 (0.39 )0.39 *0.5 +0.84 ,0.32 -0.36 .0.32 /0.34 00.64 10.64 20.64 "
    "30.64 40.64 50.64 60.64 70.64 80.64 90.64 :0.34 ;0.34 <0.84 =0.84 >0.84 ?0.53 @1.0 A0.68 B0.69 C0.7 D0.77 E0.63 "
    "F0.58 G0.77 H0.75 I0.3 J0.3 K0.66 L0.56 M0.86 N0.75 O0.79 P0.6 Q0.79 R0.69 S0.63 T0.61 U0.73 V0.68 W0.99 X0.69 "
    "Y0.61 Z0.69 [0.39 \\0.34 ]0.39 ^0.84 _0.5 `0.5 a0.61 b0.63 c0.55 d0.63 e0.62 f0.35 g0.63 h0.63 i0.28 j0.28 "
    "k0.58 l0.28 m0.97 n0.63 o0.61 p0.63 q0.63 r0.41 s0.52 t0.39 u0.63 v0.59 w0.82 x0.59 y0.59 z0.52 {0.64 |0.34 "
    "}0.64 ~0.84 \u00b70.32 \u00d70.84 \u21920.84 \u20130.5 \u20261.0 \u20190.32")
_BOLD_FACTOR = 1.12  # DejaVu Sans Bold is about 12 % wider


def _table(text: str) -> dict[str, float]:
    out = {}
    for item in text.split(" 0.32 ", 1)[1].split(" "):
        out[item[0]] = float(item[1:])
    out[" "] = 0.32
    return out


WIDTH = _table(_NORMAL)
LINE = 1.2  # line height, em (matplotlib's default linespacing for DejaVu Sans)


def text_size(text: str, points: float, bold: bool = False) -> tuple[float, float]:
    """(width, height) in inches of ``text`` (lines split on newlines) at ``points``."""
    lines = text.split("\n")
    em = points / 72
    widest = max(sum(WIDTH.get(c, 1.0) for c in line) for line in lines)
    return widest * em * (_BOLD_FACTOR if bold else 1.0) * 1.03 + 0.02, (len(lines) * LINE - 0.15) * em + 0.03


def fit(text: str, points: float, width: float, bold: bool = False, max_lines: int = 3) -> str:
    """``text`` wrapped at spaces into lines no wider than ``width`` (at most ``max_lines``; the last is cut with
    an ellipsis)."""
    words = text.split(" ")
    lines: list[str] = []
    current = ""
    for w in words:
        trial = f"{current} {w}" if current else w
        if current and text_size(trial, points, bold)[0] > width:
            lines.append(current)
            current = w
        else:
            current = trial
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += " \u2026"
    out = []
    for line in lines:
        while text_size(line, points, bold)[0] > width and len(line) > 4:
            line = line[:-3].rstrip() + "\u2026"
        out.append(line)
    return "\n".join(out)

"""Label placement: every label box at the first of its candidate spots that overlaps no other label box, crosses
no drawn segment (arrows, lifelines, leaders) and stays inside the page.

Obstacles live in a uniform grid of :data:`CELL`-inch buckets, so a candidate is tested against the few obstacles
near it, never against all of them: placing n labels costs O(n) grid look-ups (each bucket holds a bounded number of
obstacles on a chart whose rows do not overlap), not O(n^2) comparisons.

Boxes are axis-aligned ``(x0, y0, x1, y1)`` in inches, y growing downwards; segments are ``((xa, ya), (xb, yb))``.
"""

from __future__ import annotations

import math
from collections import defaultdict

__all__ = ["Box", "Grid", "box_hits_segment", "boxes_overlap", "CELL"]

CELL = 0.4

Box = tuple  # (x0, y0, x1, y1)


def boxes_overlap(a: Box, b: Box, pad: float = 0.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def box_hits_segment(box: Box, seg, pad: float = 0.0) -> bool:
    """Does the segment pass through ``box`` (grown by ``pad``)? Liang-Barsky clipping."""
    (xa, ya), (xb, yb) = seg
    x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    dx, dy = xb - xa, yb - ya
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, xa - x0), (dx, x1 - xa), (-dy, ya - y0), (dy, y1 - ya)):
        if p == 0:
            if q < 0:
                return False
        else:
            r = q / p
            if p < 0:
                lo = max(lo, r)
            else:
                hi = min(hi, r)
            if lo > hi:
                return False
    return True


class Grid:
    """Placed label boxes, fixed boxes and segments, bucketed by grid cell."""

    def __init__(self, page: Box, cell: float = CELL):
        self.page = page
        self.cell = cell
        self.boxes: dict[tuple, list] = defaultdict(list)
        self.segments: dict[tuple, list] = defaultdict(list)
        self.checks = 0  # exact tests made (the benchmark's witness that placement stays near-linear)

    def _cells(self, x0, y0, x1, y1):
        c = self.cell
        for i in range(math.floor(x0 / c), math.floor(x1 / c) + 1):
            for j in range(math.floor(y0 / c), math.floor(y1 / c) + 1):
                yield i, j

    def add_box(self, box: Box) -> None:
        for cell in self._cells(*box):
            self.boxes[cell].append(box)

    def add_segment(self, seg) -> None:
        (xa, ya), (xb, yb) = seg
        length = math.hypot(xb - xa, yb - ya)
        n = max(1, math.ceil(length / (self.cell / 2)))
        seen = set()
        for k in range(n):  # bucket the segment by the cells its pieces touch (not its whole bounding box)
            pa = (xa + (xb - xa) * k / n, ya + (yb - ya) * k / n)
            pb = (xa + (xb - xa) * (k + 1) / n, ya + (yb - ya) * (k + 1) / n)
            for cell in self._cells(min(pa[0], pb[0]), min(pa[1], pb[1]), max(pa[0], pb[0]), max(pa[1], pb[1])):
                if cell not in seen:
                    seen.add(cell)
                    self.segments[cell].append(seg)

    def free(self, box: Box, pad: float = 0.03) -> bool:
        page = self.page
        if box[0] < page[0] or box[1] < page[1] or box[2] > page[2] or box[3] > page[3]:
            return False
        seen_b, seen_s = set(), set()
        for cell in self._cells(box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad):
            for b in self.boxes.get(cell, ()):
                if id(b) not in seen_b:
                    seen_b.add(id(b))
                    self.checks += 1
                    if boxes_overlap(box, b, pad):
                        return False
            for s in self.segments.get(cell, ()):
                if id(s) not in seen_s:
                    seen_s.add(id(s))
                    self.checks += 1
                    if box_hits_segment(box, s, pad):
                        return False
        return True

    def segment_free(self, seg, pad: float = 0.02) -> bool:
        """Does the segment (a leader line) miss every placed box?"""
        (xa, ya), (xb, yb) = seg
        seen = set()
        for cell in self._cells(min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)):
            for b in self.boxes.get(cell, ()):
                if id(b) not in seen:
                    seen.add(id(b))
                    self.checks += 1
                    if box_hits_segment(b, seg, pad):
                        return False
        return True

    def place(self, candidates, pad: float = 0.03):
        """The first free candidate box (which is then taken), else None."""
        for box in candidates:
            if self.free(box, pad):
                self.add_box(box)
                return box
        return None

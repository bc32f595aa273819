"""A one-line progress bar with an ETA, redrawn in place on a terminal (stderr by default); silent elsewhere."""

from __future__ import annotations

import sys
import time


class Progress:
    """Call with the number of runs done; :meth:`close` ends the line. Draws only when ``stream`` is a TTY."""

    WIDTH = 30

    def __init__(self, total: int, stream=None, clock=time.monotonic):
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.clock = clock
        self.start = clock()
        self.last = -1.0
        self.drawn = False
        self.done = 0

    def __call__(self, done: int) -> None:
        self.done = done
        now = self.clock()
        if not self.enabled or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        self.stream.write("\r" + self.line(done, now - self.start))
        self.stream.flush()
        self.drawn = True

    def line(self, done: int, elapsed: float) -> str:
        share = done / self.total if self.total else 1.0
        filled = int(self.WIDTH * share)
        eta = f"ETA {_clock(elapsed / done * (self.total - done))}" if 0 < done < self.total else "       "
        return (f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:,}/{self.total:,} runs {share:4.0%}  "
                f"{_clock(elapsed)}  {eta}")

    def close(self) -> None:
        """Draw the last count (updates are at most ten a second) and end the line."""
        if self.drawn:
            self.stream.write("\r" + self.line(self.done, self.clock() - self.start) + "\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}"

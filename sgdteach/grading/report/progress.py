r"""A progress bar on stderr, no dependency: a redrawn bar on a terminal, one line per graded
submission otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

from .escape import terminal


class Progress:
    """Call :meth:`done` once per finished submission, then :meth:`close`."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30):
        self.total, self.count, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.statuses: Counter = Counter()
        self.start = time.monotonic()

    def done(self, name: str, status: str, score: str) -> None:
        name, status, score = terminal(name), terminal(status), terminal(score)
        self.count += 1
        self.statuses[status] += 1
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.count * (self.total - self.count)
        if self.tty:
            filled = round(self.width * self.count / max(self.total, 1))
            bad = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items()) if s != "ok")
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] "
                              f"{self.count}/{self.total} graded{' (' + bad + ')' if bad else ''}"
                              f", {elapsed:.0f} s, about {eta:.0f} s left\x1b[K")
        else:
            self.stream.write(f"[{self.count:>{len(str(self.total))}}/{self.total}] {name}: "
                              f"{status}, {score} ({elapsed:.1f} s)\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.count:
            self.stream.write("\n")
            self.stream.flush()

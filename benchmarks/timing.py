"""Timing helpers. On a shared machine, a run is only ever slowed down by others, never sped up,
so the best of k runs is the estimate of a cost; two costs that are divided are timed alternately
(A, B, A, B, ...) so that both see the same load."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def clock(fn: Callable[[], object]) -> tuple[float, object]:
    """Seconds taken by one call of ``fn`` and what it returned."""
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Run every function ``repeats`` times, alternating between them; all times per name."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(clock(fn)[0])
    return times


def summary(times: list[float]) -> dict:
    """Best (the estimate), median and all the times, in seconds."""
    return {"best_s": min(times), "median_s": statistics.median(times),
            "all_s": [round(t, 6) for t in times]}


def load() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (how busy the shared machine was)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None

"""Small helpers shared by the benchmarks: timing, peak memory, growth exponents, tables."""

from __future__ import annotations

import gc
import math
import os
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Wall time of repeated runs (seconds) and the peak Python heap of one run (bytes)."""

    best: float
    median: float
    runs: int
    peak_bytes: int
    result: Any = None


def measure(fn: Callable[[], Any], *, repeat: int = 3, trace_memory: bool = True) -> Timing:
    """Run ``fn`` ``repeat`` times; report best and median wall time and traced peak memory."""
    times = []
    result = None
    peak = 0
    for i in range(repeat):
        gc.collect()
        if trace_memory and i == 0:
            tracemalloc.start()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        if trace_memory and i == 0:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return Timing(min(times), statistics.median(times), repeat, peak, result)


def growth_exponent(sizes: Sequence[float], times: Sequence[float]) -> float:
    """Least-squares slope of log(time) against log(size): ~1 linear, ~2 quadratic."""
    pts = [(math.log(s), math.log(t)) for s, t in zip(sizes, times, strict=True) if s > 0 and t > 0]
    if len(pts) < 2:
        return float("nan")
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """One line naming the machine: cores, RAM, Python, date."""
    try:
        mem_kb = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
        ram = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        ram = "?"
    return (f"{os.cpu_count()} cores, {ram} RAM, Python {platform.python_version()}, "
            f"{datetime.now(UTC):%Y-%m-%d}")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (pasteable into docs/benchmarks.md)."""
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)

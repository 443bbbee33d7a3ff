"""Small helpers shared by the benchmarks: timing, peak memory, growth exponents, tables."""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import math
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx


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


# --------------------------------------------------------------------------- shared fixtures
def cache_root() -> Path:
    """Where generated portfolios and embedded stores are kept between runs (``$STAKEGRAPH_BENCH_CACHE``)."""
    root = Path(os.environ.get("STAKEGRAPH_BENCH_CACHE", Path(tempfile.gettempdir()) / "stakegraph-bench"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def portfolio(n_parties: int, *, seed: int = 1, relationships: int | None = None) -> Path:
    """A generated portfolio (``stakegraph.samples.scale``) in the canonical layout, generated once and cached."""
    from stakegraph.samples.scale import generate

    rels = relationships if relationships is not None else 5 * n_parties
    out = cache_root() / f"portfolio_{n_parties}_{rels}_s{seed}"
    done = out / ".complete"
    if not done.exists():
        generate(n_parties, seed=seed, out_dir=out, relationships=rels)
        done.write_text("ok")
    return out


#: canonical node files and their node types, in the order the hand-written floors read them
NODE_FILES = {"parties.csv": "party", "projects.csv": "project", "contracts.csv": "contract",
              "interactions.csv": "interaction", "signals.csv": "signal"}
#: the edges a node row implies: (column, kind); a signal's are ``concerns`` whatever the column
IMPLIED = (("project_id", "contract_for"), ("party_id", "involves"), ("counterparty_id", "involves"))


def csv_records(folder: Path, load_id: str) -> Iterator[tuple[bool, str, str, str, str, dict[str, str]]]:
    """The canonical CSV files of ``folder`` as the hand-written floors read them, with the ``csv``
    module alone: ``(is_edge, type or kind, id, source, target, props)``, values as text, blanks dropped,
    ``source_file`` and ``load_id`` added, no validation. A node row is followed by the edges it implies
    (a contract's project, an interaction's or signal's parties; their props empty); ``source`` and
    ``target`` are ``""`` for a node. Shared by ``bench.load`` (csv + ``executemany``) and
    ``bench.load_neo4j`` (csv + ``UNWIND``), so both floors read the same records."""
    for name in (*NODE_FILES, "relationships.csv"):
        with open(folder / name, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            cols = next(reader)
            for rec in reader:
                props = {c: v for c, v in zip(cols, rec, strict=False) if v}
                props.update(source_file=name, load_id=load_id)
                if name == "relationships.csv":
                    yield True, props["kind"], props["id"], props["source_id"], props["target_id"], props
                    continue
                nid = props["id"]
                yield False, NODE_FILES[name], nid, "", "", props
                if name == "projects.csv":
                    continue
                for key, kind in IMPLIED:
                    if key in props:
                        k = kind if name != "signals.csv" else "concerns"
                        yield True, k, f"{k}:{nid}:{props[key]}", nid, props[key], {}


def row_count(folder: Path) -> int:
    """Data rows (header excluded) over the canonical CSV files of ``folder``."""
    total = 0
    for f in sorted(folder.glob("*.csv")):
        with f.open("rb") as fh:
            total += max(sum(1 for _ in fh) - 1, 0)
    return total


def embedded_db(n_parties: int, *, seed: int = 1) -> Path:
    """An embedded store holding the generated ``n_parties`` portfolio (loaded once and cached)."""
    from stakegraph.loaders import load
    from stakegraph.store.embedded import EmbeddedStore

    db = cache_root() / f"embedded_{n_parties}_s{seed}.db"
    done = db.with_suffix(".complete")
    if not done.exists():
        for p in db.parent.glob(db.name + "*"):
            p.unlink()
        src = portfolio(n_parties, seed=seed)
        with EmbeddedStore(db) as store:
            load(src, store)
        done.write_text("ok")
    return db


def projection(n_parties: int, *, seed: int = 1) -> nx.MultiDiGraph:
    """``store.project()`` of the cached embedded store of ``n_parties`` parties."""
    from stakegraph.store.embedded import EmbeddedStore

    with EmbeddedStore(embedded_db(n_parties, seed=seed)) as store:
        return store.project()


@contextlib.contextmanager
def neo4j_uri(home: Path | None = None) -> Iterator[str]:
    """``$STAKEGRAPH_NEO4J_URI`` if set, else a local Neo4j 5.26 started for the run and stopped after."""
    external = os.environ.get("STAKEGRAPH_NEO4J_URI")
    if external:
        yield external
        return
    from stakegraph.devserver import neo4j as neo4j_server

    neo4j_server.ensure_jars()
    tmp = Path(tempfile.mkdtemp(prefix="stakegraph-bench-neo4j-")) if home is None else home
    handle = neo4j_server.start(tmp / "server", neo4j_server.free_port(), wait=180, watch_parent=True)
    try:
        yield handle.uri
    finally:
        handle.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation (numpy's default method)."""
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def load_average() -> str:
    """The 1-minute load average: other work on the machine makes figures noisier."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def header(title: str, module: str, argv: Sequence[str] | None = None) -> str:
    """The first lines every script prints: title, exact command, machine, load."""
    cmd = f"python -m {module}" + (" " + " ".join(argv) if argv else "")
    return f"## {title}\n\n`{cmd}` — {machine()}, load average at start {load_average()}\n"


def sizes_arg(parser: argparse.ArgumentParser, default: Sequence[int], help_: str) -> None:
    """Add ``--sizes N [N ...]`` to ``parser``."""
    parser.add_argument("--sizes", type=int, nargs="+", default=list(default), help=help_)


def mb(n_bytes: float) -> float:
    """Bytes → MiB."""
    return n_bytes / 1024 / 1024


class PhasePeaks:
    """Peak resident set size within each phase of a run (Linux: ``VmHWM`` of ``/proc/self/status``, reset
    after each phase through ``/proc/self/clear_refs``), and the running maximum over every phase so far,
    which :func:`peak_rss_mb` alone no longer gives once the mark has been reset."""

    def __init__(self) -> None:
        self.top = peak_rss_mb()
        self.ok = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            return True
        except OSError:
            return False

    @staticmethod
    def _hwm_mib() -> float | None:
        try:
            with open("/proc/self/status") as fh:
                return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM"))
        except (OSError, StopIteration, ValueError):
            return None

    def mark(self) -> float | None:
        """The peak since the last mark, in MiB (``None`` where it cannot be read), then reset."""
        peak = self._hwm_mib() if self.ok else None
        if peak is not None:
            self.top = max(self.top, peak)
            self._reset()
        return peak

    def overall(self) -> float:
        """The peak of the whole run so far, in MiB."""
        hwm = self._hwm_mib() if self.ok else None
        return max(self.top, peak_rss_mb() if not self.ok else (hwm or 0.0))


def rss_mb() -> float:
    """Current resident set size of this process, in MiB."""
    import psutil

    return float(psutil.Process().memory_info().rss) / 1024 / 1024


def timed(fn: Callable[[], Any], *, repeat: int = 1, trace_memory: bool = False) -> Timing:
    """Like :func:`measure`, but the timed runs are never traced (tracemalloc slows Python code
    2–4×); with ``trace_memory`` one extra traced run gives the peak Python heap."""
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    peak = 0
    if trace_memory:
        gc.collect()
        tracemalloc.start()
        try:
            fn()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return Timing(min(times), statistics.median(times), repeat, peak, result)

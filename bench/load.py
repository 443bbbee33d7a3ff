"""Embedded load: ``stakegraph load`` (the CLI command) against a hand-written csv + SQLite ``executemany`` floor.

Same generated files (``bench.common.portfolio``), same machine, same run, interleaved:

* **floor** — the benchmark's own code: :mod:`csv` reads each canonical file, each row becomes the
  store's row (id, type, kind, name, search text, country, load id, the non-blank values as a JSON
  object; the contract/interaction/signal edges too) and ``executemany`` inserts them into a fresh
  SQLite file with the embedded store's schema, indexes and pragmas (WAL, ``synchronous=FULL``),
  one transaction per 20,000 rows. No validation, no coercion (values stay text), no endpoint checks.
* **stakegraph load** — the CLI's ``load`` command (``stakegraph load FOLDER -q``, invoked in process
  through the Typer app on a fresh embedded store): parse, validate, check ids and endpoints, write,
  print the summary.
* **store.write only** — the embedded store's write path alone: the batches the loader hands to
  ``EmbeddedStore.write`` (validated records, captured once per portfolio and cached as a pickle)
  written into a fresh store; the clock covers the ``write`` calls only. What the store costs of
  the load, against the floor that also parses the CSV.

Each run is a fresh subprocess (imports done before the clock starts; the clock covers the
command only); configurations alternate round by round and the median is reported. The process
CPU time is reported too: on a machine shared with other work it is steadier than wall time.
``--profile`` prints the top of a cProfile of one ``stakegraph load`` run instead.
``--before SRC`` adds a row **cli (before)**: the same CLI load with ``stakegraph`` imported from another
source tree (``git archive COMMIT src | tar -x -C /tmp/before`` gives one: ``--before /tmp/before/src``),
interleaved with the others, so a change is measured against the code before it in the same run.

Run: ``python -m bench.load [--sizes 10000 100000] [--repeat 3] [--modes floor cli write] [--before SRC] [--profile]``
(default: 10,000 parties, every mode).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import csv_records, header, peak_rss_mb, portfolio, table

MODES = ("floor", "cli", "write")
BATCH = 20_000
NODE_SQL = ("INSERT INTO nodes(id,type,kind,name,search,country,load_id,props) VALUES (?,?,?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET props=excluded.props")
EDGE_SQL = ("INSERT INTO edges(id,kind,source,target,load_id,props) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET props=excluded.props")


# ------------------------------------------------------------------------------------------ floor
def floor_load(folder: Path, db: Path) -> int:
    """The hand-written floor: csv → store rows → ``executemany``; returns the rows written."""
    from stakegraph.store.embedded import _SCHEMA  # the same tables and indexes (schema text only)

    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.executescript(_SCHEMA)
    load_id = "floor"
    nodes: list[tuple[Any, ...]] = []
    edges: list[tuple[Any, ...]] = []
    written = 0

    def flush(force: bool = False) -> None:
        nonlocal nodes, edges, written
        if force or len(nodes) + len(edges) >= BATCH:
            con.execute("BEGIN")
            con.executemany(NODE_SQL, nodes)
            con.executemany(EDGE_SQL, edges)
            con.execute("COMMIT")
            written += len(nodes) + len(edges)
            nodes, edges = [], []

    for is_edge, what, rid, source, target, props in csv_records(folder, load_id):
        if is_edge:
            edges.append((rid, what, source, target, load_id, json.dumps(props, ensure_ascii=False) if props else "{}"))
        else:
            nodes.append((rid, what, props.get("kind"), props.get("name"), (props.get("name", "") + " " + rid).lower(),
                          props.get("country"), load_id, json.dumps(props, ensure_ascii=False)))
        flush()
    flush(force=True)
    con.close()
    return written


# ------------------------------------------------------------------------------------------ stakegraph load
def cli_load(folder: Path, data_dir: Path) -> int:
    """``stakegraph load FOLDER -q`` through the Typer app, on a fresh embedded store in ``data_dir``."""
    from stakegraph.cli.main import app

    os.environ["STAKEGRAPH_DATA_DIR"] = str(data_dir)
    os.environ.pop("STAKEGRAPH_NEO4J_URI", None)
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            app(["load", str(folder), "-q"], standalone_mode=False)
        except SystemExit as e:  # pragma: no cover - typer exits 0 on success in some versions
            if e.code:
                raise
    con = sqlite3.connect(data_dir / "stakegraph.sqlite")
    n = con.execute("SELECT (SELECT COUNT(*) FROM nodes) + (SELECT COUNT(*) FROM edges)").fetchone()[0]
    con.close()
    return int(n)


# ------------------------------------------------------------------------------------------ store.write only
def captured_batches(folder: Path) -> Path:
    """The ``(nodes, edges)`` batches ``stakegraph load`` hands to ``EmbeddedStore.write`` for ``folder``,
    captured once (a load into a throw-away store) and cached next to the portfolio."""
    import pickle

    from stakegraph.loaders import load
    from stakegraph.store.embedded import EmbeddedStore

    out = folder.parent / f"{folder.name}.write-batches.pickle"
    if out.exists():
        return out
    batches: list[tuple[list[Any], list[Any]]] = []

    class Capture(EmbeddedStore):
        def write(self, nodes: Sequence[Any] = (), edges: Sequence[Any] = (), **kw: Any) -> Any:
            batches.append((list(nodes), list(edges)))
            return super().write(nodes, edges, **kw)

    with tempfile.TemporaryDirectory(prefix="stakegraph-bench-load-") as tmp, Capture(Path(tmp) / "c.db") as store:
        load(folder, store)
    tmp_out = out.with_suffix(".tmp")
    with open(tmp_out, "wb") as f:
        pickle.dump(batches, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp_out.replace(out)
    return out


def write_only(folder: Path, db: Path, clock: list[float]) -> int:
    """``EmbeddedStore.write`` of the captured batches into a fresh store; ``clock`` gets the wall and CPU
    seconds spent in it."""
    import pickle

    from stakegraph.store.embedded import EmbeddedStore

    with open(captured_batches(folder), "rb") as f:
        batches = pickle.load(f)  # noqa: S301 - the benchmark's own cache
    with EmbeddedStore(db) as store:
        c0, t0 = time.process_time(), time.perf_counter()
        for nodes, edges in batches:
            store.write(nodes, edges)
        clock += [time.perf_counter() - t0, time.process_time() - c0]
    return sum(len(n) + len(e) for n, e in batches)


def worker(mode: str, folder: Path, profile: bool = False) -> dict[str, Any]:
    """One measured load into a fresh store; imports are done before the clock starts."""
    import stakegraph.cli.main  # noqa: F401 - import cost is not load throughput
    import stakegraph.loaders.pipeline  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="stakegraph-bench-load-") as tmp:
        clock: list[float] = []
        fn = {"floor": lambda: floor_load(folder, Path(tmp) / "floor.db"),
              "cli": lambda: cli_load(folder, Path(tmp)),
              "write": lambda: write_only(folder, Path(tmp) / "w.db", clock)}[mode]
        if profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            t0 = time.perf_counter()
            rows = prof.runcall(fn)
            secs = time.perf_counter() - t0
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(30)
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(40)
            return {"mode": mode, "rows": rows, "seconds": secs, "profile": s.getvalue()}
        if mode == "write":
            captured_batches(folder)  # captured before the clock starts (once per portfolio)
        c0 = time.process_time()
        t0 = time.perf_counter()
        rows = fn()
        secs = time.perf_counter() - t0
        cpu = time.process_time() - c0
        if clock:  # write only: the writes, not reading the pickle
            secs, cpu = clock
    return {"mode": mode, "rows": rows, "seconds": secs, "cpu": cpu, "rss": peak_rss_mb()}


def run_worker(mode: str, folder: Path, profile: bool = False, src: Path | None = None) -> dict[str, Any]:
    """One worker in a fresh process; ``src``: import ``stakegraph`` from that source tree instead."""
    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-m", "bench.load", "--worker", mode, "--folder", str(folder)] + (["--profile"] if profile else [])
    path = os.pathsep.join([str(src), str(root)] if src is not None else [str(root)])
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=7200,
                          env={**os.environ, "PYTHONPATH": path})
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def capture(folder: Path) -> None:
    """:func:`captured_batches` in a subprocess (a worker started by this process inherits its peak
    RSS on Linux: the captured batches of 100,000 parties hold ≈ 1.3 GiB)."""
    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-m", "bench.load", "--capture", "--folder", str(folder)]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=7200,
                          env={**os.environ, "PYTHONPATH": str(root)})
    if proc.returncode != 0:
        raise RuntimeError(f"capture failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")


BEFORE = "cli (before)"


def run(sizes: Sequence[int], repeat: int, out: Any = print, modes: Sequence[str] = MODES,
        before: Path | None = None) -> list[Any]:
    """Interleaved runs of every mode at every size; prints a Markdown table per size. ``before``: a
    source tree whose ``stakegraph load`` is measured too (row ``cli (before)``)."""
    results = []
    modes = ["floor", *(m for m in modes if m != "floor")] + ([BEFORE] if before is not None else [])
    for n in sizes:
        folder = portfolio(n)
        if "write" in modes:  # in a subprocess: the workers' peak RSS would include this process's
            capture(folder)
        runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
        for _ in range(max(1, repeat)):
            for mode in modes:
                runs[mode].append(run_worker("cli", folder, src=before) if mode == BEFORE else run_worker(mode, folder))
        med = {m: statistics.median(r["seconds"] for r in runs[m]) for m in modes}
        cpu = {m: statistics.median(r["cpu"] for r in runs[m]) for m in modes}
        rows = []
        for m in modes:
            secs = [r["seconds"] for r in runs[m]]
            n_rows = runs[m][0]["rows"]
            rows.append((m, n_rows, round(med[m], 2), f"{min(secs):.2f}–{max(secs):.2f}", round(n_rows / med[m]),
                         f"{med['floor'] / med[m]:.2f}×", round(cpu[m], 2), f"{cpu['floor'] / cpu[m]:.2f}×",
                         round(max(r["rss"] for r in runs[m]))))
        out(f"\n### {n:,} parties ({folder.name}; median of {max(1, repeat)} interleaved runs)\n")
        out(table(["writer", "rows written", "wall s (median)", "min–max s", "rows/s", "× floor (wall)",
                   "CPU s (median)", "× floor (CPU)", "worker peak RSS MiB"], rows))
        results.append((n, rows))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="parties (docs: 10000 100000)")
    p.add_argument("--repeat", type=int, default=3, help="interleaved runs per mode (median reported)")
    p.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES), help="writers to measure (floor always)")
    p.add_argument("--before", type=Path, metavar="SRC",
                   help="also time `stakegraph load` imported from this source tree (row `cli (before)`)")
    p.add_argument("--profile", action="store_true", help="cProfile one `stakegraph load` per size instead")
    p.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    p.add_argument("--folder", help=argparse.SUPPRESS)
    p.add_argument("--capture", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.capture:
        captured_batches(Path(args.folder))
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.folder), args.profile)))
        return 0
    print(header("Embedded load vs csv + executemany floor", "bench.load",
                 list(argv if argv is not None else sys.argv[1:])))
    if args.profile:
        for n in args.sizes:
            r = run_worker("cli", portfolio(n), profile=True)
            print(f"\n### cProfile of `stakegraph load` at {n:,} parties ({r['seconds']:.2f} s under the profiler)\n")
            print("```\n" + r["profile"] + "```")
        return 0
    if args.before is not None and not (args.before / "stakegraph" / "__init__.py").is_file():
        p.error(f"--before {args.before}: no stakegraph package there (give the folder that holds stakegraph/, "
                "e.g. from `git archive COMMIT src | tar -x -C /tmp/before`: /tmp/before/src)")
    run(args.sizes, args.repeat, modes=args.modes, before=args.before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

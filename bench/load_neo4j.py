"""Load throughput: ``stakegraph.loaders.load`` into Neo4j against two hand-written driver baselines.

Same generated files, same server, same run. The ways to write the same data:

* **csv** — *csv script*: the issue's floor, a hand-written script with the official driver. Inside the
  clock it reads the canonical CSV files with :mod:`csv` exactly as the embedded floor
  (``bench.load.floor_load``) does — values stay text, no validation, blanks dropped, ``source_file``
  and ``load_id`` added, plus the edges a contract (``contract_for``), an interaction (``involves``)
  and a signal (``concerns``) imply — and writes them with ``UNWIND $rows … MERGE`` per label /
  relationship type in batches (the Cypher below is the benchmark's own, not project code);
* **baseline** — *baseline (ready records)*: the same ``UNWIND … MERGE`` statements, handed the
  loader's records read back from an embedded store *before* its clock starts (it parses no CSV);
* **store.write** — ``Neo4jStore.write`` of those ready records (the store's batch handling alone);
* **loaders.load** — the whole loader from the CSV files (parse, validate, spill, write);
* **bulk** (``--bulk``) — ``stakegraph load --bulk``: the same validation, import CSVs, the local
  server stopped, ``neo4j-admin database import full``, the server started again, the schema
  created (everything a user waits for, restart included; the phases are printed too).

Every row of the tables gives its ratio against both baselines (same batch, same driver build).
Each configuration runs in a fresh subprocess, with and without ``neo4j-rust-ext`` importable
(the driver falls back to pure-Python packstream when ``neo4j._rust`` cannot be imported).
Also the embedded store's ``stakegraph.loaders.load`` rows/s.

Run alone: ``python -m bench.load_neo4j [--rels 10000 100000] [--batches 1000 5000 10000 20000 50000]
[--large] [--repeat 3] [--main-batch 20000] [--bulk] [--no-sweep]`` (``--large`` adds 1,000,000
relationships). A Neo4j server is started for the run unless ``STAKEGRAPH_NEO4J_URI`` is set (``--bulk``
needs the server it starts, or ``--home`` naming the home of the local server at ``--uri``).
"""

from __future__ import annotations

import argparse
import importlib.abc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    cache_root,
    csv_records,
    header,
    load_average,
    neo4j_uri,
    peak_rss_mb,
    portfolio,
    table,
)

DEFAULT_RELS = (10_000,)
LARGE_RELS = 1_000_000
DEFAULT_BATCHES = (1000, 5000, 10_000, 20_000, 50_000)
#: The batch size of the rust on/off and embedded comparisons (the loader's default).
MAIN_BATCH = 20_000  # the loader default (stakegraph.loaders.pipeline.DEFAULT_BATCH)
#: what the tables call each writer (``--worker`` mode → name)
WRITER_NAMES = {"csv": "csv script (csv + UNWIND)", "baseline": "baseline (ready records)", "store": "store",
                "loader": "loader", "embedded": "embedded", "bulk": "bulk"}


class _BlockRust(importlib.abc.MetaPathFinder):
    """Make ``neo4j._rust`` unimportable so the driver uses its pure-Python packstream."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "neo4j._rust" or name.startswith("neo4j._rust."):
            raise ImportError("neo4j-rust-ext disabled for this benchmark run")
        return None


# ---------------------------------------------------------------------------------------- baseline
def _records(folder: Path) -> tuple[list[Any], list[Any]]:
    """The node and edge records ``stakegraph.loaders.load`` writes for ``folder`` (read back from an embedded store)."""
    from stakegraph.loaders import load
    from stakegraph.store.embedded import EmbeddedStore

    db = cache_root() / f"records_{folder.name}.db"
    done = db.with_suffix(".complete")
    with EmbeddedStore(db) as s:
        if not done.exists():
            s.clear()
            load(folder, s)
            done.write_text("ok")
        return list(s.iter_nodes()), list(s.iter_edges())


def _unwind_write(driver: Any, nodes: dict[str, list[dict[str, Any]]], edges: dict[str, list[dict[str, Any]]],
                  batch: int) -> None:
    """The baselines' writes: one ``UNWIND … MERGE`` statement per batch of one label / type, nodes first."""
    from stakegraph.store import (
        cypher,  # labels and relationship types only (no project Cypher is used)
    )

    ent = cypher.ENTITY
    with driver.session() as session:
        for t, rows in nodes.items():
            q = f"UNWIND $rows AS row MERGE (n:{ent} {{id: row.id}}) SET n:{cypher.label(t)}, n += row.props"
            for i in range(0, len(rows), batch):
                session.execute_write(lambda tx, part=rows[i:i + batch], q=q: tx.run(q, rows=part).consume())
        for k, rows in edges.items():
            q = (f"UNWIND $rows AS row MATCH (a:{ent} {{id: row.s}}) MATCH (b:{ent} {{id: row.t}}) "
                 f"MERGE (a)-[r:{cypher.rel_type(k)} {{id: row.id}}]->(b) SET r += row.props")
            for i in range(0, len(rows), batch):
                session.execute_write(lambda tx, part=rows[i:i + batch], q=q: tx.run(q, rows=part).consume())


def baseline_write(driver: Any, nodes: Sequence[Any], edges: Sequence[Any], batch: int) -> None:
    """Minimal hand-written upsert of ready records (parsed before the clock starts)."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n in nodes:
        by_type[n.type].append({"id": n.id, "props": {k: v for k, v in n.props.items() if v is not None}})
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in edges:
        by_kind[e.kind].append({"id": e.id, "s": e.source, "t": e.target,
                                "props": {k: v for k, v in e.props.items() if v is not None}})
    _unwind_write(driver, by_type, by_kind, batch)


def csv_rows(folder: Path, load_id: str = "csv") -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """The canonical CSV files of ``folder`` as the csv script's rows (by node type, by kind), read
    as ``bench.load.floor_load`` reads them (:func:`bench.common.csv_records`)."""
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    edges: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for is_edge, what, rid, source, target, props in csv_records(folder, load_id):
        if is_edge:
            edges[what].append({"id": rid, "s": source, "t": target, "props": props})
        else:
            nodes[what].append({"id": rid, "props": props})
    return nodes, edges


def csv_write(driver: Any, folder: Path, batch: int) -> int:
    """The csv script (the issue's floor): read the canonical CSVs, write them with ``UNWIND … MERGE``;
    returns the rows written (nodes + relationships)."""
    nodes, edges = csv_rows(folder)
    _unwind_write(driver, nodes, edges, batch)
    return sum(map(len, nodes.values())) + sum(map(len, edges.values()))


def bulk_worker(uri: str, folder: Path, home: Path) -> dict[str, Any]:
    """``stakegraph load --bulk`` into the emptied database of the local server in ``home``."""
    from stakegraph.store.neo4j import Neo4jStore
    from stakegraph.store.neo4j_bulk import bulk_load

    phases: list[tuple[str, float]] = []
    store = Neo4jStore.connect(uri, auth=None)
    try:
        store.clear()
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            rep, res = bulk_load(folder, store, folder=Path(tmp) / "files", home=home,
                                 log=lambda m: phases.append((m, time.perf_counter() - t0)))
            secs = time.perf_counter() - t0
        assert res is not None and res.imported, "the bulk import did not run"
        rows = sum(c.get("created", 0) for k, c in rep.counts.items() if k != "fx_rate")
        stored = sum(sum(v.values()) for v in store.counts().values())
        store.clear()
    finally:
        store.close()
    return {"mode": "bulk", "batch": 0, "rows": rows, "stored": stored, "seconds": secs,
            "rust": "neo4j._rust" in sys.modules, "rss": peak_rss_mb(), "phases": bulk_phases(phases, secs)}


#: the bulk load's phases: (name, text in the progress message that starts it)
BULK_PHASES = (("validate+csv", ""), ("stop", "Stopping Neo4j"), ("import", "Running neo4j-admin"),
               ("JVM start until Bolt answers", "Starting Neo4j"), ("constraints+indexes", " ready at "),
               ("await indexes", "Waiting for the indexes"), ("version, leftovers, FX", "Setting the graph version"))


def bulk_phases(marks: Sequence[tuple[str, float]], total: float) -> dict[str, float]:
    """Seconds per phase of :data:`BULK_PHASES` from the progress messages and their times (seconds
    since the start); a phase whose message does not come lasts 0 s."""
    starts = [0.0] + [total] * (len(BULK_PHASES) - 1)
    current = 0
    for message, t in marks:
        later = [i for i in range(current + 1, len(BULK_PHASES)) if BULK_PHASES[i][1] in message]
        if later:
            for i in range(current + 1, later[0]):  # phases without a message: 0 s, at this time
                starts[i] = t
            current = later[0]
            starts[current] = t
    for i in range(current + 1, len(BULK_PHASES)):
        starts[i] = total
    ends = starts[1:] + [total]
    return {name: end - start for (name, _), start, end in zip(BULK_PHASES, starts, ends, strict=True)}


def worker(uri: str, folder: Path, mode: str, batch: int, home: Path | None = None) -> dict[str, Any]:
    """One measured write into an emptied database (or a fresh embedded file); returns the figures."""
    from stakegraph.loaders import load
    from stakegraph.store.embedded import EmbeddedStore
    from stakegraph.store.neo4j import Neo4jStore

    if mode == "bulk":
        assert home is not None, "--bulk needs the local server's home"
        return bulk_worker(uri, folder, home)
    rust = "neo4j._rust" in sys.modules or _rust_importable()
    if mode == "embedded":
        with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp) / "b.db") as es:
            t0 = time.perf_counter()
            rep = load(folder, es, batch_size=batch)
            secs = time.perf_counter() - t0
            rows = sum(c.get("created", 0) for k, c in rep.counts.items() if k != "fx_rate")
        return {"mode": mode, "batch": batch, "rows": rows, "seconds": secs, "rust": False, "rss": peak_rss_mb()}
    store = Neo4jStore.connect(uri, auth=None)
    try:
        store.clear()
        store.ensure_schema()
        if mode == "loader":
            t0 = time.perf_counter()
            rep = load(folder, store, batch_size=batch)
            secs = time.perf_counter() - t0
            rows = sum(c.get("created", 0) for k, c in rep.counts.items() if k != "fx_rate")
        elif mode == "csv":
            t0 = time.perf_counter()
            rows = csv_write(store._driver, folder, batch)
            secs = time.perf_counter() - t0
        else:
            nodes, edges = _records(folder)
            rows = len(nodes) + len(edges)
            t0 = time.perf_counter()
            if mode == "store":
                store.write(nodes, (), batch_size=batch)
                store.write((), edges, batch_size=batch)
            else:
                baseline_write(store._driver, nodes, edges, batch)
            secs = time.perf_counter() - t0
        counts = store.counts()
        stored = sum(sum(v.values()) for v in counts.values())
        store.clear()
    finally:
        store.close()
    rust = "neo4j._rust" in sys.modules
    return {"mode": mode, "batch": batch, "rows": rows, "stored": stored, "seconds": secs, "rust": rust,
            "rss": peak_rss_mb()}


def _rust_importable() -> bool:
    try:
        import neo4j._rust  # noqa: F401
    except ImportError:
        return False
    return True


def run_worker(uri: str, folder: Path, mode: str, batch: int, *, rust: bool,
               home: Path | None = None) -> dict[str, Any]:
    """Run :func:`worker` in a fresh interpreter (so the packstream implementation is chosen at import)."""
    cmd = [sys.executable, "-m", "bench.load_neo4j", "--worker", mode, "--uri", uri, "--folder", str(folder),
           "--batch", str(batch)] + ([] if rust else ["--no-rust"]) + (["--home", str(home)] if home else [])
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=3600,
                          env={**os.environ, "PYTHONPATH": str(root)})
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run(rels: Sequence[int], batches: Sequence[int], *, out: Any = print, uri: str | None = None,
        quick: bool = False, repeat: int = 1, main_batch: int = MAIN_BATCH, bulk: bool = False,
        home: Path | None = None, sweep: bool = True) -> list[Any]:
    """Measure every configuration; print Markdown tables through ``out``; return the rows.

    The batch sweep runs at the first size; every size runs the writers at ``main_batch``
    with and without the Rust extension, and the embedded load. Every row's rows/s is given
    against both baselines (csv script, ready records) at the same batch and driver build. ``quick``
    (smoke test) skips the warm-up and the runs without the extension. ``repeat`` runs every
    configuration that many times, the configurations interleaved round by round (so a burst
    of load from other work on the machine hits every writer alike), and reports the median.
    ``bulk`` adds ``stakegraph load --bulk`` at every size (against the baseline at ``main_batch``);
    ``sweep=False`` runs only the two baselines (and bulk) at sizes after the first, for the large sizes.
    """
    rows_out: list[Any] = []

    def go(u: str, server_home: Path | None) -> None:
        if not quick:
            warm = portfolio(400, relationships=2000)
            for mode in ("baseline", "store", "loader"):  # JIT warm-up of the server, not reported
                run_worker(u, warm, mode, main_batch, rust=True)
        for i, n_rel in enumerate(rels):
            folder = portfolio(max(100, n_rel // 5), relationships=n_rel)
            writers = ("csv", "baseline", "store", "loader") if sweep or i == 0 else ("csv", "baseline")
            configs: list[tuple[str, int, bool]] = [
                (mode, b, True) for b in (batches if i == 0 else [main_batch]) for mode in writers
            ]
            if bulk:
                configs.append(("bulk", main_batch, True))
            configs += [(mode, main_batch, False) for mode in (() if quick else ("csv", "baseline", "store", "loader"))]
            if sweep or i == 0:
                configs.append(("embedded", main_batch, False))
            runs: dict[tuple[str, int, bool], list[dict[str, Any]]] = defaultdict(list)
            load_at_start = load_average()
            for _ in range(max(1, repeat)):
                for mode, b, rust in configs:
                    runs[(mode, b, rust)].append(run_worker(u, folder, mode, b, rust=rust, home=server_home))
            results = []
            for cfg in configs:
                got = sorted(runs[cfg], key=lambda r: r["seconds"])
                med = dict(got[len(got) // 2])
                med["spread"] = f"{got[0]['seconds']:.2f}–{got[-1]['seconds']:.2f}" if len(got) > 1 else "—"
                med["rss"] = max(r["rss"] for r in got)
                results.append(med)
            refs = {m: {(r["batch"], r["rust"]): r["rows"] / r["seconds"] for r in results if r["mode"] == m}
                    for m in ("baseline", "csv")}
            table_rows = []
            for r in results:
                rps = r["rows"] / r["seconds"]
                ratios = []
                for m in ("baseline", "csv"):
                    ref = refs[m].get((main_batch if r["mode"] == "bulk" else r["batch"], r["rust"]))
                    ratios.append(f"{rps / ref:.2f}×" if ref and r["mode"] != "embedded" else "—")
                if r["mode"] == "bulk":
                    out(f"bulk phases (s, median run): {', '.join(f'{k} {v:.1f}' for k, v in r['phases'].items())}")
                table_rows.append((WRITER_NAMES[r["mode"]], r["batch"] or "—", "yes" if r["rust"] else "no", r["rows"],
                                   round(r["seconds"], 2), r["spread"], round(rps), *ratios, round(r["rss"])))
            rows_out.append((n_rel, table_rows))
            out(f"\n### {n_rel:,} relationships ({folder.name}; rows = nodes + relationships written; "
                f"median of {max(1, repeat)} run(s); load average {load_at_start} at the start, {load_average()} at the end)\n")
            out(table(["writer", "batch", "rust ext", "rows", "seconds (median)", "min–max s", "rows/s",
                       "× baseline (ready records)", "× csv script", "worker peak RSS MiB"], table_rows))

    if uri:
        go(uri, home)
    else:
        base = Path(tempfile.mkdtemp(prefix="stakegraph-bench-neo4j-"))
        with neo4j_uri(base) as u:
            go(u, base / "server")
    return rows_out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (also the subprocess worker)."""
    p = argparse.ArgumentParser(prog="python -m bench.load_neo4j", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rels", type=int, nargs="+", default=list(DEFAULT_RELS), help="relationship counts")
    p.add_argument("--batches", type=int, nargs="+", default=list(DEFAULT_BATCHES), help="batch sizes")
    p.add_argument("--large", action="store_true", help=f"add {LARGE_RELS:,} relationships")
    p.add_argument("--quick", action="store_true", help="no warm-up, no runs without the Rust extension")
    p.add_argument("--repeat", type=int, default=1, help="runs of every configuration (median reported)")
    p.add_argument("--main-batch", type=int, default=MAIN_BATCH,
                   help="batch of the rust on/off, embedded and larger-size runs (default: the loader's default)")
    p.add_argument("--bulk", action="store_true",
                   help="add `stakegraph load --bulk` (neo4j-admin import) at every size, against the baselines "
                        "at --main-batch")
    p.add_argument("--no-sweep", action="store_true",
                   help="after the first size, run only the two baselines (and --bulk): for the large sizes")
    p.add_argument("--home", help="home of the local server at --uri (for --bulk with --uri)")
    p.add_argument("--worker", choices=tuple(WRITER_NAMES), help=argparse.SUPPRESS)
    p.add_argument("--uri", help="Bolt URI of a running server (default: $STAKEGRAPH_NEO4J_URI, else start one)")
    p.add_argument("--folder", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, default=MAIN_BATCH, help=argparse.SUPPRESS)
    p.add_argument("--no-rust", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        if args.no_rust:
            sys.meta_path.insert(0, _BlockRust())
        print(json.dumps(worker(args.uri or "", Path(args.folder), args.worker, args.batch,
                                Path(args.home) if args.home else None)))
        return 0
    rels = sorted(set(args.rels + ([LARGE_RELS] if args.large else [])))
    print(header("Load throughput (Neo4j and embedded)", "bench.load_neo4j", list(argv if argv is not None else sys.argv[1:])))
    if args.bulk and args.uri and not args.home:
        p.error("--bulk with --uri needs --home (the local server's home directory)")
    run(rels, args.batches, uri=args.uri, quick=args.quick, repeat=args.repeat, main_batch=args.main_batch,
        bulk=args.bulk, home=Path(args.home) if args.home else None, sweep=not args.no_sweep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

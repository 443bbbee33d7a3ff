"""The Spark backend against the local analyses: the whole path a user runs, local vs Spark local[1] / local[2].

Run alone: ``python -m bench.spark [--sizes 1000 100000] [--repeat 3] [--analyses components pagerank ...]``.

Per size, a child process projects the generated portfolio's embedded store (``bench.common.embedded_db``)
once and writes it to Parquet (the folder ``stakegraph export --parquet`` writes; timed: the one-off cost of
a Spark run on a new graph version). This process never holds a projection: at 1M parties one takes
11-15 GiB and the local child below needs its own. Each repetition then runs,
side by side and interleaved, three child processes:

* **local** — what ``stakegraph analyze NAME`` does: ``store.project()`` (timed) and each analysis on it
  (NetworkX/SciPy, the floor);
* **spark local[1]** and **spark local[2]** — what ``stakegraph analyze NAME --engine spark`` does after the
  export: a SparkSession (JVM start, timed on its own line: a nightly run pays it once) and each job reading
  the Parquet folder.

Each child's peak memory is its whole process tree's resident set (Python + the Spark driver JVM), sampled
every 0.2 s by this process (psutil). Medians of the repetitions are printed with the ratio Spark / local,
the speed-up from one to two cores (``local[1]`` / ``local[2]``), and the whole path per engine (project or
session + every analysis). Analyses that need a node (``concentration``, ``exposures``) are not in the
default set.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import embedded_db, header, load_average, sizes_arg, table

MASTERS = ("local[1]", "local[2]")
DEFAULT_SIZES = (1000,)
DEFAULT_ANALYSES = ("components", "pagerank", "portfolio-concentration", "groups", "cofinancing")

LOCAL_CHILD = """
import json, sys, time
from stakegraph.analyses import run
from stakegraph.store.embedded import EmbeddedStore
out = {}
t = time.perf_counter()
with EmbeddedStore(sys.argv[1]) as store:
    G = store.project()
out["start"] = time.perf_counter() - t
for name in json.loads(sys.argv[2]):
    t = time.perf_counter()
    run(G, name, {})
    out[name] = time.perf_counter() - t
print(json.dumps(out))
"""

EXPORT_CHILD = """
import json, sys, time
from stakegraph.spark.frames import write_parquet
from stakegraph.store.embedded import EmbeddedStore
t = time.perf_counter()
with EmbeddedStore(sys.argv[1]) as store:
    G = store.project()
out = {"project": time.perf_counter() - t, "nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
t = time.perf_counter()
write_parquet(G, sys.argv[2], version=str(G.graph.get("version", "")))
out["export"] = time.perf_counter() - t
print(json.dumps(out))
"""

SPARK_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from stakegraph.spark.engine import run_spark
from stakegraph.spark.session import get_spark
master = sys.argv[1]
spark = get_spark(master, partitions=2 * int(master[6:-1]), memory=sys.argv[4])
out = {"start": time.perf_counter() - t0}
for name in json.loads(sys.argv[3]):
    t = time.perf_counter()
    run_spark(sys.argv[2], name, spark=spark)
    out[name] = time.perf_counter() - t
spark.stop()
print(json.dumps(out))
"""


def _tree_rss(proc: Any) -> int:
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _child(code: str, args: Sequence[str]) -> dict[str, float]:
    """Run ``code`` in a fresh Python; its JSON answer plus ``peak_mib`` of its process tree."""
    import psutil

    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        proc = psutil.Process(child.pid)
        while not done.is_set():
            try:
                peak = max(peak, _tree_rss(proc))
            except psutil.Error:
                return
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise RuntimeError(f"child failed ({child.returncode}): {err[-2000:]}")
    answer: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    answer["peak_mib"] = peak / 2**20
    return answer


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sizes_arg(parser, DEFAULT_SIZES, "parties of the generated portfolios")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--analyses", nargs="+", default=list(DEFAULT_ANALYSES))
    parser.add_argument("--masters", nargs="+", default=list(MASTERS), help="Spark masters (local[N] only)")
    parser.add_argument("--driver-memory", default="4g", help="spark.driver.memory of the Spark children")
    parser.add_argument("--parquet", type=Path, default=None,
                        help="reuse this `export --parquet` folder of the (single) size instead of exporting again")
    parser.add_argument("--no-local", action="store_true",
                        help="skip the local child (e.g. to add a master to an earlier run's figures)")
    args = parser.parse_args(argv)
    print(header("Spark backend vs local", "bench.spark", argv))
    rows: list[list[Any]] = []
    paths: list[list[Any]] = []
    for n in args.sizes:
        db = embedded_db(n)
        if args.parquet is not None:
            folder, once = args.parquet, {}
            size = "(export reused)"
        else:
            folder = Path(tempfile.mkdtemp(prefix="stakegraph-bench-spark-")) / "g"
            once = _child(EXPORT_CHILD, [str(db), str(folder)])
            size = f"{int(once['nodes']):,} nodes / {int(once['edges']):,} edges"
        engines = [*([] if args.no_local else ["local"]), *(f"spark {m}" for m in args.masters)]
        got: dict[str, dict[str, list[float]]] = {e: {} for e in engines}
        for _ in range(args.repeat):
            runs = [] if args.no_local else [("local", LOCAL_CHILD, [str(db), json.dumps(args.analyses)])]
            runs += [(f"spark {m}", SPARK_CHILD, [m, str(folder), json.dumps(args.analyses), args.driver_memory])
                     for m in args.masters]
            for engine, code, child_args in runs:
                for k, v in _child(code, child_args).items():
                    got[engine].setdefault(k, []).append(v)
        for a in args.analyses:
            floor = _median(got["local"][a]) if "local" in got else float("nan")
            if "local" in got:
                rows.append([f"{n:,}", a, "local (NetworkX/SciPy)", f"{floor:.2f}", "1.0", ""])
            for m in args.masters:
                s = _median(got[f"spark {m}"][a])
                speedup = ""
                if m != args.masters[0]:
                    speedup = f"{_median(got[f'spark {args.masters[0]}'][a]) / s:.2f}"
                rows.append([f"{n:,}", a, f"spark {m}", f"{s:.2f}",
                             "(no local run)" if args.no_local else f"{s / floor:.1f}", speedup])
        for e in engines:
            start = _median(got[e]["start"])
            jobs = sum(_median(got[e][a]) for a in args.analyses)
            first = "store.project()" if e == "local" else "session start (JVM)"
            paths.append([f"{n:,}", size, e, f"{first} {start:.1f}", f"{jobs:.1f}", f"{start + jobs:.1f}",
                          f"{_median(got[e]['peak_mib']):,.0f}"])
        if once:
            paths.append([f"{n:,}", size, "(once per graph version)",
                          f"project {once['project']:.1f} + export --parquet {once['export']:.1f}", "", "",
                          f"{once['peak_mib']:,.0f}"])
    print(table(["parties", "analysis", "engine", "median s", "x local", "x local[1] (speed-up)"], rows))
    print()
    print(table(["parties", "graph", "engine", "start s", "analyses s", "whole path s", "peak RSS MiB (tree)"],
                paths))
    print(f"\nload average at end {load_average()}; medians of {args.repeat}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

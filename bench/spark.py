"""The Spark backend against the local analyses: components and PageRank, local vs Spark local[1] / local[2].

Run alone: ``python -m bench.spark [--sizes 1000 100000] [--repeat 3] [--analyses components pagerank]``.

For each size the generated portfolio is projected once and written to Parquet once (the folder
``stakegraph export --parquet`` writes). Each repetition then runs, side by side, the local analysis
(NetworkX/SciPy, the floor) in this process and the Spark job in one child process per master
(one SparkContext per process), so load on a shared machine hits all of them alike; medians of the
repetitions are printed with the ratio Spark / local. A child's session start (JVM) is reported on
its own line, not in the job's time: a nightly run pays it once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import header, projection, sizes_arg, table

MASTERS = ("local[1]", "local[2]")
DEFAULT_SIZES = (1000,)
PARAMS = {"components": {}, "pagerank": {}}

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from stakegraph.spark.engine import run_spark
from stakegraph.spark.session import get_spark
spark = get_spark(sys.argv[1], partitions=2 * int(sys.argv[1][6:-1]))
start = time.perf_counter() - t0
out = {"start": start}
for name in json.loads(sys.argv[3]):
    t = time.perf_counter()
    run_spark(sys.argv[2], name, spark=spark)
    out[name] = time.perf_counter() - t
spark.stop()
print(json.dumps(out))
"""


def _spark_once(master: str, folder: Path, analyses: Sequence[str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, master, str(folder), json.dumps(list(analyses))],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    from stakegraph.analyses import run
    from stakegraph.spark.frames import write_parquet

    parser = argparse.ArgumentParser(description=__doc__)
    sizes_arg(parser, DEFAULT_SIZES, "parties of the generated portfolios")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--analyses", nargs="+", default=list(PARAMS))
    args = parser.parse_args(argv)
    print(header("Spark backend vs local", "bench.spark", argv))
    rows = []
    for n in args.sizes:
        G = projection(n)
        folder = write_parquet(G, Path(tempfile.mkdtemp(prefix="stakegraph-bench-spark-")) / "g",
                               version=str(G.graph.get("version", "")))
        local: dict[str, list[float]] = {a: [] for a in args.analyses}
        spark: dict[tuple[str, str], list[float]] = {(m, a): [] for m in MASTERS for a in [*args.analyses, "start"]}
        for _ in range(args.repeat):
            for a in args.analyses:
                t = time.perf_counter()
                run(G, a, PARAMS.get(a, {}))
                local[a].append(time.perf_counter() - t)
            for m in MASTERS:
                for k, v in _spark_once(m, folder, args.analyses).items():
                    spark[(m, k)].append(v)
        for a in args.analyses:
            floor = statistics.median(local[a])
            rows.append([f"{n:,}", a, "local (NetworkX/SciPy)", f"{floor:.2f}", "1.0"])
            for m in MASTERS:
                s = statistics.median(spark[(m, a)])
                rows.append([f"{n:,}", a, f"spark {m}", f"{s:.2f}", f"{s / floor:.1f}"])
        for m in MASTERS:
            rows.append([f"{n:,}", "(session start)", f"spark {m}", f"{statistics.median(spark[(m, 'start')]):.2f}",
                         ""])
    print(table(["parties", "analysis", "engine", "median s", "x local"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

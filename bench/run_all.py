"""Run every benchmark with its defaults (``make bench``), one after another, printing Markdown.

``python -m bench.run_all [--only analytics load_neo4j ...] [--large]``; each script also runs
alone as ``python -m bench.<name>``. Defaults are sized for about 20 minutes on 2 cores;
``--large`` passes each script's flag for the issue's largest sizes (100k parties, 1M
relationships — hours on 2 cores). Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

from bench import (
    after_write,
    analytics,
    api_latency,
    as_of,
    audit,
    explore,
    load,
    load_neo4j,
    memory,
    projection,
    resolve,
    spark,
    views,
)
from bench.common import load_average, machine


def _explore(argv: Sequence[str] | None) -> int:
    explore.main(argv)
    return 0


def _resolve(argv: Sequence[str] | None) -> int:
    resolve.main([int(a) for a in (argv or ["10000"])])
    return 0


SCRIPTS: dict[str, tuple[Callable[[Sequence[str] | None], int], list[str]]] = {
    "load_neo4j": (load_neo4j.main, ["--large"]),
    "load": (load.main, ["--sizes", "10000", "100000"]),
    "analytics": (analytics.main, ["--large", "--no-audit"]),  # the audit has its own script
    "audit": (audit.main, ["--sizes", "10000", "100000"]),
    "api_latency": (api_latency.main, ["--parties", "10000", "100000"]),
    "after_write": (after_write.main, ["--sizes", "100000"]),
    "views": (views.main, []),
    "memory": (memory.main, ["--large"]),
    "projection": (projection.main, ["--sizes", "1000", "10000", "100000"]),
    "as_of": (as_of.main, ["--sizes", "10000", "100000"]),
    "explore": (_explore, ["--sizes", "2000", "10000", "--parties", "100000"]),
    "resolve": (_resolve, ["10000", "100000"]),
    "spark": (spark.main, ["--sizes", "100000", "1000000"]),  # needs the spark extra and Java 17
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen scripts in order; a failing script is reported and the rest still run."""
    p = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    p.add_argument("--only", nargs="+", choices=list(SCRIPTS), help="scripts to run (default: all)")
    p.add_argument("--large", action="store_true", help="the issue's largest sizes (hours on 2 cores)")
    args = p.parse_args(argv)
    print(f"# stakegraph benchmarks\n\n{machine()}, load average at start {load_average()}\n")
    failed = []
    for name in args.only or list(SCRIPTS):
        fn, large = SCRIPTS[name]
        t0 = time.perf_counter()
        try:
            fn(large if args.large else [])
        except Exception as e:  # noqa: BLE001 - one failing benchmark must not hide the others
            failed.append(name)
            print(f"\n**{name} failed**: {type(e).__name__}: {e}\n")
        print(f"\n_{name}: {time.perf_counter() - t0:.0f} s_\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

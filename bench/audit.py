"""The full dependency audit (``stakegraph.audit.build_audit``) and DebtRank at scale: wall time, phase
breakdown and peak RSS per size.

Run alone: ``python -m bench.audit --sizes 10000 100000`` (100,000 parties: the first run
generates and loads the cached embedded store, several minutes). Every size runs in a fresh
subprocess, so the peak RSS of a row is that size's own (projection included). Targets (issue 17):
the audit of 100,000 parties / 500,000 relationships in ≤ 15 s (issue 7: ≤ 60 s) on 2 cores, of 1M
parties in ≤ 120 s within 8 GiB; ``store.project()`` is reported separately (it is not part of the
audit). Besides the audit: its page (``audit_page(...).render()``), its streamed JSON
(``write_audit_json``, size in MB), wall and CPU seconds (CPU: the process's own, steadier on a shared
machine), and relationship health — the bulk path against the per-relationship reference, interleaved,
median of ``--repeat`` runs each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from bench.common import header, peak_rss_mb, projection, sizes_arg, table

DEFAULT_SIZES = (1000, 10000)
#: DebtRank scenarios of the "most central parties" row.
CENTRAL = 100
#: The audit's target at 100,000 parties (issue 17), seconds.
TARGET_S = 15.0


def _most_central(G: Any, n: int) -> list[str]:
    """The ``n`` parties with the highest degree (as ``bench.analytics``: cheap and deterministic)."""
    parties = [v for v, d in G.nodes(data=True) if d.get("type") == "party"]
    return sorted(parties, key=lambda v: (-G.degree(v), str(v)))[:n]


def _top_borrower(G: Any) -> str:
    """The party owing the most loans (as ``bench.analytics``): the one-scenario shock."""
    best = max((v for v, d in G.nodes(data=True) if d.get("type") == "party"),
               key=lambda v: (sum(1 for _, _, d in G.in_edges(v, data=True) if d.get("kind") == "lends_to"), str(v)))
    return str(best)


def _health_side_by_side(G: Any, day: str, repeat: int) -> dict[str, Any]:
    """Bulk relationship health vs the per-relationship reference, interleaved, medians (they must agree)."""
    from stakegraph.analytics.health import relationship_health_reference
    from stakegraph.analytics.health_fast import relationship_health_fast

    fast: list[float] = []
    ref: list[float] = []
    for _ in range(repeat):
        for fn, out in ((relationship_health_fast, fast), (relationship_health_reference, ref)):
            t0 = time.perf_counter()
            result = fn(G, as_of=day)
            out.append(time.perf_counter() - t0)
            if fn is relationship_health_fast:
                got = result
            else:
                assert got == result, "bulk health differs from the reference"
    return {"health_fast_s": statistics.median(fast), "health_reference_s": statistics.median(ref),
            "health_rows": len(got.relationships)}


def measure_size(n_parties: int, *, debtrank: bool = True, repeat: int = 3) -> dict[str, Any]:
    """Project, run DebtRank (one scenario, then ``CENTRAL`` on one prepared network), the audit, its page
    and JSON, and health fast vs reference."""
    from stakegraph.analytics.debtrank import DebtRankNetwork, debtrank_graph
    from stakegraph.audit import build_audit, write_audit_json
    from stakegraph.viz.audit import audit_page

    out: dict[str, Any] = {"parties": n_parties}
    t0 = time.perf_counter()
    G = projection(n_parties)
    out.update(project_s=time.perf_counter() - t0, nodes=G.number_of_nodes(), edges=G.number_of_edges(),
               rss_projected=peak_rss_mb())
    if debtrank:
        shock = _top_borrower(G)
        t0 = time.perf_counter()
        one = debtrank_graph(G, [shock])
        out["debtrank_one_s"] = time.perf_counter() - t0
        out["debtrank_one_note"] = f"shock {shock}, DebtRank {one.debtrank:.4g}, {one.rounds} rounds"
        central = _most_central(G, CENTRAL)
        t0 = time.perf_counter()
        net = DebtRankNetwork(G)
        out["debtrank_build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        ranking = net.rank(central)
        out["debtrank_many_s"] = time.perf_counter() - t0
        out["debtrank_many_note"] = (f"{len(ranking.rows)} scenarios, {net.exposures.A.nnz:,} exposures; "
                                     f"top {ranking.rows[0].node} {ranking.rows[0].debtrank:.4g}")
        out["rss_debtrank"] = peak_rss_mb()
    timings: dict[str, float] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    report = build_audit(G, timings=timings)
    out["audit_s"], out["audit_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    out["phases"] = timings
    t0, c0 = time.perf_counter(), time.process_time()
    html = audit_page(G, report).render()
    out["page_s"], out["page_cpu_s"], out["page_mb"] = (time.perf_counter() - t0, time.process_time() - c0,
                                                        len(html.encode()) / 2**20)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "audit.json")
        t0 = time.perf_counter()
        with open(path, "w", encoding="utf-8") as fh:
            write_audit_json(report, fh)
        out["json_s"], out["json_mb"] = time.perf_counter() - t0, os.path.getsize(path) / 2**20
    out["over_time_note"] = report.over_time.note if report.over_time is not None else None
    if repeat:
        out.update(_health_side_by_side(G, report.as_of, repeat))
    stamp = report.centrality_stamp
    out["centrality"] = (f"{stamp.variant} (k={stamp.parameters.get('k')}, seed={stamp.parameters.get('seed')})"
                         if stamp else "")
    out["rss_audit"] = peak_rss_mb()
    return out


def _worker(n_parties: int, debtrank: bool, repeat: int) -> dict[str, Any]:
    cmd = ([sys.executable, "-m", "bench.audit", "--worker", str(n_parties), "--repeat", str(repeat)]
           + ([] if debtrank else ["--no-debtrank"]))
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.audit worker for {n_parties} parties failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def report(results: Sequence[dict[str, Any]]) -> str:
    """Markdown tables of the workers' results."""
    lines = []
    rows = [(f"{r['parties']:,}", f"{r['nodes']:,}", f"{r['edges']:,}", r["project_s"], r["audit_s"],
             r["audit_cpu_s"], "met" if r["audit_s"] <= TARGET_S else "missed", r["page_s"], r["page_mb"],
             r["json_s"], r["json_mb"], r["rss_projected"], r["rss_audit"], r["centrality"]) for r in results]
    lines.append(table(["parties", "nodes", "edges", "store.project() s", "audit s", "audit CPU s",
                        f"≤ {TARGET_S:g} s", "page s", "page MB", "JSON s (streamed)", "JSON MB",
                        "RSS after projection MiB", "peak RSS MiB (audit, page, JSON, health runs)", "betweenness"], rows))
    notes = [f"{r['parties']:,}: {r['over_time_note']}" for r in results if r.get("over_time_note")]
    if notes:
        lines.append("\nChange over time: " + " ".join(notes) + "\n")
    hf = [r for r in results if "health_fast_s" in r]
    if hf:
        lines.append("\nRelationship health, bulk vs the per-relationship reference (interleaved, medians; equal "
                     "results asserted):\n")
        lines.append(table(["parties", "relationships scored", "bulk s", "reference s", "bulk / reference"],
                           [(f"{r['parties']:,}", f"{r['health_rows']:,}", r["health_fast_s"],
                             r["health_reference_s"], f"{r['health_fast_s'] / r['health_reference_s']:.2f}×")
                            for r in hf]))
    phases = list(dict.fromkeys(p for r in results for p in r["phases"]))
    lines.append("\nAudit phases (wall s):\n")
    lines.append(table(["phase", *(f"{r['parties']:,}" for r in results)],
                       [(p, *(r["phases"].get(p, float("nan")) for r in results)) for p in phases]))
    dr = [r for r in results if "debtrank_one_s" in r]
    if dr:
        lines.append("\nDebtRank (sparse exposures):\n")
        lines.append(table(["parties", "one scenario s (builds the network)", "network build s",
                            f"{CENTRAL} most central, one network s", "peak RSS MiB", "note"],
                           [(f"{r['parties']:,}", r["debtrank_one_s"], r["debtrank_build_s"], r["debtrank_many_s"],
                             r["rss_debtrank"], f"{r['debtrank_one_note']}; {r['debtrank_many_note']}")
                            for r in dr]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes_arg(parser, DEFAULT_SIZES, "numbers of parties (generated portfolios, about 5 relationships each)")
    parser.add_argument("--no-debtrank", action="store_true", help="skip the DebtRank rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs of health fast vs reference (0: skip)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure_size(args.worker, debtrank=not args.no_debtrank, repeat=args.repeat)))
        return 0
    print(header("Full dependency audit and DebtRank at scale", "bench.audit", argv if argv is not None
                 else sys.argv[1:]))
    results = [_worker(n, not args.no_debtrank, args.repeat) for n in args.sizes]
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
median of ``--repeat`` runs each. Each phase also reports the resident set size after it.

``--before SRC`` runs every size with ``stakegraph`` imported from another source tree as well
(``git archive COMMIT src | tar -x -C /tmp/before`` gives one: ``--before /tmp/before/src``), and
``--runs N`` repeats the pair, alternating now / before, so that a change is measured against the
code before it in the same session on the same (noisy) machine:
``python -m bench.audit --sizes 1000000 --no-debtrank --repeat 0 --runs 2 --before /tmp/before/src``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.common import PhasePeaks, header, peak_rss_mb, projection, rss_mb, sizes_arg, table

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


def _health_side_by_side(G: Any, day: str, repeat: int, *, reference: bool = True) -> dict[str, Any]:
    """Relationship health, interleaved, medians (every pair must agree):

    * the audit's "health and alerts" phase before and after the columns (issue 17): before, the bulk path
      on the as-of graph (``graph_as_of`` + ``relationship_health_fast``) as the catalogue ran it; after,
      ``relationship_health_on_day`` (the catalogue's ``compute_on_day``: no as-of graph when the day changes
      nothing); each then ``alerts_from_health``; wall and CPU seconds, the collector paused as in the audit;
    * with ``reference``, the bulk path against the per-relationship reference (both on ``G``).
    """
    from stakegraph.analytics.health import alerts_from_health, relationship_health_reference
    from stakegraph.analytics.health_columns import relationship_health_on_day
    from stakegraph.analytics.health_fast import relationship_health_fast
    from stakegraph.asof import graph_as_of
    from stakegraph.audit import ALERTS_SHOWN, _gc_paused

    def before() -> Any:
        return relationship_health_fast(graph_as_of(G, day), as_of=day)

    def after() -> Any:
        return relationship_health_on_day(G, as_of=day)

    phase: dict[str, list[float]] = {"before_s": [], "before_cpu_s": [], "after_s": [], "after_cpu_s": []}
    for _ in range(repeat):
        got: dict[str, Any] = {}
        for name, fn in (("before", before), ("after", after)):
            gc.collect()
            with _gc_paused(True):
                t0, c0 = time.perf_counter(), time.process_time()
                h = fn()
                alerts = alerts_from_health(h, top=ALERTS_SHOWN)
                phase[f"{name}_s"].append(time.perf_counter() - t0)
                phase[f"{name}_cpu_s"].append(time.process_time() - c0)
            got[name] = (h, alerts)
            del h, alerts
        assert got["before"] == got["after"], "health on the day differs from the bulk path on the as-of graph"
        rows = len(got["after"][0].relationships)
        del got
    out: dict[str, Any] = {f"health_phase_{k}": statistics.median(v) for k, v in phase.items()}
    out["health_phase_runs"] = repeat
    out["health_rows"] = rows
    if not reference:
        return out
    fast: list[float] = []
    ref: list[float] = []
    for _ in range(repeat):
        for fn, times in ((relationship_health_fast, fast), (relationship_health_reference, ref)):
            t0 = time.perf_counter()
            result = fn(G, as_of=day)
            times.append(time.perf_counter() - t0)
            if fn is relationship_health_fast:
                bulk = result
            else:
                assert bulk == result, "bulk health differs from the reference"
    out.update(health_fast_s=statistics.median(fast), health_reference_s=statistics.median(ref))
    return out


def measure_health(n_parties: int, *, repeat: int = 3) -> dict[str, Any]:
    """Only the audit's health phase before and after (``--health-only``), on the audit's day."""
    from stakegraph.measures import resolve_as_of

    out: dict[str, Any] = {"parties": n_parties, "load_at_start": os.getloadavg()}
    t0 = time.perf_counter()
    G = projection(n_parties)
    out.update(project_s=time.perf_counter() - t0, nodes=G.number_of_nodes(), edges=G.number_of_edges())
    out["as_of"] = resolve_as_of(G, None).isoformat()
    out.update(_health_side_by_side(G, out["as_of"], repeat, reference=False))
    out["load_at_end"] = os.getloadavg()
    out["rss_peak"] = peak_rss_mb()
    return out


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
    phase_rss: dict[str, float] = {}
    phase_peak: dict[str, float] = {}
    out["phase_rss"], out["phase_peak"] = phase_rss, phase_peak
    peaks = PhasePeaks()
    t0, c0 = time.perf_counter(), time.process_time()
    with _rss_after_phases(phase_rss, phase_peak, peaks):
        report = build_audit(G, timings=timings)
    out["audit_s"], out["audit_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    out["phases"] = timings
    t0, c0 = time.perf_counter(), time.process_time()
    html = audit_page(G, report).render()
    out["page_s"], out["page_cpu_s"], out["page_mb"] = (time.perf_counter() - t0, time.process_time() - c0,
                                                        len(html.encode()) / 2**20)
    _record(phase_peak, "page", peaks.mark())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "audit.json")
        t0 = time.perf_counter()
        with open(path, "w", encoding="utf-8") as fh:
            write_audit_json(report, fh)
        out["json_s"], out["json_mb"] = time.perf_counter() - t0, os.path.getsize(path) / 2**20
    _record(phase_peak, "JSON", peaks.mark())
    out["over_time_note"] = report.over_time.note if report.over_time is not None else None
    if repeat:
        out.update(_health_side_by_side(G, report.as_of, repeat))
    stamp = report.centrality_stamp
    out["centrality"] = (f"{stamp.variant} (k={stamp.parameters.get('k')}, seed={stamp.parameters.get('seed')})"
                         if stamp else "")
    out["rss_audit"] = peaks.overall()
    return out


def _record(into: dict[str, float], phase: str, peak: float | None) -> None:
    if peak is not None:
        into[phase] = peak / 1024


@contextlib.contextmanager
def _rss_after_phases(into: dict[str, float], peak_into: dict[str, float], peaks: PhasePeaks) -> Iterator[None]:
    """Record the resident set size after each audit phase into ``into``, and the peak within it into
    ``peak_into`` (GiB; the audit's own phase clock, ``stakegraph.audit._Phases``, wrapped for the bench only;
    nothing is wrapped when a tree lacks it)."""
    import stakegraph.audit as audit_mod

    phases: Any = getattr(audit_mod, "_Phases", None)
    done = getattr(phases, "done", None)
    if phases is None or done is None:
        yield
        return

    def recorded(self: Any, phase: str) -> None:
        done(self, phase)
        into[phase] = rss_mb() / 1024
        _record(peak_into, phase, peaks.mark())

    phases.done = recorded
    try:
        yield
    finally:
        phases.done = done


def _worker(n_parties: int, debtrank: bool, repeat: int, health_only: bool = False,
            src: Path | None = None) -> dict[str, Any]:
    cmd = ([sys.executable, "-m", "bench.audit", "--worker", str(n_parties), "--repeat", str(repeat)]
           + ([] if debtrank else ["--no-debtrank"]) + (["--health-only"] if health_only else []))
    env = None if src is None else {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"bench.audit worker for {n_parties} parties failed:\n{done.stderr[-4000:]}")
    out = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    out["tree"] = "now" if src is None else "before"
    return out


def report(results: Sequence[dict[str, Any]]) -> str:
    """Markdown tables of the workers' results."""
    lines = []
    label = _labels(results)
    rows = [(label[i], f"{r['nodes']:,}", f"{r['edges']:,}", r["project_s"], r["audit_s"],
             r["audit_cpu_s"], "met" if r["audit_s"] <= TARGET_S else "missed", r["page_s"], r["page_mb"],
             r["json_s"], r["json_mb"], r["rss_projected"], r["rss_audit"], r["centrality"])
            for i, r in enumerate(results)]
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
    hp = [r for r in results if "health_phase_before_s" in r]
    if hp:
        lines.append("\n" + health_report(hp))
    phases = list(dict.fromkeys(p for r in results for p in r["phases"]))
    lines.append("\nAudit phases (wall s):\n")
    lines.append(table(["phase", *label], [(p, *(r["phases"].get(p, float("nan")) for r in results)) for p in phases]))
    if any(r.get("phase_rss") for r in results):
        lines.append("\nResident set size after each phase (GiB):\n")
        lines.append(table(["phase", *label], [(p, *(r.get("phase_rss", {}).get(p, float("nan")) for r in results))
                                               for p in phases]))
    if any(r.get("phase_peak") for r in results):
        lines.append("\nPeak resident set size within each phase (GiB; the page and the JSON after the audit):\n")
        names = list(dict.fromkeys(p for r in results for p in r.get("phase_peak", {})))
        lines.append(table(["phase", *label], [(p, *(r.get("phase_peak", {}).get(p, float("nan")) for r in results))
                                               for p in names]))
    dr = [r for r in results if "debtrank_one_s" in r]
    if dr:
        lines.append("\nDebtRank (sparse exposures):\n")
        lines.append(table(["parties", "one scenario s (builds the network)", "network build s",
                            f"{CENTRAL} most central, one network s", "peak RSS MiB", "note"],
                           [(f"{r['parties']:,}", r["debtrank_one_s"], r["debtrank_build_s"], r["debtrank_many_s"],
                             r["rss_debtrank"], f"{r['debtrank_one_note']}; {r['debtrank_many_note']}")
                            for r in dr]))
    return "\n".join(lines)


def _labels(results: Sequence[dict[str, Any]]) -> list[str]:
    """A column or row label per result: the size, with the tree and the run when several trees or runs ran."""
    trees = {r.get("tree", "now") for r in results}
    if len(trees) == 1 and len({r["parties"] for r in results}) == len(results):
        return [f"{r['parties']:,}" for r in results]
    seen: dict[tuple[int, str], int] = {}
    out = []
    for r in results:
        key = (r["parties"], r.get("tree", "now"))
        seen[key] = seen.get(key, 0) + 1
        out.append(f"{r['parties']:,} {key[1]} #{seen[key]}")
    return out


def health_report(results: Sequence[dict[str, Any]]) -> str:
    """The health phase before / after table (medians of interleaved runs, equal results asserted)."""
    rows = []
    for r in results:
        b, a, bc, ac = (r[f"health_phase_{k}"] for k in ("before_s", "after_s", "before_cpu_s", "after_cpu_s"))
        load = r.get("load_at_start")
        rows.append((f"{r['parties']:,}", f"{r['health_rows']:,}", r.get("as_of", ""), b, a, f"{b / a:.2f}×", bc, ac,
                     f"{bc / ac:.2f}×", r["health_phase_runs"], "" if load is None else f"{load[0]:.2f}"))
    return ("Audit phase \"health and alerts\": before (graph_as_of + relationship_health_fast) vs after "
            "(relationship_health_on_day), interleaved, medians; equal results asserted:\n\n"
            + table(["parties", "relationships", "as of", "before s", "after s", "speed-up", "before CPU s",
                     "after CPU s", "CPU speed-up", "runs", "load at start"], rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes_arg(parser, DEFAULT_SIZES, "numbers of parties (generated portfolios, about 5 relationships each)")
    parser.add_argument("--no-debtrank", action="store_true", help="skip the DebtRank rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs of health fast vs reference (0: skip)")
    parser.add_argument("--health-only", action="store_true",
                        help="only the audit's health phase, before (as-of graph + bulk path) and after (columns), "
                             "--repeat interleaved runs each")
    parser.add_argument("--before", type=Path, metavar="SRC",
                        help="also run every size with stakegraph imported from this source tree, alternating")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (and per tree with --before)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.before is not None and not (args.before / "stakegraph" / "__init__.py").is_file():
        parser.error(f"--before {args.before}: no stakegraph package there (give the folder that holds stakegraph/, "
                     "e.g. from `git archive COMMIT src | tar -x -C /tmp/before`: /tmp/before/src)")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.worker:
        print(json.dumps(measure_health(args.worker, repeat=args.repeat) if args.health_only else
                         measure_size(args.worker, debtrank=not args.no_debtrank, repeat=args.repeat)))
        return 0
    print(header("Full dependency audit and DebtRank at scale", "bench.audit", argv if argv is not None
                 else sys.argv[1:]))
    trees: list[Path | None] = [None] if args.before is None else [None, args.before]
    results = [_worker(n, not args.no_debtrank, max(args.repeat, 1) if args.health_only else args.repeat,
                       args.health_only, src)
               for n in args.sizes for _ in range(args.runs) for src in trees]
    print(health_report(results) if args.health_only else report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``stakegraph analyze contagion|health|lifecycle``: risk analytics as tables or ``--json``.

Each command opens the configured store, projects it to NetworkX, runs pure
functions of ``stakegraph.analytics`` and prints readable tables, or with ``--json``
exactly ``to_jsonable(result)`` (the numbers the API returns). ``--csv DIR`` / ``--xlsx FILE``
also save the printed tables (``src/stakegraph/cli/tables.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import networkx as nx
import typer

from stakegraph.cli.tables import CSV_OPTION, XLSX_OPTION, num, tables

_JSON = typer.Option(False, "--json", help="Print the full result as JSON instead of tables.")
_AS_OF = typer.Option(None, "--as-of", help="Date the analysis is for (yyyy-mm-dd); default today.")


def _project() -> nx.MultiDiGraph:
    from stakegraph.store import open_store

    with open_store() as store:
        return store.project()


def _emit_json(result: Any) -> None:
    from stakegraph.analytics.stamp import to_jsonable

    typer.echo(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2))


def _as_of(text: str | None) -> dt.date:
    from stakegraph.analytics.health import to_date

    return dt.date.today() if not text else to_date(text)


def _shocks(defaults: list[str], equity: list[str], ends: list[str], missed: list[str]) -> list[Any]:
    from stakegraph.analytics.propagation import (
        EquityLoss,
        PartyDefault,
        RelationshipEnds,
        TargetMissed,
    )
    from stakegraph.errors import ValidationError

    out: list[Any] = [PartyDefault(p) for p in defaults]
    for spec in equity:
        party, sep, frac = spec.rpartition(":")
        try:
            out.append(EquityLoss(party, float(frac)))
        except ValueError as e:
            raise ValidationError(f"--equity-loss must be PARTY:FRACTION, not {spec!r}", field="equity_loss",
                                  fix="e.g. --equity-loss b_bank:0.3") from e
        if not sep:
            raise ValidationError(f"--equity-loss must be PARTY:FRACTION, not {spec!r}", field="equity_loss",
                                  fix="e.g. --equity-loss b_bank:0.3")
    out += [RelationshipEnds(e) for e in ends]
    out += [TargetMissed(p) for p in missed]
    return out


def _path_text(path: tuple[Any, ...]) -> str:
    parts = []
    for s in path:
        if s.clause == "shock":
            parts.append(f"[{s.note}: {s.source}" + (f" -> {s.target}" if s.target != s.source else "") + "]")
        else:
            parts.append(f"{s.source} -{s.clause}({s.kind} {s.edge_id}) {s.amount:,.0f}-> {s.target}")
    return "  ".join(parts)


def register(app: typer.Typer) -> None:
    """Add the risk analytics commands to ``app`` (the ``analyze`` group)."""

    @app.command("contagion")
    def contagion_cmd(
        default: Annotated[list[str] | None, typer.Option(
            "--default", "-d", help="Party (or project) that defaults.")] = None,
        equity_loss: Annotated[list[str] | None, typer.Option(
            "--equity-loss", help="PARTY:FRACTION of capital lost.")] = None,
        end: Annotated[list[str] | None, typer.Option(
            "--end", help="Edge id of a relationship that ends (loan recalled, customer leaves).")] = None,
        target_missed: Annotated[list[str] | None, typer.Option(
            "--target-missed", help="Investee missing bet-on targets.")] = None,
        method: str = typer.Option("contract", help="contract (clause-aware propagation), debtrank, cascade, "
                                                    "or clearing (Eisenberg-Noe)."),
        variant: str = typer.Option("battiston2012", help="DebtRank variant: battiston2012 or bardoscia2015."),
        recovery: float = typer.Option(0.4, help="Recovery rate of loans without recovery_rate."),
        margin: float = typer.Option(1.0, help="Share of a lost customer's annual revenue lost against capital."),
        rounds: int = typer.Option(50, help="Maximum rounds (contract)."),
        paths_from: str = typer.Option(None, "--paths-from", help="k most damaging paths from this party..."),
        paths_to: str = typer.Option(None, "--paths-to", help="...to this party."),
        k: int = typer.Option(3, "-k", help="Number of damaging paths."),
        top: int = typer.Option(20, help="Rows to show."),
        as_json: bool = _JSON,
        csv_dir: Path | None = CSV_OPTION,
        xlsx: Path | None = XLSX_OPTION,
    ) -> None:
        """Contagion: who loses what when a party defaults, loses equity, or a relationship ends.

        Examples: stakegraph analyze contagion --end <loan edge id>; ... -d a_co --method debtrank;
        ... --paths-from a_co --paths-to b_bank
        """
        with tables(csv_dir, xlsx, as_json) as out:
            from stakegraph.errors import ValidationError

            G = _project()
            if paths_from or paths_to:
                from stakegraph.analytics.propagation import k_damaging_paths

                if not (paths_from and paths_to):
                    raise ValidationError("--paths-from and --paths-to go together", field="paths_to",
                                          fix="name both parties")
                kp = k_damaging_paths(G, paths_from, paths_to, k, recovery_default=recovery, revenue_margin=margin)
                if as_json:
                    _emit_json(kp)
                    return
                out.table(f"{len(kp.paths)} most damaging paths {paths_from} -> {paths_to}",
                          ["#", "transmission", "path (kinds, exposure, factor)"],
                          [[i + 1, num(p.transmission, ".4g"), "  ".join(
                              f"{lk.source} -[{'/'.join(lk.kinds)} {lk.exposure:,.0f} x{lk.factor:.3f}]->"
                              for lk in p.links) + f" {p.nodes[-1]}"] for i, p in enumerate(kp.paths)], kp.stamp,
                          name=f"damaging paths {paths_from} {paths_to}")
                return
            if method == "clearing":
                from stakegraph.analytics.clearing import clearing_graph

                c = clearing_graph(G)
                if as_json:
                    _emit_json(c)
                    return
                order = sorted((i for i in range(len(c.nodes)) if c.p_bar[i] > 0), key=lambda i: -c.shortfall[i])
                rows = [[c.nodes[i], c.p_bar[i], c.p[i], c.shortfall[i], i in c.defaulted] for i in order]
                out.table(f"Eisenberg-Noe clearing: {len(c.defaulted)} defaulting",
                          ["party", "owes", "pays", "shortfall", "default"], rows[:top], c.stamp, name="clearing")
                return
            shocks = _shocks(default or [], equity_loss or [], end or [], target_missed or [])
            if not shocks:
                raise ValidationError("no shock given", field="shock",
                                      fix="pass --default PARTY, --equity-loss PARTY:FRACTION, --end EDGE_ID "
                                          "or --target-missed PARTY")
            if method == "debtrank":
                from stakegraph.analytics.debtrank import debtrank_graph
                from stakegraph.analytics.propagation import EquityLoss, PartyDefault

                h0: dict[str, float] = {}
                for s in shocks:
                    if isinstance(s, PartyDefault):
                        h0[s.party] = 1.0
                    elif isinstance(s, EquityLoss):
                        h0[s.party] = s.fraction
                    else:
                        raise ValidationError("DebtRank takes --default and --equity-loss shocks only",
                                              field="method", fix="use --method contract for relationship shocks")
                d = debtrank_graph(G, h0, variant=variant)  # type: ignore[arg-type]
                if as_json:
                    _emit_json(d)
                    return
                out.table(f"DebtRank {d.debtrank:.4f} (total stress {d.total_stress:.4f}), "
                          f"{len(d.additional_defaults)} additional defaults",
                          ["party", "name", "h0", "h", "weight", "default"],
                          [[s.node, s.name, s.h0, num(s.h, ".4f"), num(s.weight, ".4f"), s.defaulted]
                           for s in d.nodes[:top]], d.stamp, name="debtrank")
                return
            if method == "cascade":
                from stakegraph.analytics.cascade import threshold_cascade_graph
                from stakegraph.analytics.propagation import PartyDefault

                if not all(isinstance(s, PartyDefault) for s in shocks):
                    raise ValidationError("the threshold cascade takes --default shocks only", field="method",
                                          fix="use --method contract for other shocks")
                cr = threshold_cascade_graph(G, [s.party for s in shocks], recovery_default=recovery)
                if as_json:
                    _emit_json(cr)
                    return
                out.table(f"Threshold cascade: {len(cr.defaulted)} defaults in {len(cr.rounds)} rounds",
                          ["round", "defaults"],
                          [[i, ", ".join(cr.nodes[j] for j in r)] for i, r in enumerate(cr.rounds)], cr.stamp,
                          name="cascade")
                return
            if method != "contract":
                raise ValidationError(f"unknown method {method!r}", field="method",
                                      fix="use contract, debtrank, cascade or clearing")
            from stakegraph.analytics.propagation import propagate

            r = propagate(G, shocks, rounds=rounds, recovery_default=recovery, revenue_margin=margin)
            if as_json:
                _emit_json(r)
                return
            out.table(f"Contagion: system loss {r.system_loss:,.2f}, {len(r.defaults)} defaults, {r.rounds} rounds",
                      ["party", "name", "loss", "called", "h", "default", "round"],
                      [[p.party, p.name, p.loss, p.called, num(p.h, ".3f"), p.defaulted,
                        p.default_round if p.defaulted else p.first_round] for p in r.parties[:top]], r.stamp,
                      name="contagion")
            out.table("How the loss travelled (largest path per party)", ["party", "path"],
                      [[p.party, _path_text(p.paths[0])] for p in r.parties[:top] if p.paths], name="contagion paths")
            if r.projects:
                out.table("Affected projects", ["project", "name", "affected parties", "defaulted", "via"],
                          [[x.project, x.name, ", ".join(x.parties), ", ".join(x.defaulted_parties),
                            ", ".join(x.kinds)] for x in r.projects[:top]], name="contagion projects")
            if r.missing_capital:
                typer.echo(f"no capital (cannot default): {', '.join(r.missing_capital)}")

    @app.command("health")
    def health_cmd(
        as_of: str = _AS_OF,
        threshold: float = typer.Option(60.0, help="Alert below this score (0-100)."),
        edge: str = typer.Option(None, "--edge", help="Show every contribution of one relationship."),
        all_rows: bool = typer.Option(False, "--all", help="List every relationship's score, not only alerts."),
        top: int = typer.Option(20, help="Rows to show."),
        as_json: bool = _JSON,
        csv_dir: Path | None = CSV_OPTION,
        xlsx: Path | None = XLSX_OPTION,
    ) -> None:
        """Relationship health 0-100 and ranked early-warning alerts with reasons.

        Examples: stakegraph analyze health --as-of 2026-06-30; ... --edge <edge id>; ... --all --json
        """
        with tables(csv_dir, xlsx, as_json) as out:
            from stakegraph.analytics.health import relationship_alerts, relationship_health

            G = _project()
            day = _as_of(as_of)
            if edge or all_rows:
                h = relationship_health(G, as_of=day)
                if edge:
                    one = h.of(edge)
                    if as_json:
                        _emit_json(one)
                        return
                    out.table(f"{one.source_name} -{one.kind}-> {one.target_name}: score {one.score:.1f} "
                              f"({one.interactions} interactions, {one.contacts} contacts)",
                              ["factor", "points", "scope", "date", "magnitude", "decay", "reason"],
                              [[c.factor, c.points, c.scope, c.date, num(c.magnitude, ".3f"), num(c.decay, ".3f"),
                                c.reason] for c in one.contributions], h.stamp, name=f"health {edge}")
                    return
                if as_json:
                    _emit_json(h)
                    return
                out.table(f"Relationship health as of {h.as_of} (weakest first)",
                          ["edge", "kind", "source", "target", "score", "main factor"],
                          [[r.edge_id, r.kind, r.source_name, r.target_name, r.score,
                            r.contributions[0].factor if r.contributions else ""] for r in h.relationships[:top]],
                          h.stamp, name="health")
                return
            a = relationship_alerts(G, as_of=day, threshold=threshold)
            if as_json:
                _emit_json(a)
                return
            out.table(f"{len(a.alerts)} alerts below {threshold:g} as of {a.as_of}",
                      ["#", "relationship", "score", "reasons"],
                      [[x.rank, f"{x.source_name} -{x.kind}-> {x.target_name} ({x.edge_id})", x.score,
                        "; ".join(x.reasons[:4])] for x in a.alerts[:top]], a.stamp, name="alerts")

    @app.command("lifecycle")
    def lifecycle_cmd(
        party: str = typer.Argument(None, help="Party id; omit for every organisation's stage."),
        as_of: str = _AS_OF,
        segments: bool = typer.Option(False, "--segments", help="Segmentation by size, rating, risk appetite."),
        communities_view: bool = typer.Option(False, "--communities", help="Louvain communities with modularity."),
        seed: int = typer.Option(0, help="Communities: Louvain seed."),
        resolution: float = typer.Option(1.0, help="Communities: Louvain resolution."),
        top: int = typer.Option(30, help="Rows to show."),
        as_json: bool = _JSON,
        csv_dir: Path | None = CSV_OPTION,
        xlsx: Path | None = XLSX_OPTION,
    ) -> None:
        """Lifecycle stage (acquisition ... churn), segmentation, or communities.

        Examples: stakegraph analyze lifecycle tech_co --as-of 2026-06-30; ... --segments; ... --communities
        """
        with tables(csv_dir, xlsx, as_json) as out:
            from stakegraph.analytics import lifecycle as lc

            G = _project()
            if communities_view:
                c = lc.communities(G, seed, resolution=resolution)
                if as_json:
                    _emit_json(c)
                    return
                out.table(f"{len(c.communities)} communities, modularity {c.modularity:.4f} ({c.isolated} isolated)",
                          ["id", "size", "parties", "projects", "members"],
                          [[x.id, x.size, x.parties, x.projects,
                            ", ".join(x.members[:8]) + (" ..." if x.size > 8 else "")] for x in c.communities[:top]],
                          c.stamp, name="communities")
                return
            if segments:
                s = lc.segmentation(G)
                if as_json:
                    _emit_json(s)
                    return
                for title, counts in (("size", s.size_counts), ("rating", s.rating_counts),
                                      ("risk appetite", s.risk_appetite_counts)):
                    out.table(f"Parties by {title}", ["segment", "parties"],
                              [[k, v] for k, v in sorted(counts.items(), key=lambda kv: -kv[1])])
                out.table("Parties", ["party", "name", "size", "rating", "bucket", "appetite"],
                          [[p.party, p.name, p.size, p.rating, p.rating_bucket, p.risk_appetite]
                           for p in s.parties[:top]], s.stamp, name="segments")
                return
            day = _as_of(as_of)
            if party:
                r = lc.lifecycle_stage(G, party, as_of=day)
                if as_json:
                    _emit_json(r)
                    return
                out.table(f"{r.name} ({r.party}) as of {r.as_of}: {r.stage or 'unknown'}", ["evidence", "value"], [
                    ["rule", r.rule], ["reason", r.reason],
                    ["trend %", "" if r.trend_pct is None else f"{r.trend_pct:+.2f} ({r.trend_source})"],
                    ["first / last interaction", f"{r.first_interaction or ''} / {r.last_interaction or ''}"],
                    ["active / ended relationships", f"{r.active_relationships} / {r.ended_relationships}"],
                    ["stated stage", r.stated_stage or ""]], r.stamp, name=f"lifecycle {r.party}")
                return
            parties = sorted(n for n, d in G.nodes(data=True) if d.get("type") == "party" and d.get("kind") != "person")
            results = [lc.lifecycle_stage(G, p, as_of=day) for p in parties]
            if as_json:
                _emit_json(results)
                return
            from collections import Counter

            counts = Counter(r.stage or "unknown" for r in results)
            out.table(f"Lifecycle stages as of {day.isoformat()}", ["stage", "parties"],
                      [[k, counts[k]] for k in ("acquisition", "development", "maturity", "decline", "churn", "unknown")
                       if counts[k]], name="lifecycle stages")
            out.table("Parties not in maturity", ["party", "name", "stage", "reason"],
                      [[r.party, r.name, r.stage or "unknown", r.reason] for r in results
                       if r.stage not in ("maturity", None)][:top], results[0].stamp if results else None)

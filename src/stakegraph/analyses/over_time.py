"""Time analyses declared once: a measure's trend over period ends, and the diff between two dates.

Both read the graph through :func:`stakegraph.asof.graph_as_of` (the one as-of rule) at their own
dates, so they take ``from_date``/``to_date`` (``--from``/``--to``) instead of the common ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import networkx as nx

from stakegraph.analyses.cells import money, num
from stakegraph.analyses.spec import Analysis, Param, Table
from stakegraph.analytics import timeline as tl
from stakegraph.analytics.concentration import CUSTOMER_KINDS
from stakegraph.measures import default_as_of

P = Mapping[str, Any]


def _window(G: nx.MultiDiGraph, p: P, years: int) -> tuple[dt.date, dt.date]:
    """(from, to): ``to`` defaults to the as-of rule's date, ``from`` to ``years`` before it."""
    end = p["to_date"] or default_as_of(G)
    if p["from_date"]:
        return p["from_date"], end
    try:
        return end.replace(year=end.year - years), end
    except ValueError:  # 29 February
        return end.replace(year=end.year - years, day=28), end


TO = Param("to_date", "date", "Last date (yyyy-mm-dd); default: the latest interaction, signal or event date in "
           "the data.", short="--to")


def _value(measure: str, v: float | None) -> Any:
    if measure == "hhi":
        return num(v, ",.1f")
    if measure == "cr_k":
        return num(v, ".2f", "%")
    if measure == "exposure":
        return money(v)
    if measure == "health":
        return num(v, ".1f")
    return num(v, ",.0f")


def _trend_tables(r: tl.TrendResult, p: P) -> list[Table]:
    who = f"{r.name} ({r.node})" if r.node else "the book"
    what = r.measure + (f" of {', '.join(r.kinds)} ({r.direction if r.node else 'by source'})"
                        if r.measure in tl.CONCENTRATION_MEASURES else "")
    return [Table(f"{what} of {who} at each {r.period} end, {r.from_date} to {r.to_date}: "
                  f"{r.flagged} period(s) flagged",
                  ["period end", "value", "band 2023", "band 2010", "major (>= 10%)", "flags"],
                  [[x.period_end, _value(r.measure, x.value), x.band_2023 or "", x.band_2010 or "",
                    ", ".join(x.majors), "; ".join(x.flags)] for x in r.rows], name=f"trend {r.measure} {r.node or 'book'}")]


TREND = Analysis(
    name="trend",
    title="Trend of a measure over time",
    help="A measure (hhi, cr_k, counterparties, exposure, health, cut_points) of one node, or of the whole book, "
         "at each month, quarter or year end between two dates, on the graph as it stood that day; periods where "
         "the HHI crossed a DOJ/FTC band (2023: 1,800) or a counterparty crossed the 10% major line are flagged.",
    params=(
        Param("node", "node", "Node measured (default: the whole book).", positional=True),
        Param("measure", "choice", "What is measured.", default="hhi", choices=tl.MEASURES),
        Param("period", "choice", "Period whose ends are measured.", default="quarter", choices=tl.PERIODS),
        Param("from_date", "date", "First date (yyyy-mm-dd); default: 2 years before the last date.", short="--from"),
        TO,
        Param("kinds", "kinds", "Relationship kinds of hhi, cr_k and counterparties (default: buys_from, offtakes "
              "for a node; lends_to for the book)."),
        Param("direction", "choice", "'in': relationships pointing at the node (its customers, its lenders); "
              "'out': its own.", default="in", choices=("in", "out")),
        Param("k", "int", "CR-k: the share of the k largest counterparties.", default=5, minimum=1, maximum=1000,
              short="-k"),
    ),
    compute=lambda G, p: tl.trend(G, p["measure"], p["node"], start=_window(G, p, 2)[0], end=_window(G, p, 2)[1],
                                  period=p["period"], kinds=p["kinds"], direction=p["direction"], k=p["k"]),
    result=tl.TrendResult,
    tables=_trend_tables,
    example="stakegraph analyze trend a_co --measure hhi --kinds lends_to --from 2021-01-01 --to 2026-06-30",
    dated=False,
)


def _changes(title: str, rows: tuple[tl.RelationshipChange, ...], name: str) -> Table:
    return Table(f"{title} ({len(rows)})", ["relationship", "kind", "source", "target", "start", "end", "status",
                                            "amount"],
                 [[c.edge_id, c.kind, c.source, c.target, c.start_date or "", c.end_date or "", c.status or "",
                   money(c.amount)] for c in rows], name=name)


def _diff_tables(r: tl.DiffResult, p: P) -> list[Table]:
    return [
        _changes(f"Relationships started after {r.from_date} up to {r.to_date}", r.started, "started"),
        _changes("Relationships ended", r.ended, "ended"),
        Table(f"Concentration band changes ({', '.join(r.kinds)}, {r.direction})",
              ["node", "name", "HHI from", "HHI to", "2023 band from", "2023 band to", "2010 band from",
               "2010 band to"],
              [[b.node, b.name, num(b.hhi_from, ",.1f"), num(b.hhi_to, ",.1f"), b.band_2023_from or "",
                b.band_2023_to or "", b.band_2010_from or "", b.band_2010_to or ""] for b in r.band_changes],
              name="band changes"),
        Table("Cut point changes", ["node", "name", "change"],
              [[c.node, c.name, c.change] for c in r.cut_point_changes], name="cut point changes"),
        Table(f"Signals dated in between ({len(r.signals)}; {r.interactions} interactions)",
              ["signal", "kind", "date", "party", "relationship", "value", "note"],
              [[o.id, o.kind, o.date, o.party or "", o.relationship or "", o.value, o.note or ""] for o in r.signals],
              name="signals"),
    ]


DIFF = Analysis(
    name="diff",
    title="What changed between two dates",
    help="Relationships started and ended between two dates, parties whose concentration band (DOJ/FTC 2010, "
         "2023) or cut-point status changed, and the signals dated in between (also: stakegraph diff --from --to).",
    params=(
        Param("from_date", "date", "First date (yyyy-mm-dd); default: 1 year before the last date.", short="--from"),
        TO,
        Param("kinds", "kinds", "Relationship kinds of the concentration compared.", default=CUSTOMER_KINDS),
        Param("direction", "choice", "'in' or 'out' (as for concentration).", default="in", choices=("in", "out")),
    ),
    compute=lambda G, p: tl.diff(G, *_window(G, p, 1), kinds=p["kinds"], direction=p["direction"]),
    result=tl.DiffResult,
    tables=_diff_tables,
    example="stakegraph diff --from 2022-12-31 --to 2023-12-31 --kinds lends_to",
    dated=False,
)

ANALYSES: tuple[Analysis, ...] = (TREND, DIFF)

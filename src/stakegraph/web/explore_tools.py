"""The explorer's tools: shortest paths through chosen kinds, and what-if contagion (with a comparison).

* ``GET /explore/paths?from=A&to=B&kinds=lends_to,sponsors&max=5&hops=6&directed=false`` — the ``max``
  shortest simple paths of at most ``hops`` relationships of ``kinds`` (every kind when empty),
  following their direction when ``directed`` (:func:`stakegraph.analytics.kind_paths.shortest_paths_by_kind`).
  ``nodes`` and ``edges`` have the shapes of ``/explore/node/{id}/neighbours``.
* ``GET /explore/whatif?shock=default:a_co&method=debtrank&as_of=…`` — the catalogue's ``contagion``
  analysis (the one ``stakegraph analyze contagion`` and GraphQL run; its parameters, parsed by
  :func:`~stakegraph.analyses.parse_params`; ``shock`` = ``shocks``, method ``threshold`` =
  ``cascade``): per party the value the method reports (``unit`` says what it is and in which
  currency), the relationships the loss travelled along, and the nodes/edges to draw.
* ``GET /explore/tools`` — the choices the tools offer (relationship kinds, methods, variants) and the bounds.
* ``compare=SHOCKS`` (and ``compare_method=``, default the same method) runs a second scenario with
  the same parameters and answers ``{"a", "b", "diff"}``: the difference b − a per party over the
  full results (not the shown rows), largest first. Both must report in the same unit.

Bounds are checked before the projection is read; errors are the pages' one translation (JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from stakegraph.analyses import cache_key, get, parse_params
from stakegraph.analytics.cascade import CascadeResult
from stakegraph.analytics.clearing import ClearingResult
from stakegraph.analytics.debtrank import DebtRankGraphResult
from stakegraph.analytics.exposure import capital_of
from stakegraph.analytics.kind_paths import kind_graph, shortest_paths_by_kind
from stakegraph.analytics.propagation import PropagationResult
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.domain import RELATIONSHIP_KINDS
from stakegraph.errors import Invalid, LimitExceeded, NotFound
from stakegraph.measures import is_active, money_context, number
from stakegraph.web import explore as explore_web
from stakegraph.web.pages import _bool, _int, _raw, _serve, _text
from stakegraph.workspace import Workspace

__all__ = ["router", "MAX_PATHS", "MAX_HOPS", "MAX_SHOCKS", "MAX_ROWS", "MAX_PATH_WORK"]

router = APIRouter(tags=["explore"])
#: Most paths one request returns.
MAX_PATHS = 20
#: Longest path, in relationships.
MAX_HOPS = 8
#: Most shocked parties (or relationships) in one what-if scenario.
MAX_SHOCKS = 50
#: Most parties a what-if lists (and draws).
MAX_ROWS = 500
#: Yen's algorithm costs about paths × hops breadth-first searches of the kind graph: at most this many
#: edge visits per request (refused before the search runs).
MAX_PATH_WORK = 20_000_000
#: Most transmission relationships a what-if draws.
MAX_DRAWN_EDGES = 1000
METHOD_ALIASES = {"threshold": "cascade"}
EXPOSURE_KINDS = ("lends_to", "invests_in")


# ----------------------------------------------------------------------------- shapes
def _canvas(ws: Workspace, version: str, node_ids: list[str], edge_ids: list[str]) -> dict[str, Any]:
    """Nodes and edges in the neighbours endpoint's shapes (its own functions, with its per-version
    metrics when it has them), so the client adds them to the canvas as it adds a page of neighbours."""
    context = getattr(explore_web, "_context", None)
    nodes = [n for n in ws.store.get_nodes(node_ids) if n is not None]
    edges = [e for e in ws.store.get_edges(edge_ids) if e is not None]
    if context is None:  # pragma: no cover - the explorer before per-node metrics
        return {"nodes": [explore_web._brief(n) for n in nodes], "edges": [explore_web._edge(e) for e in edges]}
    metrics, G = context(ws, version)
    return {"nodes": [explore_web._brief(n, metrics) for n in nodes],  # type: ignore[call-arg]
            "edges": [explore_web._edge(e, metrics, G) for e in edges]}  # type: ignore[call-arg]


# ----------------------------------------------------------------------------- the tools' choices
@router.get("/explore/tools", include_in_schema=False)
async def tools(request: Request) -> Response:
    """What the tools offer: relationship kinds, contagion methods and variants, and the bounds."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        a = get("contagion")
        return {"kinds": list(RELATIONSHIP_KINDS), "methods": list(a.param("method").choices),
                "method_aliases": dict(METHOD_ALIASES), "variants": list(a.param("variant").choices),
                "limits": {"paths": MAX_PATHS, "hops": MAX_HOPS, "shocks": MAX_SHOCKS, "rows": MAX_ROWS}}

    return await _serve(request, build, json_errors=True)


# ----------------------------------------------------------------------------- paths
def _kinds(text: str | None) -> tuple[str, ...] | None:
    """Relationship kinds from ``a,b`` (``None`` = every kind); an unknown one is refused with the list."""
    if not text:
        return None
    items = [x.strip().lower() for x in text.split(",") if x.strip()]
    bad = [x for x in items if x not in RELATIONSHIP_KINDS]
    if bad:
        raise Invalid(f"kinds: unknown relationship kind(s) {', '.join(b[:40] for b in bad[:5])}",
                      fix="use " + ", ".join(RELATIONSHIP_KINDS))
    return tuple(dict.fromkeys(items)) or None


@router.get("/explore/paths", include_in_schema=False)
async def paths(request: Request) -> Response:
    """Shortest paths between two nodes limited to chosen relationship kinds."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        source = _text(request, "from")
        target = _text(request, "to")
        if not source or not target:
            raise Invalid("paths need from=ID and to=ID", fix="pick two nodes (select one, then another)")
        kinds = _kinds(_text(request, "kinds"))
        k = _int(request, "max", 5, 1, MAX_PATHS)
        hops = _int(request, "hops", 6, 1, MAX_HOPS)
        directed = _bool(request, "directed")
        G = ws.projection(version)
        key = ("explore-kind-graph", tuple(sorted(kinds)) if kinds else None, directed)
        H = ws.cached(key, lambda g: kind_graph(g, kinds, directed=directed), version)
        work = k * hops * max(H.number_of_edges(), 1)
        if work > MAX_PATH_WORK:
            raise LimitExceeded(f"{k} paths of up to {hops} hops over {H.number_of_edges():,} relationships is "
                                f"too much work for one request (limit {MAX_PATH_WORK:,} edge visits)",
                                fix="choose fewer kinds, fewer paths (max) or fewer hops")
        r = shortest_paths_by_kind(G, source, target, kinds=kinds, k=k, max_hops=hops, directed=directed, H=H)
        node_ids = sorted({n for p in r.paths for n in p.nodes} | {source, target})
        edge_ids = sorted({e for p in r.paths for hop in p.edges for e in hop})
        return {"from": source, "to": target, "kinds": list(r.kinds), "directed": directed, "hops": hops,
                "paths": [{"nodes": list(p.nodes), "edges": [list(h) for h in p.edges], "hops": p.hops}
                          for p in r.paths],
                **_canvas(ws, version, node_ids, edge_ids),
                "stamp": to_jsonable(r.stamp)}

    return await _serve(request, build, json_errors=True)


# ----------------------------------------------------------------------------- what-if
def _unit(G: nx.MultiDiGraph, method: str, stamped: Mapping[str, Any]) -> dict[str, Any]:
    """What a scenario's per-party value is, and its currency: the one the answer's stamp states
    (the method converted every amount to it), else the graph's one currency, else the currencies
    the amounts were recorded in (not converted)."""
    if method == "debtrank":
        return {"value": "share of capital lost (DebtRank h, 0 to 1)", "kind": "fraction",
                "money": "equity lost = h x capital", "currency": stamped.get("currency") or
                money_context(G).reporting, "converted": True}
    label = {"clearing": "shortfall (owed minus paid, Eisenberg-Noe clearing)",
             "contract": "loss against capital"}.get(method, "loss from defaulted counterparties")
    if stamped.get("currency"):
        return {"value": label, "kind": "money", "currency": stamped["currency"], "converted": True}
    money = money_context(G)
    present = sorted(money.currencies)
    if len(present) <= 1:
        return {"value": label, "kind": "money", "currency": present[0] if present else money.reporting,
                "converted": False}
    return {"value": label, "kind": "money", "currency": None, "currencies": present, "converted": False,
            "note": f"amounts as recorded in {', '.join(present)}, not converted to one currency by this method"}


def _exposure_edges(G: nx.MultiDiGraph, hit: Mapping[str, float], gained: set[str]) -> list[str]:
    """Active exposure relationships (lends_to, invests_in) u -> v with v hit and u's loss grown by it."""
    out = []
    for u, v, key, d in G.edges(keys=True, data=True):
        if d.get("kind") in EXPOSURE_KINDS and u in gained and hit.get(v, 0.0) > 0 and u != v and is_active(d):
            if (number(d.get("amount")) or 0.0) > 0:
                out.append(str(key))
    return out


def _rows(G: nx.MultiDiGraph, result: Any) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
    """Every affected party's row (largest first), the transmission edges and the paths."""
    name = lambda n: str(G.nodes[n].get("name") or n) if n in G else n  # noqa: E731
    rows: list[dict[str, Any]] = []
    paths: list[dict[str, Any]] = []
    if isinstance(result, PropagationResult):
        for x in result.parties:
            if x.loss > 0 or x.defaulted:
                rows.append({"id": x.party, "name": x.name, "value": x.loss, "money": x.loss, "h": x.h,
                             "defaulted": x.defaulted, "round": x.default_round if x.defaulted else x.first_round})
        edges = sorted({s.edge_id for s in result.steps if s.edge_id and s.clause != "shock"})
        for x in result.parties:
            if x.paths:
                paths.append({"party": x.party, "steps": [
                    {"source": s.source, "target": s.target, "edge": s.edge_id, "kind": s.kind, "clause": s.clause,
                     "amount": s.amount, "note": s.note} for s in x.paths[0]]})
        return rows, edges, paths
    if isinstance(result, DebtRankGraphResult):
        money = money_context(G)
        for s in result.nodes:
            cap = capital_of(G.nodes[s.node], money) if s.node in G else None
            rows.append({"id": s.node, "name": s.name, "value": s.h, "money": None if cap is None else s.h * cap,
                         "h": s.h, "h0": s.h0, "defaulted": s.defaulted})
        hit = {s.node: s.h for s in result.nodes}
        gained = {s.node for s in result.nodes if s.h > s.h0}
        return rows, _exposure_edges(G, hit, gained), paths
    if isinstance(result, CascadeResult):
        dead = {result.nodes[i] for i in result.defaulted}
        for i, n in enumerate(result.nodes):
            if result.losses[i] > 0 or n in dead:
                rows.append({"id": n, "name": name(n), "value": result.losses[i], "money": result.losses[i],
                             "defaulted": n in dead, "round": result.default_round[i]})
        hit = {n: 1.0 for n in dead}
        gained = {r["id"] for r in rows if r["value"] > 0}
        return rows, _exposure_edges(G, hit, gained), paths
    if isinstance(result, ClearingResult):
        dead = {result.nodes[i] for i in result.defaulted}
        for i, n in enumerate(result.nodes):
            if result.shortfall[i] > 0 or n in dead:
                rows.append({"id": n, "name": name(n), "value": result.shortfall[i], "money": result.shortfall[i],
                             "defaulted": n in dead, "owes": result.p_bar[i], "pays": result.p[i]})
        short = {r["id"] for r in rows if r["value"] > 0}
        edges = [str(k) for u, v, k, d in G.edges(keys=True, data=True)
                 if d.get("kind") == "lends_to" and v in short and u != v and is_active(d)]
        return rows, sorted(edges), paths
    raise Invalid(f"no what-if view of {type(result).__name__}")  # pragma: no cover - the catalogue's types


def _summary(result: Any) -> dict[str, Any]:
    if isinstance(result, PropagationResult):
        return {"system_loss": result.system_loss, "defaults": list(result.defaults), "rounds": result.rounds}
    if isinstance(result, DebtRankGraphResult):
        return {"debtrank": result.debtrank, "total_stress": result.total_stress,
                "additional_defaults": list(result.additional_defaults), "rounds": result.rounds}
    if isinstance(result, CascadeResult):
        return {"defaults": [result.nodes[i] for i in result.defaulted], "rounds": len(result.rounds)}
    return {"defaults": [result.nodes[i] for i in result.defaulted], "rounds": result.rounds,
            "note": "clearing clears the whole book: it takes no shocks"}


def _raw_scenario(request: Request) -> dict[str, Any]:
    """The contagion analysis' raw parameters from the query (``shock`` alias, ``threshold`` alias),
    with the explorer's own bounds checked first."""
    a = get("contagion")
    raw = _raw(request, a, skip=("format", "compare", "compare_method"), aliases={"shock": "shocks"})
    method = str(raw.get("method") or "").strip().lower()
    if method in METHOD_ALIASES:
        raw["method"] = METHOD_ALIASES[method]
    shocks = raw.get("shocks") or []
    n = sum(1 for x in (shocks if isinstance(shocks, list) else [shocks]) for t in str(x).split(",") if t.strip())
    if n > MAX_SHOCKS:
        raise LimitExceeded(f"{n} shocks in one what-if; the explorer runs at most {MAX_SHOCKS}",
                            fix="shock fewer parties, or run stakegraph analyze contagion for a larger scenario")
    top = raw.get("top")
    if top is None or not str(top).strip():
        raw["top"] = "20"
    params = parse_params(a, raw)  # every catalogue bound and the shock grammar, before any work
    if params["top"] > MAX_ROWS:
        raise LimitExceeded(f"top is {params['top']}; the explorer lists at most {MAX_ROWS} parties",
                            fix=f"give top from 1 to {MAX_ROWS}")
    return raw


def _scenario(ws: Workspace, version: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One what-if answer (the catalogue analysis) and every affected party's row, cached per version."""
    parsed = parse_params(get("contagion"), raw)
    G = ws.as_of(parsed["as_of"], version) if parsed.get("as_of") else ws.projection(version)
    for shock in parsed["shocks"] or ():
        party = getattr(shock, "party", None)
        if party is not None and party not in G:
            raise NotFound(f"no party {party[:80]!r} to shock in the graph",
                           fix="select the party on the canvas or search for it by name")
    key = ("explore-whatif", cache_key(get("contagion"), parsed))
    return ws.cached(key, lambda _: _answer(ws, version, raw, G), version)  # type: ignore[no-any-return]


def _answer(ws: Workspace, version: str, raw: Mapping[str, Any], G: nx.MultiDiGraph
            ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    ans = ws.run("contagion", raw, version=version)
    p = ans.parameters
    rows, edge_ids, paths = _rows(G, ans.result)
    rows.sort(key=lambda r: (-r["value"], r["id"]))
    top = int(p["top"])
    shown = rows[:top]
    listed = {r["id"] for r in shown}
    keep = set(listed)
    wanted = set(edge_ids)
    ends = {str(k): (u, v) for u, v, k in G.edges(keys=True) if str(k) in wanted}
    # the relationships the loss travelled along that touch a listed party, and the parties at their other end
    drawn = sorted(e for e, (u, v) in ends.items() if u in keep or v in keep)[:MAX_DRAWN_EDGES]
    keep |= {x for e in drawn for x in ends[e]}
    out = {"analysis": ans.analysis, "parameters": dict(p), "stamp": to_jsonable(ans.stamp),
           "unit": _unit(G, str(p["method"]), ans.stamp.parameters), "summary": _summary(ans.result), "affected": len(rows),
           "losses": shown,
           "transmission": {"edges": drawn, "all_edges": len(edge_ids),
                            "paths": [x for x in paths if x["party"] in listed][:top]},
           **_canvas(ws, version, sorted(keep), drawn)}
    return out, rows


@router.get("/explore/whatif", include_in_schema=False)
async def whatif(request: Request) -> Response:
    """A contagion scenario from the catalogue: per-party losses, their unit and the transmission;
    ``compare=SHOCKS`` runs a second scenario and answers both with the difference."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        raw = _raw_scenario(request)
        other = _text(request, "compare")
        other_method = _text(request, "compare_method")
        raw_b: dict[str, Any] | None = None
        if other is not None or other_method is not None:
            raw_b = {**raw, "shocks": other if other is not None else raw.get("shocks")}
            if other_method is not None:
                raw_b["method"] = METHOD_ALIASES.get(other_method.lower(), other_method)
            if len([t for t in str(raw_b["shocks"] or "").split(",") if t.strip()]) > MAX_SHOCKS:
                raise LimitExceeded(f"compare has more than {MAX_SHOCKS} shocks", fix="shock fewer parties")
            parse_params(get("contagion"), raw_b)
        a, rows_a = _scenario(ws, version, raw)
        if raw_b is None:
            return a
        b, rows_b = _scenario(ws, version, raw_b)
        if a["unit"] != b["unit"]:
            raise Invalid(f"the scenarios report different values ({a['unit']['value']} vs {b['unit']['value']})",
                          fix="compare two scenarios of one method (or of methods with the same unit)")
        va = {r["id"]: r for r in rows_a}
        vb = {r["id"]: r for r in rows_b}
        diff = []
        for n in sorted(set(va) | set(vb)):
            x = va[n]["value"] if n in va else 0.0
            y = vb[n]["value"] if n in vb else 0.0
            diff.append({"id": n, "name": (va.get(n) or vb[n])["name"], "a": x, "b": y, "difference": y - x})
        diff.sort(key=lambda r: (-abs(r["difference"]), r["id"]))
        return {"a": a, "b": b, "unit": a["unit"], "diff": diff[: int(a["parameters"]["top"])],
                "differing": sum(1 for r in diff if r["difference"] != 0)}

    return await _serve(request, build, json_errors=True)

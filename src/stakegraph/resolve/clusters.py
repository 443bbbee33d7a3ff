"""Accepted pairs → clusters → the resolved projection (pure: no store, no splink).

A cluster is a connected component of the accepted pairs (a ``reject`` or ``split`` decision on a
pair removes that link). Each cluster becomes one canonical party: the member with the smallest id
keeps its id and properties, blanks are filled from the other members in id order, and
``sources`` lists every member record with its provenance. Every edge keeps its id and is re-pointed
to the canonical ends, so parallel edges stay distinct.

>>> import networkx as nx
>>> from stakegraph.store.base import MatchDecision
>>> G = nx.MultiDiGraph()
>>> G.add_node("a", type="party", name="Bank of China", source_file="crm.csv")
>>> G.add_node("b", type="party", name="中国银行", name_en="Bank of China", source_file="wb.csv")
>>> G.add_node("p", type="project", name="P")
>>> _ = G.add_edge("a", "p", key="e1", kind="lends_to"); _ = G.add_edge("b", "p", key="e2", kind="lends_to")
>>> R = resolved_graph(G, [MatchDecision("a", "b", "accept")])
>>> sorted(R.nodes), sorted(k for _, _, k in R.edges(keys=True)), R.nodes["a"]["name_en"]
(['a', 'p'], ['e1', 'e2'], 'Bank of China')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from stakegraph.store.base import MatchDecision

__all__ = ["clusters", "canonical_map", "resolved_graph", "RESOLVED", "RAW", "PROVENANCE_KEYS"]

RESOLVED, RAW = "resolved", "raw"
PROVENANCE_KEYS = ("source_file", "source_row", "load_id")


def clusters(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components of ``pairs`` with two or more members, each sorted, by first member."""
    U = nx.Graph()
    U.add_edges_from(pairs)
    return sorted((sorted(c) for c in nx.connected_components(U) if len(c) > 1), key=lambda c: c[0])


def canonical_map(decisions: Iterable[MatchDecision]) -> dict[str, str]:
    """Member id → canonical id (the smallest id of its cluster) for every merged party."""
    out: dict[str, str] = {}
    for c in clusters((d.a, d.b) for d in decisions if d.decision == "accept"):
        for m in c:
            out[m] = c[0]
    return out


def _source(nid: str, attrs: dict[str, Any]) -> dict[str, Any]:
    return {"id": nid, "name": attrs.get("name"), **{k: attrs.get(k) for k in PROVENANCE_KEYS if k in attrs}}


def resolved_graph(G: nx.MultiDiGraph, decisions: Iterable[MatchDecision]) -> nx.MultiDiGraph:
    """``G`` with every accepted cluster contracted into its canonical party (a new graph; ``G`` unchanged).

    Members absent from ``G`` (not loaded, or not parties) are ignored. ``R.graph["resolution"]``
    holds ``clusters``, ``merged`` (parties folded into another) and ``aliases`` (member → canonical).
    """
    cmap = {m: c for m, c in canonical_map(decisions).items() if m in G and G.nodes[m].get("type") == "party"}
    members: dict[str, list[str]] = {}
    for m, c in sorted(cmap.items()):
        members.setdefault(c, []).append(m)
    members = {c: ms for c, ms in members.items() if len(ms) > 1}
    alias = {m: ms[0] for ms in members.values() for m in ms}  # present members only
    R = nx.MultiDiGraph()
    R.graph.update(G.graph)
    for n, attrs in G.nodes(data=True):
        if n not in alias:
            R.add_node(n, **attrs)
    for head, ms in members.items():
        attrs = dict(G.nodes[head])
        for m in ms[1:]:
            for k, v in G.nodes[m].items():
                if attrs.get(k) in (None, "") and k not in PROVENANCE_KEYS:
                    attrs[k] = v
        attrs["id"] = head
        attrs["members"] = list(ms)
        attrs["sources"] = [_source(m, G.nodes[m]) for m in ms]
        R.add_node(head, **attrs)
    for u, v, k, attrs in G.edges(keys=True, data=True):
        R.add_edge(alias.get(u, u), alias.get(v, v), key=k, **attrs)
    R.graph["graph"] = RESOLVED
    R.graph["resolution"] = {"clusters": len(members), "merged": sum(len(ms) - 1 for ms in members.values()),
                             "aliases": {m: c for m, c in alias.items() if m != c}}
    return R

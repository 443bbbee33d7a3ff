"""The analysis catalogue: every analysis declared once, read by the CLI, GraphQL, pages and audit.

>>> from stakegraph.analyses import CATALOGUE, get
>>> get("concentration").param("kinds").default
('buys_from', 'offtakes')
>>> "contagion" in CATALOGUE
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from stakegraph.analyses import over_time, risk, structure, whole_graph
from stakegraph.analyses.answer import Answer, answer, strip_stamps
from stakegraph.analyses.spec import Analysis, Param, Table, cache_key, params_as_data, parse_params
from stakegraph.errors import NotFound

__all__ = ["CATALOGUE", "Analysis", "Answer", "Param", "Table", "answer", "cache_key", "get", "params_as_data",
           "parse_params", "run", "strip_stamps", "CONTAGION_RESULTS"]

#: Every analysis by name, in the order ``stakegraph analyze --help`` lists them.
CATALOGUE: dict[str, Analysis] = {a.name: a for a in (*structure.ANALYSES, *whole_graph.ANALYSES, *risk.ANALYSES,
                                                   *over_time.ANALYSES)}
CONTAGION_RESULTS = risk.CONTAGION_RESULTS


def get(name: str) -> Analysis:
    """The analysis called ``name``; an unknown name is :class:`~stakegraph.errors.NotFound` listing them all."""
    try:
        return CATALOGUE[name.replace("_", "-")]
    except KeyError:
        raise NotFound(f"no analysis {name!r}", fix="use one of " + ", ".join(CATALOGUE)) from None


def run(G: nx.MultiDiGraph, name: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Answer:
    """Run the analysis ``name`` on ``G`` (pure; a :class:`~stakegraph.workspace.Workspace` caches it).

    >>> G = nx.MultiDiGraph(); G.add_node("s", type="party", name="S")
    >>> G.add_edge("c", "s", kind="buys_from", annual_revenue=5.0)
    0
    >>> run(G, "concentration", node="s").result.hhi
    10000.0
    """
    return answer(G, get(name), {**(params or {}), **kw})

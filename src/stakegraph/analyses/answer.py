"""One answer to one analysis: its parameters as data, one stamp, the typed result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from stakegraph.analyses.spec import Analysis, params_as_data, parse_params
from stakegraph.analytics.stamp import Stamp, graph_version, to_jsonable
from stakegraph.asof import AS_OF_GRAPH_RULE, cached_graph_as_of
from stakegraph.measures import AS_OF_RULE, default_as_of

__all__ = ["Answer", "answer", "strip_stamps", "WHOLE_GRAPH_RULE"]

#: What the stamp says when no date is given to an analysis that has no as-of rule of its own.
WHOLE_GRAPH_RULE = "no date given: the whole graph as loaded"


@dataclass(frozen=True)
class Answer:
    """What every door shows for one analysis: ``stamp`` once, ``result`` without inner stamps.

    ``parameters`` are the parsed parameters as JSON data (never Python reprs); the stamp's
    ``parameters`` hold them too, with what the algorithm reports about itself (backend, weights).
    """

    analysis: str
    parameters: Mapping[str, Any]
    stamp: Stamp
    result: Any

    def to_json(self) -> dict[str, Any]:
        """The JSON every door agrees on (``stakegraph analyze … --json`` prints it)."""
        return {"analysis": self.analysis, "parameters": dict(self.parameters),
                "stamp": to_jsonable(self.stamp), "result": strip_stamps(to_jsonable(self.result))}


def strip_stamps(data: Any) -> Any:
    """JSON data with every ``stamp`` key removed (the answer carries one stamp)."""
    if isinstance(data, dict):
        return {k: strip_stamps(v) for k, v in data.items() if k != "stamp"}
    if isinstance(data, list):
        return [strip_stamps(v) for v in data]
    return data


def _stamp_of(result: Any) -> Stamp | None:
    st = getattr(result, "stamp", None)
    return st if isinstance(st, Stamp) else None


def answer(G: nx.MultiDiGraph, analysis: Analysis, raw: Mapping[str, Any]) -> Answer:
    """Run ``analysis`` on ``G`` with parameters from any door (pure: no I/O).

    The common ``as_of`` parameter is applied here, once: given a day, the analysis runs on
    :func:`stakegraph.asof.graph_as_of` of that day (kept per projection and day; an analysis with
    ``compute_on_day`` gets ``G`` and the day instead, and returns the same result). Without one it
    runs on ``G``; health and lifecycle then report for the day :data:`stakegraph.measures.AS_OF_RULE`
    picks, and the stamp says which rule chose the date.
    """
    params = parse_params(analysis, raw)
    day = params.get("as_of") if analysis.dated else None
    given = day is not None
    if day is None and analysis.needs_day:  # one rule: the default day is applied as a given one
        day = default_as_of(G)
        params = {**params, "as_of": day}
    if day is not None and analysis.compute_on_day is not None:  # the same result, the as-of graph built if needed
        result = analysis.compute_on_day(G, params)
    else:
        result = analysis.compute(cached_graph_as_of(G, day) if day is not None else G, params)
    data = params_as_data(params)
    own = _stamp_of(result)
    merged: dict[str, Any] = dict(to_jsonable(own.parameters)) if own else {}
    merged.update({k: v for k, v in data.items() if v is not None})
    as_of = getattr(result, "as_of", None)
    if analysis.dated:
        if day is not None:
            merged.update(as_of=data["as_of"], as_of_rule="given" if given else AS_OF_RULE,
                          as_of_graph=AS_OF_GRAPH_RULE)
        elif as_of:
            merged.update(as_of=str(as_of)[:10], as_of_rule=AS_OF_RULE)
            data = {**data, "as_of": merged["as_of"]}
        else:
            merged["as_of_rule"] = WHOLE_GRAPH_RULE
    stamp = Stamp(own.algorithm if own else analysis.name, own.variant if own else "",
                  merged, own.graph_version if own and own.graph_version else graph_version(G),
                  own.reference if own else "")
    return Answer(analysis.name, data, stamp, result)

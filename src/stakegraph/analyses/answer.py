"""One answer to one analysis: its parameters as data, one stamp, the typed result."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from stakegraph.analyses.spec import Analysis, params_as_data, parse_params
from stakegraph.analytics.stamp import Stamp, graph_version, to_jsonable
from stakegraph.measures import AS_OF_RULE

__all__ = ["Answer", "answer", "strip_stamps"]


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
    """Run ``analysis`` on ``G`` with parameters from any door (pure: no I/O)."""
    params = parse_params(analysis, raw)
    result = analysis.compute(G, params)
    data = params_as_data(params)
    own = _stamp_of(result)
    merged: dict[str, Any] = dict(to_jsonable(own.parameters)) if own else {}
    merged.update({k: v for k, v in data.items() if v is not None})
    as_of = getattr(result, "as_of", None)
    if "as_of" in data:
        merged["as_of"] = str(as_of)[:10] if as_of else data["as_of"]
        merged["as_of_rule"] = "given" if data["as_of"] else AS_OF_RULE
        data = {**data, "as_of": merged["as_of"]}
    stamp = Stamp(own.algorithm if own else analysis.name, own.variant if own else "",
                  merged, own.graph_version if own and own.graph_version else graph_version(G),
                  own.reference if own else "")
    if dataclasses.is_dataclass(result) and not isinstance(result, type) and own is not None:
        pass  # the result keeps its own stamp for Python callers; doors show Answer.stamp
    return Answer(analysis.name, data, stamp, result)

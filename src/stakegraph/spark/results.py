"""Answers computed on Spark, kept per graph version for the API and pages to read back.

A nightly ``stakegraph analyze NAME --engine spark`` writes its answer here; in the day the
Workspace, the API and the pages read it with :func:`read_answer` (or :func:`stored_answer` on a
:class:`~stakegraph.workspace.Workspace`) instead of recomputing a whole-book analysis. The table is
one JSON file per (graph version, analysis, parameters)::

    DATA_DIR/spark/results/<graph version>/<analysis>/<key>.json

``key`` hashes :func:`stakegraph.analyses.spec.cache_key`, the key every door caches by; a file is
written atomically (temporary file, then rename). The typed result is rebuilt from its JSON with the
result dataclass's type hints (:func:`from_jsonable`), so a reader gets the dataclass the local
analysis returns.

>>> import tempfile, networkx as nx
>>> from stakegraph.analyses import run
>>> G = nx.MultiDiGraph(version="t:1"); G.add_node("a", type="party")
>>> folder = Path(tempfile.mkdtemp())
>>> _ = write_answer(folder, run(G, "components"))
>>> read_answer(folder, "t:1", "components").result.components
1
>>> read_answer(folder, "t:2", "components") is None
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import os
import tempfile
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stakegraph.analyses import Answer, get
from stakegraph.analyses.spec import parse_params
from stakegraph.analytics.stamp import Stamp, to_jsonable

if TYPE_CHECKING:  # pragma: no cover
    from stakegraph.workspace import Workspace

__all__ = ["results_dir", "write_answer", "read_answer", "stored_answer", "list_answers", "from_jsonable"]


def results_dir(data_dir: Path) -> Path:
    """The results table of a data dir."""
    return Path(data_dir) / "spark" / "results"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text) or "unversioned"


def _key(name: str, parameters: Mapping[str, Any]) -> str:
    data = json.dumps([name, sorted((k, v) for k, v in parameters.items() if v is not None)], sort_keys=True,
                      default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:24]


def _path(folder: Path, version: str, name: str, parameters: Mapping[str, Any]) -> Path:
    return Path(folder) / _safe(version) / name / f"{_key(name, parameters)}.json"


def write_answer(folder: Path, ans: Answer) -> Path:
    """Keep ``ans`` under its graph version, analysis and parameters (replacing an older copy)."""
    path = _path(folder, ans.stamp.graph_version, ans.analysis, ans.parameters)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"analysis": ans.analysis, "parameters": dict(ans.parameters), "stamp": to_jsonable(ans.stamp),
           "result": to_jsonable(ans.result), "result_type": type(ans.result).__qualname__,
           "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, sort_keys=True)
    os.replace(tmp, path)
    return path


def read_answer(folder: Path, version: str, name: str, params: Mapping[str, Any] | None = None) -> Answer | None:
    """The kept answer of ``name`` with ``params`` (as from any door) on ``version``, or ``None``."""
    from stakegraph.analyses.spec import params_as_data

    analysis = get(name)
    parsed = parse_params(analysis, dict(params or {}))
    data = params_as_data(parsed)
    path = _path(folder, version, analysis.name, data)
    if not path.is_file():
        return None
    return _load(path, analysis.result)


def _load(path: Path, result_type: type) -> Answer:
    doc = json.loads(path.read_text(encoding="utf-8"))
    result: Any = doc["result"]
    if dataclasses.is_dataclass(result_type) and type(result_type).__name__ != "UnionType":
        candidates = [result_type]
        if doc.get("result_type") and doc["result_type"] != result_type.__qualname__:
            from stakegraph.analyses import CONTAGION_RESULTS

            candidates = [t for t in CONTAGION_RESULTS if t.__qualname__ == doc["result_type"]] or candidates
        result = from_jsonable(candidates[0], result)
    return Answer(doc["analysis"], doc["parameters"], from_jsonable(Stamp, doc["stamp"]), result)


def stored_answer(ws: Workspace, name: str, params: Mapping[str, Any] | None = None) -> Answer | None:
    """The kept Spark answer for the workspace's current graph version, or ``None`` (then run it)."""
    from stakegraph.resolve.clusters import RAW, RESOLVED

    analysis = get(name)
    raw = dict(params or {})
    parsed = parse_params(analysis, raw)
    G = ws.graph(parsed.get("graph"))
    raw["graph"] = parsed.get("graph") or (RESOLVED if G.graph.get("graph") == RESOLVED else RAW)
    return read_answer(results_dir(ws.settings.data_dir), str(G.graph.get("version", "")), name, raw)


def list_answers(folder: Path, version: str) -> list[dict[str, Any]]:
    """``{analysis, parameters, written, path}`` of every answer kept for ``version``."""
    base = Path(folder) / _safe(version)
    out = []
    for path in sorted(base.glob("*/*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out.append({"analysis": doc["analysis"], "parameters": doc["parameters"], "written": doc.get("written"),
                    "path": str(path)})
    return out


def from_jsonable(tp: Any, data: Any) -> Any:
    """Rebuild a value of type ``tp`` from what :func:`stakegraph.analytics.stamp.to_jsonable` made of it.

    Dataclasses (by their type hints), tuples, lists, mappings, enums, dates, optional and union
    types; ``None`` for a float is NaN again. What it cannot type is returned as it is.

    >>> from_jsonable(Stamp, {"algorithm": "a", "variant": "b"}).algorithm
    'a'
    >>> from_jsonable(tuple[float, ...], [1, None])
    (1.0, nan)
    """
    if tp is Any or tp is object:
        return data
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return from_jsonable(arg, data)
            except (TypeError, ValueError, KeyError):
                continue
        return data
    if data is None:
        return float("nan") if tp is float else None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        kwargs = {f.name: from_jsonable(hints.get(f.name, Any), data[f.name])
                  for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if tp is dt.date:
        return dt.date.fromisoformat(str(data)[:10])
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(str(data))
    if tp is float:
        return float(data)
    if tp in (int, str, bool):
        if not isinstance(data, tp):
            raise TypeError(f"{data!r} is not {tp.__name__}")
        return data
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], x) for x in data)
        if args:
            return tuple(from_jsonable(a, x) for a, x in zip(args, data, strict=False))
        return tuple(data)
    if origin in (list, Sequence):
        return [from_jsonable(args[0] if args else Any, x) for x in data]
    if origin in (dict, Mapping):
        vt = args[1] if len(args) == 2 else Any
        return {k: from_jsonable(vt, v) for k, v in data.items()}
    if origin in (frozenset, set):
        return origin(from_jsonable(args[0] if args else Any, x) for x in data)
    return data

"""How an analysis is declared once: its parameters, its pure function, its result type and its tables.

Every door is generated from these declarations: ``stakegraph analyze NAME`` (options from
:class:`Param`), the GraphQL field of the same name (arguments, enums and a typed result), the
``/viz`` query parameters, the audit, and the cache key. Parameter values from any door go
through :func:`parse_params`, so a bound, a default or an error message exists once.

A :class:`Param` is named in snake_case; the CLI shows it as ``--kebab-case`` and GraphQL as
camelCase. Its ``kind`` says how a value is read:

=========  ================================================================================
kind       value
=========  ================================================================================
node       an id of a node in the graph (checked against the graph when the analysis runs)
text       free text (bounded length)
int/float  a number within ``minimum``…``maximum``
bool       true/false (``true``, ``1``, ``yes`` as text)
date       an ISO date; ``None`` means the as-of rule of :mod:`stakegraph.measures`
kinds      relationship kinds of the domain (comma-separated as text)
choice     one of ``choices``
shocks     the shock grammar of :func:`stakegraph.measures.parse_shocks`
=========  ================================================================================
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from stakegraph.domain import RELATIONSHIP_KINDS
from stakegraph.errors import Invalid, LimitExceeded
from stakegraph.measures import format_shock, parse_shocks, to_date

__all__ = ["Param", "Analysis", "Table", "ParamKind", "parse_params", "params_as_data", "MAX_TEXT", "MAX_LIST",
           "AS_OF", "GRAPH", "BACKENDS"]

ParamKind = Literal["node", "text", "int", "float", "bool", "date", "kinds", "choice", "shocks"]
#: The backends an analysis can declare (:attr:`Analysis.backends`).
BACKENDS: tuple[str, ...] = ("local", "spark")
#: Longest text a parameter takes (ids, property names).
MAX_TEXT = 256
#: Most items a list parameter (kinds, shocks) takes.
MAX_LIST = 1000


@dataclass(frozen=True)
class Param:
    """One parameter of an analysis, declared once for every door."""

    name: str
    kind: ParamKind
    help: str
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: Shown as a positional argument on the command line (nodes the question is about).
    positional: bool = False
    #: Short CLI flag such as ``-k``.
    short: str | None = None

    @property
    def cli_flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def camel(self) -> str:
        head, *rest = self.name.split("_")
        return head + "".join(x.title() for x in rest)


#: The common parameter of every analysis: the graph as it stood that day (:func:`stakegraph.asof.graph_as_of`).
AS_OF = Param("as_of", "date", "Run on the graph as it stood that day (yyyy-mm-dd): relationships started by then "
              "and not ended before, contracts signed, signals and events dated up to then. Health and lifecycle "
              "score as of this day; without it they use the latest interaction, signal or event date in the data, "
              "the others the whole graph.")


#: The common parameter of every analysis: the resolved graph (accepted entity-resolution clusters contracted,
#: :mod:`stakegraph.resolve`) or the raw one as loaded. ``None``: resolved when decisions exist.
GRAPH = Param("graph", "choice", "Run on the resolved graph (accepted entity-resolution clusters merged into one "
              "party) or the raw one as loaded; default: resolved when any match was accepted.",
              choices=("resolved", "raw"))


@dataclass(frozen=True)
class Table:
    """A table as the CLI prints it and ``--csv``/``--xlsx`` save it."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    name: str | None = None


@dataclass(frozen=True)
class Analysis:
    """An analysis declared once: generated into the CLI, GraphQL, pages, audit and cache keys.

    ``compute(G, params)`` is pure (graph first, no I/O) and returns ``result`` (a frozen dataclass
    carrying a :class:`~stakegraph.analytics.stamp.Stamp`); ``tables(result, params)`` says how it
    prints. ``title`` is a short noun phrase; ``help`` the first lines of ``--help`` and the
    GraphQL description; ``example`` one CLI invocation.
    """

    name: str
    title: str
    help: str
    params: tuple[Param, ...]
    compute: Callable[[nx.MultiDiGraph, Mapping[str, Any]], Any]
    result: type
    tables: Callable[[Any, Mapping[str, Any]], list[Table]]
    example: str = ""
    #: Extra lines printed under the tables (e.g. "no capital: …").
    notes: Callable[[Any], list[str]] = field(default=lambda r: [])
    #: Takes the common :data:`AS_OF` parameter (added here, once); False for analyses over a time window
    #: of their own (trend, diff).
    dated: bool = True
    #: Reports for a day even when none is given (health, lifecycle): the day of the as-of rule
    #: (:func:`stakegraph.measures.default_as_of`) is then applied exactly as a given one.
    needs_day: bool = False
    #: Where it can run: ``"local"`` (the pure function above, every door) and ``"spark"`` (a job of
    #: :mod:`stakegraph.spark.jobs` giving the same result, ``stakegraph analyze NAME --engine spark``).
    backends: tuple[str, ...] = ("local",)
    #: ``compute(graph_as_of(G, params["as_of"]), params)`` given the whole graph ``G`` instead, for an analysis
    #: that can answer without building the as-of graph (health: when the day changes nothing, or from
    #: columns); it must return the same result. :func:`~stakegraph.analyses.answer.answer` calls it whenever
    #: a day applies.
    compute_on_day: Callable[[nx.MultiDiGraph, Mapping[str, Any]], Any] | None = None

    def __post_init__(self) -> None:
        unknown = [b for b in self.backends if b not in BACKENDS]
        if unknown:  # pragma: no cover - declarations are data
            raise Invalid(f"{self.name}: unknown backend(s) {', '.join(unknown)}", fix="use " + ", ".join(BACKENDS))
        if all(p.name != "graph" for p in self.params):
            object.__setattr__(self, "params", (*self.params, GRAPH))
        if not self.dated:
            return
        others = tuple(p for p in self.params if p.name != "as_of")
        if len(others) < len(self.params):  # declared in place (health, lifecycle): the common one, there
            object.__setattr__(self, "params", tuple(AS_OF if p.name == "as_of" else p for p in self.params))
        else:
            object.__setattr__(self, "params", (*self.params, AS_OF))

    @property
    def graphql_name(self) -> str:
        head, *rest = self.name.split("-")
        return head + "".join(x.title() for x in rest)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise Invalid(f"{self.name} has no parameter {name!r}",
                      fix="use " + ", ".join(p.name for p in self.params))


def _as_bool(p: Param, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off", ""):
        return False
    raise Invalid(f"{p.name} must be true or false, not {s[:40]!r}")


def _as_number(p: Param, v: Any, cast: type) -> Any:
    if isinstance(v, bool):
        raise Invalid(f"{p.name} must be a number, not {v!r}")
    try:
        x = cast(v) if not isinstance(v, str) else cast(v.strip()) if cast is float else int(v.strip(), 10)
    except (TypeError, ValueError, OverflowError) as e:
        raise Invalid(f"{p.name} must be {'an integer' if cast is int else 'a number'}, not {str(v)[:40]!r}",
                      fix=_range_text(p)) from e
    if cast is float and x != x:
        raise Invalid(f"{p.name} must be a number, not NaN")
    if (p.minimum is not None and x < p.minimum) or (p.maximum is not None and x > p.maximum):
        raise Invalid(f"{p.name} is {x}, outside {_range_text(p)}", fix=_range_text(p))
    return x


def _range_text(p: Param) -> str:
    lo = "" if p.minimum is None else f"{p.minimum:g}"
    hi = "" if p.maximum is None else f"{p.maximum:g}"
    return f"give a value from {lo or '-inf'} to {hi or 'inf'}"


def _items(v: Any) -> list[str]:
    if isinstance(v, str):
        return [x.strip() for x in v.split(",") if x.strip()]
    return [str(x.value if isinstance(x, enum.Enum) else x).strip() for x in v]


def _one(p: Param, v: Any) -> Any:
    if isinstance(v, enum.Enum):
        v = v.value
    k = p.kind
    if k in ("node", "text"):
        s = str(v)
        if len(s) > MAX_TEXT:
            raise LimitExceeded(f"{p.name} is {len(s)} characters; at most {MAX_TEXT}")
        if k == "node" and not s.strip():
            raise Invalid(f"{p.name} is empty", fix="give a node id")
        return s
    if k == "int":
        return _as_number(p, v, int)
    if k == "float":
        return float(_as_number(p, v, float))
    if k == "bool":
        return _as_bool(p, v)
    if k == "date":
        return to_date(v, field_name=p.name)
    if k == "choice":
        s = str(v).strip().lower()
        if s not in p.choices:
            raise Invalid(f"{p.name} must be one of {', '.join(p.choices)}, not {str(v)[:40]!r}",
                          fix=f"e.g. {p.choices[0]}")
        return s
    if k == "kinds":
        items = _items(v)
        if len(items) > MAX_LIST:
            raise LimitExceeded(f"{p.name}: {len(items)} kinds; at most {MAX_LIST}")
        bad = [x for x in items if x.lower() not in RELATIONSHIP_KINDS]
        if bad:
            raise Invalid(f"{p.name}: unknown relationship kind(s) {', '.join(b[:40] for b in bad[:5])}",
                          fix="use " + ", ".join(RELATIONSHIP_KINDS))
        return tuple(x.lower() for x in items)
    if k == "shocks":
        return parse_shocks(_items(v))
    raise Invalid(f"{p.name}: unknown parameter kind {k}")  # pragma: no cover - declarations are data


def parse_params(analysis: Analysis, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The analysis's parameters from any door: defaults applied, bounds and choices checked.

    ``raw`` may hold text (CLI, URL), typed values (GraphQL, Python) or ``None`` for "not given".
    Unknown names are refused with the valid ones.
    """
    known = {p.name for p in analysis.params}
    unknown = [k for k in raw if k not in known]
    if unknown:
        raise Invalid(f"{analysis.name} has no parameter(s) {', '.join(sorted(unknown))}",
                      fix="use " + (", ".join(p.name for p in analysis.params) or "no parameters"))
    out: dict[str, Any] = {}
    for p in analysis.params:
        v = raw.get(p.name)
        if v is None or (isinstance(v, str) and not v.strip() and p.kind not in ("text",)):
            if p.required:
                raise Invalid(f"{analysis.name} needs {p.name}", fix=p.help)
            out[p.name] = p.default
            continue
        out[p.name] = _one(p, v)
    return out


def params_as_data(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as plain JSON data (dates as ISO text, shocks in their text form, tuples as lists)."""
    def conv(v: Any) -> Any:
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, tuple | list):
            return [conv(x) for x in v]
        if hasattr(v, "__dataclass_fields__"):
            return format_shock(v)
        return v

    return {k: conv(v) for k, v in params.items()}


def cache_key(analysis: Analysis, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """A hashable key for (analysis, parameters): the same for every door."""
    data = params_as_data(params)
    return (analysis.name, *((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(data.items())))

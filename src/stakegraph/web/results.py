"""GraphQL types generated from the result dataclasses of the analysis catalogue.

Each frozen result dataclass becomes one Strawberry type (cached by class), read with
:func:`typing.get_type_hints`: ``str``/``int``/``float``/``bool`` and ``X | None`` map to scalars,
tuples and lists to lists, nested dataclasses to their own types, ``Mapping[str, X]`` to a list of
``{key, value}`` entries, numpy arrays to ``[Float]``, enums to ``String`` and anything else to
``JSON``. Floats are nullable: NaN and ±inf (which JSON cannot carry) answer ``null``, as in
``stakegraph analyze --json``. Every ``stamp`` field is dropped: the answer carries one :class:`Stamp`. Field names are
camelCase; descriptions come from the dataclass docstrings.

Each analysis answers ``<Name>Answer { analysis parameters stamp result }`` (:func:`answer_type`);
:func:`selection_for` writes the full selection set of that type and :func:`graphql_json` the exact
JSON a client receives for it, so tests and the parity suite compare doors number for number.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import inspect
import math
import re
import textwrap
import types
import typing
from collections import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Union

import strawberry
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

from stakegraph.analyses import CONTAGION_RESULTS, Analysis, Answer
from stakegraph.analytics.stamp import Stamp as StampData
from stakegraph.analytics.stamp import to_jsonable

__all__ = ["Stamp", "answer_type", "result_annotation", "to_view", "selection_for", "graphql_json",
           "UNION_RESULTS"]

#: Analyses whose result is one of several dataclasses (a GraphQL union named ``<Name>Result``).
UNION_RESULTS: dict[str, tuple[type, ...]] = {"contagion": CONTAGION_RESULTS}
#: Names of generated unions by their members (others are named after the members).
_UNION_NAMES: dict[frozenset[str], str] = {
    frozenset({"PartyDefault", "EquityLoss", "RelationshipEnds", "TargetMissed"}): "Shock",
}


@strawberry.type(description="How an answer was computed and on which graph: one stamp per answer.")
class Stamp:
    algorithm: str = strawberry.field(description="The algorithm (e.g. hhi, debtrank).")
    variant: str = strawberry.field(description="Its variant or the convention followed.")
    parameters: JSON = strawberry.field(description="Parameters as data (the answer's own and what the "
                                                    "algorithm reports, e.g. backend, weights, as_of rule).")
    graph_version: str = strawberry.field(description="Version of the graph the answer was computed on.")
    reference: str = strawberry.field(description="The published method it follows.")


# --- shapes ----------------------------------------------------------------------------------


@dataclass
class _Shape:
    """What one Python type hint is in GraphQL."""

    kind: str  # scalar | list | object | entries | union
    nullable: bool = False
    scalar: Any = None  # str, int, float, bool, JSON
    item: _Shape | None = None  # list item / entry value
    info: _TypeInfo | None = None  # object / entries (the entry type)
    members: tuple[_TypeInfo, ...] = ()
    union: Any = None  # the annotated strawberry union

    @property
    def gql(self) -> str:
        """The GraphQL type, e.g. ``[Share!]!`` (unions and objects by name)."""
        if self.kind == "scalar":
            base = {str: "String", int: "Int", float: "Float", bool: "Boolean"}.get(self.scalar, "JSON")
        elif self.kind == "list":
            assert self.item is not None
            base = f"[{self.item.gql}]"
        elif self.kind in ("object", "entries"):
            assert self.info is not None
            base = self.info.name if self.kind == "object" else f"[{self.info.name}!]"
        else:
            base = "|".join(m.name for m in self.members)
        return base if self.nullable else base + "!"


@dataclass
class _Field:
    python: str
    name: str
    shape: _Shape
    description: str | None


@dataclass
class _TypeInfo:
    """One generated object type: its dataclass (``None`` for entry types), fields and Strawberry class."""

    name: str
    source: type | None
    fields: list[_Field] = field(default_factory=list)
    cls: Any = None


#: Generated types, unions, result shapes and answer types, by class or by (what, name).
_TYPES: dict[Any, Any] = {}
_NAMES: dict[str, Any] = {}


def _unique(name: str, key: Any) -> str:
    """``name``, or ``name`` with a number when another class already took it."""
    n, i = name, 2
    while n in _NAMES and _NAMES[n] is not key:
        n, i = f"{name}{i}", i + 1
    _NAMES[n] = key
    return n


def _is_numpy(hint: Any) -> bool:
    origin = typing.get_origin(hint) or hint
    return getattr(origin, "__module__", "").startswith("numpy") and getattr(origin, "__name__", "") == "ndarray"


def _shape(hint: Any) -> _Shape:
    """The shape of a type hint (unknown hints become JSON)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        return _shape(args[0])
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        inner = _shape(rest[0]) if len(rest) == 1 else _union(tuple(rest))
        inner.nullable = inner.nullable or len(rest) < len(args)
        return inner
    if hint is float:  # NaN and ±inf answer null, as in `stakegraph analyze --json`
        return _Shape("scalar", nullable=True, scalar=float)
    if hint in (str, int, bool):
        return _Shape("scalar", scalar=hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _Shape("scalar", scalar=str)
    if _is_numpy(hint):
        return _Shape("list", item=_Shape("scalar", nullable=True, scalar=float))
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _Shape("object", info=_object(hint))
    if origin in (tuple, list, set, frozenset, abc.Sequence):
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            return _Shape("scalar", scalar=JSON)  # a fixed-length tuple: no GraphQL list type fits
        return _Shape("list", item=_shape(args[0]) if args else _Shape("scalar", scalar=JSON))
    if origin in (dict, abc.Mapping) and len(args) == 2:
        return _Shape("entries", info=_entry(_shape(args[1])))
    return _Shape("scalar", scalar=JSON)


def _union(members: tuple[Any, ...]) -> _Shape:
    if not all(dataclasses.is_dataclass(m) and isinstance(m, type) for m in members):
        return _Shape("scalar", scalar=JSON)
    infos = tuple(_object(m) for m in members)
    name = _UNION_NAMES.get(frozenset(m.__name__ for m in members)) or "Or".join(i.name for i in infos)
    return _Shape("union", members=infos, union=_strawberry_union(name, infos, None))


def _strawberry_union(name: str, infos: tuple[_TypeInfo, ...], description: str | None) -> Any:
    key = ("union", name)
    if key not in _TYPES:
        _unique(name, key)
        _TYPES[key] = Annotated[Union[tuple(i.cls for i in infos)],  # noqa: UP007 - built at run time
                                strawberry.union(name, description=description)]
    return _TYPES[key]


def _entry(value: _Shape) -> _TypeInfo:
    """The ``{key, value}`` type of a mapping's entries (one per value type)."""
    base = value.gql.replace("!", "").replace("[", "ListOf").replace("]", "").replace("|", "Or")
    optional = value.nullable and value.scalar is not float  # floats are always nullable (NaN)
    name = ("Nullable" if optional else "") + base + "Entry"
    key = ("entry", name)
    if key in _TYPES:
        return _TYPES[key]
    info = _TypeInfo(_unique(name, key), None, [
        _Field("key", "key", _Shape("scalar", scalar=str), "The key."),
        _Field("value", "value", value, "The value."),
    ])
    _build(info, f"One entry of a mapping: a text key and its {base} value.")
    _TYPES[key] = info
    return info


def _object(cls: type) -> _TypeInfo:
    """The generated type of a result dataclass (built once per class)."""
    if cls in _TYPES:
        return _TYPES[cls]
    info = _TypeInfo(_unique(cls.__name__, cls), cls)
    _TYPES[cls] = info  # before the fields: a dataclass that nests itself refers to this entry
    hints = _hints(cls)
    docs = _field_docs(cls)
    for f in dataclasses.fields(cls):
        hint = hints.get(f.name, Any)
        if f.name == "stamp" or hint is StampData:
            continue
        info.fields.append(_Field(f.name, to_camel_case(f.name), _shape(hint), docs.get(f.name)))
    _build(info, _doc(cls))
    return info


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception:  # noqa: BLE001 - an unresolvable hint becomes JSON, not a crash
        return {}


def _build(info: _TypeInfo, description: str | None) -> None:
    annotations = {f.python: _annotation(f.shape) for f in info.fields}
    body: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    for f in info.fields:
        body[f.python] = strawberry.field(name=f.name, description=f.description)
    info.cls = strawberry.type(type(info.name, (), body), name=info.name, description=description)


def _annotation(shape: _Shape) -> Any:
    if shape.kind == "scalar":
        out: Any = shape.scalar
    elif shape.kind == "list":
        assert shape.item is not None
        out = list[_annotation(shape.item)]  # type: ignore[misc]
    elif shape.kind == "object":
        assert shape.info is not None
        out = shape.info.cls
    elif shape.kind == "entries":
        assert shape.info is not None
        out = list[shape.info.cls]  # type: ignore[name-defined]
    else:
        out = shape.union
    return out | None if shape.nullable else out  # type: ignore[operator]


# --- descriptions ----------------------------------------------------------------------------


def _doc(cls: type) -> str | None:
    doc = cls.__doc__ or ""
    if doc.startswith(f"{cls.__name__}("):  # the dataclass's generated signature, not a docstring
        return None
    return inspect.cleandoc(doc).replace("``", "`") or None


def _field_docs(cls: type) -> dict[str, str]:
    """Field descriptions: ``#:`` comments, attribute docstrings, else the docstring sentences naming the field."""
    out: dict[str, str] = {}
    try:
        src = textwrap.dedent(inspect.getsource(cls))
        lines = src.splitlines()
        tree = ast.parse(src)
    except (OSError, TypeError, SyntaxError):
        lines, tree = [], None
    if tree is not None and tree.body and isinstance(tree.body[0], ast.ClassDef):
        body = tree.body[0].body
        for i, node in enumerate(body):
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            name, j = node.target.id, node.lineno - 2
            comments: list[str] = []
            while j >= 0 and lines[j].strip().startswith("#:"):
                comments.insert(0, lines[j].strip()[2:].strip())
                j -= 1
            nxt = body[i + 1] if i + 1 < len(body) else None
            if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str):
                comments.append(inspect.cleandoc(nxt.value.value))
            if comments:
                out[name] = " ".join(comments).replace("``", "`")
    doc = " ".join(inspect.cleandoc(cls.__doc__ or "").split())
    sentences = re.split(r"(?<=[.;])\s+", doc)[1:]  # the first is the type's own summary
    for f in dataclasses.fields(cls):
        if f.name not in out:
            said = [s for s in sentences if s.startswith(f"``{f.name}``")]
            if said:
                out[f.name] = " ".join(said).replace("``", "`")
    return out


# --- answers ---------------------------------------------------------------------------------


def result_shape(analysis: Analysis) -> _Shape:
    """The shape of an analysis's result (a union for analyses with several result types)."""
    key = ("result", analysis.name)
    if key in _TYPES:
        return _TYPES[key]
    members = UNION_RESULTS.get(analysis.name)
    if members:
        infos = tuple(_object(m) for m in members)
        name = analysis.graphql_name[0].upper() + analysis.graphql_name[1:] + "Result"
        shape = _Shape("union", members=infos,
                       union=_strawberry_union(name, infos, f"What {analysis.name} answers: one type per method."))
    else:
        shape = _Shape("object", info=_object(analysis.result))
    _TYPES[key] = shape
    return shape


def result_annotation(analysis: Analysis) -> Any:
    """The Strawberry annotation of ``result`` for ``analysis``."""
    return _annotation(result_shape(analysis))


def answer_type(analysis: Analysis) -> Any:
    """``<Name>Answer { analysis, parameters, stamp, result }`` (built once per analysis)."""
    key = ("answer", analysis.name)
    if key in _TYPES:
        return _TYPES[key]
    name = analysis.graphql_name[0].upper() + analysis.graphql_name[1:] + "Answer"
    body: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"analysis": str, "parameters": JSON, "stamp": Stamp,
                            "result": result_annotation(analysis)},
        "analysis": strawberry.field(description="The analysis's catalogue name (as `stakegraph analyze NAME`)."),
        "parameters": strawberry.field(description="The parameters used, defaults applied, as data."),
        "stamp": strawberry.field(description="How the answer was computed and on which graph."),
        "result": strawberry.field(description=f"{analysis.title}."),
    }
    cls = strawberry.type(type(_unique(name, key), (), body), name=name,
                          description=f"{analysis.title}: the answer of `stakegraph analyze {analysis.name}`.")
    _TYPES[key] = cls
    return cls


def _leaf(value: Any) -> Any:
    v = to_jsonable(value)
    return None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v


def _member(shape: _Shape, value: Any) -> _TypeInfo:
    for m in shape.members:
        if type(value) is m.source:
            return m
    for m in shape.members:
        if m.source is not None and isinstance(value, m.source):
            return m
    raise TypeError(f"{type(value).__name__} is not one of {', '.join(m.name for m in shape.members)}")


def _convert(shape: _Shape, value: Any, as_data: bool, aliases: Mapping[str, str] | None = None) -> Any:
    """``value`` as Strawberry objects (``as_data=False``) or as the JSON a client receives."""
    if value is None:
        return None
    if shape.kind == "scalar":
        return _leaf(value) if shape.scalar is not JSON else to_jsonable(value)
    if shape.kind == "list":
        assert shape.item is not None
        return [_convert(shape.item, v, as_data) for v in list(value)]
    if shape.kind == "entries":
        assert shape.info is not None
        return [_make(shape.info, {"key": str(k), "value": v}, as_data, entry=True) for k, v in value.items()]
    if shape.kind == "object":
        assert shape.info is not None
        return _make(shape.info, value, as_data)
    m = _member(shape, value)
    out = _make(m, value, as_data, alias=_union_aliases(shape).get(m.name, {}))
    if as_data:
        out = {"__typename": m.name, **out}
    return out


def _make(info: _TypeInfo, value: Any, as_data: bool, *, entry: bool = False,
          alias: Mapping[str, str] | None = None) -> Any:
    get = value.get if entry else (lambda n: getattr(value, n))
    vals = {f.python: _convert(f.shape, get(f.python), as_data) for f in info.fields}
    if not as_data:
        return info.cls(**vals)
    alias = alias or {}
    return {alias.get(f.name, f.name): vals[f.python] for f in info.fields}


def to_view(analysis: Analysis, answer: Answer) -> Any:
    """The Strawberry answer object a resolver returns for ``answer``."""
    cls = answer_type(analysis)
    st = answer.stamp
    stamp = Stamp(algorithm=st.algorithm, variant=st.variant, parameters=to_jsonable(st.parameters),
                  graph_version=st.graph_version, reference=st.reference)
    return cls(analysis=answer.analysis, parameters=dict(answer.parameters), stamp=stamp,
               result=_convert(result_shape(analysis), answer.result, False))


def graphql_json(answer: Answer, analysis: Analysis | None = None) -> dict[str, Any]:
    """The exact ``data.<field>`` a GraphQL client receives for ``answer`` with :func:`selection_for`."""
    from stakegraph.analyses import get

    a = analysis or get(answer.analysis)
    st = answer.stamp
    return {
        "analysis": answer.analysis,
        "parameters": to_jsonable(dict(answer.parameters)),
        "stamp": {"algorithm": st.algorithm, "variant": st.variant, "parameters": to_jsonable(st.parameters),
                  "graphVersion": st.graph_version, "reference": st.reference},
        "result": _convert(result_shape(a), answer.result, True),
    }


# --- selections ------------------------------------------------------------------------------


def _union_aliases(shape: _Shape) -> dict[str, dict[str, str]]:
    """Aliases for union members' fields whose name an earlier member uses with another type.

    GraphQL refuses one response name with two types in one selection (even in exclusive inline
    fragments), so e.g. ``CascadeResult.rounds`` (``[[Int!]!]!``) is selected as ``cascadeResultRounds``.
    """
    seen: dict[str, str] = {}
    out: dict[str, dict[str, str]] = {}
    for m in shape.members:
        for f in m.fields:
            t = f.shape.gql
            if seen.setdefault(f.name, t) != t:
                out.setdefault(m.name, {})[f.name] = m.name[0].lower() + m.name[1:] + f.name[0].upper() + f.name[1:]
    return out


def _select(shape: _Shape) -> str:
    if shape.kind == "scalar":
        return ""
    if shape.kind == "list":
        assert shape.item is not None
        return _select(shape.item)
    if shape.kind in ("object", "entries"):
        assert shape.info is not None
        return _fields(shape.info, {})
    aliases = _union_aliases(shape)
    parts = [f"... on {m.name} {_fields(m, aliases.get(m.name, {}))}" for m in shape.members]
    return "{ __typename " + " ".join(parts) + " }"


def _fields(info: _TypeInfo, alias: Mapping[str, str]) -> str:
    parts = []
    for f in info.fields:
        head = f"{alias[f.name]}: {f.name}" if f.name in alias else f.name
        sub = _select(f.shape)
        parts.append(f"{head} {sub}" if sub else head)
    return "{ " + " ".join(parts) + " }"


def selection_for(analysis: Analysis) -> str:
    """The full selection set of ``<Name>Answer`` (every field, ``__typename`` and inline fragments for unions)."""
    stamp = "stamp { algorithm variant parameters graphVersion reference }"
    return "{ analysis parameters " + stamp + " result " + _select(result_shape(analysis)) + " }"

"""An execution context that answers the plain leaf fields of a row without graphql-core's per-field steps.

graphql-core executes every field of every row the same way: ``execute_field`` builds an info
object, reads the arguments from the AST, calls the resolver, then ``complete_value`` walks the
type (non-null, list, leaf) and coerces the value. A page of 100 parties with five leaf fields is
600 such passes, which cost more than the store call that read the page.

:class:`FlatExecutionContext` keeps all of that for every field but one kind: a field whose
resolver :mod:`stakegraph.web.plain_resolvers` installed (it reads the source object and the
request's context, nothing else) and whose type is a scalar or an enum, nullable or not. For those
it works out once per request and selection (the field definition, the coerced arguments, one info
object, the leaf type) and then, per row, calls the resolver and coerces the value with the same
``complete_leaf_value`` graphql-core uses. Whenever that simple path cannot give the answer
(the resolver raises, returns an awaitable, an exception or ``None`` for a non-null field, or the
value does not coerce), the field is executed again the ordinary way, which produces the answer
or the located error exactly as before. The answers are therefore those of graphql-core's own
executor; ``tests/api/test_flat_execution.py`` compares the two on the documented example
queries, the list and neighbourhood shapes, and a schema of awkward values.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: Attribute set on the graphql-core resolvers that read only their source and ``info.context``.
FLAT_MARK = "__stakegraph_flat__"

_SLOW = object()  # a flat attempt that must be redone the ordinary way

#: One field of a plan: (response name, its field details, the flat answer or None for ordinary).
_Step = tuple[str, Any, Callable[[Any], Any] | None]


def mark_flat(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``resolver`` (a graphql-core resolver) as answerable by the flat path; returns it."""
    setattr(resolver, FLAT_MARK, True)
    return resolver


class FlatExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with the flat path for plain leaf fields (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[Any, list[_Step] | None]] = {}

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                       grouped_field_set: Any, position_context: Any) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, flat in plan:
                if flat is not None:
                    value = flat(source_value)
                    if value is not _SLOW:
                        results[response_name] = value
                        continue
                result = self.execute_field(parent_type, source_value, field_details_list,
                                            Path(path, response_name, parent_type.name), position_context)
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _gather(results, awaitable_fields)

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[_Step] | None:
        """The steps for this selection on ``parent_type`` (cached per request), or ``None`` when
        no field of it is flat (the ordinary ``execute_fields`` then runs unchanged)."""
        key = (parent_type, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        steps: list[_Step] = []
        any_flat = False
        manager = self.middleware_manager
        if manager is None or not manager.middlewares:  # field middleware must see every resolver call
            for response_name, field_details_list in grouped_field_set.items():
                flat = self._flat_step(parent_type, field_details_list)
                any_flat = any_flat or flat is not None
                steps.append((response_name, field_details_list, flat))
        plan = steps if any_flat else None
        self._plans[key] = (grouped_field_set, plan)  # keeps the set alive: its id stays unique
        return plan

    def _flat_step(self, parent_type: GraphQLObjectType, field_details_list: Any) -> Callable[[Any], Any] | None:
        first = field_details_list[0]
        field_def = self.schema.get_field(parent_type, first.node.name.value)
        resolve = field_def.resolve if field_def is not None else None
        if field_def is None or resolve is None or not getattr(resolve, FLAT_MARK, False):
            return None
        return_type = field_def.type
        non_null = isinstance(return_type, GraphQLNonNull)
        leaf = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type  # narrows for mypy
        if not is_leaf_type(leaf):
            return None
        try:
            args = (get_argument_values(field_def, first.node, self.variable_values,
                                        first.fragment_variable_values, self.hide_suggestions)
                    if field_def.args or first.node.arguments else {})
        except Exception:  # noqa: BLE001 - the ordinary path raises the located error
            return None
        info = self.build_resolve_info(field_def, [d.node for d in field_details_list], parent_type,
                                       Path(None, first.node.name.value, parent_type.name))
        return _flat(resolve, info, args, leaf, non_null, self.is_awaitable)


async def _gather(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    """``results`` with its awaitable fields awaited together (as graphql-core's ``execute_fields``)."""
    if len(awaitable_fields) == 1:
        results[awaitable_fields[0]] = await results[awaitable_fields[0]]
    else:
        values = await gather_with_cancel(*(results[f] for f in awaitable_fields))
        results.update(zip(awaitable_fields, values, strict=True))
    return results


def _flat(resolve: Callable[..., Any], info: Any, args: dict[str, Any], leaf: GraphQLLeafType,
          non_null: bool, is_awaitable: Callable[[Any], bool]) -> Callable[[Any], Any]:
    """The per-row answer of one flat field: the coerced value, ``None``, or ``_SLOW``."""
    complete = FlatExecutionContext.complete_leaf_value
    # values graphql-core's coercion returns unchanged (the common case, answered without the call)
    same = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}.get(leaf)  # type: ignore[call-overload,arg-type]

    def answer(source: Any) -> Any:
        try:
            value = resolve(source, info, **args)
        except Exception:  # noqa: BLE001 - redone the ordinary way, which reports it
            return _SLOW
        if value is None or value is Undefined:
            return _SLOW if non_null else None
        if isinstance(value, Exception):
            return _SLOW
        if is_awaitable(value):
            if inspect.iscoroutine(value):
                value.close()  # never awaited: the ordinary path calls the resolver again
            return _SLOW
        if type(value) is same:
            return value
        try:
            return complete(leaf, value)
        except Exception:  # noqa: BLE001 - redone the ordinary way, which reports it
            return _SLOW

    return answer

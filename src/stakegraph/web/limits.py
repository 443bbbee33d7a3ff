"""Request limits and error policy: cost limit, timeout, masking with request ids, no suggestions.

Strawberry has depth, alias and token limiters but no cost analysis and no
execution timeout; these are written here as schema extensions (passed to the
schema as classes, one instance per request).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from strawberry.extensions import SchemaExtension

from stakegraph.errors import PageSizeError, StakegraphError, StoreError, StoreUnavailable
from stakegraph.web.pagination import DEFAULT_PAGE, MAX_PAGE

log = logging.getLogger("stakegraph.api")
RETRY_AFTER_S = 5
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
_SIZE_ARGS = ("first", "limit", "k")


def estimate_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                  variables: dict[str, Any] | None) -> int:
    """Estimated number of items a query can return: the sum, over every list field, of the
    product of its page size and the page sizes of the lists it is nested in.

    A list field's page size is its ``first`` / ``limit`` / ``k`` argument (default 20 for
    connections); fragments and inline fragments are followed. A ``first`` outside 1…100 raises
    :class:`stakegraph.errors.PageSizeError` (checked here, before any store call).
    """
    op = get_operation_ast(document, operation_name)
    if op is None:
        return 0
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(op.operation)
    if root is None:
        return 0
    return _walk(schema, op.selection_set, root, 1, fragments, variables or {}, frozenset())


def _size(node: FieldNode, field_def: Any, variables: dict[str, Any]) -> int:
    args = {a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments or ()}
    for name in _SIZE_ARGS:
        if name in field_def.args:
            given = args.get(name)
            if given is None:
                default = field_def.args[name].default_value
                given = default if isinstance(default, int) else DEFAULT_PAGE
            if not isinstance(given, int) or isinstance(given, bool):
                return DEFAULT_PAGE
            if name == "first" and not 1 <= given <= MAX_PAGE:
                raise PageSizeError(
                    f"{node.name.value}: first must be between 1 and {MAX_PAGE} (got {given}); "
                    "fetch more with after/offset"
                )
            return max(given, 1)
    return 1


def _walk(schema: GraphQLSchema, sel: SelectionSetNode, parent: Any, mult: int,
          fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any], seen: frozenset[str]) -> int:
    total = 0
    for s in sel.selections:
        if isinstance(s, FieldNode):
            if s.name.value.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                continue
            fdef = parent.fields.get(s.name.value)
            if fdef is None:
                continue
            size = _size(s, fdef, variables)
            inner = mult * size
            if size > 1:
                total += inner
            if s.selection_set is not None:
                total += _walk(schema, s.selection_set, get_named_type(fdef.type), inner, fragments, variables, seen)
        elif isinstance(s, InlineFragmentNode):
            t = schema.get_type(s.type_condition.name.value) if s.type_condition else parent
            total += _walk(schema, s.selection_set, t, mult, fragments, variables, seen)
        elif isinstance(s, FragmentSpreadNode):
            name = s.name.value
            frag = fragments.get(name)
            if frag is None or name in seen:
                continue
            t = schema.get_type(frag.type_condition.name.value)
            total += _walk(schema, frag.selection_set, t, mult, fragments, variables, seen | {name})
    return total


def _refuse(message: str, code: str, **extra: Any) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code, **extra})])


def cost_limiter(max_cost: int) -> type[SchemaExtension]:
    """A schema-extension class refusing queries whose estimated cost is above ``max_cost``."""

    class CostLimiter(SchemaExtension):
        """Checks page sizes and the cost before execution (no resolver, no store call runs)."""

        def on_execute(self) -> Iterator[None]:
            ec = self.execution_context
            if ec.graphql_document is not None and ec.result is None:
                try:
                    cost = estimate_cost(ec.schema._schema, ec.graphql_document, ec.operation_name, ec.variables)
                except PageSizeError as e:
                    ec.result = _refuse(str(e), e.code)
                else:
                    if cost > max_cost:
                        ec.result = _refuse(
                            f"query cost {cost} is above the limit of {max_cost} (cost = sum over lists of "
                            "the product of nested page sizes); ask for smaller pages (first) or fewer nested lists",
                            "COST_LIMIT", cost=cost, limit=max_cost,
                        )
            yield

    return CostLimiter




def error_policy(*, production: bool) -> type[SchemaExtension]:
    """A schema-extension class that masks unexpected resolver exceptions with a logged request id.

    Validation and limit errors (no original exception) and stakegraph's own typed errors keep
    their text; :class:`stakegraph.errors.StoreUnavailable` becomes a retry hint; anything else becomes
    ``Internal error (request id …)``. In production "Did you mean …" suggestions are removed.
    """

    class ErrorPolicy(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            yield
            result = self.execution_context.result
            errors = getattr(result, "errors", None)
            if not errors:
                return
            rid = str(getattr(self.execution_context.context, "request_id", "-"))
            result.errors = [self._process(e, rid) for e in errors]  # type: ignore[union-attr]

        def _process(self, error: GraphQLError, rid: str) -> GraphQLError:
            orig = error.original_error
            if orig is None or isinstance(orig, GraphQLError):
                if production and _SUGGESTION.search(error.message):
                    return _copy(error, _SUGGESTION.sub("", error.message), error.extensions)
                return error
            if isinstance(orig, StoreUnavailable):
                log.warning("store unavailable", extra={"request_id": rid, "error": str(orig)})
                return _copy(error, *_unavailable(rid))
            if isinstance(orig, StakegraphError) and not isinstance(orig, StoreError):
                ext: dict[str, Any] = {"code": orig.graphql_code}
                if orig.fix:
                    ext["fix"] = orig.fix
                return _copy(error, str(orig), ext)
            if isinstance(orig, asyncio.TimeoutError | TimeoutError):
                return _copy(error, f"the request timed out (request id {rid})", {"code": "TIMEOUT"})
            log.error("resolver error (request id %s)", rid, exc_info=orig, extra={"request_id": rid})
            return _copy(error, f"Internal error (request id {rid}); the server log has the details",
                         {"code": "INTERNAL", "requestId": rid})

    return ErrorPolicy


def _unavailable(rid: str) -> tuple[str, dict[str, Any]]:
    return (f"the graph store is unavailable; retry in {RETRY_AFTER_S} seconds (request id {rid})",
            {"code": "STORE_UNAVAILABLE", "retryAfter": RETRY_AFTER_S, "requestId": rid})


def store_unavailable(rid: str) -> GraphQLError:
    """The error a request gets when the store does not answer (same text wherever it is raised)."""
    message, extensions = _unavailable(rid)
    return GraphQLError(message, extensions=extensions)


def _copy(error: GraphQLError, message: str, extensions: dict[str, Any] | None) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, original_error=None, extensions=extensions)


def operation_recorder() -> type[SchemaExtension]:
    """A schema-extension class writing the operation's type to ``context.operation_type``.

    The response cache (:mod:`stakegraph.web.response_cache`) keeps only query results; it reads this
    after execution (a document that failed validation never reaches ``on_execute`` and
    stays uncached).
    """

    class OperationRecorder(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            ec = self.execution_context
            ctx = ec.context
            if ctx is not None and hasattr(ctx, "operation_type"):
                ctx.operation_type = ec.operation_type
            yield

    return OperationRecorder

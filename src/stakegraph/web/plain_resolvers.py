"""Plain graphql-core resolvers for the per-row fields of lists and neighbourhoods.

Strawberry runs every field that has a resolver through its own machinery: an ``Info`` object,
argument conversion (names, enums, defaults), field extensions, then the resolver. For a
page of 100 nodes with a relationship count that machinery costs more than the store calls.
A resolver marked with :func:`plain` keeps its strawberry declaration (the SDL, descriptions
and argument types are unchanged) but, once :func:`install` has run on the built schema,
graphql-core calls the marked function directly: ``fn(source, info, **arguments)`` with the
arguments as graphql-core coerced them (enum arguments as their domain strings or members,
defaults filled in), and ``info.context`` the request's context.

Fields without a resolver (strawberry reads ``getattr(source, python_name)`` through two wrapper
calls) get that ``getattr`` as their graphql-core resolver directly.

A plain resolver must give the same answer as the strawberry one it stands for: it reads the
source object only (and the context's DataLoaders), never arguments needing input types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLObjectType, GraphQLSchema
from strawberry.types.field import StrawberryField

from stakegraph.web.flat_execution import mark_flat

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "__stakegraph_plain__"
_BACKREF = "strawberry-definition"  # strawberry's link from a graphql-core field to its StrawberryField


def plain(resolver: Callable[..., Any]) -> Callable[[F], F]:
    """Mark a strawberry resolver (decorate it before ``strawberry.field``) as answered by ``resolver``.

    >>> @plain(lambda source, info: source * 2)
    ... def twice(self) -> int:
    ...     return self * 2
    >>> getattr(twice, _ATTR)(21, None)
    42
    """

    def deco(fn: F) -> F:
        setattr(fn, _ATTR, resolver)
        return fn

    return deco


def install(schema: GraphQLSchema) -> int:
    """Let graphql-core call the :func:`plain` resolvers of ``schema`` directly; returns how many fields.

    Call once, on the ``GraphQLSchema`` a strawberry schema built (``strawberry.Schema._schema``).
    """
    n = 0
    for gtype in schema.type_map.values():
        if not isinstance(gtype, GraphQLObjectType):
            continue
        for gfield in gtype.fields.values():
            field = (gfield.extensions or {}).get(_BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            resolver = getattr(field.base_resolver, "wrapped_func", None)
            fast = getattr(resolver, _ATTR, None)
            if fast is None and _plain_attribute(field):
                fast = _attribute(field.python_name)
            if fast is not None:
                gfield.resolve = mark_flat(fast)
                n += 1
    return n


def _plain_attribute(field: StrawberryField) -> bool:
    """A field strawberry answers with ``getattr(source, python_name)`` (no resolver, no extension)."""
    return (field.is_basic_field and type(field).get_result is StrawberryField.get_result
            and field.default_resolver is getattr)


def _attribute(name: str) -> Callable[..., Any]:
    """``getattr(source, name)`` as a graphql-core resolver (what strawberry's basic fields do, in one call)."""

    def resolve(source: Any, info: Any, **_: Any) -> Any:
        return getattr(source, name)

    return resolve

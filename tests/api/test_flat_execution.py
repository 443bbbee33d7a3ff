"""The flat execution path answers exactly as graphql-core's own executor (the second implementation).

Two ways: the API's example and list queries through two apps on one store, one with
:class:`FlatExecutionContext` (the default) and one with strawberry's ordinary context; and a
small graphql-core schema whose flat resolvers return every awkward value (null for a non-null
field, an out-of-range Int, NaN, an exception, a raise, an awaitable), where the located errors
must match too.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    execute,
    parse,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from stakegraph.web.examples import EXAMPLES
from stakegraph.web.flat_execution import FlatExecutionContext, mark_flat

LISTS = [
    "{ parties(first: 100) { edges { node { id name kind country relationshipCount } } } }",
    "{ parties(first: 5) { totalCount nodes { __typename id name a: relationshipCount(direction: OUT) "
    "b: relationshipCount(kinds: [LENDS_TO]) type } } }",
    "query($d: Direction!) { parties(first: 50) { nodes { id ...F relationshipCount(direction: $d) } } } "
    "fragment F on Party { name kind n: name }",
    "{ relationships(first: 50) { nodes { id kind sourceId targetId amount currency status } } }",
    '{ neighborhood(id: "b_bank", depth: 2, limit: 20) { andMore nodes { id name type } '
    "edges { id kind sourceId targetId } } }",
    "{ parties(first: 3) { nodes { id nope } } }",
]


def _answers(client: TestClient, query: str, variables: dict[str, Any]) -> Any:
    r = client.post("/graphql", json={"query": query, "variables": variables})
    return r.status_code, r.json()


def test_api_answers_match_the_ordinary_executor(make_client: Callable[..., TestClient]) -> None:
    flat = make_client(response_cache_size=0)
    ordinary = make_client(response_cache_size=0)
    assert flat.app.state.schema.execution_context_class is FlatExecutionContext  # type: ignore[attr-defined]
    ordinary.app.state.schema.execution_context_class = StrawberryGraphQLCoreExecutionContext  # type: ignore[attr-defined]
    queries = [*EXAMPLES.values(), *LISTS]
    for q in queries:
        variables = {"d": "IN"} if "$d" in q else {}
        assert _answers(flat, q, variables) == _answers(ordinary, q, variables), q
    # the list queries really do have rows (the comparison is not of empty pages)
    body = _answers(flat, LISTS[0], {})[1]
    assert len(body["data"]["parties"]["edges"]) > 5


async def _later(value: Any) -> Any:
    await asyncio.sleep(0)
    return value


def _odd_schema() -> GraphQLSchema:
    """Rows whose flat fields return each value the flat path must hand back to the ordinary one."""

    def f(name: str) -> Any:
        return mark_flat(lambda row, info, **args: row[name](**args) if callable(row[name]) else row[name])

    colour = GraphQLEnumType("Colour", {"RED": "red", "BLUE": "blue"})
    row = GraphQLObjectType("Row", {
        "s": GraphQLField(GraphQLNonNull(GraphQLString), resolve=f("s")),
        "id": GraphQLField(GraphQLID, resolve=f("id")),
        "i": GraphQLField(GraphQLInt, resolve=f("i")),
        "ni": GraphQLField(GraphQLNonNull(GraphQLInt), resolve=f("ni")),
        "x": GraphQLField(GraphQLFloat, resolve=f("x")),
        "c": GraphQLField(colour, resolve=f("c")),
        "times": GraphQLField(GraphQLInt, {"k": GraphQLArgument(GraphQLInt, default_value=2)}, resolve=f("times")),
    })
    rows = [
        {"s": "a", "id": 7, "i": 1, "ni": 2, "x": 1.5, "c": "red", "times": lambda k: 3 * k},
        {"s": None, "id": "b", "i": 2**40, "ni": None, "x": math.nan, "c": "green", "times": lambda k: _later(k)},
        {"s": "c", "id": None, "i": ValueError("returned"), "ni": 3, "x": 2, "c": "blue",
         "times": lambda k: (_ for _ in ()).throw(RuntimeError("raised"))},
        {"s": 5, "id": 1.5, "i": True, "ni": "4", "x": "y", "c": None, "times": lambda k: None},
    ]
    query = GraphQLObjectType("Query", {
        "rows": GraphQLField(GraphQLList(GraphQLNonNull(row)), resolve=lambda *_: rows),
        "nullable": GraphQLField(GraphQLList(row), resolve=lambda *_: rows),
    })
    return GraphQLSchema(query)


@pytest.mark.parametrize("document", [
    "{ nullable { s id i ni x c times t2: times(k: 5) } }",
    "{ nullable { i x c times(k: 1) } }",
    "{ rows { s } }",
    "{ nullable { __typename id c } }",
])
def test_awkward_values_answer_as_the_ordinary_executor(document: str, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = _odd_schema()
    flat_fields: list[str] = []
    step = FlatExecutionContext._flat_step

    def counted(self: Any, parent_type: Any, details: Any) -> Any:
        got = step(self, parent_type, details)
        if got is not None:
            flat_fields.append(details[0].node.name.value)
        return got

    monkeypatch.setattr(FlatExecutionContext, "_flat_step", counted)

    async def run(cls: type) -> Any:
        result = execute(schema, parse(document), executor_class=cls)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        return result.formatted

    flat, ordinary = asyncio.run(run(FlatExecutionContext)), asyncio.run(run(StrawberryGraphQLCoreExecutionContext))
    assert flat == ordinary
    assert flat_fields  # the flat path ran (and handed the awkward values back)
    assert flat.get("errors")  # each document hits at least one refused value

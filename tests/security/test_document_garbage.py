"""Parsed documents leave no work for the garbage collector (why /healthz stays fast under attack).

graphql-core links its tokens both ways, so every parsed document used to be a reference cycle,
freed only by a full collection that walked every document the cache kept (70–140 ms with the GIL
held). These tests prove: a parsed, refused or mis-typed document is freed by reference counting
alone (``gc.collect()`` finds nothing); the cache keeps no tokens and no AST of a refused
document; and the answers are the ones the full documents gave (messages, locations, codes).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import DocumentNode, GraphQLError, parse
from graphql.language import Node, Token

from stakegraph.web.app import create_app
from stakegraph.web.documents import detach, lighten, parse_light, skeleton
from stakegraph.web.schema import build_schema
from tests.security.conftest import settings
from tests.security.test_query_bombs import CASES, bomb

pytestmark = pytest.mark.security
VALID = 'query Q($n: Int) { party(id: "a_co") { id name relationships(first: $n) { nodes { id } } } }'


def _nodes(document: DocumentNode) -> Iterator[Node]:
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        yield node
        for key in node.keys:
            value = getattr(node, key, None)
            if isinstance(value, Node):
                stack.append(value)
            elif isinstance(value, tuple | list):
                stack.extend(v for v in value if isinstance(v, Node))


def _cyclic_garbage(make: Any) -> int:
    """How many objects only the cyclic collector frees after ``make()`` and dropping its result."""
    gc.collect()
    gc.disable()
    try:
        make()
        return gc.collect()
    finally:
        gc.enable()


@pytest.mark.parametrize("text", [VALID, bomb(12, extra="a{i}: name"), "{ a b c", "{ " + "x " * 5000 + "}"],
                         ids=["valid", "bomb", "syntax-error", "too-many-tokens"])
def test_parse_light_leaves_no_cycles(text: str) -> None:
    def plain() -> None:
        try:
            parse(text, max_tokens=2000)
        except GraphQLError:
            pass

    def light() -> None:
        found = parse_light(text, max_tokens=2000)
        if isinstance(found, DocumentNode):
            lighten(found)

    assert _cyclic_garbage(plain) > 0  # graphql-core's own parse leaves cycles behind
    assert _cyclic_garbage(light) == 0


def test_lighten_keeps_offsets_and_source_only() -> None:
    plain, light = parse(VALID), lighten(parse(VALID))
    for a, b in zip(_nodes(plain), _nodes(light), strict=True):
        assert (a.loc.start, a.loc.end, a.loc.source.body) == (b.loc.start, b.loc.end, b.loc.source.body)
        assert b.loc.start_token is None and b.loc.end_token is None


def test_skeleton_and_detach_keep_what_the_answer_needs() -> None:
    doc = parse("mutation M { a } query { b } fragment F on X { c }")
    assert [(d.operation.value, d.name and d.name.value) for d in skeleton(doc).definitions] == [
        ("mutation", "M"), ("query", None)]
    error = GraphQLError("bad", nodes=doc.definitions[1], extensions={"code": "X"})
    kept = detach(error)
    assert kept.nodes is None and kept.formatted == error.formatted


def test_the_cache_keeps_no_tokens_and_no_refused_ast() -> None:
    schema = build_schema(settings())
    rules = ()
    for text in (VALID, *(doc for _, doc, _ in CASES[:20])):
        schema.preparer.prepare(schema._schema, text, rules, {"max_tokens": 2000})
    tokens = 0
    for document, errors in schema.preparer._cache.values():
        assert all(e.nodes is None for e in errors)
        if document is None:
            continue
        if errors:  # refused: only the operations' skeleton is kept
            assert all(d.loc is None and not d.selection_set.selections for d in document.definitions)
        tokens += sum(1 for n in _nodes(document) if n.loc is not None and n.loc.start_token is not None)
    assert tokens == 0
    assert not any(isinstance(o, Token) for o in gc.get_referents(*schema.preparer._cache.values()))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from stakegraph.store import EmbeddedStore
    from tests.security.conftest import fill

    store = fill(EmbeddedStore(tmp_path_factory.mktemp("garbage") / "s.sqlite"))
    with TestClient(create_app(settings(), store), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(("text", "method"), [
    ("{ party(id: 1) { nope } }", "POST"),  # validation errors with locations
    ("mutation { nope }", "GET"),  # a refused mutation over GET: still the method's refusal
    ("{ a ", "POST"),  # syntax error
])
def test_refusals_answer_as_before_from_the_cache_too(api: TestClient, text: str, method: str) -> None:
    def ask() -> tuple[int, Any]:
        r = (api.get("/graphql", params={"query": text}) if method == "GET"
             else api.post("/graphql", json={"query": text}))
        return r.status_code, r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text

    first, again = ask(), ask()
    assert first == again
    status, body = first
    if method == "GET":
        assert status >= 400  # mutations are not allowed over GET
    else:
        errors = body["errors"]
        assert errors and all(e.get("locations") for e in errors), body


@pytest.mark.parametrize("text", ["{ a ", "query {", "{ a(x: ) }", "{ " + "x " * 3000 + "}", "fragment on on X { a }"])
def test_parse_light_errors_are_graphql_cores(text: str) -> None:
    try:
        parse(text, max_tokens=2000)
    except GraphQLError as e:
        expected = e.formatted
    else:  # pragma: no cover - every text above is refused
        raise AssertionError(text)
    found = parse_light(text, max_tokens=2000)
    assert isinstance(found, GraphQLError) and found.formatted == expected
    assert found.__traceback__ is None

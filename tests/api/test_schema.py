"""The committed SDL matches the code; enums come from the domain."""

from __future__ import annotations

from pathlib import Path

from stakegraph.domain import NODE_TYPES, ORG_TYPES, RELATIONSHIP_KINDS
from stakegraph.web.schema import build_schema
from stakegraph.web.schema_export import sdl

SDL_FILE = Path(__file__).resolve().parents[2] / "src" / "stakegraph" / "web" / "schema.graphql"


def test_committed_sdl_is_current() -> None:
    assert SDL_FILE.read_text(encoding="utf-8") == sdl(), (
        "src/stakegraph/web/schema.graphql is stale: run `make schema` and commit it"
    )


def test_enums_are_the_domain() -> None:
    schema = build_schema()._schema
    assert list(schema.get_type("PartyKind").values) == [k.upper() for k in ORG_TYPES]  # type: ignore[union-attr]
    assert list(schema.get_type("RelationshipKind").values) == [k.upper() for k in RELATIONSHIP_KINDS]  # type: ignore[union-attr]
    assert list(schema.get_type("NodeType").values) == [t.upper() for t in NODE_TYPES]  # type: ignore[union-attr]


def test_party_has_a_field_per_declared_property() -> None:
    fields = build_schema()._schema.get_type("Party").fields  # type: ignore[union-attr]
    for p in NODE_TYPES["party"].props:
        head, *rest = p.name.split("_")
        assert head + "".join(x.title() for x in rest) in fields


def test_docs_show_every_example_query() -> None:
    from stakegraph.web.examples import EXAMPLES

    doc = (SDL_FILE.parents[3] / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [name for name, q in EXAMPLES.items() if q.strip() not in doc]
    assert not missing, f"docs/api.md lacks the example queries {missing}"

"""Issue #16 item 1: ``extra:`` columns are filterable in GraphQL lists — typed equality, numeric ranges
over numeric extras, bounds checked, names checked against the extras the store holds (both backends).

Expected rows are read off the files by hand (tests/data/loaders/v2/fossil and the file written below).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.domain import PropType
from stakegraph.errors import Invalid
from stakegraph.loaders import load
from stakegraph.model import edge_id, stable_id
from stakegraph.store import EmbeddedStore, cypher
from stakegraph.store.base import GraphStore
from stakegraph.store.filters import MAX_EXTRA_FILTERS, NodeFilter, check_node_query, extra_types
from stakegraph.web.app import create_app
from tests.api.conftest import gql, settings
from tests.loaders.helpers import LOADERS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
V2 = LOADERS / "v2"
SCORES = """
name: scores
files: {firms: firms.csv}
entities:
  - name: firm
    from: firms
    node: party
    id: {column: firm, prefix: "f_"}
    props: {name: firm}
    constants: {kind: corporate}
    extra:
      fossil_score: {column: score, type: integer}
      coal_share: {column: coal, type: number, convert: percent}
"""


def _bk(name: str) -> str:
    return "bk_" + stable_id(name.casefold())


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> TestClient:
    assert load(V2 / "fossil", store, mapping=V2 / "mapping.yml").ok
    d = tmp_path / "firms"
    d.mkdir()
    (d / "firms.csv").write_text("firm,score,coal\nacme,7,12.5%\nbeta,3,40%\ngamma,10,0%\ndelta,,\n", "utf-8")
    (tmp_path / "scores.yml").write_text(SCORES, "utf-8")
    assert load(d, store, mapping=tmp_path / "scores.yml").ok
    return TestClient(create_app(settings(), store), raise_server_exceptions=False)


def _ids(d: dict[str, Any], field: str) -> list[str]:
    assert "errors" not in d, d
    return sorted(n["id"] for n in d["data"][field]["nodes"])


def _parties(client: TestClient, extras: str) -> list[str]:
    return _ids(gql(client, f"{{ parties(filter: {{extras: [{extras}]}}) {{ totalCount nodes {{ id }} }} }}"),
                "parties")


def _loans(client: TestClient, extras: str) -> list[str]:
    q = f"{{ relationships(filter: {{kinds: [LENDS_TO], extras: [{extras}]}}) {{ nodes {{ id }} }} }}"
    return _ids(gql(client, q), "relationships")


def test_extra_equality_and_ranges_on_both_backends(client: TestClient) -> None:
    # text, bool, integer and number extras on nodes
    assert _parties(client, '{property: "esg_rating", equals: "AA"}') == [_bk("Bank of Asia")]
    assert _parties(client, '{property: "listed", equals: "true"}') == sorted([_bk("Bank of Asia"),
                                                                               _bk("Policy Bank of Y")])
    assert _parties(client, '{property: "fossil_score", equals: "7"}') == ["f_acme"]
    assert _parties(client, '{property: "fossil_score", equals: "7.0"}') == ["f_acme"]  # 7 == 7.0
    assert _parties(client, '{property: "fossil_score", min: 5}') == ["f_acme", "f_gamma"]  # delta has none
    assert _parties(client, '{property: "coal_share", min: 10, max: 40}') == ["f_acme", "f_beta"]
    assert _parties(client, '{property: "fossil_score", min: 3}, {property: "coal_share", max: 20}') == [
        "f_acme", "f_gamma"]
    # an edge extra: fossil_share 82.5% on Bank of Asia's two loans, 100% on Northern Fund's, 0% on Harbour's
    asia = [edge_id("lends_to", _bk("Bank of Asia"), "P1", y) for y in ("2019", "2020")]
    northern = [edge_id("lends_to", _bk("Northern Fund"), "P2", y) for y in ("2021", "2022")]
    assert _loans(client, '{property: "fossil_share", min: 50}') == sorted(asia + northern)
    assert _loans(client, '{property: "fossil_share", equals: "100"}') == sorted(northern)
    assert len(_loans(client, '{property: "fossil_share", max: 0}')) == 3
    d = gql(client, '{ parties(filter: {country: "XX", extras: [{property: "esg_rating", equals: "AA"}]}) '
                    "{ totalCount } }")
    assert d["data"]["parties"]["totalCount"] == 0


def _refusal(client: TestClient, field: str, extras: str) -> tuple[str, str]:
    d = gql(client, f"{{ {field}(filter: {{extras: [{extras}]}}) {{ totalCount }} }}")
    assert d.get("errors"), d
    err = d["errors"][0]
    assert err["extensions"]["code"] == "INVALID", err
    fix = err["extensions"]["fix"]
    assert err["message"].endswith(f"; fix: {fix}"), err
    return err["message"].removesuffix(f"; fix: {fix}"), fix


@pytest.mark.parametrize("store", ["embedded"], indirect=True)
def test_refusals_name_the_fix(client: TestClient) -> None:
    assert _refusal(client, "parties", '{property: "fossil", equals: "1"}') == (
        "party have no extra property 'fossil'", "use one of coal_share, esg_rating, fossil_score, listed")
    assert _refusal(client, "parties", '{property: "esg_rating", min: 1}') == (
        "extra property 'esg_rating' holds text values; a range needs numbers",
        "filter it by equality, or a range over one of coal_share, fossil_score")
    assert _refusal(client, "parties", '{property: "fossil_score", equals: "many"}') == (
        "extra property 'fossil_score' holds numbers; 'many' is not a finite number", "give a plain number such as 12.5")
    assert _refusal(client, "parties", '{property: "listed", equals: "maybe"}') == (
        "extra property 'listed' holds true/false; 'maybe' is neither", "give true or false")
    assert _refusal(client, "parties", '{property: "fossil_score", min: 9, max: 2}') == (
        "range for 'fossil_score': minimum 9.0 is above maximum 2.0", "swap the bounds")
    assert _refusal(client, "parties", '{property: "country", equals: "CN"}') == (
        "'country' is a declared property, not an extra one",
        "filter it with ranges/dateRanges or the typed filters (amountMin, status, …)")
    assert _refusal(client, "parties", '{property: "x\\") OR 1=1 --", equals: "1"}') == (
        "'x\") OR 1=1 --' is not a property name",
        "an extra property is lower-case letters, digits and _ (e.g. fossil_score)")
    assert _refusal(client, "parties", '{property: "listed"}') == (
        "extras: the condition on 'listed' gives none of equals, min, max", "give equals or min/max")
    many = ", ".join('{property: "listed", equals: "true"}' for _ in range(MAX_EXTRA_FILTERS + 1))
    assert _refusal(client, "parties", many) == (
        "17 extra-property conditions are more than the 16 a query may have", "give at most 16")
    assert _refusal(client, "relationships", '{property: "esg_rating", equals: "AA"}') == (
        "relationships have no extra property 'esg_rating'", "use one of fossil_share")
    long = "x" * 1001
    assert _refusal(client, "parties", f'{{property: "esg_rating", equals: "{long}"}}') == (
        "the value for extra property 'esg_rating' has 1,001 characters, more than 1,000",
        "compare with a shorter value")


def test_a_store_without_extras_says_how_to_keep_one(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    with pytest.raises(Invalid) as e:
        store.find_nodes(NodeFilter(type="party", extra_equals=(("fossil_score", "3"),)))
    assert (e.value.reason, e.value.fix) == (
        "party have no extra property 'fossil_score'",
        "keep the column with extra: in the mapping (docs/mappings.md) and load it")


def test_names_are_checked_before_any_query_and_never_interpolated() -> None:
    def never() -> dict[str, PropType]:
        raise AssertionError("the store was asked for its extras although the name is refused")

    with pytest.raises(Invalid):
        check_node_query(NodeFilter(extra_equals=(("a}) DETACH DELETE n //", "1"),)), None, extras=never)
    # the Cypher fragments are fixed text with $parameters; the property travels in $equals / $ranges
    for fragments in (cypher.FILTERS, cypher.EDGE_FILTERS):
        assert fragments["equals"].startswith("ALL(x IN $equals WHERE ") and "[x.prop] = x.value" in fragments["equals"]
        assert "[x.prop]" in fragments["ranges"]
    ok = check_node_query(NodeFilter(extra_equals=(("score", "3"),), extra_ranges=(("score", 1, None),)), None,
                          extras={"score": PropType.INT})
    assert ok.extra_equals == (("score", 3.0),) and ok.prop_ranges == (("score", 1.0, None),)


def test_extra_types_from_stored_values() -> None:
    seen = [("score", "integer"), ("share", "integer"), ("share", "real"), ("flag", "true"), ("flag", "false"),
            ("remark", "text"), ("note", "text"), ("mixed", "text"), ("mixed", "real"), ("amount", "real"), ("source_row", "integer"),
            ("Bad-Name", "text"), ("tags", "array")]
    assert extra_types(seen) == {"flag": PropType.BOOL, "mixed": PropType.STR, "remark": PropType.STR,
                                 "score": PropType.INT, "share": PropType.FLOAT}

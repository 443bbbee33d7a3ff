"""Mapping language v2: each feature on a file that needs it (tests/data/loaders/v2), and one message per
mapping mistake, asserted word for word."""

from __future__ import annotations

from pathlib import Path

import pytest

from stakegraph.loaders import MappingError, load
from stakegraph.loaders.mapping import parse_mapping
from stakegraph.model import edge_id, stable_id
from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore
from tests.loaders.helpers import LOADERS, without_provenance

V2 = LOADERS / "v2"
FOSSIL = V2 / "fossil"
KINDS = ("bank, development_bank, policy_bank, multilateral_agency, bilateral_agency, trust_fund, fund, "
         "institutional_investor, corporate, epc_contractor, om_operator, supplier, advisor, insurer, "
         "export_credit_agency, government, local_contributor, person, other")
FIX = "correct the keys named above (docs/loading.md, 'Mappings')"


def _bk(name: str) -> str:
    return "bk_" + stable_id(name.casefold())


def _co(name: str) -> str:
    return "co_" + stable_id(name.casefold())


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    store = EmbeddedStore(tmp_path_factory.mktemp("v2") / "s.sqlite")
    report = load(FOSSIL, store, mapping=V2 / "mapping.yml")
    assert report.ok and not report.warnings and not report.skipped, [str(e) for e in report.errors]
    return without_provenance(store)


def test_pass_through_map_with_fallback(graph: dict[str, dict]) -> None:
    kinds = {graph[_bk(n)]["name"]: graph[_bk(n)]["kind"] for n in
             ("Bank of Asia", "Northern Fund", "Policy Bank of Y", "Harbour Capital")}
    # mapped, passed through (twice), and the default for a blank cell only
    assert kinds == {"Bank of Asia": "bank", "Northern Fund": "fund", "Policy Bank of Y": "policy_bank",
                     "Harbour Capital": "other"}


def test_match_captures_in_templates(graph: dict[str, dict]) -> None:
    assert (graph["P1"]["start_date"], graph["P1"]["end_date"]) == ("2019-01-01", "2023-12-31")
    assert graph["P3"]["start_date"] == "2024-01-01" and "end_date" not in graph["P3"]  # unmapped: blank


def test_conversions(graph: dict[str, dict]) -> None:
    assets = [graph[_bk(n)]["total_assets"] for n in ("Bank of Asia", "Northern Fund", "Policy Bank of Y",
                                                      "Harbour Capital")]
    assert assets == [1.2e9, 3.5e8, 2.5e6, 1.2e4]
    loan = graph[edge_id("lends_to", _bk("Bank of Asia"), "P1", "2019")]
    assert loan["start_date"] == "2019-01-01" and loan["fossil_share"] == 82.5


def test_split_makes_one_relationship_per_part_with_its_share(graph: dict[str, dict]) -> None:
    owns = {(e["source"], e["target"]): e["share_pct"] for e in graph.values() if e.get("kind") == "owns"}
    assert owns == {(_co("Company A"), "P1"): 60.0, (_co("Company B"), "P1"): 40.0,
                    (_co("Company B"), "P2"): 100.0, (_co("Company C"), "P3"): 51.0,
                    (_co("Company A"), "P3"): 49.0}
    assert graph[_co("Company A")] == {"type": "party", "name": "Company A", "kind": "corporate"}


def test_unpivot_makes_dated_records_from_repeated_columns(graph: dict[str, dict]) -> None:
    loans = sorted((e["source"], e["target"], e["start_date"], e["amount"]) for e in graph.values()
                   if e.get("kind") == "lends_to")
    hc = _bk("Harbour Capital")
    assert [x for x in loans if x[0] == hc] == [(hc, "P3", "2023-01-01", 5e6), (hc, "P3", "2024-01-01", 7.5e6),
                                                (hc, "P3", "2025-01-01", 1e9)]
    assert len(loans) == 7  # blank yearly cells make no record


def test_extra_columns_are_typed_properties(graph: dict[str, dict]) -> None:
    asia = graph[_bk("Bank of Asia")]
    assert (asia["esg_rating"], asia["listed"]) == ("AA", True)
    assert graph[_bk("Northern Fund")]["listed"] is False
    assert "esg_rating" not in graph[_bk("Policy Bank of Y")]  # blank: not stored


def test_extra_is_exposed_in_graphql_props(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from stakegraph.web.app import create_app

    store = EmbeddedStore(tmp_path / "s.sqlite")
    assert load(FOSSIL, store, mapping=V2 / "mapping.yml").ok
    client = TestClient(create_app(store=store))
    q = "query($id: ID!) { party(id: $id) { props } }"
    r = client.post("/graphql", json={"query": q, "variables": {"id": _bk("Bank of Asia")}})
    assert r.status_code == 200, r.text
    props = r.json()["data"]["party"]["props"]
    assert (props["esg_rating"], props["listed"]) == ("AA", True)


# -- one error per mapping mistake ----------------------------------------------------------------
BAD = """
name: bad
files: {banks: banks.csv}
entities:
  - name: bank
    from: banks
    node: party
    id: {column: bank, prefix: "bk_"}
    props:
      name: bank
      kind: KIND
"""


def _rows(tmp_path: Path, n: int = 1506) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "banks.csv").write_text("bank,type\n" + "".join(f"Bank {i},commercial\n" for i in range(n)), "utf-8")
    return d


def test_wrong_constant_is_one_mapping_error_not_one_per_row(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(BAD.replace("KIND", "{value: Bank}"), "utf-8")
    with pytest.raises(MappingError) as e:
        load(_rows(tmp_path), EmbeddedStore(tmp_path / "s.sqlite"), mapping=tmp_path / "bad.yml")
    assert e.value.reason == (f"{tmp_path / 'bad.yml'}: invalid mapping:\n"
                              f"  entities[bank].props.kind.value: 'Bank' is not a party kind; use one of {KINDS}")
    assert e.value.fix == FIX


def test_every_constant_mistake_is_listed_once() -> None:
    text = BAD.replace("KIND", "{column: type, map: {commercial: Bank, state: government}, default: Other}") \
        + "    constants: {total_assets: lots}\n"
    with pytest.raises(MappingError) as e:
        parse_mapping(text, "m.yml")
    assert e.value.reason == (
        "m.yml: invalid mapping:\n"
        "  entities[bank].constants.total_assets: total_assets: 'lots' is not a valid float; write a plain number "
        "such as 1500000 or 12.5 (no currency sign)\n"
        f"  entities[bank].props.kind.map['commercial']: 'Bank' is not a party kind; use one of {KINDS}\n"
        f"  entities[bank].props.kind.default: 'Other' is not a party kind; use one of {KINDS}")


def test_a_key_failing_on_every_first_row_is_one_mapping_error(tmp_path: Path) -> None:
    (tmp_path / "m.yml").write_text(BAD.replace("KIND", "{column: type}"), "utf-8")
    store = EmbeddedStore(tmp_path / "s.sqlite")
    with pytest.raises(MappingError) as e:
        load(_rows(tmp_path), store, mapping=tmp_path / "m.yml")
    assert e.value.reason == (
        "the mapping does not fit the files (nothing was loaded):\n"
        "  entities[bank].props.kind: fails on each of the first 20 rows of banks.csv (row 2, column type: "
        f"'commercial' is not a party kind; use one of {KINDS})")
    assert store.counts()["nodes"].get("party", 0) == 0


def test_a_few_bad_rows_stay_row_errors(tmp_path: Path) -> None:
    d = _rows(tmp_path, 30)
    (d / "banks.csv").write_text("bank,type\n" + "".join(f"Bank {i},{'bank' if i % 2 else 'x'}\n" for i in range(30)))
    (tmp_path / "m.yml").write_text(BAD.replace("KIND", "{column: type}"), "utf-8")
    report = load(d, EmbeddedStore(tmp_path / "s.sqlite"), mapping=tmp_path / "m.yml", mode="lenient")
    assert len(report.errors) == 15 and report.written


def test_unmapped_value_message_offers_pass_through(tmp_path: Path) -> None:
    d = _rows(tmp_path, 2)
    (d / "banks.csv").write_text("bank,type\nA,Bank\nB,fund\nC,Bank\n", "utf-8")
    (tmp_path / "m.yml").write_text(BAD.replace("KIND", "{column: type, map: {Bank: bank}}"), "utf-8")
    report = load(d, EmbeddedStore(tmp_path / "s.sqlite"), mapping=tmp_path / "m.yml")
    assert [str(e) for e in report.errors] == [
        "banks.csv:3 [type] 'fund': 'fund' is not in the value map (entities[bank].props.kind.map) — fix: add it to "
        "entities[bank].props.kind.map, set entities[bank].props.kind.default, or let unmapped values pass "
        "through (unmapped: keep)"]


LOANS = """
name: loans
files: {loans: loans.csv, banks: banks.csv}
entities:
  - name: bank
    from: banks
    node: party
    id: {column: bank, hash: true, prefix: "bk_"}
    props: {name: bank}
    constants: {kind: bank}
  - name: loan
    from: loans
    edge: lends_to
    source: {column: lender, hash: true, prefix: "bk_"}
    target: {column: borrower, hash: true, prefix: "bk_"}
"""


def test_missing_endpoint_is_named_by_the_files_value(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "banks.csv").write_text("bank\nBank of Asia\nNorthern Fund\n", "utf-8")
    (d / "loans.csv").write_text("lender,borrower\nBank of Asia,Northern Fund\nBank of Nowhere,Northern Fund\n")
    (tmp_path / "m.yml").write_text(LOANS, "utf-8")
    report = load(d, EmbeddedStore(tmp_path / "s.sqlite"), mapping=tmp_path / "m.yml")
    assert [str(e) for e in report.errors] == [
        f"loans.csv:3 [lender] 'Bank of Nowhere': lends_to source 'Bank of Nowhere' (id {_bk('Bank of Nowhere')!r}) "
        "is not in the files (or its row was rejected) nor in the store — fix: add a row making 'Bank of Nowhere' "
        "(the entity that makes source ids, with the same prefix/hash) or correct the value"]


COLLIDE = """
name: collide
files: {banks: banks.csv, firms: firms.csv}
entities:
  - name: bank
    from: banks
    node: party
    id: {column: bank, hash: true, prefix: "p_"}
    props: {name: bank}
    constants: {kind: bank}
  - name: firm
    from: firms
    node: party
    id: {column: firm, hash: true, prefix: "p_"}
    props: {name: firm}
    constants: {kind: corporate}
"""


def _collide(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    d = tmp_path / "in"
    d.mkdir()
    (d / "banks.csv").write_text("bank\nBank of Asia\nNorthern Fund\n", "utf-8")
    (d / "firms.csv").write_text("firm\nAcme\nBANK OF ASIA\n", "utf-8")
    (tmp_path / "m.yml").write_text(COLLIDE + extra, "utf-8")
    return d, tmp_path / "m.yml"


def test_id_collision_between_entities_is_refused_in_strict_mode(tmp_path: Path) -> None:
    d, m = _collide(tmp_path)
    store = EmbeddedStore(tmp_path / "s.sqlite")
    report = load(d, store, mapping=m)
    pid = "p_" + stable_id("bank of asia")
    assert [str(e) for e in report.errors] == [
        f"firms.csv:3 [id] {pid!r}: id collision: node id {pid!r} is made by entities[bank] (banks.csv:2) and by "
        "entities[firm] (firms.csv:3) — fix: give the two entities distinct ids (a prefix), or add merges_with: "
        "[bank] to entities[firm] if they are the same node"]
    assert not report.written


def test_id_collision_is_listed_in_lenient_mode_and_merges_with_allows_it(tmp_path: Path) -> None:
    d, m = _collide(tmp_path)
    store = EmbeddedStore(tmp_path / "s.sqlite")
    report = load(d, store, mapping=m, mode="lenient")
    pid = "p_" + stable_id("bank of asia")
    assert report.ok and report.warnings == [
        f"id collision: node id {pid!r} is made by entities[bank] (banks.csv:2) and by entities[firm] "
        "(firms.csv:3); kept the first, dropped the second (give the two entities distinct ids (a prefix), or add "
        "merges_with: [bank] to entities[firm] if they are the same node)"]
    node = store.get_node(pid)
    assert node is not None and node.props["kind"] == "bank" and store.counts()["nodes"]["party"] == 3
    merged = tmp_path / "merged"
    merged.mkdir()
    d2, m2 = _collide(merged, "    merges_with: [bank]\n")
    report = load(d2, EmbeddedStore(merged / "s.sqlite"), mapping=m2)
    assert report.ok and not report.warnings


@pytest.mark.parametrize(("snippet", "message"), [
    ("{column: type, match: [{pattern: 'x(?P<y>\\d+)', template: '{z}'}]}",
     "  entities[bank].props.kind.match[0]: template field {z} is not a named group of the pattern (groups: y)"),
    ("{column: type, unmapped: keep}",
     "  entities[bank].props.kind: unmapped says what happens to values not in map/match; give map or match too"),
    ("{column: type, convert: yearly}",
     "  entities[bank].props.kind.convert: Input should be 'number', 'percent', 'year_to_date' or "
     "'year_end_date'"),
    ("type\n    extra: {name: bank}",
     "  entities[bank]: extra.name is a declared property; map it under props instead"),
])
def test_v2_keys_are_validated_when_read(snippet: str, message: str) -> None:
    with pytest.raises(MappingError) as e:
        parse_mapping(BAD.replace("KIND", snippet), "m.yml")
    assert e.value.reason == "m.yml: invalid mapping:\n" + message


def test_split_part_not_matching_and_unpivot_matching_nothing(tmp_path: Path, store: GraphStore) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "projects.csv").write_text("project_id,name,timeline,owners\nP1,One,2019,Company A (60%); Company B\n")
    text = (V2 / "mapping.yml").read_text("utf-8").replace("financing_wide.csv", "projects.csv")
    text = text[: text.index("  - name: financing")]
    (d / "banks.csv").write_text((FOSSIL / "banks.csv").read_text("utf-8"), "utf-8")
    (tmp_path / "m.yml").write_text(text.replace("  financing: projects.csv\n", ""), "utf-8")
    report = load(d, store, mapping=tmp_path / "m.yml")
    pattern = "'^(?P<owner>.+?)\\\\s*\\\\((?P<share>[\\\\d.]+\\\\s*%)\\\\)$'"
    assert [str(e) for e in report.errors] == [
        f"projects.csv:2 [owners] 'Company B': part 2 'Company B' does not match entities[{name}].split.pattern "
        f"{pattern} — fix: write the part like the pattern, or correct the pattern" for name in ("owner", "ownership")]
    unpivot = (V2 / "mapping.yml").read_text("utf-8").replace("amount_(?P<year>\\\\d{4})", "amt_(?P<year>\\\\d{4})")
    (tmp_path / "u.yml").write_text(unpivot, "utf-8")
    with pytest.raises(MappingError) as e:
        load(FOSSIL, store, mapping=tmp_path / "u.yml")
    assert e.value.reason.startswith("entities[financing].unpivot.columns 'amt_(?P<year>\\\\d{4})' matches none of "
                                     "the columns of financing_wide.csv (columns: bank, project_id, amount_2019")


def test_unpivot_of_a_wide_file_stays_linear(tmp_path: Path) -> None:
    """Each record is an overlay on its row and a row's raw values are spilled once: 10 rows × 2,000 columns
    make 20,000 records in about a second (copying the row per record took minutes)."""
    import time

    d = tmp_path / "in"
    d.mkdir()
    cols = [f"c{i}" for i in range(2000)]
    (d / "w.csv").write_text("id," + ",".join(cols) + "\n"
                             + "".join(f"r{r}," + ",".join("1" for _ in cols) + "\n" for r in range(10)), "utf-8")
    (tmp_path / "m.yml").write_text(
        "name: w\nfiles: {w: w.csv}\nentities:\n  - name: n\n    from: w\n    node: party\n"
        "    unpivot: {columns: 'c(?P<i>\\d+)'}\n    id: {template: '{id}_{i}'}\n    props: {name: value}\n", "utf-8")
    start = time.perf_counter()
    report = load(d, EmbeddedStore(tmp_path / "s.sqlite"), mapping=tmp_path / "m.yml", dry_run=True)
    assert report.ok and report.total("created") == 20_000
    assert time.perf_counter() - start < 15

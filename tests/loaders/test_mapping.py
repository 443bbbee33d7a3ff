"""YAML mappings: validation names the key; value maps, filters, templates, hashing and summing work."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from stakegraph.loaders import InputError, MappingError, load
from stakegraph.loaders.mapping import load_mapping, parse_mapping
from stakegraph.model import edge_id, stable_id
from stakegraph.store import EmbeddedStore

MAPPING = """
name: crm
files:
  book: {path: "crm*.xlsx", sheet: 往来}
entities:
  - name: lender
    from: book
    node: party
    id: {column: 银行, hash: true, prefix: "bk_"}
    on_duplicate: first
    props:
      name: 银行
      kind: {column: 类别, map: {商业银行: bank, 政策性银行: policy_bank}}
  - name: borrower
    from: book
    node: party
    id: {template: "co_{客户编号}"}
    on_duplicate: first
    props: {name: 客户}
    constants: {country: CN}
  - name: loan
    from: book
    edge: lends_to
    source: {column: 银行, hash: true, prefix: "bk_"}
    target: {template: "co_{客户编号}"}
    filters: [{column: 金额, op: nonzero, reason: no amount}]
    props: {amount: 金额, start_date: 日期}
    constants: {currency: CNY}
    on_duplicate: sum
    sum: [amount]
"""


def _book(path: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "其他"
    ws2 = wb.create_sheet("往来")
    for r in [["银行", "类别", "客户编号", "客户", "金额", "日期"], *rows]:
        ws2.append(r)
    wb.save(path)


def test_xlsx_sheet_mapping_with_map_template_hash_filter_and_sum(tmp_path: Path) -> None:
    import datetime as dt

    _book(tmp_path / "crm_2024.xlsx", [
        ["中国银行", "商业银行", 1, "甲公司", 100.25, dt.date(2024, 1, 2)],
        ["中国银行 ", "商业银行", 1, "甲公司", 200, dt.date(2024, 1, 2)],   # same pair: summed
        ["国家开发银行", "政策性银行", 2, "乙公司", 0, None],                 # zero: skipped, reported
        ["国家开发银行", "政策性银行", 2, "乙公司", 50, None],
    ])
    (tmp_path / "m.yml").write_text(MAPPING, "utf-8")
    store = EmbeddedStore(tmp_path / "s.sqlite")
    report = load(tmp_path / "crm_2024.xlsx", store, mapping=tmp_path / "m.yml")
    assert report.ok, [str(e) for e in report.errors]
    boc = "bk_" + stable_id("中国银行".casefold())
    assert store.get_node(boc).props["kind"] == "bank"  # type: ignore[union-attr]
    e = store.get_edge(edge_id("lends_to", boc, "co_1"))
    assert e is not None and e.props["amount"] == 300.25 and e.props["start_date"] == "2024-01-02"
    assert store.get_node("co_2").props["country"] == "CN"  # type: ignore[union-attr]
    assert [(s.row, s.reason) for s in report.skipped] == [(4, "no amount")]
    assert store.counts()["edges"]["lends_to"] == 2


def test_unmapped_value_is_a_row_error_naming_the_mapping_key(tmp_path: Path) -> None:
    _book(tmp_path / "crm.xlsx", [["某银行", "外资银行", 1, "甲", 5, None]])
    (tmp_path / "m.yml").write_text(MAPPING, "utf-8")
    report = load(tmp_path / "crm.xlsx", EmbeddedStore(":memory:"), mapping=tmp_path / "m.yml")
    assert [(e.row, e.column) for e in report.errors] == [(2, "类别")]
    assert "entities[lender].props.kind.map" in report.errors[0].reason


@pytest.mark.parametrize(("text", "phrase"), [
    ("name: x\nfiles: {a: x.csv}\nentities: [{name: e, from: b, node: party, id: id}]", "from 'b' is not one of"),
    ("name: x\nfiles: {a: x.csv}\nentities: [{name: e, from: a, node: partee, id: id}]", "entities[e]: node 'partee'"),
    ("name: x\nfiles: {a: x.csv}\nentities: [{name: e, from: a, edge: lends, source: s, target: t}]", "not a relationship kind"),
    ("name: x\nfiles: {a: x.csv}\nentities: [{name: e, from: a, edge: lends_to, source: s}]", "needs source and target"),
    ("name: x\nfiles: {a: x.csv}\nentities: [{name: e, from: a, node: party, id: {column: a, value: 1}}]", "entities[e].id"),
    ("name: x\nfiles: {a: x.csv}\nentities: [{name: e, from: a, node: party, id: id, on_duplicate: sum}]", "needs the list"),
    ("name: x\nfiles: {a: x.csv}\nentities: [{name: e, from: a, node: party, id: id, colour: red}]", "entities[e].colour"),
    ("name: [unclosed", "not valid YAML"),
])
def test_invalid_mappings_name_the_key(text: str, phrase: str) -> None:
    with pytest.raises(MappingError) as info:
        parse_mapping(text, "m.yml")
    assert phrase in str(info.value)


def test_mapping_naming_a_missing_column_or_file(tmp_path: Path) -> None:
    (tmp_path / "crm.csv").write_text("a,b\n1,2\n", "utf-8")
    m = parse_mapping("name: x\nfiles: {a: crm.csv}\nentities: [{name: e, from: a, node: party, id: id}]")
    with pytest.raises(MappingError, match=r"entities\[e\].id names column 'id'"):
        load(tmp_path, EmbeddedStore(":memory:"), mapping=m)
    m2 = parse_mapping("name: x\nfiles: {a: other.csv}\nentities: [{name: e, from: a, node: party, id: a}]")
    with pytest.raises(InputError, match="files.a"):
        load(tmp_path, EmbeddedStore(":memory:"), mapping=m2)


def test_shipped_worldbank_mapping_is_valid() -> None:
    m, text = load_mapping("worldbank")
    assert m.name == "worldbank" and "amount_usd" in text

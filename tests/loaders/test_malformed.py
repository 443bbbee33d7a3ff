"""The malformed corpus: every file yields a clear report or a clean load, never a traceback;
strict mode leaves the store byte-for-byte unchanged; lenient writes the good rows and quarantines the rest."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stakegraph.loaders import load
from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore
from tests.loaders.helpers import CANONICAL, MALFORMED, dump

pytestmark = pytest.mark.security  # proves requirements of docs/security.md (make check-security)

# file → None for a clean load, else (bad rows expected, a phrase every report must contain)
EXPECTED: dict[str, tuple[list[int | None], str] | None] = {
    "binary_parties.csv": ([None], "tried UTF-8, UTF-8 with BOM, GB18030/GBK"),
    "bom_bad_relationships.csv": ([2, 3, 4, 5], ""),
    "bom_parties.csv": None,
    "cp1252_parties.csv": ([None], "tried UTF-8, UTF-8 with BOM, GB18030/GBK"),
    "dangling_relationships.csv": ([2, 3], "is not in the files"),
    "dates_out_of_range_projects.csv": ([2, 3, 4], "ISO date"),
    "deeply_nested_parties.json": ([1], "nested too deeply"),
    "duplicate_ids_parties.csv": ([2, 4, 5], "rows duplicate_ids_parties.csv:2, duplicate_ids_parties.csv:4, "
                                             "duplicate_ids_parties.csv:5"),
    "embedded_newlines_parties.csv": None,
    "empty_parties.csv": ([None], "is empty"),
    "formula_cells_parties.xlsx": ([3], "formula"),
    "formula_injection_parties.csv": None,
    "gb18030_bad_relationships.csv": ([2, 3, 4, 5], ""),
    "gb18030_parties.csv": None,
    "huge_field_parties.csv": ([2], "field larger than field limit"),
    "latin1_parties.csv": ([None], "tried UTF-8, UTF-8 with BOM, GB18030/GBK"),
    "missing_required_parties.csv": ([2, 3], "required"),
    "negative_amounts_relationships.csv": ([2, 3], "below 0"),
    "nested_object_parties.jsonl": ([2, 3], ""),
    "non_numeric_amounts_relationships.csv": ([2, 3, 4], "not a valid float"),
    "ragged_rows_parties.csv": ([3], "header has 3 columns"),
    "shares_out_of_range_relationships.csv": ([2, 3], "share_pct"),
    "truncated_parties.json": ([2], "truncated"),
    "truncated_parties.xlsx": ([None], "XLSX"),
    "unknown_kinds_parties.csv": ([2, 4], "is not a party kind"),
    "unknown_kinds_relationships.csv": ([2, 3], "is not a relationship kind"),
    "unknown_role_data.csv": ([None], "cannot tell what it holds"),
    "utf16_bom_parties.csv": ([None], "UTF-16"),
    "utf16_nobom_parties.csv": ([None], "NUL bytes"),
}


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base") / "base.sqlite"
    s = EmbeddedStore(path)
    assert load(CANONICAL, s).ok
    s.close()
    return path


def test_the_corpus_is_complete() -> None:
    assert sorted(p.name for p in MALFORMED.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_malformed_file(name: str, base_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    db.write_bytes(base_db.read_bytes())
    store = EmbeddedStore(db)
    before = dump(store)
    report = load(MALFORMED / name, store)  # never raises: a report or a clean load
    expected = EXPECTED[name]
    if expected is None:
        assert report.ok and report.written, [str(e) for e in report.errors]
        return
    rows, phrase = expected
    assert not report.ok and not report.written
    assert sorted({e.row for e in report.errors}, key=lambda r: -1 if r is None else r) == rows
    for e in report.errors:
        assert e.file.split("#")[0] == name and e.reason and e.fix, e
    assert phrase in " ".join(str(e) for e in report.errors)
    assert dump(store) == before  # strict: byte-for-byte unchanged


def test_formula_text_is_kept_verbatim_never_evaluated(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    assert load(MALFORMED / "formula_injection_parties.csv", store).ok
    node = store.get_node("p_f1")
    assert node is not None and node.props["name"] == "=cmd|' /C calc'!A0"


def test_a_million_empty_lines_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "parties.csv"
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write("\n" * 1_000_000)
    store = EmbeddedStore(tmp_path / "s.sqlite")
    report = load(p, store)
    assert [e.reason for e in report.errors] == ["has no header row (only blank lines)"]
    assert store.counts()["nodes"]["party"] == 0


def test_all_bad_rows_in_one_report_for_every_encoding(tmp_path: Path) -> None:
    reports = {}
    for name in ("bom_bad_relationships.csv", "gb18030_bad_relationships.csv"):
        store = EmbeddedStore(tmp_path / f"{name}.sqlite")
        load(CANONICAL, store)
        reports[name] = [(e.row, e.column, e.value) for e in load(MALFORMED / name, store).errors]
    a, b = reports.values()
    assert a == b == [(2, "金额", "-5"), (4, "类型", "投资"), (5, "比例", "101"), (3, "目标", "无此方")]


def test_lenient_writes_good_rows_and_quarantines_bad_ones(store: GraphStore, tmp_path: Path) -> None:
    load(CANONICAL, store)
    src = tmp_path / "in"
    src.mkdir()
    (src / "relationships.csv").write_text(
        "source_id,target_id,kind,amount,currency\n"
        "b_bank,d_tech,lends_to,100,CNY\n"       # good
        "b_bank,nobody,lends_to,5,CNY\n"        # dangling
        "c_fund,a_co,invests_in,-1,CNY\n"       # negative
        "c_fund,a_co,owns,=cmd|' /C calc'!A0,\n"  # formula in a number column
        "dev_bank_1,a_co,lends_to,7,USD\n",      # good
        "utf-8")
    out = tmp_path / "report"
    report = load(src, store, mode="lenient", report_dir=out)
    assert report.written and report.bad_rows == 3
    assert report.counts["lends_to"]["created"] == 2
    assert {e.row for e in report.errors} == {3, 4, 5}
    q = out / "quarantine-relationships.csv"
    assert (out / "report.json").is_file() and q.is_file()
    with open(q, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["_row"] for r in rows] == ["3", "4", "5"]
    assert rows[2]["amount"] == "'=cmd|' /C calc'!A0"  # neutralised on export
    assert rows[1]["amount"] == "-1"


def test_strict_with_one_bad_row_among_good_ones_writes_nothing(store: GraphStore, tmp_path: Path) -> None:
    load(CANONICAL, store)
    before = dump(store)
    (tmp_path / "parties.csv").write_text("id,name,kind\ngood_1,G,bank\nbad_1,B,bnk\ngood_2,H,bank\n", "utf-8")
    report = load(tmp_path, store)
    assert [(e.row, e.column) for e in report.errors] == [(3, "kind")]
    assert report.counts["party"]["rejected"] == 1 and not report.written
    assert dump(store) == before

"""The loaders' declared bounds: wide files cost linear time, settings drive the bounds, type flips are
refused on both backends, guards accept ordinary mappings. The hostile corpus is in
tests/security/test_hostile_files.py."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from stakegraph.loaders import Bounds, load
from stakegraph.loaders.guards import check_regex, check_template
from stakegraph.loaders.mapping import load_mapping
from stakegraph.loaders.report import _source_name
from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore
from tests.loaders.helpers import CANONICAL, dump

WIDE = Bounds(max_columns=100_000)


def _wide_csv(path: Path, n: int) -> Path:
    cols = ["id", "name", "kind"] + [f"c{i}" for i in range(n)]
    rows = [",".join([f"p{r}", "N", "bank"] + ["v"] * n) for r in range(3)]
    path.write_text(",".join(cols) + "\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def _cpu(path: Path, tmp: Path) -> float:
    store = EmbeddedStore(tmp / f"{path.stem}.sqlite")
    t0 = time.process_time()
    report = load(path, store, bounds=WIDE)
    spent = time.process_time() - t0
    assert report.ok, report.errors[:3]
    return spent


def test_wide_csv_costs_linear_time(tmp_path: Path) -> None:
    small = min(_cpu(_wide_csv(tmp_path / f"parties_a{i}.csv", 10_000), tmp_path) for i in range(2))
    large = min(_cpu(_wide_csv(tmp_path / f"parties_b{i}.csv", 40_000), tmp_path) for i in range(2))
    assert large < 8 * small + 0.5, f"10k columns {small:.2f} s, 40k columns {large:.2f} s (quadratic?)"
    assert large < 5


def test_jsonl_row_with_100k_keys_is_fast(tmp_path: Path) -> None:
    row = {"id": "p1", "name": "N", "kind": "bank", **{f"k{i}": "v" for i in range(100_000)}}
    path = tmp_path / "parties.jsonl"
    path.write_text(json.dumps(row) + "\n", "utf-8")
    t0 = time.process_time()
    report = load(path, EmbeddedStore(tmp_path / "s.sqlite"), bounds=Bounds(max_columns=200_000))
    assert report.ok and time.process_time() - t0 < 10


def test_bounds_come_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAKEGRAPH_LOAD_MAX_COLUMNS", "2")
    monkeypatch.setenv("STAKEGRAPH_LOAD_MAX_ID_CHARS", "10")
    assert Bounds.from_settings() == Bounds(max_columns=2, max_id_chars=10)
    report = load(_wide_csv(tmp_path / "parties.csv", 0), EmbeddedStore(tmp_path / "s.sqlite"))
    assert "STAKEGRAPH_LOAD_MAX_COLUMNS" in str(report.errors[0])


def test_type_flip_is_refused_strict_and_reported_lenient(store: GraphStore, tmp_path: Path) -> None:
    load(CANONICAL, store)
    before = dump(store)
    (tmp_path / "projects.csv").write_text("id,name,country\nb_bank,Flipped,CN\np_new,New,CN\n", "utf-8")
    strict = load(tmp_path, store)
    assert [(e.row, e.column) for e in strict.errors] == [(2, "id")] and "already a party" in strict.errors[0].reason
    assert dump(store) == before
    lenient = load(tmp_path, store, mode="lenient")
    assert lenient.counts["project"]["created"] == 1 and lenient.counts["project"]["rejected"] == 1
    flipped = store.get_nodes(["b_bank"])[0]
    assert flipped is not None and flipped.type == "party"


def test_ownership_warnings_do_not_refuse(store: GraphStore, tmp_path: Path) -> None:
    load(CANONICAL, store)
    (tmp_path / "relationships.csv").write_text(
        "source_id,target_id,kind,share_pct\nb_bank,a_co,owns,60\nc_fund,a_co,owns,70\na_co,c_fund,controls,\n", "utf-8")
    report = load(tmp_path, store)
    assert report.ok and report.written
    assert any("a_co adds up to 130%" in w for w in report.warnings)
    assert any("cycle among a_co, c_fund" in w for w in report.warnings)


def test_guards_accept_ordinary_patterns_and_templates() -> None:
    for pattern in (r"^\d{4}-\d{2}-\d{2}$", r"(?i)bank|banco", r"^(foo|bar)+$", r"[A-Z]{2}\d+", r"^\s*$"):
        assert check_regex(pattern) == pattern
    for template in ("{a}-{b}", "{id:>8}", "{amount:,.2f}", "{名称}"):
        assert check_template(template) == template
    load_mapping("worldbank")  # the shipped mapping passes every guard


def test_quarantine_names_keep_sources_apart() -> None:
    names = {_source_name(x) for x in ("parties.csv", "a/parties.csv", "b/parties.csv", "book.xlsx#S 1",
                                       "book.xlsx#S_2")}
    assert names == {"parties", "a_parties", "b_parties", "book_S_1", "book_S_2"}

"""The canonical layout: numbers round-trip unchanged, provenance, idempotency, dry run, unload (both backends)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stakegraph.loaders import default_load_id, load, unload
from stakegraph.loaders.pipeline import collect_files
from stakegraph.model import edge_id
from stakegraph.store.base import GraphStore
from tests.loaders.helpers import CANONICAL, dump

pytestmark = pytest.mark.security  # proves requirements of docs/security.md (make check-security)

NUMERIC = {"total_assets", "capital", "replaceability", "annual_revenue", "capacity_mw", "total_cost", "amount",
           "cross_default_threshold", "bet_on_target", "bet_on_buyback", "share_pct", "tenor_years", "rate",
           "recovery_rate", "value", "severity"}


def _rows(name: str) -> list[dict[str, str]]:
    with open(CANONICAL / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_numbers_and_text_come_back_unchanged(store: GraphStore) -> None:
    report = load(CANONICAL, store)
    assert report.ok and report.written, [str(e) for e in report.errors]
    checked = 0
    for fname in ("parties.csv", "projects.csv", "contracts.csv", "signals.csv"):
        for row in _rows(fname):
            node = store.get_node(row["id"])
            assert node is not None, row["id"]
            for col, text in row.items():
                if col in ("id", "project_id") or not text:
                    continue
                got = node.props[col]
                if col in NUMERIC:
                    assert got == float(text), (row["id"], col)  # exact, no rounding
                elif col == "covenants":
                    assert list(got) == text.split(";")
                elif col == "gsib":
                    assert got is (text == "true")
                else:
                    assert got == text, (row["id"], col)
                checked += 1
    for row in _rows("relationships.csv"):
        rid = row["id"] or edge_id(row["kind"], row["source_id"], row["target_id"], row["ref"] or None)
        e = store.get_edge(rid)
        assert e is not None and (e.source, e.target, e.kind) == (row["source_id"], row["target_id"], row["kind"])
        for col in NUMERIC & set(row):
            if row[col]:
                assert e.props[col] == float(row[col]), (rid, col)
                checked += 1
    assert checked > 60
    # contract_for from contracts.project_id, involves/concerns from events
    assert store.get_edge(edge_id("contract_for", "k_bet_on_cd", "p_d_tech_line")) is not None
    assert store.get_edge(edge_id("involves", "i_1", "d_tech")) is not None
    assert store.get_edge(edge_id("concerns", "s_1", "b_bank")) is not None


def test_every_record_has_provenance(store: GraphStore) -> None:
    report = load(CANONICAL, store, load_id="L1")
    assert report.ok
    b = store.get_node("b_bank")
    assert b is not None and (b.props["source_file"], b.props["source_row"], b.props["load_id"]) == (
        "parties.csv", 2, "L1")
    for e in store.iter_edges():
        assert e.props["load_id"] == "L1" and e.props["source_file"] and e.props["source_row"] >= 2


def test_default_load_id_is_a_hash_of_contents_and_mapping(tmp_path: Path) -> None:
    files = collect_files([CANONICAL])
    assert default_load_id(files) == default_load_id(files)
    assert default_load_id(files) != default_load_id(files, "mapping text")
    copy = tmp_path / "c"
    copy.mkdir()
    for _, p in files:
        (copy / p.name).write_bytes(p.read_bytes())
    assert default_load_id(collect_files([copy])) == default_load_id(files)
    (copy / "parties.csv").write_bytes((copy / "parties.csv").read_bytes() + b"x_new,X,corporate\n")
    assert default_load_id(collect_files([copy])) != default_load_id(files)


def test_loading_twice_changes_nothing_and_unload_restores(store: GraphStore) -> None:
    store.write([], [])
    empty = store.counts()
    first = load(CANONICAL, store)
    after_first, dump_first = store.counts(), dump(store)
    assert first.total("created") == 27 and first.total("unchanged") == 0
    second = load(CANONICAL, store)
    assert second.load_id == first.load_id
    assert second.total("created") == 0 and second.total("updated") == 0 and second.total("unchanged") == 27
    assert store.counts() == after_first and dump(store) == dump_first
    stats = unload(first.load_id, store)
    assert stats.deleted == 27
    assert store.counts() == empty


def test_unload_restores_previous_counts_after_a_second_load(store: GraphStore, tmp_path: Path) -> None:
    load(CANONICAL, store, load_id="base")
    before = store.counts()
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "parties.csv").write_text("id,name,kind\nnew_1,New One,bank\nnew_2,New Two,corporate\n", "utf-8")
    (extra / "relationships.csv").write_text("source_id,target_id,kind,amount\nnew_1,a_co,lends_to,7\n", "utf-8")
    report = load(extra, store, load_id="extra")
    assert report.ok and report.total("created") == 3
    unload("extra", store)
    assert store.counts() == before


def test_dry_run_counts_without_writing(store: GraphStore, tmp_path: Path) -> None:
    before = dump(store)
    report = load(CANONICAL, store, dry_run=True)
    assert report.ok and not report.written
    assert report.total("created") == 27
    assert dump(store) == before
    load(CANONICAL, store)
    (tmp_path / "parties.csv").write_text(
        "id,name,kind,country\nb_bank,B银行,bank,HK\nnew_x,New,bank,CN\na_co,A公司,corporate,CN\n", "utf-8")
    loaded = dump(store)
    again = load(tmp_path, store, dry_run=True)
    assert again.counts["party"] == {"created": 1, "updated": 1, "unchanged": 1, "rejected": 0}
    assert dump(store) == loaded

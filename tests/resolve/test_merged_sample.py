"""Entity resolution on the merged-sources sample (data/merged): quality against the hand-labelled
truth, the headline number it moves (computed by hand below), idempotent re-loads, and splits that
give every source record back — on both backends."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from stakegraph.loaders.pipeline import load
from stakegraph.resolve.review import accept_proposals, decide, propose_in, split, status
from stakegraph.store.base import GraphStore
from stakegraph.workspace import Workspace

MERGED = Path(__file__).resolve().parents[2] / "data" / "merged"


def _truth_pairs() -> set[tuple[str, str]]:
    with (MERGED / "truth.csv").open(encoding="utf-8") as f:
        groups: dict[str, list[str]] = {}
        for row in csv.DictReader(f):
            groups.setdefault(row["entity"], []).append(row["source_id"])
    return {tuple(sorted(p)) for ids in groups.values() for p in itertools.combinations(ids, 2)}  # type: ignore[misc]


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    report = load(MERGED / "sources", store)
    assert not report.errors
    return store


def _hhi(ws: Workspace, node: str, graph: str | None = None) -> tuple[float, str]:
    ans = ws.run("concentration", node=node, kinds="lends_to", direction="in", graph=graph)
    return ans.result.hhi, ans.stamp.parameters["graph"]


def test_precision_and_recall_against_truth(loaded: GraphStore) -> None:
    truth = _truth_pairs()
    assert len(truth) == 9
    proposed = {(p.a, p.b) for p in propose_in(loaded, threshold=0.9)}
    tp = len(proposed & truth)
    precision, recall = tp / len(proposed), tp / len(truth)
    assert precision >= 0.95 and recall >= 0.9, (precision, recall, proposed ^ truth)
    # BOC Hong Kong is a different entity from Bank of China: never proposed with it, at any score
    boc, bochk = {"crm_boc", "lb_001", "wb_fin_1"}, {"crm_bochk", "wb_fin_2"}
    assert not [p for p in propose_in(loaded, threshold=0.0001) if {p.a, p.b} & boc and {p.a, p.b} & bochk]


def test_evidence_names_each_field(loaded: GraphStore) -> None:
    p = next(p for p in propose_in(loaded) if (p.a, p.b) == ("crm_boc", "wb_fin_1"))
    assert p.evidence[0].startswith("name: same name (bank of china | bank of china)")  # 中国银行 by its name_en
    assert p.evidence[2].startswith("lei: same (54930053HGCFWVHYZX42 | 54930053HGCFWVHYZX42)")
    assert (p.a_source, p.b_source) == ("parties_crm.csv", "parties_financiers.csv")


def test_resolving_moves_acme_lender_hhi_as_documented(loaded: GraphStore) -> None:
    ws = Workspace(loaded)
    # raw: the loan book's Acme record has two lenders, BOC 100m and ICBC 80m (USD)
    raw = (100 / 180) ** 2 * 1e4 + (80 / 180) ** 2 * 1e4
    assert _hhi(ws, "lb_101") == (pytest.approx(raw), "raw")  # no decision yet: raw by default
    assert raw == pytest.approx(5061.728, abs=1e-3)
    assert accept_proposals(loaded, propose_in(loaded), min_score=0.9) == 9
    # resolved: Acme (3 records) borrows 100m + 100m from Bank of China (3 records) and 80m from ICBC
    resolved = (200 / 280) ** 2 * 1e4 + (80 / 280) ** 2 * 1e4
    assert resolved == pytest.approx(5918.367, abs=1e-3)
    assert _hhi(ws, "lb_101") == (pytest.approx(resolved), "resolved")  # a member's id names its cluster
    assert _hhi(ws, "crm_acme") == (pytest.approx(resolved), "resolved")
    assert _hhi(ws, "lb_101", "raw") == (pytest.approx(raw), "raw")
    R = ws.resolved()
    boc = R.nodes["crm_boc"]
    assert boc["members"] == ["crm_boc", "lb_001", "wb_fin_1"]
    assert [(s["id"], s["source_file"], s["source_row"]) for s in boc["sources"]] == [
        ("crm_boc", "parties_crm.csv", 2), ("lb_001", "parties_loanbook.csv", 2),
        ("wb_fin_1", "parties_financiers.csv", 2)]
    assert boc["name"] == "Bank of China" and boc["lei"] == "54930053HGCFWVHYZX42"
    # edges re-pointed, every edge kept with its id (parallel loans stay distinct)
    assert R.number_of_edges() == ws.projection().number_of_edges() == 7
    assert sorted(k for _, _, k in R.out_edges("crm_boc", keys=True)) == [
        "lb_loan_1", "lb_loan_2", "lb_loan_3", "wb_loan_1", "wb_loan_2"]
    assert R.number_of_nodes() == 15 - 12 + 5  # 15 records; 12 of them in 5 clusters
    ws.close()


def test_accept_then_reload_changes_nothing(loaded: GraphStore) -> None:
    accept_proposals(loaded, propose_in(loaded), min_score=0.9)
    ws = Workspace(loaded)
    v, before = loaded.graph_version(), ws.resolved()
    nodes, edges = dict(before.nodes(data=True)), sorted(before.edges(keys=True))
    report = load(MERGED / "sources", loaded)
    assert not report.errors
    assert loaded.graph_version() == v  # the same records: nothing written
    assert accept_proposals(loaded, propose_in(loaded), min_score=0.9) == 0  # decided already
    after = ws.resolved()
    assert dict(after.nodes(data=True)) == nodes and sorted(after.edges(keys=True)) == edges
    ws.close()


def test_reject_and_split_give_every_record_back(loaded: GraphStore) -> None:
    accept_proposals(loaded, propose_in(loaded), min_score=0.9)
    ws = Workspace(loaded)
    raw = ws.projection()
    assert split(loaded, "lb_101") == 2  # its two accepted links become "split"
    R = ws.resolved()
    assert R.nodes["lb_101"] == raw.nodes["lb_101"]  # the loan book's record, intact, on its own again
    assert R.nodes["crm_acme"]["members"] == ["crm_acme", "wb_fin_3"]
    assert _hhi(ws, "lb_101") == (pytest.approx((100 / 180) ** 2 * 1e4 + (80 / 180) ** 2 * 1e4), "resolved")
    # rejecting every pair of the Bank of China cluster gives its three records back
    assert decide(loaded, [("crm_boc", "lb_001"), ("crm_boc", "wb_fin_1"), ("lb_001", "wb_fin_1")], "reject") == 3
    R = ws.resolved()
    for nid in ("crm_boc", "lb_001", "wb_fin_1"):
        assert R.nodes[nid] == raw.nodes[nid]
        assert sorted(k for *_, k in R.edges(nid, keys=True)) == sorted(k for *_, k in raw.edges(nid, keys=True))
    st = status(loaded)
    assert st.decisions == {"accept": 4, "reject": 3, "split": 2}
    assert [c[0] for c in st.clusters] == ["crm_acme", "crm_bochk", "crm_icbc", "crm_thar"]
    ws.close()

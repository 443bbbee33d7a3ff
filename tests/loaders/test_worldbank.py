"""The real World Bank data (shipped compressed in data/worldbank) through the shipped mapping, on both
backends: counts and the USD total match values computed here, independently, with the csv module."""

from __future__ import annotations

import csv
import lzma
import math
from pathlib import Path

import pytest

from stakegraph.loaders import load
from stakegraph.store.base import GraphStore

pytestmark = pytest.mark.slow
WORLDBANK = Path(__file__).resolve().parents[2] / "data" / "worldbank"


def _expected(wb: Path) -> dict[str, object]:
    with lzma.open(wb / "all_proj_financiers_2025.csv.xz", "rt", encoding="utf-8", newline="") as f:
        fin = list(csv.DictReader(f))
    with lzma.open(wb / "all_projects_as_of31mar2025.csv.xz", "rt", encoding="utf-8", newline="") as f:
        proj = list(csv.DictReader(f))
    positive = [r for r in fin if r["amount_usd"].strip() and float(r["amount_usd"]) > 0]
    zero_rows = [i + 2 for i, r in enumerate(fin) if not r["amount_usd"].strip() or float(r["amount_usd"]) == 0]
    agencies = {" ".join(r["impagency"].split()).casefold() for r in proj if r["impagency"].strip()}
    return {
        "financiers": len({r["financer_id"] for r in fin}),
        "agencies": len(agencies),
        "projects": len({r["id"] for r in proj}),
        "lends_to": len({(r["project_id"], r["financer_id"]) for r in positive}),
        "partner_of": sum(1 for r in proj if r["impagency"].strip()),
        "total_usd": math.fsum(float(r["amount_usd"]) for r in positive),
        "zero_rows": zero_rows,
    }


def test_worldbank_loads_with_counts_and_total_matching_the_csv(store: GraphStore) -> None:
    wb = WORLDBANK
    exp = _expected(wb)
    report = load(wb, store, mapping="worldbank", batch_size=10_000)
    assert report.ok, [str(e) for e in report.errors[:5]]
    counts = store.counts()
    assert counts["nodes"]["party"] == exp["financiers"] + exp["agencies"]  # type: ignore[operator]
    assert counts["nodes"]["project"] == exp["projects"]
    assert counts["edges"]["lends_to"] == exp["lends_to"]
    assert counts["edges"]["partner_of"] == exp["partner_of"]
    amounts = [e.props["amount"] for e in store.iter_edges(["lends_to"])]
    assert all(a > 0 for a in amounts)
    assert math.fsum(amounts) == pytest.approx(exp["total_usd"], rel=1e-12)
    assert {e.props["currency"] for e in store.iter_edges(["lends_to"])} == {"USD"}
    # empty/zero amounts are reported with their rows, never invented
    zero = [s for s in report.skipped if s.reason == "amount_usd is empty or zero"]
    assert sorted(s.row for s in zero) == exp["zero_rows"] and zero[0].file == "all_proj_financiers_2025.csv.xz"
    gef = store.get_node("wb_fin_GEFU")
    assert gef is not None and gef.props["kind"] == "multilateral_agency"
    p = store.get_node("P000001")
    assert p is not None and p.props["country"] == "Africa" and p.props["start_date"] == "1995-09-14"
    kinds = {n.props["kind"] for n in store.iter_nodes(["party"]) if n.id.startswith("wb_ia_")}
    assert kinds == {"government", "other"}
    # a second run changes nothing
    again = load(wb, store, mapping="worldbank", batch_size=10_000)
    assert again.total("created") == again.total("updated") == 0
    assert store.counts() == counts

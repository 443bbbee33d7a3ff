"""The audit's bounds for large books: over time at year ends (said on the page and in the JSON), the
dependency drawing capped (said on the page), the JSON lean (no repeated stamps) and streamed."""

from __future__ import annotations

import io
import json
from typing import Any

import networkx as nx
import pytest

from stakegraph import audit as audit_mod
from stakegraph.analyses import answer, get
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.viz import audit as audit_view


@pytest.fixture(scope="module")
def report(sample_graph: nx.MultiDiGraph) -> audit_mod.AuditReport:
    return audit_mod.build_audit(sample_graph)


def test_the_sample_is_not_bounded(report: audit_mod.AuditReport) -> None:
    ot = report.over_time
    assert ot is not None and ot.note is None and ot.period == audit_mod.TREND_PERIOD
    assert [t.measure for t in ot.trends] == list(audit_mod.TREND_MEASURES)


def test_over_time_above_the_bound_is_yearly_and_says_so(sample_graph: nx.MultiDiGraph,
                                                         report: audit_mod.AuditReport) -> None:
    answers: dict[str, Any] = {}
    day = audit_mod.dt.date.fromisoformat(report.as_of)
    ot = audit_mod.over_time(sample_graph, answers, day, full_max_edges=10)
    assert ot.period == audit_mod.TREND_LARGE_PERIOD == "year"
    assert [t.measure for t in ot.trends] == list(audit_mod.TREND_LARGE_MEASURES)
    assert ot.note is not None and "year ends" in ot.note and "cut_points" in ot.note
    assert all(len(t.rows) <= audit_mod.TREND_YEARS + 1 for t in ot.trends)
    # still the catalogue's answers, for the parameters the bound chose
    for m in audit_mod.TREND_LARGE_MEASURES:
        params = {"measure": m, "period": "year", "from_date": ot.from_date, "to_date": ot.to_date}
        assert to_jsonable(answers[f"trend {m}"].result) == to_jsonable(answer(sample_graph, get("trend"),
                                                                               params).result)
    html = audit_view.over_time_parts(sample_graph, ot)
    assert any("Bounded for a large book" in str(part) for part in html)
    assert to_jsonable(ot)["note"] == ot.note


def test_dependency_drawing_is_capped_and_says_so(sample_graph: nx.MultiDiGraph, report: audit_mod.AuditReport,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    full = next(g for g in audit_view.audit_page(sample_graph, report).graphs if g.id == "deps")
    assert len(full.nodes) > 3 and not any("Drawn: the first" in n for n in full.notes)
    monkeypatch.setattr(audit_view, "DRAW_MAX_NODES", 3)
    page = audit_view.audit_page(sample_graph, report)
    deps = next(g for g in page.graphs if g.id == "deps")
    assert 0 < len(deps.nodes) <= 3
    assert any(n.startswith("Drawn: the first 3 of ") for n in deps.notes)
    assert "Drawn: the first 3 of " in page.render()
    assert report.central.rows[0].impact.node in {n["id"] for n in deps.nodes}  # the most central first


def test_json_is_lean_and_streamed(report: audit_mod.AuditReport) -> None:
    data = audit_mod.audit_json(report)
    central = data["central_dependencies"]
    assert central["stamp"] and central["rows"]
    assert all("stamp" not in row["impact"] for row in central["rows"])  # its table's stamp, not repeated
    buf = io.StringIO()
    written = audit_mod.write_audit_json(report, buf)
    assert written == len(buf.getvalue())
    assert json.loads(buf.getvalue()) == json.loads(json.dumps(data, ensure_ascii=False, default=str))
    full = to_jsonable(report.central)  # nothing but the repeated stamps left out
    for row, lean in zip(full["rows"], central["rows"], strict=True):
        assert row["impact"].pop("stamp") == full["stamp"]
        assert row == lean


def test_json_streamed_item_by_item_is_the_text_of_each_section(report: audit_mod.AuditReport) -> None:
    data = audit_mod.audit_json(report)
    assert data["groups"]["groups"] and data["large_exposures"]  # the two sections written item by item
    want = "{" + ",".join(f"\n{json.dumps(k)}: {json.dumps(v, ensure_ascii=False, default=str)}"
                          for k, v in data.items()) + "\n}\n"
    buf = io.StringIO()
    assert audit_mod.write_audit_json(report, buf) == len(want)
    assert buf.getvalue() == want
    pretty = io.StringIO()
    audit_mod.write_audit_json(report, pretty, indent=2)
    assert json.loads(pretty.getvalue()) == json.loads(want)


def test_large_exposures_give_a_groups_size_not_its_members(report: audit_mod.AuditReport) -> None:
    data = audit_mod.audit_json(report)
    groups = {g["id"]: g for g in data["groups"]["groups"]}
    rows = [x for e in data["large_exposures"] for key in ("reportable", "largest") for x in e[key]]
    assert rows and any(x["group_id"] in groups for x in rows)
    for x in rows:
        if x["group_id"] in groups:
            assert "members" not in x and x["member_count"] == len(groups[x["group_id"]]["members"])
        else:
            assert x["members"]

"""Relationship health: the documented worked example by hand, each factor, scopes, tuning, alerts, CLI."""

from __future__ import annotations

import dataclasses
import doctest
import json
from typing import Any

import pytest

import stakegraph.analytics.health as health_mod
from stakegraph.analytics.health import (
    HealthWeights,
    relationship_alerts,
    relationship_health,
    to_date,
)
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.errors import NotFound, ValidationError
from stakegraph.model import EdgeRecord, NodeRecord
from tests.analytics import build, run_cli

AS_OF = "2026-01-01"


def test_docstring_examples_run() -> None:
    result = doctest.testmod(health_mod)
    assert result.attempted > 0 and result.failed == 0


def worked_example(extra_nodes: dict | None = None, extra_edges: list | None = None):
    nodes = {
        "bank": {"type": "party", "kind": "bank"},
        "a_co": {"type": "party", "kind": "corporate"},
        "person": {"type": "party", "kind": "person"},
        "sig_delay": {"type": "signal", "kind": "payment_delay", "date": "2025-01-01", "party_id": "a_co",
                      "relationship_id": "loan", "value": 45.0},
        "sig_mgmt": {"type": "signal", "kind": "management_change", "date": "2026-01-01", "party_id": "a_co"},
        "meet": {"type": "interaction", "kind": "meeting", "date": "2025-10-03", "party_id": "bank",
                 "counterparty_id": "a_co"},
        **(extra_nodes or {}),
    }
    edges = [("bank", "lends_to", "a_co", {"id": "loan", "amount": 500.0}),
             ("person", "contact_of", "a_co", {"role": "relationship_manager"}), *(extra_edges or [])]
    return build(nodes, edges)


def test_worked_example_by_hand() -> None:
    h = relationship_health(worked_example(), as_of=AS_OF).of("loan")
    # payment delay: 25 points x (45/90) x 0.5^(365/365) on the relationship = 6.25
    # management change at the borrower today: 10 x 1 x 1 x party factor 0.5 = 5
    # one meeting 90 days ago: warmth 0.5^(90/90) = 0.5 -> 15 x (1 - 0.5/4) = 13.125
    # one contact person: 5
    expected = {"payment_delay": 6.25, "management_change": 5.0, "no_interaction": 13.125, "single_threaded": 5.0}
    assert {c.factor: c.points for c in h.contributions} == pytest.approx(expected)
    assert h.score == pytest.approx(100 - 29.375) == pytest.approx(70.625)
    assert [c.factor for c in h.contributions] == ["no_interaction", "payment_delay", "management_change",
                                                   "single_threaded"]
    assert h.interactions == 1 and h.days_since_interaction == 90 and h.contacts == 1
    delay = next(c for c in h.contributions if c.factor == "payment_delay")
    assert (delay.scope, delay.magnitude, delay.decay, delay.signal_id) == ("relationship", 0.5, 0.5, "sig_delay")
    assert h.score == pytest.approx(70.625)


def test_tuned_weights_change_the_score() -> None:
    w = dataclasses.replace(HealthWeights(), payment_delay=50.0, party_scope_factor=1.0, single_threaded=0.0)
    h = relationship_health(worked_example(), as_of=AS_OF, weights=w).of("loan")
    assert h.score == pytest.approx(100 - (12.5 + 10 + 13.125))
    assert relationship_health(worked_example(), as_of=AS_OF).stamp.parameters["weights"]["payment_delay"] == 25.0


def test_events_after_as_of_are_ignored() -> None:
    h = relationship_health(worked_example(), as_of="2025-12-31").of("loan")
    assert "management_change" not in {c.factor for c in h.contributions}
    with pytest.raises(ValidationError, match="ISO date"):
        relationship_health(worked_example(), as_of="31/12/2025")
    assert to_date("2026-01-01T10:00:00") == to_date(AS_OF)


def test_scopes_pair_and_contract() -> None:
    G = worked_example(
        {"other": {"type": "party", "kind": "bank"},
         "k1": {"type": "contract", "kind": "loan_agreement"},
         "s_pair": {"type": "signal", "kind": "dispute", "date": AS_OF, "party_id": "a_co",
                    "counterparty_id": "other", "severity": 0.5},
         "s_k": {"type": "signal", "kind": "missed_milestone", "date": AS_OF, "party_id": "a_co",
                 "relationship_id": "k1"}},
        [("other", "lends_to", "a_co", {"id": "loan2", "amount": 1.0, "contract_id": "k1"})])
    h2 = relationship_health(G, as_of=AS_OF).of("loan2")
    by = {c.factor: c for c in h2.contributions}
    assert by["dispute"].points == pytest.approx(20 * 0.5) and by["dispute"].scope == "pair"
    assert by["missed_milestone"].points == pytest.approx(15.0) and by["missed_milestone"].scope == "relationship"
    assert by["management_change"].scope == "party"  # the party-wide signal reaches every relationship
    h1 = relationship_health(G, as_of=AS_OF).of("loan")
    assert "dispute" not in {c.factor for c in h1.contributions}


def test_order_volume_rise_costs_nothing_and_fall_is_capped() -> None:
    G = worked_example({
        "up": {"type": "signal", "kind": "order_volume_change", "date": AS_OF, "party_id": "a_co",
               "relationship_id": "loan", "value": 12.0},
        "down": {"type": "signal", "kind": "order_volume_change", "date": AS_OF, "party_id": "a_co",
                 "relationship_id": "loan", "value": -80.0},
    })
    cs = [c for c in relationship_health(G, as_of=AS_OF).of("loan").contributions if c.factor == "order_volume_change"]
    assert len(cs) == 1 and cs[0].signal_id == "down" and cs[0].points == pytest.approx(20.0)


def test_interactions_via_involves_edges_and_warmth_target() -> None:
    nodes: dict[str, Any] = {"bank": "party", "a_co": "party"}
    edges: list[tuple[Any, ...]] = [("bank", "lends_to", "a_co", {"id": "loan"})]
    for i in range(4):
        nodes[f"i{i}"] = {"type": "interaction", "kind": "call", "date": AS_OF}
        edges += [(f"i{i}", "involves", "bank"), (f"i{i}", "involves", "a_co")]
    h = relationship_health(build(nodes, edges), as_of=AS_OF).of("loan")
    assert h.score == 100.0 and h.warmth == pytest.approx(4.0) and h.contributions == ()


def test_score_clipped_at_zero_and_ended_excluded() -> None:
    nodes: dict[str, Any] = {"bank": "party", "a_co": "party"}
    for i, kind in enumerate(("funds_diverted", "statement_irregularity", "loan_recall", "contract_termination")):
        nodes[f"s{i}"] = {"type": "signal", "kind": kind, "date": AS_OF, "party_id": "a_co",
                          "relationship_id": "loan"}
    G = build(nodes, [("bank", "lends_to", "a_co", {"id": "loan", "status": "recalled"}),
                      ("bank", "lends_to", "a_co", {"id": "old", "status": "ended"})])
    r = relationship_health(G, as_of=AS_OF)
    assert r.of("loan").score == 0.0
    with pytest.raises(NotFound, match="no scored relationship"):
        r.of("old")
    assert "old" in {x.edge_id for x in relationship_health(G, as_of=AS_OF, include_ended=True).relationships}


def test_alerts_ranked_with_reasons() -> None:
    G = worked_example(
        {"c2": {"type": "party"},
         "fd": {"type": "signal", "kind": "funds_diverted", "date": AS_OF, "party_id": "c2", "relationship_id": "l2"}},
        [("bank", "lends_to", "c2", {"id": "l2"})])
    a = relationship_alerts(G, as_of=AS_OF, threshold=75)
    assert [x.edge_id for x in a.alerts] == ["l2", "loan"]  # 55 < 70.625
    assert a.alerts[0].rank == 1 and a.alerts[0].score == pytest.approx(55.0)
    assert a.alerts[0].reasons[0].startswith("funds diverted")
    assert relationship_alerts(G, as_of=AS_OF, threshold=60).alerts[0].edge_id == "l2"
    assert len(relationship_alerts(G, as_of=AS_OF, threshold=75, top=1).alerts) == 1
    assert to_jsonable(a)["stamp"]["parameters"]["threshold"] == 75


def test_cli_health(tmp_path, monkeypatch) -> None:
    from stakegraph.store import EmbeddedStore

    G = worked_example()
    nodes = [NodeRecord(n, d["type"], {k: v for k, v in d.items() if k not in ("type", "id")})
             for n, d in G.nodes(data=True)]
    edges = [EdgeRecord(k, d["kind"], u, v, {x: y for x, y in d.items() if x not in ("kind", "id")})
             for u, v, k, d in G.edges(keys=True, data=True)]
    with EmbeddedStore(tmp_path / "stakegraph.sqlite") as s:
        s.write(nodes, edges)
    out = json.loads(run_cli(monkeypatch, tmp_path, "health", "--as-of", AS_OF, "--threshold", "80", "--json").output)["result"]
    assert out["alerts"][0]["edge_id"] == "loan" and out["alerts"][0]["score"] == pytest.approx(70.625)
    assert "payment delay" in run_cli(monkeypatch, tmp_path, "health", "--as-of", AS_OF, "--threshold", "80").output
    detail = run_cli(monkeypatch, tmp_path, "health-detail", "loan", "--as-of", AS_OF).output
    assert "70.6" in detail and "single_threaded" in detail
    allrows = json.loads(run_cli(monkeypatch, tmp_path, "health-scores", "--as-of", AS_OF, "--json").output)["result"]
    assert allrows["relationships"][0]["score"] == pytest.approx(70.625)


def test_only_current_contacts_count() -> None:
    ended = worked_example({"p2": {"type": "party", "kind": "person"}},
                           [("p2", "contact_of", "a_co", {"status": "ended", "end_date": "2025-06-01"})])
    assert relationship_health(ended, as_of=AS_OF).of("loan").contacts == 1  # still single-threaded
    second = worked_example({"p2": {"type": "party", "kind": "person"}},
                            [("p2", "contact_of", "a_co", {"start_date": "2025-06-01"})])
    h = relationship_health(second, as_of=AS_OF).of("loan")
    assert h.contacts == 2 and h.score == pytest.approx(70.625 + 5)

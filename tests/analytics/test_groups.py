"""Connected counterparties (LEX10) and large exposures (LEX20/30): hand-computed cases."""

from __future__ import annotations

from typing import Any

import pytest

from stakegraph.analytics.groups import (
    connected_groups,
    control_links,
    interdependence_links,
    large_exposures,
    ultimate_owners,
)
from stakegraph.errors import NotFound, ValidationError
from tests.analytics import build


def members(result) -> list[tuple[str, ...]]:
    return sorted(g.member_ids for g in result.groups)


def test_three_link_chain_of_60_percent_is_one_group() -> None:
    # effective interest top -> d is 0.6^3 = 21.6%, but each link is > 50%: control is transitive
    G = build({n: "party" for n in "abcd"},
              [("a", "owns", "b", {"share_pct": 60}), ("b", "owns", "c", {"share_pct": 60}),
               ("c", "owns", "d", {"share_pct": 60})])
    r = connected_groups(G)
    assert members(r) == [("a", "b", "c", "d")]
    g = r.groups[0]
    assert g.parents == ("a",) and g.id == "group:a"
    assert {m.id: [(lk.source, lk.target, lk.basis) for lk in m.links] for m in g.members}["d"] == [("c", "d", "owns")]
    assert ultimate_owners(G) == {"b": "a", "c": "a", "d": "a"}
    assert r.group_of["d"] == "group:a"


def test_exactly_50_percent_is_not_control() -> None:
    G = build({n: "party" for n in "abc"},
              [("a", "owns", "b", {"share_pct": 50}), ("c", "owns", "b", {"share_pct": 50})])
    assert connected_groups(G).groups == ()
    assert ultimate_owners(G) == {}
    assert members(connected_groups(G, control_threshold=49.9)) == [("a", "b", "c")]


def test_controls_edge_and_aggregated_holdings() -> None:
    G = build({n: "party" for n in ("x", "b", "y", "z", "w")},
              [("x", "owns", "b", {"share_pct": 70}),
               ("x", "owns", "y", {"share_pct": 30}), ("b", "owns", "y", {"share_pct": 30}),
               ("w", "controls", "z")])
    links = {(lk.source, lk.target): lk for lk in control_links(G)}
    assert links[("x", "y")].basis == "aggregate_ownership" and links[("x", "y")].value == pytest.approx(60)
    assert links[("w", "z")].basis == "controls"
    assert members(connected_groups(G)) == [("b", "x", "y"), ("w", "z")]


def test_aggregation_through_a_chain_and_no_double_count_of_direct_control() -> None:
    # t holds 20% of y, controls m (55%) which controls n (80%); m 20% and n 15% of y -> t: 55% of y
    G = build({n: "party" for n in ("t", "m", "n", "y", "k")},
              [("t", "owns", "m", {"share_pct": 55}), ("m", "owns", "n", {"share_pct": 80}),
               ("t", "owns", "y", {"share_pct": 20}), ("m", "owns", "y", {"share_pct": 20}),
               ("n", "owns", "y", {"share_pct": 15}), ("k", "owns", "y", {"share_pct": 45})])
    links = {(lk.source, lk.target): lk for lk in control_links(G)}
    assert links[("t", "y")].value == pytest.approx(55)
    assert ("m", "y") not in links  # m with n holds only 35%
    assert ("k", "y") not in links
    assert members(connected_groups(G)) == [("m", "n", "t", "y")]


def test_interdependence_at_50_percent_is_yes_below_is_no() -> None:
    G = build({"s": {"type": "party", "annual_revenue": 200.0}, "c": "party", "d": "party"},
              [("c", "buys_from", "s", {"annual_revenue": 100}),     # exactly 50% of s's revenue
               ("d", "buys_from", "s", {"annual_revenue": 99.98})])  # 49.99%
    links = interdependence_links(G)
    assert [(lk.source, lk.target, lk.value) for lk in links] == [("c", "s", pytest.approx(50))]
    assert members(connected_groups(G)) == [("c", "s")]


def test_receipts_from_share_column_sum_of_edges_offtake_and_supplies() -> None:
    G = build({"s": "party", "c": "party", "o": "party", "p": "project", "buyer": "party",
               "sup": {"type": "party", "annual_revenue": 10.0}, "nofig": "party"},
              [("c", "buys_from", "s", {"revenue_share_pct": 60}),
               ("o", "offtakes", "p", {"annual_revenue": 10}),          # the project's only receipts
               ("sup", "supplies", "buyer", {"annual_revenue": 5}),     # half the supplier's revenue
               ("buyer", "buys_from", "s", {"annual_revenue": 1}),
               ("buyer", "buys_from", "nofig", {"annual_revenue": 1})])  # no revenue figure: not tested
    got = {(lk.source, lk.target) for lk in interdependence_links(G)}
    assert got == {("c", "s"), ("o", "p"), ("buyer", "sup")}


def test_guarantee_covering_half_the_debt() -> None:
    G = build({"g": "party", "ob": "party", "b1": "party", "b2": "party", "g2": "party", "ob2": "party"},
              [("b1", "lends_to", "ob", {"amount": 60}), ("b2", "lends_to", "ob", {"amount": 40}),
               ("g", "guarantees", "ob", {"amount": 50}),                  # 50 / 100 = 50%
               ("g2", "guarantees", "ob2", {"guaranteed_share_of_debt": 30})])
    links = interdependence_links(G)
    assert [(lk.source, lk.target, lk.basis, lk.value) for lk in links] == [("g", "ob", "guarantee", 50.0)]
    r = connected_groups(G)
    assert members(r) == [("g", "ob")]
    # lenders are not grouped with their borrower
    assert "b1" not in r.group_of


def test_inactive_ownership_ignored_and_threshold_checked() -> None:
    G = build({"a": "party", "b": "party"}, [("a", "owns", "b", {"share_pct": 90, "status": "ended"})])
    assert connected_groups(G).groups == ()
    with pytest.raises(ValidationError):
        connected_groups(G, control_threshold=150)


def bank_book():
    nodes: dict[str, Any] = {
        "bank": {"type": "party", "kind": "bank", "tier1_capital": 100.0, "gsib": True},
        "h": "party", "s": "party", "solo": "party", "ten": "party",
        "gs": {"type": "party", "kind": "bank", "gsib": True}, "p": "project",
    }
    nodes.update({f"m{i}": "party" for i in range(25)})
    edges = [
        ("h", "owns", "s", {"share_pct": 80}),
        ("bank", "lends_to", "h", {"amount": 15, "currency": "USD"}),
        ("bank", "guarantees", "s", {"amount": 12, "currency": "USD"}),     # group h: 27% > 25%: breach
        ("bank", "lends_to", "solo", {"amount": 25}),                       # exactly 25%: no breach
        ("bank", "lends_to", "ten", {"amount": 10}),                        # exactly 10%: reportable
        ("bank", "lends_to", "gs", {"amount": 16}),                         # G-SIB to G-SIB: 16% > 15%
        ("bank", "lends_to", "p", {"amount": 99, "status": "repaid"}),      # inactive
        ("bank", "lends_to", "h", {"ref": "undrawn"}),                      # no amount: skipped
    ]
    edges += [("bank", "lends_to", f"m{i}", {"amount": 1 + i / 100}) for i in range(25)]
    return build(nodes, edges)


def test_large_exposures_hand_computed() -> None:
    G = bank_book()
    r = large_exposures(G, "bank")
    by = {e.group_id: e for e in r.reportable}
    assert set(by) == {"group:h", "solo", "ten", "gs"}
    h = by["group:h"]
    assert h.amount == 27 and h.pct_tier1 == pytest.approx(27) and h.breach and h.limit_pct == 25
    assert h.members == ("h", "s") and h.by_kind == {"guarantees": 12.0, "lends_to": 15.0}
    assert h.currencies == ("USD",)
    assert not by["solo"].breach and by["solo"].reportable
    assert by["ten"].reportable and not by["ten"].breach
    assert by["gs"].limit_pct == 15 and by["gs"].breach
    assert r.breaches == ("group:h", "gs")
    assert len(r.largest) == 20 and r.largest[0].group_id == "group:h"
    assert [e.amount for e in r.largest] == sorted((e.amount for e in r.largest), reverse=True)
    expected_total = 27 + 25 + 10 + 16 + sum(1 + i / 100 for i in range(25))
    assert r.total_exposure == pytest.approx(expected_total)
    assert "LEX" in r.stamp.reference


def test_large_exposures_needs_tier1() -> None:
    G = bank_book()
    with pytest.raises(ValidationError, match="tier1_capital"):
        large_exposures(G, "h")
    with pytest.raises(NotFound):
        large_exposures(G, "nobody")


def test_cli_groups_and_exposures(tmp_path, monkeypatch) -> None:
    import json

    from tests.analytics import run_cli, seed_cli_store

    seed_cli_store(tmp_path)
    groups = json.loads(run_cli(monkeypatch, tmp_path, "groups", "--json").output)["result"]
    assert [g["id"] for g in groups["groups"]] == ["group:tech_cust_1"]
    assert "owns 60%" in run_cli(monkeypatch, tmp_path, "groups").output
    exp = json.loads(run_cli(monkeypatch, tmp_path, "exposures", "bank", "--json").output)["result"]
    assert exp["breaches"] == ["p1"] and exp["reportable"][1]["pct_tier1"] == pytest.approx(12)
    assert "BREACH" in run_cli(monkeypatch, tmp_path, "exposures", "bank").output

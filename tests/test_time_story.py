"""The bundled sample's stories over time, as `stakegraph analyze trend`, GraphQL `trend` and `stakegraph diff`
show them (docs/money-and-time.md, "The sample's story over time").

Expected figures are computed here by hand from the scenario's declared values and dates
(src/stakegraph/samples/scenarios.py), not read back from the analytics.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stakegraph.loaders import load
from stakegraph.samples.sample import DEFAULT_DIR as SAMPLE
from stakegraph.samples.scenarios import (
    A_RECALL,
    MGMT_CUSTOMERS,
    MGMT_ORDERS,
    TECH_LOST,
    TECH_LOST_END,
    TECH_LOST_WON,
    TECH_SMALL,
    TECH_TOP5,
    TECH_WON,
)
from stakegraph.store import EmbeddedStore

YEAR_ENDS = [f"{y}-12-31" for y in range(2018, 2026)] + ["2026-06-30"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("time_story")
    with EmbeddedStore(d / "stakegraph.sqlite") as store:
        store.ensure_schema()
        load(SAMPLE, store)
    yield d


def _cli(data_dir: Path, *args: str) -> dict[str, Any]:
    from stakegraph.cli.main import app

    env = {"STAKEGRAPH_DATA_DIR": str(data_dir), "STAKEGRAPH_NEO4J_URI": None}
    res = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert res.exit_code == 0, res.output
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def tech_customers_on(day: str) -> list[int]:
    """tech_co's customers' yearly purchases on ``day`` by hand: won on or before it, the lost one until it left."""
    top = [v for v, won in zip(TECH_TOP5, TECH_WON, strict=True) if won <= day]
    small = [v for i, v in enumerate(TECH_SMALL, 6) if f"{2016 + i % 2}-{1 + i % 12:02d}-01" <= day]
    lost = [TECH_LOST] if TECH_LOST_WON <= day <= TECH_LOST_END else []
    return sorted(top + small + lost, reverse=True)


def hand_cr5(day: str) -> float:
    v = tech_customers_on(day)
    return 100 * sum(v[:5]) / sum(v)


def test_hand_figures_rise_to_86_76() -> None:
    got = [round(hand_cr5(d), 2) for d in YEAR_ENDS]
    assert got == [71.24, 80.08, 82.91, 82.91, 85.29, 85.29, 86.76, 86.76, 86.76]


def test_cli_trend_shows_tech_co_cr5_rising_to_86_76_with_crossings_flagged(data_dir: Path) -> None:
    out = _cli(data_dir, "analyze", "trend", "tech_co", "--measure", "cr_k", "--period", "year",
               "--from", "2018-12-31", "--to", "2026-06-30")
    rows = out["result"]["rows"]
    assert [r["period_end"] for r in rows] == YEAR_ENDS
    values = [r["value"] for r in rows]
    assert values == pytest.approx([hand_cr5(d) for d in YEAR_ENDS], abs=1e-9)
    assert all(a <= b + 1e-9 for a, b in zip(values, values[1:], strict=False))  # rising, never falling
    assert values[-1] == pytest.approx(86.76, abs=1e-9)  # the textbook figure, exactly
    flags = {r["period_end"]: " ; ".join(r["flags"]) for r in rows}
    # each key customer won crosses the 10% major-customer line in the year it is won
    assert "tech_cust_lost crossed the 10% major line" in flags["2019-12-31"]
    assert "tech_cust_3 crossed the 10% major line" in flags["2020-12-31"]
    assert "tech_cust_2 crossed the 10% major line" in flags["2022-12-31"]
    assert "tech_cust_1 crossed the 10% major line" in flags["2024-12-31"]
    assert "HHI crossed 1,800" in flags["2026-06-30"]  # the lost customer leaves: highly concentrated
    assert flags["2021-12-31"] == "" and flags["2023-12-31"] == ""  # nothing won, nothing crossed


def test_graphql_trend_tells_the_same_story(data_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from stakegraph.settings import Settings
    from stakegraph.web.app import create_app

    store = EmbeddedStore(data_dir / "stakegraph.sqlite")
    settings = Settings(_env_file=None, data_dir=data_dir, neo4j_uri=None)  # type: ignore[call-arg]
    q = ('{ trend(node: "tech_co", measure: CR_K, period: YEAR, fromDate: "2018-12-31", toDate: "2026-06-30") '
         '{ result { rows { periodEnd value flags } flagged } } }')
    try:
        with TestClient(create_app(settings, store)) as client:
            body = client.post("/graphql", json={"query": q}).json()
    finally:
        store.close()
    assert "errors" not in body, body
    result = body["data"]["trend"]["result"]
    assert [r["periodEnd"] for r in result["rows"]] == YEAR_ENDS
    assert [r["value"] for r in result["rows"]] == pytest.approx([hand_cr5(d) for d in YEAR_ENDS], abs=1e-9)
    assert result["flagged"] >= 5


def test_diff_lists_a_co_recalled_lending_as_ended(data_dir: Path) -> None:
    out = _cli(data_dir, "diff", "--from", "2022-12-31", "--to", "2023-12-31", "--kinds", "lends_to")
    ended = {c["edge_id"]: c for c in out["result"]["ended"]}
    line = ended["r_ab_credit_line"]  # B Bank's credit line to A Co., cancelled on the recall
    assert (line["source"], line["target"], line["end_date"], line["status"]) == ("b_bank", "a_co", A_RECALL,
                                                                                  "cancelled")
    signals = {s["id"]: s for s in out["result"]["signals"]}
    assert signals["s_a_loan_recall"]["date"] == A_RECALL  # the dated event beside the end_date
    assert {"s_a_funds_diverted", "s_a_statement_irregularity", "s_a_payment_delay"} - set(signals) == {
        "s_a_funds_diverted"}  # diverted 2022-09-30: before this window
    assert "r_ab_loan" not in ended  # the recalled 500,000 is still owed


def test_orders_fall_after_the_management_change(data_dir: Path) -> None:
    days = ["2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"]
    out = _cli(data_dir, "analyze", "trend", "mgmt_client", "--measure", "counterparties", "--kinds", "buys_from",
               "--from", "2025-06-30", "--to", "2026-06-30")
    by_hand = [sum(1 for _, _, since, left in MGMT_CUSTOMERS if since <= d and (left is None or left >= d))
               for d in days]
    assert by_hand == [6, 6, 6, 5, 4]
    assert [(r["period_end"], r["value"]) for r in out["result"]["rows"]] == list(zip(days, by_hand, strict=True))
    d = _cli(data_dir, "diff", "--from", "2025-09-30", "--to", "2026-06-30")
    assert {"r_mgmt_cust_2", "r_mgmt_cust_5"} <= {c["edge_id"] for c in d["result"]["ended"]}
    signals = [s for s in d["result"]["signals"] if s["party"] == "mgmt_client"]
    change = next(s for s in signals if s["kind"] == "management_change")
    assert change["date"] == "2025-11-17"  # the new CEO
    after = [s for s in signals if s["kind"] == "order_volume_change"]
    want = [(sid, date, pct) for sid, date, pct, _ in MGMT_ORDERS if date > change["date"]]
    assert [(s["id"], s["date"], s["value"]) for s in sorted(after, key=lambda s: s["date"])] == want
    assert all(pct < 0 for _, _, pct in want) and len(want) == 3  # every quarter after the change: down


def test_audit_json_carries_the_change_over_time(data_dir: Path) -> None:
    data = _cli(data_dir, "audit")
    ot = data["over_time"]
    assert (ot["period"], ot["from_date"], ot["to_date"], ot["currency"]) == ("quarter", "2024-06-30", "2026-06-30",
                                                                              "USD")
    assert [t["measure"] for t in ot["trends"]] == ["hhi", "cr_k", "exposure", "counterparties", "cut_points"]
    ends = ["2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31",
            "2026-03-31", "2026-06-30"]
    assert all([r["period_end"] for r in t["rows"]] == ends for t in ot["trends"])
    assert (ot["diff"]["from_date"], ot["diff"]["to_date"]) == ("2026-03-31", "2026-06-30")
    # mgmt_client's customer 5 left on 2026-05-29: in the last quarter's diff
    assert "r_mgmt_cust_5" in {c["edge_id"] for c in ot["diff"]["ended"]}

"""The bundled sample (data/sample) and the scale generator: determinism, breadth, scenarios, validity.

Every number is checked against an independent reference: the CR-5 with exact
decimal arithmetic on the file text (and again through the analytics on the
loaded graph), counts by recounting the CSV rows, validity through
``stakegraph.validate`` and the domain's declared endpoint types.
"""

from __future__ import annotations

import csv
import statistics
import tracemalloc
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stakegraph.domain import DOMAIN, ORG_TYPES
from stakegraph.samples import GenerateError, SampleMismatch, check_sample, generate, render_sample
from stakegraph.samples.columns import COLUMNS, ROLES
from stakegraph.samples.sample import DEFAULT_DIR
from stakegraph.samples.scale import Layout
from stakegraph.validate import edge_props, node_props

SAMPLE = DEFAULT_DIR
NODE_OF_ROLE = {"parties": "party", "projects": "project", "contracts": "contract",
                "interactions": "interaction", "signals": "signal"}
Rows = dict[str, list[dict[str, str]]]


def read(directory: Path) -> Rows:
    out: Rows = {}
    for role in ROLES:
        with (directory / f"{role}.csv").open(encoding="utf-8", newline="") as f:
            out[role] = [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(f)]
    return out


@pytest.fixture(scope="module")
def sample() -> Rows:
    return read(SAMPLE)


def rels(rows: Rows, kind: str, *, source: str | None = None, target: str | None = None) -> list[dict[str, str]]:
    return [r for r in rows["relationships"] if r["kind"] == kind
            and (source is None or r["source_id"] == source) and (target is None or r["target_id"] == target)]


def by_id(rows: Rows, role: str) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in rows[role]}


def check_valid(rows: Rows) -> None:
    """Every row coerces against the domain; ids unique; every reference and endpoint exists with its type."""
    types: dict[str, str] = {}
    for role, ntype in NODE_OF_ROLE.items():
        nt = DOMAIN.node_types[ntype]
        for row in rows[role]:
            assert row["id"] not in types, f"duplicate id {row['id']}"
            types[row["id"]] = ntype
            raw = {k: v for k, v in row.items() if k != "project_id"}
            props = node_props(nt, raw, keep_unknown=False)
            assert props["kind"] in nt.kinds
    for row in rows["contracts"]:
        if "project_id" in row:
            assert types.get(row["project_id"]) == "project", row
    rel_ids: set[str] = set()
    for row in rows["relationships"]:
        assert row["id"] not in rel_ids and row["id"] not in types, f"duplicate id {row['id']}"
        rel_ids.add(row["id"])
        rk = DOMAIN.rel_kinds[row["kind"]]
        edge_props(rk, {k: v for k, v in row.items() if k not in ("source_id", "target_id")}, keep_unknown=False)
        assert types.get(row["source_id"]) in rk.sources, row
        assert types.get(row["target_id"]) in rk.targets, row
        if "contract_id" in row:
            assert types.get(row["contract_id"]) == "contract", row
    for role in ("interactions", "signals"):
        for row in rows[role]:
            for key in ("party_id", "counterparty_id"):
                if key in row:
                    assert types.get(row[key]) == "party", row
            if "relationship_id" in row:
                assert row["relationship_id"] in rel_ids, row


# -- the committed sample ------------------------------------------------------------------------

def test_committed_sample_is_byte_for_byte_a_fresh_generation() -> None:
    fresh = render_sample()
    assert sorted(fresh) == sorted(p.name for p in SAMPLE.glob("*.csv"))
    for name, text in fresh.items():
        assert (SAMPLE / name).read_bytes() == text.encode("utf-8"), f"{name}: run `stakegraph sample` and commit"
    assert check_sample(SAMPLE) == list(fresh)


def test_check_names_the_changed_missing_and_extra_files(tmp_path: Path) -> None:
    for p in SAMPLE.glob("*.csv"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    check_sample(tmp_path)
    with (tmp_path / "signals.csv").open("a", encoding="utf-8") as f:
        f.write("s_x,dispute,2024-01-01,a_co,,,,,\n")
    (tmp_path / "projects.csv").unlink()
    (tmp_path / "parties_extra.csv").write_text("id,name\nx,X\n", encoding="utf-8")
    with pytest.raises(SampleMismatch) as e:
        check_sample(tmp_path)
    assert e.value.files == ["projects.csv", "signals.csv", "parties_extra.csv"]
    assert "stakegraph sample" in str(e.value)


def test_breadth(sample: Rows) -> None:
    assert len(sample["parties"]) >= 300
    assert len(sample["projects"]) >= 60
    assert len(sample["relationships"]) >= 1500
    assert {r["kind"] for r in sample["relationships"]} == set(DOMAIN.rel_kinds)  # every kind, in the file itself
    kinds = Counter(r["kind"] for r in sample["parties"])
    for k in ("bank", "development_bank", "policy_bank", "fund", "corporate", "epc_contractor", "om_operator",
              "supplier", "insurer", "government", "person", "advisor"):
        assert kinds[k] >= 3, k
    assert set(kinds) <= set(ORG_TYPES)
    chinese = [r for r in sample["parties"] if any("\u4e00" <= ch <= "\u9fff" for ch in r["name"])]
    assert len(chinese) >= 100 and sum("name_en" in r for r in chinese) >= 0.9 * len(chinese)
    assert any(r["name"].isascii() for r in sample["parties"])
    # attributes the analytics read
    banks = [r for r in sample["parties"] if r["kind"] in ("bank", "development_bank", "policy_bank")]
    assert all({"total_assets", "capital", "tier1_capital", "external_assets", "external_liabilities"} <= set(r)
               for r in banks)
    corps = [r for r in sample["parties"] if r["kind"] == "corporate"]
    for attr in ("external_assets", "external_liabilities", "debt_to_asset", "net_margin", "credit_rating",
                 "replaceability", "size_segment", "risk_appetite", "annual_revenue"):
        assert sum(attr in r for r in corps) >= 0.8 * len(corps), attr
    assert {r.get("lifecycle_stage") for r in corps} >= {"development", "maturity", "decline"}
    # contract terms
    contracts = sample["contracts"]
    for term in ("cross_default_threshold", "guarantee_cap", "bet_on_target", "bet_on_buyback", "covenants",
                 "repayment_adjustment"):
        assert any(term in c for c in contracts), term
    # control chains: an owner holding > 50 % of a party that itself holds > 50 % of another, with controls edges
    major = {(r["source_id"], r["target_id"]) for r in rels(sample, "owns") if float(r["share_pct"]) > 50}
    assert any((b, c) in major for (a, b) in major for c in {t for s, t in major if s == b})
    controls = {(r["source_id"], r["target_id"]) for r in rels(sample, "controls")}
    assert major <= controls
    assert max(Counter(r["source_id"] for r in rels(sample, "lends_to")).values()) >= 10  # syndicate hubs
    interbank = [r for r in rels(sample, "lends_to") if r["target_id"] in {b["id"] for b in banks}]
    assert len(interbank) >= 20 and len([r for r in interbank if r["target_id"] == "b_bank"]) >= 3
    # a sale is one edge: never both supplies s -> b and buys_from b -> s (analytics would count it twice)
    supplies = {(r["source_id"], r["target_id"]) for r in rels(sample, "supplies")}
    assert not supplies & {(r["target_id"], r["source_id"]) for r in rels(sample, "buys_from")}
    # dated events over several years, enough for trends and decay
    years = {r["date"][:4] for role in ("interactions", "signals") for r in sample[role]}
    assert {str(y) for y in range(2019, 2027)} <= years
    yearly = Counter(r["party_id"] for r in sample["signals"] if r["kind"] == "order_volume_change")
    assert sum(n >= 7 for n in yearly.values()) >= 10
    assert all(float(r["value"]) > 0 for r in sample["signals"] if r["kind"] == "payment_delay")
    assert sum(p.stat().st_size for p in SAMPLE.glob("*.csv")) < 1_000_000


def test_every_row_is_valid_against_the_domain(sample: Rows) -> None:
    check_valid(sample)
    for role in ROLES:
        header = (SAMPLE / f"{role}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert tuple(header.split(",")) == COLUMNS[role]


# -- the six scenarios -------------------------------------------------------------------------------

def test_scenario_1_a_co_and_b_bank(sample: Rows) -> None:
    parties = by_id(sample, "parties")
    assert parties["a_co"]["kind"] == "corporate" and parties["b_bank"]["kind"] == "bank"
    [loan, line] = rels(sample, "lends_to", source="b_bank", target="a_co")
    # the recall is dated: B Bank's undrawn credit line (no exposure) is cancelled on the day of the recall
    assert (line["id"], Decimal(line["amount"]), line["status"]) == ("r_ab_credit_line", Decimal(0), "cancelled")
    assert (Decimal(loan["amount"]), loan["currency"], loan["status"]) == (Decimal(500000), "CNY", "recalled")
    signals = [s for s in sample["signals"] if s["party_id"] == "a_co"]
    assert {"funds_diverted", "missed_milestone", "statement_irregularity", "loan_recall"} <= {s["kind"] for s in signals}
    recall = next(s for s in signals if s["kind"] == "loan_recall")
    assert recall["relationship_id"] == loan["id"] and recall["date"] > loan["start_date"]
    [inv] = rels(sample, "invests_in", source="a_new_investor", target="a_co")
    assert inv["start_date"] > recall["date"]  # the new investor comes after the recall
    assert line["end_date"] == recall["date"] and not loan.get("end_date")  # the recalled balance is still owed
    assert len(rels(sample, "supplies", target="a_co")) >= 2 and len(rels(sample, "buys_from", target="a_co")) >= 2
    # the recall alone (500,000) is below A Co.'s capital; a second loan's cross-default clause tips it over
    [other] = [r for r in rels(sample, "lends_to", target="a_co") if r["id"] not in (loan["id"], line["id"])]
    capital = Decimal(by_id(sample, "parties")["a_co"]["capital"])
    assert Decimal(other["cross_default_threshold"]) < Decimal(loan["amount"]) < capital
    assert Decimal(loan["amount"]) + Decimal(other["amount"]) >= capital


def test_scenario_2_bet_on(sample: Rows) -> None:
    k = by_id(sample, "contracts")["k_bet_on_cd"]
    assert k["kind"] == "bet_on_agreement" and k["project_id"] == "p_d_tech_line"
    assert Decimal(k["bet_on_target"]) == 15_000_000 and Decimal(k["bet_on_buyback"]) == 23_000_000
    [inv] = rels(sample, "invests_in", source="c_fund", target="d_tech")
    assert inv["contract_id"] == "k_bet_on_cd" and "bet_on_target" in inv
    assert {(r["source_id"], r["role"]) for r in rels(sample, "party_to", target="k_bet_on_cd")} == {
        ("c_fund", "investor"), ("d_tech", "investee")}
    dispute = next(s for s in sample["signals"] if s["kind"] == "dispute" and s["party_id"] == "d_tech")
    reviews = [i for i in sample["interactions"] if i.get("counterparty_id") == "c_fund" and i["date"] > dispute["date"]
               and i["kind"] == "meeting"]
    assert len(reviews) >= 4  # renegotiation, then periodic reviews


def test_scenario_3_cr5_is_exactly_86_76(sample: Rows) -> None:
    edges = rels(sample, "buys_from", target="tech_co")
    for subset in (edges, [e for e in edges if e["status"] != "ended"]):  # over all edges and over active ones
        values = sorted((Decimal(e["annual_revenue"]) for e in subset), reverse=True)
        assert sum(values[:5]) / sum(values) == Decimal("0.8676")
    active = sorted((e for e in edges if e["status"] == "active"), key=lambda e: -Decimal(e["annual_revenue"]))
    assert [e["source_id"] for e in active[:5]] == [f"tech_cust_{i}" for i in range(1, 6)]
    assert len(active) > 5  # smaller customers make the rest
    assert Decimal(by_id(sample, "parties")["tech_co"]["annual_revenue"]) == sum(Decimal(e["annual_revenue"]) for e in active)
    [lost] = [e for e in edges if e["status"] == "ended"]
    assert Decimal(lost["annual_revenue"]) > Decimal(active[4]["annual_revenue"])  # a key customer
    delay = [s for s in sample["signals"] if s["party_id"] == "tech_co" and "supply-chain" in s.get("note", "")]
    assert delay and delay[0]["date"] < lost["end_date"]


def test_scenario_4_energy_group(sample: Rows) -> None:
    plants = {r["target_id"] for r in rels(sample, "sponsors", source="energy_group")}
    assert len(plants) >= 3 and all(p.startswith("p_energy_plant_") for p in plants)
    assert {r["target_id"] for r in rels(sample, "builds", source="epc_main")} == plants
    assert {r["target_id"] for r in rels(sample, "builds") if r["target_id"] in plants} == plants
    assert all(r["source_id"] == "epc_main" for r in rels(sample, "builds") if r["target_id"] in plants)
    kinds = {r["id"]: r["kind"] for r in sample["parties"]}
    for p in plants:
        lenders = rels(sample, "lends_to", target=p)
        assert len(lenders) >= 3 and {x["contract_id"] for x in lenders} == {"k_energy_facility"}
        assert {"development_bank", "policy_bank", "bank"} <= {kinds[x["source_id"]] for x in lenders}
        assert [r["cover"] for r in rels(sample, "insures", source="pri_insurer", target=p)] == ["political_risk"]
        assert len(rels(sample, "offtakes", target=p)) == 1
    assert by_id(sample, "contracts")["k_energy_facility"]["repayment_adjustment"]


def test_scenario_5_management_changes(sample: Rows) -> None:
    client = by_id(sample, "parties")["mgmt_client"]
    assert float(client["debt_to_asset"]) < 0.5 and float(client["net_margin"]) > 0  # financials sound
    changes = [s for s in sample["signals"] if s["party_id"] == "mgmt_client" and s["kind"] == "management_change"]
    assert len(changes) >= 5 and len({s["date"][:4] for s in changes}) >= 4
    assert by_id(sample, "parties")["mgmt_client_contact"]["kind"] == "person"
    assert rels(sample, "contact_of", source="mgmt_client_contact", target="mgmt_client")
    tracked = [i for i in sample["interactions"] if i["party_id"] == "mgmt_client"
               and i.get("counterparty_id") == "mgmt_client_contact"]
    assert len(tracked) >= 12
    [loan] = rels(sample, "lends_to", target="mgmt_client")
    assert any("management" in c for c in by_id(sample, "contracts")[loan["contract_id"]]["covenants"].split(";"))


def test_scenario_6_repayment_adjustment(sample: Rows) -> None:
    k = by_id(sample, "contracts")["k_comm_equip_loan"]
    assert "rate" in k["repayment_adjustment"] and "schedule" in k["repayment_adjustment"]
    [loan] = rels(sample, "lends_to", target="comm_equip")
    assert loan["contract_id"] == "k_comm_equip_loan" and loan["repayment_adjustment"]


# -- the sample through the loader and the store -----------------------------------------------------

def test_sample_loads_with_the_counts_of_the_files(store, sample: Rows) -> None:
    from stakegraph.analytics.concentration import concentration
    from stakegraph.loaders import load

    report = load(SAMPLE, store)
    assert not report.errors
    counts = store.counts()
    assert counts["nodes"] == {ntype: len(sample[role]) for role, ntype in NODE_OF_ROLE.items()}
    expected: Counter[str] = Counter(r["kind"] for r in sample["relationships"])
    expected["contract_for"] += sum("project_id" in c for c in sample["contracts"])
    for role, kind in (("interactions", "involves"), ("signals", "concerns")):
        expected[kind] += sum(1 + ("counterparty_id" in r) for r in sample[role])
    assert {k: v for k, v in counts["edges"].items() if v} == dict(expected)
    G = store.project()
    assert G.number_of_nodes() == sum(len(sample[r]) for r in NODE_OF_ROLE)
    r = concentration(G, "tech_co", kinds=("buys_from",))  # a second implementation of CR-5
    assert r.cr_k == pytest.approx(86.76, abs=1e-9)
    assert G.edges["b_bank", "a_co", "r_ab_loan"]["status"] == "recalled"


# -- the scale generator ------------------------------------------------------------------------------------

def test_scale_is_deterministic_per_seed(tmp_path: Path) -> None:
    a, b, c = (generate(300, seed, tmp_path / name) for name, seed in (("a", 5), ("b", 5), ("c", 6)))
    for role in ROLES:
        fa, fb = a.files[ROLES.index(role)], b.files[ROLES.index(role)]
        assert fa.read_bytes() == fb.read_bytes()
    assert (tmp_path / "a/relationships.csv").read_bytes() != (tmp_path / "c/relationships.csv").read_bytes()


@pytest.mark.parametrize(("n", "rels_asked"), [(100, None), (1234, None), (500, 0), (300, 7000)])
def test_scale_counts_and_validity(tmp_path: Path, n: int, rels_asked: int | None) -> None:
    stats = generate(n, 1, tmp_path, relationships=rels_asked)
    rows = read(tmp_path)
    want = 5 * n if rels_asked is None else rels_asked
    assert {role: len(rows[role]) for role in ROLES} == stats.rows
    assert stats.rows["parties"] == n and stats.rows["projects"] == n // 5 and stats.relationships == want
    assert stats.rows["interactions"] == n // 2 and stats.rows["signals"] == n // 4
    check_valid(rows)
    assert len({r["kind"] for r in rows["parties"]}) >= 10


@pytest.mark.parametrize("n", [100, 250, 1234])
def test_layout_counts_and_indexes_agree(n: int) -> None:
    lay = Layout(n)
    counts = Counter(lay.kind_of(i) for i in range(n))
    assert counts == {k: lay.count(k) for k in counts} and sum(counts.values()) == n
    for kind, c in counts.items():
        idx = [lay.index(kind, r) for r in range(c)]
        assert len(set(idx)) == c and max(idx) < n and {lay.kind_of(i) for i in idx} == {kind}


def test_scale_degrees_are_heavy_tailed(tmp_path: Path) -> None:
    generate(3000, 2, tmp_path)
    rows = read(tmp_path)
    kinds = {r["id"]: r["kind"] for r in rows["parties"]}
    for rel_kind, pool in (("lends_to", {"bank", "development_bank", "policy_bank"}), ("buys_from", {"corporate", "supplier"})):
        end = "source_id" if rel_kind == "lends_to" else "target_id"
        deg = Counter(r[end] for r in rels(rows, rel_kind))
        degrees = [deg.get(p, 0) for p, k in kinds.items() if k in pool]  # zero-degree parties count too
        median = statistics.median(degrees)
        assert max(degrees) >= 10 * max(median, 1), (rel_kind, max(degrees), median)


def test_scale_memory_stays_flat(tmp_path: Path) -> None:
    peaks = []
    for n in (500, 5_000):
        tracemalloc.start()
        generate(n, 3, tmp_path / str(n))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 2 * peaks[0] + 1_000_000  # 10× the rows, about the same peak


def test_scale_progress_and_errors(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    generate(200, 1, tmp_path, progress=lambda done, total: seen.append((done, total)), every=100)
    total = 200 + 40 + 1000 + 100 + 50
    assert seen[-1] == (total, total) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    with pytest.raises(GenerateError, match="at least 100"):
        generate(99, 1, tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(GenerateError, match="writable"):
        generate(200, 1, blocker / "sub")


def test_scale_output_loads(tmp_path: Path) -> None:
    from stakegraph.loaders import load
    from stakegraph.store import EmbeddedStore

    generate(300, 4, tmp_path / "data")
    with EmbeddedStore(tmp_path / "s.sqlite") as s:
        report = load(tmp_path / "data", s)
        assert not report.errors
        assert s.counts()["nodes"]["party"] == 300


# -- the commands ----------------------------------------------------------------------------------------

def test_cli(tmp_path: Path) -> None:
    from stakegraph.cli.main import app

    runner = CliRunner()
    res = runner.invoke(app, ["sample", "--check"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["sample", "-o", str(tmp_path / "s")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "s/relationships.csv").read_bytes() == (SAMPLE / "relationships.csv").read_bytes()
    (tmp_path / "s/parties.csv").write_text("id,name\n", encoding="utf-8")
    res = runner.invoke(app, ["sample", "--check", "-o", str(tmp_path / "s")])
    assert res.exit_code == 1 and "parties.csv" in res.output
    res = runner.invoke(app, ["generate", "--parties", "200", "--seed", "9", "-o", str(tmp_path / "g")])
    assert res.exit_code == 0, res.output
    assert "1,000 relationships" in res.output
    assert len((tmp_path / "g/relationships.csv").read_text(encoding="utf-8").splitlines()) == 1001
    assert runner.invoke(app, ["generate", "--parties", "5", "-o", str(tmp_path / "g")]).exit_code == 2

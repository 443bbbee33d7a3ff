"""FollowTheMoney out and in: the export is valid FtM, export → import gives the same graph, and a plain
FtM stream maps by the documented table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stakegraph.loaders import load
from stakegraph.loaders.ftm import export_ftm, ftm_id, load_ftm
from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore
from tests.loaders.helpers import LOADERS, dump

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def test_round_trip_gives_the_same_graph_and_valid_ftm(tmp_path: Path, store: GraphStore) -> None:
    from followthemoney import model

    assert load(SAMPLE, store).ok
    out = tmp_path / "graph.ftm.jsonl"
    n = export_ftm(store, out)
    counts = store.counts()
    assert n == sum(counts["nodes"].values()) + sum(counts["edges"].values())
    schemata: set[str] = set()
    for line in out.read_text("utf-8").splitlines():
        data = json.loads(line)
        proxy = model.get_proxy(data, cleaned=False)
        proxy.schema.validate(data)  # raises InvalidData on a value FtM does not accept
        assert not [p for p in proxy.schema.required if not proxy.has(p)], data
        schemata.add(proxy.schema.name)
    assert {"Company", "Person", "PublicBody", "Project", "Contract", "Debt", "Ownership"} <= schemata
    again = EmbeddedStore(tmp_path / "again.sqlite")
    res = load_ftm(out, again)
    assert res.written and not res.errors and not res.skipped
    assert dump(again) == dump(store)  # ids, kinds, amounts and provenance


def test_plain_ftm_stream_maps_by_the_table(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    res = load_ftm(LOADERS / "v2" / "ftm_stream.jsonl", store)
    assert res.errors == [] and res.skipped == ["ftm_stream.jsonl:10: Vessel is not a party, project or contract"]
    kinds = {n.id: (n.type, n.props.get("kind"), n.props["name"]) for n in store.iter_nodes()}
    assert kinds == {"co-acme": ("party", "corporate", "Acme Ltd"), "pb-energy": ("party", "government",
                     "Ministry of Energy"), "pe-jane": ("party", "person", "Jane Doe"),
                     "bank-x": ("party", "corporate", "Bank X"), "prj-1": ("project", "project", "Wind farm")}
    edges = {e.id: (e.kind, e.source, e.target) for e in store.iter_edges()}
    assert edges == {"own-1": ("owns", "pe-jane", "co-acme"), "debt-1": ("lends_to", "bank-x", "co-acme"),
                     "dir-1": ("controls", "pe-jane", "co-acme"), "pp-1": ("regulates", "pb-energy", "prj-1")}
    debt = store.get_edge("debt-1")
    assert debt is not None and (debt.props["amount"], debt.props["currency"]) == (1_200_000.0, "usd")
    own = store.get_edge("own-1")
    assert own is not None and own.props["share_pct"] == 60.0 and own.props["source_row"] == 6
    prj = store.get_node("prj-1")
    assert prj is not None and (prj.props["total_cost"], prj.props["start_date"]) == (5e6, "2021-03-01")


def test_missing_end_writes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    f.write_text('{"id": "d1", "schema": "Debt", "properties": {"creditor": ["a"], "debtor": ["b"]}}\n')
    store = EmbeddedStore(tmp_path / "s.sqlite")
    res = load_ftm(f, store)
    assert not res.written and len(res.errors) == 1 and "a" in res.errors[0]
    assert sum(store.counts()["edges"].values()) == 0


def test_ids_ftm_refuses_get_a_stable_safe_form() -> None:
    assert ftm_id("co-acme") == "co-acme"
    assert ftm_id("p_plant_1").startswith("p-plant-1-") and ftm_id("p_plant_1") == ftm_id("p_plant_1")
    assert ftm_id("中国银行").startswith("sg-")


def test_cli_export_and_load_ftm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from stakegraph.cli.main import app

    runner = CliRunner()
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(tmp_path / "a"))
    r = runner.invoke(app, ["load-ftm", str(LOADERS / "v2" / "ftm_stream.jsonl")])
    assert r.exit_code == 0 and "5 nodes and 4 relationships written" in r.output, r.output
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["export", "--ftm", str(out)])
    assert r.exit_code == 0 and f"9 FtM entities written to {out}" in r.output, r.output
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(tmp_path / "b"))
    assert runner.invoke(app, ["load-ftm", str(out)]).exit_code == 0

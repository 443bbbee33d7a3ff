"""``stakegraph load --bulk``: usage errors, the import files (typed, exact) and the remote-server path."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stakegraph.cli.main import app
from stakegraph.store.neo4j_bulk import ARRAY_DELIMITER, ImportWriter
from tests.conftest import ROOT
from tests.loaders.helpers import CANONICAL, MALFORMED

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_bulk_needs_neo4j(embedded: Path) -> None:
    out = runner.invoke(app, ["load", str(CANONICAL), "--bulk", "-q"])
    assert out.exit_code == 2 and "STAKEGRAPH_NEO4J_URI" in out.stderr


def test_bulk_and_dry_run_do_not_go_together(embedded: Path) -> None:
    out = runner.invoke(app, ["load", str(CANONICAL), "--bulk", "--dry-run", "-q"])
    assert out.exit_code == 2 and "--dry-run" in out.stderr


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_import_files_are_typed_per_signature(tmp_path: Path) -> None:
    w = ImportWriter(tmp_path)
    w.node("a", "party", {"name": "A \"quoted\", with comma", "amount": 1.5, "n": 3, "ok": True,
                          "tags": ["x", "y"], "gone": None, "load_id": "L"})
    w.node("b", "party", {"name": "B\nline two", "n": 4})
    w.node("c", "party", {"tags": []})  # an empty list or text: not expressible in the CSV, written normally
    w.node("d", "party", {"name": ""})
    w.edge("e1", "lends_to", "a", "b", {"amount": 2.0, "source_row": 7})
    files = w.close()
    assert files.n_nodes == 2 and files.n_edges == 1 and files.multiline
    assert [r.id for r in w.leftover_nodes] == ["c", "d"] and w.counts == {"party": 4, "lends_to": 1}
    by_name = {p.name: _rows(p) for _, p in files.nodes + files.relationships}
    assert by_name["nodes_party_0.csv"] == [
        ["id:ID", "amount:double", "load_id:string", "n:long", "name:string", "ok:boolean",
         "tags:string[]"],
        ["a", "1.5", "L", "3", "A \"quoted\", with comma", "true", f"x{ARRAY_DELIMITER}y"]]
    assert by_name["nodes_party_1.csv"] == [["id:ID", "n:long", "name:string"], ["b", "4", "B\nline two"]]
    assert by_name["rels_lends_to_0.csv"] == [[":START_ID", ":END_ID", "id:string", "amount:double",
                                               "source_row:long"], ["a", "b", "e1", "2.0", "7"]]
    assert (tmp_path / "nodes_party_0.csv").read_text("utf-8").splitlines()[1].startswith('"a",1.5,"L",3,')
    args = files.args()
    assert args[-1] == "neo4j" and "--multiline-fields=true" in args and "--bad-tolerance=0" in args
    assert f"--relationships=LENDS_TO={tmp_path / 'rels_lends_to_0.csv'}" in args
    assert files.command().startswith("neo4j-admin database import full --nodes=Entity:Party=")


@pytest.mark.neo4j
def test_bulk_to_another_server_writes_the_files_and_prints_the_command(
        neo4j_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import _neo4j_store

    monkeypatch.setenv("STAKEGRAPH_NEO4J_URI", neo4j_uri)
    monkeypatch.setenv("STAKEGRAPH_NEO4J_AUTH", "false")
    monkeypatch.setenv("STAKEGRAPH_NEO4J_HOME", str(tmp_path / "no-local-server"))  # so the server is "remote"
    monkeypatch.chdir(tmp_path)
    with _neo4j_store(neo4j_uri) as store:
        store.clear()
        out = runner.invoke(app, ["load", str(SAMPLE), "--bulk", "--bulk-dir", "imp", "-q", "--load-id", "L1"])
        assert out.exit_code == 0, out.output
        assert "neo4j-admin database import full" in out.stdout and "nothing was written" in out.stdout
        assert sum(sum(v.values()) for v in store.counts().values()) == 0  # the database is untouched
        files = sorted(p.name for p in (tmp_path / "imp").iterdir())
        assert "nodes_party_0.csv" in files and any(f.startswith("rels_involves") for f in files)
        # strict validation as a normal load: a bad row stops it before any file is written
        bad = runner.invoke(app, ["load", str(MALFORMED / "duplicate_ids_parties.csv"), "--bulk", "--bulk-dir",
                                  "imp2", "-q", "--report-dir", "rep"])
        assert bad.exit_code == 1 and "duplicate node id" in bad.stderr
        assert not (tmp_path / "imp2").exists()
        assert json.loads((tmp_path / "rep" / "report.json").read_text("utf-8"))["errors"]
        # a database that is not empty is refused with the fix
        store.write(*_one_party())
        refused = runner.invoke(app, ["load", str(SAMPLE), "--bulk", "--bulk-dir", "imp3", "-q"])
        assert refused.exit_code == 1 and "not empty" in refused.stderr and "without --bulk" in refused.stderr
        store.clear()


def _one_party() -> tuple[list, list]:
    from stakegraph.model import NodeRecord

    return [NodeRecord("p1", "party", {"name": "P"})], []

"""``stakegraph load`` / ``unload``: exit codes 0 success, 1 data, 2 usage, 3 config, 4 store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stakegraph.cli.main import app
from tests.loaders.helpers import CANONICAL, MALFORMED

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _counts() -> dict:
    out = runner.invoke(app, ["info", "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_load_then_reload_then_unload(env: Path) -> None:
    empty = _counts()
    first = runner.invoke(app, ["load", str(CANONICAL), "-q"])
    assert first.exit_code == 0, first.output
    load_id = re.search(r"load id: (\S+)", first.stdout).group(1)  # type: ignore[union-attr]
    assert "created" in first.stdout and "party" in first.stdout
    loaded = _counts()
    second = runner.invoke(app, ["load", str(CANONICAL), "-q"])
    assert second.exit_code == 0 and f"load id: {load_id}" in second.stdout
    assert _counts()["nodes"] == loaded["nodes"]
    out = runner.invoke(app, ["unload", load_id])
    assert out.exit_code == 0, out.output
    after = _counts()
    assert after["nodes"] == empty["nodes"] and after["edges"] == empty["edges"]
    assert runner.invoke(app, ["unload", load_id]).exit_code == 1  # nothing left to remove


def test_dry_run_writes_nothing(env: Path) -> None:
    out = runner.invoke(app, ["load", str(CANONICAL), "--dry-run", "-q"])
    assert out.exit_code == 0 and "dry run" in out.stdout
    assert sum(_counts()["nodes"].values()) == 0


def test_data_errors_exit_1_with_every_row_and_a_report(env: Path) -> None:
    out = runner.invoke(app, ["load", str(MALFORMED / "duplicate_ids_parties.csv"), "-q", "--report-dir", "rep"])
    assert out.exit_code == 1
    assert out.stderr.count("duplicate node id 'p_dup'") == 3 and "nothing was written" in out.stderr
    report = json.loads((env / "rep" / "report.json").read_text("utf-8"))
    assert [e["row"] for e in report["errors"]] == [2, 4, 5]


def test_lenient_writes_good_rows_exit_1_and_quarantine(env: Path) -> None:
    out = runner.invoke(app, ["load", str(MALFORMED / "unknown_kinds_parties.csv"), "--lenient", "-q",
                              "--report-dir", "rep"])
    assert out.exit_code == 1
    assert (env / "rep" / "quarantine-unknown_kinds_parties.csv").is_file()
    assert _counts()["nodes"]["party"] == 1


def test_usage_errors_exit_2(env: Path) -> None:
    assert runner.invoke(app, ["load", str(env / "no_such_dir")]).exit_code == 2
    assert runner.invoke(app, ["load", str(CANONICAL), "--batch-size", "0"]).exit_code == 2
    assert runner.invoke(app, ["load"]).exit_code == 2


def test_bad_mapping_exits_3_naming_the_key(env: Path) -> None:
    bad = env / "m.yml"
    bad.write_text("name: x\nfiles: {a: '*.csv'}\nentities:\n  - {name: e1, from: a, node: party, id: id,"
                   " props: {contry: country}}\n", "utf-8")
    out = runner.invoke(app, ["load", str(CANONICAL), "--mapping", str(bad)])
    assert out.exit_code == 3
    assert "entities[e1]" in out.stderr and "'contry' is not a party property" in out.stderr


def test_store_error_exits_4(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = env / "afile"
    blocker.write_text("x")
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(blocker / "sub"))
    assert runner.invoke(app, ["load", str(CANONICAL), "-q"]).exit_code == 4


def test_help_documents_exit_codes() -> None:
    out = runner.invoke(app, ["load", "--help"])
    assert out.exit_code == 0
    text = " ".join(out.stdout.split())
    for phrase in ("0 success", "1 data errors", "2 usage", "3 configuration", "4 system or store error"):
        assert phrase in text

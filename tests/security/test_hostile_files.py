"""Hostile input files and mappings (issue #13, loader part): every case is refused, reported or handled
with a message naming the file/row/column or the bound and the fix, leaves the store unchanged when it is
refused, and stays under 512 MiB of peak memory and 10 s.

The corpus is generated in the test (large cases are written on the fly). Each case runs through
:func:`stakegraph.loaders.load` and is mapped to the CLI's exit code by the error's class; a few cases also
run through ``stakegraph load`` (typer's CliRunner) to prove the same exit codes and messages. Peak memory
is what the case adds to the process: its high-water mark (VmHWM, reset before each case through
``/proc/self/clear_refs``) less the resident memory it started from; the
zip bomb also runs in a child process measured with ``getrusage(RUSAGE_CHILDREN)``.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from stakegraph.errors import StakegraphError
from stakegraph.loaders import Bounds, load
from stakegraph.loaders.report import LoadReport
from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore

pytestmark = pytest.mark.security

CANONICAL = Path(__file__).resolve().parents[1] / "data" / "loaders" / "canonical"
MIB = 1 << 20
MAX_RSS = 512 * MIB
MAX_S = 10.0
SMALL = Bounds(max_unpacked_bytes=20_000, max_columns=50, max_row_bytes=64 * 1024)


# -- the corpus ------------------------------------------------------------------------------------------
@dataclass
class Case:
    """One hostile input: how to build it, what must come out."""

    id: str
    build: Callable[[Path], Any]  # returns the path(s) to load
    code: int  # the CLI exit code: 0 ok, 1 data, 2 usage, 3 mapping, 4 system
    expect: list[str]  # substrings every one of which the messages must contain
    mapping: Callable[[Path], Path] | None = None
    mode: str = "strict"
    bounds: Bounds | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    check: Callable[[Path, LoadReport | None], None] | None = None


def _w(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


def _parties(d: Path, *rows: str, header: str = "id,name,kind", name: str = "parties.csv") -> Path:
    return _w(d / name, header + "\n" + "\n".join(rows) + "\n")


def _rels(d: Path, *rows: str) -> Path:
    return _w(d / "relationships.csv", "source_id,target_id,kind,amount,currency,share_pct\n" + "\n".join(rows) + "\n")


def _jsonl(d: Path, *lines: str, name: str = "parties.jsonl") -> Path:
    return _w(d / name, "\n".join(lines) + "\n")


def _xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _zip_bomb(d: Path) -> Path:
    """A valid-looking workbook whose sheet XML unpacks 1,000:1 to 200 MB (written in chunks)."""
    path = _xlsx(d / "parties.xlsx", {"parties": [["id", "name", "kind"], ["z1", "Z", "bank"]]})
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z, z.open("xl/media/pad.xml", "w") as f:
        chunk = b" " * MIB
        for _ in range(200):
            f.write(chunk)
    return path


def _sheet_bomb(d: Path) -> Path:
    """A workbook whose own sheet XML is padded with 200 MB of whitespace (what openpyxl would parse)."""
    src = _xlsx(d / "src" / "parties.xlsx", {"parties": [["id", "name", "kind"], ["z1", "Z", "bank"]]})
    out = d / "parties.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, data)
                continue
            head, sep, tail = data.partition(b"<sheetData>")
            with zout.open(info.filename, "w") as f:
                f.write(head + sep)
                for _ in range(200):
                    f.write(b" " * MIB)
                f.write(tail)
    return out


def _mapping(text: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        return _w(d / "m.yml", text)
    return build


_BASE_MAP = "name: t\nfiles: {p: 'parties*.csv'}\nentities:\n  - {name: e1, from: p, node: party, id: %s, props: {name: name, kind: kind}}\n"


def _mapped(id_spec: str) -> Callable[[Path], Path]:
    return _mapping(_BASE_MAP % id_spec)


def _laughs(levels: int = 9) -> str:
    lines = ['name: t', 'files: {p: "parties*.csv"}', "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]")
    lines.append("entities:\n  - {name: e1, from: p, node: party, id: id, constants: {note: *x" + str(levels) + "}}")
    return "\n".join(lines) + "\n"


def _symlinked(d: Path) -> Path:
    folder = d / "in"
    folder.mkdir()
    secret = _w(d / "outside" / "parties.csv", "id,name,kind\nsecret_1,SECRET,bank\n")
    (folder / "parties.csv").symlink_to(secret)
    return folder


def _two_folders(d: Path) -> Path:
    for sub in ("a", "b"):
        _parties(d / "in" / sub, f"ok_{sub},OK,bank", f"bad_{sub},B,bnk")
    return d / "in"


def _quarantines(d: Path) -> list[Path]:
    return sorted((d / "rep").glob("quarantine-*.csv"))


def _check_two_quarantines(d: Path, report: LoadReport | None) -> None:
    files = _quarantines(d)
    assert len(files) == 2, files
    rows = [list(csv.reader(f.open(encoding="utf-8"))) for f in files]
    assert all(len(r) == 2 for r in rows)  # header + the one bad row each


def _check_header_neutralised(d: Path, report: LoadReport | None) -> None:
    (q,) = _quarantines(d)
    header = next(csv.reader(q.open(encoding="utf-8")))
    assert "'=HYPERLINK(\"http://x\")" in header and "'@SUM(1)" in header, header
    assert not any(c.startswith(("=", "+", "-", "@")) for c in header)


def _check_not_overwritten(d: Path, report: LoadReport | None) -> None:
    names = sorted(p.name for p in (d / "rep").iterdir())
    assert names == ["quarantine-parties.csv", "quarantine-parties-2.csv", "report-2.json", "report.json"] or \
        set(names) == {"quarantine-parties.csv", "quarantine-parties-2.csv", "report-2.json", "report.json"}
    assert (d / "rep" / "report.json").read_text("utf-8") == "old report"


def _pre_existing(d: Path) -> Path:
    (d / "rep").mkdir()
    _w(d / "rep" / "report.json", "old report")
    _w(d / "rep" / "quarantine-parties.csv", "old quarantine")
    return _parties(d, "ok_1,OK,bank", "bad_1,B,bnk")


ID20K = "x" * 20_000
DIGITS = "9" * 5000
FIX = "fix"

CASES: list[Case] = [
    # XLSX / zip
    Case("xlsx-zip-bomb-ratio", _zip_bomb, 1, ["parties.xlsx", "xl/media/pad.xml", "bound of 100:1", "STAKEGRAPH_LOAD_MAX_COMPRESSION_RATIO", "zip bomb"]),
    Case("xlsx-unpacked-size", lambda d: _xlsx(d / "parties.xlsx", {"parties": [["id", "name", "kind"]] +
         [[f"p{i}", "N" * 50, "bank"] for i in range(300)]}), 1, ["parties.xlsx", "unpacks to", "STAKEGRAPH_LOAD_MAX_UNPACKED_BYTES"],
         bounds=SMALL),
    Case("xlsx-sheet-xml-bomb", _sheet_bomb, 1, ["parties.xlsx", "xl/worksheets/sheet1.xml", "STAKEGRAPH_LOAD_MAX_COMPRESSION_RATIO"]),
    Case("xlsx-amount-1e308", lambda d: _xlsx(d / "relationships.xlsx", {"relationships": [
        ["source_id", "target_id", "kind", "amount", "extra"], ["b_bank", "a_co", "lends_to", 1e308, 1],
        ["b_bank", "d_tech", "lends_to", 5, 1.7e308]]}), 1,
         ["relationships.xlsx#relationships:2", "[amount]", "relationships.xlsx#relationships:3", "[extra]", "beyond the bound"]),
    Case("xlsx-not-a-zip", lambda d: _w(d / "parties.xlsx", b"not a zip at all"), 1, ["parties.xlsx", "not a zip", "re-export"]),
    Case("xlsx-truncated-zip", lambda d: _w(d / "parties.xlsx", _xlsx(d / "x" / "p.xlsx", {"s": [["id"]]}).read_bytes()[:300]),
         1, ["parties.xlsx", "XLSX", "save it again"]),
    Case("xlsx-too-many-columns", lambda d: _xlsx(d / "parties.xlsx", {"parties": [[f"c{i}" for i in range(60)], ["x"] * 60]}),
         1, ["parties.xlsx#parties", "60 columns", "STAKEGRAPH_LOAD_MAX_COLUMNS"], bounds=Bounds(max_columns=50)),
    Case("xlsx-field-too-long", lambda d: _xlsx(d / "parties.xlsx", {"parties": [["id", "name", "kind"], ["p1", "N" * 200, "bank"]]}),
         1, ["parties.xlsx#parties:2", "[name]", "200 characters", "STAKEGRAPH_LOAD_MAX_FIELD_CHARS"],
         bounds=Bounds(max_field_chars=100)),
    Case("xlsx-two-sheets-two-quarantines", lambda d: _xlsx(d / "book.xlsx", {
        "parties": [["id", "name", "kind"], ["ok1", "A", "bank"], ["bad1", "B", "bnk"]],
        "parties_more": [["id", "name", "kind"], ["ok2", "A", "bank"], ["bad2", "B", "bnk"]]}),
         1, ["book.xlsx#parties:3", "book.xlsx#parties_more:3", "'bnk' is not a party kind", FIX], mode="lenient",
         check=_check_two_quarantines),
    # CSV
    Case("csv-columns-over-default", lambda d: _parties(d, "p1,N,bank", header="id,name,kind," + ",".join(f"c{i}" for i in range(16_400))),
         1, ["parties.csv", "16,403 columns", "16,384", "STAKEGRAPH_LOAD_MAX_COLUMNS", "split the file"]),
    Case("csv-line-over-16mib", lambda d: _parties(d, "p1," + "N" * (17 * MIB) + ",bank"), 1,
         ["parties.csv", "line 2", "16,777,216 bytes", "STAKEGRAPH_LOAD_MAX_ROW_BYTES"]),
    Case("csv-field-over-bound", lambda d: _parties(d, "p1,\"" + "N" * 200_000 + "\",bank"), 1,
         ["parties.csv", "row 2", "field larger than field limit", "STAKEGRAPH_LOAD_MAX_FIELD_CHARS"]),
    Case("csv-two-boms-handled", lambda d: _w(d / "parties.csv", "\ufeff\ufeffid,name,kind\np_bom,B,bank\n".encode()), 0, []),
    Case("csv-id-20k-chars", lambda d: _parties(d, f"{ID20K},N,bank"), 1,
         ["parties.csv:2", "[id]", "20,000 characters", "256", "STAKEGRAPH_LOAD_MAX_ID_CHARS", "hash"]),
    Case("csv-endpoint-20k-chars", lambda d: _rels(d, f"b_bank,{ID20K},lends_to,5,CNY,"), 1,
         ["relationships.csv:2", "[target_id]", "20,000 characters", "STAKEGRAPH_LOAD_MAX_ID_CHARS"]),
    Case("csv-amount-5000-digits", lambda d: _rels(d, f"b_bank,a_co,lends_to,{DIGITS},CNY,"), 1,
         ["relationships.csv:2", "[amount]", "not a valid float", "plain number"]),
    Case("csv-amount-1e308", lambda d: _rels(d, "b_bank,a_co,lends_to,1e308,CNY,", "c_fund,a_co,lends_to,1.7e308,CNY,"), 1,
         ["relationships.csv:2", "relationships.csv:3", "[amount]", "beyond the bound of ±1e+15", "scale it"]),
    Case("csv-amount-inf", lambda d: _rels(d, "b_bank,a_co,lends_to,inf,CNY,", "b_bank,d_tech,lends_to,-Infinity,CNY,"), 1,
         ["relationships.csv:2", "relationships.csv:3", "[amount]", "plain number"]),
    Case("csv-total-assets-overflow", lambda d: _parties(d, "p_big,N,bank,1e309", header="id,name,kind,total_assets"), 1,
         ["parties.csv:2", "[total_assets]", "plain number"]),
    Case("csv-provenance-column", lambda d: _parties(d, "p1,N,bank,evil.csv", header="id,name,kind,source_file"), 1,
         ["parties.csv:2", "[source_file]", "provenance, written only by stakegraph", "remove the source_file column"]),
    Case("csv-provenance-load-id", lambda d: _w(d / "relationships.csv",
         "source_id,target_id,kind,load_id\nb_bank,a_co,lends_to,load_forged\n"), 1,
         ["relationships.csv:2", "[load_id]", "provenance"]),
    Case("csv-formula-header-quarantine", lambda d: _parties(d, "bad,N,bnk,1,2", header="id,name,kind,=HYPERLINK(\"http://x\"),@SUM(1)"),
         1, ["parties.csv:2", "'bnk' is not a party kind", FIX], mode="lenient", check=_check_header_neutralised),
    Case("csv-nul-bytes", lambda d: _w(d / "parties.csv", b"id,name,kind\np1,\x00N,bank\n"), 1, ["parties.csv", "NUL bytes", "UTF-8"]),
    Case("csv-type-flip", lambda d: _w(d / "projects.csv", "id,name,country\nb_bank,Flipped,CN\n"), 1,
         ["projects.csv:2", "[id]", "already a party", "never changed", "another id"]),
    Case("csv-many-columns-in-a-row", lambda d: _parties(d, "p1,N,bank," + ",".join(["x"] * 20_000)), 1,
         ["parties.csv:2", "20,003 values", "header has 3 columns"]),
    # JSON Lines
    Case("jsonl-row-over-16mib", lambda d: _jsonl(d, '{"id": "p1", "name": "%s", "kind": "bank"}' % ("N" * (17 * MIB)),
         '{"id": "p2", "name": "ok", "kind": "bank"}'), 1, ["parties.jsonl:1", "16,777,216 bytes", "STAKEGRAPH_LOAD_MAX_ROW_BYTES"]),
    Case("jsonl-nan-declared", lambda d: _jsonl(d, '{"id": "p1", "name": "N", "kind": "bank", "total_assets": NaN}'), 1,
         ["parties.jsonl:1", "[total_assets]", "NaN", "finite"]),
    Case("jsonl-infinity-undeclared", lambda d: _jsonl(d, '{"id": "p1", "name": "N", "kind": "bank", "extra": Infinity}'), 1,
         ["parties.jsonl:1", "[extra]", "Infinity", "finite"]),
    Case("jsonl-neg-infinity-in-list", lambda d: _jsonl(d, '{"id": "p1", "name": "N", "kind": "bank", "tags": [1, -Infinity]}'), 1,
         ["parties.jsonl:1", "[tags]", "-Infinity", "finite"]),
    Case("jsonl-5000-digit-int", lambda d: _jsonl(d, '{"id": "p1", "name": "N", "kind": "bank", "extra": ' + DIGITS + "}"), 1,
         ["parties.jsonl:1", "number that cannot be read", "at most 18 digits"]),
    Case("jsonl-int-above-2-63", lambda d: _jsonl(d, '{"id": "p1", "name": "N", "kind": "bank", "extra": ' + str(2**64) + "}"), 1,
         ["parties.jsonl:1", "[extra]", "64-bit integer range", "whole number between"]),
    Case("jsonl-float-1e308-undeclared", lambda d: _jsonl(d, '{"id": "p1", "name": "N", "kind": "bank", "extra": 1e308}'), 1,
         ["parties.jsonl:1", "[extra]", "beyond the bound", "scale it"]),
    Case("jsonl-deep-nesting", lambda d: _jsonl(d, '{"id": "p1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"), 1,
         ["parties.jsonl:1", "nested deeper than the bound of 8", "STAKEGRAPH_LOAD_MAX_JSON_DEPTH", "flatten"]),
    Case("jsonl-100k-keys", lambda d: _jsonl(d, json.dumps({"id": "p1", "name": "N", "kind": "bank", **{f"k{i}": 1 for i in range(100_000)}})),
         1, ["parties.jsonl:1", "100,003 keys", "16,384", "STAKEGRAPH_LOAD_MAX_COLUMNS"]),
    Case("jsonl-two-boms-handled", lambda d: _w(d / "parties.jsonl", '\ufeff\ufeff{"id": "p_bom2", "name": "B", "kind": "bank"}\n'.encode()), 0, []),
    Case("jsonl-provenance-key", lambda d: _jsonl(d, '{"id": "p1", "name": "N", "kind": "bank", "source_row": 7}'), 1,
         ["parties.jsonl:1", "[source_row]", "provenance"]),
    Case("jsonl-id-20k", lambda d: _jsonl(d, json.dumps({"id": ID20K, "name": "N", "kind": "bank"})), 1,
         ["parties.jsonl:1", "[id]", "STAKEGRAPH_LOAD_MAX_ID_CHARS"]),
    Case("jsonl-lone-surrogates", lambda d: _jsonl(d, '{"id": "p1", "name": "\\ud800x", "kind": "bank"}',
         '{"id": "p2", "\\udc00": 1, "name": "N", "kind": "bank"}'), 1,
         ["parties.jsonl:1 [name]", "parties.jsonl:2 [\\udc00]", "unpaired UTF-16 surrogate", "both halves"], mode="lenient"),
    # JSON array
    Case("json-top-level-infinity", lambda d: _w(d / "parties.json", "[Infinity, -Infinity]"), 1,
         ["parties.json:1", "is Infinity, not an object", "parties.json:2", "one JSON object per row"]),
    Case("json-element-over-bound", lambda d: _w(d / "parties.json", json.dumps([{"id": "p1", "name": "N" * (2 * MIB), "kind": "bank"}])),
         1, ["parties.json", "element 1", "65,536 bytes", "STAKEGRAPH_LOAD_MAX_ROW_BYTES"], bounds=SMALL),
    Case("json-nan", lambda d: _w(d / "parties.json", '[{"id": "p1", "name": "N", "kind": "bank", "capital": NaN}]'), 1,
         ["parties.json:1", "[capital]", "NaN", "finite"]),
    Case("json-5000-digit-int", lambda d: _w(d / "parties.json", '[{"id": "p1", "name": "N", "kind": "bank", "x": ' + DIGITS + "}]"), 1,
         ["parties.json", "element 1", "number that cannot be read", "at most 18 digits"]),
    Case("json-deep-element", lambda d: _w(d / "parties.json", '[{"id": "p1", "x": ' + "[" * 50 + "]" * 50 + "}]"), 1,
         ["parties.json:1", "nested deeper than the bound", "STAKEGRAPH_LOAD_MAX_JSON_DEPTH"]),
    Case("json-two-boms-handled", lambda d: _w(d / "parties.json", '\ufeff\ufeff[{"id": "p_bom3", "name": "B", "kind": "bank"}]'.encode()), 0, []),
    # YAML mappings
    Case("yaml-billion-laughs", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "expands to more than 20,000 values",
         "STAKEGRAPH_LOAD_MAX_MAPPING_NODES", "write the values out"], mapping=_mapping(_laughs())),
    Case("yaml-self-reference", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "refers to itself", "remove the alias"],
         mapping=_mapping("name: t\nfiles: {p: 'parties*.csv'}\nx: &a [1, *a]\nentities: []\n")),
    Case("yaml-self-reference-in-filter", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "refers to itself"],
         mapping=_mapping("name: t\nfiles: {p: 'parties*.csv'}\nentities:\n  - {name: e1, from: p, node: party, id: id,"
                          " filters: [{column: id, op: in, value: &v [a, *v]}]}\n")),
    Case("yaml-too-many-aliases", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "aliases", "write the values out"],
         mapping=_mapping("name: t\nfiles: {p: 'parties*.csv'}\nx: &a 1\ny: [" + ", ".join(["*a"] * 150) + "]\nentities: []\n")),
    Case("yaml-lone-surrogate", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "unpaired UTF-16 surrogate"],
         mapping=_mapping('name: t\nfiles: {p: "parties*.csv"}\nentities:\n  - {name: e1, from: p, node: party, id: id,'
                          ' props: {name: name, kind: kind}, constants: {country: "\\ud800"}}\n')),
    Case("yaml-deep-nesting", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "nested too deeply", "flatten"],
         mapping=_mapping("name: t\nx: " + "[" * 5000 + "]" * 5000 + "\n")),
    Case("yaml-too-large", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "bytes, more than the bound", "STAKEGRAPH_LOAD_MAX_MAPPING_BYTES"],
         mapping=_mapping("name: t\ndescription: '" + "x" * (2 * MIB) + "'\n")),
    Case("regex-nested-quantifier", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "entities[e1].props.kind", "^(a+)+$",
         "catastrophic backtracking", "rewrite"], mapping=_mapping(
             "name: t\nfiles: {p: 'parties*.csv'}\nentities:\n  - name: e1\n    from: p\n    node: party\n    id: id\n"
             "    props:\n      name: name\n      kind: {column: kind, match: [{pattern: '^(a+)+$', value: bank}]}\n")),
    Case("regex-invalid", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "props.kind", "not a valid regular expression"],
         mapping=_mapping("name: t\nfiles: {p: 'parties*.csv'}\nentities:\n  - name: e1\n    from: p\n    node: party\n    id: id\n"
                          "    props:\n      name: name\n      kind: {column: kind, match: [{pattern: '(', value: bank}]}\n")),
    Case("regex-filter-backtracking", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "filters", "(x+x+)+y", "catastrophic"],
         mapping=_mapping("name: t\nfiles: {p: 'parties*.csv'}\nentities:\n  - {name: e1, from: p, node: party, id: id,"
                          " filters: [{column: name, op: matches, value: '(x+x+)+y'}]}\n")),
    Case("template-attribute", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "entities[e1].id", "{x.__class__}", "must name a column"],
         mapping=_mapped("{template: '{x.__class__}'}")),
    Case("template-huge-width", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "entities[e1].id", "{id:>400000000}", "bound of 256"],
         mapping=_mapped("{template: '{id:>400000000}'}")),
    Case("template-positional", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "{0}", "must name a column"],
         mapping=_mapped("{template: 'x{0}'}")),
    Case("template-conversion", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "{id!r}", "conversions are not allowed"],
         mapping=_mapped("{template: '{id!r}'}")),
    Case("template-nested-spec", lambda d: _parties(d, "p1,N,bank"), 3, ["m.yml", "format spec not allowed"],
         mapping=_mapped("{template: '{id:{name}}'}")),
    Case("mapping-sets-provenance", lambda d: _rels(d, "b_bank,a_co,lends_to,5,CNY,"), 3,
         ["m.yml", "source_file is provenance", "remove it"], mapping=_mapping(
             "name: t\nfiles: {r: 'relationships*.csv'}\nentities:\n  - {name: e1, from: r, edge: lends_to, source: source_id,"
             " target: target_id, constants: {source_file: forged.csv}}\n")),
    # inputs and report files
    Case("symlink-refused", _symlinked, 2, ["parties.csv", "symbolic link", "--follow-symlinks"]),
    Case("symlink-followed-when-asked", _symlinked, 0, [], kwargs={"follow_symlinks": True}),
    Case("two-same-named-files-two-quarantines", _two_folders, 1, ["a/parties.csv:3", "b/parties.csv:3", FIX],
         mode="lenient", check=_check_two_quarantines),
    Case("report-files-never-overwritten", _pre_existing, 1, ["parties.csv:3", FIX], mode="lenient",
         check=_check_not_overwritten),
    # warnings, not errors
    Case("ownership-above-100", lambda d: _rels(d, "b_bank,a_co,owns,,,60", "c_fund,a_co,owns,,,70"), 0,
         ["ownership of a_co adds up to 130%", "check the shares"]),
    Case("ownership-cycle", lambda d: _rels(d, "a_co,d_tech,owns,,,10", "d_tech,a_co,controls,,,"), 0,
         ["ownership/control cycle among a_co, d_tech", "check the direction"]),
]


# -- running a case ------------------------------------------------------------------------------------------
def _hwm_reset() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _hwm() -> int:
    return _status("VmHWM")


def _state(store: GraphStore) -> tuple[Any, str]:
    return store.counts(), store.graph_version()


def run_case(case: Case, d: Path, store: GraphStore) -> tuple[int, str, LoadReport | None]:
    """``(exit code, every message, report)`` of one case through :func:`load`."""
    paths = case.build(d)
    mapping = case.mapping(d) if case.mapping else None
    try:
        report = load(paths, store, mapping=mapping, mode=case.mode, bounds=case.bounds,  # type: ignore[arg-type]
                      report_dir=d / "rep", **case.kwargs)
    except StakegraphError as e:
        return e.exit_code, str(e), None
    text = "\n".join([*map(str, report.errors), *report.warnings])
    return (1 if report.errors else 0), text, report


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    store = EmbeddedStore(tmp_path_factory.mktemp("hostile") / "store.sqlite")
    load(CANONICAL, store)
    return store


def test_corpus_is_large_and_distinct() -> None:
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file(case: Case, tmp_path: Path, base_store: GraphStore) -> None:
    changes = case.code == 0 or case.mode == "lenient"
    store = EmbeddedStore(tmp_path / "own.sqlite") if changes else base_store
    if changes:
        load(CANONICAL, store)
    before = _state(store)
    measured = _hwm_reset()
    base = _status("VmRSS")  # what the test process already holds (the rest of the suite, in a full run)
    t0 = time.monotonic()
    code, text, report = run_case(case, tmp_path, store)
    elapsed = time.monotonic() - t0
    peak = _hwm() - base if measured else 0  # what this case added at its peak
    assert code == case.code, text
    for needle in case.expect:
        assert needle in text, f"{needle!r} not in:\n{text[:2000]}"
    if code != 0:
        assert "fix" in text, text[:2000]
    if code != 0 and case.mode == "strict":
        assert _state(store) == before, "a refused load changed the store"
    if case.code == 0 and case.expect:  # warnings: loaded, reported, not refused
        assert report is not None and report.written and report.warnings
    if case.check:
        case.check(tmp_path, report)
    assert elapsed < MAX_S, f"{case.id} took {elapsed:.1f} s"
    assert peak < MAX_RSS, f"{case.id} peaked at {peak / MIB:.0f} MiB"


def test_symlink_target_is_not_copied_into_the_quarantine(tmp_path: Path, base_store: GraphStore) -> None:
    folder = _symlinked(tmp_path)
    with pytest.raises(StakegraphError, match="symbolic link"):
        load(folder, base_store, mode="lenient", report_dir=tmp_path / "rep")
    assert not (tmp_path / "rep").exists()


def test_report_folder_on_a_full_disk_is_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from stakegraph.loaders import ReportError
    from stakegraph.loaders import report as report_mod

    def full(*_a: Any, **_k: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    store = EmbeddedStore(tmp_path / "s.sqlite")
    monkeypatch.setattr(report_mod, "_create", full)
    with pytest.raises(ReportError) as e:
        load(_parties(tmp_path, "p1,N,bank"), store, report_dir=tmp_path / "rep")
    assert "No space left on device" in str(e.value) and "free disk space" in str(e.value)
    assert "was written to the store" in str(e.value) and e.value.exit_code == 4


def test_zip_bomb_in_a_child_process_stays_small(tmp_path: Path) -> None:
    bomb = _zip_bomb(tmp_path)
    # the child reports its own peak from /proc (VmHWM of its own memory map): RUSAGE_CHILDREN in the
    # parent is the largest child ever waited for (a Neo4j or uvicorn child of an earlier test in a full
    # run), and ru_maxrss survives execve, so a child forked from a large test process inherits its size
    code = ("import sys; from pathlib import Path; from stakegraph.loaders import load; "
            "from stakegraph.store import EmbeddedStore; "
            "r = load(sys.argv[1], EmbeddedStore(sys.argv[2])); print(r.errors[0]); "
            "hwm = [l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM:')]; "
            "print('PEAK', int(hwm[0].split()[1]) * 1024)")
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code, str(bomb), str(tmp_path / "s.sqlite")], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "STAKEGRAPH_NEO4J_URI": ""})
    elapsed = time.monotonic() - t0
    assert out.returncode == 0, out.stderr
    peak = int(out.stdout.rsplit("PEAK ", 1)[1].split()[0])
    assert "STAKEGRAPH_LOAD_MAX_COMPRESSION_RATIO" in out.stdout
    assert elapsed < MAX_S and peak < MAX_RSS


# -- the same through the CLI ------------------------------------------------------------------------------------
runner = CliRunner()
CLI_CASES = ["xlsx-zip-bomb-ratio", "csv-id-20k-chars", "yaml-billion-laughs", "symlink-refused", "template-attribute",
             "csv-two-boms-handled"]


@pytest.mark.parametrize("case_id", CLI_CASES)
def test_cli_exit_code_and_message(case_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stakegraph.cli.main import app

    case = next(c for c in CASES if c.id == case_id)
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["load", str(CANONICAL), "-q"]).exit_code == 0
    paths = case.build(tmp_path)
    args = ["load", *(map(str, paths) if isinstance(paths, list) else [str(paths)]), "-q", "--report-dir", "rep"]
    if case.mapping:
        args += ["--mapping", str(case.mapping(tmp_path))]
    out = runner.invoke(app, args)
    assert out.exit_code == case.code, out.output
    text = out.output
    for needle in case.expect:
        assert needle in text, f"{needle!r} not in {text[:1500]}"
    assert "Traceback" not in text
    if case.code == 1:
        folder = tmp_path / "rep"
        with open(folder / "report.json", encoding="utf-8") as f:
            assert json.load(f)["errors"]

"""Write the loader test fixtures: encodings, formats and the malformed corpus.

Run from the repository root: ``python tests/data/loaders/make_fixtures.py``.
The outputs are committed; the 1,000,000-empty-lines file is made by the test itself.
"""

from __future__ import annotations

import codecs
import json
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parents[1]
LOADERS = HERE / "loaders"
MALFORMED = HERE / "malformed"

ZH_PARTIES = [
    ["编号", "名称", "类型", "国家", "总资产", "英文名称"],
    ["zh_bank", "中国银行", "bank", "中国", "28900000000000.5", "Bank of China"],
    ["zh_corp", "华为技术有限公司", "corporate", "中国", "1064000000000", "Huawei"],
    ["zh_fund", "红杉资本（中国）", "fund", "中国", "", "HongShan"],
]
ZH_RELS = [
    ["来源", "目标", "类型", "金额", "币种", "状态"],
    ["zh_bank", "zh_corp", "lends_to", "1234567.89", "人民币", "正常"],
    ["zh_fund", "zh_corp", "invests_in", "500000000", "CNY", "active"],
]


def _csv(rows: list[list[str]], sep: str = ",") -> str:
    out = []
    for r in rows:
        cells = []
        for c in r:
            if any(x in c for x in (sep, '"', "\n", "\r")):
                c = '"' + c.replace('"', '""') + '"'
            cells.append(c)
        out.append(sep.join(cells))
    return "\r\n".join(out) + "\r\n"


def write(path: Path, data: str | bytes, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))


def encodings() -> None:
    for folder, enc in (("utf8", "utf-8"), ("bom", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gbk")):
        write(LOADERS / "encodings" / folder / "parties.csv", _csv(ZH_PARTIES), enc)
        write(LOADERS / "encodings" / folder / "relationships.csv", _csv(ZH_RELS), enc)


def formats() -> None:
    base = LOADERS / "formats"
    header, *rows = ZH_PARTIES
    rh, *rrows = ZH_RELS
    write(base / "csv" / "parties.csv", _csv(ZH_PARTIES))
    write(base / "csv" / "relationships.csv", _csv(ZH_RELS))
    write(base / "tsv" / "parties.tsv", _csv(ZH_PARTIES, "\t"))
    write(base / "tsv" / "relationships.tsv", _csv(ZH_RELS, "\t"))
    objs = [dict(zip(header, r, strict=True)) for r in rows]
    robjs = [dict(zip(rh, r, strict=True)) for r in rrows]
    write(base / "json" / "parties.json", json.dumps(objs, ensure_ascii=False, indent=1))
    write(base / "json" / "relationships.json", json.dumps(robjs, ensure_ascii=False))
    write(base / "jsonl" / "parties.jsonl", "\n".join(json.dumps(o, ensure_ascii=False) for o in objs) + "\n")
    write(base / "jsonl" / "relationships.jsonl", "\n".join(json.dumps(o, ensure_ascii=False) for o in robjs))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "parties"
    for r in ZH_PARTIES:
        ws.append(r)
    ws2 = wb.create_sheet("relationships")
    for r in ZH_RELS:
        ws2.append(r)
    (base / "xlsx").mkdir(parents=True, exist_ok=True)
    wb.save(base / "xlsx" / "book.xlsx")


def malformed() -> None:
    m = MALFORMED
    latin = [["id", "name", "kind", "country"], ["p_mueller", "Müller Anlagenbau", "corporate", "DE"],
             ["p_soc", "Société Générale", "bank", "FR"]]
    write(m / "latin1_parties.csv", _csv(latin), "latin-1")
    write(m / "cp1252_parties.csv", _csv([["id", "name", "kind"], ["p_q", "“Quoted” Café", "corporate"]]), "cp1252")
    write(m / "utf16_bom_parties.csv", codecs.BOM_UTF16_LE + _csv(ZH_PARTIES).encode("utf-16-le"))
    write(m / "utf16_nobom_parties.csv", _csv(ZH_PARTIES).encode("utf-16-le"))
    write(m / "bom_parties.csv", _csv(ZH_PARTIES), "utf-8-sig")
    write(m / "gb18030_parties.csv", _csv(ZH_PARTIES), "gb18030")
    write(m / "embedded_newlines_parties.csv", _csv([
        ["id", "name", "kind", "note"],
        ["p_nl", 'Line one\nline "two", with comma', "corporate", "a\r\nb"],
        ["p_q2", '"quoted" name', "supplier", ""],
    ]))
    write(m / "formula_injection_parties.csv", _csv([
        ["id", "name", "kind", "note"],
        ["p_f1", "=cmd|' /C calc'!A0", "corporate", "=HYPERLINK(\"http://x\")"],
        ["p_f2", "@SUM(1+1)*cmd|' /C calc'!A0", "corporate", "+1+1"],
        ["p_f3", "-2+3+cmd|' /C calc'!A0", "corporate", "\tTAB"],
    ]))
    write(m / "huge_field_parties.csv", _csv([["id", "name", "kind"], ["p_big", "x" * 200_000, "corporate"]]))
    write(m / "unknown_kinds_parties.csv", _csv([
        ["id", "name", "kind"], ["p_k1", "Kind One", "banc"], ["p_k2", "Kind Two", "corporate"],
        ["p_k3", "Kind Three", "Bank "],
    ]))
    write(m / "unknown_kinds_relationships.csv", _csv([
        ["source_id", "target_id", "kind", "amount"], ["b_bank", "a_co", "lends", "1"],
        ["b_bank", "a_co", "LENDS_TO", "2"], ["b_bank", "a_co", "lends_to", "3"],
    ]))
    write(m / "dangling_relationships.csv", _csv([
        ["source_id", "target_id", "kind", "amount"], ["b_bank", "nobody_1", "lends_to", "10"],
        ["ghost_bank", "a_co", "lends_to", "20"], ["b_bank", "d_tech", "lends_to", "30"],
    ]))
    write(m / "duplicate_ids_parties.csv", _csv([
        ["id", "name", "kind"], ["p_dup", "First", "corporate"], ["p_ok", "Fine", "corporate"],
        ["p_dup", "Second", "corporate"], ["p_dup", "Third", "corporate"],
    ]))
    write(m / "negative_amounts_relationships.csv", _csv([
        ["source_id", "target_id", "kind", "amount", "currency"], ["b_bank", "a_co", "lends_to", "-500000", "CNY"],
        ["c_fund", "d_tech", "invests_in", "-1", "CNY"],
    ]))
    write(m / "non_numeric_amounts_relationships.csv", _csv([
        ["source_id", "target_id", "kind", "amount", "currency"],
        ["b_bank", "a_co", "lends_to", "1,5 Mio", "EUR"], ["c_fund", "d_tech", "invests_in", "¥500万", "CNY"],
        ["dev_bank_1", "p_solar_1", "lends_to", "NaN", "USD"],
    ]))
    write(m / "shares_out_of_range_relationships.csv", _csv([
        ["source_id", "target_id", "kind", "share_pct"], ["c_fund", "d_tech", "owns", "150"],
        ["c_fund", "a_co", "owns", "-3"],
    ]))
    write(m / "dates_out_of_range_projects.csv", _csv([
        ["id", "name", "start_date", "end_date", "total_cost"], ["p_d1", "Too old", "1850-01-01", "", ""],
        ["p_d2", "No such day", "2024-13-45", "", ""], ["p_d3", "Far future", "2024-01-01", "9999-12-31", ""],
    ]))
    write(m / "missing_required_parties.csv", _csv([
        ["id", "name", "kind"], ["", "No id", "corporate"], ["p_noname", "", "corporate"],
    ]))
    write(m / "ragged_rows_parties.csv", "id,name,kind\r\np_r1,Fine,corporate\r\np_r2,Acme, Inc.,corporate\r\n")
    write(m / "unknown_role_data.csv", _csv([["foo", "bar"], ["1", "2"]]))
    write(m / "empty_parties.csv", b"")
    write(m / "binary_parties.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(m / "deeply_nested_parties.json", "[" * 100_000 + "]" * 100_000)
    write(m / "nested_object_parties.jsonl",
          '{"id": "p_n1", "name": "Flat", "kind": "corporate"}\n'
          '{"id": "p_n2", "name": {"zh": "嵌套"}, "kind": "corporate"}\n'
          '{"id": "p_n3", "name": "Broken JSON", "kind": \n')
    write(m / "truncated_parties.json", '[{"id": "p_t1", "name": "One", "kind": "corporate"}, {"id": "p_t2", "na')
    # the canonical GB18030 and BOM files with several bad rows each (Chinese headers)
    bad = [["来源", "目标", "类型", "金额", "比例"],
           ["b_bank", "a_co", "lends_to", "-5", ""],
           ["b_bank", "无此方", "lends_to", "5", ""],
           ["c_fund", "d_tech", "投资", "5", ""],
           ["c_fund", "d_tech", "owns", "", "101"]]
    write(m / "gb18030_bad_relationships.csv", _csv(bad), "gb18030")
    write(m / "bom_bad_relationships.csv", _csv(bad), "utf-8-sig")
    # a truncated workbook: the first half of a valid one
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "parties"
    for r in ZH_PARTIES:
        ws.append(r)
    full = m / "_full.xlsx"
    wb.save(full)
    data = full.read_bytes()
    full.unlink()
    write(m / "truncated_parties.xlsx", data[: len(data) // 2])
    # a workbook whose cell is a formula (never evaluated)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "parties"
    ws.append(["id", "name", "kind"])
    ws.append(["p_x1", "Plain", "corporate"])
    ws.append(["p_x2", "=1+1", "corporate"])
    wb.save(m / "formula_cells_parties.xlsx")
    assert zipfile.is_zipfile(m / "formula_cells_parties.xlsx")


if __name__ == "__main__":
    encodings()
    formats()
    malformed()

"""The canonical layout's fast path makes exactly what the per-row converter makes, or defers to it.

Second implementation as reference: ``CanonicalConverter.convert`` (the per-row path every error test
covers). Every CSV record of the bundled sample, of a generated portfolio and of rows with tricky
values must either be refused by the fast path (``None``: the row then takes the per-row path) or
give the same records, property for property.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import pytest

from stakegraph.loaders.bounds import Bounds, using
from stakegraph.loaders.canonical import CanonicalConverter, fast_converter, role_from_name
from stakegraph.loaders.formats import RawRow, csv_records, open_tables
from stakegraph.model import EdgeRecord

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
TRICKY = ["", " ", "  12 ", "1,000", "12%", "1_000", "nan", "inf", "-1", "1e16", "2020/01/01", "2020-02-30",
          "2020-01-01", " 2020-01-01", "1899-12-31", "true", "yes", "x", "USD", "usd", "active", "a;b", "[1]",
          "0.5", "150", "１２", "pty_0000001", "prj_0000000"]


def _slow(conv: CanonicalConverter, header: list[str], n: int, rec: list[str]) -> list[tuple[Any, ...]] | None:
    res = conv.convert(RawRow(n, dict(zip(header, rec, strict=False))))
    if res.issues or res.skip:
        return None
    out = []
    for it in res.items:
        r = it.record
        if isinstance(r, EdgeRecord):
            out.append((True, r.id, r.kind, r.source, r.target, dict(r.props), it.source_col, it.target_col))
        else:
            out.append((False, r.id, r.type, "", "", dict(r.props), "", ""))
    return out


def _check_file(path: Path) -> int:
    (table,) = open_tables(path, path.name)
    compared = 0
    with using(Bounds()):
        rows = list(csv_records(table))
        conv = CanonicalConverter(role_from_name(path.name) or "", table.header)
        fast = fast_converter(conv, Bounds().max_id_chars)
        assert fast is not None
        for n, rec, bad in rows:
            if bad is not None:
                continue
            got = fast(rec)
            want = _slow(conv, table.header, n, rec)
            if got is None:
                continue
            assert want is not None, f"{path.name}:{n}: the fast path accepted a row the converter rejects"
            assert got == want, f"{path.name}:{n}"
            compared += 1
    return compared


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLE.glob("*.csv") if role_from_name(p.name)))
def test_sample_files_same_records(name: str) -> None:
    assert _check_file(SAMPLE / name) > 0


def test_generated_portfolio_same_records(tmp_path: Path) -> None:
    from stakegraph.samples.scale import generate

    generate(200, seed=3, out_dir=tmp_path)
    for f in sorted(tmp_path.glob("*.csv")):
        assert _check_file(f) > 0, f.name


@pytest.mark.parametrize("name", ["parties.csv", "relationships.csv", "contracts.csv", "signals.csv",
                                  "interactions.csv", "projects.csv"])
def test_tricky_values_same_or_deferred(tmp_path: Path, name: str) -> None:
    """Each column of a real row replaced in turn by each tricky value: same records or deferred."""
    src = SAMPLE / name
    with src.open(encoding="utf-8", newline="") as f:
        header, first = list(itertools.islice(csv.reader(f), 2))
    out = tmp_path / name
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i, value in itertools.product(range(len(header)), TRICKY):
            w.writerow([value if j == i else v for j, v in enumerate(first)])
    assert _check_file(out) > 0

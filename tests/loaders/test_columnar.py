"""The batched, column-by-column canonical path equals the per-row paths it replaces.

Three references: :func:`stakegraph.loaders.formats.csv_records` (the rows read, their numbers and
problems), :func:`stakegraph.loaders.canonical.fast_converter` (the per-row fast path, itself held to
``CanonicalConverter.convert`` by tests/loaders/test_fast_path.py) and, for whole loads, the per-row
converter alone (every row through ``CanonicalConverter.convert``): same store contents (ids,
properties, provenance) and the same report (counts, errors, warnings) on the bundled sample, a
generated portfolio, the canonical fixtures and the malformed files.
"""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from stakegraph.loaders import load, pipeline
from stakegraph.loaders.bounds import Bounds, using
from stakegraph.loaders.canonical import CanonicalConverter, fast_converter, role_from_name
from stakegraph.loaders.columnar import batch_converter, csv_batches
from stakegraph.loaders.errors import FileFormatError
from stakegraph.loaders.formats import csv_records, open_tables
from stakegraph.store.embedded import EmbeddedStore
from tests.loaders.helpers import CANONICAL, MALFORMED, dump
from tests.loaders.test_fast_path import SAMPLE, TRICKY


def _rows(path: Path, size: int) -> tuple[list[Any], list[Any], Exception | None, Exception | None]:
    """What csv_records and csv_batches give for ``path`` (records, then the error each raised)."""
    (table,) = open_tables(path, path.name)
    want: list[Any] = []
    got: list[Any] = []
    err_want = err_got = None
    try:
        for n, rec, bad in csv_records(table):
            want.append((n, rec, bad))
    except FileFormatError as e:
        err_want = e
    (table,) = open_tables(path, path.name)
    try:
        for batch in csv_batches(table, size):
            got.extend(batch)
    except FileFormatError as e:
        err_got = e
    return want, got, err_want, err_got


def _same_rows(path: Path, size: int = 7) -> int:
    want, got, err_want, err_got = _rows(path, size)
    assert got == want, path.name
    assert str(err_got) == str(err_want), path.name
    return len(want)


def _same_records(path: Path, size: int = 7) -> int:
    """Every batch converted gives, row by row, what the per-row fast path gives."""
    (table,) = open_tables(path, path.name)
    compared = 0
    batches = list(csv_batches(table, size))
    conv = CanonicalConverter(role_from_name(path.name) or "", table.header)
    fast = fast_converter(conv, Bounds().max_id_chars)
    many = batch_converter(conv, Bounds().max_id_chars)
    assert fast is not None and many is not None
    for batch in batches:
        recs = [rec for _, rec, bad in batch if bad is None]
        assert many(recs) == [fast(rec) for rec in recs], path.name
        compared += len(recs)
    return compared


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLE.glob("*.csv") if role_from_name(p.name)))
def test_sample_same_rows_and_records(name: str) -> None:
    with using(Bounds()):
        assert _same_rows(SAMPLE / name) > 0
        assert _same_records(SAMPLE / name) > 0


def test_generated_portfolio_same_rows_and_records(tmp_path: Path) -> None:
    from stakegraph.samples.scale import generate

    generate(300, seed=5, out_dir=tmp_path)
    with using(Bounds()):
        for f in sorted(tmp_path.glob("*.csv")):
            assert _same_rows(f, 64) > 0, f.name
            assert _same_records(f, 64) > 0, f.name


@pytest.mark.parametrize("name", ["parties.csv", "relationships.csv", "contracts.csv", "signals.csv",
                                  "interactions.csv", "projects.csv"])
def test_tricky_values_same_records(tmp_path: Path, name: str) -> None:
    """Each cell of a real row replaced by each tricky value, rows shortened and padded, in a
    seeded shuffle (so a batch mixes kinds, deferred rows and good ones)."""
    with (SAMPLE / name).open(encoding="utf-8", newline="") as f:
        header, *body = list(itertools.islice(csv.reader(f), 6))
    rows = [[value if j == i else v for j, v in enumerate(first)]
            for first in body[:2] for i, value in itertools.product(range(len(header)), TRICKY)]
    rows += [r[: len(r) // 2] for r in body] + [[*r, "", " "] for r in body] + body
    random.Random(7).shuffle(rows)
    out = tmp_path / name
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    with using(Bounds()):
        assert _same_rows(out, 50) > 0
        assert _same_records(out, 50) > 0


@pytest.mark.parametrize("name", sorted(p.name for p in MALFORMED.glob("*.csv")))
def test_malformed_files_same_rows(name: str) -> None:
    """Blank, ragged, over-long, unreadable rows: the same rows, problems and error as csv_records."""
    with using(Bounds(max_field_chars=5000, max_row_bytes=20000)):
        try:
            _same_rows(MALFORMED / name, 3)
        except FileFormatError:  # refused when opened (encoding), by both alike
            pass


def test_unreadable_row_after_a_batch(tmp_path: Path) -> None:
    """Rows before an unreadable one are handed over, then the same error."""
    f = tmp_path / "parties.csv"
    f.write_text("id,name,kind\n" + "".join(f"p{i},P {i},bank\n" for i in range(10)) + f"p10,{'x' * 80},bank\n"
                 + "p11,P 11,bank\n", encoding="utf-8")
    with using(Bounds(max_field_chars=50)):
        want, got, err_want, err_got = _rows(f, 4)
    assert got == want and len(want) >= 10
    assert err_want is not None and str(err_got) == str(err_want)


# -- whole loads: the batched path against the per-row converter -----------------------------------
def _load_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paths: Any, **kw: Any) -> tuple[Any, ...]:
    out = []
    for label in ("batched", "per-row"):
        with monkeypatch.context() as m:
            if label == "per-row":
                m.setattr(pipeline, "batch_converter", lambda conv, max_id: None)
            with EmbeddedStore(tmp_path / f"{label}.db") as store:
                report = load(paths, store, **kw)
                out.append((dump(store), report))
    (d1, r1), (d2, r2) = out
    return d1, d2, r1, r2


def _same_report(r1: Any, r2: Any) -> None:
    assert r1.counts == r2.counts
    assert [str(e) for e in r1.errors] == [str(e) for e in r2.errors]
    assert r1.warnings == r2.warnings
    assert r1.rows_read == r2.rows_read
    assert r1.quarantine == r2.quarantine


def test_sample_load_same_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d1, d2, r1, r2 = _load_both(tmp_path, monkeypatch, SAMPLE)
    assert r1.written and not r1.errors
    assert d1 == d2
    _same_report(r1, r2)


def test_generated_portfolio_load_same_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stakegraph.samples.scale import generate

    generate(400, seed=11, out_dir=tmp_path / "p")
    d1, d2, r1, r2 = _load_both(tmp_path, monkeypatch, tmp_path / "p")
    assert r1.written and not r1.errors and len(d1) > 10_000
    assert d1 == d2
    _same_report(r1, r2)


def test_canonical_fixtures_load_same_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d1, d2, r1, r2 = _load_both(tmp_path, monkeypatch, CANONICAL, mode="lenient")
    assert d1 == d2
    _same_report(r1, r2)


@pytest.mark.parametrize("name", sorted(p.name for p in MALFORMED.glob("*.csv")))
def test_malformed_lenient_load_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Bad rows quarantined alike (file, row, column, reason, fix), good ones written alike."""
    d1, d2, r1, r2 = _load_both(tmp_path, monkeypatch, [SAMPLE / "parties.csv", MALFORMED / name],
                                mode="lenient")
    assert d1 == d2
    _same_report(r1, r2)


def test_duplicates_and_dangling_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Duplicate ids across batches and endpoints missing: the same rejections, in the same order."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "parties.csv").write_text(
        "id,name,kind\n" + "".join(f"p{i % 5000},P {i},company\n" for i in range(5200)), encoding="utf-8")
    (folder / "relationships.csv").write_text(
        "source_id,target_id,kind,share_pct\n"
        + "".join(f"p{i},p{(i * 7) % 5300},owns,{i % 120}\n" for i in range(4500)), encoding="utf-8")
    d1, d2, r1, r2 = _load_both(tmp_path, monkeypatch, folder, mode="lenient")
    assert r1.errors and d1 == d2
    _same_report(r1, r2)


@pytest.mark.parametrize("enabled", [True, False])
def test_load_leaves_the_collector_as_it_was(tmp_path: Path, enabled: bool) -> None:
    """The cyclic collector is paused during a load and left as the caller had it (even on an error)."""
    import gc

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with EmbeddedStore(tmp_path / "g.db") as store:
            load(SAMPLE, store)
            assert gc.isenabled() is enabled
            with pytest.raises(ValueError):
                load(SAMPLE, store, mode="sloppy")  # type: ignore[arg-type]
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()

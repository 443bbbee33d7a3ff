"""Compressed inputs (.gz, .xz) load like the file inside; a decompression bomb is refused while it is read."""

from __future__ import annotations

import gzip
import hashlib
import lzma
import re
import shutil
from pathlib import Path

import pytest

from stakegraph.loaders import Bounds, load
from stakegraph.loaders.compressed import data_suffix, plain_name
from stakegraph.store import EmbeddedStore
from tests.loaders.helpers import LOADERS, without_provenance

pytestmark = pytest.mark.security
WORLDBANK = Path(__file__).resolve().parents[2] / "data" / "worldbank"


def _graph(path: Path, tmp_path: Path, name: str) -> dict[str, dict]:
    store = EmbeddedStore(tmp_path / f"{name}.sqlite")
    report = load(path, store)
    assert report.ok, [str(e) for e in report.errors]
    return without_provenance(store)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json"])
@pytest.mark.parametrize("codec", ["gz", "xz"])
def test_compressed_files_load_like_the_plain_ones(fmt: str, codec: str, tmp_path: Path) -> None:
    src = LOADERS / "formats" / fmt
    packed = tmp_path / "packed"
    packed.mkdir()
    opener = gzip.open if codec == "gz" else lzma.open
    for f in src.iterdir():
        with open(f, "rb") as a, opener(packed / f"{f.name}.{codec}", "wb") as b:
            shutil.copyfileobj(a, b)
    assert _graph(packed, tmp_path, "packed") == _graph(src, tmp_path, "plain")


def test_names() -> None:
    assert data_suffix("a/parties.CSV.gz") == ".csv" and data_suffix("b.json") == ".json"
    assert plain_name("all.csv.xz") == "all.csv" and plain_name("x.csv") == "x.csv"


def _bomb(tmp_path: Path) -> Path:
    d = tmp_path / "bomb"
    d.mkdir()
    with gzip.open(d / "parties.csv.gz", "wb") as f:
        f.write(b"id,name,kind\n")
        f.write(b"p1," + b"a" * (8 << 20) + b",bank\n")  # 8 MiB that compress about 1000:1
    return d


def test_decompression_bomb_is_refused_by_ratio(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    report = load(_bomb(tmp_path), store)
    assert not report.ok and not report.written
    msg = str(report.errors[0])
    assert "unpacks to more than 100 times its compressed size" in msg and "decompression bomb" in msg
    assert "STAKEGRAPH_LOAD_MAX_COMPRESSION_RATIO" in msg


def test_unpacked_size_bound_applies(tmp_path: Path) -> None:
    d = tmp_path / "big"
    d.mkdir()
    with gzip.open(d / "parties.csv.gz", "wb") as f:
        f.write(b"id,name,kind\n" + b"".join(b"p%d,Bank %d,bank\n" % (i, i) for i in range(2000)))
    report = load(d, EmbeddedStore(tmp_path / "s.sqlite"), bounds=Bounds(max_unpacked_bytes=10_000))
    assert not report.ok
    assert "unpacks to more than 10,000 bytes, the bound (STAKEGRAPH_LOAD_MAX_UNPACKED_BYTES)" in str(report.errors[0])


def test_damaged_and_misused_compression_are_file_errors(tmp_path: Path) -> None:
    d = tmp_path / "bad"
    d.mkdir()
    data = gzip.compress(b"id,name,kind\n" + b"p1,A,bank\n" * 5000)
    (d / "parties.csv.gz").write_bytes(data[: len(data) // 2])
    (d / "book.xlsx.gz").write_bytes(gzip.compress((LOADERS / "formats" / "xlsx" / "book.xlsx").read_bytes()))
    report = load(d, EmbeddedStore(tmp_path / "s.sqlite"), mode="lenient")
    text = "\n".join(map(str, report.errors))
    assert "is a damaged compressed file" in text
    assert "is a compressed XLSX workbook (a workbook is already a zip)" in text


def test_shipped_worldbank_extract_is_the_documented_data() -> None:
    source = (WORLDBANK / "SOURCE.md").read_text("utf-8")
    assert "CC BY 4.0" in source and "The World Bank: Projects & Operations" in source
    for f in sorted(WORLDBANK.glob("*.csv.xz")):
        digest = hashlib.sha256(lzma.decompress(f.read_bytes())).hexdigest()
        assert re.search(rf"`{re.escape(f.name)}` \| .* \| `{digest}` \|", source), f.name
    assert sum(f.stat().st_size for f in WORLDBANK.iterdir()) < 3 << 20

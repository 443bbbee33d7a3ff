"""Every format and every accepted encoding loads, and loads identically (Chinese headers included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stakegraph.loaders import EncodingRefused, load
from stakegraph.loaders.encoding import detect_encoding
from stakegraph.store import EmbeddedStore
from tests.loaders.helpers import LOADERS, without_provenance

pytestmark = pytest.mark.security  # proves requirements of docs/security.md (make check-security)

ENCODINGS = ("utf8", "bom", "gb18030", "gbk")
FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx")


def _load(path: Path, tmp_path: Path) -> dict[str, dict]:
    store = EmbeddedStore(tmp_path / f"{path.name}.sqlite")
    report = load(path, store)
    assert report.ok, [str(e) for e in report.errors]
    return without_provenance(store)


def _expected() -> dict[str, dict]:
    # written by hand from ZH_PARTIES / ZH_RELS in tests/data/loaders/make_fixtures.py
    from stakegraph.model import edge_id

    return {
        "zh_bank": {"type": "party", "name": "中国银行", "kind": "bank", "country": "中国",
                    "total_assets": 28900000000000.5, "name_en": "Bank of China"},
        "zh_corp": {"type": "party", "name": "华为技术有限公司", "kind": "corporate", "country": "中国",
                    "total_assets": 1064000000000.0, "name_en": "Huawei"},
        "zh_fund": {"type": "party", "name": "红杉资本（中国）", "kind": "fund", "country": "中国",
                    "name_en": "HongShan"},
        edge_id("lends_to", "zh_bank", "zh_corp"): {"kind": "lends_to", "source": "zh_bank", "target": "zh_corp",
                                                    "amount": 1234567.89, "currency": "人民币", "status": "正常"},
        edge_id("invests_in", "zh_fund", "zh_corp"): {"kind": "invests_in", "source": "zh_fund", "target": "zh_corp",
                                                      "amount": 500000000.0, "currency": "CNY", "status": "active"},
    }


@pytest.mark.parametrize("enc", ENCODINGS)
def test_each_encoding_loads_chinese_headers_to_the_same_graph(enc: str, tmp_path: Path) -> None:
    assert _load(LOADERS / "encodings" / enc, tmp_path) == _expected()


def test_detected_encodings() -> None:
    got = {enc: detect_encoding(LOADERS / "encodings" / enc / "parties.csv") for enc in ENCODINGS}
    assert got == {"utf8": "utf-8", "bom": "utf-8-sig", "gb18030": "gb18030", "gbk": "gb18030"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_loads_to_the_same_graph(fmt: str, tmp_path: Path) -> None:
    assert _load(LOADERS / "formats" / fmt, tmp_path) == _expected()


def test_format_is_detected_from_content_not_only_the_extension(tmp_path: Path) -> None:
    src = LOADERS / "formats"
    (tmp_path / "parties.txt").write_bytes((src / "jsonl" / "parties.jsonl").read_bytes())
    (tmp_path / "relationships.csv").write_bytes((src / "tsv" / "relationships.tsv").read_bytes())
    assert _load(tmp_path, tmp_path) == _expected()


def test_latin1_is_refused_naming_the_encodings_tried(tmp_path: Path) -> None:
    p = tmp_path / "parties.csv"
    p.write_bytes("id,name\nm,Müller\n".encode("latin-1"))
    with pytest.raises(EncodingRefused, match="UTF-8.*GB18030"):
        detect_encoding(p)

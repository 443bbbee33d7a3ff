"""Name normalisation (transliteration, legal forms) and clusters, checked by hand."""

from __future__ import annotations

import doctest

import pytest

from stakegraph.resolve import clusters as clusters_mod
from stakegraph.resolve import names
from stakegraph.resolve.clusters import canonical_map, clusters
from stakegraph.store.base import MatchDecision


@pytest.mark.parametrize(("raw", "norm"), [
    ("BANK OF CHINA LIMITED", "bank of china"),
    ("Bank of China Ltd.", "bank of china"),
    ("中国银行股份有限公司", "zhong guo yin xing"),
    ("Industrial & Commercial Bank of China", "industrial commercial bank of china"),
    ("Industrial and Commercial Bank of China", "industrial commercial bank of china"),
    ("Thar Solar Energy (Private) Limited", "thar solar energy"),
    ("Société Générale S.A.", "societe generale"),
    ("BOC Hong Kong (Holdings) Limited", "boc hong kong holdings"),
    ("", ""),
])
def test_norm_name(raw: str, norm: str) -> None:
    assert names.norm_name(raw) == norm


def test_party_row_prefers_name_en_and_keeps_native_as_alias() -> None:
    row = names.party_row("w", {"name": "中国银行", "name_en": "Bank of China", "country": "cn",
                                "lei": "5493 0053", "source_file": "wb.csv"})
    assert row == {"unique_id": "w", "source": "wb.csv", "name": "bank of china", "alt": "zhong guo yin xing",
                   "country": "CN", "lei": "54930053", "reg": None, "block": "banko"}


def test_clusters_follow_accepts_only() -> None:
    ds = [MatchDecision("a", "b", "accept"), MatchDecision("b", "c", "accept"), MatchDecision("d", "e", "reject"),
          MatchDecision("f", "g", "split")]
    assert clusters((d.a, d.b) for d in ds if d.decision == "accept") == [["a", "b", "c"]]
    assert canonical_map(ds) == {"a": "a", "b": "a", "c": "a"}


@pytest.mark.parametrize("module", [names, clusters_mod])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]

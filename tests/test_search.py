"""The explorer's search index (stakegraph.search): any script, ids and English names, ranking, and
the same set of matches as a plain substring scan (the reference) on random names."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from stakegraph.search import SearchIndex, normalise


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(version="v1")
    G.add_node("b_bank", type="party", name="B 银行", name_en="B Bank", kind="bank", country="CN")
    G.add_node("bank", type="party", name="Zed Holdings", kind="company", country="SG")
    G.add_node("bankside", type="party", name="Bankside Ltd", kind="company", country="GB")
    G.add_node("p1", type="project", name="Riverbank Plant", country="VN")
    G.add_node("c1", type="contract", name="ＢＡＮＫ facility")
    G.add_node("x", type="party", name="中国工商银行", name_en="ICBC", kind="bank", country="CN")
    return G


def test_any_script_ids_and_english_names() -> None:
    ix = SearchIndex.from_graph(_graph())
    assert {h.id for h in ix.search("银行")} == {"b_bank", "x"}
    assert [h.id for h in ix.search("工")] == ["x"]
    assert [h.id for h in ix.search("icbc")] == ["x"]
    assert ix.search("nothing here") == [] and ix.search("  ") == [] and ix.search("x" * 10_000) == []
    hit = ix.search("Riverbank")[0]
    assert (hit.type, hit.country, hit.kind) == ("project", "VN", None)


def test_ranking_exact_id_then_prefix_then_word_then_substring() -> None:
    ix = SearchIndex.from_graph(_graph())
    ranked = ix.search("bank")
    assert ranked[0].id == "bank" and ranked[0].rank == 0  # the exact id
    assert [h.id for h in ranked] == ["bank", "bankside", "c1", "b_bank", "p1"]
    assert [h.rank for h in ranked] == [0, 2, 2, 3, 4]
    assert len(ix.search("bank", limit=2)) == 2
    assert ix.counts("bank") == {"party": 3, "contract": 1, "project": 1}


def test_normalise() -> None:
    assert normalise("ＢＡＮＫ\x00") == "bank" and normalise("Straße") == "strasse"


names = st.text(alphabet="ab银行 _-Xé", min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(names, min_size=1, max_size=30), st.text(alphabet="ab银行 _Xé", min_size=1, max_size=3))
def test_same_matches_as_a_substring_scan(values: list[str], query: str) -> None:
    G = nx.MultiDiGraph()
    for i, v in enumerate(values):
        G.add_node(f"n{i}", type="party", name=v)
    q = normalise(query)
    want = {f"n{i}" for i, v in enumerate(values) if q and (q in normalise(v) or q in f"n{i}")}
    got = {h.id for h in SearchIndex.from_graph(G).search(query, limit=10**6)}
    assert got == want

"""The explorer's search index (stakegraph.search): any script, ids and English names, ranking, and
the same set of matches as a plain substring scan (the reference) on random names."""

from __future__ import annotations

import networkx as nx
import pytest
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


def _reference(G: nx.MultiDiGraph, query: str, limit: int) -> tuple[list[tuple[str, int]], dict[str, int], int]:
    """The ranking spelled out node by node (the module docstring's rules): the reference of the index."""
    q = normalise(query)
    best: dict[int, int] = {}
    nodes = list(G.nodes(data=True))
    for row, (n, d) in enumerate(nodes):
        for f, value in enumerate((n, d.get("name"), d.get("name_en"))):
            t = normalise(value) if value not in (None, "") else ""
            at = t.find(q) if q else -1
            while at >= 0:
                if at == 0:
                    r = (0 if f == 0 else 1) if len(t) == len(q) else 2
                else:
                    r = 3 if not _word(t[at - 1]) else 4
                best[row] = min(best.get(row, 9), r)
                at = t.find(q, at + 1)
    if q and query.strip() in G:
        best[[str(n) for n, _ in nodes].index(query.strip())] = 0
    if not q or limit < 1:
        return [], {}, 0
    order = sorted(best, key=lambda i: (best[i], len(nodes[i][1].get("name") or nodes[i][0]), i))[:limit]
    counts: dict[str, int] = {}
    for i in sorted(best):
        counts[nodes[i][1]["type"]] = counts.get(nodes[i][1]["type"], 0) + 1
    return [(str(nodes[i][0]), best[i]) for i in order], counts, len(best)


def _word(ch: str) -> bool:
    o = ord(ch)
    return 48 <= o <= 57 or 97 <= o <= 122 or o > 127


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, names), min_size=1, max_size=40),
       st.text(alphabet="ab银行 _Xé0n", min_size=1, max_size=5), st.integers(1, 8))
def test_fast_path_equals_the_reference(values: list[tuple[str, str]], query: str, limit: int) -> None:
    """Ranks, order, counts and totals of the trigram index equal the node-by-node reference (seeded by
    Hypothesis: duplicate names, ids that are queries, one to five characters, any script)."""
    G = nx.MultiDiGraph()
    for i, (name, en) in enumerate(values):
        G.add_node(f"n{i}" if i % 5 else query.strip() or "q", type=("party", "project")[i % 2], name=name, name_en=en)
    found = SearchIndex.from_graph(G).query(query, limit)
    hits, counts, total = _reference(G, query, limit)
    assert [(h.id, h.rank) for h in found.hits] == hits
    assert found.counts == counts and found.total == total


def test_fast_path_equals_the_reference_on_seeded_portfolios() -> None:
    import random

    rnd = random.Random(7)
    words = ["bank", "Bankside", "银行", "中国", "Holdings", "energy", "ｂａｎｋ", "co", "ltd", "Straße", "a", "_"]
    G = nx.MultiDiGraph()
    for i in range(400):
        G.add_node(f"co_{i:04d}", type=rnd.choice(["party", "project", "contract"]),
                   name=" ".join(rnd.choice(words) for _ in range(rnd.randint(0, 4))) or None,
                   name_en=rnd.choice([None, "", "Bank of " + rnd.choice(words)]))
    ix = SearchIndex.from_graph(G)
    for q in ["bank", "银行", "银", "co_0012", "co_0012 ", "a", "an", "holdings", "ss", "strasse", "x", "ltd bank", "_"]:
        for limit in (1, 5, 20, 1000):
            found = ix.query(q, limit)
            hits, counts, total = _reference(G, q, limit)
            assert [(h.id, h.rank) for h in found.hits] == hits, (q, limit)
            assert found.counts == counts and found.total == total


def test_many_distinct_characters_sort_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Too many distinct characters for trigram and position in one int64: the same answers."""
    import stakegraph.search as search

    G = nx.MultiDiGraph()
    for i, name in enumerate(["B 银行", "Bankside", "中国工商银行", "bank of 银", "x"]):
        G.add_node(f"n{i}", type="party", name=name)
    packed = SearchIndex.from_graph(G)
    monkeypatch.setattr(search, "PACK_BITS", 0)
    unpacked = SearchIndex.from_graph(G)
    for q in ["银行", "银", "bank", "n1", "ank", "b", "none"]:
        assert unpacked.query(q) == packed.query(q)

"""The storage contract: the same assertions against every backend (embedded SQLite, Neo4j).

Every test takes the ``store`` fixture (``tests/conftest.py``), which gives an
empty store once per backend. Expected values are written out by hand here.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stakegraph.domain import DOMAIN, Direction
from stakegraph.errors import DanglingEdge, DomainError, StoreError, StoreUnavailable, TypeConflict
from stakegraph.model import EdgeRecord, NodeRecord, WriteStats, edge_id
from stakegraph.store.base import GraphStore, NodeFilter
from stakegraph.store.embedded import EmbeddedStore

# security: proves requirements of docs/security.md (make check-security)
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.security]


def party(pid: str, name: str, kind: str = "corporate", **props: object) -> NodeRecord:
    return NodeRecord(pid, "party", {"name": name, "kind": kind, **props})


def edge(kind: str, s: str, t: str, **props: object) -> EdgeRecord:
    return EdgeRecord(edge_id(kind, s, t), kind, s, t, props)


# A small portfolio: bank lends to a_co; a_co supplied by s1, bought from by c1;
# project p built by epc and sponsored by a_co; a contract for p.
NODES = [
    party("b_bank", "中国银行", "bank", country="CN", name_en="Bank of China", load_id="L1"),
    party("a_co", "A Co.", "corporate", country="CN", total_assets=1000.0, load_id="L1"),
    party("s1", "Supplier One", "supplier", country="DE", load_id="L1"),
    party("c1", "Customer One", "corporate", country="US", load_id="L2"),
    party("epc", "EPC Builders", "epc_contractor", country="CN", load_id="L2"),
    party("cb", "建设银行", "bank", country="CN", load_id="L2"),
    NodeRecord("p", "project", {"name": "Plant P", "kind": "project", "country": "VN", "load_id": "L2"}),
    NodeRecord(
        "k", "contract", {"name": "Loan K", "kind": "loan_agreement", "covenants": ["DSCR>=1.2", "LTV<=0.7"]}
    ),
]
EDGES = [
    edge("lends_to", "b_bank", "a_co", amount=500000.0, currency="CNY", status="recalled", load_id="L1"),
    edge("supplies", "s1", "a_co", annual_revenue=10.0, load_id="L1"),
    edge("buys_from", "c1", "a_co", annual_revenue=20.0, load_id="L2"),
    edge("sponsors", "a_co", "p", share_pct=60.0, load_id="L2"),
    edge("builds", "epc", "p", amount=3.0, load_id="L2"),
    edge("contract_for", "k", "p"),
    edge("lends_to", "cb", "p", amount=7.0, load_id="L2"),
]


def loaded(store: GraphStore) -> GraphStore:
    store.write(NODES, EDGES)
    return store


def ids(records: object) -> list[str]:
    return [r.id for r in records]  # type: ignore[attr-defined]


# -- upserts ------------------------------------------------------------------------------
def test_upsert_and_get(store: GraphStore) -> None:
    stats = store.write(NODES, EDGES)
    assert (stats.created, stats.updated, stats.unchanged) == (len(NODES) + len(EDGES), 0, 0)
    assert stats.by_type["party"]["created"] == 6
    assert stats.by_type["lends_to"]["created"] == 2
    got = store.get_nodes(["a_co", "missing", "b_bank"])
    assert got[1] is None
    assert got[0] == NODES[1]
    assert got[2] is not None and got[2].props["name"] == "中国银行" and got[2].type == "party"
    e = store.get_edge(EDGES[0].id)
    assert e == EDGES[0]
    assert store.get_edges(["nope", EDGES[5].id]) == [None, EDGES[5]]


def test_reupsert_is_unchanged(store: GraphStore) -> None:
    loaded(store)
    before_counts, before_version = store.counts(), store.graph_version()
    stats = store.write(NODES, EDGES)
    assert (stats.created, stats.updated, stats.unchanged) == (0, 0, len(NODES) + len(EDGES))
    assert store.counts() == before_counts
    assert store.graph_version() == before_version


def test_changed_prop_updates_and_bumps_version(store: GraphStore) -> None:
    loaded(store)
    v0 = store.graph_version()
    stats = store.write([party("a_co", "A Co.", "corporate", capital=50.0)])
    assert (stats.created, stats.updated, stats.unchanged) == (0, 1, 0)
    v1 = store.graph_version()
    assert v1 != v0
    node = store.get_node("a_co")
    assert node is not None
    # new values merged over old: total_assets and country kept, capital added
    assert node.props["capital"] == 50.0 and node.props["total_assets"] == 1000.0 and node.props["country"] == "CN"
    estats = store.write([], [edge("lends_to", "b_bank", "a_co", amount=1.0)])
    assert estats.updated == 1
    assert store.graph_version() not in (v0, v1)
    e = store.get_edge(EDGES[0].id)
    assert e is not None and e.props["amount"] == 1.0 and e.props["status"] == "recalled"


def test_none_values_do_not_erase(store: GraphStore) -> None:
    loaded(store)
    stats = store.write([party("a_co", "A Co.", "corporate", country=None)])
    assert stats.unchanged == 1
    node = store.get_node("a_co")
    assert node is not None and node.props["country"] == "CN"


def test_provenance_kept_from_creator(store: GraphStore) -> None:
    store.write([party("x", "X", source_file="a.csv", source_row=2, load_id="first")])
    stats = store.write([party("x", "X2", source_file="b.csv", source_row=9, load_id="second")])
    assert stats.updated == 1
    node = store.get_node("x")
    assert node is not None
    assert (node.props["source_file"], node.props["source_row"], node.props["load_id"]) == ("a.csv", 2, "first")
    assert node.props["name"] == "X2"
    # provenance only, differing: unchanged
    assert store.write([party("x", "X2", load_id="third")]).unchanged == 1
    # absent provenance is filled in
    store.write([party("y", "Y")])
    store.write([party("y", "Y", load_id="late")])
    y = store.get_node("y")
    assert y is not None and y.props["load_id"] == "late"
    # edges too
    store.write([], [edge("owns", "x", "y", share_pct=10.0, load_id="first")])
    store.write([], [edge("owns", "x", "y", share_pct=20.0, load_id="second")])
    e = store.get_edge(edge_id("owns", "x", "y"))
    assert e is not None and e.props == {"share_pct": 20.0, "load_id": "first"}


def test_type_change_is_refused_and_moved_edge_is_an_update(store: GraphStore) -> None:
    loaded(store)
    with pytest.raises(TypeConflict):  # a node never changes type (tests/contract/test_type_conflict.py)
        store.write([NodeRecord("c1", "project", dict(NODES[3].props))])
    node = store.get_node("c1")
    assert node is not None and node.type == "party"
    assert store.count_nodes(NodeFilter(type="party")) == 6
    moved = EdgeRecord(EDGES[0].id, "lends_to", "b_bank", "s1", {})
    assert store.write([], [moved]).updated == 1
    e = store.get_edge(EDGES[0].id)
    assert e is not None and (e.source, e.target) == ("b_bank", "s1") and e.props["amount"] == 500000.0
    assert store.counts()["edges"]["lends_to"] == 2
    assert ids(store.edges_of(["a_co"], kinds=["lends_to"])) == []


def test_duplicate_ids_within_one_write(store: GraphStore) -> None:
    stats = store.write([party("d", "D1"), party("d", "D2", country="FR")])
    assert (stats.created, stats.updated) == (1, 1)
    node = store.get_node("d")
    assert node is not None and node.props == {"name": "D2", "kind": "corporate", "country": "FR"}
    store.write([party("e", "E")])
    e1, e2 = edge("owns", "d", "e", share_pct=1.0), edge("owns", "d", "e", share_pct=2.0)
    stats = store.write([], [e1, e2, e2])
    assert (stats.created, stats.updated, stats.unchanged) == (1, 1, 1)
    assert store.counts()["edges"]["owns"] == 1


# -- lookups -----------------------------------------------------------------------------------
def test_find_nodes_and_count(store: GraphStore) -> None:
    loaded(store)
    # by name then id; "中国银行" (中 U+4E2D) sorts before "建设银行" (建 U+5EFA)
    assert ids(store.find_nodes(NodeFilter(type="party", kind="bank"))) == ["b_bank", "cb"]
    assert ids(store.find_nodes(NodeFilter(kind="bank"))) == ["b_bank", "cb"]
    assert ids(store.find_nodes(NodeFilter(text="银行"))) == ["b_bank", "cb"]
    assert ids(store.find_nodes(NodeFilter(text="bank of"))) == ["b_bank"]  # name_en, case-insensitive
    assert ids(store.find_nodes(NodeFilter(text="A_CO"))) == ["a_co"]  # the id is searched too
    assert ids(store.find_nodes(NodeFilter(text="50%"))) == []  # LIKE wildcards are literal
    assert ids(store.find_nodes(NodeFilter(country="CN", type="party"))) == ["a_co", "epc", "b_bank", "cb"]
    assert ids(store.find_nodes(NodeFilter(type="project"))) == ["p"]
    assert ids(store.find_nodes(NodeFilter(ids=("p", "k", "zz")))) == ["k", "p"]
    everything = ids(store.find_nodes(limit=100))
    assert everything == ["a_co", "c1", "epc", "k", "p", "s1", "b_bank", "cb"]
    assert ids(store.find_nodes(limit=3, offset=2)) == everything[2:5]
    assert store.count_nodes() == 8
    assert store.count_nodes(NodeFilter(type="party")) == 6
    assert store.count_nodes(NodeFilter(text="银行")) == 2
    assert store.count_nodes(NodeFilter(type="signal")) == 0
    assert store.count_nodes(NodeFilter(type="no_such_type")) == 0
    assert store.find_nodes(NodeFilter(type="no_such_type")) == []


def test_edges_of(store: GraphStore) -> None:
    loaded(store)
    by = {e.kind + ":" + e.source + ">" + e.target: e.id for e in EDGES}
    out = store.edges_of(["a_co"], direction=Direction.OUT)
    assert ids(out) == [by["sponsors:a_co>p"]]
    inc = store.edges_of(["a_co"], direction=Direction.IN)
    assert ids(inc) == sorted([by["lends_to:b_bank>a_co"], by["supplies:s1>a_co"], by["buys_from:c1>a_co"]])
    both = store.edges_of(["a_co"])
    assert ids(both) == sorted(ids(out) + ids(inc))
    assert ids(store.edges_of(["a_co"], kinds=["lends_to", "supplies"])) == sorted(
        [by["lends_to:b_bank>a_co"], by["supplies:s1>a_co"]]
    )
    assert store.edges_of(["a_co"], kinds=[]) == []
    assert ids(store.edges_of(["p", "a_co"], direction=Direction.IN, kinds=["lends_to"])) == sorted(
        [by["lends_to:b_bank>a_co"], by["lends_to:cb>p"]]
    )
    assert store.edges_of(["missing"]) == []


def test_neighbours(store: GraphStore) -> None:
    loaded(store)
    one = store.neighbours("a_co", depth=1)
    assert sorted(ids(one.nodes)) == ["a_co", "b_bank", "c1", "p", "s1"]
    assert len(one.edges) == 4 and one.truncated == 0
    two = store.neighbours("a_co", depth=2)
    assert sorted(ids(two.nodes)) == ["a_co", "b_bank", "c1", "cb", "epc", "k", "p", "s1"]
    assert len(two.edges) == len(EDGES)
    out = store.neighbours("a_co", direction=Direction.OUT, depth=2)
    assert sorted(ids(out.nodes)) == ["a_co", "p"]
    inn = store.neighbours("p", direction=Direction.IN, depth=2)
    assert sorted(ids(inn.nodes)) == ["a_co", "b_bank", "c1", "cb", "epc", "k", "p", "s1"]
    fin = store.neighbours("a_co", kinds=["lends_to"], depth=2)
    assert sorted(ids(fin.nodes)) == ["a_co", "b_bank"]
    # limit: nearest first, then by id; truncated counts the rest
    lim = store.neighbours("a_co", depth=2, limit=3)
    assert sorted(ids(lim.nodes)) == ["a_co", "b_bank", "c1"]
    assert lim.truncated == 5
    assert all(e.source in {"a_co", "b_bank", "c1"} and e.target in {"a_co", "b_bank", "c1"} for e in lim.edges)
    missing = store.neighbours("zz")
    assert missing.nodes == () and missing.edges == ()


def test_edge_ends_match_edges_of(store: GraphStore) -> None:
    loaded(store)
    for d in Direction:
        for kinds in (None, ["lends_to"], ["lends_to", "sponsors"], []):
            full = store.edges_of(["a_co", "p", "missing"], direction=d, kinds=kinds)
            assert store.edge_ends(["a_co", "p", "missing"], direction=d, kinds=kinds) == [
                (e.id, e.source, e.target) for e in full
            ]


def test_degrees(store: GraphStore) -> None:
    loaded(store)
    # a self-loop (a party that owns part of itself: treasury shares) counts once in BOTH
    store.write((), [edge("owns", "a_co", "a_co", share_pct=5.0)])
    # hand count from NODES/EDGES: a_co has in lends_to, supplies, buys_from; out sponsors; + the loop
    assert store.degrees(["a_co", "p", "zz"]) == {"a_co": 5, "p": 4, "zz": 0}
    assert store.degrees(["a_co"], direction=Direction.OUT) == {"a_co": 2}
    assert store.degrees(["a_co"], direction=Direction.IN) == {"a_co": 4}
    assert store.degrees(["a_co", "p"], kinds=["lends_to"]) == {"a_co": 1, "p": 1}
    assert store.degrees(["a_co"], kinds=["owns"]) == {"a_co": 1}
    assert store.degrees(["a_co"], kinds=[]) == {"a_co": 0}
    # the counts equal what edges_of returns, for every direction
    for d in Direction:
        for nid in ("a_co", "p", "b_bank"):
            assert store.degrees([nid], direction=d)[nid] == len(store.edges_of([nid], direction=d))


def test_subgraph(store: GraphStore) -> None:
    loaded(store)
    sg = store.subgraph(["a_co", "p", "epc", "missing"])
    assert ids(sg.nodes) == ["a_co", "epc", "p"]
    assert sorted((e.source, e.target) for e in sg.edges) == [("a_co", "p"), ("epc", "p")]
    deeper = store.subgraph(["k"], depth=1)
    assert ids(deeper.nodes) == ["k", "p"]


def test_project_attributes(store: GraphStore) -> None:
    loaded(store)
    G = store.project()
    assert G.number_of_nodes() == len(NODES) and G.number_of_edges() == len(EDGES)
    assert G.graph["version"] == store.graph_version() and G.graph["store"] == store.backend
    a = G.nodes["b_bank"]
    assert a["type"] == "party" and a["kind"] == "bank" and a["name"] == "中国银行" and a["country"] == "CN"
    assert "total_assets" not in a  # missing numbers stay absent
    assert G.nodes["a_co"]["total_assets"] == 1000.0
    assert G.nodes["k"]["covenants"] == ["DSCR>=1.2", "LTV<=0.7"]
    e = EDGES[0]
    attrs = G.edges["b_bank", "a_co", e.id]
    assert attrs["kind"] == "lends_to" and attrs["id"] == e.id and attrs["amount"] == 500000.0
    assert attrs["status"] == "recalled" and attrs["currency"] == "CNY"
    assert list(G.nodes) == sorted(G.nodes)  # id order, same on both backends
    part = store.project(types=["party"], kinds=["lends_to"])
    assert sorted(part.nodes) == ["a_co", "b_bank", "c1", "cb", "epc", "s1"]
    assert [k for _, _, k in part.edges(keys=True)] == [e.id]  # cb→p leaves: p is not a party


def test_counts(store: GraphStore) -> None:
    empty = store.counts()
    assert set(empty["nodes"]) == set(DOMAIN.node_types) and set(empty["edges"]) == set(DOMAIN.rel_kinds)
    assert sum(empty["nodes"].values()) == 0 and sum(empty["edges"].values()) == 0
    loaded(store)
    c = store.counts()
    assert c["nodes"] == {**empty["nodes"], "party": 6, "project": 1, "contract": 1}
    assert c["edges"] == {
        **empty["edges"], "lends_to": 2, "supplies": 1, "buys_from": 1, "sponsors": 1, "builds": 1, "contract_for": 1
    }


# -- deletes ------------------------------------------------------------------------------------------
def test_delete_load(store: GraphStore) -> None:
    loaded(store)
    v0 = store.graph_version()
    stats = store.delete_load("L1")
    # L1 nodes: b_bank, a_co, s1; L1 edges: lends_to b→a, supplies s1→a; detached: buys_from c1→a, sponsors a→p
    assert stats.deleted == 7
    assert stats.by_type["party"]["deleted"] == 3
    assert {k: v["deleted"] for k, v in stats.by_type.items() if k != "party"} == {
        "lends_to": 1, "supplies": 1, "buys_from": 1, "sponsors": 1
    }
    assert store.graph_version() != v0
    assert sorted(ids(store.iter_nodes())) == ["c1", "cb", "epc", "k", "p"]
    assert sorted((e.kind, e.source, e.target) for e in store.iter_edges()) == [
        ("builds", "epc", "p"), ("contract_for", "k", "p"), ("lends_to", "cb", "p")
    ]
    v1 = store.graph_version()
    assert store.delete_load("L1").deleted == 0
    assert store.graph_version() == v1


def test_delete_nodes_and_edges(store: GraphStore) -> None:
    loaded(store)
    stats = store.delete_nodes(["p", "missing"])
    assert stats.by_type["project"]["deleted"] == 1
    assert stats.deleted == 1 + 4  # sponsors, builds, contract_for, lends_to cb→p
    assert store.get_node("p") is None and store.edges_of(["epc", "k", "cb"]) == []
    estats = store.delete_edges([EDGES[0].id, "missing"])
    assert estats.deleted == 1 and estats.by_type["lends_to"]["deleted"] == 1
    assert store.get_edge(EDGES[0].id) is None
    assert store.counts()["edges"]["supplies"] == 1
    v = store.graph_version()
    assert store.delete_edges(["missing"]).deleted == 0 and store.delete_nodes([]).deleted == 0
    assert store.graph_version() == v


def test_dangling_edge_writes_nothing(store: GraphStore) -> None:
    v0 = store.graph_version()
    with pytest.raises(DanglingEdge, match="ghost"):
        store.write(NODES, [*EDGES, edge("owns", "a_co", "ghost")])
    assert store.count_nodes() == 0 and store.graph_version() == v0
    loaded(store)
    with pytest.raises(DanglingEdge):
        store.write([], [edge("owns", "nobody", "a_co")], batch_size=1)
    assert store.counts()["edges"]["owns"] == 0


def test_labels_outside_domain_refused(store: GraphStore) -> None:
    with pytest.raises(DomainError):
        store.write([NodeRecord("x", "Person) DETACH DELETE (n", {"name": "x"})])
    store.write([party("x", "X"), party("y", "Y")])
    with pytest.raises(DomainError):
        store.write([], [EdgeRecord("r", "KNOWS]->() DELETE r //", "x", "y", {})])
    assert store.count_nodes() == 2 and sum(store.counts()["edges"].values()) == 0


def test_lists_round_trip(store: GraphStore) -> None:
    store.write([NodeRecord("k2", "contract", {"name": "K2", "covenants": ["a", "b;c", "中文"], "empty": []})])
    node = store.get_node("k2")
    assert node is not None and node.props["covenants"] == ["a", "b;c", "中文"] and node.props["empty"] == []
    assert store.write([NodeRecord("k2", "contract", {"name": "K2", "covenants": ["a", "b;c", "中文"]})]).unchanged == 1


def test_batches_give_the_same_result(store: GraphStore, make_store) -> None:  # type: ignore[no-untyped-def]
    stats = store.write(NODES, EDGES, batch_size=2)
    assert stats.created == len(NODES) + len(EDGES)
    one_shot = make_store("embedded")
    one_shot.write(NODES, EDGES)
    assert list(store.iter_nodes()) == list(one_shot.iter_nodes())
    assert list(store.iter_edges()) == list(one_shot.iter_edges())
    assert store.write(NODES, EDGES, batch_size=3).unchanged == len(NODES) + len(EDGES)


def test_iter_in_id_order_and_filtered(store: GraphStore) -> None:
    loaded(store)
    assert ids(store.iter_nodes()) == sorted(n.id for n in NODES)
    assert ids(store.iter_nodes(["project", "contract"])) == ["k", "p"]
    assert ids(store.iter_edges()) == sorted(e.id for e in EDGES)
    assert ids(store.iter_edges(["builds"])) == [edge_id("builds", "epc", "p")]


def test_clear_and_ping(store: GraphStore) -> None:
    assert store.ping() is True
    loaded(store)
    v = store.graph_version()
    store.clear()
    assert store.count_nodes() == 0 and sum(store.counts()["edges"].values()) == 0
    assert store.graph_version() != v
    store.ensure_schema()  # idempotent
    assert loaded(store).count_nodes() == len(NODES)


# -- property: writing a batch twice equals writing it once --------------------------------------------
_IDS = st.sampled_from(["n0", "n1", "n2", "n3", "银行4"])
_VALUES = st.one_of(
    st.integers(-5, 5), st.floats(-1e6, 1e6, allow_nan=False), st.text(max_size=5), st.booleans(),
    st.lists(st.text(max_size=3), max_size=3),
)
_NODE = st.builds(  # one type per id: a node never changes type (tests/contract/test_type_conflict.py)
    lambda i, props, text: NodeRecord(i, "project" if i in ("n1", "n3") else "party",
                                      {"name": f"N {i}", **props, **text}),
    _IDS,
    st.dictionaries(st.sampled_from(["amount", "note", "flag", "tags"]), _VALUES, max_size=3),
    st.dictionaries(st.sampled_from(["country", "load_id", "name_en"]), st.text(max_size=4), max_size=2),
)


@st.composite
def _batches(draw: st.DrawFn) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    nodes = draw(st.lists(_NODE, min_size=1, max_size=6))
    present = sorted({n.id for n in nodes})
    edges = draw(
        st.lists(
            st.builds(
                lambda k, s, t, a: EdgeRecord(edge_id(k, s, t), k, s, t, {"amount": a}),
                st.sampled_from(["lends_to", "owns"]), st.sampled_from(present), st.sampled_from(present),
                st.floats(0, 100, allow_nan=False),
            ),
            max_size=6,
        )
    )
    return nodes, edges


def _snapshot(store: GraphStore) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    return list(store.iter_nodes()), list(store.iter_edges())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=_batches())
def test_writing_twice_equals_once(store: GraphStore, batch: tuple[list[NodeRecord], list[EdgeRecord]]) -> None:
    nodes, edges = batch
    store.clear()
    store.write(nodes, edges)
    once, version = _snapshot(store), store.graph_version()
    again = store.write(nodes, edges, batch_size=2)
    assert _snapshot(store) == once
    # a second write changes nothing unless the batch itself repeats an id with other values
    if len({n.id for n in nodes}) == len(nodes) and len({e.id for e in edges}) == len(edges):
        assert again.changed == 0 and store.graph_version() == version
    assert isinstance(again, WriteStats)
    # and every backend ends where the embedded store (a second implementation) ends
    reference = EmbeddedStore(":memory:")
    reference.write(nodes, edges)
    assert _snapshot(reference) == once
    reference.close()


# -- Neo4j driver errors become store errors that say what to do ---------------------------------------
class _FailingDriver:
    """Stands in for ``neo4j.Driver``: every session raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.closed = False

    def session(self, **_: object) -> object:
        raise self.error

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("error", "wanted", "words"),
    [
        ("unavailable", StoreUnavailable, ["bolt://db.example:7687", "stakegraph neo4j start", "STAKEGRAPH_NEO4J_URI"]),
        ("expired", StoreUnavailable, ["stakegraph neo4j start"]),
        ("auth", StoreError, ["STAKEGRAPH_NEO4J_USER", "STAKEGRAPH_NEO4J_PASSWORD"]),
        ("other", StoreError, ["database 'neo4j'", "boom"]),
    ],
)
def test_neo4j_errors_are_wrapped(error: str, wanted: type[Exception], words: list[str]) -> None:
    from neo4j import exceptions as ne

    from stakegraph.store.neo4j import Neo4jStore

    cause = {
        "unavailable": ne.ServiceUnavailable("connection refused"),
        "expired": ne.SessionExpired("gone"),
        "auth": ne.AuthError("The client is unauthorized due to authentication failure."),
        "other": ne.DatabaseError("boom"),
    }[error]
    driver = _FailingDriver(cause)
    store = Neo4jStore(driver, uri="bolt://db.example:7687")  # type: ignore[arg-type]
    with pytest.raises(wanted) as info:
        store.count_nodes()
    assert info.value.__cause__ is cause
    for w in words:
        assert w in str(info.value)
    if error == "auth":
        assert not isinstance(info.value, StoreUnavailable)
    assert store.ping() is False
    store.close()
    assert driver.closed


def test_neo4j_unreachable_server() -> None:
    """A real driver against a closed port: StoreUnavailable, after the driver's (short) retries."""
    import socket

    import neo4j

    from stakegraph.store.neo4j import Neo4jStore

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    uri = f"bolt://127.0.0.1:{port}"
    driver = neo4j.GraphDatabase.driver(uri, max_transaction_retry_time=0.2, connection_timeout=1.0)
    with Neo4jStore(driver, uri=uri, timeout_s=2.0) as store:
        assert store.ping() is False
        with pytest.raises(StoreUnavailable, match="stakegraph neo4j start"):
            store.get_node("x")


def test_neo4j_connect_bounds_retries() -> None:
    """``max_retry_s`` makes an outage surface quickly instead of after the driver's 30 s of retries."""
    import socket

    from stakegraph.store.neo4j import Neo4jStore

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Neo4jStore.connect(f"bolt://127.0.0.1:{port}", max_retry_s=0.2) as store:
        with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}"):
            store.count_nodes()


def test_neo4j_bad_uri() -> None:
    from stakegraph.store.neo4j import Neo4jStore

    with pytest.raises(StoreError, match="STAKEGRAPH_NEO4J_URI"):
        Neo4jStore.connect("http://127.0.0.1:7474")


# -- Cypher is built from the domain only ------------------------------------------------------------------
def test_cypher_builders_take_domain_names_only() -> None:
    from pathlib import Path

    from stakegraph.store import cypher

    for build_node in (cypher.label, cypher.upsert_nodes, cypher.node_page, cypher.count_label):
        with pytest.raises(DomainError):
            build_node("Party`) DETACH DELETE n //")
    for build in (cypher.rel_type, cypher.upsert_edges, cypher.edge_page, cypher.count_rel, cypher.get_edges,
                  cypher.delete_edges_by_id, cypher.delete_load_edges):
        with pytest.raises(DomainError):
            build("KNOWS")
    with pytest.raises(KeyError):
        cypher.find_nodes(None, ["n.name = 'x' OR true"])
    assert ":Party" in cypher.upsert_nodes("party") and ":LENDS_TO" in cypher.upsert_edges("lends_to")
    # the Neo4j store itself holds no Cypher: every statement comes from src/stakegraph/store/cypher.py
    source = (Path(__file__).resolve().parents[2] / "src" / "stakegraph" / "store" / "neo4j.py").read_text(encoding="utf-8")
    for keyword in ("MATCH ", "MERGE ", "UNWIND ", "CREATE ", "DELETE ", "RETURN "):
        assert keyword not in source, keyword

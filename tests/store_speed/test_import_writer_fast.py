"""``ImportWriter`` (``load --bulk``) through its per-shape plans writes the files the record-by-record
way writes: same files, same names, same bytes, same left-over records and the same multi-line flag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stakegraph.store.neo4j_bulk import ARRAY_DELIMITER, ImportWriter

KEYS = ("name", "amount", "share", "flag", "tags", "note", "load_id", "id")
VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from([2**63, -(2**63), 2**63 - 1, 2**70]),
    st.floats(width=16), st.sampled_from(["", "a", "b c", "line\nbreak", "cr\r", 'q"uote', f"x{ARRAY_DELIMITER}y"]),
    st.lists(st.sampled_from(["x", "y", ""]), max_size=2), st.lists(st.integers(0, 3), max_size=2),
    st.tuples(st.floats(width=16)), st.lists(st.booleans(), max_size=2),
)
PROPS = st.dictionaries(st.sampled_from(KEYS), VALUE, max_size=6)
NODES = st.lists(st.tuples(st.sampled_from(["party", "project"]), PROPS), max_size=25)
EDGES = st.lists(st.tuples(st.sampled_from(["lends_to", "owns"]), PROPS), max_size=25)


class RecordByRecord(ImportWriter):
    """The writer without plans: every record through ``_signature``."""

    def _fast_row(self, edge: bool, name: str, props: dict[str, Any]) -> None:
        return None


def _written(writer: ImportWriter, nodes: list[Any], edges: list[Any]) -> tuple[Any, ...]:
    for i, (t, props) in enumerate(nodes):
        writer.node(f"n{i}", t, props)
    for i, (k, props) in enumerate(edges):
        writer.edge(f"e{i}", k, f"n{i}", f"n{i + 1}", props)
    files = writer.close()
    contents = {p.name: p.read_bytes() for p in sorted(writer.folder.iterdir())}
    return (contents, [(lab, p.name) for lab, p in files.nodes], [(rt, p.name) for rt, p in files.relationships],
            files.multiline, files.n_nodes, files.n_edges, writer.counts,
            [(n.id, n.props) for n in writer.leftover_nodes], [(e.id, e.props) for e in writer.leftover_edges])


@settings(max_examples=300, deadline=None)
@given(NODES, EDGES)
def test_plans_write_what_record_by_record_writes(tmp_path_factory: Any, nodes: list[Any], edges: list[Any]) -> None:
    base: Path = tmp_path_factory.mktemp("iw")
    fast = _written(ImportWriter(base / "fast"), nodes, edges)
    slow = _written(RecordByRecord(base / "slow"), nodes, edges)
    assert repr(fast) == repr(slow)  # repr: nan compares unequal to itself


def test_a_shape_seen_again_reuses_its_plan_and_file(tmp_path: Path) -> None:
    w = ImportWriter(tmp_path / "f")
    w.node("a", "party", {"name": "A", "amount": 1.0, "flag": True})
    w.node("b", "party", {"name": "", "amount": 2.0, "flag": False})  # empty text: left over
    w.node("c", "party", {"name": "C", "amount": 3.0, "flag": False})
    w.node("d", "party", {"name": "D\nE", "amount": float("inf"), "flag": True})  # not finite: left over
    files = w.close()
    assert len(w._plans) == 1 and [n.id for n in w.leftover_nodes] == ["b", "d"]
    assert not files.multiline  # the left-over record's text never reached a file
    assert files.nodes[0][1].read_text().splitlines() == [
        "id:ID,amount:double,flag:boolean,name:string", '"a",1.0,"true","A"', '"c",3.0,"false","C"']

"""Edge properties kept as columns (stakegraph.store.edge_props): every dict made from them equals the
dict read, key order and value types included; a key read over many edges equals reading each dict; a
dict is made once and changes made to it are what later readers see."""

from __future__ import annotations

import copy
import pickle
import random
import struct
import threading
from typing import Any

import numpy as np
import pytest

from stakegraph.store import edge_props as ep
from stakegraph.store.edge_props import EdgeProps, PropColumns, PropsView, prop_dicts, prop_values

VALUES: list[Any] = [1.5, -0.0, 0.0, float("inf"), 7, 0, 2**70, True, False, None, "active", "", ["DSCR>=1.2"],
                     {"a": 1}, float("nan")]
SHAPES = [("load_id", "source_file", "source_row"), ("amount", "currency", "status", "source_row"),
          ("share_pct", "start_date"), (), ("status",), ("source_row", "status")]


def _dicts(rng: random.Random, n: int, *, mixed: bool) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        keys = rng.choice(SHAPES)
        d: dict[str, Any] = {}
        for k in keys:
            if k == "source_row":
                d[k] = i + 2 if not mixed or rng.random() > 0.05 else rng.choice(VALUES)
            elif k in ("amount", "share_pct"):
                d[k] = rng.random() * 1e6 if not mixed or rng.random() > 0.1 else rng.choice(VALUES)
            else:
                d[k] = rng.choice(["USD", "EUR", "active", "ended", None]) if not mixed else rng.choice(VALUES)
        out.append(d)
    return out


def _build(dicts: list[dict[str, Any]], chunk: int) -> EdgeProps:
    b = PropColumns()
    for s in range(0, len(dicts), chunk):
        b.add(dicts[s:s + chunk])
    assert len(b) == len(dicts)
    return b.props()


def _alike(a: Any, b: Any) -> bool:
    """Equal, of the same type, floats to the bit (NaN is NaN, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    return bool(a == b)


def _same_dict(made: dict[str, Any], want: dict[str, Any]) -> None:
    assert list(made) == list(want)
    assert all(_alike(made[k], want[k]) for k in want), (made, want)


@pytest.mark.parametrize("mixed", [False, True])
@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_dicts_and_keys_read_as_the_dicts_themselves(mixed: bool, chunk: int) -> None:
    rng = random.Random(chunk * 2 + mixed)
    dicts = _dicts(rng, 600, mixed=mixed)
    want = copy.deepcopy(dicts)
    props = _build(dicts, chunk)
    at = rng.sample(range(len(want)), 200)
    keys = {k for d in want for k in d} | {"absent"}
    for k in keys:  # from the columns: no dict made
        got, expected = props.values(k, at), [want[i].get(k) for i in at]
        assert all(_alike(x, y) for x, y in zip(got, expected, strict=True)), k
        assert all(_alike(x, y) for x, y in zip(props.values(k), [d.get(k) for d in want], strict=True)), k
    assert not props._made  # noqa: SLF001
    for i in at:
        _same_dict(props[i], want[i])
    for d, w in zip(props.fresh(range(len(want))), want, strict=True):
        _same_dict(d, w)
    assert list(PropColumns.__iter__(_builder(want))) == want


def _builder(dicts: list[dict[str, Any]]) -> PropColumns:
    b = PropColumns()
    b.add(copy.deepcopy(dicts))
    return b


def test_numbers_of_one_type_are_arrays_others_stay_objects() -> None:
    props = _build([{"x": 1.5, "n": 1, "t": "a"}, {"x": 2.5, "n": 2, "t": "b"}], 10)
    x, n, t = props._cols[0]  # noqa: SLF001
    assert isinstance(x, np.ndarray) and x.dtype == np.float64
    assert isinstance(n, np.ndarray) and n.dtype == np.int64
    assert isinstance(t, list)
    # a NaN, a bool among ints, an int beyond 64 bits: kept as the objects read
    for odd in ([1.5, float("nan")], [1, True], [1, 2**64]):
        props = _build([{"v": v} for v in odd], 10)
        assert isinstance(props._cols[0][0], list)  # noqa: SLF001
        assert all(_alike(a, b) for a, b in zip(props.values("v"), odd, strict=True))
    # chunks typed differently: one list of the values, each its own type
    b = PropColumns()
    b.add([{"v": 1}, {"v": 2}])
    b.add([{"v": 1.0}])
    assert [type(v) for v in b.props().values("v")] == [int, int, float]


def test_a_dict_is_made_once_and_its_changes_are_read() -> None:
    want = [{"amount": float(i), "status": "active"} for i in range(10)]
    props = _build(copy.deepcopy(want), 4).named(np.array([0, 1] * 5), ("lends_to", "owns"),
                                                 [f"r{i}" for i in range(10)])
    d = props[3]
    assert props[3] is d and props.many([3, 4])[0] is d and props[-7] is d
    assert list(d) == ["amount", "status", "kind", "id"] and d["kind"] == "owns" and d["id"] == "r3"
    d["amount"] = 99.0
    del d["status"]
    assert props.values("amount")[3] == 99.0 and props.values("status")[3] is None
    assert props.values("kind") == ["lends_to", "owns"] * 5 and props.values("id")[9] == "r9"
    d["kind"] = "other"
    assert props.values("kind")[3] == "other"
    view = PropsView(props, np.array([3, 0]))
    assert view[0] is d and len(view) == 2 and view.values("amount") == [99.0, 0.0]
    assert prop_values(view, "amount", [1]) == [0.0] and view[:1] == [d]
    with pytest.raises(IndexError):
        props[10]
    # every dict made: the same objects from a list from then on
    every = list(props)
    assert every[3] is d and props._plain is not None and props[3] is d  # noqa: SLF001
    assert props.values("amount")[3] == 99.0


def test_take_reorders_and_named_dicts_match_the_in_place_setting() -> None:
    want = [{"a": i} for i in range(5)]
    props = _build(copy.deepcopy(want), 2).take([4, 0, 2])
    assert props.values("a") == [4, 0, 2] and props[0] == {"a": 4}
    # ``named`` as ``d["kind"] = …; d["id"] = …`` on the dict read: a stored "kind" keeps its place
    props = _build([{"kind": "x", "a": 1}], 2).named(np.array([0]), ("owns",), ["r"])
    assert list(props[0].items()) == [("kind", "owns"), ("a", 1), ("id", "r")]


def test_too_many_shapes_keep_the_dicts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ep, "MAX_SHAPES", 3)
    want = [{f"k{i}": i} for i in range(10)]
    props = _build(copy.deepcopy(want), 4)
    assert props._plain is not None  # noqa: SLF001
    assert list(props) == want and props.values("k3") == [None, None, None, 3] + [None] * 6
    named = props.named(np.zeros(10, dtype=np.int64), ("owns",), [f"r{i}" for i in range(10)])
    assert named[2] == {"k2": 2, "kind": "owns", "id": "r2"} and named.take([2])[0] is named[2]


def test_threads_reading_first_get_one_dict_each() -> None:
    props = _build([{"a": float(i)} for i in range(2000)], 500)
    seen: list[list[dict[str, Any]]] = []
    start = threading.Barrier(8)

    def read() -> None:
        start.wait()
        seen.append([props[i] for i in range(0, 2000, 3)] + props.many(range(1, 2000, 3)))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(all(x is y for x, y in zip(s, seen[0], strict=True)) for s in seen)


def test_pickles_and_copies() -> None:
    props = _build([{"a": 1.0, "b": "x"}, {"c": 2}], 1)
    d = props[0]
    d["a"] = 5.0
    for other in (pickle.loads(pickle.dumps(props)), copy.deepcopy(props)):
        assert list(other) == [{"a": 5.0, "b": "x"}, {"c": 2}]
        assert other.values("a") == [5.0, None]


def test_peek_reads_without_keeping() -> None:
    want = [{"a": float(i)} for i in range(6)]
    props = _build(copy.deepcopy(want), 4)
    made = props[2]
    made["a"] = -1.0
    view = PropsView(props, np.array([5, 2, 0]))
    peeked = prop_dicts(view, [0, 1])
    assert peeked == [{"a": 5.0}, {"a": -1.0}] and peeked[1] is made
    assert list(props._made) == [2]  # noqa: SLF001 - nothing else kept
    assert prop_dicts(want, [1]) == [{"a": 1.0}] and prop_dicts(want, [1])[0] is want[1]

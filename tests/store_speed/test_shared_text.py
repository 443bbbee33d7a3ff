"""SharedText: repeated text values become one object each, and the properties stay exactly equal."""

from __future__ import annotations

import copy
import random
from typing import Any

from stakegraph.store.shared_text import DECIDE, SharedText


def _fresh(text: str) -> str:
    return "".join(list(text))  # a new string object, as a JSON decoder makes


def _records(seed: int, n: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        p: dict[str, Any] = {"id": f"r{i:06d}", "load_id": _fresh("load_1"), "source_row": i}
        if rnd.random() < 0.7:
            p["status"] = _fresh(rnd.choice(["active", "ended", "Active "]))
        if rnd.random() < 0.5:  # a key whose values are text, numbers, booleans or lists in turn
            p["mixed"] = rnd.choice([_fresh("1"), 1, 1.0, True, None, [_fresh("a")], _fresh("x")])
        if rnd.random() < 0.3:
            p["amount"] = rnd.choice([1, 1.0, 2.5])
        out.append(p)
    return out


def test_values_stay_equal_in_type_and_keys_while_repeated_text_is_shared() -> None:
    props = _records(1, 3 * DECIDE)
    before = copy.deepcopy(props)
    shared = SharedText()
    for i in range(0, len(props), 700):  # chunk after chunk, as a store reads
        shared.share(props[i:i + 700])
    assert props == before
    assert [list(p) for p in props] == [list(p) for p in before]  # no key added, none moved
    for p, q in zip(props, before, strict=True):
        assert [type(v) for v in p.values()] == [type(v) for v in q.values()]  # 1, 1.0 and True stay apart
    assert len({id(p["load_id"]) for p in props}) == 1
    assert len({id(p["status"]) for p in props if "status" in p}) == 3
    assert len({id(p["mixed"]) for p in props if p.get("mixed") == "x"}) == 1


def test_keys_whose_text_does_not_repeat_are_left_alone() -> None:
    props = _records(2, 2 * DECIDE)
    shared = SharedText()
    shared.share(props[:DECIDE])
    shared.share(props[DECIDE:])
    assert shared._tables["id"] is None  # noqa: SLF001 - every id its own: no table kept
    assert shared._tables["load_id"] == {"load_1": "load_1"}  # noqa: SLF001


def test_an_empty_chunk_is_nothing() -> None:
    shared = SharedText()
    shared.share([])
    assert shared._tables == {}  # noqa: SLF001

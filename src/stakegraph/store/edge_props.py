"""Edge properties kept as columns, each edge's dict made only when it is read.

At 1,000,000 parties the projection held 6.45 million edge property dicts: about 2.5 GiB of dict
tables, floats and ints, for values the whole-graph analytics read a key at a time. The store's read now
hands each chunk of decoded dicts to :class:`PropColumns`, which keeps them by *shape* (the tuple of
keys, in order): per shape one column per key, a NumPy array where every value of a chunk is exactly a
``float`` (no NaN) or an ``int`` that fits 64 bits, else a list of the values themselves. Each edge
keeps its shape and its row (two integers).

:class:`EdgeProps` is the sequence of those edges' dicts by edge number. Reading ``props[i]`` makes
edge ``i``'s dict once — the same keys in the same order, values of the same types, ``kind`` and
``id`` set as :meth:`~stakegraph.store.graphindex.GraphIndex.to_networkx` sets them — and returns that
same object on every later read, so a change made through the graph (``G.edges[u, v, k]["x"] = 1``)
is what every later reader sees. :meth:`EdgeProps.values` reads one key over many edges from the
columns, with the dicts already made (and perhaps changed) read from themselves.

A read whose dicts do not share shapes (more than :data:`MAX_SHAPES` key tuples) keeps the dicts
themselves: the columns would then cost more than they save.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any, overload

import numpy as np

from stakegraph.store.shared_text import SharedText

__all__ = ["EdgeProps", "PropColumns", "PropsView", "prop_dicts", "prop_values", "MAX_SHAPES"]

#: Key tuples a read may have before it keeps the dicts themselves instead of columns.
MAX_SHAPES = 4096

def _typed(values: list[Any], key: str, text: SharedText) -> np.ndarray | list[Any]:
    """``values`` as a NumPy array when each is exactly a ``float`` that is not NaN (a NaN read back would
    be a new object, unequal to itself) or an ``int`` within 64 bits; else the list, each repeated text
    value as one object (``text``, :class:`~stakegraph.store.shared_text.SharedText`)."""
    kinds = set(map(type, values))
    if str in kinds:
        return text.column(key, values)
    if kinds == {float}:
        arr = np.array(values, dtype=np.float64)
        return values if np.isnan(arr).any() else arr
    if kinds == {int}:
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            return values
    return values


def _joined(chunks: list[np.ndarray | list[Any]]) -> np.ndarray | list[Any]:
    """One column from its chunks: an array when every chunk is an array of one dtype, else a list."""
    if chunks and all(isinstance(c, np.ndarray) for c in chunks) and len({c.dtype for c in chunks}) == 1:  # type: ignore[union-attr]
        return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]  # type: ignore[arg-type,return-value]
    out: list[Any] = []
    for c in chunks:
        out.extend(c.tolist() if isinstance(c, np.ndarray) else c)
    return out


def _picked(col: np.ndarray | list[Any], rows: np.ndarray) -> list[Any]:
    """The values of ``col`` at ``rows``, as Python objects."""
    if isinstance(col, np.ndarray):
        return col[rows].tolist()  # type: ignore[no-any-return]
    return list(map(col.__getitem__, rows.tolist()))


class PropColumns:
    """Collects the decoded property dicts of a store's read, chunk by chunk (see the module docstring).

    >>> b = PropColumns()
    >>> b.add([{"amount": 1.5, "status": "active"}, {"role": "epc"}, {"amount": 2.0, "status": "ended"}])
    >>> p = b.props()
    >>> len(p), p[2], p.values("amount")
    (3, {'amount': 2.0, 'status': 'ended'}, [1.5, None, 2.0])
    """

    def __init__(self) -> None:
        self._code: dict[tuple[str, ...], int] = {}
        self._keys: list[tuple[str, ...]] = []
        self._chunks: list[list[list[np.ndarray | list[Any]]]] = []  # per shape, per key: its chunks
        self._count: list[int] = []  # rows per shape so far
        self._shape: list[np.ndarray] = []
        self._row: list[np.ndarray] = []
        self._plain: list[dict[str, Any]] | None = None  # too many shapes: the dicts themselves
        self._text = SharedText()
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The dicts added, each made anew."""
        return iter(self.props().fresh(range(self.n)))

    def add(self, props: Sequence[dict[str, Any]]) -> None:
        """Add a chunk of decoded dicts (read, not kept: their values move into the columns)."""
        if self._plain is not None:
            self._text.share(props)
            self._plain.extend(props)
            self.n += len(props)
            return
        shapes = list(map(tuple, props))
        table = self._code
        for s in dict.fromkeys(shapes).keys() - table.keys():
            table[s] = len(self._keys)
            self._keys.append(s)
            self._chunks.append([[] for _ in s])
            self._count.append(0)
        if len(self._keys) > MAX_SHAPES:
            self._plain = self.props().fresh(range(self.n))
            self._text.share(props)
            self._plain.extend(props)
            self.n += len(props)
            self._code, self._keys, self._chunks, self._count, self._shape, self._row = {}, [], [], [], [], []
            return
        codes = np.fromiter(map(table.__getitem__, shapes), dtype=np.int32, count=len(shapes))
        rows = np.empty(len(shapes), dtype=np.int32)
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        for sel in np.split(order, bounds) if len(order) else []:
            c = int(codes[sel[0]])
            start = self._count[c]
            rows[sel] = np.arange(start, start + len(sel), dtype=np.int32)
            self._count[c] = start + len(sel)
            picked = props if len(sel) == len(props) else list(map(props.__getitem__, sel.tolist()))
            for chunks, key in zip(self._chunks[c], self._keys[c], strict=True):
                chunks.append(_typed(list(map(dict.__getitem__, picked, repeat(key))), key, self._text))
        self._shape.append(codes)
        self._row.append(rows)
        self.n += len(props)

    def props(self) -> EdgeProps:
        """The :class:`EdgeProps` of every dict added, in order (the builder stays as it is)."""
        if self._plain is not None:
            return EdgeProps([], [], np.zeros(0, np.int32), np.zeros(0, np.int32), plain=list(self._plain))
        cols = [[_joined(chunks) for chunks in per_key] for per_key in self._chunks]
        for per_key, joined in zip(self._chunks, cols, strict=True):  # the joined columns replace their chunks
            per_key[:] = [[c] for c in joined]
        shape = np.concatenate(self._shape) if self._shape else np.zeros(0, np.int32)
        row = np.concatenate(self._row) if self._row else np.zeros(0, np.int32)
        self._shape, self._row = [shape], [row]
        return EdgeProps(list(self._keys), cols, shape, row)


class EdgeProps(Sequence[dict[str, Any]]):
    """The property dicts of a read's edges by edge number, kept as columns (see the module docstring)."""

    def __init__(self, keys: list[tuple[str, ...]], cols: list[list[np.ndarray | list[Any]]], shape: np.ndarray,
                 row: np.ndarray, *, plain: list[dict[str, Any]] | None = None) -> None:
        self._keys = keys
        self._pos = [{k: p for p, k in enumerate(ks)} for ks in keys]
        self._cols = cols
        self._shape = shape
        self._row = row
        self._plain = plain  # the dicts themselves (too many shapes), or every dict once all are made
        self._made: dict[int, dict[str, Any]] = {}
        #: (a kind code per edge, the kinds, the ids) once :meth:`named`
        self._names: tuple[np.ndarray, Sequence[Any], Sequence[Any]] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._plain) if self._plain is not None else len(self._shape)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def named(self, kind: np.ndarray, kinds: Sequence[Any], ids: Sequence[Any]) -> EdgeProps:
        """Give every dict made from now on ``kind`` (``kinds[kind[i]]``) and ``id`` (``ids[i]``), set after its
        own keys as ``d["kind"] = …; d["id"] = …`` would; returns ``self``."""
        self._names = (kind, kinds, ids)
        if self._plain is not None:
            names = list(map(kinds.__getitem__, kind.tolist()))
            deque(map(dict.__setitem__, self._plain, repeat("kind"), names), maxlen=0)
            deque(map(dict.__setitem__, self._plain, repeat("id"), ids), maxlen=0)
        return self

    def take(self, at: Sequence[int] | np.ndarray) -> EdgeProps:
        """The edges ``at`` (numbers, in their new order) as a new :class:`EdgeProps` sharing the columns."""
        idx = np.asarray(at, dtype=np.int64)
        if self._plain is not None:
            return EdgeProps([], [], self._shape, self._row, plain=[self._plain[i] for i in idx.tolist()])
        return EdgeProps(self._keys, self._cols, self._shape[idx], self._row[idx])

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return self.many(range(len(self))[i])
        plain = self._plain
        if plain is not None:
            return plain[i]
        d = self._made.get(i)
        if d is not None:
            return d
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        with self._lock:  # one dict per edge, however many threads read it first
            if self._plain is not None:
                return self._plain[i]
            return self._made.setdefault(i, self._fresh_one(int(i)))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.many(range(len(self))))

    def _fresh_one(self, i: int) -> dict[str, Any]:
        s, r = int(self._shape[i]), int(self._row[i])
        d = dict(zip(self._keys[s], [c[r].item() if isinstance(c, np.ndarray) else c[r] for c in self._cols[s]],
                     strict=True))
        if self._names is not None:
            kind, kinds, ids = self._names
            d["kind"] = kinds[int(kind[i])]
            d["id"] = ids[i]
        return d

    def fresh(self, at: Sequence[int] | np.ndarray) -> list[dict[str, Any]]:
        """New dicts for the edges ``at`` (not kept, not the ones :meth:`__getitem__` gives)."""
        idx = np.asarray(at, dtype=np.int64)
        if self._plain is not None:
            return [dict(self._plain[i]) for i in idx.tolist()]
        out: list[Any] = [None] * len(idx)  # each a dict once filled
        shape, row = self._shape[idx], self._row[idx]
        for s in np.unique(shape).tolist():
            pos = np.flatnonzero(shape == s)
            rows = row[pos]
            keys = self._keys[s]
            values = [_picked(c, rows) for c in self._cols[s]]
            made = [dict(zip(keys, v, strict=True)) for v in zip(*values, strict=True)] if keys else \
                [{} for _ in range(len(pos))]
            deque(map(out.__setitem__, pos.tolist(), made), maxlen=0)
        if self._names is not None and len(idx):
            kind, kinds, ids = self._names
            names = list(map(kinds.__getitem__, kind[idx].tolist()))
            deque(map(dict.__setitem__, out, repeat("kind"), names), maxlen=0)
            deque(map(dict.__setitem__, out, repeat("id"), map(ids.__getitem__, idx.tolist())), maxlen=0)
        return out

    def many(self, at: Sequence[int] | np.ndarray) -> list[dict[str, Any]]:
        """The dicts of the edges ``at``, made (once) where not made yet: what ``[props[i] for i in at]`` gives."""
        if self._plain is not None:
            return list(map(self._plain.__getitem__, np.asarray(at, dtype=np.int64).tolist()))
        idx = np.asarray(at, dtype=np.int64)
        with self._lock:
            made = self._made
            missing = idx[~np.isin(idx, np.fromiter(made.keys(), dtype=np.int64))] if made else idx
            if len(missing):
                deque(map(made.setdefault, missing.tolist(), self.fresh(missing)), maxlen=0)
            if self._plain is None and len(made) == len(self) and len(self):  # every dict made: a list from now on
                self._plain = list(map(made.__getitem__, range(len(self))))
                self._made = {}  # a new object: a reader holding the old one still sees every dict
        return list(map(self.__getitem__, idx.tolist()))

    def peek(self, at: Sequence[int] | np.ndarray) -> list[dict[str, Any]]:
        """Dicts equal to ``[props[i] for i in at]`` without keeping the ones not made yet: the made dict
        where there is one, else a new dict that nothing else holds (for a pass that reads and drops them)."""
        plain, made = self._plain, self._made.copy()
        idx = np.asarray(at, dtype=np.int64)
        if plain is not None:
            return list(map(plain.__getitem__, idx.tolist()))
        out = self.fresh(idx)
        for p, d in _made_at(made, idx):
            out[p] = d
        return out

    def values(self, key: str, at: Sequence[int] | np.ndarray | None = None) -> list[Any]:
        """``[props[i].get(key) for i in at]`` (``at``: every edge when ``None``), read from the columns, and
        from the dicts themselves where they are made — without making any."""
        plain, made = self._plain, self._made  # the dicts made so far, as one object (see many)
        if plain is not None:
            seq = plain if at is None else map(plain.__getitem__, np.asarray(at, np.int64).tolist())
            return list(map(dict.get, seq, repeat(key)))
        idx = np.arange(len(self)) if at is None else np.asarray(at, dtype=np.int64)
        out: list[Any] = [None] * len(idx)
        if self._names is not None and key in ("kind", "id"):
            kind, kinds, ids = self._names
            out = list(map(kinds.__getitem__, kind[idx].tolist()) if key == "kind" else map(ids.__getitem__, idx.tolist()))
        else:
            shape, row = self._shape[idx], self._row[idx]
            for s, pos_of in enumerate(self._pos):
                p = pos_of.get(key)
                if p is None:
                    continue
                pos = np.flatnonzero(shape == s)
                if len(pos):
                    deque(map(out.__setitem__, pos.tolist(), _picked(self._cols[s][p], row[pos])), maxlen=0)
        for p, d in _made_at(made.copy(), idx):
            out[p] = d.get(key)
        return out


def _made_at(made: dict[int, dict[str, Any]], idx: np.ndarray) -> list[tuple[int, dict[str, Any]]]:
    """(position in ``idx``, dict) for each edge of ``idx`` whose dict is in ``made`` (a copy the caller holds)."""
    if not made:
        return []
    hit = np.flatnonzero(np.isin(idx, np.fromiter(made.keys(), dtype=np.int64))).tolist()
    return [(p, made[int(idx[p])]) for p in hit]


class PropsView(Sequence[dict[str, Any]]):
    """The dicts of ``props`` at the edge numbers ``at``, in that order (what ``[props[i] for i in at]`` holds,
    made only when read)."""

    def __init__(self, props: EdgeProps, at: np.ndarray) -> None:
        self.base = props
        self.at = np.asarray(at, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.at)

    @overload
    def __getitem__(self, j: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, j: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, j: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(j, slice):
            return self.base.many(self.at[j])
        return self.base[int(self.at[j])]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.base.many(self.at))

    def peek(self, sel: Sequence[int] | np.ndarray) -> list[dict[str, Any]]:
        """:meth:`EdgeProps.peek` of the positions ``sel``."""
        return self.base.peek(self.at[np.asarray(sel, dtype=np.int64)])

    def values(self, key: str, sel: Sequence[int] | np.ndarray | None = None) -> list[Any]:
        """``[self[j].get(key) for j in sel]`` (every position when ``None``), made from the columns."""
        return self.base.values(key, self.at if sel is None else self.at[np.asarray(sel, dtype=np.int64)])


def prop_dicts(props: Sequence[Any], sel: Sequence[int] | np.ndarray) -> list[dict[str, Any]]:
    """Dicts equal to ``[props[i] for i in sel]``; from the columns without keeping them where ``props`` is an
    :class:`EdgeProps` or a :class:`PropsView` (:meth:`EdgeProps.peek`)."""
    if isinstance(props, (EdgeProps, PropsView)):
        return props.peek(sel)
    return list(map(props.__getitem__, np.asarray(sel, dtype=np.int64).tolist()))


def prop_values(props: Sequence[Any], key: str, sel: Sequence[int] | np.ndarray | None = None) -> list[Any]:
    """``[props[i].get(key) for i in sel]`` (every item when ``None``) for any sequence of dicts; from the
    columns, with no dict made, when ``props`` is an :class:`EdgeProps` or a :class:`PropsView`.

    >>> prop_values([{"a": 1}, {}, {"a": 3}], "a", [2, 1])
    [3, None]
    """
    if isinstance(props, (EdgeProps, PropsView)):
        return props.values(key, sel)
    seq = props if sel is None else map(props.__getitem__, np.asarray(sel, dtype=np.int64).tolist())
    return list(map(dict.get, seq, repeat(key)))


"""Search as you type over names in any script, English names and ids: an in-memory index per graph version.

:class:`SearchIndex` holds every node's searchable text — id, ``name``, ``name_en`` — case-folded
and NFKC-normalised (full-width Ｂａｎｋ finds bank; 銀行 and 银行 stay distinct, as written), joined
into one haystack (its code points as a NumPy array) with a separator no query can contain. Every position
of the haystack is also held sorted by the trigram starting there (its three code points in one 63-bit
key), so the positions of any one, two or three characters are one contiguous run found by two binary
searches (``numpy.searchsorted``); a longer query takes the run of its rarest trigram and checks the
other characters at those candidates only. Each hit's offset is mapped to its node by a binary search
over the field offsets.
This answers any substring — one CJK character, two (``银行``: below the 3 characters an n-gram
index such as SQLite FTS5 ``trigram`` needs), Latin fragments, id parts — in time proportional to the
candidates, not to the text held (about 7 M code points at 100,000 parties; the sorted trigrams cost
12 bytes a code point), with no tokeniser to choose.

Ranking (best first): the exact id, an exact name (or English name), a prefix of the id or a name,
a word start inside a name, any other substring; ties by shorter name, then id order. Ranking and
counting run on arrays (NumPy): the best rank of each node is written rank by rank into one array
over the nodes, and only the ``limit`` best are sorted (``numpy.argpartition``).
Results carry ``type``, ``kind`` and ``country`` so the page groups them by type.

Both stores can feed it (:meth:`SearchIndex.from_graph` reads the projection the
:class:`~stakegraph.workspace.Workspace` already holds); :func:`search_index` builds it once per
graph version in the workspace's cache.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("b_bank", type="party", name="B 银行", name_en="B Bank", kind="bank", country="CN")
>>> G.add_node("bankside", type="party", name="Bankside Ltd", kind="company", country="GB")
>>> G.add_node("p1", type="project", name="Riverbank Plant")
>>> ix = SearchIndex.from_graph(G)
>>> [h.id for h in ix.search("bank")]
['bankside', 'b_bank', 'p1']
>>> [h.id for h in ix.search("银行")], [h.id for h in ix.search("B_BANK")]
(['b_bank'], ['b_bank'])
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

__all__ = ["Found", "Hit", "SearchIndex", "normalise", "search_index", "FIELDS"]

#: The fields searched, in the order they are held per node.
FIELDS = ("id", "name", "name_en")
_SEP = "\x00"
_NONE = 9  # no match (ranks are 0-4)
#: Bits of one sort key: trigram and position are sorted packed together when they fit.
PACK_BITS = 63


def normalise(text: Any) -> str:
    """Case-folded NFKC text without the separator (what is held and what is searched).

    >>> normalise("  ＢＡＮＫ ") , normalise("Straße")
    ('bank', 'strasse')
    """
    return unicodedata.normalize("NFKC", str(text)).casefold().replace(_SEP, " ").strip()


@dataclass(frozen=True)
class Hit:
    """One node found: what the result list shows, and its rank (lower is better)."""

    id: str
    type: str
    name: str | None
    name_en: str | None
    kind: str | None
    country: str | None
    status: str | None
    rank: int

    def brief(self) -> dict[str, Any]:
        """The JSON shape of a search result."""
        return {"id": self.id, "type": self.type, "name": self.name, "name_en": self.name_en, "kind": self.kind,
                "country": self.country, "status": self.status}


@dataclass(frozen=True)
class Found:
    """The best hits, how many nodes of each type match and how many in all."""

    hits: tuple[Hit, ...]
    counts: dict[str, int]
    total: int

    @property
    def ids(self) -> list[str]:
        """The hits' ids, best first."""
        return [h.id for h in self.hits]


class SearchIndex:
    """The searchable text of one graph version (see the module docstring).

    Parameters
    ----------
    records : iterable of (id, mapping)
        Each node's id and properties (``type``, ``name``, ``name_en``, ``kind``, ``country``, ``status``).
    version : str
        The graph version the records were read at.
    """

    def __init__(self, records: Iterable[tuple[str, Mapping[str, Any]]], version: str = "") -> None:
        self.version = version
        self.rows: list[tuple[str, str, str | None, str | None, str | None, str | None, str | None]] = []
        texts: list[str] = []
        starts: list[int] = []
        pos = 0
        for nid, d in records:
            name, name_en = d.get("name"), d.get("name_en")
            self.rows.append((str(nid), str(d.get("type") or ""), _text(name), _text(name_en), _text(d.get("kind")),
                              _text(d.get("country")), _text(d.get("status"))))
            for value in (nid, name, name_en):
                t = normalise(value) if value not in (None, "") else ""
                starts.append(pos)
                texts.append(t)
                pos += len(t) + 1
        self.haystack = _SEP.join(texts) + _SEP
        self._starts = np.array(starts, dtype=np.int64)
        self._lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        # a match starts a word where the character before it is not a letter or digit (any script)
        code = self._code = np.frombuffer(self.haystack.encode("utf-32-le"), dtype=np.uint32)
        word = ((code >= 48) & (code <= 57)) | ((code >= 97) & (code <= 122)) | (code > 127)
        self._word_start = np.ones(len(code), dtype=bool)
        self._word_start[1:] = ~word[:-1]
        types = [r[1] for r in self.rows]
        self.types = tuple(dict.fromkeys(types))
        codes = {t: i for i, t in enumerate(self.types)}
        self._type = np.fromiter((codes[t] for t in types), dtype=np.int32, count=len(types))
        self._shown_len = np.fromiter((len(r[2] or r[0]) for r in self.rows), dtype=np.int64, count=len(self.rows))
        self._ids = {row[0]: i for i, row in enumerate(self.rows)}
        # every position but the separators, sorted by the trigram starting there (padded with separators);
        # code points renumbered densely (the separator is 0) so trigram and position pack into one int64
        self._alphabet = np.flatnonzero(np.bincount(code)).astype(np.uint32)
        dense = np.zeros(int(self._alphabet[-1]) + 1, dtype=np.int64)
        dense[self._alphabet] = np.arange(len(self._alphabet))
        bits = self._bits = max(1, int(len(self._alphabet)).bit_length())
        pos_bits = max(1, len(code).bit_length())
        dense_code = np.concatenate([dense[code], np.zeros(2, dtype=np.int64)])
        where = np.flatnonzero(code != 0)
        grams = (dense_code[where] << (2 * bits)) | (dense_code[where + 1] << bits) | dense_code[where + 2]
        if 3 * bits + pos_bits <= PACK_BITS:  # one sort of trigram and position packed together
            grams = (grams << pos_bits) | where
            grams.sort()
            self._keys = grams >> pos_bits
            where = grams & ((1 << pos_bits) - 1)
        else:  # thousands of distinct characters in a large text: sort the positions by trigram
            order = np.argsort(grams)
            self._keys, where = grams[order], where[order]
        self._pos = where.astype(np.int32 if pos_bits < 32 else np.int64)

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> SearchIndex:
        """The index of a projection's nodes (in the projection's order)."""
        return cls(((str(n), d) for n, d in G.nodes(data=True)), str(G.graph.get("version", "")))

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """The ``limit`` best nodes whose id, name or English name contains ``query`` (ranked, see the module)."""
        return list(self.query(query, limit).hits)

    def query(self, query: str, limit: int = 20) -> Found:
        """:meth:`search` with how many nodes of each type match and how many in all."""
        q = normalise(query)
        if not q or limit < 1:
            return Found((), {}, 0)
        hits = self._find(q)
        field = np.searchsorted(self._starts, hits, side="right") - 1
        at_start = hits == self._starts[field]
        which = field % len(FIELDS)
        rank = np.where(at_start & (self._lens[field] == len(q)), np.where(which == 0, 0, 1),
                        np.where(at_start, 2, np.where(self._word_start[hits], 3, 4)))
        rows = field // len(FIELDS)
        # each node's best rank: written worst first, so a better rank of the same node overwrites it
        best = np.full(len(self.rows), _NONE, dtype=np.int64)
        for r in range(4, -1, -1):
            best[rows[rank == r]] = r
        exact_id = self._id_of(query)
        if exact_id is not None:
            best[exact_id] = 0
        found = np.flatnonzero(best < _NONE)
        rank = best[found]
        # the limit best by (rank, shorter shown name, node order), sorted
        key = (rank << 58) | (np.minimum(self._shown_len[found], 2**26 - 1) << 32) | found
        if len(key) > limit:
            key = key[np.argpartition(key, limit - 1)[:limit]]
        key.sort()
        top, top_rank = (key & (2**32 - 1)).tolist(), (key >> 58).tolist()
        counts = np.bincount(self._type[found], minlength=len(self.types))
        return Found(tuple(Hit(*self.rows[int(i)], rank=int(r)) for i, r in zip(top, top_rank, strict=True)),
                     {t: int(c) for t, c in zip(self.types, counts.tolist(), strict=True) if c},
                     len(found))

    def counts(self, query: str) -> dict[str, int]:
        """How many nodes of each type match ``query``."""
        return self.query(query, 1).counts

    def _find(self, q: str) -> np.ndarray:
        """Every position where ``q`` starts in the haystack (in no order): the run of the query's rarest trigram
        (or of its one or two characters) in the sorted positions, the other characters checked there."""
        code = self._code
        raw = np.frombuffer(q.encode("utf-32-le"), dtype=np.uint32)
        m, b = len(raw), self._bits
        at_char = np.searchsorted(self._alphabet, raw)
        if m > len(code) or np.any(at_char >= len(self._alphabet)) or np.any(self._alphabet[np.minimum(
                at_char, len(self._alphabet) - 1)] != raw):
            return np.zeros(0, dtype=np.int64)  # a character the text does not hold
        wanted = at_char.astype(np.int64)
        if m < 3:  # every trigram starting with these one or two characters
            lo_key = wanted[0] << (2 * b) if m == 1 else (wanted[0] << (2 * b)) | (wanted[1] << b)
            span = 1 << (2 * b if m == 1 else b)
            lo, hi = np.searchsorted(self._keys, [lo_key, lo_key + span])
            return self._pos[lo:hi].astype(np.int64)
        grams = (wanted[:-2] << (2 * b)) | (wanted[1:-1] << b) | wanted[2:]
        los = np.searchsorted(self._keys, grams, side="left")
        his = np.searchsorted(self._keys, grams, side="right")
        j = int(np.argmin(his - los))
        at = self._pos[los[j]:his[j]].astype(np.int64) - j
        at = at[(at >= 0) & (at + m <= len(code))]
        for k in range(m):
            if j <= k < j + 3:
                continue
            at = at[code[at + k] == raw[k]]
        return at

    def _id_of(self, query: str) -> int | None:
        return self._ids.get(query.strip())


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def search_index(ws: Any, version: str) -> SearchIndex:
    """The :class:`SearchIndex` of ``version``, built once from the workspace's projection and kept in its
    per-version cache (dropped with the version)."""
    return ws.cached(("search", "index"), SearchIndex.from_graph, version)  # type: ignore[no-any-return]

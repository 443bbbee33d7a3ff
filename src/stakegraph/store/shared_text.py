"""One object per repeated text value in the properties a store decodes for the projection.

A JSON decoder makes a new string for every value it reads: at 1,000,000 parties the projection held
about 6.5 million copies each of a handful of load ids and file names, and millions of copies of a few
hundred statuses, currencies and dates — about 1.5 GiB of equal strings. :class:`SharedText` replaces
each text value of a key that repeats by the first equal string seen (as ``sys.intern`` would, but in
a table of its own that is dropped with the read), chunk by chunk, at C speed (``map`` over the
chunk, no Python frame per record). The properties stay equal: only the identity of equal strings
changes (``tests/store_speed/test_shared_text.py``).
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Sequence
from itertools import compress, repeat
from typing import Any

__all__ = ["SharedText", "DECIDE", "SAMPLE"]

#: Records of a chunk whose keys decide which keys are looked at (spread over the chunk).
SAMPLE = 256
#: Text values of a key read before it is judged: it stops being shared if half of them or more were distinct.
DECIDE = 1024


class SharedText:
    """The running tables of one read: per property key, its text values seen so far (or ``None`` once the key
    has shown itself not to repeat: of its first :data:`DECIDE` text values, half or more were distinct).

    >>> a, b = {"load_id": "".join(["l", "1"]), "n": 1.0}, {"load_id": "".join(["l", "1"]), "n": 1}
    >>> a["load_id"] is b["load_id"]
    False
    >>> SharedText().share([a, b])
    >>> a["load_id"] is b["load_id"], a, b
    (True, {'load_id': 'l1', 'n': 1.0}, {'load_id': 'l1', 'n': 1})
    """

    def __init__(self) -> None:
        self._tables: dict[str, dict[Any, Any] | None] = {}
        self._read: dict[str, int] = {}  # text values read per key, until it is decided
        self._decided: set[str] = set()

    def share(self, props: Sequence[dict[str, Any]]) -> None:
        """Make each repeated text value of ``props`` (decoded mappings, changed in place) one object."""
        if not props:
            return
        step = max(1, len(props) // SAMPLE)
        keys: set[str] = set()
        for p in props[::step]:  # keys with a text value in the sample
            keys.update(k for k, v in p.items() if type(v) is str)
        for key in keys:
            if self._tables.get(key, {}) is None:
                continue
            values = list(map(dict.get, props, repeat(key)))
            text = list(map(operator.is_, map(type, values), repeat(str)))
            every = all(text)
            shared = self._shared(key, values if every else list(compress(values, text)))
            if shared is not None:
                deque(map(dict.__setitem__, props if every else compress(props, text), repeat(key), shared),
                      maxlen=0)

    def column(self, key: str, values: list[Any]) -> list[Any]:
        """``values`` (one property's values, in order) with each repeated text value as one object, as
        :meth:`share` makes them in the dicts; a new list, or ``values`` itself when nothing is shared.

        >>> t = SharedText()
        >>> a, b = t.column("s", ["".join(["x", "y"]), 1, None]), t.column("s", ["".join(["x", "y"])])
        >>> a, a[0] is b[0]
        (['xy', 1, None], True)
        """
        if self._tables.get(key, {}) is None:
            return values
        text = list(map(operator.is_, map(type, values), repeat(str)))
        if all(text):
            return self._shared(key, values) or values
        shared = self._shared(key, list(compress(values, text)))
        if shared is None:
            return values
        it = iter(shared)
        return [next(it) if t else v for v, t in zip(values, text, strict=True)]

    def _shared(self, key: str, texts: list[Any]) -> list[Any] | None:
        """The first equal text seen for ``key`` for each of ``texts``; ``None`` once ``key`` shows itself not
        to repeat (half or more of its first :data:`DECIDE` text values distinct)."""
        tables = self._tables
        table = tables.get(key, {})
        if table is None:
            return None
        shared = list(map(table.setdefault, texts, texts))
        tables[key] = table
        if key not in self._decided:
            read = self._read.get(key, 0) + len(texts)
            self._read[key] = read
            if read >= DECIDE:
                self._decided.add(key)
                if len(table) * 2 > read:
                    tables[key] = None  # names, ids: each its own
                    return None
        return shared

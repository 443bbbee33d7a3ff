"""What one embedded-store handle knows of the nodes it wrote: skip look-ups a fresh load does not need.

A load into an empty store asks, per batch, which of its ids are already stored
(none are) and whether every relationship endpoint is stored (all the ones it
wrote are). At 100,000 parties those two look-ups were about a tenth of the
store's write time (bench/load.py). :class:`NodeLedger` holds the exact set of
node ids a handle wrote since it last saw the store empty. It is trusted only
while the graph version is the one its own last write left: every write through
any handle bumps that version in the same transaction (the store's rule), so an
unchanged version means nobody else wrote since, and the store holds exactly the
ids in the ledger. Any other version — another writer, a delete, a clear —
drops it; it starts again only when a write finds the store empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: node ids at most in a ledger (≈ 100 bytes each with the id text); beyond, writes look ids up again
LEDGER_MAX = 2_000_000


class NodeLedger:
    """Node ids written through one store handle since it last saw the store empty (exact).

    Parameters
    ----------
    cap : int
        Ids at most; a write that would pass it drops the ledger (the store then looks ids up).

    Examples
    --------
    >>> led = NodeLedger()
    >>> known = led.known("3", lambda: True)  # the store is empty at version 3
    >>> led.committed(known, ["a", "b"], "4")
    >>> sorted(led.known("4", lambda: False))
    ['a', 'b']
    >>> led.known("5", lambda: False) is None  # someone else wrote since
    True
    """

    __slots__ = ("_cap", "_ids", "_version")

    def __init__(self, cap: int = LEDGER_MAX) -> None:
        self._cap = cap
        self._ids: set[str] | None = None
        self._version: str | None = None

    def known(self, version: str, empty: Callable[[], bool]) -> set[str] | None:
        """The node ids the store holds at ``version`` (called inside the write transaction), or ``None``
        when the ledger cannot tell: another writer changed the store and it is not empty (``empty()``).

        The returned set is the ledger's own: read it, do not change it.
        """
        if self._ids is not None and version == self._version:
            return self._ids
        self._ids = None
        if empty():
            self._ids, self._version = set(), version
        return self._ids

    def committed(self, known: set[str] | None, ids: Iterable[str], version: str) -> None:
        """After a committed write that began with ``known``: it added the node ``ids`` and left ``version``."""
        if known is None or known is not self._ids:
            return
        known.update(ids)
        if len(known) > self._cap:
            self._ids = None
            return
        self._version = version

    def forget(self) -> None:
        """Drop the ledger (the next write looks ids up, or starts a new one on an empty store)."""
        self._ids = None


__all__ = ["LEDGER_MAX", "NodeLedger"]

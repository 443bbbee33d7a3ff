"""An in-memory portfolio under construction: rows per canonical file, checked as they are added.

Used by the bundled sample (a few thousand rows). Every id is unique across all
node types, every relationship's endpoints exist with the types its kind allows,
and every column belongs to its file, so a mistake in a scenario fails at once
with a message naming the row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from stakegraph.domain import DOMAIN
from stakegraph.model import edge_id
from stakegraph.samples.columns import FILE_NAMES, ROLES, check_row, render
from stakegraph.samples.errors import GenerateError

#: What a party's own amounts are compared with (its loans, sales …) decides their currency; a party with no
#: priced relationship keeps its home currency: yuan for a Chinese party, US dollars for any other.
PARTY_MONEY: tuple[str, ...] = ("total_assets", "capital", "tier1_capital", "external_assets", "external_liabilities",
                                "annual_revenue")
#: The currency of a sale drawn without one (see :meth:`Portfolio.state_currencies`).
TRADE_CURRENCY = "CNY"
#: Relationship amounts whose currency is the ``currency`` column.
EDGE_MONEY: tuple[str, ...] = ("amount", "annual_revenue", "guarantee_cap", "cross_default_threshold", "bet_on_target",
                               "bet_on_buyback")


def home_currency(country: str | None) -> str:
    """The currency of a sample party with no priced relationship: ``CNY`` for ``CN``, else ``USD``.

    >>> home_currency("CN"), home_currency("PK"), home_currency(None)
    ('CNY', 'USD', 'USD')
    """
    return "CNY" if country == "CN" else "USD"


_NODE_ROLE = {"party": "parties", "project": "projects", "contract": "contracts",
              "interaction": "interactions", "signal": "signals"}


class Portfolio:
    """Rows of the six canonical files, in insertion order."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {role: {} for role in ROLES}
        self.types: dict[str, str] = {}
        self._edge_keys: set[tuple[str, str, str, str]] = set()

    # -- nodes -------------------------------------------------------------------
    def _node(self, ntype: str, nid: str, props: Mapping[str, Any]) -> str:
        if nid in self.types:
            raise GenerateError(f"duplicate id {nid!r} ({self.types[nid]} and {ntype}); give each node its own id")
        row = {"id": nid, **{k: v for k, v in props.items() if v is not None}}
        role = _NODE_ROLE[ntype]
        check_row(role, row)
        self.types[nid] = ntype
        self.rows[role][nid] = row
        return nid

    def party(self, pid: str, name: str, kind: str, **props: Any) -> str:
        if kind not in DOMAIN.node_types["party"].kinds:
            raise GenerateError(f"party {pid!r}: {kind!r} is not an organisation type")
        return self._node("party", pid, {"name": name, "kind": kind, **props})

    def project(self, pid: str, name: str, **props: Any) -> str:
        return self._node("project", pid, {"name": name, **props})

    def contract(self, cid: str, name: str, kind: str, *, project_id: str | None = None, **props: Any) -> str:
        if project_id is not None:
            self._need(project_id, "project", f"contract {cid}")
        return self._node("contract", cid, {"name": name, "kind": kind, "project_id": project_id, **props})

    def _event(self, ntype: str, eid: str, kind: str, date: str, party_id: str, **props: Any) -> str:
        self._need(party_id, None, f"{ntype} {eid}")
        cp = props.get("counterparty_id")
        if cp is not None:
            self._need(cp, None, f"{ntype} {eid}")
        rel = props.get("relationship_id")
        if rel is not None and rel not in self.rows["relationships"]:
            raise GenerateError(f"{ntype} {eid}: relationship {rel!r} does not exist; add it first")
        return self._node(ntype, eid, {"kind": kind, "date": date, "party_id": party_id, **props})

    def interaction(self, eid: str, kind: str, date: str, party_id: str, **props: Any) -> str:
        return self._event("interaction", eid, kind, date, party_id, **props)

    def signal(self, eid: str, kind: str, date: str, party_id: str, **props: Any) -> str:
        return self._event("signal", eid, kind, date, party_id, **props)

    # -- relationships -------------------------------------------------------------
    def _need(self, nid: str, ntype: str | None, what: str) -> None:
        have = self.types.get(nid)
        if have is None or (ntype is not None and have != ntype):
            raise GenerateError(f"{what}: {nid!r} is not a {ntype or 'node'} of the portfolio; add it first")

    def has_edge(self, kind: str, source: str, target: str, ref: str = "") -> bool:
        return (kind, source, target, ref) in self._edge_keys

    def rel(self, kind: str, source: str, target: str, *, rid: str | None = None, **props: Any) -> str:
        """Add a relationship; ``rid`` defaults to :func:`stakegraph.model.edge_id` of kind, ends and ``ref``."""
        rk = DOMAIN.rel_kinds.get(kind)
        if rk is None:
            raise GenerateError(f"{kind!r} is not a relationship kind")
        ref = str(props.get("ref") or "")
        what = f"{kind} {source}->{target}"
        for end, allowed in ((source, rk.sources), (target, rk.targets)):
            if self.types.get(end) not in allowed:
                raise GenerateError(f"{what}: {end!r} must be an existing {'/'.join(allowed)}")
        key = (kind, source, target, ref)
        if key in self._edge_keys:
            raise GenerateError(f"{what} ref {ref!r} added twice; give the second one a different ref")
        rid = rid or edge_id(kind, source, target, ref or None)
        if rid in self.rows["relationships"] or rid in self.types:
            raise GenerateError(f"duplicate relationship id {rid!r}")
        contract = props.get("contract_id")
        if contract is not None:
            self._need(contract, "contract", what)
        row = {"id": rid, "source_id": source, "target_id": target, "kind": kind,
               **{k: v for k, v in props.items() if v is not None}}
        check_row("relationships", row)
        self._edge_keys.add(key)
        self.rows["relationships"][rid] = row
        return rid

    def state_currencies(self) -> tuple[int, int]:
        """Give every amount a currency: sales first, then parties; returns (relationships, parties) changed.

        A sale drawn without one (``buys_from``, ``supplies``) is in :data:`TRADE_CURRENCY`: the sample's
        trade book is in yuan, drawn on the scale of tech_co's. A party's own amounts then take the
        currency most of its priced relationships use (ties: the alphabetically first; none:
        :func:`home_currency`), so its capital, Tier 1 and revenue compare with its loans and sales as
        they were drawn.
        """
        rels = self.rows["relationships"].values()
        edges = 0
        for row in rels:
            if row.get("currency") is None and any(row.get(k) is not None for k in EDGE_MONEY):
                row["currency"] = TRADE_CURRENCY
                edges += 1
        used: dict[str, Counter[str]] = {}
        for row in rels:
            if any(row.get(k) is not None for k in EDGE_MONEY):
                for end in (row["source_id"], row["target_id"]):
                    used.setdefault(end, Counter())[row["currency"]] += 1
        parties = 0
        for pid, row in self.rows["parties"].items():
            if row.get("currency") is None and any(row.get(k) is not None for k in PARTY_MONEY):
                counts = used.get(pid)
                row["currency"] = (min(counts, key=lambda c: (-counts[c], c)) if counts
                                   else home_currency(row.get("country")))
                parties += 1
        return edges, parties

    # -- output ---------------------------------------------------------------------
    def render(self) -> dict[str, str]:
        """File name → CSV text for every role."""
        return {FILE_NAMES[role]: render(role, self.rows[role].values()) for role in ROLES}
